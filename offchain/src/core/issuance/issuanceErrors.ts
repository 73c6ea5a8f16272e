import { FourMicaError } from "../../protocol/errors.ts";
import { PayerSignatureCode } from "../../protocol/secp256k1/ecdsaSignatureRefusal.ts";

/**
 * Issuance failures. Each code is stable; offchain/src/core/adapters/http/errorStatus.ts maps it to a status.
 * None of them changes state: they are raised before the transaction or roll it back.
 */
export const IssuanceCode = {
  UNSUPPORTED_VERSION: "UNSUPPORTED_VERSION",
  STALE_TIMESTAMP: "STALE_TIMESTAMP",
  FUTURE_TIMESTAMP: "FUTURE_TIMESTAMP",
  BEFORE_GENESIS: "BEFORE_GENESIS",
  CYCLE_CLOSED: "CYCLE_CLOSED",
  UNTRUSTED_REGISTRY: "UNTRUSTED_REGISTRY",
  VALIDATION_CHAIN_MISMATCH: "VALIDATION_CHAIN_MISMATCH",
  INVALID_SIGNATURE: "INVALID_SIGNATURE",
  // The payer signature's refusals, one per reason the vault would refuse it (verifyPayerSignature.ts).
  ...PayerSignatureCode,
  PAYER_SUSPENDED: "PAYER_SUSPENDED",
  INSUFFICIENT_COLLATERAL: "INSUFFICIENT_COLLATERAL",
  GUARANTEE_CONFLICT: "GUARANTEE_CONFLICT",
  GUARANTEE_NOT_FOUND: "GUARANTEE_NOT_FOUND",
  /** The operator paused issuance (POST /core/admin/issuance/pause). */
  ISSUANCE_PAUSED: "ISSUANCE_PAUSED",
} as const;

export type IssuanceCode = (typeof IssuanceCode)[keyof typeof IssuanceCode];

export class IssuanceError extends FourMicaError {
  constructor(code: IssuanceCode, message: string, details?: Record<string, unknown>, cause?: unknown) {
    super(code, message, { details, cause });
    this.name = "IssuanceError";
  }
}
