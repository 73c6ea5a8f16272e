/**
 * A paid request through the whole x402 stack, in one process: stock `@x402/fetch` with the `4mica-credit` client
 * scheme -> a seller on stock `@x402/express` (the seller template: rate limit, middleware, certificate check and
 * store, idempotent delivery) -> the facilitator over HTTP -> Core over HTTP (PGlite in memory) and back. Each paid
 * request is two HTTP round trips from the agent (the 402, then the retry with PAYMENT-SIGNATURE). Prints one JSON:
 * - oneClient: sequential paid requests from one agent (p50/p99 of the whole `fetch` call);
 * - saturated: BENCH_X402_CLIENTS agents (default 16) in a closed loop for BENCH_SECONDS (default 5);
 * - issuanceOneClient: `POST /core/guarantees` alone, sequential, in the same run, for comparison;
 * - stages: the same paid request with Core, the facilitator and the seller each in its own process
 *   (bench/support/x402StageServer.ts), sequential from one agent here: p50/p99, and each process's CPU time (user +
 *   system) per paid request, the agent's included (BENCH_X402_STAGE_REQUESTS, default 300; BENCH_STAGE_NODE_ARGS,
 *   e.g. `--cpu-prof --cpu-prof-dir=prof`, is passed to the three processes).
 * Run: `node bench/x402.bench.ts` (or `npm run bench`). Everything shares this process's core(s).
 */
import { x402Client } from "@x402/core/client";
import { HTTPFacilitatorClient } from "@x402/core/server";
import { wrapFetchWithPayment } from "@x402/fetch";
import { pino } from "pino";
import { fork, type ChildProcess } from "node:child_process";
import type { Server } from "node:http";
import { loadavg } from "node:os";

import { openPgliteDatabase } from "../offchain/src/core/adapters/db/pgliteDatabase.ts";
import { createCore } from "../offchain/src/core/createCore.ts";
import { createFacilitator } from "../offchain/src/facilitator/index.ts";
import { loadBlsBackend } from "../offchain/src/protocol/bls/index.ts";
import { payerAccount } from "../offchain/src/protocol/secp256k1/index.ts";
import { CreditClientScheme } from "../offchain/src/x402/client/index.ts";
import { creditNetwork } from "../offchain/src/x402/scheme.ts";
import { createExpressSeller } from "../offchain/src/x402/server/template/index.ts";
import { ASSET, BLS_SK, CHAIN_ID, CORE4MICA, RECIPIENT, payerKeys, seed, signedBodies } from "./support/benchSetup.ts";
import { summarize } from "./support/loadGenerator.ts";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CLIENTS = Number(process.env.BENCH_X402_CLIENTS ?? 16);
const ONE_CLIENT_REQUESTS = Number(process.env.BENCH_X402_REQUESTS ?? 300);
const STAGE_REQUESTS = Number(process.env.BENCH_X402_STAGE_REQUESTS ?? 300);
const PORTS = { core: 19320, facilitator: 19321, seller: 19322 };

const silent = pino({ level: "silent" });
const now = BigInt(Math.floor(Date.now() / 1000));
const db = await openPgliteDatabase();
await seed(db);
const bls = await loadBlsBackend("auto");
const core = await createCore(
  {
    databaseUrl: undefined,
    dataDir: "memory",
    dbPoolSize: 10,
    rpcUrl: undefined,
    chainId: CHAIN_ID,
    core4Mica: CORE4MICA,
    clearingHouse: undefined,
    blsSecretKey: BLS_SK,
    blsBackend: "auto",
    operatorKey: undefined,
    acceptedVersions: [1, 2],
    trustedRegistries: [],
    freshnessPastSeconds: 300n,
    freshnessFutureSeconds: 60n,
    schedule: {
      genesis: now - (now % 86_400n),
      cycleLength: 86_400n,
      resolutionCutoff: 21_600n,
      commitDelay: 900n,
      paymentWindow: 7_200n,
      finalityWindow: 7_200n,
    },
    tokens: [{ symbol: "TST", address: ASSET, decimals: 6 }],
    httpHost: "127.0.0.1",
    httpPort: PORTS.core,
    siweDomain: "bench.local",
    siweUri: "http://bench.local",
    sessionTtlSeconds: 3600,
    logLevel: "silent",
  },
  { db, logger: silent, bls },
);
const coreUrl = await core.listen(PORTS.core, "127.0.0.1");
const facilitator = createFacilitator(
  { coreUrl, publicUrl: undefined, blsPublicKey: core.blsPublicKey, allowContractSignatures: false },
  { logger: silent, bls },
);
const facilitatorUrl = await facilitator.listen(PORTS.facilitator, "127.0.0.1");
const network = creditNetwork(CHAIN_ID);
const { app, kit } = createExpressSeller(
  [
    {
      method: "GET",
      path: "/paid",
      network,
      payTo: RECIPIENT,
      price: { asset: ASSET, amount: "1" },
      work: async ({ payment }) => ({ ok: true, guaranteeId: payment.guaranteeId }),
    },
  ],
  {
    facilitator: new HTTPFacilitatorClient({ url: facilitatorUrl }),
    bls,
    operatorPublicKey: core.blsPublicKey,
    rateLimit: { windowMs: 60_000, limit: 10_000_000 },
  },
);
await kit.ready();
const seller: Server = await new Promise((resolve) => {
  const s = app.listen(PORTS.seller, "127.0.0.1", () => resolve(s));
});
const url = `http://127.0.0.1:${PORTS.seller}/paid`;

