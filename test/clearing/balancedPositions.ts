import type { Address } from "viem";

import { NET_CREDITOR, NET_DEBTOR, type NetPosition } from "../../offchain/src/protocol/netting/index.ts";

/**
 * Positions for property tests of the netting tree: participant `0x…id`, roles alternating debtor/creditor, and one
 * balancing position (participant `0xff…ff`) when the debits and credits differ, so that the totals are equal.
 */
export function balancedPositions(ids: readonly number[], amounts: readonly bigint[]): NetPosition[] {
  const positions: NetPosition[] = ids.map((id, i) => ({
    participant: `0x${id.toString(16).padStart(40, "0")}` as Address,
    role: i % 2 === 0 ? NET_DEBTOR : NET_CREDITOR,
    amount: amounts[i] as bigint,
  }));
  const debit = positions.filter((p) => p.role === NET_DEBTOR).reduce((s, p) => s + p.amount, 0n);
  const credit = positions.filter((p) => p.role === NET_CREDITOR).reduce((s, p) => s + p.amount, 0n);
  if (debit !== credit) {
    positions.push({
      participant: `0x${"f".repeat(40)}` as Address,
      role: debit > credit ? NET_CREDITOR : NET_DEBTOR,
      amount: debit > credit ? debit - credit : credit - debit,
    });
  }
  return positions;
}
