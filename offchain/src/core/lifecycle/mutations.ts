import type { Address, Hex } from "viem";

import type { GuaranteeStatus } from "../issuance/guaranteeStore.ts";

export type BalanceField = "deposited" | "locked" | "pending_withdrawal";

/** What a guarantee transition does to its lock. */
export type LockEffect = "keep" | "release" | "reacquire";

/**
 * One database change decided by the pure lifecycle rules and applied by the DB adapter. Every mutation carries
 * what it expects to find (compare-and-set), so a concurrent writer makes it fail instead of double-applying, and
 * every mutation has an exact inverse ({@link invertMutation}) for undoing a reorged-out event.
 */
export type Mutation =
  /** `field += delta` (delta may be negative). */
  | { kind: "balance.add"; user: Address; asset: Address; field: BalanceField; delta: bigint }
  /** `pending_withdrawal: previous -> value`. */
  | { kind: "balance.setPending"; user: Address; asset: Address; value: bigint; previous: bigint }
  /** A PENDING withdrawal row, identified by the event that requested it. */
  | { kind: "withdrawal.open"; ref: string; user: Address; asset: Address; amount: bigint; requestedAt: bigint }
  | { kind: "withdrawal.delete"; ref: string }
  /** PENDING -> EXECUTED | CANCELLED, by the event `by`. */
  | { kind: "withdrawal.close"; ref: string; to: "EXECUTED" | "CANCELLED"; by: string }
  | { kind: "withdrawal.reopen"; ref: string; from: "EXECUTED" | "CANCELLED" }
  /**
   * `status: from -> to` (compare-and-set), the lock released or re-acquired (balances.locked -= / += amount),
   * and a guarantee_transitions row with the cause.
   */
  | {
      kind: "guarantee.transition";
      guaranteeId: Hex;
      user: Address;
      asset: Address;
      amount: bigint;
      from: GuaranteeStatus;
      to: GuaranteeStatus;
      lock: LockEffect;
      cause: string;
      causeRef: string | null;
    }
  | { kind: "cycle.status"; cycleId: bigint; asset: Address; from: string; to: string }
  | {
      kind: "position.status";
      cycleId: bigint;
      asset: Address;
      participant: Address;
      from: string;
      to: string;
      settledBy: string | null;
      previousSettledBy: string | null;
    }
  /** A collateral settlement authorization's `status: from -> to` (migration 008), with the event that caused it. */
  | {
      kind: "settlement.status";
      cycleId: bigint;
      asset: Address;
      debtor: Address;
      from: string;
      to: string;
      settledBy: string | null;
      previousSettledBy: string | null;
    };

export type GuaranteeTransition = Extract<Mutation, { kind: "guarantee.transition" }>;

/** Cause recorded on the transitions written when a reorg undoes an event. */
export const CAUSE_REORG = "REORG";

/** The mutation that restores exactly what `m` changed. */
export function invertMutation(m: Mutation): Mutation {
  switch (m.kind) {
    case "balance.add":
      return { ...m, delta: -m.delta };
    case "balance.setPending":
      return { ...m, value: m.previous, previous: m.value };
    case "withdrawal.open":
      return { kind: "withdrawal.delete", ref: m.ref };
    case "withdrawal.delete":
      throw new Error("withdrawal.delete is only ever an inverse");
    case "withdrawal.close":
      return { kind: "withdrawal.reopen", ref: m.ref, from: m.to };
    case "withdrawal.reopen":
      throw new Error("withdrawal.reopen is only ever an inverse");
    case "guarantee.transition":
      return {
        ...m,
        from: m.to,
        to: m.from,
        lock: m.lock === "release" ? "reacquire" : m.lock === "reacquire" ? "release" : "keep",
        cause: CAUSE_REORG,
      };
    case "cycle.status":
      return { ...m, from: m.to, to: m.from };
    case "position.status":
    case "settlement.status":
      return { ...m, from: m.to, to: m.from, settledBy: m.previousSettledBy, previousSettledBy: m.settledBy };
  }
}

/** The undo list of a mutation list: inverses in reverse order. */
export function undoOf(mutations: readonly Mutation[]): Mutation[] {
  return mutations.map(invertMutation).reverse();
}
