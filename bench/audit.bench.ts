/**
 * Audit benchmark: a committed (cycle, asset) of 100,000 V1 guarantees among 2,000 participants (1,000 of them
 * paying), built offline: payer-signed (libsecp256k1), certified (blst), netted and hashed with the project's own
 * protocol module (the "chain" side). Then `runAudit` (offchain/src/audit) checks every certificate and payer
 * signature and recomputes positions, batch hash and root, on one worker thread per core. Prints one JSON line.
 * The signed fixture is cached in the temporary directory (signing 100,000 certificates takes minutes here).
 * Run: `node bench/audit.bench.ts [guarantees] [participants]`. @bench-timeout-seconds 900
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { Worker } from "node:worker_threads";

import { SecretKey } from "@chainsafe/blst";
import { bytesToHex, hexToBytes, keccak256, numberToHex, type Address, type Hex } from "viem";

import { createEvidencePool } from "../offchain/src/audit/adapters/evidencePool.ts";
import { runAudit } from "../offchain/src/audit/runAudit.ts";
import type { ChainFacts, PublishedGuarantee, PublishedPosition } from "../offchain/src/audit/types.ts";
import { createGuaranteeRequestHasher } from "../offchain/src/protocol/createGuaranteeRequestHasher.ts";
import { encodeEnvelope } from "../offchain/src/protocol/encodeEnvelope.ts";
import { guaranteeDomain } from "../offchain/src/protocol/guaranteeDomain.ts";
import { guaranteeId } from "../offchain/src/protocol/guaranteeId.ts";
import type { GuaranteeV1 } from "../offchain/src/protocol/guaranteeTypes.ts";
import { batchHash, buildNettingTree, computePositions } from "../offchain/src/protocol/netting/index.ts";
import { requestDomainSeparator } from "../offchain/src/protocol/requestDomainSeparator.ts";

const guaranteeCount = Number(process.argv[2] ?? 100_000);
const participantCount = Number(process.argv[3] ?? 2_000);
const payerCount = participantCount / 2;
const CHAIN_ID = 31337n;
const VAULT: Address = "0xa15bb66138824a1c7167f5e85b957d04dd34e468";
const CLEARING_HOUSE: Address = "0x00000000000000000000000000000000c1ea2100";
const ASSET: Address = "0x0000000000000000000000000000000000000000";
const CYCLE = 42n;
const TIMESTAMP = 1_800_000_000n;
const BLS_SK = hexToBytes(`0x${"2a".repeat(32)}`);

type NativeSecp = {
  ecdsaSign(message: Uint8Array, key: Uint8Array): { signature: Uint8Array; recid: number };
  publicKeyCreate(key: Uint8Array, compressed: boolean): Uint8Array;
};
const secp = createRequire(import.meta.url)("secp256k1/bindings") as NativeSecp;
const keys = Array.from({ length: payerCount }, (_, i) => hexToBytes(keccak256(numberToHex(i + 1, { size: 32 }))));
const payers = keys.map(
  (k) => `0x${keccak256(bytesToHex(secp.publicKeyCreate(k, false).subarray(1))).slice(26)}` as Address,
);
const others = Array.from(
  { length: participantCount - payerCount },
  (_, i) => `0x${keccak256(numberToHex(10_000_000 + i, { size: 32 })).slice(26)}` as Address,
);
const everyone = [...payers, ...others];

let seed = 0x4d696361;
const rand = (): number => {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 0x1_0000_0000;
};
const domain = guaranteeDomain(1, CHAIN_ID, VAULT);
const requestDomain = { chainId: CHAIN_ID, verifyingContract: VAULT };
const separator = requestDomainSeparator(requestDomain);
const digestOf = createGuaranteeRequestHasher(requestDomain);

const setupStart = performance.now();
const rows: { g: GuaranteeV1; id: Hex; claims: Hex; payer: number }[] = [];
for (let i = 0; i < guaranteeCount; i++) {
  const payer = Math.floor(rand() * payerCount);
  let r = Math.floor(rand() * (participantCount - 1));
  if (r >= payer) r++;
  const g: GuaranteeV1 = {
    version: 1,
    domain,
    cycleId: CYCLE,
    user: payers[payer]!,
    recipient: everyone[r]!,
    reqId: BigInt(i + 1),
    amount: BigInt(1 + Math.floor(rand() * 1e9)) * 10n ** 9n,
    asset: ASSET,
    timestamp: TIMESTAMP,
  };
  rows.push({ g, id: guaranteeId(g, separator), claims: encodeEnvelope(g), payer });
}
rows.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

// Signatures, cached: 192-byte uncompressed BLS then 65-byte payer signature per guarantee.
const cache = join(tmpdir(), `4mica-audit-bench-${guaranteeCount}-${participantCount}.bin`);
let sigs: Buffer;
if (existsSync(cache) && readFileSync(cache).length === guaranteeCount * 257) {
  sigs = readFileSync(cache);
} else {
  process.stderr.write(`audit bench: signing ${guaranteeCount} certificates and requests (cached in ${cache})\n`);
  const threads = availableParallelism();
  const per = Math.ceil(guaranteeCount / threads);
  const parts = await Promise.all(
    Array.from({ length: threads }, (_, t) => {
      const messages = rows.slice(t * per, (t + 1) * per).map((row) => hexToBytes(row.claims));
      return new Promise<Buffer>((resolve, reject) => {
        const w = new Worker(new URL("./support/blsSignWorker.ts", import.meta.url), {
          workerData: { secretKey: BLS_SK, messages },
        });
        w.once("message", (b: Uint8Array) => resolve(Buffer.from(b)));
        w.once("error", reject);
      });
    }),
  );
  const bls = Buffer.concat(parts);
  sigs = Buffer.alloc(guaranteeCount * 257);
  rows.forEach((row, i) => {
    bls.copy(sigs, i * 257, i * 192, i * 192 + 192);
    const { signature, recid } = secp.ecdsaSign(hexToBytes(digestOf(row.g)), keys[row.payer]!);
    sigs.set(signature, i * 257 + 192);
    sigs[i * 257 + 256] = 27 + recid;
  });
  writeFileSync(cache, sigs);
}
const guarantees: PublishedGuarantee[] = rows.map((row, i) => ({
  guaranteeId: row.id,
  version: 1,
  cycleId: CYCLE,
  user: row.g.user,
  recipient: row.g.recipient,
  amount: row.g.amount,
  certificate: { claims: row.claims, blsSignature: bytesToHex(sigs.subarray(i * 257, i * 257 + 192)) },
  payerSignature: bytesToHex(sigs.subarray(i * 257 + 192, i * 257 + 257)),
}));

// The "chain": what the operator would commit, built with the project's own netting code.
const header = { chainId: CHAIN_ID, clearingHouse: CLEARING_HOUSE, cycleId: CYCLE, asset: ASSET };
const netted = computePositions(guarantees);
const tree = buildNettingTree({ ...header, positions: netted });
const hash = batchHash(header, guarantees);
const gross = new Map<string, { in: bigint; out: bigint }>();
for (const g of guarantees) {
  for (const [who, side] of [
    [g.user, "out"],
    [g.recipient, "in"],
  ] as const) {
    const f = gross.get(who) ?? { in: 0n, out: 0n };
    f[side] += g.amount;
    gross.set(who, f);
  }
}
const byParticipant = new Map(netted.map((p) => [p.participant, p]));
const positions: PublishedPosition[] = [...gross.entries()].map(([participant, f]) => {
  const p = byParticipant.get(participant as Address);
  return {
    participant: participant as Hex,
    role: p === undefined ? "FLAT" : p.role === 0 ? "NET_DEBTOR" : "NET_CREDITOR",
    amount: p?.amount ?? 0n,
    grossIn: f.in,
    grossOut: f.out,
  };
});
const pk = SecretKey.fromBytes(BLS_SK).toPublicKey().toBytes(false);
const chain: ChainFacts = {
  chainId: CHAIN_ID,
  clearingHouse: CLEARING_HOUSE,
  vault: VAULT,
  committed: true,
  root: tree.root,
  totalNet: tree.totalNetDebit,
  debtorCount: tree.debtorCount,
  commitEvent: {
    creditorCount: tree.creditorCount,
    batchHash: hash,
    v2GuaranteeCount: 0n,
    transactionHash: `0x${"00".repeat(32)}`,
  },
  nettedV2: [],
  requestDomainSeparator: separator,
  versions: { 1: { key: bytesToHex(pk), domain, enabled: true } },
};
const setupSeconds = (performance.now() - setupStart) / 1000;

/** This process's main thread's CPU seconds (Linux `/proc`; 100 ticks a second), undefined elsewhere. */
function mainThreadCpuSeconds(): number | undefined {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

const PAGE = 5_000;
const pool = createEvidencePool();
const loadAtStart = loadavg();
const cpu0 = process.cpuUsage();
const main0 = mainThreadCpuSeconds();
const t0 = performance.now();
const verdict = await runAudit(
  {
    batch: {
      cycle: async () => ({
        cycleId: CYCLE,
        asset: ASSET,
        status: "COMMITTED",
        batch: {
          root: tree.root,
          batchHash: hash,
          totalNetDebit: tree.totalNetDebit,
          totalNetCredit: tree.totalNetCredit,
          guaranteeCount,
          debtorCount: tree.debtorCount,
          creditorCount: tree.creditorCount,
          v2GuaranteeIds: [],
          commitBlock: undefined,
        },
      }),
      positions: async () => positions,
      async *pages() {
        for (let at = 0; at < guarantees.length; at += PAGE) yield guarantees.slice(at, at + PAGE);
      },
    },
    chain,
    payers: { hasCode: async () => false, isValidSignature: async () => false },
    evidence: pool,
  },
  { cycleId: CYCLE, asset: ASSET, progress: (line) => process.stderr.write(`audit bench: ${line}\n`) },
);
const seconds = (performance.now() - t0) / 1000;
// The process's CPU time (every thread: the main thread and the evidence workers) over the audit alone.
const cpu = process.cpuUsage(cpu0);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
const main1 = mainThreadCpuSeconds();
const mainCpuSeconds = main0 === undefined || main1 === undefined ? undefined : main1 - main0;
await pool.close();
console.log(
  JSON.stringify({
    guarantees: guaranteeCount,
    participants: verdict.positions,
    workers: availableParallelism(),
    auditSeconds: Math.round(seconds * 100) / 100,
    perGuaranteeMs: Math.round((seconds * 1e6) / guaranteeCount) / 1000,
    auditCpuSeconds: Math.round(cpuSeconds * 100) / 100,
    cpuMsPerGuarantee: Math.round((cpuSeconds * 1e6) / guaranteeCount) / 1000,
    // The main thread's share (pages, batch hash, positions, comparisons); the rest is the evidence workers and
    // blst's own thread pool.
    mainThreadCpuSeconds: mainCpuSeconds === undefined ? null : Math.round(mainCpuSeconds * 100) / 100,
    setupSeconds: Math.round(setupSeconds * 10) / 10,
    verdict: verdict.verdict,
    differences: verdict.differenceCount,
    certificatesVerified: verdict.checked.certificates,
    payerSignaturesVerified: verdict.checked.payerSignatures,
    root: verdict.root.recomputed,
    loadAverageAtStart: loadAtStart.map((l) => Math.round(l * 100) / 100),
    loadAverageAtEnd: loadavg().map((l) => Math.round(l * 100) / 100),
  }),
);
if (verdict.verdict !== "match") {
  process.stderr.write(JSON.stringify(verdict.differences.slice(0, 5)) + "\n");
  process.exit(1);
}
