import type { Address } from "viem";

import { GuaranteeStatus } from "../issuance/guaranteeStore.ts";
import { eventRefKey, type ChainEvent } from "./chainEvents.ts";
import type { EventState, GuaranteeLockView } from "./eventState.ts";
import { bookFacts, lockReleasable, type LockFacts } from "./lockReleasable.ts";
import type { GuaranteeTransition, LockEffect, Mutation } from "./mutations.ts";

/** Cycle statuses after which a commit event changes nothing. */
const COMMITTED_OR_LATER = new Set(["COMMITTED", "FINALIZED"]);

/**
 * The database changes one chain event causes, given the state it finds. Pure: the adapter loads `state` and
 * applies the result in the transaction that records the event and advances the cursor.
 *
 * Vault: deposits add to `deposited`; a withdrawal request replaces `pending_withdrawal` (pending withdrawals are
 * unavailable for new locks); cancel clears it; a reduction sets it; a finalized withdrawal removes what was paid
 * from `deposited`; a redemption marks the guarantee REDEEMED, releases its lock and removes the amount paid; a
 * seizure removes what was seized; a settlement from collateral (CollateralSettled) removes what it paid.
 *
 * ClearingHouse: a commit marks the cycle COMMITTED and releases the locks of its cancelled V1 guarantees (their
 * fallback can no longer open); a paid debtor's netted guarantees become SETTLED and a
 * defaulted debtor's DEFAULT_REMUNERATED (its collateral covered them), locks released; a creditor that claimed
 * owes nothing, so its own netted guarantees are SETTLED; finalization settles whatever is still netted (creditors
 * that never claimed, flat participants: every debtor is resolved by then).
 * A NetDebitPaid whose payer is the vault (`fromCollateral`: paid from collateral) also marks the debtor's
 * authorization SETTLED; one from any other payer leaves the authorization alone.
 * Every lock release is decided by {@link lockReleasable} with the facts the event establishes.
 */
export function decideChainEvent(event: ChainEvent, state: EventState): Mutation[] {
  const ref = eventRefKey(event.ref);
  switch (event.name) {
    case "CollateralDeposited":
      return add(event.user, event.asset, "deposited", event.amount);

    case "WithdrawalRequested": {
      const out: Mutation[] = setPending(event.user, event.asset, event.amount, state.pendingWithdrawal);
      if (state.openWithdrawalRef !== null) {
        out.push({ kind: "withdrawal.close", ref: state.openWithdrawalRef, to: "CANCELLED", by: ref });
      }
      out.push({
        kind: "withdrawal.open",
        ref,
        user: event.user,
        asset: event.asset,
        amount: event.amount,
        requestedAt: event.requestedAt,
      });
      return out;
    }

    case "WithdrawalCanceled":
      return [
        ...setPending(event.user, event.asset, 0n, state.pendingWithdrawal),
        ...closeWithdrawal(state, "CANCELLED", ref),
      ];

    case "WithdrawalReduced":
      return [
        ...setPending(event.user, event.asset, event.remaining, state.pendingWithdrawal),
        ...(event.remaining === 0n ? closeWithdrawal(state, "CANCELLED", ref) : []),
      ];

    case "CollateralWithdrawn":
      return [
        ...add(event.user, event.asset, "deposited", -event.amount),
        ...setPending(event.user, event.asset, 0n, state.pendingWithdrawal),
        ...closeWithdrawal(state, "EXECUTED", ref),
      ];

    case "GuaranteeRemunerated": {
      const out: Mutation[] = [];
      const g = state.guarantee;
      if (g !== undefined && g.status !== GuaranteeStatus.REDEEMED) {
        out.push(
          transition(g, GuaranteeStatus.REDEEMED, event.name, ref, lockEffect(g, bookFacts(g, { consumed: true }))),
        );
      }
      out.push(...add(event.user, event.asset, "deposited", -event.amount));
      return out;
    }

    case "CollateralSeized":
      return add(event.user, event.asset, "deposited", -event.seized);

    case "CollateralSettled":
      return add(event.user, event.asset, "deposited", -event.amount);

    case "CycleCommitted":
      return [
        ...cycleTo(event, state, "COMMITTED", ref),
        ...state.fallbackLocks
          .filter((g) => g.lockHeld && lockReleasable(g, bookFacts(g, { cycleCommitted: true })))
          .map((g) => transition(g, g.status, event.name, ref, "release")),
      ];

    case "NetDebitPaid":
      return [
        ...positionTo(event, event.debtor, state, "UNPAID", "PAID", ref),
        ...state.nettedGuarantees.map((g) => settle(g, GuaranteeStatus.SETTLED, event.name, ref)),
        ...(event.fromCollateral ? settlementSettled(event, state, ref) : []),
      ];

    case "DebtorDefaulted":
      return [
        ...positionTo(event, event.debtor, state, "UNPAID", "DEFAULTED", ref),
        ...state.nettedGuarantees.map((g) => settle(g, GuaranteeStatus.DEFAULT_REMUNERATED, event.name, ref)),
      ];

    case "NetCreditClaimed":
      return [
        ...positionTo(event, event.creditor, state, "CLAIMABLE", "CLAIMED", ref),
        ...state.nettedGuarantees.map((g) => settle(g, GuaranteeStatus.SETTLED, event.name, ref)),
      ];

    case "CycleFinalized":
      return [
        ...cycleTo(event, state, "FINALIZED", ref),
        ...state.nettedGuarantees.map((g) => settle(g, GuaranteeStatus.SETTLED, event.name, ref)),
      ];
  }
}

