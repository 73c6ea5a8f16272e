import type { Address, Hex } from "viem";

import type { GuaranteeStatus } from "../issuance/guaranteeStore.ts";

/** A guarantee as the lifecycle rules see it: who is locked, for how much, and whether the lock is still held. */
export interface GuaranteeLockView {
  guaranteeId: Hex;
  version: number;
  user: Address;
  asset: Address;
  amount: bigint;
  status: GuaranteeStatus;
  lockHeld: boolean;
}

/**
 * The database state an event's rule reads, loaded by the adapter in the transaction that applies the event.
 * Each event uses the fields named in its rule (decideChainEvent.ts); the others stay empty.
 */
export interface EventState {
  /** balances.pending_withdrawal of the event's (user, asset); 0 when there is no row. */
  pendingWithdrawal: bigint;
  /** The request ref of the PENDING withdrawals row of (user, asset), if any. */
  openWithdrawalRef: string | null;
  /** GuaranteeRemunerated: the remunerated guarantee, if Core issued it. */
  guarantee: GuaranteeLockView | undefined;
  /** Cycle events: the (cycle, asset) row's status, if Core has the cycle. */
  cycleStatus: string | undefined;
  /** Participant events: the position row, if Core has it. */
  position: { status: string; settledBy: string | null } | undefined;
  /**
   * Participant events: the participant's NETTED guarantees (as payer) netted in the (cycle, asset);
   * CycleFinalized: every NETTED guarantee netted in it.
   */
  nettedGuarantees: GuaranteeLockView[];
  /**
   * CycleCommitted: the lock-holding CANCELLED or DISPUTED V1 guarantees of exactly this (cycle, asset), never
   * netted; the commit closes their fallback route, so the release rule lets their locks go.
   */
  fallbackLocks: GuaranteeLockView[];
  /** NetDebitPaid from collateral: the debtor's authorization row (migration 008), if Core took one. */
  settlement: { status: string; settledBy: string | null } | undefined;
}

export const EMPTY_EVENT_STATE: EventState = {
  pendingWithdrawal: 0n,
  openWithdrawalRef: null,
  guarantee: undefined,
  cycleStatus: undefined,
  position: undefined,
  nettedGuarantees: [],
  fallbackLocks: [],
  settlement: undefined,
};
