import type { Address, Hex } from "viem";

/**
 * Where a debtor's authorization to settle from collateral stands (migration 008): PENDING (accepted, not sent),
 * SUBMITTED (in a batch transaction that may be in flight), SETTLED (paid on-chain), SKIPPED (its batch landed
 * without it: the collateral no longer covered it; the debtor is left to the default path).
 */
export const SettlementStatus = {
  PENDING: "PENDING",
  SUBMITTED: "SUBMITTED",
  SETTLED: "SETTLED",
  SKIPPED: "SKIPPED",
} as const;
export type SettlementStatus = (typeof SettlementStatus)[keyof typeof SettlementStatus];

/** Seconds before a cycle's payment deadline after which Core neither accepts nor sends an authorization. */
export const SETTLEMENT_MARGIN = 300n;

/** Debtors per `settleNetDebitsFromCollateral` transaction by default (FOURMICA_SETTLEMENT_BATCH_SIZE). */
export const DEFAULT_SETTLEMENT_BATCH_SIZE = 200;

/**
 * One element of a `settleNetDebitsFromCollateral` batch (IClearingHouse.CollateralSettlement). Its leaf is proven
 * by the batch's one multiproof ({@link SettlementBatchArg}).
 */
export interface CollateralSettlementArg {
  debtor: Address;
  amount: bigint;
  signature: Hex;
}

/**
 * The multiproof of some debtors' NET_DEBTOR leaves in the committed tree (`NettingTree.getMultiProof`): the
 * debtors in the order it takes their leaves, its proof hashes and flags.
 */
export interface DebtorMultiProof {
  participants: readonly Address[];
  proof: readonly Hex[];
  proofFlags: readonly boolean[];
}

/** The arguments after (cycleId, asset) of one `settleNetDebitsFromCollateral` call. */
export interface SettlementBatchArg {
  /** In the multiproof's order. */
  settlements: CollateralSettlementArg[];
  proof: readonly Hex[];
  proofFlags: readonly boolean[];
}

/** One element of a `claimNetCredits` batch (IClearingHouse.CreditClaim). */
export interface CreditClaimArg {
  creditor: Address;
  amount: bigint;
  proof: readonly Hex[];
}
