import { GuaranteeStatus } from "../issuance/guaranteeStore.ts";
import { transition } from "./decideChainEvent.ts";
import type { GuaranteeLockView } from "./eventState.ts";
import { LifecycleCode, LifecycleError } from "./lifecycleErrors.ts";
import type { Mutation } from "./mutations.ts";

/** Causes recorded in guarantee_transitions by the lifecycle jobs and actions. */
export const LifecycleCause = {
  VALIDATION_MATCHED: "VALIDATION_MATCHED",
  PAYER_DISPUTE: "PAYER_DISPUTE",
  RECIPIENT_CANCEL: "RECIPIENT_CANCEL",
  EXPIRED: "EXPIRED",
} as const;

/** Statuses an expiry can end: every one that holds a lock and is not netted. */
const EXPIRABLE: ReadonlySet<GuaranteeStatus> = new Set([
  GuaranteeStatus.PENDING_VALIDATION,
  GuaranteeStatus.FINALIZED_PAYABLE,
  GuaranteeStatus.DISPUTED,
]);

function refuse(g: GuaranteeLockView, action: string): never {
  throw new LifecycleError(
    LifecycleCode.INVALID_TRANSITION,
    `guarantee ${g.guaranteeId} is ${g.status}: it cannot be ${action}`,
    { guaranteeId: g.guaranteeId, status: g.status },
  );
}

/** A matching registry answer: PENDING_VALIDATION -> FINALIZED_PAYABLE; the lock stays (netting pays it). */
export function planPromotion(g: GuaranteeLockView, causeRef: string): Mutation[] {
  if (g.status !== GuaranteeStatus.PENDING_VALIDATION) refuse(g, "promoted");
  return [transition(g, GuaranteeStatus.FINALIZED_PAYABLE, LifecycleCause.VALIDATION_MATCHED, causeRef, "keep")];
}

/**
 * A payer's dispute: PENDING_VALIDATION -> DISPUTED. It stays out of netting but keeps its lock: the recipient may
 * still redeem it on-chain (route B) if the registry answers, so the collateral must stay; expiry releases it.
 * Disputing a DISPUTED guarantee again is a no-op (idempotent retry).
 */
export function planDispute(g: GuaranteeLockView): Mutation[] {
  if (g.status === GuaranteeStatus.DISPUTED) return [];
  if (g.status !== GuaranteeStatus.PENDING_VALIDATION) refuse(g, "disputed");
  return [transition(g, GuaranteeStatus.DISPUTED, LifecycleCause.PAYER_DISPUTE, null, "keep")];
}

/**
 * A recipient's cancel: PENDING_VALIDATION or FINALIZED_PAYABLE (not yet netted) -> CANCELLED, lock released.
 * The recipient gives the payment up; cancelling again is a no-op.
 */
export function planCancel(g: GuaranteeLockView): Mutation[] {
  if (g.status === GuaranteeStatus.CANCELLED) return [];
  if (g.status !== GuaranteeStatus.PENDING_VALIDATION && g.status !== GuaranteeStatus.FINALIZED_PAYABLE) {
    refuse(g, "cancelled");
  }
  return [transition(g, GuaranteeStatus.CANCELLED, LifecycleCause.RECIPIENT_CANCEL, null)];
}

/**
 * Whether a guarantee stamped `timestamp` has expired at `now`: the vault redeems nothing at or after
 * `timestamp + guaranteeExpiry` (protocol.md §5), so from then on its lock backs nothing.
 */
export function isExpired(timestamp: bigint, guaranteeExpiry: bigint, now: bigint): boolean {
  return now >= timestamp + guaranteeExpiry;
}

/**
 * Expiry: a guarantee still holding its lock at `timestamp + expiry`, and not netted -> EXPIRED, lock released.
 * NETTED guarantees keep theirs: a committed net debit stays enforceable on-chain (markDefaulted has no deadline)
 * and the ClearingHouse events release them. Returns [] when nothing is due.
 */
export function planExpiry(g: GuaranteeLockView, timestamp: bigint, guaranteeExpiry: bigint, now: bigint): Mutation[] {
  if (!g.lockHeld || !EXPIRABLE.has(g.status) || !isExpired(timestamp, guaranteeExpiry, now)) return [];
  return [transition(g, GuaranteeStatus.EXPIRED, LifecycleCause.EXPIRED, `expiry:${timestamp + guaranteeExpiry}`)];
}
