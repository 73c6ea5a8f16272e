export { CreditServerScheme, type CreditAsset, type CreditServerOptions } from "./creditServerScheme.ts";
export {
  CreditFacilitatorClient,
  type CreditFacilitatorClientOptions,
  type PaymentLogger,
} from "./creditFacilitatorClient.ts";
export {
  CERTIFICATE_STORE_MIGRATION,
  MemoryCertificateStore,
  memoryCertificateStore,
  sqlCertificateStore,
  type CertificateStore,
  type StoredCertificate,
} from "./certificateStore.ts";
export { Delivery, MemoryDeliveryStore, type DeliveryStore } from "./delivery.ts";
export { paymentOfHeader, paymentOfPayload, type CreditPaymentInfo } from "./paymentOfRequest.ts";
export { CREDIT_SCHEME, creditNetwork } from "../scheme.ts";
export { CreditReason } from "../reasons.ts";
export { validationPolicyInputsToJson, type CreditExtra, type CreditSettlementExtra } from "../wire.ts";
