/**
 * Issuance benchmark. Prints one JSON document:
 * - cryptoFloor: the per-guarantee CPU that no storage or HTTP choice removes (EIP-712 digest + payer-signature
 *   recovery + envelope + BLS sign with both encodings), with the native backends (libsecp256k1, blst) and the
 *   pure ones (viem/noble), in process, one core;
 * - pglite / postgres: POST /core/guarantees against Core in separate processes (PGlite in memory: one process;
 *   PostgreSQL from FOURMICA_TEST_DATABASE_URL, if set: one and two replicas sharing it), with the load generated
 *   here over keep-alive sockets. `saturated` is a closed loop of BENCH_CONCURRENCY clients (default 32) for
 *   BENCH_SECONDS (default 5); `halfLoad` an open loop at half the saturated rate for 3 s.
 * - cpu: Core's own CPU time (user + system of the Core process, every thread, from /proc/<pid>/stat) per
 *   guarantee during the saturated window, divided by the native crypto floor of the same run: how close the
 *   issuance path is to the floor. PostgreSQL runs are repeated with 0 (event loop), 1 and 2 signing threads
 *   (FOURMICA_SIGNING_WORKERS).
 * Every Core is warmed up first by a closed loop of BENCH_WARMUP_REQUESTS (default 3000; at most
 * BENCH_WARMUP_MAX_SECONDS, 30) whose CPU is not counted: the first thousand or so requests run in V8's interpreter
 * and baseline tiers and cost about half again as much CPU as the steady state, which is what a long-running Core
 * spends. The floor is likewise measured on a second pass.
 * The `b` cases (1x0b, 1x2b) send the same load through the facilitator's own Core client (its default batching:
 * four calls at once, the others waiting and leaving together as one POST /core/guarantees/batch), as a busy
 * facilitator reaches Core; the others post each guarantee on its own connection turn.
 * BENCH_BASELINE_CORE=<another checkout>/bench/support/coreServer.ts runs every PostgreSQL case with that Core too,
 * alternating with this one (before/after in one run). BENCH_ISSUANCE_CASES=pglite,1x0,1x1,1x2,2x0,1x0b,1x2b
 * (Core processes x signing threads, b: batched) picks the cases.
 * Run: `node bench/issuance.bench.ts` (or `npm run bench` for every bench). @bench-timeout-seconds 600
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { createInterface } from "node:readline";

import type { Hex } from "viem";

import {
  createCoreClient,
  DEFAULT_ISSUE_BATCHING,
  httpTransport,
} from "../offchain/src/x402/facilitator/coreClient.ts";
import { openPgDatabase } from "../offchain/src/core/adapters/db/pgDatabase.ts";
import { createNativeBackend, createPureBackend, type BlsBackend } from "../offchain/src/protocol/bls/index.ts";
import { createGuaranteeRequestHasher } from "../offchain/src/protocol/createGuaranteeRequestHasher.ts";
import { encodeEnvelope } from "../offchain/src/protocol/encodeEnvelope.ts";
import { guaranteeDomain } from "../offchain/src/protocol/guaranteeDomain.ts";
import type { GuaranteeRequestV1 } from "../offchain/src/protocol/guaranteeTypes.ts";
import {
  createNativeRecovery,
  createPureRecovery,
  type Secp256k1Recovery,
} from "../offchain/src/protocol/secp256k1/index.ts";
import { BLS_SK, CHAIN_ID, CORE4MICA, DOMAIN_712, seed, signedBodies } from "./support/benchSetup.ts";
import { closedLoop, createPoster, openLoop } from "./support/loadGenerator.ts";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const HALF_LOAD_SECONDS = 3;
const WARMUP_REQUESTS = Number(process.env.BENCH_WARMUP_REQUESTS ?? 3000);
const WARMUP_MAX_SECONDS = Number(process.env.BENCH_WARMUP_MAX_SECONDS ?? 30);
const CASES = new Set((process.env.BENCH_ISSUANCE_CASES ?? "pglite,1x0,1x1,1x2,2x0,1x0b,1x2b").split(","));
const THIS_CORE = new URL("./support/coreServer.ts", import.meta.url).pathname;
const BASELINE_CORE = process.env.BENCH_BASELINE_CORE;

const us = (ms: number, n: number) => Math.round((ms * 1000) / n);

async function cryptoFloor(recovery: Secp256k1Recovery, bls: BlsBackend, n: number) {
  const hash = createGuaranteeRequestHasher(DOMAIN_712);
  const signer = bls.signer(BLS_SK);
  const domain = guaranteeDomain(1, CHAIN_ID, CORE4MICA);
  const items = signedBodies(n).map((b) => {
    const { request, signature } = JSON.parse(b) as { request: Record<string, string>; signature: Hex };
    const parsed: GuaranteeRequestV1 = {
      version: 1,
      user: request.user as Hex,
      recipient: request.recipient as Hex,
      reqId: BigInt(request.reqId!),
      amount: BigInt(request.amount!),
      asset: request.asset as Hex,
      timestamp: BigInt(request.timestamp!),
    };
    return { request: parsed, signature };
  });
  // Each step is timed in CPU time (process.cpuUsage: this process is single-threaded here), so that the floor
  // compares with Core's CPU time per guarantee even on a loaded machine; wall time is reported beside it.
  const step = async (f: () => unknown | Promise<unknown>): Promise<{ cpu: number; wall: number }> => {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await f();
    const c = process.cpuUsage(c0);
    return { cpu: us((c.user + c.system) / 1000, n), wall: us(performance.now() - t0, n) };
  };
  let digests: Hex[] = [];
  const digest = await step(() => (digests = items.map((it) => hash(it.request))));
  const recover = await step(async () => {
    for (let i = 0; i < n; i++) {
      if ((await recovery.recoverAddress(digests[i]!, items[i]!.signature)) !== items[i]!.request.user)
        throw new Error("recovered the wrong signer");
    }
  });
  let envelopes: Hex[] = [];
  const encode = await step(
    () => (envelopes = items.map((it) => encodeEnvelope({ ...it.request, domain, cycleId: 1n }))),
  );
  const blsSign = await step(() => {
    for (const e of envelopes) signer.sign(e);
  });
  const digestUs = digest.cpu;
  const recoverUs = recover.cpu;
  const encodeUs = encode.cpu;
  const blsSignUs = blsSign.cpu;
  const perGuaranteeUs = digestUs + recoverUs + encodeUs + blsSignUs;
  const wallUs = digest.wall + recover.wall + encode.wall + blsSign.wall;
  return {
    secp256k1: recovery.name,
    bls: bls.name,
    digestUs,
    recoverUs,
    encodeUs,
    blsSignUs,
    perGuaranteeUs,
    perGuaranteeWallUs: wallUs,
    oneCorePerSecond: Math.round(1e6 / perGuaranteeUs),
  };
}

function startCore(env: Record<string, string>, server: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [server], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`bench Core exited with ${code}`)));
    createInterface({ input: child.stdout! }).once("line", (line) => {
      resolve({ url: (JSON.parse(line) as { url: string }).url, child });
    });
  });
}

/** CPU seconds (user, system; all threads) the process `pid` has used so far, from /proc; undefined elsewhere. */
function cpuTimes(pid: number | undefined): { user: number; system: number } | undefined {
  try {
    // Fields after the command's closing parenthesis: utime and stime are the 12th and 13th, in clock ticks.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { user: Number(fields[11]) / CLOCK_TICKS, system: Number(fields[12]) / CLOCK_TICKS };
  } catch {
    return undefined;
  }
}
const CLOCK_TICKS = 100;

