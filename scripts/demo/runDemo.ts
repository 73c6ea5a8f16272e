/**
 * The end-to-end demo's body (scripts/demo.ts runs it; test/e2e/demo.test.ts runs it in-process too):
 *
 * 1. Deploys the stack (vault, ClearingHouse, V2 decoder, ERC-8004 registries) with the production deploy library.
 * 2. Starts Core in this process on a fresh PGlite data directory, following the chain and serving HTTP.
 * 3. Three payers deposit; scripted payers obtain certificates over HTTP (V1, and a V2 gated by a validator).
 *    Then a paid API over x402: sellers on stock @x402/express and @x402/hono (the seller template), the facilitator
 *    embedded in Core, agents on stock @x402/fetch with the 4mica-credit client scheme (one refused by its buyer
 *    policy, one paying V2 whose job the validator answers).
 * 4. Runs one whole settlement cycle: close, net, commit, two debtors pay, one defaults and is covered from its
 *    collateral by the keeper, the cycle finalizes, creditors claim.
 * 5. Checks the chain against Core's database and builds the closing summary (requests served, certificates, gross
 *    vs net, every transaction of the cycle with its gas, against per-payment settlement measured on the same chain).
 *
 * Every mismatch is a `problems` entry; the caller exits non-zero on any. The servers stay up until `close()`, so
 * the caller can keep them running (`--keep`) or check the summary against the chain and the database first.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { serve } from "@hono/node-server";
import { x402Client } from "@x402/core/client";
import { HTTPFacilitatorClient } from "@x402/core/server";
import { wrapFetchWithPayment } from "@x402/fetch";
import express from "express";
import { network } from "hardhat";
import { pino } from "pino";
import {
  createWalletClient,
  custom,
  decodeFunctionData,
  formatEther,
  keccak256,
  toHex,
  zeroAddress,
  type Abi,
  type Address,
  type EIP1193Provider,
  type Hex,
  type PublicClient,
} from "viem";
import { mnemonicToAccount, privateKeyToAccount, type HDAccount } from "viem/accounts";
import { hardhat as hardhatChain } from "viem/chains";

import { loadConfig } from "../../offchain/src/core/config.ts";
import type { Database } from "../../offchain/src/core/adapters/db/database.ts";
import { createCore, type Core } from "../../offchain/src/core/createCore.ts";
import { buildValidationPolicy } from "../../offchain/src/protocol/buildValidationPolicy.ts";
import type { GuaranteeRequest } from "../../offchain/src/protocol/guaranteeTypes.ts";
import { signGuaranteeRequest } from "../../offchain/src/protocol/signGuaranteeRequest.ts";
import { createFacilitator, injectTransport } from "../../offchain/src/facilitator/index.ts";
import { CreditClientScheme, type BuyerPolicy } from "../../offchain/src/x402/client/index.ts";
import { createCoreClient } from "../../offchain/src/x402/facilitator/index.ts";
import { creditNetwork } from "../../offchain/src/x402/scheme.ts";
import { paymentOfHeader } from "../../offchain/src/x402/server/index.ts";
import {
  createExpressSeller,
  createHonoSeller,
  type PaidRoute,
} from "../../offchain/src/x402/server/template/index.ts";
import { deployStack } from "../lib/deployStack.ts";
import { DEV_BLS_SECRET_KEY } from "../lib/devKeys.ts";
import { gasFigures, type CycleTransaction, type DemoSummary, type SellerCounts } from "./summary.ts";

export const HARDHAT_MNEMONIC = "test test test test test test test test test test test junk";
/** A development-only operator chain key (Core's OPERATOR role); funded below. NEVER use it with value. */
export const DEMO_OPERATOR_KEY: Hex = keccak256(toHex("4mica demo operator chain key"));
const ETH = zeroAddress;
const milli = (n: number) => BigInt(n) * 10n ** 15n;
export const fmt = (wei: bigint) => `${formatEther(wei)} ETH`;

export interface DemoOptions {
  /** Where progress lines go (default console.log). */
  log?: (line: string) => void;
  /** Base port: Core (with the facilitator) on it, the Express seller +1, the Hono seller +2. Default: free ports. */
  basePort?: number;
}

export interface DemoRun {
  summary: DemoSummary;
  /** Every mismatch the demo found; empty when all checks passed. */
  problems: string[];
  urls: { core: string; facilitator: string; express: string; hono: string };
  /** The demo's cast: name -> account (payers hold deposits; recipients are the sellers' payTo). */
  accounts: Record<string, HDAccount>;
  contracts: { core4Mica: Address; clearingHouse: Address; tokens: { symbol: string; address: Address }[] };
  chainId: bigint;
  /** The in-process chain (EIP-1193) and a public client on it. */
  provider: EIP1193Provider;
  publicClient: PublicClient;
  /** Core's database (PGlite). */
  db: Database;
  /**
   * From now on Core's clock follows the chain's (wall clock plus the offset the demo advanced it by), so that
   * manual payments after the demo are fresh. For `--keep`.
   */
  followChainClock(): Promise<void>;
  /** Stops the sellers and Core and removes the data directory. Idempotent. */
  close(): Promise<void>;
}

