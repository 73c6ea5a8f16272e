import type { Address } from "viem";

import type { CycleDeadlines } from "../../protocol/cycles/cycleSchedule.ts";
import type { ScheduleSegment } from "../../protocol/cycles/cycleSchedule.ts";

/**
 * Status of a (cycle, asset) row. OPEN takes guarantees until `end`; CLOSED waits for the resolution cutoff;
 * NETTED holds a published batch; COMMITTING means a commit transaction may be in flight (its intent is persisted);
 * COMMITTED follows payments and defaults; FINALIZED is terminal. MISSED: the commit deadline passed without a
 * commit (V1 of the cycle go to the vault's fallback route). EMPTY: no guarantee issued, nothing committed (a
 * cycle with guarantees but none payable commits an empty batch instead).
 */
export const CycleStatus = {
  OPEN: "OPEN",
  CLOSED: "CLOSED",
  NETTED: "NETTED",
  COMMITTING: "COMMITTING",
  COMMITTED: "COMMITTED",
  MISSED: "MISSED",
  EMPTY: "EMPTY",
  FINALIZED: "FINALIZED",
} as const;
export type CycleStatus = (typeof CycleStatus)[keyof typeof CycleStatus];

/** Statuses after which the scheduler never acts on the (cycle, asset) again. */
export const TERMINAL_CYCLE_STATUSES: readonly CycleStatus[] = [
  CycleStatus.MISSED,
  CycleStatus.EMPTY,
  CycleStatus.FINALIZED,
];

/** A debtor that neither paid nor was marked defaulted on-chain, with its committed net debit. */
export type UnresolvedDebtor = { readonly debtor: Address; readonly amount: bigint };

/** What the ClearingHouse says about a (cycle, asset) (`getCycle`, plus per-debtor flags when needed). */
export type ChainCycleFacts = {
  readonly committed: boolean;
  readonly finalized: boolean;
  readonly debtorCount: number;
  readonly resolvedDebtors: number;
  /** The batch's debtors still unresolved on-chain; loaded only once the payment deadline has passed. */
  readonly unresolvedDebtors?: readonly UnresolvedDebtor[];
  /** Paid in plus covered reaches the total net: every creditor can claim in full. */
  readonly funded?: boolean;
};

/** Core's own settlement work on a COMMITTED (cycle, asset) (migration 008). */
export type SettlementFacts = {
  /** Authorizations accepted and not yet sent. */
  readonly pending: number;
  /** Authorizations in a batch transaction whose outcome Core has not recorded yet. */
  readonly submitted: number;
  /** Net creditors Core still holds CLAIMABLE, 0 once a batched claim of them has succeeded. */
  readonly unclaimedCreditors: number;
};

/** The scheduler's view of one (cycle, asset) row. */
export type CycleView = {
  readonly cycleId: bigint;
  readonly asset: Address;
  readonly status: CycleStatus;
  readonly deadlines: CycleDeadlines;
  /** Guarantees in the published batch (NETTED and later). */
  readonly guaranteeCount?: number;
  /** Chain facts, loaded for NETTED, COMMITTING and COMMITTED rows. */
  readonly chain?: ChainCycleFacts;
  /** Settlement from collateral and batched claims, loaded for COMMITTED rows. */
  readonly settlement?: SettlementFacts;
};

/** Everything `planTick` decides from: the on-chain schedule, the assets followed and the live cycle rows. */
export type SchedulerState = {
  readonly segments: readonly ScheduleSegment[];
  /** Every asset that can hold guarantees (lower-case). */
  readonly assets: readonly Address[];
  /** Every non-terminal cycle row. */
  readonly cycles: readonly CycleView[];
  /**
   * Per asset, the first cycle id without a row: the newest row's id + 1, or, when the asset has no row yet, the
   * oldest cycle id of its guarantees. Absent: start at the current cycle.
   */
  readonly nextCycleId: ReadonlyMap<Address, bigint>;
};

export type PlanOptions = {
  /** Rows created per asset and tick at most (a scheduler down for long catches up over several ticks). */
  readonly maxNewCyclesPerAsset?: number;
  /** Debtors per `markDefaulted` transaction. */
  readonly defaultChunkSize?: number;
  /** Pay every unclaimed creditor in one `claimNetCredits` once the cycle is funded (default true). */
  readonly autoClaim?: boolean;
  /** Seconds before the payment deadline after which PENDING authorizations are no longer sent (default 300). */
  readonly settlementMargin?: bigint;
};

type Target = { readonly cycleId: bigint; readonly asset: Address };

/** One step of a tick, in execution order. DB-only steps are idempotent by status; chain steps re-check the chain. */
export type TickAction =
  | (Target & { readonly kind: "CREATE_CYCLE"; readonly deadlines: CycleDeadlines })
  | (Target & { readonly kind: "CLOSE" })
  | (Target & { readonly kind: "NET" })
  | (Target & { readonly kind: "COMMIT" })
  | (Target & { readonly kind: "CONFIRM_COMMIT" })
  | (Target & { readonly kind: "MISS"; readonly netted: boolean })
  | (Target & { readonly kind: "SETTLE_FROM_COLLATERAL"; readonly send: boolean })
  | (Target & { readonly kind: "MARK_DEFAULTED"; readonly debtors: readonly UnresolvedDebtor[] })
  | (Target & { readonly kind: "CLAIM_CREDITS" })
  | (Target & { readonly kind: "FINALIZE" })
  | (Target & { readonly kind: "CONFIRM_FINALIZED" });

export type TickActionKind = TickAction["kind"];