function agent(i: number, target = url) {
  const client = new x402Client();
  // The payer signs through libsecp256k1 (payerAccount: the same bytes as viem's privateKeyToAccount).
  client.register(network, new CreditClientScheme({ signer: payerAccount(payerKeys[i % payerKeys.length]!) }));
  client.setSpendControls({ allowedAssets: [{ network, asset: ASSET, maxAmountPerPayment: "10" }] });
  const pay = wrapFetchWithPayment(fetch, client);
  return async () => {
    const started = performance.now();
    const res = await pay(target);
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`paid request answered ${res.status}`);
    return performance.now() - started;
  };
}

async function sequential(run: () => Promise<number>, n: number) {
  for (let i = 0; i < 20; i++) await run(); // warm-up
  const lat: number[] = [];
  const started = performance.now();
  for (let i = 0; i < n; i++) lat.push(await run());
  return summarize(lat, (performance.now() - started) / 1000);
}

const oneClient = await sequential(agent(0), ONE_CLIENT_REQUESTS);

const lat: number[] = [];
const until = performance.now() + SECONDS * 1000;
const startedSat = performance.now();
await Promise.all(
  Array.from({ length: CLIENTS }, async (_, i) => {
    const run = agent(i);
    while (performance.now() < until) lat.push(await run());
  }),
);
const saturated = { clients: CLIENTS, ...summarize(lat, (performance.now() - startedSat) / 1000) };

const bodies = signedBodies(ONE_CLIENT_REQUESTS + 20);
let k = 0;
const issuanceOneClient = await sequential(async () => {
  const started = performance.now();
  const res = await fetch(`${coreUrl}/core/guarantees`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: bodies[k++]!,
  });
  await res.arrayBuffer();
  if (res.status !== 201) throw new Error(`issuance answered ${res.status}`);
  return performance.now() - started;
}, ONE_CLIENT_REQUESTS);

await new Promise((r) => seller.close(r));
await facilitator.close();
await core.close();
await db.close();

/** The three servers in their own processes; the agent here. CPU per paid request of each process. */
async function stagesRun() {
  const nodeArgs = (process.env.BENCH_STAGE_NODE_ARGS ?? "").split(" ").filter(Boolean);
  const children: ChildProcess[] = [];
  const start = (role: string, upstream = "") =>
    new Promise<{ child: ChildProcess; url: string }>((resolve, reject) => {
      const child = fork(new URL("./support/x402StageServer.ts", import.meta.url).pathname, [role, upstream], {
        execArgv: [...process.execArgv, ...nodeArgs],
        stdio: ["ignore", "ignore", "inherit", "ipc"],
      });
      children.push(child);
      child.once("message", (m) => resolve({ child, url: (m as { url: string }).url }));
      child.once("exit", (code) => reject(new Error(`stage ${role} exited with ${code}`)));
    });
  const cpuOf = (child: ChildProcess) =>
    new Promise<number>((resolve) => {
      const on = (m: unknown) => {
        const cpu = (m as { cpu?: NodeJS.CpuUsage }).cpu;
        if (!cpu) return;
        child.off("message", on);
        resolve(cpu.user + cpu.system);
      };
      child.on("message", on);
      child.send("cpu");
    });
  try {
    const coreStage = await start("core");
    const facilitatorStage = await start("facilitator", coreStage.url);
    const sellerStage = await start("seller", facilitatorStage.url);
    const procs = {
      agent: undefined,
      seller: sellerStage.child,
      facilitator: facilitatorStage.child,
      core: coreStage.child,
    };
    const run = agent(1, `${sellerStage.url}/paid`);
    for (let i = 0; i < 30; i++) await run(); // warm-up
    const cpu = async () =>
      Object.fromEntries(
        await Promise.all(
          Object.entries(procs).map(async ([k, c]) => {
            if (c) return [k, await cpuOf(c)] as const;
            const u = process.cpuUsage();
            return [k, u.user + u.system] as const;
          }),
        ),
      ) as Record<keyof typeof procs, number>;
    const before = await cpu();
    const lat: number[] = [];
    const started = performance.now();
    for (let i = 0; i < STAGE_REQUESTS; i++) lat.push(await run());
    const seconds = (performance.now() - started) / 1000;
    const after = await cpu();
    const cpuMicrosPerRequest = Object.fromEntries(
      Object.keys(procs).map((k) => {
        const key = k as keyof typeof procs;
        return [k, Math.round((after[key] - before[key]) / STAGE_REQUESTS)];
      }),
    ) as Record<keyof typeof procs, number>;
    const total = Object.values(cpuMicrosPerRequest).reduce((a, b) => a + b, 0);
    return { ...summarize(lat, seconds), cpuMicrosPerRequest: { ...cpuMicrosPerRequest, total } };
  } finally {
    for (const c of children) {
      if (c.connected) c.send("stop");
    }
    await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once("exit", r)) : undefined)));
  }
}
const stages = await stagesRun();

process.stdout.write(
  JSON.stringify(
    {
      bench: "x402",
      path: "@x402/fetch -> @x402/express seller -> facilitator (HTTP) -> Core (HTTP, PGlite memory)",
      roundTripsPerPaidRequest: 2,
      blsBackend: bls.name,
      loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
      oneClient,
      saturated,
      issuanceOneClient,
      stages,
    },
    null,
    2,
  ) + "\n",
);
process.exit(0);
