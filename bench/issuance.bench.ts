/**
 * Issuance benchmark: the in-process crypto floor (EIP-712 recovery + envelope + BLS sign per guarantee), then HTTP
 * issuance throughput and latency against an in-process Core on PGlite and, when FOURMICA_TEST_DATABASE_URL is
 * set, PostgreSQL. Prints one JSON document. Run: `node bench/issuance.bench.ts [requests]`.
 */
import { availableParallelism } from "node:os";

import { pino } from "pino";
import type { Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";

import { creditDeposit } from "../offchain/src/adapters/db/balanceRepository.ts";
import type { Database } from "../offchain/src/adapters/db/database.ts";
import { openPgDatabase } from "../offchain/src/adapters/db/pgDatabase.ts";
import { openPgliteDatabase } from "../offchain/src/adapters/db/pgliteDatabase.ts";
import { migrate } from "../offchain/src/adapters/db/migrate.ts";
import { loadConfig } from "../offchain/src/config.ts";
import { createCore } from "../offchain/src/createCore.ts";
import { loadBlsBackend } from "../offchain/src/core/bls/index.ts";
import { encodeEnvelope } from "../offchain/src/core/encodeEnvelope.ts";
import { guaranteeDomain } from "../offchain/src/core/guaranteeDomain.ts";
import type { GuaranteeRequestV1 } from "../offchain/src/core/guaranteeTypes.ts";
import { recoverGuaranteeRequestSigner } from "../offchain/src/core/recoverGuaranteeRequestSigner.ts";
import { signGuaranteeRequest } from "../offchain/src/core/signGuaranteeRequest.ts";

const REQUESTS = Number(process.argv[2] ?? 3000);
const PAYERS = 16;
const CONCURRENCY = 32;
const CHAIN_ID = 31337n;
const CORE4MICA = "0xa15bb66138824a1c7167f5e85b957d04dd34e468" as const;
const ASSET = "0x0000000000000000000000000000000000a55e75" as const;
const BLS_SK: Hex = `0x${"2a".repeat(32)}`;
const domain712 = { chainId: CHAIN_ID, verifyingContract: CORE4MICA };

const payers = Array.from({ length: PAYERS }, (_, i) =>
  privateKeyToAccount(`0x${(i + 1).toString(16).padStart(64, "0")}` as Hex),
);
const recipient = "0x000000000000000000000000000000000000beef" as const;

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
function summary(latenciesMs: number[], seconds: number) {
  const s = [...latenciesMs].sort((a, b) => a - b);
  const r = (x: number) => Math.round(x * 100) / 100;
  return {
    requests: s.length,
    seconds: r(seconds),
    perSecond: Math.round(s.length / seconds),
    p50Ms: r(pct(s, 50)),
    p99Ms: r(pct(s, 99)),
    maxMs: r(s[s.length - 1]!),
  };
}

let reqCounter = 0n;
async function signedBodies(n: number): Promise<string[]> {
  const now = BigInt(Math.floor(Date.now() / 1000));
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const account = payers[i % PAYERS]!;
    const request: GuaranteeRequestV1 = {
      version: 1,
      user: account.address,
      recipient,
      reqId: ++reqCounter,
      amount: 1n,
      asset: ASSET,
      timestamp: now,
    };
    const signature = await signGuaranteeRequest(account, request, domain712);
    out.push(
      JSON.stringify({
        request: {
          ...request,
          reqId: request.reqId.toString(),
          amount: "1",
          timestamp: now.toString(),
          user: account.address.toLowerCase(),
        },
        signature,
      }),
    );
  }
  return out;
}

