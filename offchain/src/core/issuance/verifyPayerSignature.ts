import type { Address, Hex } from "viem";

import type { GuaranteeRequest, GuaranteeRequestDomain } from "../guaranteeTypes.ts";
import { hashGuaranteeRequest } from "../hashGuaranteeRequest.ts";
import { recoverGuaranteeRequestSigner } from "../recoverGuaranteeRequestSigner.ts";
import { IssuanceCode, IssuanceError } from "./issuanceErrors.ts";

/** ERC-1271 port: whether `wallet.isValidSignature(digest, signature)` returns the magic value. Adapter: viem. */
export type IsValidSignature = (wallet: Address, digest: Hex, signature: Hex) => Promise<boolean>;

/**
 * The payer's signature over the EIP-712 request: ECDSA recovery first (65 bytes), then ERC-1271 for smart-contract
 * wallets. Throws INVALID_SIGNATURE otherwise.
 */
export async function verifyPayerSignature(
  request: GuaranteeRequest,
  signature: Hex,
  domain: GuaranteeRequestDomain,
  isValidSignature: IsValidSignature,
): Promise<void> {
  if (signature.length === 132) {
    try {
      const signer = await recoverGuaranteeRequestSigner(request, domain, signature);
      if (signer.toLowerCase() === request.user.toLowerCase()) return;
    } catch {
      // Not a recoverable ECDSA signature: a contract wallet may still accept it.
    }
  }
  const digest = hashGuaranteeRequest(request, domain);
  // A failing chain read propagates (the adapter raises CHAIN_UNAVAILABLE): an outage is not a bad signature.
  if (!(await isValidSignature(request.user, digest, signature))) {
    throw new IssuanceError(IssuanceCode.INVALID_SIGNATURE, `signature is not the payer ${request.user}'s`, {
      user: request.user,
    });
  }
}
