import type { Verdict } from "./types.ts";

/** The verdict for people: one summary, then each difference on its own line. */
export function formatVerdict(v: Verdict): string {
  const lines = [
    `cycle ${v.cycleId} of ${v.asset} on chain ${v.chainId} (ClearingHouse ${v.clearingHouse}): ${v.verdict.toUpperCase()}`,
    `  guarantees ${v.guarantees}, participants ${v.positions}, certificates verified ${v.checked.certificates}, payer signatures verified ${v.checked.payerSignatures} (ERC-1271 ${v.checked.erc1271})`,
    `  root       on-chain ${v.root.onChain}, recomputed ${v.root.recomputed}, published ${v.root.published}`,
    `  batch hash on-chain ${v.batchHash.onChain ?? "none"}, recomputed ${v.batchHash.recomputed}, published ${v.batchHash.published}`,
    `  total net  on-chain ${v.totals.onChain}, recomputed ${v.totals.recomputed}, published ${v.totals.published}`,
  ];
  if (v.unverifiedPayerSignatures > 0) {
    lines.push(`  ${v.unverifiedPayerSignatures} payer signatures are published nowhere and were NOT verified`);
  }
  if (v.differenceCount > 0) {
    lines.push(
      `  ${v.differenceCount} differences${v.differenceCount > v.differences.length ? ` (first ${v.differences.length})` : ""}:`,
    );
    for (const d of v.differences) lines.push(`  - ${d.kind}: ${d.message}`);
  }
  lines.push(`  (${v.seconds} s)`);
  return lines.join("\n");
}
