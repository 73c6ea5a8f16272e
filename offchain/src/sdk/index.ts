/**
 * `4mica/sdk`: the payer (deposit, sign behind a buyer policy, withdraw, pay a net debit) and the recipient
 * (verify a certificate against the vault's key, store it, claim a net credit, remunerate on-chain, list what is
 * owed). Actions take their viem client first. It imports the protocol, never Core (`.dependency-cruiser.cjs`).
 */
export * from "./payer/index.ts";
export * from "./recipient/index.ts";
export * from "./policy/index.ts";
export * from "./webhooks/index.ts";
export {
  createCoreClient,
  type CollateralBalance,
  type CoreCertificate,
  type CoreClient,
  type CoreClientOptions,
  type CoreGuarantee,
  type CorePosition,
  type CoreSettlement,
  type MessageSigner,
} from "./core/coreClient.ts";
export { VAULT_ENTRY_POINTS, clearingHouseAbi, core4MicaAbi, guaranteeDecoderAbi, remunerateAbi } from "./abis.ts";
export type { SdkReadClient, SdkWalletClient } from "./chain.ts";
export {
  CoreRequestError,
  PolicyApprovalDeniedError,
  PolicyBudgetExceededError,
  PolicyError,
  PolicySellerNotAllowedError,
  PolicyTermsNotAllowedError,
  SdkActionError,
  SdkCode,
} from "./errors.ts";
export { pgPoolDatabase, type PgPoolLike, type SqlDatabase, type SqlParam, type SqlQueryable } from "./store/sql.ts";
export {
  CertificateCode,
  CertificateVerificationError,
  type CertificateEnvelope,
  type ExpectedCertificateFields,
} from "../protocol/certificate/verifyCertificate.ts";
