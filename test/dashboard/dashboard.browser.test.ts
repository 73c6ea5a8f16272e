import { existsSync, mkdirSync } from "node:fs";

import { expect } from "chai";
import { network } from "hardhat";
import { chromium, type Browser, type Page } from "playwright-core";
import {
  createWalletClient,
  custom,
  formatUnits,
  keccak256,
  toHex,
  zeroAddress,
  type Address,
  type PublicClient,
} from "viem";
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";
import { hardhat } from "viem/chains";

import { loadBlsBackend } from "../../offchain/src/protocol/bls/index.ts";
import { buildValidationPolicy } from "../../offchain/src/protocol/buildValidationPolicy.ts";
import { deadlinesOf } from "../../offchain/src/protocol/cycles/cycleSchedule.ts";
import type { GuaranteeRequest, GuaranteeRequestV1 } from "../../offchain/src/protocol/guaranteeTypes.ts";
import { signGuaranteeRequest } from "../../offchain/src/protocol/signGuaranteeRequest.ts";
import { actionTypedData } from "../../offchain/src/core/lifecycle/lifecycleMessages.ts";
import { createCore, type Core } from "../../offchain/src/core/createCore.ts";
import type { Database } from "../../offchain/src/core/adapters/db/database.ts";
import { DASHBOARD_CSP } from "../../offchain/src/core/adapters/http/routes/dashboard.ts";
import { deployStack } from "../../scripts/lib/deployStack.ts";
import { DEV_BLS_SECRET_KEY } from "../../scripts/lib/devKeys.ts";
import { stackCoreConfig } from "../utils/stackCoreConfig.ts";
import { silentLogger, wire } from "../core/fixtures.ts";
import { OPERATOR_KEY, openMigrated, SCHEDULER_BACKENDS } from "../core/schedulerFixtures.ts";

const CHROMIUM = "/usr/bin/chromium";
/** The machine's closed network refuses Chromium's background connections: these flags keep it from trying. */
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const SCREENSHOT = "test-results/dashboard.png";
const ADMIN_TOKEN = "dashboard-browser-test-admin-token-0123456789";
const ETH = 10n ** 18n;
const eth = (wei: string | bigint) => `${formatUnits(BigInt(wei), 18)} ETH`;

/**
 * A demo-sized stack: the in-process Hardhat chain with the production deploy, Core in process on a real HTTP port
 * (chain sync, the cycle scheduler ticked by hand on the chain clock), three payers with deposits, V1 guarantees
 * between them, a cancelled V1 and a V2 waiting for its validation, one committed cycle and the next one open.
 */
