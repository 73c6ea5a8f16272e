/**
 * The end-to-end demo (`npm run demo`): the whole system on an in-process chain and an embedded database.
 *
 * 1. Deploys the stack (vault, ClearingHouse, V2 decoder, ERC-8004 registries) with the production deploy library.
 * 2. Starts Core in this process on a fresh PGlite data directory, following the chain and serving HTTP.
 * 3. Three payers deposit; scripted payers obtain certificates over HTTP (V1, and a V2 gated by a validator).
 *    Then a paid API over x402: sellers on stock @x402/express and @x402/hono (the seller template), the facilitator
 *    embedded in Core, agents on stock @x402/fetch with the 4mica-credit client scheme (one refused by its buyer
 *    policy, one paying V2 whose job the validator answers).
 * 4. Runs one whole settlement cycle: close, net, commit, two debtors pay, one defaults and is covered from its
 *    collateral by the keeper, the cycle finalizes, creditors claim.
 * 5. Prints what happened on-chain and in the database, and exits non-zero on any mismatch between them.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import type { AddressInfo } from "node:net";

import { serve } from "@hono/node-server";
import { x402Client } from "@x402/core/client";
import { HTTPFacilitatorClient } from "@x402/core/server";
import { wrapFetchWithPayment } from "@x402/fetch";
import { network } from "hardhat";
import { pino } from "pino";
import {
  createWalletClient,
  custom,
  formatEther,
  keccak256,
  toHex,
  zeroAddress,
  type Address,
  type Hex,
  type PublicClient,
} from "viem";
import { mnemonicToAccount, privateKeyToAccount } from "viem/accounts";
import { hardhat as hardhatChain } from "viem/chains";

import { loadConfig } from "../offchain/src/core/config.ts";
import { buildValidationPolicy } from "../offchain/src/protocol/buildValidationPolicy.ts";
import type { GuaranteeRequest } from "../offchain/src/protocol/guaranteeTypes.ts";
import { signGuaranteeRequest } from "../offchain/src/protocol/signGuaranteeRequest.ts";
import { createCore, type Core } from "../offchain/src/core/createCore.ts";
import { createFacilitator, injectTransport } from "../offchain/src/facilitator/index.ts";
import { CreditClientScheme, type BuyerPolicy } from "../offchain/src/x402/client/index.ts";
import { createCoreClient } from "../offchain/src/x402/facilitator/index.ts";
import { creditNetwork } from "../offchain/src/x402/scheme.ts";
import { paymentOfHeader } from "../offchain/src/x402/server/index.ts";
import { createExpressSeller, createHonoSeller, type PaidRoute } from "../offchain/src/x402/server/template/index.ts";
import { deployStack } from "./lib/deployStack.ts";
import { DEV_BLS_SECRET_KEY } from "./lib/devKeys.ts";

const HARDHAT_MNEMONIC = "test test test test test test test test test test test junk";
/** A development-only operator chain key (Core's OPERATOR role); funded below. NEVER use it with value. */
const DEMO_OPERATOR_KEY: Hex = keccak256(toHex("4mica demo operator chain key"));
const ETH = zeroAddress;
const milli = (n: number) => BigInt(n) * 10n ** 15n;
const fmt = (wei: bigint) => `${formatEther(wei)} ETH`;

const problems: string[] = [];
function check(ok: boolean, what: string) {
  console.log(`  ${ok ? "ok  " : "FAIL"} ${what}`);
  if (!ok) problems.push(what);
}
function step(title: string) {
  console.log(`\n== ${title}`);
}

const dataDir = mkdtempSync(join(tmpdir(), "4mica-demo-"));
const { viem, networkHelpers, provider } = await network.create();
const publicClient = (await viem.getPublicClient()) as unknown as PublicClient;
const wallets = await viem.getWalletClients();
const account = (i: number) => mnemonicToAccount(HARDHAT_MNEMONIC, { addressIndex: i });
const walletOf = (address: Address) => wallets.find((w) => w.account.address.toLowerCase() === address.toLowerCase())!;

// Cast: payers and recipients are node accounts (so they can send transactions) whose keys we also hold locally
// (so payers can sign EIP-712 requests the way an agent's SDK does).
const payers = { alice: account(3), bob: account(4), carol: account(5) };
const recipients = { api: account(6), data: account(7), gpu: account(8) };
const validator = account(9);
const names = new Map<string, string>(
  [...Object.entries(payers), ...Object.entries(recipients), ["validator", validator] as const].map(([n, a]) => [
    a.address.toLowerCase(),
    n,
  ]),
);
const who = (a: string) => names.get(a.toLowerCase()) ?? a;
const operator = privateKeyToAccount(DEMO_OPERATOR_KEY);

let chainNow = BigInt(await networkHelpers.time.latest());
async function advanceTo(t: bigint) {
  if (t > chainNow) await networkHelpers.time.increaseTo(t);
  chainNow = BigInt(await networkHelpers.time.latest());
}

