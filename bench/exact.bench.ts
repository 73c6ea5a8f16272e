/**
 * Credit against stock x402 `exact`, side by side in one run on one anvil chain with 2-second blocks
 * (docs/performance.md, "Credit against exact"). @bench-timeout-seconds 900
 *
 * Latency: the same paid route and the same stock `@x402/fetch` client, once with `exact` (`@x402/evm`'s facilitator
 * settling `transferWithAuthorization` of our MockEIP3009Token, waiting for its receipt) and once with
 * `4mica-credit` (the seller template, our facilitator, Core following the same chain; the certificate needs no
 * transaction). p50/p99 of the whole paid `fetch` (two HTTP round trips: the 402, then the paid retry), at one
 * client and at BENCH_EXACT_CLIENTS concurrent clients, with anvil mining every BENCH_EXACT_BLOCK_TIME seconds.
 *
 * Gas: one settlement cycle of BENCH_GAS_GUARANTEES guarantees among BENCH_GAS_PAYERS payers and
 * BENCH_GAS_RECIPIENTS recipients on the real contracts (the stack deployed by scripts/lib/deployStack.ts), issued
 * through Core's HTTP API and netted and committed by Core's own scheduler (`scheduler.tick`), run twice in the same
 * run on the same guarantees (same seed): first the new path, on the chain's cold state (`credit`: each paying
 * debtor signs a NetDebitSettlement through the SDK's authorizeNetDebitSettlement, Core's scheduler settles them
 * from their vault collateral in settleNetDebitsFromCollateral batches and pays every creditor in one
 * claimNetCredits), then the old one (`creditTransferPath`: each paying debtor's approve + payNetDebit, each
 * creditor's claimNetCredit, the scheduler with its batched claims off). Each keeps one default (proveSignedRequests
 * + markDefaulted) and the finalizeCycle. Every transaction of a cycle is read back from the chain's blocks, summed
 * and divided by the guarantee count. `exact`: BENCH_EXACT_GAS_SAMPLE settlements through the stock facilitator,
 * stratified (the first transfer to each fresh recipient writes a zero balance slot and costs more), extrapolated to
 * as many transfers.
 * Blocks are mined on demand for setup and the gas cycles (gas does not depend on block time) and every 2 s for
 * latency. BENCH_EXACT_PARTS=gas runs the gas part alone (no latency runs, `latency: null`).
 *
 * Run: `node bench/exact.bench.ts` (or `npm run bench`); JSON on stdout. Needs the compiled artifacts
 * (`npx hardhat build`). Core on PGlite in memory, or on PostgreSQL at BENCH_DATABASE_URL (its public schema is
 * dropped and recreated). Ports BENCH_EXACT_PORT_BASE (default 19700) + 1..30.
 */