async function dashboardStack(db: Database) {
  const { viem, networkHelpers, provider } = await network.create();
  const publicClient = (await viem.getPublicClient()) as unknown as PublicClient;
  const [, seller, validator] = await viem.getWalletClients();
  const operator = privateKeyToAccount(OPERATOR_KEY);
  const bls = await loadBlsBackend("auto");
  const startBlock = await publicClient.getBlockNumber();
  const stack = await deployStack(viem, {
    blsPublicKey: bls.publicKey(DEV_BLS_SECRET_KEY),
    operator: operator.address,
  });
  const chainId = BigInt(stack.chainId);
  const vault = await viem.getContractAt("Core4Mica", stack.core4Mica);
  const identity = await viem.getContractAt("ERC8004IdentityRegistry", stack.contracts.ERC8004IdentityRegistry!);
  const registry = await viem.getContractAt("ERC8004ValidationRegistry", stack.validationRegistries[0]!);
  const { result: agentId } = await identity.simulate.register({ account: seller!.account.address });
  await identity.write.register({ account: seller!.account });
  let clock = (await publicClient.getBlock()).timestamp;
  const core: Core = await createCore(
    stackCoreConfig(stack, startBlock, {
      adminToken: ADMIN_TOKEN,
    }),
    {
      db,
      logger: silentLogger,
      now: () => clock,
      chainClient: publicClient,
      walletClient: createWalletClient({ account: operator, chain: hardhat, transport: custom(provider) }),
    },
  );
  const jobs = core.startBackground({ scheduler: false });
  const url = await core.listen(0, "127.0.0.1");

  const now = async () => (clock = (await publicClient.getBlock()).timestamp);
  const at = async (t: bigint) => {
    await networkHelpers.time.increaseTo(t);
    return now();
  };
  const tick = async () => (await core.scheduler!.tick(await now())).actions.map((a) => `${a.kind} ${a.cycleId}`);
  const deposit = async (payer: Address, amount: bigint) =>
    publicClient.waitForTransactionReceipt({
      hash: await vault.write.depositFor([payer, zeroAddress, amount], { value: amount }),
    });
  let reqId = 0n;
  const v1 = async (from: PrivateKeyAccount, to: Address, amount: bigint): Promise<GuaranteeRequestV1> => ({
    version: 1,
    user: from.address,
    recipient: to,
    reqId: ++reqId,
    amount,
    asset: zeroAddress,
    timestamp: await now(),
  });
  const issue = async (request: GuaranteeRequest, from: PrivateKeyAccount) => {
    const signature = await signGuaranteeRequest(from, request, { chainId, verifyingContract: vault.address });
    const res = await core.app.inject({ method: "POST", url: "/core/guarantees", payload: wire(request, signature) });
    expect(res.statusCode, res.body).to.equal(201);
    return res.json() as { guaranteeId: `0x${string}`; cycleId: string };
  };

  const [alice, bob, dave] = [0, 1, 2].map(() => privateKeyToAccount(generatePrivateKey())) as [
    PrivateKeyAccount,
    PrivateKeyAccount,
    PrivateKeyAccount,
  ];
  const sellerAddress = seller!.account.address.toLowerCase() as Address;
  await deposit(alice.address, 10n * ETH);
  await deposit(bob.address, 5n * ETH);
  await deposit(dave.address, 2n * ETH);
  await jobs.runOnce();

  // Cycle N: alice pays bob 3 and the seller 1, bob pays alice 2 (netted: gross 6, net 2); the seller cancels a
  // fourth; a V2 waits for a validation that never comes.
  const first = await issue(await v1(alice, bob.address, 3n * ETH), alice);
  await issue(await v1(alice, sellerAddress, 1n * ETH), alice);
  await issue(await v1(bob, alice.address, 2n * ETH), bob);
  const cancelled = await issue(await v1(alice, sellerAddress, ETH / 4n), alice);
  const cancel = await core.app.inject({
    method: "POST",
    url: `/core/guarantees/${cancelled.guaranteeId}/cancel`,
    payload: {
      signature: await seller!.signTypedData(
        actionTypedData("cancel", cancelled.guaranteeId, { chainId, core4Mica: vault.address }) as never,
      ),
      scheme: "eip712",
    },
  });
  expect(cancel.statusCode, cancel.body).to.equal(200);
  const base = { user: bob.address, recipient: sellerAddress, reqId: ++reqId, amount: ETH / 2n, asset: zeroAddress };
  const v2 = {
    ...base,
    timestamp: await now(),
    version: 2 as const,
    policy: buildValidationPolicy(
      { ...base, timestamp: clock },
      {
        validationRegistry: registry.address,
        validationChainId: chainId,
        validatorAddress: validator!.account.address,
        validatorAgentId: agentId,
        minValidationScore: 80,
        jobHash: keccak256(toHex("dashboard job")),
        requiredValidationTag: "quality",
      },
    ),
  };
  await issue(v2, bob);
  const cycleId = BigInt(first.cycleId);
  expect(await tick()).to.deep.equal([`CREATE_CYCLE ${cycleId}`]);

  const d = deadlinesOf(await core.scheduler!.schedule(), cycleId);
  await at(d.end);
  await tick();
  await at(d.resolutionCutoff);
  expect(await tick()).to.include.members([`NET ${cycleId}`, `COMMIT ${cycleId}`]);
  await jobs.runOnce();

  // Cycle N+1, open: one more guarantee.
  const later = await issue(await v1(alice, bob.address, ETH / 2n), alice);
  expect(BigInt(later.cycleId)).to.equal(cycleId + 1n);
  await tick();
  await jobs.runOnce();

  return {
    core,
    url,
    cycleId,
    payers: { alice, bob, dave },
    async close() {
      await core.close();
    },
  };
}

