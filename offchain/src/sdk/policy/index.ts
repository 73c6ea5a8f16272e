export {
  createBuyerPolicy,
  type AssetLimits,
  type BuyerPolicy,
  type BuyerPolicyConfig,
  type IntentValidationPolicy,
  type NormalizedIntent,
  type PaymentIntent,
  type PolicyReservation,
  type ValidationConstraints,
} from "./buyerPolicy.ts";
export { filePolicyStore } from "./filePolicyStore.ts";
export { memoryPolicyStore } from "./memoryPolicyStore.ts";
export type { BudgetCounter, PolicyStore, ReserveInput, ReserveResult } from "./policyStore.ts";
export { POLICY_STORE_MIGRATION, sqlPolicyStore } from "./sqlPolicyStore.ts";