/**
 * The load of `clients` callers through one facilitator Core client (x402/facilitator/coreClient.ts, its default
 * IssueBatching): the way a busy facilitator reaches Core. Latency in ms; throws unless the guarantee was issued.
 */
function facilitatorPoster(baseUrl: string) {
  const transport = httpTransport(baseUrl);
  const client = createCoreClient(transport, { issueBatching: DEFAULT_ISSUE_BATCHING });
  return {
    async post(body: string): Promise<number> {
      const started = performance.now();
      const { request, signature } = JSON.parse(body) as { request: Record<string, unknown>; signature: Hex };
      const outcome = await client.issue(request, signature);
      if (!outcome.ok || !outcome.created) throw new Error(`not issued: ${JSON.stringify(outcome)}`);
      return performance.now() - started;
    },
    close: () => transport.close(),
  };
}

async function httpRun(replicas: number, env: Record<string, string>, server = THIS_CORE, batched = false) {
  const cores = await Promise.all(Array.from({ length: replicas }, () => startCore(env, server)));
  const poster =
    batched && replicas === 1
      ? facilitatorPoster(cores[0]!.url)
      : createPoster(
          cores.map((c) => c.url),
          CONCURRENCY,
        );
  try {
    // Warm-up, not counted: JIT tiers, pools, plans.
    await closedLoop(poster.post, signedBodies(WARMUP_REQUESTS), CONCURRENCY, WARMUP_MAX_SECONDS);
    const bodies = signedBodies(SECONDS * 4000);
    const cpuBefore = cores.map((c) => cpuTimes(c.child.pid));
    const saturated = await closedLoop(poster.post, bodies, CONCURRENCY, SECONDS);
    const cpuAfter = cores.map((c) => cpuTimes(c.child.pid));
    const spent = (kind: "user" | "system") =>
      cpuAfter.reduce<number | undefined>((sum, a, i) => {
        const b = cpuBefore[i];
        return sum === undefined || a === undefined || b === undefined ? undefined : sum + a[kind] - b[kind];
      }, 0);
    const user = spent("user");
    const system = spent("system");
    const perGuarantee = (s: number | undefined) =>
      s === undefined ? undefined : Math.round((s * 1e6) / saturated.requests);
    const used = user === undefined || system === undefined ? undefined : user + system;
    const coreCpuUsPerGuarantee = perGuarantee(used);
    const rate = Math.max(1, Math.floor(saturated.perSecond / 2));
    const halfLoad = await openLoop(poster.post, signedBodies(rate * HALF_LOAD_SECONDS), rate);
    return {
      core: server === THIS_CORE ? "this" : server,
      // "facilitator": through the facilitator's Core client, which batches when its calls are busy.
      client: batched ? "facilitator" : "direct",
      replicas,
      signingWorkers: Number(env.BENCH_SIGNING_WORKERS ?? 0),
      saturated,
      halfLoad,
      coreCpuUsPerGuarantee,
      // The kernel's share (sockets to the clients and to PostgreSQL) against Core's own code.
      coreUserUsPerGuarantee: perGuarantee(user),
      coreSystemUsPerGuarantee: perGuarantee(system),
      cpuOverFloor:
        coreCpuUsPerGuarantee === undefined ? undefined : Math.round((coreCpuUsPerGuarantee / floorUs) * 100) / 100,
    };
  } finally {
    poster.close();
    await Promise.all(
      cores.map(
        (c) =>
          new Promise((r) => {
            c.child.removeAllListeners("exit");
            c.child.once("exit", r);
            c.child.kill("SIGTERM");
          }),
      ),
    );
  }
}

