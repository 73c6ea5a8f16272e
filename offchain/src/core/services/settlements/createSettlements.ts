import type { Address, Hex } from "viem";

import { getBalances } from "../../adapters/db/balanceRepository.ts";
import { getCycleRecord, getPosition } from "../../adapters/db/cycleRepository.ts";
import type { Database } from "../../adapters/db/database.ts";
import {
  getSettlement,
  insertSettlement,
  listSettlements,
  type SettlementRecord,
} from "../../adapters/db/settlementRepository.ts";
import { checkSettlementAuthorization } from "../../settlement/checkSettlementAuthorization.ts";
import { verifySettlementSignature, type IsValidSignature } from "../../settlement/verifySettlementSignature.ts";

export interface SettlementsDeps {
  db: Database;
  chainId: bigint;
  clearingHouse: Address;
  /** Core's clock, unix seconds. */
  now: () => bigint;
  /** ERC-1271 through the chain client (false for an address without code). */
  isValidSignature: IsValidSignature;
}

export interface SettlementAuthorization {
  debtor: Address;
  amount: bigint;
  signature: Hex;
}

export interface Settlements {
  /**
   * Takes a debtor's authorization to settle its net debit of (cycle, asset) from its collateral: the same
   * authorization again (same debtor, amount and signature) answers the stored row without checking anything
   * (idempotent, whatever happened since); otherwise Core's books are checked (checkSettlementAuthorization), then
   * the signature, and the row is stored PENDING unless the debtor already has one (the first one wins).
   */
  authorize(cycleId: bigint, asset: Address, a: SettlementAuthorization): Promise<SettlementRecord>;
  list(cycleId: bigint, asset: Address): Promise<SettlementRecord[]>;
}

export function createSettlements(deps: SettlementsDeps): Settlements {
  const { db } = deps;
  return {
    async authorize(cycleId, asset, a) {
      const debtor = a.debtor.toLowerCase() as Address;
      const signature = a.signature.toLowerCase() as Hex;
      const existing = await getSettlement(db, cycleId, asset, debtor);
      if (existing && existing.amount === a.amount && existing.signature === signature) return existing;

      const [cycle, position, balances] = await Promise.all([
        getCycleRecord(db, cycleId, asset),
        getPosition(db, cycleId, asset, debtor),
        getBalances(db, debtor),
      ]);
      checkSettlementAuthorization({
        cycleId,
        asset,
        debtor,
        amount: a.amount,
        now: deps.now(),
        cycle: cycle && { status: cycle.status, paymentDeadline: cycle.deadlines.paymentDeadline },
        position,
        deposited: balances.find((b) => b.asset === asset)?.deposited ?? 0n,
      });
      await verifySettlementSignature(
        { chainId: deps.chainId, clearingHouse: deps.clearingHouse, cycleId, asset, debtor, amount: a.amount },
        signature,
        deps.isValidSignature,
      );
      return (await insertSettlement(db, { cycleId, asset, debtor, amount: a.amount, signature })).record;
    },
    list: (cycleId, asset) => listSettlements(db, cycleId, asset),
  };
}
