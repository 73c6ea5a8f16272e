/**
 * Netting benchmark (issue 11, "Netting at scale"): payable guarantees of one (cycle, asset) through
 * computePositions, buildNettingTree (with every participant's proof), sortBatchEntries and the batch hash.
 *
 * `node bench/netting.bench.ts` runs the matrix 10,000 / 100,000 / 1,000,000 guarantees over 1,000 and 10,000
 * participants, each case in its own process (so that each peak RSS is that case's alone), and prints one JSON
 * document. `node bench/netting.bench.ts <guarantees> <participants>` runs one case. NETTING_BENCH_CASES
 * (e.g. "10000x1000,100000x10000") replaces the matrix.
 *
 * Each phase reports wall time and process CPU time (user + system, every thread: GC helpers included): on a
 * loaded machine the CPU time is the steadier figure. `peakRssMb` is the process's maximum resident set, input
 * included (the million guarantee objects themselves take several hundred MB; Core streams them from a cursor).
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { availableParallelism, loadavg } from "node:os";

import type { Address, Hex } from "viem";

import {
  batchHash,
  buildNettingTree,
  computePositions,
  sortBatchEntries,
  type BatchEntry,
} from "../offchain/src/protocol/netting/index.ts";

const MATRIX = [
  [10_000, 1_000],
  [10_000, 10_000],
  [100_000, 1_000],
  [100_000, 10_000],
  [1_000_000, 1_000],
  [1_000_000, 10_000],
] as const;

type Phase = { wallMs: number; cpuMs: number };

function runCase(guaranteeCount: number, participantCount: number): Record<string, unknown> {
  // Ids and addresses as flat strings, as the database driver hands them to Core. A template literal makes a
  // concatenated ("cons") string that V8 copies flat on first access: that copy is the data generator's cost,
  // not netting's, so the strings are made flat here.
  const flat = (s: string): string => Buffer.from(s, "latin1").toString("latin1");
  const digest = (i: number, tag: string): string => createHash("sha256").update(`${tag}${i}`).digest("hex");
  const participants: Address[] = Array.from(
    { length: participantCount },
    (_, i) => flat(`0x${digest(i, "p").slice(24)}`) as Address,
  );
  // Deterministic pseudo-random pairs and amounts (xorshift), so runs compare.
  let seed = 0x4d696361;
  const next = (): number => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 0x1_0000_0000;
  };
  const guarantees: BatchEntry[] = [];
  for (let i = 0; i < guaranteeCount; i++) {
    const u = Math.floor(next() * participantCount);
    let r = Math.floor(next() * (participantCount - 1));
    if (r >= u) r++;
    guarantees.push({
      guaranteeId: flat(`0x${digest(i, "g")}`) as Hex,
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

  const phases: Record<string, Phase> = {};
  const time = <R>(name: string, f: () => R): R => {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const r = f();
    const c = process.cpuUsage(c0);
    phases[name] = { wallMs: Math.round(performance.now() - t0), cpuMs: Math.round((c.user + c.system) / 1000) };
    return r;
  };
  const positions = time("computePositions", () => computePositions(guarantees));
  const tree = time("buildTree", () => buildNettingTree({ ...header, positions }));
  time("allProofs", () => {
    for (const p of tree.positions) tree.getProof(p.participant);
  });
  const sorted = time("sort", () => sortBatchEntries(guarantees));
  const hash = time("batchHash", () => batchHash(header, sorted));
  const total = Object.values(phases).reduce((a, p) => ({ wallMs: a.wallMs + p.wallMs, cpuMs: a.cpuMs + p.cpuMs }), {
    wallMs: 0,
    cpuMs: 0,
  });
  return {
    guarantees: guaranteeCount,
    participants: participantCount,
    positions: positions.length,
    ...total,
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    phases,
    root: tree.root,
    batchHash: hash,
  };
}

const [g, p] = process.argv.slice(2).map(Number);
if (g !== undefined && p !== undefined) {
  console.log(JSON.stringify(runCase(g, p)));
} else {
  const cases = process.env.NETTING_BENCH_CASES
    ? process.env.NETTING_BENCH_CASES.split(",").map((c) => c.split("x").map(Number) as [number, number])
    : MATRIX;
  const loadAverageAtStart = loadavg().map((l) => Math.round(l * 100) / 100);
  const results = [];
  for (const [guarantees, participants] of cases) {
    process.stderr.write(`netting: ${guarantees} guarantees over ${participants} participants...\n`);
    const child = spawnSync(
      process.execPath,
      [new URL(import.meta.url).pathname, String(guarantees), String(participants)],
      { encoding: "utf8", maxBuffer: 1 << 20 },
    );
    if (child.status !== 0) throw new Error(`case ${guarantees}x${participants} failed: ${child.stderr}`);
    results.push(JSON.parse(child.stdout));
  }
  const tables = [
    {
      title: "Netting: computePositions + tree + every proof + sort + batch hash (goal: 1M over 10k < 10 s, < 1.5 GB)",
      columns: ["guarantees", "participants", "wall s", "CPU s", "peak RSS MB", "sort CPU ms", "batch hash CPU ms"],
      rows: results.map((r) => [
        r.guarantees,
        r.participants,
        r.wallMs / 1000,
        r.cpuMs / 1000,
        r.peakRssMb,
        r.phases.sort.cpuMs,
        r.phases.batchHash.cpuMs,
      ]),
    },
  ];
  console.log(
    JSON.stringify({
      cpus: availableParallelism(),
      loadAverageAtStart,
      goal: "1,000,000 guarantees over 10,000 participants in under 10 s and 1.5 GB",
      cases: results,
      tables,
    }),
  );
}