async function cryptoFloor(n: number) {
  const bls = await loadBlsBackend("auto");
  const domain = guaranteeDomain(1, CHAIN_ID, CORE4MICA);
  const items = await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const request: GuaranteeRequestV1 = {
        version: 1,
        user: payers[0]!.address,
        recipient,
        reqId: BigInt(i),
        amount: 1n,
        asset: ASSET,
        timestamp: 1_700_000_000n,
      };
      return { request, signature: await signGuaranteeRequest(payers[0]!, request, domain712) };
    }),
  );
  let t = performance.now();
  for (const it of items) await recoverGuaranteeRequestSigner(it.request, domain712, it.signature);
  const recoverUs = ((performance.now() - t) * 1000) / n;
  const envelopes = items.map((it) => encodeEnvelope({ ...it.request, domain, cycleId: 1n }));
  t = performance.now();
  for (const e of envelopes) bls.sign(BLS_SK, e);
  const signUs = ((performance.now() - t) * 1000) / n;
  t = performance.now();
  for (const it of items) encodeEnvelope({ ...it.request, domain, cycleId: 1n });
  const encodeUs = ((performance.now() - t) * 1000) / n;
  const total = recoverUs + signUs + encodeUs;
  return {
    blsBackend: bls.name,
    recoverUs: Math.round(recoverUs),
    blsSignUs: Math.round(signUs),
    encodeUs: Math.round(encodeUs),
    perGuaranteeUs: Math.round(total),
    singleCoreMaxPerSecond: Math.round(1e6 / total),
  };
}

async function httpRun(db: Database) {
  await migrate(db);
  await db.exec("TRUNCATE guarantee_transitions, guarantees, balances, users RESTART IDENTITY CASCADE");
  for (const p of payers) await creditDeposit(db, p.address, ASSET, 10n ** 30n);
  const config = loadConfig({
    FOURMICA_CHAIN_ID: CHAIN_ID.toString(),
    FOURMICA_CORE4MICA_ADDRESS: CORE4MICA,
    FOURMICA_BLS_SECRET_KEY: BLS_SK,
    FOURMICA_CYCLE_GENESIS: String(Math.floor(Date.now() / 1000) - 1000),
    FOURMICA_LOG_LEVEL: "silent",
  });
  const core = await createCore(config, { db, logger: pino({ level: "silent" }), isValidSignature: async () => false });
  const url = (await core.listen(0, "127.0.0.1")) + "/core/guarantees";
  const post = async (body: string) => {
    const t = performance.now();
    const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body });
    await res.arrayBuffer();
    if (res.status !== 201) throw new Error(`status ${res.status}`);
    return performance.now() - t;
  };
  try {
    await Promise.all((await signedBodies(100)).map(post)); // warm-up

    // Closed loop: CONCURRENCY clients back to back, for the maximum rate.
    const bodies = await signedBodies(REQUESTS);
    const lat: number[] = [];
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < bodies.length) lat.push(await post(bodies[next++]!));
      }),
    );
    const saturated = summary(lat, (performance.now() - t0) / 1000);

    // Open loop at half the measured maximum: latency under a realistic load.
    const rate = Math.max(1, Math.floor(saturated.perSecond / 2));
    const half = await signedBodies(Math.min(REQUESTS, rate * 5));
    const halfLat: number[] = [];
    const t1 = performance.now();
    await Promise.all(
      half.map(async (b, i) => {
        const due = t1 + (i * 1000) / rate;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        halfLat.push(await post(b));
      }),
    );
    const { rows } = await db.query<{ n: string }>("SELECT count(*)::text AS n FROM guarantees");
    return {
      saturated: { concurrency: CONCURRENCY, ...saturated },
      halfLoad: { targetPerSecond: rate, ...summary(halfLat, (performance.now() - t1) / 1000) },
      guaranteesStored: Number(rows[0]!.n),
    };
  } finally {
    await core.close();
  }
}

const result: Record<string, unknown> = {
  bench: "issuance",
  node: process.version,
  cpus: availableParallelism(),
  payers: PAYERS,
  cryptoFloor: await cryptoFloor(300),
};
const pglite = await openPgliteDatabase();
result.pglite = await httpRun(pglite);
await pglite.close();
if (process.env.FOURMICA_TEST_DATABASE_URL) {
  const pg = openPgDatabase({ connectionString: process.env.FOURMICA_TEST_DATABASE_URL, max: 20 });
  result.postgres = await httpRun(pg);
  await pg.close();
}
process.stdout.write(JSON.stringify(result, null, 2) + "\n");