export async function runDemo(options: DemoOptions = {}): Promise<DemoRun> {
  const log = options.log ?? ((line: string) => console.log(line));
  const problems: string[] = [];
  let passed = 0;
  const check = (ok: boolean, what: string) => {
    log(`  ${ok ? "ok  " : "FAIL"} ${what}`);
    if (ok) passed++;
    else problems.push(what);
  };
  const step = (title: string) => log(`\n== ${title}`);
  const port = (offset: number) => (options.basePort === undefined ? 0 : options.basePort + offset);

  const dataDir = mkdtempSync(join(tmpdir(), "4mica-demo-"));
  const { viem, networkHelpers, provider } = await network.create();
  const publicClient = (await viem.getPublicClient()) as unknown as PublicClient;
  const wallets = await viem.getWalletClients();
  const account = (i: number) => mnemonicToAccount(HARDHAT_MNEMONIC, { addressIndex: i });
  const walletOf = (address: Address) =>
    wallets.find((w) => w.account.address.toLowerCase() === address.toLowerCase())!;

  // Cast: payers and recipients are node accounts (so they can send transactions) whose keys we also hold locally
  // (so payers can sign EIP-712 requests the way an agent's SDK does).
  const payers = { alice: account(3), bob: account(4), carol: account(5) };
  const recipients = { api: account(6), data: account(7), gpu: account(8) };
  const validator = account(9);
  const operator = privateKeyToAccount(DEMO_OPERATOR_KEY);
  const names = new Map<string, string>(
    [
      ...Object.entries(payers),
      ...Object.entries(recipients),
      ["validator", validator] as const,
      ["operator", operator] as const,
    ].map(([n, a]) => [a.address.toLowerCase(), n]),
  );
  const who = (a: string) => names.get(a.toLowerCase()) ?? a;

  let chainNow = BigInt(await networkHelpers.time.latest());
  let clock = () => chainNow;
  async function advanceTo(t: bigint) {
    if (t > chainNow) await networkHelpers.time.increaseTo(t);
    chainNow = BigInt(await networkHelpers.time.latest());
  }

  const closers: (() => Promise<unknown>)[] = [];
  let closed: Promise<void> | undefined;
  const close = () =>
    (closed ??= (async () => {
      for (const c of closers.reverse()) await c().catch(() => {});
      rmSync(dataDir, { recursive: true, force: true });
    })());

  try {
    step("1. Deploy the stack on the in-process chain (Prague: EIP-2537 precompiles)");
    await networkHelpers.setBalance(operator.address, 10n ** 20n);
    const bls = await (await import("../../offchain/src/protocol/bls/index.ts")).loadBlsBackend("auto");
    const stack = await deployStack(viem, {
      blsPublicKey: bls.publicKey(DEV_BLS_SECRET_KEY),
      operator: operator.address,
      log: (line) => log(line),
    });
    const vault = await viem.getContractAt("Core4Mica", stack.core4Mica);
    const clearingHouse = await viem.getContractAt("ClearingHouse", stack.clearingHouse);
    const identity = await viem.getContractAt("ERC8004IdentityRegistry", stack.contracts.ERC8004IdentityRegistry!);
    const registry = await viem.getContractAt("ERC8004ValidationRegistry", stack.validationRegistries[0]!);
    const token = await viem.getContractAt("MockERC20", stack.tokens[0]!.address);
    const chainId = BigInt(stack.chainId);

    step("2. Start Core (PGlite in a fresh data directory, chain sync, HTTP)");
    // Core reads the deployment record scripts/deploy.ts writes (addresses, tokens, registries, schedule, start block).
    const deploymentsFile = join(dataDir, "deployment.json");
    writeFileSync(deploymentsFile, JSON.stringify({ network: "demo", ...stack }, null, 2));
    const config = loadConfig({
      FOURMICA_DEPLOYMENTS_FILE: deploymentsFile,
      FOURMICA_BLS_SECRET_KEY: DEV_BLS_SECRET_KEY,
      FOURMICA_OPERATOR_KEY: DEMO_OPERATOR_KEY,
      // Its creditors claim themselves (claimNetCredit); the batched auto-claim (docs/protocol.md §10) stays off.
      FOURMICA_AUTO_CLAIM: "false",
      FOURMICA_ACCEPTED_VERSIONS: "1,2",
      FOURMICA_DATA_DIR: join(dataDir, "core"),
      FOURMICA_CONFIRMATIONS: "0",
      FOURMICA_LOG_LEVEL: "warn",
    });
    // The chain is this process's EDR provider: Core talks to it through an EIP-1193 transport.
    const transport = custom(provider);
    const core: Core = await createCore(config, {
      chainClient: publicClient,
      transport,
      walletClient: createWalletClient({ account: operator, chain: hardhatChain, transport }),
      now: () => clock(),
      logger: pino({ level: "warn" }),
      // The x402 facilitator, embedded: mounted in Core's HTTP server, speaking Core's API through inject.
      mount: (app) =>
        createFacilitator(
          {
            coreUrl: "http://in-process",
            publicUrl: undefined,
            blsPublicKey: undefined,
            allowContractSignatures: false,
          },
          { core: createCoreClient(injectTransport(app)), logger: pino({ level: "warn" }), bls, now: () => clock() },
        ).routes(app),
    });
    closers.push(() => core.close());
    const url = await core.listen(port(0), "127.0.0.1");
    // Sync and lifecycle passes and scheduler ticks are driven explicitly below, on the chain clock.
    const background = core.startBackground({ scheduler: false });
    log(`  Core listening on ${url} (BLS backend: ${core.bls.name})`);

    const api = async (method: "GET" | "POST", path: string, body?: unknown) => {
      const res = await fetch(`${url}${path}`, {
        method,
        headers: body === undefined ? {} : { "content-type": "application/json" },
        body:
          body === undefined ? undefined : JSON.stringify(body, (_, v) => (typeof v === "bigint" ? v.toString() : v)),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> & { error?: { code: string } } };
    };

    step("3. Payers deposit collateral into the vault; Core follows the chain");
    const deposits: [Address, bigint][] = [
      [payers.alice.address, milli(2_000)],
      [payers.bob.address, milli(2_000)],
      [payers.carol.address, milli(600)],
    ];
    for (const [payer, amount] of deposits) {
      await vault.write.deposit([ETH, amount], { account: walletOf(payer).account, value: amount });
      log(`  ${who(payer).padEnd(6)} deposited ${fmt(amount)}`);
    }
    await background.runOnce();
    for (const [payer, amount] of deposits) {
      const row = await core.db.query<{ deposited: string }>(
        "SELECT deposited FROM balances WHERE user_address = $1 AND asset = $2",
        [payer.toLowerCase(), ETH],
      );
      check(BigInt(row.rows[0]?.deposited ?? -1) === amount, `Core sees ${who(payer)}'s deposit of ${fmt(amount)}`);
    }

    step("4. Scripted payers obtain certificates over HTTP");
    let reqId = 1n;
    const requestFor = (payer: Address, recipient: Address, amount: bigint): GuaranteeRequest => ({
      version: 1,
      user: payer,
      recipient,
      reqId: reqId++,
      amount,
      asset: ETH,
      timestamp: chainNow,
    });
    const signerOf = (payer: Address) => Object.values(payers).find((p) => p.address === payer)!;
    const domain = { chainId, verifyingContract: stack.core4Mica };
    async function pay(request: GuaranteeRequest) {
      const signature = await signGuaranteeRequest(signerOf(request.user), request, domain);
      return { request, signature, res: await api("POST", "/core/guarantees", { request, signature }) };
    }
    const flows: [Address, Address, number][] = [
      [payers.alice.address, recipients.api.address, 300],
      [payers.alice.address, recipients.data.address, 250],
      [payers.bob.address, recipients.data.address, 400],
      [payers.bob.address, recipients.gpu.address, 350],
      [payers.bob.address, payers.alice.address, 100],
      [payers.carol.address, recipients.api.address, 250],
      [payers.carol.address, recipients.gpu.address, 200],
    ];
    const certificates: { guaranteeId: Hex; amount: bigint; version: 1 | 2; overX402: boolean }[] = [];
    let refused = 0;
    for (const [payer, recipient, amount] of flows) {
      const { res } = await pay(requestFor(payer, recipient, milli(amount)));
      check(res.status === 201, `${who(payer)} -> ${who(recipient)} ${fmt(milli(amount))}: certificate ${res.status}`);
      certificates.push({
        guaranteeId: res.body.guaranteeId as Hex,
        amount: milli(amount),
        version: 1,
        overX402: false,
      });
    }

    const first = requestFor(payers.alice.address, recipients.api.address, milli(10));
    const once = await pay(first);
    const again = await api("POST", "/core/guarantees", { request: once.request, signature: once.signature });
    check(
      again.status === 200 && again.body.signature === once.res.body.signature,
      "a retried request returns the same certificate (no second lock)",
    );
    certificates.push({
      guaranteeId: once.res.body.guaranteeId as Hex,
      amount: milli(10),
      version: 1,
      overX402: false,
    });
    const greedy = await pay(requestFor(payers.carol.address, recipients.gpu.address, milli(1_000)));
    if (greedy.res.status >= 400) refused++;
    check(
      greedy.res.status === 409 && greedy.res.body.error?.code === "INSUFFICIENT_COLLATERAL",
      `carol asking beyond her free collateral is refused: ${greedy.res.body.error?.code}`,
    );

    // V2: the gpu seller's work is judged by a validator in the ERC-8004 registry before the payment is payable.
    const { result: agentId } = await identity.simulate.register({ account: recipients.gpu.address });
    await identity.write.register({ account: walletOf(recipients.gpu.address).account });
    const v2Base = { ...requestFor(payers.alice.address, recipients.gpu.address, milli(150)), version: 2 as const };
    const policy = buildValidationPolicy(v2Base, {
      validationRegistry: registry.address,
      validationChainId: chainId,
      validatorAddress: validator.address,
      validatorAgentId: agentId,
      minValidationScore: 80,
      jobHash: keccak256(toHex("render job 17")),
      requiredValidationTag: "quality",
    });
    const v2 = await pay({ ...v2Base, policy });
    check(
      v2.res.status === 201 && v2.res.body.status === "PENDING_VALIDATION",
      "V2 certificate issued, pending validation",
    );
    await registry.write.validationRequest(
      [validator.address, agentId, "ipfs://render-17", policy.validationRequestHash],
      { account: walletOf(recipients.gpu.address).account },
    );
    await registry.write.validationResponse(
      [policy.validationRequestHash, 92, "ipfs://verdict-17", `0x${"00".repeat(32)}`, "quality"],
      { account: walletOf(validator.address).account },
    );
    await background.runOnce();
    const v2Row = await api("GET", `/core/guarantees/${v2.res.body.guaranteeId as string}`);
    check(
      v2Row.body.status === "FINALIZED_PAYABLE",
      `the validator's answer (92 >= 80) promotes V2 to ${v2Row.body.status}`,
    );
    certificates.push({ guaranteeId: v2.res.body.guaranteeId as Hex, amount: milli(150), version: 2, overX402: false });

    step("4b. A paid API over x402: stock @x402/express and @x402/hono sellers, agents on stock @x402/fetch");
    const net = creditNetwork(chainId);
    const counts: Record<"express" | "hono", SellerCounts> = {
      express: { url: "", requests: 0, paymentRequired: 0, paid: 0, workRuns: 0 },
      hono: { url: "", requests: 0, paymentRequired: 0, paid: 0, workRuns: 0 },
    };
    const answered = (framework: "express" | "hono", status: number) => {
      const c = counts[framework];
      c.requests++;
      if (status === 402) c.paymentRequired++;
      if (status === 200) c.paid++;
    };
    const served = new Map<string, number>();
    const renderPolicy = {
      validationRegistry: registry.address,
      validationChainId: chainId,
      validatorAddress: validator.address,
      validatorAgentId: agentId,
      minValidationScore: 80,
      jobHash: keccak256(toHex("x402 render job 18")),
      requiredValidationTag: "quality",
    };
    const paidRoutes = (framework: "express" | "hono"): PaidRoute[] => {
      const work = (route: string) => async (input: { payment: { guaranteeId: Hex } }) => {
        served.set(`${framework} ${route}`, (served.get(`${framework} ${route}`) ?? 0) + 1);
        counts[framework].workRuns++;
        return { route, framework, guaranteeId: input.payment.guaranteeId };
      };
      return [
        {
          method: "GET",
          path: "/v1/quote",
          network: net,
          payTo: recipients.api.address,
          price: { asset: ETH, amount: milli(5).toString() },
          work: work("quote"),
        },
        {
          method: "GET",
          path: "/v1/render",
          network: net,
          payTo: recipients.gpu.address,
          price: { asset: ETH, amount: milli(20).toString() },
          validationPolicy: renderPolicy,
          work: work("render"),
        },
      ];
    };
    const sellerOptions = {
      facilitator: new HTTPFacilitatorClient({ url }),
      bls,
      operatorPublicKey: core.blsPublicKey,
    };
    const expressSeller = createExpressSeller(paidRoutes("express"), sellerOptions);
    await expressSeller.kit.ready();
    // The seller app as is, behind a counter of what it answers.
    const expressApp = express();
    expressApp.use((_req, res, next) => {
      res.on("finish", () => answered("express", res.statusCode));
      next();
    });
    expressApp.use(expressSeller.app);
    const expressServer = await new Promise<Server>((resolve) => {
      const srv = expressApp.listen(port(1), "127.0.0.1", () => resolve(srv));
    });
    closers.push(() => {
      expressServer.closeAllConnections();
      return new Promise((r) => expressServer.close(r));
    });
    const expressUrl = `http://127.0.0.1:${(expressServer.address() as AddressInfo).port}`;
    const honoSeller = createHonoSeller(paidRoutes("hono"), sellerOptions);
    await honoSeller.kit.ready();
    const honoServer = await new Promise<ReturnType<typeof serve>>((resolve) => {
      const srv = serve(
        {
          fetch: async (req: Request, env: unknown) => {
            const res = await honoSeller.app.fetch(req, env);
            answered("hono", res.status);
            return res;
          },
          port: port(2),
          hostname: "127.0.0.1",
        },
        () => resolve(srv),
      );
    });
    closers.push(() => new Promise((r) => honoServer.close(r)));
    const honoUrl = `http://127.0.0.1:${(honoServer.address() as AddressInfo).port}`;
    counts.express.url = expressUrl;
    counts.hono.url = honoUrl;
    log(`  sellers: express ${expressUrl}, hono ${honoUrl}; facilitator embedded in Core at ${url}`);

    /** An agent: stock @x402/fetch, our client scheme, x402 spend controls on (ETH up to 0.05 per payment). */
    const agentFetch = (signer: (typeof payers)["alice"], policy?: BuyerPolicy) => {
      const client = new x402Client();
      client.register(net, new CreditClientScheme({ signer, now: () => clock(), ...(policy ? { policy } : {}) }));
      client.setSpendControls({
        allowedAssets: [{ network: net, asset: ETH, maxAmountPerPayment: milli(50).toString() }],
      });
      const sent: Headers[] = [];
      const recording: typeof fetch = async (input, init) => {
        const req = new Request(input as string | URL | Request, init);
        sent.push(new Headers(req.headers));
        return fetch(req);
      };
      return { pay: wrapFetchWithPayment(recording, client), sent };
    };
    const unpaid = await fetch(`${expressUrl}/v1/quote`);
    check(
      unpaid.status === 402 && unpaid.headers.get("payment-required") !== null,
      "an unpaid request gets 402 with PAYMENT-REQUIRED, before any work",
    );
    for (const [name, agent, base] of [
      ["alice", payers.alice, expressUrl],
      ["bob", payers.bob, honoUrl],
    ] as const) {
      const framework = base === expressUrl ? "express" : "hono";
      const { pay, sent } = agentFetch(agent);
      const res = await pay(`${base}/v1/quote`);
      const settle = JSON.parse(Buffer.from(res.headers.get("payment-response") ?? "", "base64").toString("utf8"));
      const payment = paymentOfHeader(sent[1]?.get("payment-signature"));
      const kit = framework === "express" ? expressSeller.kit : honoSeller.kit;
      const stored = payment ? await kit.store.get(payment.guaranteeId) : undefined;
      check(
        res.status === 200 && settle.success === true && stored?.claims === settle.extra?.certificate?.claims,
        `${name} paid api ${fmt(milli(5))} through @x402/${framework}: certificate checked and stored before the body`,
      );
      if (payment)
        certificates.push({ guaranteeId: payment.guaranteeId, amount: milli(5), version: 1, overX402: true });
      // The same PAYMENT-SIGNATURE again: the same body, no second lock, no second run.
      const again = await fetch(`${base}/v1/quote`, {
        headers: { "PAYMENT-SIGNATURE": sent[1]!.get("payment-signature")! },
      });
      check(
        again.status === 200 && served.get(`${framework} quote`) === 1,
        `a replayed payment header on @x402/${framework} is served from the stored delivery (work ran once)`,
      );
    }
    const strict: BuyerPolicy = {
      check: async (intent) => {
        if (intent.payTo.toLowerCase() !== recipients.data.address.toLowerCase()) {
          throw new Error(`BUYER_POLICY_PAYTO_NOT_ALLOWED ${intent.payTo}`);
        }
      },
    };
    const refusedByPolicy = await agentFetch(payers.bob, strict)
      .pay(`${expressUrl}/v1/quote`)
      .then(
        () => "paid",
        (e: Error) => e.message,
      );
    check(
      refusedByPolicy.includes("BUYER_POLICY_PAYTO_NOT_ALLOWED"),
      "bob's buyer policy refuses a seller outside its allowlist, nothing signed",
    );

    const render = agentFetch(payers.alice);
    const renderRes = await render.pay(`${honoUrl}/v1/render`);
    const renderPayment = paymentOfHeader(render.sent[1]?.get("payment-signature"));
    const renderSettle = JSON.parse(
      Buffer.from(renderRes.headers.get("payment-response") ?? "", "base64").toString("utf8"),
    );
    check(
      renderRes.status === 200 &&
        renderSettle.extra?.status === "PENDING_VALIDATION" &&
        renderPayment?.request.version === 2,
      `alice paid gpu ${fmt(milli(20))} with V2 over x402: certificate pending validation`,
    );
    if (renderPayment?.request.version === 2) {
      const hash = renderPayment.request.policy.validationRequestHash;
      await registry.write.validationRequest([validator.address, agentId, "ipfs://render-18", hash], {
        account: walletOf(recipients.gpu.address).account,
      });
      await registry.write.validationResponse([hash, 88, "ipfs://verdict-18", `0x${"00".repeat(32)}`, "quality"], {
        account: walletOf(validator.address).account,
      });
      await background.runOnce();
      const row = await api("GET", `/core/guarantees/${renderPayment.guaranteeId}`);
      check(
        row.body.status === "FINALIZED_PAYABLE",
        `the validator's answer (88 >= 80) promotes the x402 V2 to ${row.body.status}`,
      );
      certificates.push({ guaranteeId: renderPayment.guaranteeId, amount: milli(20), version: 2, overX402: true });
    }
    check(
      served.get("express quote") === 1 && served.get("hono quote") === 1 && served.get("hono render") === 1,
      "each paid route's work ran once per payment on each seller",
    );

    const cycleId = await clearingHouse.read.cycleOf([chainNow]);
    const deadlines = await clearingHouse.read.cycleDeadlines([cycleId]);
    log(`  ${certificates.length} payable guarantees in cycle ${cycleId}`);

    step(`5. Cycle ${cycleId}: close, net, commit (operator), pay, default (keeper), finalize, claim`);
    type Call = { to: Address; data: Hex; value: string };
    type Position = { role: string; amount: string; grossOut: string; grossIn: string; calls: Record<string, Call> };
    const position = async (participant: Address) =>
      (await api("GET", `/core/cycles/${cycleId}/${ETH}/positions/${participant.toLowerCase()}`))
        .body as unknown as Position;
    const send = async (from: Address, call: Call) => {
      const hash = await walletOf(from).sendTransaction({ to: call.to, data: call.data, value: BigInt(call.value) });
      const receipt = await publicClient.waitForTransactionReceipt({ hash });
      if (receipt.status !== "success") throw new Error(`transaction from ${who(from)} reverted`);
    };
    const tick = async (label: string) => {
      const report = await core.scheduler!.scheduler.tick(chainNow);
      const kinds = report.actions.map((a: { kind: string }) => a.kind);
      log(`  tick at ${label}: ${kinds.length > 0 ? kinds.join(", ") : "nothing due"}`);
      await background.runOnce();
    };

    // Every transaction from here to the last claim is the cycle's settlement: the summary lists them all.
    const cycleFromBlock = (await publicClient.getBlockNumber()) + 1n;
    await advanceTo(BigInt(deadlines.resolutionCutoff));
    await tick("resolution cutoff");
    const committed = await clearingHouse.read.getCycle([cycleId, ETH]);
    const cycleView = (await api("GET", `/core/cycles/${cycleId}/${ETH}`)).body as {
      batch?: { root: string; batchHash: string; guaranteeCount: number; debtorCount: number; creditorCount: number };
    };
    check(
      committed.root === cycleView.batch?.root,
      `the committed Merkle root on-chain equals Core's (${String(cycleView.batch?.root).slice(0, 18)}…)`,
    );
    check(
      committed.committed && committed.totalNet > 0n,
      `committed on-chain: net debit = net credit = ${fmt(committed.totalNet)}`,
    );

    const everyone = [...Object.values(payers), ...Object.values(recipients)].map((a) => a.address);
    const positions = new Map<Address, Position>();
    for (const p of everyone) positions.set(p, await position(p));
    for (const [p, pos] of positions) log(`  ${who(p).padEnd(6)} ${pos.role.padEnd(12)} ${fmt(BigInt(pos.amount))}`);

    // alice and bob pay their net debit with the call data Core serves; carol stays silent.
    for (const p of [payers.alice.address, payers.bob.address]) {
      const pos = positions.get(p)!;
      if (pos.role === "NET_DEBTOR") {
        await send(p, pos.calls.payNetDebit!);
        log(`  ${who(p)} paid ${fmt(BigInt(pos.amount))}`);
      }
    }
    const carolBefore = await vault.read.collateral([payers.carol.address, ETH]);
    await advanceTo(BigInt(deadlines.paymentDeadline) + 1n);
    await tick("payment deadline");
    const carolDebt = BigInt(positions.get(payers.carol.address)!.amount);
    const carolAfter = await vault.read.collateral([payers.carol.address, ETH]);
    check(
      carolBefore - carolAfter === carolDebt,
      `the keeper covered carol's default of ${fmt(carolDebt)} from her collateral`,
    );

    await advanceTo(BigInt(deadlines.finalityDeadline) + 1n);
    await tick("finality deadline");
    const finalState = await clearingHouse.read.getCycle([cycleId, ETH]);
    check(finalState.finalized, "the cycle is finalized on-chain");

    for (const [p, pos] of positions) {
      if (pos.role !== "NET_CREDITOR") continue;
      const before = await publicClient.getBalance({ address: p });
      await send(payers.alice.address, pos.calls.claimNetCredit!); // anyone may trigger; funds go to the creditor
      const after = await publicClient.getBalance({ address: p });
      check(after - before === BigInt(pos.amount), `${who(p)} claimed its net credit of ${fmt(BigInt(pos.amount))}`);
    }
    const cycleToBlock = await publicClient.getBlockNumber();
    await background.runOnce();

    step("6. Chain and database agree");
    for (const [payer] of deposits) {
      const onChain = await vault.read.collateral([payer, ETH]);
      const row = await core.db.query<{ deposited: string; locked: string }>(
        "SELECT deposited, locked FROM balances WHERE user_address = $1 AND asset = $2",
        [payer.toLowerCase(), ETH],
      );
      const dbDeposited = BigInt(row.rows[0]?.deposited ?? -1);
      check(
        onChain === dbDeposited,
        `${who(payer).padEnd(6)} collateral on-chain ${fmt(onChain)} = in Core ${fmt(dbDeposited)}`,
      );
      const open = await core.db.query<{ sum: string | null }>(
        "SELECT COALESCE(SUM(amount), 0)::text AS sum FROM guarantees WHERE user_address = $1 AND asset = $2 AND lock_held",
        [payer.toLowerCase(), ETH],
      );
      check(
        BigInt(row.rows[0]?.locked ?? -1) === BigInt(open.rows[0]?.sum ?? -1),
        `${who(payer).padEnd(6)} locked ${fmt(BigInt(row.rows[0]?.locked ?? 0))} = sum of its open guarantees`,
      );
    }
    const statuses = await core.db.query<{ status: string; n: string }>(
      "SELECT status, COUNT(*)::text AS n FROM guarantees GROUP BY status ORDER BY status",
    );
    log(`  guarantees by status: ${statuses.rows.map((r) => `${r.status} ${r.n}`).join(", ")}`);
    check(
      statuses.rows.every((r) => r.status === "SETTLED" || r.status === "DEFAULT_REMUNERATED"),
      "every netted guarantee ended SETTLED or DEFAULT_REMUNERATED",
    );
    const chState = await clearingHouse.read.getCycle([cycleId, ETH]);
    log(
      `  ClearingHouse cycle ${cycleId}: paid in ${fmt(chState.paidIn)}, covered ${fmt(chState.covered)}, claimed ${fmt(chState.claimedOut)}`,
    );
    check(chState.paidIn + chState.covered === chState.totalNet, "paid in + covered = total net credit (fully funded)");

    step("7. The cycle's on-chain cost, and per-payment settlement measured on the same chain");
    // Every transaction mined during the cycle's settlement, decoded against the contracts' ABIs.
    const abis: [string, Abi][] = [
      ["ClearingHouse", clearingHouse.abi as Abi],
      ["Core4Mica", vault.abi as Abi],
    ];
    const transactions: CycleTransaction[] = [];
    for (let b = cycleFromBlock; b <= cycleToBlock; b++) {
      const block = await publicClient.getBlock({ blockNumber: b, includeTransactions: true });
      for (const tx of block.transactions) {
        const receipt = await publicClient.getTransactionReceipt({ hash: tx.hash });
        let call = `${tx.to ? who(tx.to) : "(create)"}.${tx.input.slice(0, 10)}`;
        for (const [name, abi] of abis) {
          try {
            call = `${name}.${decodeFunctionData({ abi, data: tx.input }).functionName}`;
            break;
          } catch {
            // not this contract's function
          }
        }
        check(receipt.status === "success" && receipt.gasUsed > 0n, `${call} succeeded, ${receipt.gasUsed} gas`);
        transactions.push({ hash: tx.hash, block: b, from: who(tx.from), call, gasUsed: receipt.gasUsed });
      }
    }
    const creditors = [...positions.values()].filter((p) => p.role === "NET_CREDITOR").length;
    const debtors = [...positions.values()].filter((p) => p.role === "NET_DEBTOR").length;
    const callsOf = (name: string) => transactions.filter((t) => t.call === name).length;
    check(
      callsOf("ClearingHouse.commitCycle") === 1 &&
        callsOf("ClearingHouse.payNetDebit") === 2 &&
        callsOf("ClearingHouse.markDefaulted") === 1 &&
        callsOf("ClearingHouse.finalizeCycle") === 1 &&
        callsOf("ClearingHouse.claimNetCredit") === creditors,
      `the cycle's transactions: 1 commit, 2 net-debit payments, 1 default, 1 finalize, ${creditors} claims`,
    );

    // Per-payment settlement, measured: one ETH transfer and one ERC-20 transfer between two holders.
    const aliceWallet = walletOf(payers.alice.address);
    const ethHash = await aliceWallet.sendTransaction({ to: recipients.api.address, value: milli(5) });
    const ethTransfer = (await publicClient.waitForTransactionReceipt({ hash: ethHash })).gasUsed;
    await token.write.mint([payers.alice.address, 10n ** 9n]);
    await token.write.mint([recipients.api.address, 10n ** 9n]);
    const erc20Hash = await token.write.transfer([recipients.api.address, 5_000n], { account: aliceWallet.account });
    const erc20Transfer = (await publicClient.waitForTransactionReceipt({ hash: erc20Hash })).gasUsed;
    check(
      ethTransfer > 0n && erc20Transfer > 0n,
      `one ETH transfer: ${ethTransfer} gas; one ERC-20 transfer: ${erc20Transfer} gas`,
    );

    // The cycle's figures, each checked against the database or the chain.
    const netted = await core.db.query<{ n: string; gross: string | null }>(
      "SELECT COUNT(*)::text AS n, COALESCE(SUM(amount), 0)::text AS gross FROM guarantees WHERE netted_cycle_id = $1 AND asset = $2",
      [cycleId.toString(), ETH],
    );
    const payments = Number(netted.rows[0]!.n);
    const gross = BigInt(netted.rows[0]!.gross ?? 0);
    const grossOut = [...positions.values()].reduce((s, p) => s + BigInt(p.grossOut), 0n);
    const credit = [...positions.values()]
      .filter((p) => p.role === "NET_CREDITOR")
      .reduce((s, p) => s + BigInt(p.amount), 0n);
    check(
      payments === certificates.length && payments === cycleView.batch?.guaranteeCount,
      `${payments} guarantees netted = ${certificates.length} certificates the demo obtained = the batch's count`,
    );
    check(
      gross === grossOut && gross === certificates.reduce((s, c) => s + c.amount, 0n),
      `gross ${fmt(gross)} = the positions' gross out = the certificates' sum`,
    );
    check(
      credit === committed.totalNet && gross >= committed.totalNet,
      `net ${fmt(committed.totalNet)} on-chain = the creditors' positions, and gross >= net`,
    );
    const issued = await core.db.query<{ version: number; n: string }>(
      "SELECT version, COUNT(*)::text AS n FROM guarantees GROUP BY version",
    );
    const byVersion = (v: number) => Number(issued.rows.find((r) => Number(r.version) === v)?.n ?? 0);
    check(
      byVersion(1) + byVersion(2) === certificates.length,
      `Core's database holds the ${certificates.length} certificates issued, no more`,
    );

    const summary: DemoSummary = {
      chainId,
      contracts: { core4Mica: stack.core4Mica, clearingHouse: stack.clearingHouse },
      coreUrl: url,
      cycleId,
      asset: ETH,
      sellers: counts,
      certificates: {
        issued: byVersion(1) + byVersion(2),
        v1: byVersion(1),
        v2: byVersion(2),
        overX402: certificates.filter((c) => c.overX402).length,
        refused,
      },
      cycle: {
        payments,
        gross,
        net: committed.totalNet,
        debtors,
        creditors,
        paidIn: chState.paidIn,
        covered: chState.covered,
      },
      transactions,
      gas: gasFigures(transactions, payments, {
        ethTransfer,
        ethTransferTx: ethHash,
        erc20Transfer,
        erc20TransferTx: erc20Hash,
      }),
      checks: { passed, failed: problems },
    };
    const accounts: Record<string, HDAccount> = { ...payers, ...recipients, validator };
    return {
      summary,
      problems,
      urls: { core: url, facilitator: url, express: expressUrl, hono: honoUrl },
      accounts,
      contracts: {
        core4Mica: stack.core4Mica,
        clearingHouse: stack.clearingHouse,
        tokens: stack.tokens.map((t) => ({ symbol: t.symbol, address: t.address })),
      },
      chainId,
      provider: provider as unknown as EIP1193Provider,
      publicClient,
      db: core.db,
      async followChainClock() {
        const latest = BigInt(await networkHelpers.time.latest());
        const offset = latest - BigInt(Math.floor(Date.now() / 1000));
        clock = () => BigInt(Math.floor(Date.now() / 1000)) + offset;
      },
      close,
    };
  } catch (e) {
    await close();
    throw e;
  }
}
