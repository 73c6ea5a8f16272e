/**
 * The ONE place that maps stable error codes to HTTP statuses. A code missing here is a bug: it answers 500.
 */
const STATUS: Record<string, number> = {
  // 400: the request itself is wrong; nothing changed.
  INVALID_INPUT: 400,
  INVALID_JSON: 400,
  UNSUPPORTED_VERSION: 400,
  STALE_TIMESTAMP: 400,
  FUTURE_TIMESTAMP: 400,
  BEFORE_GENESIS: 400,
  UNTRUSTED_REGISTRY: 400,
  VALIDATION_CHAIN_MISMATCH: 400,
  // V2 policy (codes of offchain/src/protocol/validationPolicyErrors.ts).
  INVALID_MIN_VALIDATION_SCORE: 400,
  INVALID_JOB_HASH: 400,
  VALIDATION_SUBJECT_HASH_MISMATCH: 400,
  VALIDATION_REQUEST_HASH_MISMATCH: 400,
  INVALID_SIGNATURE: 400,
  // Payer signatures the vault would refuse (offchain/src/protocol/secp256k1/ecdsaSignatureRefusal.ts).
  PAYER_SIGNATURE_LENGTH: 400,
  PAYER_SIGNATURE_HIGH_S: 400,
  PAYER_SIGNATURE_BAD_V: 400,
  PAYER_SIGNATURE_INVALID: 400,
  PAYER_SIGNATURE_MISMATCH: 400,
  PAYER_SIGNATURE_ERC1271_REJECTED: 400,
  // 401/403: who is asking.
  UNAUTHENTICATED: 401,
  SIWE_INVALID: 401,
  // SIWE (EIP-4361) refusals, one per rule (offchain/src/core/auth/verifySiweSignIn.ts).
  SIWE_MALFORMED: 401,
  SIWE_DOMAIN_MISMATCH: 401,
  SIWE_URI_MISMATCH: 401,
  SIWE_CHAIN_MISMATCH: 401,
  SIWE_ISSUED_IN_FUTURE: 401,
  SIWE_EXPIRED: 401,
  SIWE_NOT_YET_VALID: 401,
  SIWE_NONCE_INVALID: 401,
  SIWE_SIGNATURE_MISMATCH: 401,
  FORBIDDEN: 403,
  // The operator's admin API (/core/admin/*, adapters/http/auth.ts requireAdmin).
  ADMIN_UNAUTHENTICATED: 401,
  ADMIN_DISABLED: 403,
  PAYER_SUSPENDED: 403,
  // Webhook subscriptions (routes/webhooks.ts): FOURMICA_WEBHOOK_ENCRYPTION_KEY unset.
  WEBHOOKS_DISABLED: 403,
  // 404
  NOT_FOUND: 404,
  GUARANTEE_NOT_FOUND: 404,
  CYCLE_NOT_FOUND: 404,
  BATCH_NOT_FOUND: 404,
  POSITION_NOT_FOUND: 404,
  WEBHOOK_NOT_FOUND: 404,
  WEBHOOK_DELIVERY_NOT_FOUND: 404,
  // 409: valid, but the state does not allow it.
  CYCLE_CLOSED: 409,
  INSUFFICIENT_COLLATERAL: 409,
  GUARANTEE_CONFLICT: 409,
  INVALID_TRANSITION: 409,
  STALE_STATE: 409,
  WEBHOOK_DELIVERY_PENDING: 409,
  // Settlements from collateral (offchain/src/core/settlement/settlementErrors.ts).
  SETTLEMENT_CYCLE_NOT_COMMITTED: 409,
  SETTLEMENT_WINDOW_CLOSED: 409,
  SETTLEMENT_NOT_DEBTOR: 409,
  SETTLEMENT_ALREADY_RESOLVED: 409,
  SETTLEMENT_AMOUNT_MISMATCH: 400,
  SETTLEMENT_SIGNATURE_INVALID: 400,
  // Transport.
  METHOD_NOT_ALLOWED: 405,
  RATE_LIMITED: 429,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  // Our side.
  CHAIN_UNAVAILABLE: 503,
  UNAVAILABLE: 503,
  // The operator paused issuance (incident response); reads, lifecycle and settlement go on.
  ISSUANCE_PAUSED: 503,
  INTERNAL: 500,
};

export function errorStatus(code: string): number {
  return STATUS[code] ?? 500;
}

/** Every code the API can answer with (for the OpenAPI document). */
export const ERROR_CODES = Object.keys(STATUS);
