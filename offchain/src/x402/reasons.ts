/**
 * Machine-readable reasons of the `4mica-credit` scheme (snake case, `invalid_4mica_credit_evm_*` as x402 names
 * mechanism reasons, beside x402's generic ones) and the HTTP status the facilitator answers each with, following the
 * x402 HTTP transport's table: a malformed payload or requirements is 400, a payment that fails verification or
 * settlement is 402, a failure on our side is 500, success is 200.
 */
export const CreditReason = {
  // 400: the payload or the requirements are malformed, or not for this facilitator.
  INVALID_PAYLOAD: "invalid_4mica_credit_evm_payload",
  INVALID_REQUIREMENTS: "invalid_4mica_credit_evm_requirements",
  UNSUPPORTED_SCHEME: "unsupported_scheme",
  INVALID_NETWORK: "invalid_network",
  INVALID_X402_VERSION: "invalid_x402_version",
  // 402: well formed, but the payment does not pay these requirements (or Core refuses it).
  SCHEME_MISMATCH: "invalid_4mica_credit_evm_scheme_mismatch",
  NETWORK_MISMATCH: "invalid_4mica_credit_evm_network_mismatch",
  RECIPIENT_MISMATCH: "invalid_4mica_credit_evm_recipient_mismatch",
  ASSET_MISMATCH: "invalid_4mica_credit_evm_asset_mismatch",
  AMOUNT_MISMATCH: "invalid_4mica_credit_evm_amount_mismatch",
  AMOUNT_EXCEEDS_SIGNED: "invalid_4mica_credit_evm_amount_exceeds_signed",
  VERIFYING_CONTRACT_MISMATCH: "invalid_4mica_credit_evm_verifying_contract_mismatch",
  VERSION_MISMATCH: "invalid_4mica_credit_evm_version_mismatch",
  POLICY_MISMATCH: "invalid_4mica_credit_evm_policy_mismatch",
  TIMESTAMP_STALE: "invalid_4mica_credit_evm_timestamp_stale",
  TIMESTAMP_FUTURE: "invalid_4mica_credit_evm_timestamp_future",
  SIGNATURE: "invalid_4mica_credit_evm_signature",
  INSUFFICIENT_COLLATERAL: "invalid_4mica_credit_evm_insufficient_collateral",
  REQ_ID_REUSED: "invalid_4mica_credit_evm_req_id_reused",
  PAYER_SUSPENDED: "invalid_4mica_credit_evm_payer_suspended",
  CYCLE_CLOSED: "invalid_4mica_credit_evm_cycle_closed",
  OPERATOR_REJECTED: "invalid_4mica_credit_evm_operator_rejected",
  CERTIFICATE_NOT_PERSISTED: "invalid_4mica_credit_evm_certificate_not_persisted",
  // 500: our side (Core unreachable, or a certificate that does not prove the signed request).
  CERTIFICATE_INVALID: "invalid_4mica_credit_evm_certificate_invalid",
  CORE_UNAVAILABLE: "invalid_4mica_credit_evm_core_unavailable",
  UNEXPECTED_VERIFY_ERROR: "unexpected_verify_error",
  UNEXPECTED_SETTLE_ERROR: "unexpected_settle_error",
} as const;
export type CreditReason = (typeof CreditReason)[keyof typeof CreditReason];

const BAD_REQUEST = new Set<string>([
  CreditReason.INVALID_PAYLOAD,
  CreditReason.INVALID_REQUIREMENTS,
  CreditReason.UNSUPPORTED_SCHEME,
  CreditReason.INVALID_NETWORK,
  CreditReason.INVALID_X402_VERSION,
]);
const SERVER_ERROR = new Set<string>([
  CreditReason.CERTIFICATE_INVALID,
  CreditReason.CORE_UNAVAILABLE,
  CreditReason.UNEXPECTED_VERIFY_ERROR,
  CreditReason.UNEXPECTED_SETTLE_ERROR,
]);

/** The facilitator's HTTP status for a failed verify or settle with `reason` (the one mapping). */
export function reasonStatus(reason: string | undefined): number {
  if (reason === undefined) return 500;
  if (BAD_REQUEST.has(reason)) return 400;
  if (SERVER_ERROR.has(reason)) return 500;
  return 402;
}

/** Core's stable error codes (docs/core-api.md) -> the scheme's reasons. */
export function reasonOfCoreCode(code: string): CreditReason {
  switch (code) {
    case "INSUFFICIENT_COLLATERAL":
      return CreditReason.INSUFFICIENT_COLLATERAL;
    case "GUARANTEE_CONFLICT":
      return CreditReason.REQ_ID_REUSED;
    case "PAYER_SUSPENDED":
      return CreditReason.PAYER_SUSPENDED;
    case "INVALID_SIGNATURE":
    case "PAYER_SIGNATURE_LENGTH":
    case "PAYER_SIGNATURE_HIGH_S":
    case "PAYER_SIGNATURE_BAD_V":
    case "PAYER_SIGNATURE_INVALID":
    case "PAYER_SIGNATURE_MISMATCH":
    case "PAYER_SIGNATURE_ERC1271_REJECTED":
      return CreditReason.SIGNATURE;
    case "RATE_LIMITED":
      return CreditReason.CORE_UNAVAILABLE;
    case "STALE_TIMESTAMP":
      return CreditReason.TIMESTAMP_STALE;
    case "FUTURE_TIMESTAMP":
      return CreditReason.TIMESTAMP_FUTURE;
    case "CYCLE_CLOSED":
    case "BEFORE_GENESIS":
      return CreditReason.CYCLE_CLOSED;
    case "UNAVAILABLE":
    case "CHAIN_UNAVAILABLE":
    case "INTERNAL":
      return CreditReason.CORE_UNAVAILABLE;
    default:
      return CreditReason.OPERATOR_REJECTED;
  }
}
