export {
  memoryCertificateStore,
  sqlCertificateStore,
  CERTIFICATE_STORE_MIGRATION,
  type CertificateStore,
  type StoredCertificate,
} from "./certificateStore.ts";
export { claimNetCredit } from "./claimNetCredit.ts";
export { remunerate, remunerateBatch, type RemunerateItem, type RemunerateParameters } from "./remunerate.ts";
export {
  listOwed,
  remunerationStatus,
  type RemunerationContext,
  type RemunerationRoute,
  type RemunerationStatus,
} from "./remunerationStatus.ts";
export {
  envelopeInner,
  envelopeVersion,
  expectedFromRequest,
  verifyCertificate,
  type VerifyCertificateParameters,
} from "./verifyCertificate.ts";