describe("Operator dashboard in headless Chromium (GET /dashboard)", function () {
  this.timeout(300_000);
  const backend = SCHEDULER_BACKENDS[SCHEDULER_BACKENDS.length - 1]!;
  let db: Database;
  let f: Awaited<ReturnType<typeof dashboardStack>>;
  let browser: Browser;

  before(async function () {
    // CI installs Debian chromium (.ci/run): missing, this suite fails rather than skips.
    if (!existsSync(CHROMIUM)) {
      throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium; .ci/run does)`);
    }
    db = await openMigrated(backend.open);
    f = await dashboardStack(db);
    // Playwright starts Chromium with a new empty profile of its own (a temporary --user-data-dir).
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });
  after(async function () {
    await browser?.close();
    await f?.close();
    await db?.close();
  });

  const api = async (path: string, admin = false) => {
    const res = await fetch(`${f.url}${path}`, admin ? { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } } : {});
    expect(res.status, `${path}: ${await res.clone().text()}`).to.equal(200);
    return (await res.json()) as any;
  };
  const cell = (page: Page, table: string, key: string, field: string) =>
    page
      .locator(`#${table} tr[data-key="${key}"] td[data-field="${field}"]`)
      .evaluate((el: any) => ({ text: el.textContent, raw: el.dataset.raw ?? null }));

  it(`shows the numbers Core's API returns, renders its charts, logs no error (${backend.name})`, async function () {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const problems: string[] = [];
    const origins = new Set<string>();
    page.on("console", (m) => {
      if (m.type() === "error" || m.type() === "warning") problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    page.on("requestfailed", (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
    page.on("request", (r) => origins.add(new URL(r.url()).origin));
    page.on("response", (r) => {
      if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
    });

    const response = await page.goto(`${f.url}/dashboard`);
    expect(response!.status()).to.equal(200);
    expect(response!.headers()["content-security-policy"]).to.equal(DASHBOARD_CSP);
    await page.waitForSelector('body[data-ready="true"]');
    expect(await page.textContent("#status")).to.include("Public data only");

    // The operator enters the token: kept in this tab's sessionStorage, never in the URL.
    await page.fill("#token", ADMIN_TOKEN);
    await page.click("#connect");
    await page.waitForSelector("body.admin[data-ready='true']");
    expect(await page.textContent("#status")).to.include("Connected");
    expect(page.url()).to.equal(`${f.url}/dashboard`);
    expect(await page.evaluate(() => Object.values(sessionStorage))).to.deep.equal([ADMIN_TOKEN]);
    // The artifact first, so that a failing assertion below still leaves the picture of what the page showed.
    mkdirSync("test-results", { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(existsSync(SCREENSHOT)).to.equal(true);

    // Cycles: every cycle of GET /core/cycles, with its status and its batch's net.
    const cycles = await api("/core/cycles");
    const eth0 = zeroAddress;
    expect(cycles.cycles.map((c: any) => `${c.cycleId} ${c.status}`)).to.deep.equal([
      `${f.cycleId + 1n} OPEN`,
      `${f.cycleId} COMMITTED`,
    ]);
    for (const c of cycles.cycles) {
      const key = `${c.cycleId}:${c.asset}`;
      expect((await cell(page, "cycles-table", key, "status")).text).to.equal(c.status);
      expect(await cell(page, "cycles-table", key, "totalNetDebit")).to.deep.equal(
        c.batch ? { text: eth(c.batch.totalNetDebit), raw: c.batch.totalNetDebit } : { text: "—", raw: null },
      );
    }
    expect((await cell(page, "cycles-table", `${f.cycleId + 1n}:${eth0}`, "phase")).text).to.equal("open");
    expect((await cell(page, "cycles-table", `${f.cycleId}:${eth0}`, "phase")).text).to.equal("commit");

    // Net positions of the committed cycle: alice owes 2, bob and the seller are owed 1 each.
    const { positions } = await api(`/core/cycles/${f.cycleId}/${eth0}/positions`);
    expect(positions.map((p: any) => [p.participant, p.role, p.amount])).to.deep.include.members([
      [f.payers.alice.address.toLowerCase(), "NET_DEBTOR", (2n * ETH).toString()],
      [f.payers.bob.address.toLowerCase(), "NET_CREDITOR", ETH.toString()],
    ]);
    expect(await page.locator("#positions-table tbody tr").count()).to.equal(positions.length);
    for (const p of positions) {
      expect((await cell(page, "positions-table", p.participant, "role")).text).to.equal(p.role);
      for (const field of ["amount", "grossOut", "grossIn"]) {
        expect(await cell(page, "positions-table", p.participant, field), field).to.deep.equal({
          text: eth(p[field]),
          raw: p[field],
        });
      }
    }

    // Collateral and locks per payer.
    const { balances } = await api("/core/admin/dashboard/collateral", true);
    expect(balances).to.have.length(3);
    expect(await page.locator("#collateral-table tbody tr").count()).to.equal(3);
    for (const b of balances) {
      const key = `${b.user}:${b.asset}`;
      for (const field of ["deposited", "locked", "pendingWithdrawal", "available", "heldLockAmount"]) {
        expect(await cell(page, "collateral-table", key, field), field).to.deep.equal({
          text: eth(b[field]),
          raw: b[field],
        });
      }
      expect(await cell(page, "collateral-table", key, "heldLocks")).to.deep.equal({
        text: String(b.heldLocks),
        raw: String(b.heldLocks),
      });
    }
    const dave = balances.find((b: any) => b.user === f.payers.dave.address.toLowerCase());
    expect(dave).to.include({ deposited: (2n * ETH).toString(), locked: "0", heldLocks: 0 });

    // Guarantees by state: three netted, one cancelled, one V2 pending validation, one issued in the open cycle.
    const { states } = await api("/core/admin/dashboard/guarantees", true);
    expect(Object.fromEntries(states.map((s: any) => [s.status, s.count]))).to.deep.equal({
      CANCELLED: 1,
      FINALIZED_PAYABLE: 1,
      NETTED: 3,
      PENDING_VALIDATION: 1,
    });
    for (const s of states) {
      const key = `${s.asset}:${s.status}`;
      expect(await cell(page, "states-table", key, "count")).to.deep.equal({
        text: String(s.count),
        raw: String(s.count),
      });
      expect(await cell(page, "states-table", key, "amount")).to.deep.equal({ text: eth(s.amount), raw: s.amount });
    }

    // Volume and gross-to-net savings: 6 ETH netted down to 2 ETH moved.
    const volume = await api("/core/admin/dashboard/volume", true);
    const committed = volume.cycles.find((v: any) => v.cycleId === f.cycleId.toString());
    expect(committed).to.include({
      nettedCount: 3,
      nettedGross: (6n * ETH).toString(),
      net: (2n * ETH).toString(),
      savings: (4n * ETH).toString(),
    });
    for (const v of volume.cycles) {
      const key = `${v.cycleId}:${v.asset}`;
      for (const field of ["issuedAmount", "nettedGross", "net", "savings"]) {
        expect(await cell(page, "volume-table", key, field), `${key} ${field}`).to.deep.equal(
          v[field] === null ? { text: "—", raw: null } : { text: eth(v[field]), raw: v[field] },
        );
      }
    }
    const overview = await api("/core/admin/dashboard/overview", true);
    expect(overview).to.include({ payers: 3, guarantees: 6, cycles: 2 });
    expect(await page.textContent('#overview [data-key="guarantees"] dd')).to.equal(String(overview.guarantees));
    expect(await page.textContent('#overview [data-key="savings"] dd')).to.equal("66.7 %");

    // Charts: drawn (pixels on every canvas) and fed with the API's numbers.
    for (const id of ["timeline-chart", "states-chart", "volume-chart", "savings-chart"]) {
      const painted = await page.evaluate((canvasId) => {
        // The tsconfig has no DOM library: the page's globals are untyped here.
        const c = (globalThis as any).document.getElementById(canvasId);
        const data = c.getContext("2d")!.getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) n++;
        return { n, width: c.width, height: c.height };
      }, id);
      expect(painted.width, id).to.be.greaterThan(0);
      expect(painted.n, `${id}: painted pixels`).to.be.greaterThan(1_000);
    }
    // (No named function inside: the test's TypeScript loader would wrap it in a helper the page does not have.)
    const chartData = await page.evaluate(
      (ids) => {
        const charts = ids.map((id) => (globalThis as any).Chart.getChart(id).data);
        return {
          states: charts[0].datasets[0].data,
          stateLabels: charts[0].labels,
          volumeLabels: charts[1].labels,
          net: charts[1].datasets[2].data,
          timeline: charts[2].labels,
        };
      },
      ["states-chart", "volume-chart", "timeline-chart"],
    );
    expect(chartData.stateLabels).to.deep.equal(states.map((s: any) => s.status));
    expect(chartData.states).to.deep.equal(states.map((s: any) => s.count));
    expect(chartData.volumeLabels).to.deep.equal([`#${f.cycleId}`, `#${f.cycleId + 1n}`]);
    expect(chartData.net).to.deep.equal([2, null]);
    expect(chartData.timeline).to.deep.equal([`#${f.cycleId} ETH`, `#${f.cycleId + 1n} ETH`]);

    expect(problems).to.deep.equal([]);
    expect([...origins]).to.deep.equal([f.url]);
    await page.close();
  });

  it("refuses a wrong token: says so, forgets it, shows no admin data; Forget drops a good one", async function () {
    const page = await browser.newPage();
    const refused: string[] = [];
    const other: string[] = [];
    page.on("response", (r) => {
      if (r.status() >= 400) (r.status() === 401 ? refused : other).push(new URL(r.url()).pathname);
    });
    page.on("pageerror", (e) => other.push(`page error: ${e.message}`));
    await page.goto(`${f.url}/dashboard`);
    await page.waitForSelector('body[data-ready="true"]');

    await page.fill("#token", `${ADMIN_TOKEN}-wrong`);
    await page.click("#connect");
    await page.waitForFunction(() =>
      (globalThis as any).document.getElementById("status").textContent.includes("refused"),
    );
    await page.waitForSelector('body[data-ready="true"]');
    expect(await page.textContent("#status")).to.include("ADMIN_UNAUTHENTICATED");
    expect(await page.evaluate(() => Object.keys(sessionStorage))).to.deep.equal([]);
    expect(await page.locator("body.admin").count()).to.equal(0);
    expect(await page.textContent("#collateral-table")).to.include("Connect with the admin token.");
    // Public panels still show the cycles.
    expect(await page.locator("#cycles-table tbody tr").count()).to.equal(2);
    expect(refused.length).to.be.greaterThan(0);
    expect(
      refused.every((path) => path.startsWith("/core/admin/dashboard/")),
      refused.join(),
    ).to.equal(true);

    await page.fill("#token", ADMIN_TOKEN);
    await page.click("#connect");
    await page.waitForSelector("body.admin[data-ready='true']");
    await page.click("#forget");
    await page.waitForFunction(() => !(globalThis as any).document.body.classList.contains("admin"));
    await page.waitForSelector('body[data-ready="true"]');
    expect(await page.evaluate(() => Object.keys(sessionStorage))).to.deep.equal([]);
    expect(await page.textContent("#status")).to.include("Public data only");
    expect(other).to.deep.equal([]);
    await page.close();
  });
});
