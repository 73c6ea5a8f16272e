import type { Address, Hex } from "viem";

import type { CollateralSettlementArg, CreditClaimArg, DebtorMultiProof, SettlementBatchArg } from "./types.ts";

/** Ascending by address as a number: `claimNetCredits`' order (strictly increasing, no duplicates). */
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
 * once, chunked ascending by address, at most `batchSize` per transaction. Each chunk is sent in its multiproof's
 * order ({@link withMultiProof}).
 */
export function planSettlementBatches(
  pending: readonly { debtor: Address; amount: bigint; signature: Hex }[],
  o: { resolvedOnChain: ReadonlySet<Address>; batchSize: number },
): CollateralSettlementArg[][] {
  const seen = new Set<string>();
  const items: CollateralSettlementArg[] = [];
  for (const p of pending) {
    const k = p.debtor.toLowerCase() as Address;
    if (seen.has(k) || o.resolvedOnChain.has(k)) continue;
    seen.add(k);
    items.push({ debtor: k, amount: p.amount, signature: p.signature });
  }
  items.sort(byAddress((i) => i.debtor));
  const size = Math.max(1, o.batchSize);
  const out: CollateralSettlementArg[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * One `settleNetDebitsFromCollateral` call for `batch` (distinct debtors, at least one): the multiproof of exactly
 * its debtors' leaves (`multiProofOf`, e.g. `NettingTree.getMultiProof`) and the entries in the order it takes them,
 * which the ClearingHouse requires. Throws if the multiproof is not of exactly `batch`'s debtors.
 */
export function withMultiProof(
  batch: readonly CollateralSettlementArg[],
  multiProofOf: (debtors: readonly Address[]) => DebtorMultiProof,
): SettlementBatchArg {
  const byDebtor = new Map<string, CollateralSettlementArg>();
  for (const b of batch) byDebtor.set(b.debtor.toLowerCase(), b);
  const m = multiProofOf(batch.map((b) => b.debtor));
  const settlements = m.participants.map((p) => byDebtor.get(p.toLowerCase()));
  if (
    settlements.length !== batch.length ||
    byDebtor.size !== batch.length ||
    new Set(m.participants.map((p) => p.toLowerCase())).size !== batch.length ||
    settlements.some((s) => s === undefined)
  ) {
    throw new RangeError(`the multiproof is not of the batch's ${batch.length} debtors`);
  }
  return { settlements: settlements as CollateralSettlementArg[], proof: m.proof, proofFlags: m.proofFlags };
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