let core: Core | undefined;
const closers: (() => Promise<unknown>)[] = [];
try {
  step("1. Deploy the stack on the in-process chain (Prague: EIP-2537 precompiles)");
  await networkHelpers.setBalance(operator.address, 10n ** 20n);
  const bls = await (await import("../offchain/src/protocol/bls/index.ts")).loadBlsBackend("auto");
  const stack = await deployStack(viem, {
    blsPublicKey: bls.publicKey(DEV_BLS_SECRET_KEY),
    operator: operator.address,
    log: (line) => console.log(line),
  });
  const vault = await viem.getContractAt("Core4Mica", stack.core4Mica);
  const clearingHouse = await viem.getContractAt("ClearingHouse", stack.clearingHouse);
  const identity = await viem.getContractAt("ERC8004IdentityRegistry", stack.contracts.ERC8004IdentityRegistry!);
  const registry = await viem.getContractAt("ERC8004ValidationRegistry", stack.validationRegistries[0]!);
  const chainId = BigInt(stack.chainId);

  step("2. Start Core (PGlite in a fresh data directory, chain sync, HTTP)");
  // Core reads the deployment record scripts/deploy.ts writes (addresses, tokens, registries, schedule, start block).
  const deploymentsFile = join(dataDir, "deployment.json");
  writeFileSync(deploymentsFile, JSON.stringify({ network: "demo", ...stack }, null, 2));
  const config = loadConfig({
    FOURMICA_DEPLOYMENTS_FILE: deploymentsFile,
    FOURMICA_BLS_SECRET_KEY: DEV_BLS_SECRET_KEY,
    FOURMICA_OPERATOR_KEY: DEMO_OPERATOR_KEY,
    FOURMICA_ACCEPTED_VERSIONS: "1,2",
    FOURMICA_DATA_DIR: join(dataDir, "core"),
    FOURMICA_CONFIRMATIONS: "0",
    FOURMICA_LOG_LEVEL: "warn",
  });
  // The chain is this process's EDR provider: Core talks to it through an EIP-1193 transport.
  const transport = custom(provider);
  core = await createCore(config, {
    chainClient: publicClient,
    transport,
    walletClient: createWalletClient({ account: operator, chain: hardhatChain, transport }),
    now: () => chainNow,
    logger: pino({ level: "warn" }),
    // The x402 facilitator, embedded: mounted in Core's HTTP server, speaking Core's API through inject.
    mount: (app) =>
      createFacilitator(
        { coreUrl: "http://in-process", publicUrl: undefined, blsPublicKey: undefined, allowContractSignatures: false },
        { core: createCoreClient(injectTransport(app)), logger: pino({ level: "warn" }), bls, now: () => chainNow },
      ).routes(app),
  });
  const url = await core.listen(0, "127.0.0.1");
  // Sync and lifecycle passes and scheduler ticks are driven explicitly below, on the chain clock.
  const background = core.startBackground({ scheduler: false });
  console.log(`  Core listening on ${url} (BLS backend: ${core.bls.name})`);

  const api = async (method: "GET" | "POST", path: string, body?: unknown) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body, (_, v) => (typeof v === "bigint" ? v.toString() : v)),
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
    console.log(`  ${who(payer).padEnd(6)} deposited ${fmt(amount)}`);
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
  const certificates: { guaranteeId: Hex; amount: bigint }[] = [];
  for (const [payer, recipient, amount] of flows) {
    const { res } = await pay(requestFor(payer, recipient, milli(amount)));
    check(res.status === 201, `${who(payer)} -> ${who(recipient)} ${fmt(milli(amount))}: certificate ${res.status}`);
    certificates.push({ guaranteeId: res.body.guaranteeId as Hex, amount: milli(amount) });
  }

  const first = requestFor(payers.alice.address, recipients.api.address, milli(10));
  const once = await pay(first);
  const again = await api("POST", "/core/guarantees", { request: once.request, signature: once.signature });
  check(
    again.status === 200 && again.body.signature === once.res.body.signature,
    "a retried request returns the same certificate (no second lock)",
  );
  certificates.push({ guaranteeId: once.res.body.guaranteeId as Hex, amount: milli(10) });
  const greedy = await pay(requestFor(payers.carol.address, recipients.gpu.address, milli(1_000)));
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
  certificates.push({ guaranteeId: v2.res.body.guaranteeId as Hex, amount: milli(150) });

  step("4b. A paid API over x402: stock @x402/express and @x402/hono sellers, agents on stock @x402/fetch");
  const net = creditNetwork(chainId);
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
  const paidRoutes = (framework: string): PaidRoute[] => {
    const work = (route: string) => async (input: { payment: { guaranteeId: Hex } }) => {
      served.set(`${framework} ${route}`, (served.get(`${framework} ${route}`) ?? 0) + 1);
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
  const expressServer = await new Promise<import("node:http").Server>((resolve) => {
    const srv = expressSeller.app.listen(0, "127.0.0.1", () => resolve(srv));
  });
  closers.push(() => new Promise((r) => expressServer.close(r)));
  const expressUrl = `http://127.0.0.1:${(expressServer.address() as AddressInfo).port}`;
  const honoSeller = createHonoSeller(paidRoutes("hono"), sellerOptions);
  await honoSeller.kit.ready();
  const honoServer = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const srv = serve({ fetch: honoSeller.app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(srv));
  });
  closers.push(() => new Promise((r) => honoServer.close(r)));
  const honoUrl = `http://127.0.0.1:${(honoServer.address() as AddressInfo).port}`;
  console.log(`  sellers: express ${expressUrl}, hono ${honoUrl}; facilitator embedded in Core at ${url}`);

  /** An agent: stock @x402/fetch, our client scheme, x402 spend controls on (ETH up to 0.05 per payment). */
  const agentFetch = (signer: (typeof payers)["alice"], policy?: BuyerPolicy) => {
    const client = new x402Client();
    client.register(net, new CreditClientScheme({ signer, now: () => chainNow, ...(policy ? { policy } : {}) }));
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
    if (payment) certificates.push({ guaranteeId: payment.guaranteeId, amount: milli(5) });
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
  const refused = await agentFetch(payers.bob, strict)
    .pay(`${expressUrl}/v1/quote`)
    .then(
      () => "paid",
      (e: Error) => e.message,
    );
  check(
    refused.includes("BUYER_POLICY_PAYTO_NOT_ALLOWED"),
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
    certificates.push({ guaranteeId: renderPayment.guaranteeId, amount: milli(20) });
  }

  const cycleId = await clearingHouse.read.cycleOf([chainNow]);
  const deadlines = await clearingHouse.read.cycleDeadlines([cycleId]);
  console.log(`  ${certificates.length} payable guarantees in cycle ${cycleId}`);

  step(`5. Cycle ${cycleId}: close, net, commit (operator), pay, default (keeper), finalize, claim`);
  type Call = { to: Address; data: Hex; value: string };
  type Position = { role: string; amount: string; calls: Record<string, Call> };
  const position = async (participant: Address) =>
    (await api("GET", `/core/cycles/${cycleId}/${ETH}/positions/${participant.toLowerCase()}`))
      .body as unknown as Position;
  const send = async (from: Address, call: Call) => {
    const hash = await walletOf(from).sendTransaction({ to: call.to, data: call.data, value: BigInt(call.value) });
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`transaction from ${who(from)} reverted`);
  };
  const tick = async (label: string) => {
    const report = await core!.scheduler!.scheduler.tick(chainNow);
    const kinds = report.actions.map((a: { kind: string }) => a.kind);
    console.log(`  tick at ${label}: ${kinds.length > 0 ? kinds.join(", ") : "nothing due"}`);
    await background.runOnce();
  };

  await advanceTo(BigInt(deadlines.resolutionCutoff));
  await tick("resolution cutoff");
  const committed = await clearingHouse.read.getCycle([cycleId, ETH]);
  const cycleView = (await api("GET", `/core/cycles/${cycleId}/${ETH}`)).body as {
    batch?: { root: string; batchHash: string };
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
  for (const [p, pos] of positions)
    console.log(`  ${who(p).padEnd(6)} ${pos.role.padEnd(12)} ${fmt(BigInt(pos.amount))}`);

  // alice and bob pay their net debit with the call data Core serves; carol stays silent.
  for (const p of [payers.alice.address, payers.bob.address]) {
    const pos = positions.get(p)!;
    if (pos.role === "NET_DEBTOR") {
      await send(p, pos.calls.payNetDebit!);
      console.log(`  ${who(p)} paid ${fmt(BigInt(pos.amount))}`);
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
  await background.runOnce();

  step("6. Summary: chain and database");
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
  console.log(`  guarantees by status: ${statuses.rows.map((r) => `${r.status} ${r.n}`).join(", ")}`);
  check(
    statuses.rows.every((r) => r.status === "SETTLED" || r.status === "DEFAULT_REMUNERATED"),
    "every netted guarantee ended SETTLED or DEFAULT_REMUNERATED",
  );
  const chState = await clearingHouse.read.getCycle([cycleId, ETH]);
  console.log(
    `  ClearingHouse cycle ${cycleId}: paid in ${fmt(chState.paidIn)}, covered ${fmt(chState.covered)}, claimed ${fmt(chState.claimedOut)}`,
  );
  check(chState.paidIn + chState.covered === chState.totalNet, "paid in + covered = total net credit (fully funded)");
} catch (e) {
  // Any exception is a failed demo: report it, then fall through to the summary's non-zero exit.
  console.error(`\nThe demo stopped: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  problems.push(`the demo stopped early: ${e instanceof Error ? e.message : String(e)}`);
} finally {
  for (const close of closers) await close().catch(() => {});
  await core?.close();
  rmSync(dataDir, { recursive: true, force: true });
}

if (problems.length > 0) {
  console.error(`\n${problems.length} mismatch(es):\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  process.exit(1);
}
console.log("\nAll checks passed: the chain and Core's database agree.");
process.exit(0);