// The first pass warms the JIT up (the digest and the envelope are JavaScript); the second is the floor.
await cryptoFloor(createNativeRecovery(), await createNativeBackend(), 2000);
const nativeFloor = await cryptoFloor(createNativeRecovery(), await createNativeBackend(), 2000);
const floorUs = nativeFloor.perGuaranteeUs;
const result: Record<string, unknown> = {
  bench: "issuance",
  node: process.version,
  cpus: availableParallelism(),
  concurrency: CONCURRENCY,
  cryptoFloor: {
    native: nativeFloor,
    pure: await cryptoFloor(createPureRecovery(), createPureBackend(), 30),
  },
  goal: "cpuOverFloor <= 1.3 at saturation; one process using every core with signing threads",
};
if (CASES.has("pglite")) result.pglite = await httpRun(1, {});
const url = process.env.FOURMICA_TEST_DATABASE_URL;
if (url) {
  const runs = [];
  for (const [replicas, workers, batched] of [
    [1, 0, false],
    [1, 1, false],
    [1, 2, false],
    [2, 0, false],
    [1, 0, true],
    [1, 2, true],
  ] as const) {
    if (!CASES.has(`${replicas}x${workers}${batched ? "b" : ""}`)) continue;
    for (const server of BASELINE_CORE ? [BASELINE_CORE, THIS_CORE] : [THIS_CORE]) {
      const db = openPgDatabase({ connectionString: url, max: 1 });
      await seed(db);
      await db.close();
      process.stderr.write(
        `issuance: postgres, ${replicas} Core process(es), ${workers} signing thread(s)${batched ? ", through the facilitator's batching client" : ""}${server === THIS_CORE ? "" : " (baseline)"}...\n`,
      );
      runs.push(
        await httpRun(replicas, { BENCH_DATABASE_URL: url, BENCH_SIGNING_WORKERS: String(workers) }, server, batched),
      );
    }
  }
  result.postgres = runs;
}
type Run = Awaited<ReturnType<typeof httpRun>>;
const row = (db: string, r: Run) => [
  r.core === "this" ? db : `${db} (baseline)`,
  r.client,
  r.replicas,
  r.signingWorkers,
  r.saturated.perSecond,
  r.saturated.p50Ms,
  r.saturated.p99Ms,
  r.coreCpuUsPerGuarantee ?? null,
  floorUs,
  r.cpuOverFloor ?? null,
];
result.tables = [
  {
    title: `Issuance at saturation (${CONCURRENCY} clients): Core CPU per guarantee over the crypto floor (goal <= 1.3)`,
    columns: [
      "database",
      "client",
      "Core processes",
      "signing threads",
      "guarantees/s",
      "p50 ms",
      "p99 ms",
      "Core CPU us/guarantee",
      "floor us",
      "CPU / floor",
    ],
    rows: [
      ...(result.pglite ? [row("pglite", result.pglite as Run)] : []),
      ...((result.postgres as Run[] | undefined) ?? []).map((r) => row("postgres", r)),
    ],
  },
];
process.stdout.write(JSON.stringify(result, null, 2) + "\n");
