export {
  CreditFacilitatorScheme,
  type CreditFacilitatorDeps,
  type CreditFacilitatorParams,
} from "./creditFacilitatorScheme.ts";
export {
  createCoreClient,
  DEFAULT_ISSUE_BATCHING,
  fetchTransport,
  httpTransport,
  type ClosableCoreTransport,
  CoreUnavailableError,
  type CoreClient,
  type CorePublicParams,
  type CoreTransport,
  type IssueBatching,
  type IssueOutcome,
  type IssuedCertificate,
} from "./coreClient.ts";
export { CREDIT_SCHEME, CREDIT_CAIP_FAMILY, creditNetwork, chainIdOfNetwork } from "../scheme.ts";
export { CreditReason, reasonStatus } from "../reasons.ts";
