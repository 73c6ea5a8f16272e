import { FourMicaError } from "../protocol/errors.ts";

/**
 * Stable codes of the SDK's failures. Buyer-policy refusals start with `POLICY_`; certificate checks throw protocol's
 * CertificateVerificationError (`CERTIFICATE_*`, offchain/src/protocol/certificate); clients branch on the code, never on the message.
 */
export const SdkCode = {
  POLICY_INVALID_CONFIG: "POLICY_INVALID_CONFIG",
  POLICY_INVALID_INTENT: "POLICY_INVALID_INTENT",
  POLICY_TASK_REQUIRED: "POLICY_TASK_REQUIRED",
  POLICY_SELLER_NOT_ALLOWED: "POLICY_SELLER_NOT_ALLOWED",
  POLICY_PAYTO_NOT_ALLOWED: "POLICY_PAYTO_NOT_ALLOWED",
  POLICY_ASSET_NOT_ALLOWED: "POLICY_ASSET_NOT_ALLOWED",
  POLICY_NETWORK_NOT_ALLOWED: "POLICY_NETWORK_NOT_ALLOWED",
  POLICY_VERSION_NOT_ALLOWED: "POLICY_VERSION_NOT_ALLOWED",
  POLICY_VALIDATION_POLICY_REFUSED: "POLICY_VALIDATION_POLICY_REFUSED",
  POLICY_AMOUNT_EXCEEDS_REQUEST_LIMIT: "POLICY_AMOUNT_EXCEEDS_REQUEST_LIMIT",
  POLICY_BUDGET_EXCEEDED: "POLICY_BUDGET_EXCEEDED",
  POLICY_APPROVAL_DENIED: "POLICY_APPROVAL_DENIED",
  CORE_REQUEST_FAILED: "CORE_REQUEST_FAILED",
  CERTIFICATE_VERSION_DISABLED: "CERTIFICATE_VERSION_DISABLED",
  PROOF_ROOT_MISMATCH: "PROOF_ROOT_MISMATCH",
  TRANSACTION_REVERTED: "TRANSACTION_REVERTED",
  NOT_REMUNERABLE: "NOT_REMUNERABLE",
} as const;
export type SdkCode = (typeof SdkCode)[keyof typeof SdkCode];

/** A buyer-policy refusal: nothing was signed and no budget was spent. */
export class PolicyError extends FourMicaError {
  constructor(code: SdkCode, message: string, details?: Record<string, unknown>) {
    super(code, message, { details });
    this.name = "PolicyError";
  }
}

/** The seller or `payTo` is not on the allowlist. */
export class PolicySellerNotAllowedError extends PolicyError {
  constructor(message: string, details?: Record<string, unknown>, code: SdkCode = SdkCode.POLICY_SELLER_NOT_ALLOWED) {
    super(code, message, details);
    this.name = "PolicySellerNotAllowedError";
  }
}

/** A per-request, per-task or time-window budget would be exceeded. */
export class PolicyBudgetExceededError extends PolicyError {
  constructor(message: string, details?: Record<string, unknown>, code: SdkCode = SdkCode.POLICY_BUDGET_EXCEEDED) {
    super(code, message, details);
    this.name = "PolicyBudgetExceededError";
  }
}

/** The asset, network, version or V2 validation policy is not one the buyer allows. */
export class PolicyTermsNotAllowedError extends PolicyError {
  constructor(code: SdkCode, message: string, details?: Record<string, unknown>) {
    super(code, message, details);
    this.name = "PolicyTermsNotAllowedError";
  }
}

/** The approval callback declined (or threw) for a payment above the threshold. */
export class PolicyApprovalDeniedError extends PolicyError {
  constructor(message: string, details?: Record<string, unknown>) {
    super(SdkCode.POLICY_APPROVAL_DENIED, message, details);
    this.name = "PolicyApprovalDeniedError";
  }
}

/** Core's HTTP API answered with an error (its `{ error: { code } }` is kept in `details.coreCode`). */
export class CoreRequestError extends FourMicaError {
  readonly status: number;
  constructor(status: number, message: string, details?: Record<string, unknown>) {
    super(SdkCode.CORE_REQUEST_FAILED, message, { details });
    this.name = "CoreRequestError";
    this.status = status;
  }
}

/** An SDK action that cannot proceed or whose transaction reverted. */
export class SdkActionError extends FourMicaError {
  constructor(code: SdkCode, message: string, details?: Record<string, unknown>, cause?: unknown) {
    super(code, message, { details, cause });
    this.name = "SdkActionError";
  }
}
