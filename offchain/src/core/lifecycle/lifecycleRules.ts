import { GuaranteeStatus } from "../issuance/guaranteeStore.ts";
import { lockEffect, transition } from "./decideChainEvent.ts";
import type { GuaranteeLockView } from "./eventState.ts";
import { bookFacts, type LockFacts } from "./lockReleasable.ts";
import { LifecycleCode, LifecycleError } from "./lifecycleErrors.ts";
import type { Mutation } from "./mutations.ts";

/** Causes recorded in guarantee_transitions by the lifecycle jobs and actions. */
export const LifecycleCause = {
  VALIDATION_MATCHED: "VALIDATION_MATCHED",
  PAYER_DISPUTE: "PAYER_DISPUTE",
  RECIPIENT_CANCEL: "RECIPIENT_CANCEL",
  EXPIRED: "EXPIRED",
} as const;

/** Statuses whose lock the expiry job looks at: every one that can hold a lock and is not netted. */
const EXPIRABLE: ReadonlySet<GuaranteeStatus> = new Set([
  GuaranteeStatus.PENDING_VALIDATION,
  GuaranteeStatus.FINALIZED_PAYABLE,
  GuaranteeStatus.DISPUTED,
  GuaranteeStatus.CANCELLED,
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
 * A payer's dispute: PENDING_VALIDATION -> DISPUTED. It stays out of netting; its lock follows the release rule
 * (lockReleasable.ts) with `facts`, which for a live V2 keeps it: route B can still pay it until expiry if the
 * registry answers. Disputing a DISPUTED guarantee again is a no-op (idempotent retry).
 */
export function planDispute(g: GuaranteeLockView, facts: LockFacts = bookFacts(g)): Mutation[] {
  if (g.status === GuaranteeStatus.DISPUTED) return [];
  if (g.status !== GuaranteeStatus.PENDING_VALIDATION) refuse(g, "disputed");
  return [transition(g, GuaranteeStatus.DISPUTED, LifecycleCause.PAYER_DISPUTE, null, lockEffect(g, facts))];
}

/**
 * A recipient's cancel: PENDING_VALIDATION or FINALIZED_PAYABLE (not yet netted) -> CANCELLED. It leaves netting at
 * once, but the certificate the recipient holds stays valid on-chain, so the lock follows the release rule with
 * `facts`: a V2 keeps it until consumed or expired (route B), a V1 until its cycle is committed without it (the
 * CycleCommitted event releases it) or expiry. Cancelling again is a no-op.
 */
export function planCancel(g: GuaranteeLockView, facts: LockFacts = bookFacts(g)): Mutation[] {
  if (g.status === GuaranteeStatus.CANCELLED) return [];
  if (g.status !== GuaranteeStatus.PENDING_VALIDATION && g.status !== GuaranteeStatus.FINALIZED_PAYABLE) {
    refuse(g, "cancelled");
  }
  return [transition(g, GuaranteeStatus.CANCELLED, LifecycleCause.RECIPIENT_CANCEL, null, lockEffect(g, facts))];
}

/**
 * Whether a guarantee stamped `timestamp` has expired at `now`: the vault redeems nothing at or after
 * `timestamp + guaranteeExpiry` (protocol.md §5), so from then on its lock backs nothing.
 */
export function isExpired(timestamp: bigint, guaranteeExpiry: bigint, now: bigint): boolean {
  return now >= timestamp + guaranteeExpiry;
}

/**
 * Expiry: a guarantee still holding its lock at `timestamp + expiry`, not netted, is released by the rule
 * (expired: no certificate route is open). It becomes EXPIRED, except a CANCELLED one, which keeps its status
 * (the recipient's act) and only loses the lock. NETTED guarantees keep theirs: a committed net debit stays
 * enforceable on-chain (markDefaulted has no deadline) and the ClearingHouse events release them. Returns [] when
 * nothing is due.
 */
export function planExpiry(g: GuaranteeLockView, timestamp: bigint, guaranteeExpiry: bigint, now: bigint): Mutation[] {
  if (!g.lockHeld || !EXPIRABLE.has(g.status) || !isExpired(timestamp, guaranteeExpiry, now)) return [];
  if (lockEffect(g, bookFacts(g, { expired: true })) !== "release") return [];
  const to = g.status === GuaranteeStatus.CANCELLED ? GuaranteeStatus.CANCELLED : GuaranteeStatus.EXPIRED;
  return [transition(g, to, LifecycleCause.EXPIRED, `expiry:${timestamp + guaranteeExpiry}`, "release")];
}
