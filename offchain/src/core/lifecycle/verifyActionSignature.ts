import { recoverAddress, type Address, type Hex } from "viem";

import { actionDigest, type ActionDomain, type ActionScheme, type GuaranteeAction } from "./lifecycleMessages.ts";
import { LifecycleCode, LifecycleError } from "./lifecycleErrors.ts";

/** ERC-1271 port: whether `wallet.isValidSignature(digest, signature)` returns the magic value. */
export type IsValidSignature = (wallet: Address, digest: Hex, signature: Hex) => Promise<boolean>;

/**
 * Checks that `signer` signed `action` on `guaranteeId`: ECDSA recovery first, then ERC-1271 for contract
 * wallets. Throws INVALID_SIGNATURE otherwise.
 */
export async function verifyActionSignature(
  action: GuaranteeAction,
  guaranteeId: Hex,
  signer: Address,
  signature: Hex,
  scheme: ActionScheme,
  domain: ActionDomain,
  isValidSignature: IsValidSignature,
): Promise<void> {
  const digest = actionDigest(action, guaranteeId, domain, scheme);
  if (signature.length === 132) {
    try {
      const recovered = await recoverAddress({ hash: digest, signature });
      if (recovered.toLowerCase() === signer.toLowerCase()) return;
    } catch {
      // Not a recoverable ECDSA signature: a contract wallet may still accept it.
    }
  }
  if (!(await isValidSignature(signer, digest, signature))) {
    throw new LifecycleError(
      LifecycleCode.INVALID_SIGNATURE,
      `signature is not ${signer}'s ${action} of guarantee ${guaranteeId}`,
      { guaranteeId, signer, action, scheme },
    );
  }
}
