export { CreditClientScheme, CreditClientError, randomReqId, type CreditClientOptions } from "./creditClientScheme.ts";
export type { BuyerPolicy, PaymentIntent } from "./buyerPolicy.ts";
export { CREDIT_SCHEME, creditNetwork } from "../scheme.ts";
