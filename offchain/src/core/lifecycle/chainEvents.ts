import type { Address, Hex } from "viem";

/** Where an event was emitted: `(blockHash, logIndex)` identifies it; a reorg changes the hash. */
export interface EventRef {
  blockNumber: bigint;
  blockHash: Hex;
  logIndex: number;
  txHash: Hex;
  /** The emitting contract, lowercase. */
  address: Address;
}

/** The stable text form of an event ref, recorded as the cause of what it changed. */
export function eventRefKey(ref: Pick<EventRef, "blockHash" | "logIndex">): string {
  return `${ref.blockHash}:${ref.logIndex}`;
}

/** Core4Mica (vault) events the follower applies. Addresses lowercase, amounts bigint. */
export type VaultEvent =
  | { name: "CollateralDeposited"; user: Address; asset: Address; depositor: Address; amount: bigint }
  | { name: "WithdrawalRequested"; user: Address; asset: Address; amount: bigint; requestedAt: bigint }
  | { name: "WithdrawalCanceled"; user: Address; asset: Address; amount: bigint }
  | { name: "WithdrawalReduced"; user: Address; asset: Address; remaining: bigint }
  | { name: "CollateralWithdrawn"; user: Address; asset: Address; amount: bigint }
  | {
      name: "GuaranteeRemunerated";
      guaranteeId: Hex;
      user: Address;
      recipient: Address;
      asset: Address;
      amount: bigint;
      version: bigint;
    }
  | { name: "CollateralSeized"; user: Address; asset: Address; requested: bigint; seized: bigint }
  | { name: "CollateralSettled"; user: Address; asset: Address; amount: bigint };

/** ClearingHouse events the follower applies. */
export type ClearingEvent =
  | { name: "CycleCommitted"; cycleId: bigint; asset: Address; root: Hex; totalNet: bigint; batchHash: Hex }
  | {
      name: "NetDebitPaid";
      cycleId: bigint;
      asset: Address;
      debtor: Address;
      payer: Address;
      amount: bigint;
      /**
       * The payer is the vault (Core4Mica, set by the decoder): the net debit was paid from the debtor's collateral
       * by `settleNetDebitsFromCollateral`, the only way the vault pays one.
       */
      fromCollateral: boolean;
    }
  | {
      name: "DebtorDefaulted";
      cycleId: bigint;
      asset: Address;
      debtor: Address;
      netDebit: bigint;
      covered: bigint;
      shortfall: bigint;
    }
  | { name: "NetCreditClaimed"; cycleId: bigint; asset: Address; creditor: Address; netCredit: bigint; paid: bigint }
  | { name: "CycleFinalized"; cycleId: bigint; asset: Address; paidIn: bigint; covered: bigint };

export type ChainEventBody = VaultEvent | ClearingEvent;
export type ChainEvent = ChainEventBody & { ref: EventRef };
export type ChainEventName = ChainEventBody["name"];
