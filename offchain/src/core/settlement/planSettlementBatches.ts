import type { Address, Hex } from "viem";

import type { CollateralSettlementArg, CreditClaimArg } from "./types.ts";

/** Ascending by address as a number: the ClearingHouse's batch order (strictly increasing, no duplicates). */
export function byAddress<T>(of: (t: T) => Address): (a: T, b: T) => number {
  return (a, b) => {
    const x = BigInt(of(a));
    const y = BigInt(of(b));
    return x < y ? -1 : x > y ? 1 : 0;
  };
}

/**
 * The `settleNetDebitsFromCollateral` batches for the PENDING authorizations of one (cycle, asset): the debtors the
 * chain still has unresolved (`resolvedOnChain` are left out: one of them would revert the whole batch), each
 * once, with its committed proof, ascending by address, at most `batchSize` per transaction.
 */
export function planSettlementBatches(
  pending: readonly { debtor: Address; amount: bigint; signature: Hex }[],
  o: { proofOf: (debtor: Address) => readonly Hex[]; resolvedOnChain: ReadonlySet<Address>; batchSize: number },
): CollateralSettlementArg[][] {
  const seen = new Set<string>();
  const items: CollateralSettlementArg[] = [];
  for (const p of pending) {
    const k = p.debtor.toLowerCase() as Address;
    if (seen.has(k) || o.resolvedOnChain.has(k)) continue;
    seen.add(k);
    items.push({ debtor: k, amount: p.amount, proof: o.proofOf(k), signature: p.signature });
  }
  items.sort(byAddress((i) => i.debtor));
  const size = Math.max(1, o.batchSize);
  const out: CollateralSettlementArg[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * The one `claimNetCredits` batch paying every creditor of a (cycle, asset) not yet claimed on-chain, ascending by
 * address (empty when none is left).
 */
export function planCreditClaims(
  creditors: readonly { creditor: Address; amount: bigint }[],
  o: { proofOf: (creditor: Address) => readonly Hex[]; claimedOnChain: ReadonlySet<Address> },
): CreditClaimArg[] {
  const seen = new Set<string>();
  const out: CreditClaimArg[] = [];
  for (const c of creditors) {
    const k = c.creditor.toLowerCase() as Address;
    if (seen.has(k) || o.claimedOnChain.has(k)) continue;
    seen.add(k);
    out.push({ creditor: k, amount: c.amount, proof: o.proofOf(k) });
  }
  return out.sort(byAddress((c) => c.creditor));
}
