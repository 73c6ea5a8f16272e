/**
 * The cost of a rejected request through the HTTP server (issue 8: bounded cost for unauthenticated callers).
 * Prints one JSON document with, per kind of rejection, requests per second and latency (p50/p99) of a closed loop
 * of BENCH_CONCURRENCY clients (default 16) for BENCH_SECONDS (default 3) over keep-alive sockets, and the CPU
 * time Core spent per rejected request:
 * - badSignature: a well-formed V1 request signed by another key (PAYER_SIGNATURE_MISMATCH: parse, checks,
 *   EIP-712 digest, secp256k1 recovery; no database write);
 * - malformedBody: a body with a bad field (INVALID_INPUT: parse only);
 * - rateLimited: every request beyond FOURMICA_RATE_LIMIT_ISSUE_MAX (RATE_LIMITED, before the body is parsed);
 * - accepted: issued guarantees, for comparison.
 * Core and the load generator share this process (in-memory PGlite), so the figures include the client's side.
 * Run: `node bench/rejection.bench.ts` (or `npm run bench`).
 */
import { Agent, request } from "node:http";

import { pino } from "pino";
import { privateKeyToAccount } from "viem/accounts";

import { openPgliteDatabase } from "../offchain/src/core/adapters/db/pgliteDatabase.ts";
import { loadConfig } from "../offchain/src/core/config.ts";
import { createCore } from "../offchain/src/core/createCore.ts";
import { BLS_SK, CHAIN_ID, CORE4MICA, seed, signedBodies } from "./support/benchSetup.ts";
import { summarize } from "./support/loadGenerator.ts";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);

async function startCore(issueMax: number) {
  const db = await openPgliteDatabase();
  await seed(db);
  const config = loadConfig({
    FOURMICA_CHAIN_ID: CHAIN_ID.toString(),
    FOURMICA_CORE4MICA_ADDRESS: CORE4MICA,
    FOURMICA_BLS_SECRET_KEY: BLS_SK,
    FOURMICA_CYCLE_GENESIS: String(Math.floor(Date.now() / 1000) - 1000),
    FOURMICA_LOG_LEVEL: "silent",
    FOURMICA_RATE_LIMIT_ISSUE_MAX: String(issueMax),
  });
  const core = await createCore(config, { db, logger: pino({ level: "silent" }) });
  const url = await core.listen(0, "127.0.0.1");
  return { url, close: async () => (await core.close(), await db.close()) };
}

/** Closed loop: CONCURRENCY clients post bodies in turn for SECONDS; every answer must have `status`. */
async function load(url: string, bodies: string[], status: number) {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const target = new URL("/core/guarantees", url);
  const latencies: number[] = [];
  let next = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  const end = started + SECONDS * 1000;
  const post = (body: string) =>
    new Promise<number>((resolve, reject) => {
      const t = performance.now();
      const req = request(
        target,
        {
          method: "POST",
          agent,
          headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
        },
        (res) => {
          res.resume();
          res.on("end", () =>
            res.statusCode === status ? resolve(performance.now() - t) : reject(new Error(`status ${res.statusCode}`)),
          );
        },
      );
      req.on("error", reject);
      req.end(body);
    });
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < end) latencies.push(await post(bodies[next++ % bodies.length]!));
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  agent.destroy();
  return {
    ...summarize(latencies, seconds),
    cpuMicrosPerRequest: Math.round((used.user + used.system) / latencies.length),
  };
}

const good = signedBodies(20_000);
const other = privateKeyToAccount(`0x${"77".repeat(32)}`);
// The same requests signed by a key that is not the payer's: well-formed, refused at the signature check.
const badSignature = await Promise.all(
  good.slice(0, 500).map(async (b) => {
    const body = JSON.parse(b) as { request: Record<string, unknown>; signature: string };
    const { signGuaranteeRequest } = await import("../offchain/src/protocol/signGuaranteeRequest.ts");
    const request = Object.fromEntries(
      Object.entries(body.request).map(([k, v]) => [k, typeof v === "string" && /^[0-9]+$/.test(v) ? BigInt(v) : v]),
    );
    const signature = await signGuaranteeRequest(other, request as never, {
      chainId: CHAIN_ID,
      verifyingContract: CORE4MICA,
    });
    return JSON.stringify({ ...body, signature });
  }),
);
const malformed = good.slice(0, 100).map((b) => {
  const body = JSON.parse(b) as { request: Record<string, unknown> };
  return JSON.stringify({ ...body, request: { ...body.request, timestamp: 1.5 } });
});

const open = await startCore(10_000_000);
const limited = await startCore(1);
try {
  const result = {
    concurrency: CONCURRENCY,
    seconds: SECONDS,
    inProcessClient: true,
    badSignature: await load(open.url, badSignature, 400),
    malformedBody: await load(open.url, malformed, 400),
    accepted: await load(open.url, good, 201),
    rateLimited: await (async () => {
      // Spends the one allowed request; every later one is refused by the limiter.
      await fetch(new URL("/core/guarantees", limited.url), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: good[good.length - 1]!,
      });
      return load(limited.url, good.slice(0, 100), 429);
    })(),
  };
  process.stdout.write(JSON.stringify(result, null, 2) + "\n");
} finally {
  await open.close();
  await limited.close();
}