function add(user: `0x${string}`, asset: `0x${string}`, field: "deposited", delta: bigint): Mutation[] {
  return delta === 0n ? [] : [{ kind: "balance.add", user, asset, field, delta }];
}

function setPending(user: `0x${string}`, asset: `0x${string}`, value: bigint, previous: bigint): Mutation[] {
  return value === previous ? [] : [{ kind: "balance.setPending", user, asset, value, previous }];
}

/** The debtor's authorization row (PENDING, SUBMITTED or SKIPPED) to SETTLED by `ref`, undoably; none without one. */
function settlementSettled(
  event: { cycleId: bigint; asset: Address; debtor: Address },
  state: EventState,
  ref: string,
): Mutation[] {
  const s = state.settlement;
  if (s === undefined || (s.status !== "PENDING" && s.status !== "SUBMITTED" && s.status !== "SKIPPED")) return [];
  return [
    {
      kind: "settlement.status",
      cycleId: event.cycleId,
      asset: event.asset,
      debtor: event.debtor,
      from: s.status,
      to: "SETTLED",
      settledBy: ref,
      previousSettledBy: s.settledBy,
    },
  ];
}

function closeWithdrawal(state: EventState, to: "EXECUTED" | "CANCELLED", by: string): Mutation[] {
  return state.openWithdrawalRef === null ? [] : [{ kind: "withdrawal.close", ref: state.openWithdrawalRef, to, by }];
}

/** What a transition does to `g`'s lock under the release rule: release it if held and releasable. */
export function lockEffect(g: GuaranteeLockView, facts: LockFacts): LockEffect {
  return g.lockHeld && lockReleasable(g, facts) ? "release" : "keep";
}

/**
 * A netted guarantee whose payer side the ClearingHouse resolved (paid, seized, owed nothing net, or finalized):
 * its batch is committed (so a V1's fallback is closed and a V2's id was consumed by the commit) and no net debit
 * of it remains to seize.
 */
function settle(g: GuaranteeLockView, to: GuaranteeStatus, cause: string, ref: string): GuaranteeTransition {
  const facts = bookFacts(g, { consumed: g.version !== 1, cycleCommitted: true, inOpenBatch: false });
  return transition(g, to, cause, ref, lockEffect(g, facts));
}

/** A status change (`to` may equal the current status for a lock-only change) with its lock effect. */
export function transition(
  g: GuaranteeLockView,
  to: GuaranteeStatus,
  cause: string,
  causeRef: string | null,
  lock: LockEffect,
): GuaranteeTransition {
  return {
    kind: "guarantee.transition",
    guaranteeId: g.guaranteeId,
    user: g.user,
    asset: g.asset,
    amount: g.amount,
    from: g.status,
    to,
    lock,
    cause,
    causeRef,
  };
}

function cycleTo(
  event: { cycleId: bigint; asset: `0x${string}` },
  state: EventState,
  to: "COMMITTED" | "FINALIZED",
  _ref: string,
): Mutation[] {
  const from = state.cycleStatus;
  if (from === undefined || from === to || (to === "COMMITTED" && COMMITTED_OR_LATER.has(from))) return [];
  return [{ kind: "cycle.status", cycleId: event.cycleId, asset: event.asset, from, to }];
}

function positionTo(
  event: { cycleId: bigint; asset: `0x${string}` },
  participant: `0x${string}`,
  state: EventState,
  from: string,
  to: string,
  ref: string,
): Mutation[] {
  const p = state.position;
  if (p === undefined || p.status !== from) return [];
  return [
    {
      kind: "position.status",
      cycleId: event.cycleId,
      asset: event.asset,
      participant,
      from,
      to,
      settledBy: ref,
      previousSettledBy: p.settledBy,
    },
  ];
}