import { x402Client } from "@x402/core/client";
import { HTTPFacilitatorClient } from "@x402/core/server";
import type { PaymentRequirements } from "@x402/core/types";
import { ExactEvmScheme as ExactClientScheme } from "@x402/evm/exact/client";
import { wrapFetchWithPayment } from "@x402/fetch";
import { network } from "hardhat";
import { pino } from "pino";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import { createRequire } from "node:module";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import {
  bytesToHex,
  createPublicClient,
  createWalletClient,
  decodeFunctionData,
  encodeFunctionData,
  hexToBytes,
  http,
  keccak256,
  maxUint256,
  toHex,
  type Abi,
  type Address,
  type Hex,
  type TransactionReceipt,
} from "viem";
import { privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";

import { openPgDatabase } from "../offchain/src/core/adapters/db/pgDatabase.ts";
import { loadConfig } from "../offchain/src/core/config.ts";
import { createCore, type Core } from "../offchain/src/core/createCore.ts";
import { createCycleScheduler } from "../offchain/src/core/services/scheduler/createCycleScheduler.ts";
import { authorizeNetDebitSettlement, createCoreClient } from "../offchain/src/sdk/index.ts";
import { createFacilitator } from "../offchain/src/facilitator/index.ts";
import { loadBlsBackend } from "../offchain/src/protocol/bls/index.ts";
import { createGuaranteeRequestHasher } from "../offchain/src/protocol/createGuaranteeRequestHasher.ts";
import type { GuaranteeRequestV1 } from "../offchain/src/protocol/guaranteeTypes.ts";
import { payerAccount } from "../offchain/src/protocol/secp256k1/index.ts";
import { CreditClientScheme } from "../offchain/src/x402/client/index.ts";
import { creditNetwork } from "../offchain/src/x402/scheme.ts";
import { createExpressSeller } from "../offchain/src/x402/server/template/index.ts";
import { deployStack } from "../scripts/lib/deployStack.ts";
import { DEV_BLS_SECRET_KEY } from "../scripts/lib/devKeys.ts";
import { startAnvil, type Anvil } from "./support/anvil.ts";
import {
  createExactFacilitator,
  createExactSeller,
  EXACT_NETWORK,
  localChain,
  serveFacilitator,
} from "./support/exactX402.ts";
import { createPoster, summarize, type LatencySummary } from "./support/loadGenerator.ts";

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const BLOCK_TIME = env("BENCH_EXACT_BLOCK_TIME", 2);
const EXACT_REQUESTS = env("BENCH_EXACT_REQUESTS", 20);
const CREDIT_REQUESTS = env("BENCH_CREDIT_REQUESTS", 200);
const CLIENTS = env("BENCH_EXACT_CLIENTS", 4);
const EXACT_CONCURRENT_ROUNDS = env("BENCH_EXACT_CONCURRENT_ROUNDS", 5);
const CREDIT_CONCURRENT_ROUNDS = env("BENCH_CREDIT_CONCURRENT_ROUNDS", 50);
const GUARANTEES = env("BENCH_GAS_GUARANTEES", 10_000);
const PAYERS = env("BENCH_GAS_PAYERS", 100);
const RECIPIENTS = env("BENCH_GAS_RECIPIENTS", 20);
const EXACT_SAMPLE = env("BENCH_EXACT_GAS_SAMPLE", 50);
const ISSUE_CONCURRENCY = env("BENCH_GAS_ISSUE_CONCURRENCY", 16);
const PORT_BASE = env("BENCH_EXACT_PORT_BASE", 19700);
/** `BENCH_EXACT_PARTS=gas` runs the gas part alone (no latency runs); default `latency,gas`. */
const PARTS = new Set((process.env.BENCH_EXACT_PARTS ?? "latency,gas").split(",").map((p) => p.trim()));
const PORTS = {
  anvil: PORT_BASE + 1,
  core: PORT_BASE + 10,
  creditFacilitator: PORT_BASE + 11,
  creditSeller: PORT_BASE + 12,
  exactFacilitator: PORT_BASE + 20,
  exactSeller: PORT_BASE + 21,
};
/** Price of the paid route on both sides: 0.001 of a 6-decimal token. */
const PRICE = 1_000n;
const TOKEN = { name: "Test USD Coin", symbol: "tUSDC", decimals: 6 } as const;
/** The facilitator's receipt polling: 100 ms, so that `exact` waits for the block, not for viem's 1 s default. */
const EXACT_POLLING_MS = 100;

const log = (line: string) => process.stderr.write(`exact.bench: ${line}\n`);
const loadAverageAtStart = loadavg().map((l) => Math.round(l * 100) / 100);
const keyOf = (label: string): Hex => keccak256(toHex(`4mica exact bench ${label}`));
const silent = pino({ level: "silent" });

/** A small deterministic PRNG (mulberry32), so every run nets the same cycle. */
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

async function pool<T>(items: readonly T[], concurrency: number, run: (item: T, i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await run(items[i]!, i);
      }
    }),
  );
}

let anvil: Anvil | undefined;
let core: Core | undefined;
const closers: (() => Promise<unknown>)[] = [];
let output: Record<string, unknown> | undefined;
const tmp = mkdtempSync(join(tmpdir(), "4mica-exact-bench-"));

