/**
 * `4mica/protocol`: the pure protocol every client imports (Core, the facilitator, the x402 plug-ins, the SDK, the
 * tools). Encodings, EIP-712 requests, ids, domains, validation hashes, BLS, netting and Merkle trees, the cycle
 * schedule. No I/O: `.dependency-cruiser.cjs` keeps it so.
 */
export { FourMicaError, InvalidInputError, hasCode } from "./errors.ts";
export type {
  Guarantee,
  GuaranteeCertificateFields,
  GuaranteeRequest,
  GuaranteeRequestDomain,
  GuaranteeRequestFields,
  GuaranteeRequestV1,
  GuaranteeRequestV2,
  GuaranteeV1,
  GuaranteeV2,
  GuaranteeVersion,
  ValidationPolicy,
} from "./guaranteeTypes.ts";
export { envelopeAbi, guaranteeV1Abi, guaranteeV2Abi } from "./guaranteeAbi.ts";
export { encodeEnvelope } from "./encodeEnvelope.ts";
export { decodeEnvelope } from "./decodeEnvelope.ts";
export {
  GuaranteeVersionMismatchError,
  MalformedGuaranteeEnvelopeError,
  UnsupportedGuaranteeVersionError,
} from "./guaranteeEncodingErrors.ts";
export { guaranteeDomain } from "./guaranteeDomain.ts";
export { guaranteeId, type GuaranteeIdentity } from "./guaranteeId.ts";
export {
  GUARANTEE_REQUEST_DOMAIN_NAME,
  GUARANTEE_REQUEST_DOMAIN_VERSION,
  guaranteeRequestTypedData,
  guaranteeRequestV1Types,
  guaranteeRequestV2Types,
  type GuaranteeRequestTypedData,
} from "./guaranteeRequestTypedData.ts";
export { guaranteeRequestStructHash } from "./guaranteeRequestStructHash.ts";
export { hashGuaranteeRequest } from "./hashGuaranteeRequest.ts";
export { createGuaranteeRequestHasher } from "./createGuaranteeRequestHasher.ts";
export { signGuaranteeRequest } from "./signGuaranteeRequest.ts";
export { recoverGuaranteeRequestSigner } from "./recoverGuaranteeRequestSigner.ts";
export { buildValidationPolicy, type ValidationPolicyInputs } from "./buildValidationPolicy.ts";
export { assertCanonicalPolicy } from "./assertCanonicalPolicy.ts";
export { VALIDATION_REQUEST_TAG, validationRequestHash } from "./validationRequestHash.ts";
export { VALIDATION_SUBJECT_TAG, validationSubjectHash } from "./validationSubjectHash.ts";
export {
  InvalidJobHashError,
  InvalidMinValidationScoreError,
  ValidationRequestHashMismatchError,
  ValidationSubjectHashMismatchError,
} from "./validationPolicyErrors.ts";
export {
  DEFAULT_CYCLE_PHASES,
  cycleAt,
  deadlinesOf,
  defaultSchedule,
  segmentDeadlines,
  segmentsOf,
  type CycleDeadlines,
  type CyclePhases,
  type CycleSchedule,
  type ScheduleSegment,
} from "./cycles/cycleSchedule.ts";
export * from "./bls/index.ts";
export * from "./netting/index.ts";
export {
  CertificateCode,
  CertificateVerificationError,
  verifyCertificate,
  type BlsVerifier,
  type CertificateEnvelope,
  type ExpectedCertificateFields,
  type VerifyCertificateInput,
} from "./certificate/verifyCertificate.ts";
export {
  NET_DEBIT_SETTLEMENT_DOMAIN_NAME,
  NET_DEBIT_SETTLEMENT_DOMAIN_VERSION,
  NET_DEBIT_SETTLEMENT_TYPES,
  hashNetDebitSettlement,
  netDebitSettlementDomain,
  netDebitSettlementTypedData,
  type NetDebitSettlementInput,
  type NetDebitSettlementTypedData,
} from "./netDebitSettlement.ts";
