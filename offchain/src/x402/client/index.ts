export { CreditClientScheme, CreditClientError, type CreditClientOptions } from "./creditClientScheme.ts";
export { randomReqId } from "../randomReqId.ts";
export type { BuyerPolicy, PaymentIntent } from "./buyerPolicy.ts";
export { CREDIT_SCHEME, creditNetwork } from "../scheme.ts";
