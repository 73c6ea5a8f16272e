import type { Address, Hex } from "viem";

import type { GuaranteeLockView } from "./eventState.ts";
import type { Mutation } from "./mutations.ts";
import type { ValidationPolicyCheck } from "./validationOutcome.ts";

/** A guarantee with what the lifecycle actions check: who may act on it and when it expires. */
export interface LifecycleGuarantee extends GuaranteeLockView {
  recipient: Address;
  timestamp: bigint;
}

/** A PENDING_VALIDATION guarantee with the registry lookup and policy it waits on. */
export interface PendingValidation {
  guarantee: LifecycleGuarantee;
  registry: Address;
  requestHash: Hex;
  policy: ValidationPolicyCheck;
}

/** Storage port of the lifecycle jobs and actions. */
export interface LifecycleStore {
  get(guaranteeId: Hex): Promise<LifecycleGuarantee | undefined>;
  /**
   * Applies `mutations` in one transaction, each a compare-and-set; throws LifecycleError STALE_STATE (and changes
   * nothing) when any finds another state.
   */
  apply(mutations: readonly Mutation[]): Promise<void>;
  /** PENDING_VALIDATION guarantees, oldest first, after `afterId` in (ts, id) order. */
  listPendingValidation(limit: number, after?: { timestamp: bigint; guaranteeId: Hex }): Promise<PendingValidation[]>;
  /** Lock-holding, not netted guarantees stamped at or before `maxTimestamp`, oldest first. */
  listExpiryCandidates(maxTimestamp: bigint, limit: number): Promise<LifecycleGuarantee[]>;
}
