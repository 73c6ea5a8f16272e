import type { Address, Hex } from "viem";

import type { GuaranteeRequest } from "../../protocol/guaranteeTypes.ts";
import { ecdsaSignatureRefusal, PayerSignatureCode } from "../../protocol/secp256k1/ecdsaSignatureRefusal.ts";
import type { Secp256k1Recovery } from "../../protocol/secp256k1/types.ts";
import { IssuanceError } from "./issuanceErrors.ts";

/** ERC-1271 port: whether `wallet.isValidSignature(digest, signature)` returns the magic value. Adapter: viem. */
export type IsValidSignature = (wallet: Address, digest: Hex, signature: Hex) => Promise<boolean>;

/** Whether an address has code (`address.code.length != 0`), as `SignatureChecker` asks first. Adapter: viem. */
export type HasCode = (address: Address) => Promise<boolean>;

export interface PayerSignatureDeps {
  /** The EIP-712 digest of a request under the vault's domain (createGuaranteeRequestHasher). */
  digest: (request: GuaranteeRequest) => Hex;
  recovery: Secp256k1Recovery;
  isValidSignature: IsValidSignature;
  hasCode: HasCode;
}

/**
 * The payer's signature over the EIP-712 request, accepted exactly when the vault's
 * `SignatureChecker.isValidSignatureNow(user, digest, signature)` (OpenZeppelin 5.x) would accept it: a payer with
 * code is asked through ERC-1271 only; a payer without code must give a 65-byte low-s signature with v 27 or 28
 * that recovers to it. Throws IssuanceError with one PAYER_SIGNATURE_* code per refusal. A failing chain read
 * propagates (the adapter raises CHAIN_UNAVAILABLE): an outage is not a bad signature.
 */
export async function verifyPayerSignature(
  request: GuaranteeRequest,
  signature: Hex,
  deps: PayerSignatureDeps,
): Promise<void> {
  const digest = deps.digest(request);
  const user = request.user.toLowerCase() as Address;
  if (await deps.hasCode(user)) {
    if (await deps.isValidSignature(user, digest, signature)) return;
    throw new IssuanceError(
      PayerSignatureCode.ERC1271_REJECTED,
      `the payer's wallet ${user} did not accept the signature (ERC-1271)`,
      { user },
    );
  }
  const refusal = ecdsaSignatureRefusal(signature);
  if (refusal) throw new IssuanceError(refusal.code, refusal.message, { user, ...refusal.details });
  let signer: Address;
  try {
    signer = (await deps.recovery.recoverAddress(digest, signature)).toLowerCase() as Address;
  } catch (cause) {
    throw new IssuanceError(PayerSignatureCode.INVALID, "signature recovers no public key", { user }, cause);
  }
  if (signer !== user) {
    throw new IssuanceError(PayerSignatureCode.MISMATCH, `signature is by ${signer}, not the payer ${user}`, {
      user,
      signer,
    });
  }
}
