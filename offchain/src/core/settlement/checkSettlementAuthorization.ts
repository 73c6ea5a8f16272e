import type { Address } from "viem";

import { SchedulerCode, SchedulerError } from "../scheduler/schedulerErrors.ts";
import { SettlementCode, SettlementError } from "./settlementErrors.ts";
import { SETTLEMENT_MARGIN } from "./types.ts";

/** What Core's books say when an authorization arrives (loaded by the adapter; the signature is checked apart). */
export interface SettlementFacts {
  cycleId: bigint;
  asset: Address;
  debtor: Address;
  /** The authorized amount. */
  amount: bigint;
  /** Core's clock, unix seconds. */
  now: bigint;
  cycle: { status: string; paymentDeadline: bigint } | undefined;
  position: { role: string; amount: bigint; status: string } | undefined;
  /** The debtor's deposited collateral in `asset` in Core's books (balances.deposited). */
  deposited: bigint;
}

/**
 * Whether Core takes an authorization, by its books, in this order: the (cycle, asset) exists and is COMMITTED; the
 * payment window is open for at least SETTLEMENT_MARGIN more seconds (the scheduler must still be able to send it);
 * the debtor is a net debtor of it, still UNPAID; the amount is exactly its net debit; its deposited collateral
 * covers it. Pure: throws the refusal (a stable code, the offending values) or returns.
 */
export function checkSettlementAuthorization(f: SettlementFacts): void {
  const at = { cycleId: f.cycleId.toString(), asset: f.asset, debtor: f.debtor };
  if (!f.cycle) {
    throw new SchedulerError(SchedulerCode.CYCLE_NOT_FOUND, `no cycle ${f.cycleId} for asset ${f.asset}`, at);
  }
  if (f.cycle.status !== "COMMITTED") {
    throw new SettlementError(
      SettlementCode.CYCLE_NOT_COMMITTED,
      `cycle ${f.cycleId} of ${f.asset} is ${f.cycle.status}, not COMMITTED`,
      { ...at, status: f.cycle.status },
    );
  }
  const closesAt = f.cycle.paymentDeadline - SETTLEMENT_MARGIN;
  if (f.now > closesAt) {
    throw new SettlementError(
      SettlementCode.WINDOW_CLOSED,
      `settlements of cycle ${f.cycleId} close at ${closesAt} (payment deadline ${f.cycle.paymentDeadline}); now ${f.now}`,
      {
        ...at,
        now: f.now.toString(),
        closesAt: closesAt.toString(),
        paymentDeadline: f.cycle.paymentDeadline.toString(),
      },
    );
  }
  if (!f.position) {
    throw new SchedulerError(SchedulerCode.POSITION_NOT_FOUND, `${f.debtor} has no position in cycle ${f.cycleId}`, at);
  }
  if (f.position.role !== "NET_DEBTOR") {
    throw new SettlementError(
      SettlementCode.NOT_DEBTOR,
      `${f.debtor} is ${f.position.role} in cycle ${f.cycleId}, not a net debtor`,
      { ...at, role: f.position.role },
    );
  }
  if (f.position.status !== "UNPAID") {
    throw new SettlementError(
      SettlementCode.ALREADY_RESOLVED,
      `${f.debtor}'s net debit of cycle ${f.cycleId} is already ${f.position.status}`,
      { ...at, positionStatus: f.position.status },
    );
  }
  if (f.amount !== f.position.amount) {
    throw new SettlementError(
      SettlementCode.AMOUNT_MISMATCH,
      `authorized ${f.amount}, but ${f.debtor}'s net debit of cycle ${f.cycleId} is ${f.position.amount}`,
      { ...at, amount: f.amount.toString(), netDebit: f.position.amount.toString() },
    );
  }
  if (f.deposited < f.amount) {
    throw new SettlementError(
      SettlementCode.INSUFFICIENT_COLLATERAL,
      `${f.debtor}'s collateral ${f.deposited} does not cover its net debit ${f.amount}`,
      { ...at, deposited: f.deposited.toString(), amount: f.amount.toString() },
    );
  }
}
