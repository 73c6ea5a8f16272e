import type { Address, Hex } from "viem";

import type { GuaranteeRequest } from "../../protocol/guaranteeTypes.ts";
import type { Secp256k1Recovery } from "../../protocol/secp256k1/types.ts";
import { IssuanceCode, IssuanceError } from "./issuanceErrors.ts";

/** ERC-1271 port: whether `wallet.isValidSignature(digest, signature)` returns the magic value. Adapter: viem. */
export type IsValidSignature = (wallet: Address, digest: Hex, signature: Hex) => Promise<boolean>;

export interface PayerSignatureDeps {
  /** The EIP-712 digest of a request under the vault's domain (createGuaranteeRequestHasher). */
  digest: (request: GuaranteeRequest) => Hex;
  recovery: Secp256k1Recovery;
  isValidSignature: IsValidSignature;
}

/**
 * The payer's signature over the EIP-712 request: ECDSA recovery first (65 bytes), then ERC-1271 for smart-contract
 * wallets. Throws INVALID_SIGNATURE otherwise.
 */
export async function verifyPayerSignature(
  request: GuaranteeRequest,
  signature: Hex,
  deps: PayerSignatureDeps,
): Promise<void> {
  const digest = deps.digest(request);
  if (signature.length === 132) {
    try {
      const signer = await deps.recovery.recoverAddress(digest, signature);
      if (signer === request.user.toLowerCase()) return;
    } catch {
      // Not a recoverable ECDSA signature: a contract wallet may still accept it.
    }
  }
  // A failing chain read propagates (the adapter raises CHAIN_UNAVAILABLE): an outage is not a bad signature.
  if (!(await deps.isValidSignature(request.user, digest, signature))) {
    throw new IssuanceError(IssuanceCode.INVALID_SIGNATURE, `signature is not the payer ${request.user}'s`, {
      user: request.user,
    });
  }
}