try {
  // ---------------------------------------------------------------------------------------------------- chain
  const node = await startAnvil({ port: PORTS.anvil, blockTime: BLOCK_TIME });
  anvil = node;
  await node.automine();
  const chain = localChain(node.url, BLOCK_TIME * 1000);
  const publicClient = createPublicClient({ chain, transport: http(node.url), pollingInterval: 50 });
  const wallet = (account: PrivateKeyAccount) =>
    createWalletClient({ account, chain, transport: http(node.url), pollingInterval: 50 });
  const { viem } = await network.create({ network: "localhost", override: { url: node.url } });

  const operator = privateKeyToAccount(keyOf("operator"));
  const exactFacilitatorKey = keyOf("exact facilitator");
  const keeper = privateKeyToAccount(keyOf("keeper"));
  // The agents' keys sign through libsecp256k1 (payerAccount: the same bytes as viem's account); `exact`'s client
  // signs its EIP-3009 typed data with viem's signTypedData either way.
  const latencyPayers = Array.from({ length: Math.max(CLIENTS, 1) }, (_, i) => payerAccount(keyOf(`agent ${i}`)));
  const gasPayerKeys = Array.from({ length: PAYERS }, (_, i) => keyOf(`payer ${i}`));
  const gasPayers = gasPayerKeys.map((k) => privateKeyToAccount(k));
  const gasRecipients = Array.from(
    { length: RECIPIENTS },
    (_, i) => privateKeyToAccount(keyOf(`recipient ${i}`)).address,
  );
  const exactRecipients = Array.from(
    { length: RECIPIENTS },
    (_, i) => privateKeyToAccount(keyOf(`exact recipient ${i}`)).address,
  );
  const sellerCredit = privateKeyToAccount(keyOf("seller credit")).address;
  const sellerExact = privateKeyToAccount(keyOf("seller exact")).address;
  const funded = [operator, keeper, privateKeyToAccount(exactFacilitatorKey), ...latencyPayers, ...gasPayers];
  for (const a of funded) await node.rpc("anvil_setBalance", [a.address, toHex(10n ** 22n)]);

  log("deploying MockEIP3009Token and the stack (deployStack) on anvil");
  const token = await viem.deployContract("MockEIP3009Token", [TOKEN.name, TOKEN.symbol, TOKEN.decimals]);
  const bls = await loadBlsBackend("auto");
  const stack = await deployStack(viem, {
    blsPublicKey: bls.publicKey(DEV_BLS_SECRET_KEY),
    operator: operator.address,
    tokens: [token.address],
  });
  const asset = token.address.toLowerCase() as Address;
  const tokenAbi = token.abi as Abi;
  const clearingHouse = await viem.getContractAt("ClearingHouse", stack.clearingHouse);
  const vault = await viem.getContractAt("Core4Mica", stack.core4Mica);

  const receipt = async (hash: Hex): Promise<TransactionReceipt> => {
    const r = await publicClient.waitForTransactionReceipt({ hash });
    if (r.status !== "success") throw new Error(`transaction ${hash} reverted`);
    return r;
  };
  const call = async (from: PrivateKeyAccount, to: Address, data: Hex) =>
    receipt(await wallet(from).sendTransaction({ to, data }));
  const tokenCall = (functionName: "approve" | "mint", args: readonly unknown[]) =>
    encodeFunctionData({ abi: tokenAbi, functionName, args });

  log(`minting and depositing for ${latencyPayers.length + gasPayers.length} payers`);
  const collateral = 10n ** 12n;
  const setupGas: bigint[] = [];
  await pool([...latencyPayers, ...gasPayers], 8, async (p) => {
    await call(p, token.address, tokenCall("mint", [p.address, 2n * collateral])); // an open mint: no shared nonce
    const a = await call(p, token.address, tokenCall("approve", [stack.core4Mica, collateral]));
    const d = await call(
      p,
      stack.core4Mica,
      encodeFunctionData({ abi: vault.abi, functionName: "deposit", args: [token.address, collateral] }),
    );
    if (gasPayers.includes(p)) setupGas.push(a.gasUsed + d.gasUsed);
  });

  // ----------------------------------------------------------------------------------------------------- Core
  let clockOffset = 0n;
  const wallNow = () => BigInt(Math.floor(Date.now() / 1000));
  const coreNow = () => wallNow() + clockOffset;
  const databaseUrl = process.env.BENCH_DATABASE_URL;
  if (databaseUrl) {
    const db = openPgDatabase({ connectionString: databaseUrl, max: 2 });
    await db.exec("DROP SCHEMA public CASCADE; CREATE SCHEMA public");
    await db.close();
  }
  const deploymentsFile = join(tmp, "deployment.json");
  writeFileSync(deploymentsFile, JSON.stringify({ network: "anvil", ...stack }, null, 2));
  const config = loadConfig({
    FOURMICA_DEPLOYMENTS_FILE: deploymentsFile,
    FOURMICA_RPC_URL: node.url,
    FOURMICA_BLS_SECRET_KEY: DEV_BLS_SECRET_KEY,
    FOURMICA_OPERATOR_KEY: keyOf("operator"),
    FOURMICA_ACCEPTED_VERSIONS: "1",
    FOURMICA_DATA_DIR: "memory",
    ...(databaseUrl ? { FOURMICA_DATABASE_URL: databaseUrl } : {}),
    FOURMICA_CONFIRMATIONS: "0",
    FOURMICA_SYNC_INTERVAL_MS: "500",
    FOURMICA_HTTP_PORT: String(PORTS.core),
    FOURMICA_RATE_LIMIT_ISSUE_MAX: "10000000",
    FOURMICA_RATE_LIMIT_MAX: "10000000",
    FOURMICA_LOG_LEVEL: "silent",
  });
  core = await createCore(config, { logger: silent, bls, now: coreNow });
  const coreUrl = await core.listen(PORTS.core, "127.0.0.1");
  const background = core.startBackground({ scheduler: false });
  await background.runOnce();
  const seen = await core.db.query<{ n: string }>(
    "SELECT count(*)::text AS n FROM balances WHERE asset = $1 AND deposited = $2",
    [asset, collateral.toString()],
  );
  if (Number(seen.rows[0]?.n) !== latencyPayers.length + gasPayers.length) {
    throw new Error(`Core saw ${seen.rows[0]?.n} deposits of ${latencyPayers.length + gasPayers.length}`);
  }

  // ------------------------------------------------------------------------------------------- paid routes
  const sellerLimits = { windowMs: 60_000, limit: 10_000_000 };
  const creditFacilitator = createFacilitator(
    { coreUrl, publicUrl: undefined, blsPublicKey: core.blsPublicKey, allowContractSignatures: false },
    { logger: silent, bls },
  );
  const creditFacilitatorUrl = await creditFacilitator.listen(PORTS.creditFacilitator, "127.0.0.1");
  closers.push(() => creditFacilitator.close());
  const creditNet = creditNetwork(BigInt(stack.chainId));
  const work = async () => ({ ok: true, report: "the paid resource" });
  const { app: creditApp, kit } = createExpressSeller(
    [
      {
        method: "GET",
        path: "/paid",
        network: creditNet,
        payTo: sellerCredit,
        price: { asset, amount: PRICE.toString() },
        work,
      },
    ],
    {
      facilitator: new HTTPFacilitatorClient({ url: creditFacilitatorUrl }),
      bls,
      operatorPublicKey: core.blsPublicKey,
      rateLimit: sellerLimits,
    },
  );
  await kit.ready();
  const listen = async (app: { listen: (port: number, host: string, cb: () => void) => Server }, port: number) => {
    const server: Server = await new Promise((resolve) => {
      const s = app.listen(port, "127.0.0.1", () => resolve(s));
    });
    closers.push(() => new Promise((r) => server.close(r)));
    return `http://127.0.0.1:${port}/paid`;
  };
  const creditUrl = await listen(creditApp, PORTS.creditSeller);

  const exact = createExactFacilitator({
    rpcUrl: node.url,
    key: exactFacilitatorKey,
    pollingIntervalMs: EXACT_POLLING_MS,
    blockTimeMs: BLOCK_TIME * 1000,
  });
  const exactServed = await serveFacilitator(exact.facilitator, PORTS.exactFacilitator);
  closers.push(() => new Promise((r) => exactServed.server.close(r)));
  const exactApp = await createExactSeller(
    {
      path: "/paid",
      payTo: sellerExact,
      asset: token.address,
      amount: PRICE.toString(),
      eip712: { name: TOKEN.name, version: "2" },
      work,
    },
    exactServed.url,
    sellerLimits,
  );
  const exactUrl = await listen(exactApp, PORTS.exactSeller);

  /** A stock x402 agent on one scheme; each call is one paid request, timed end to end. */
  const exactTxs: Hex[] = [];
  function agent(kind: "credit" | "exact", signer: PrivateKeyAccount) {
    const client = new x402Client();
    if (kind === "credit") {
      client.register(creditNet, new CreditClientScheme({ signer }));
      client.setSpendControls({
        allowedAssets: [{ network: creditNet, asset, maxAmountPerPayment: PRICE.toString() }],
      });
    } else {
      client.register(EXACT_NETWORK, new ExactClientScheme(signer));
      client.setSpendControls({
        allowedAssets: [{ network: EXACT_NETWORK, asset: token.address, maxAmountPerPayment: PRICE.toString() }],
      });
    }
    const pay = wrapFetchWithPayment(fetch, client);
    const url = kind === "credit" ? creditUrl : exactUrl;
    return async () => {
      const started = performance.now();
      const res = await pay(url);
      await res.arrayBuffer();
      const ms = performance.now() - started;
      if (res.status !== 200) throw new Error(`${kind} paid request answered ${res.status}`);
      if (kind === "exact") {
        const settle = JSON.parse(Buffer.from(res.headers.get("payment-response") ?? "", "base64").toString("utf8"));
        exactTxs.push(settle.transaction as Hex);
      }
      return ms;
    };
  }
  async function sequential(run: () => Promise<number>, warmUp: number, n: number): Promise<LatencySummary> {
    for (let i = 0; i < warmUp; i++) await run();
    const lat: number[] = [];
    const started = performance.now();
    for (let i = 0; i < n; i++) lat.push(await run());
    return summarize(lat, (performance.now() - started) / 1000);
  }
  async function concurrent(kind: "credit" | "exact", rounds: number) {
    const lat: number[] = [];
    const started = performance.now();
    await Promise.all(
      latencyPayers.slice(0, CLIENTS).map(async (p) => {
        const run = agent(kind, p);
        for (let i = 0; i < rounds; i++) lat.push(await run());
      }),
    );
    return { clients: CLIENTS, ...summarize(lat, (performance.now() - started) / 1000) };
  }

  // ------------------------------------------------------------------------------------------------ latency
  let latency: Record<string, unknown> | null = null;
  let latencySettlementGas: bigint[] = [];
  if (PARTS.has("latency")) {
    await node.intervalMining(BLOCK_TIME);
    log(
      `latency: ${CREDIT_REQUESTS} credit and ${EXACT_REQUESTS} exact paid requests at one client, ${BLOCK_TIME} s blocks`,
    );
    const creditOne = await sequential(agent("credit", latencyPayers[0]!), 10, CREDIT_REQUESTS);
    const exactOne = await sequential(agent("exact", latencyPayers[0]!), 2, EXACT_REQUESTS);
    log(`latency: ${CLIENTS} concurrent clients`);
    const creditMany = CLIENTS > 1 ? await concurrent("credit", CREDIT_CONCURRENT_ROUNDS) : undefined;
    const exactMany = CLIENTS > 1 ? await concurrent("exact", EXACT_CONCURRENT_ROUNDS) : undefined;
    await node.automine();
    latencySettlementGas = await Promise.all(exactTxs.map(async (h) => (await receipt(h)).gasUsed));
    const r1 = (x: number) => Math.round(x * 10) / 10;
    latency = {
      what: "whole paid fetch through stock @x402/fetch (2 HTTP round trips), ms",
      blockTimeSeconds: BLOCK_TIME,
      exactFacilitatorReceiptPollingMs: EXACT_POLLING_MS,
      credit: { oneClient: creditOne, ...(creditMany ? { concurrent: creditMany } : {}) },
      exact: { oneClient: exactOne, ...(exactMany ? { concurrent: exactMany } : {}) },
      ratio: {
        oneClientP50: r1(exactOne.p50Ms / creditOne.p50Ms),
        oneClientP99: r1(exactOne.p99Ms / creditOne.p99Ms),
        ...(creditMany && exactMany
          ? {
              concurrentP50: r1(exactMany.p50Ms / creditMany.p50Ms),
              concurrentP99: r1(exactMany.p99Ms / creditMany.p99Ms),
            }
          : {}),
      },
    };
  }

  // --------------------------------------------------------------------------------------- exact gas sample
  // Stratified like the 10,000 transfers it stands for: transfer i is payer i mod PAYERS -> recipient i mod
  // RECIPIENTS, so the first RECIPIENTS transfers are each recipient's first (zero-to-nonzero balance) and every
  // later one is warm. Each signed by the stock client and settled by the stock facilitator, like the paid route.
  log(`exact gas: ${EXACT_SAMPLE} transferWithAuthorization settlements`);
  const fresh: bigint[] = [];
  const warm: bigint[] = [];
  for (let i = 0; i < EXACT_SAMPLE; i++) {
    const requirements: PaymentRequirements = {
      scheme: "exact",
      network: EXACT_NETWORK,
      asset: token.address,
      amount: PRICE.toString(),
      payTo: exactRecipients[i % RECIPIENTS]!,
      maxTimeoutSeconds: 300,
      extra: { name: TOKEN.name, version: "2" },
    };
    const signed = await new ExactClientScheme(gasPayers[i % PAYERS]!).createPaymentPayload(2, requirements);
    const payload = { x402Version: 2, accepted: requirements, payload: signed.payload };
    const verified = await exact.facilitator.verify(payload, requirements);
    if (!verified.isValid) throw new Error(`exact sample ${i} refused: ${verified.invalidReason}`);
    const settled = await exact.facilitator.settle(payload, requirements);
    if (!settled.success) throw new Error(`exact sample ${i} not settled: ${settled.errorReason}`);
    (i < RECIPIENTS ? fresh : warm).push((await receipt(settled.transaction as Hex)).gasUsed);
  }
  const mean = (xs: bigint[]) => (xs.length === 0 ? 0 : Number(xs.reduce((a, b) => a + b, 0n)) / xs.length);
  const freshCount = Math.min(RECIPIENTS, GUARANTEES);
  const exactTotal = freshCount * mean(fresh) + (GUARANTEES - freshCount) * mean(warm.length > 0 ? warm : fresh);
  const exactPerPayment = exactTotal / GUARANTEES;

  // ----------------------------------------------------------------------------------------- credit cycle
  const scheduler = core.scheduler;
  if (!scheduler) throw new Error("Core built no scheduler (operator key, ClearingHouse and chain are all set)");
  // The old path's cycle runs on the same scheduler code with the batched claims off (its creditors claim one by
  // one, as before); the new path's on Core's own scheduler, which claims for every creditor (FOURMICA_AUTO_CLAIM).
  const transferScheduler = createCycleScheduler({
    db: core.db,
    databaseUrl,
    rpcUrl: node.url,
    chainId: BigInt(stack.chainId),
    clearingHouse: stack.clearingHouse,
    operatorKey: keyOf("operator"),
    assets: [asset],
    autoClaim: false,
  });
  closers.push(() => transferScheduler.close());
  const coreClient = createCoreClient({ url: coreUrl });
  const latest = async () => (await publicClient.getBlock()).timestamp;
  const advanceTo = async (t: bigint) => {
    await node.mineAt(t);
    clockOffset = t - wallNow();
  };
  type Native = { ecdsaSign(m: Uint8Array, k: Uint8Array): { signature: Uint8Array; recid: number } };
  const native = createRequire(import.meta.url)("secp256k1/bindings") as Native;
  const hash = createGuaranteeRequestHasher({ chainId: BigInt(stack.chainId), verifyingContract: stack.core4Mica });
  const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

  /**
   * One whole cycle of GUARANTEES payments issued through Core's API, then settled either the old way (`transfer`:
   * each paying debtor approves the ClearingHouse and calls payNetDebit with Core's call data, each creditor claims
   * alone) or the new way (`collateral`: each paying debtor signs a NetDebitSettlement through the SDK, Core's
   * scheduler settles them from their collateral in settleNetDebitsFromCollateral batches and pays every creditor
   * in one claimNetCredits). Both keep one defaulter, proven and seized by the scheduler. Gas: every transaction
   * mined from the cycle's start to its end, classified by what it called.
   */
  async function creditCycle(mode: "transfer" | "collateral", reqIdBase: number) {
    const sched = mode === "transfer" ? transferScheduler : scheduler!;
    const target = (await clearingHouse.read.cycleOf([await latest()])) + 1n;
    const deadlines = await clearingHouse.read.cycleDeadlines([target]);
    const cycleStart = BigInt(stack.cycleSchedule.genesis) + target * BigInt(stack.cycleSchedule.cycleLength);
    await advanceTo(cycleStart + 60n);
    const startBlock = await publicClient.getBlockNumber();

    log(
      `credit gas (${mode}): issuing ${GUARANTEES} guarantees (${PAYERS} payers -> ${RECIPIENTS} recipients) in cycle ${target}`,
    );
    const random = prng(0x4d1ca);
    const timestamp = coreNow();
    const bodies: string[] = [];
    const signedPerPayer = new Map<Address, bigint>();
    for (let i = 0; i < GUARANTEES; i++) {
      const p = i < PAYERS ? i : Math.floor(random() * PAYERS);
      const user = gasPayers[p]!.address.toLowerCase() as Address;
      const amount = BigInt(100 + Math.floor(random() * 9_901));
      const request: GuaranteeRequestV1 = {
        version: 1,
        user,
        recipient: gasRecipients[i < RECIPIENTS ? i : Math.floor(random() * RECIPIENTS)]!.toLowerCase() as Address,
        reqId: BigInt(reqIdBase + i + 1),
        amount,
        asset,
        timestamp,
      };
      signedPerPayer.set(user, (signedPerPayer.get(user) ?? 0n) + amount);
      const { signature, recid } = native.ecdsaSign(hexToBytes(hash(request)), hexToBytes(gasPayerKeys[p]!));
      bodies.push(
        JSON.stringify({
          request: {
            ...request,
            reqId: request.reqId.toString(),
            amount: amount.toString(),
            timestamp: timestamp.toString(),
          },
          signature: `${bytesToHex(signature)}${(27 + recid).toString(16)}`,
        }),
      );
    }
    const poster = createPoster([coreUrl], ISSUE_CONCURRENCY);
    const issueStarted = performance.now();
    const issueLatencies: number[] = [];
    await pool(bodies, ISSUE_CONCURRENCY, async (b) => void issueLatencies.push(await poster.post(b)));
    poster.close();
    const issuance = {
      concurrency: ISSUE_CONCURRENCY,
      ...summarize(issueLatencies, (performance.now() - issueStarted) / 1000),
    };

    const tick = async (t: bigint) => {
      await advanceTo(t);
      const report = await sched.tick(await latest());
      await background.runOnce();
      return report.actions.filter((a) => a.cycleId === target).map((a) => a.kind);
    };
    log(`credit gas (${mode}): close, net and commit (scheduler tick at the resolution cutoff)`);
    const ticks: Record<string, string[]> = {};
    ticks.resolutionCutoff = await tick(BigInt(deadlines.resolutionCutoff));
    const committed = await clearingHouse.read.getCycle([target, asset]);
    if (!committed.committed) {
      throw new Error(`cycle ${target} was not committed: ${ticks.resolutionCutoff.join(", ")}`);
    }

    type Call = { to: Address; data: Hex; value: string };
    type Position = { role: string; amount: string; calls: { payNetDebit?: Call; claimNetCredit?: Call } };
    const position = async (who: Address) => {
      const res = await fetch(`${coreUrl}/core/cycles/${target}/${asset}/positions/${who.toLowerCase()}`);
      if (res.status !== 200) throw new Error(`position of ${who}: ${res.status}`);
      return (await res.json()) as Position;
    };
    const defaulter = gasPayers[0]!;
    const expectSigned = (who: Address, role: string, amount: bigint) => {
      if (role !== "NET_DEBTOR" || amount !== signedPerPayer.get(who.toLowerCase() as Address)) {
        throw new Error(`${who} is ${role} ${amount}, expected its signed total`);
      }
    };
    if (mode === "transfer") {
      log(`credit gas (transfer): ${PAYERS - 1} debtors approve and pay, ${defaulter.address} defaults`);
      await pool(gasPayers.slice(1), 8, async (p) => {
        const pos = await position(p.address);
        expectSigned(p.address, pos.role, BigInt(pos.amount));
        await call(p, token.address, tokenCall("approve", [stack.clearingHouse, BigInt(pos.amount)]));
        await call(p, pos.calls.payNetDebit!.to, pos.calls.payNetDebit!.data);
      });
    } else {
      log(
        `credit gas (collateral): ${PAYERS - 1} debtors sign a NetDebitSettlement (SDK), ${defaulter.address} defaults`,
      );
      await pool(gasPayers.slice(1), 8, async (p) => {
        const s = await authorizeNetDebitSettlement(wallet(p), { core: coreClient, cycleId: target, asset });
        expectSigned(p.address, s.position.role, s.amount);
        if (s.status !== "PENDING") throw new Error(`${p.address}'s authorization is ${s.status}`);
      });
      ticks.settlement = await tick(BigInt(deadlines.resolutionCutoff) + 60n);
      const settled = await coreClient.settlements(target, asset);
      const notSettled = settled.filter((x) => x.status !== "SETTLED");
      if (settled.length !== PAYERS - 1 || notSettled.length > 0) {
        throw new Error(`${settled.length} authorizations, ${notSettled.length} not settled`);
      }
    }
    const defaulterCollateral = await vault.read.collateral([defaulter.address, token.address]);
    ticks.paymentDeadline = await tick(BigInt(deadlines.paymentDeadline) + 1n);
    const seized = defaulterCollateral - (await vault.read.collateral([defaulter.address, token.address]));
    if (seized !== signedPerPayer.get(defaulter.address.toLowerCase() as Address)) {
      throw new Error(`the default seized ${seized}, not the defaulter's net debit`);
    }
    ticks.finalityDeadline = await tick(BigInt(deadlines.finalityDeadline) + 1n);
    let claimed = 0n;
    for (const r of gasRecipients) {
      const pos = await position(r);
      if (pos.role !== "NET_CREDITOR") continue; // a recipient may end net debtor or flat in the random pairs
      if (mode === "transfer") await call(keeper, pos.calls.claimNetCredit!.to, pos.calls.claimNetCredit!.data);
      claimed += BigInt(pos.amount);
    }
    log(`credit gas (${mode}): creditors ${mode === "transfer" ? "claimed one by one" : "paid by Core in one batch"}`);
    const final = await clearingHouse.read.getCycle([target, asset]);
    if (!final.finalized || final.claimedOut !== claimed || claimed !== final.totalNet) {
      throw new Error(`cycle ${target} did not end finalized and fully claimed (${final.claimedOut} of ${claimed})`);
    }

    // Every transaction mined since the time travel, classified by what it called.
    const endBlock = await publicClient.getBlockNumber();
    const gasBy: Record<string, { txs: number; gas: number }> = {};
    const notCounted: { hash: Hex; to: Address | null; what: string }[] = [];
    for (let b = startBlock + 1n; b <= endBlock; b++) {
      const block = await publicClient.getBlock({ blockNumber: b, includeTransactions: true });
      for (const tx of block.transactions) {
        const r = await publicClient.getTransactionReceipt({ hash: tx.hash });
        let label: string | undefined;
        let what = "unknown call";
        if (tx.to?.toLowerCase() === stack.clearingHouse.toLowerCase()) {
          const { functionName, args } = decodeFunctionData({ abi: clearingHouse.abi, data: tx.input });
          what = `${functionName}(cycle ${String((args as readonly unknown[])[0])})`;
          if ((args as readonly unknown[])[0] === target) label = functionName;
        } else if (tx.to?.toLowerCase() === asset) {
          const { functionName, args } = decodeFunctionData({ abi: tokenAbi, data: tx.input });
          const spender = String((args as readonly unknown[])[0]).toLowerCase();
          what = `token ${functionName}`;
          if (functionName === "approve" && spender === stack.clearingHouse.toLowerCase())
            label = "approve (payNetDebit)";
        }
        if (label === undefined) {
          notCounted.push({ hash: tx.hash, to: tx.to, what });
          continue;
        }
        if (r.status !== "success") throw new Error(`${label} ${tx.hash} reverted`);
        const entry = (gasBy[label] ??= { txs: 0, gas: 0 });
        entry.txs += 1;
        entry.gas += Number(r.gasUsed);
      }
    }
    const total = Object.values(gasBy).reduce((a, g) => a + g.gas, 0);
    return {
      cycleId: target.toString(),
      issuance,
      schedulerActions: ticks,
      byCall: gasBy,
      notCounted,
      total,
      perPayment: round(total / GUARANTEES),
      defaultSeized: seized.toString(),
      creditors: gasRecipients.length,
    };
  }

  // The new path first: its creditors receive the credit token for the first time (a fresh balance slot each, as
  // `exact`'s first transfer to each recipient), so the figure we claim is not helped by the other cycle's state.
  const collateralPath = await creditCycle("collateral", 0);
  const transferPath = await creditCycle("transfer", GUARANTEES);

  output = {
    bench: "exact",
    loadAverageAtStart,
    loadAverageAtEnd: loadavg().map((l) => Math.round(l * 100) / 100),
    chain: { node: "anvil 1.7.1 (@foundry-rs/anvil)", hardfork: "prague", blockTimeSeconds: BLOCK_TIME },
    core: { db: core.db.kind, bls: core.bls.name, followsChain: true },
    latency,
    gas: {
      payments: GUARANTEES,
      payers: PAYERS,
      recipients: RECIPIENTS,
      credit: {
        chain: "anvil (blocks on demand for this part)",
        path: "settlement from collateral (NetDebitSettlement authorizations via the SDK, Core's batches)",
        ...collateralPath,
        oneTimeDepositPerPayer: {
          what: "approve + deposit, once per payer, not in the cycle",
          mean: round(mean(setupGas), 0),
        },
      },
      creditTransferPath: {
        path: "before: approve + payNetDebit per paying debtor, one claimNetCredit per creditor (same run, a later cycle than the new path)",
        ...transferPath,
      },
      exact: {
        method:
          "stratified sample through the stock facilitator: total = first-to-fresh-recipient count x mean(fresh sample) + the rest x mean(warm sample)",
        sample: { fresh: fresh.map(Number), warm: warm.map(Number) },
        meanFresh: round(mean(fresh), 0),
        meanWarm: round(mean(warm), 0),
        freshTransfersIn: freshCount,
        total: Math.round(exactTotal),
        perPayment: round(exactPerPayment),
        latencyRunSettlements: { count: latencySettlementGas.length, mean: round(mean(latencySettlementGas), 0) },
      },
      ratio: round(exactPerPayment / collateralPath.perPayment, 1),
      ratioTransferPath: round(exactPerPayment / transferPath.perPayment, 1),
    },
  };
} finally {
  for (const close of closers.reverse()) await close().catch(() => {});
  await core?.close().catch(() => {});
  await anvil?.stop();
  rmSync(tmp, { recursive: true, force: true });
}
process.stdout.write(JSON.stringify(output, null, 2) + "\n");
process.exit(0);
