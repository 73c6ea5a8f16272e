/**
 * The end-to-end demo (`npm run demo`): the whole system on an in-process chain and an embedded database.
 *
 * 1. Deploys the stack (vault, ClearingHouse, V2 decoder, ERC-8004 registries) with the production deploy library.
 * 2. Starts Core in this process on a fresh PGlite data directory, following the chain and serving HTTP.
 * 3. Three payers deposit; scripted payers obtain certificates over HTTP (V1, and a V2 gated by a validator).
 * 4. Runs one whole settlement cycle: close, net, commit, two debtors pay, one defaults and is covered from its
 *    collateral by the keeper, the cycle finalizes, creditors claim.
 * 5. Prints what happened on-chain and in the database, and exits non-zero on any mismatch between them.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

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
  await core?.close();
  rmSync(dataDir, { recursive: true, force: true });
}

if (problems.length > 0) {
  console.error(`\n${problems.length} mismatch(es):\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  process.exit(1);
}
console.log("\nAll checks passed: the chain and Core's database agree.");
process.exit(0);
