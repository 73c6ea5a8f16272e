/**
 * Netting benchmark: 100,000 payable guarantees of one (cycle, asset) among 2,000 participants, through
 * computePositions, buildNettingTree (with every proof) and the batch hash. Prints one JSON line.
 * Run: `node bench/netting.bench.ts [guarantees] [participants]`.
 */
import { keccak256, numberToHex, type Address, type Hex } from "viem";

import {
  batchHash,
  buildNettingTree,
  computePositions,
  sortBatchEntries,
  type BatchEntry,
} from "../offchain/src/protocol/netting/index.ts";

const guaranteeCount = Number(process.argv[2] ?? 100_000);
const participantCount = Number(process.argv[3] ?? 2_000);

// Deterministic pseudo-random data (xorshift), so runs compare.
let seed = 0x4d696361;
const next = (): number => {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 0x1_0000_0000;
};
const participants: Address[] = Array.from(
  { length: participantCount },
  (_, i) => `0x${keccak256(numberToHex(i, { size: 32 })).slice(26)}` as Address,
);
const guarantees: BatchEntry[] = [];
for (let i = 0; i < guaranteeCount; i++) {
  const u = Math.floor(next() * participantCount);
  let r = Math.floor(next() * (participantCount - 1));
  if (r >= u) r++;
  guarantees.push({
    guaranteeId: keccak256(numberToHex(i, { size: 32 })) as Hex,
    user: participants[u] as Address,
    recipient: participants[r] as Address,
    amount: BigInt(1 + Math.floor(next() * 1e9)) * 10n ** 9n,
  });
}
const header = {
  chainId: 31337n,
  clearingHouse: "0x00000000000000000000000000000000c1ea2100" as Address,
  cycleId: 42n,
  asset: "0x0000000000000000000000000000000000000000" as Address,
};

const t0 = performance.now();
const positions = computePositions(guarantees);
const t1 = performance.now();
const tree = buildNettingTree({ ...header, positions });
const t2 = performance.now();
for (const p of tree.positions) tree.getProof(p.participant);
const t3 = performance.now();
const sorted = sortBatchEntries(guarantees);
const t3s = performance.now();
const hash = batchHash(header, sorted);
const t4 = performance.now();

console.log(
  JSON.stringify({
    guarantees: guaranteeCount,
    participants: positions.length,
    ms: Math.round(t4 - t0),
    computePositionsMs: Math.round(t1 - t0),
    buildTreeMs: Math.round(t2 - t1),
    allProofsMs: Math.round(t3 - t2),
    sortMs: Math.round(t3s - t3),
    batchHashMs: Math.round(t4 - t3s),
    root: tree.root,
    batchHash: hash,
  }),
);
