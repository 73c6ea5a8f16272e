export {
  CreditFacilitatorScheme,
  type CreditFacilitatorDeps,
  type CreditFacilitatorParams,
} from "./creditFacilitatorScheme.ts";
export {
  createCoreClient,
  fetchTransport,
  httpTransport,
  type ClosableCoreTransport,
  CoreUnavailableError,
  type CoreClient,
  type CorePublicParams,
  type CoreTransport,
  type IssueOutcome,
  type IssuedCertificate,
} from "./coreClient.ts";
export { CREDIT_SCHEME, CREDIT_CAIP_FAMILY, creditNetwork, chainIdOfNetwork } from "../scheme.ts";
export { CreditReason, reasonStatus } from "../reasons.ts";
