import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";
import { createPublicClient, http, type Address, type Hex } from "viem";

import { clearingHouseAbi } from "../../offchain/src/sdk/abis.ts";

/** The demo's base port here (the demo helper's range): Core, the Express seller, the Hono seller, the chain RPC. */
const BASE_PORT = 19140;
const CORE = `http://127.0.0.1:${BASE_PORT}`;
const EXPRESS = `http://127.0.0.1:${BASE_PORT + 1}`;
const HONO = `http://127.0.0.1:${BASE_PORT + 2}`;
const RPC = `http://127.0.0.1:${BASE_PORT + 3}`;

interface SummaryJson {
  chainId: string;
  cycleId: string;
  asset: Address;
  contracts: { core4Mica: Address; clearingHouse: Address };
  sellers: Record<string, { requests: number; paymentRequired: number; paid: number; workRuns: number }>;
  certificates: { issued: number; v1: number; v2: number; overX402: number; refused: number };
  cycle: {
    payments: number;
    gross: string;
    net: string;
    debtors: number;
    creditors: number;
    paidIn: string;
    covered: string;
  };
  transactions: { hash: Hex; block: string; from: string; call: string; gasUsed: string }[];
  gas: {
    cycleTotal: string;
    ethTransfer: string;
    ethTransferTx: Hex;
    erc20Transfer: string;
    erc20TransferTx: Hex;
    perPaymentEth: string;
    perPaymentErc20: string;
    breakEvenPayments: string;
  };
  checks: { passed: number; failed: string[] };
}

/**
 * The README's main command must stay true: `npm run demo` (node scripts/demo.ts) deploys, runs Core, the x402
 * sellers and a whole cycle, prints its closing summary and exits 0 only when the chain, the database and the
 * summary agree. One run covers it all: with `--keep` the servers and the chain (JSON-RPC) stay up, so the summary's
 * numbers are checked here against the chain's receipts and Core's API, a manual agent pays a kept seller, and
 * Ctrl-C (SIGINT) stops everything with the demo's exit code.
 */
describe("npm run demo", function () {
  this.timeout(300_000);
  let dir: string;
  let child: ChildProcess | undefined;
  let output = "";
  let exit: Promise<number | null>;
  let summary: SummaryJson;

  before(async function () {
    dir = mkdtempSync(join(tmpdir(), "4mica-demo-test-"));
    child = spawn(
      process.execPath,
      ["scripts/demo.ts", "--keep", "--json", join(dir, "summary.json"), "--port", String(BASE_PORT)],
      { env: { ...process.env, FORCE_COLOR: "0" }, stdio: ["ignore", "pipe", "pipe"] },
    );
    exit = new Promise((resolve) => child!.on("exit", (code) => resolve(code)));
    const ready = new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        output += chunk.toString("utf8");
        if (output.includes("Servers ready")) resolve();
      };
      child!.stdout!.on("data", onData);
      child!.stderr!.on("data", onData);
      void exit.then((code) => reject(new Error(`the demo exited ${code} before it was ready:\n${output}`)));
    });
    await ready;
    summary = JSON.parse(readFileSync(join(dir, "summary.json"), "utf8")) as SummaryJson;
  });

  after(async function () {
    if (child && child.exitCode === null) child.kill("SIGKILL");
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("passes every check and prints the closing summary", function () {
    expect(output).to.match(/^(Contracts up to date|Compiled in)/m);
    expect(output).to.not.match(/^\s+FAIL /m);
    expect(output).to.contain("All checks passed");
    expect(summary.checks.failed).to.deep.equal([]);
    expect(summary.checks.passed).to.be.greaterThan(40);
    for (const line of [
      "the keeper covered carol's default",
      "promotes V2 to FINALIZED_PAYABLE",
      "through @x402/express: certificate checked and stored before the body",
      "through @x402/hono: certificate checked and stored before the body",
      "buyer policy refuses a seller outside its allowlist",
      "promotes the x402 V2 to FINALIZED_PAYABLE",
      "== Summary",
      "Requests served (x402 sellers):",
      `Certificates issued by Core: ${summary.certificates.issued}`,
      `On-chain transactions of the cycle (${summary.transactions.length}):`,
      "Per-payment on-chain settlement of the same",
    ]) {
      expect(output).to.contain(line);
    }
  });

  it("counts the requests each seller framework served", function () {
    const { express, hono } = summary.sellers;
    // express: unpaid 402, alice pays (402 then 200), her replay (200), bob's policy refusal (402, nothing signed).
    expect(express).to.deep.equal({ ...express, requests: 5, paymentRequired: 3, paid: 2, workRuns: 1 });
    // hono: bob pays (402, 200), his replay (200), alice's V2 render (402, 200).
    expect(hono).to.deep.equal({ ...hono, requests: 5, paymentRequired: 2, paid: 3, workRuns: 2 });
  });

  it("matches the cycle's figures to the chain and to Core's published batch", async function () {
    const chain = createPublicClient({ transport: http(RPC) });
    const onChain = await chain.readContract({
      address: summary.contracts.clearingHouse,
      abi: clearingHouseAbi,
      functionName: "getCycle",
      args: [BigInt(summary.cycleId), summary.asset],
    });
    expect(onChain.totalNet.toString()).to.equal(summary.cycle.net);
    expect(onChain.paidIn.toString()).to.equal(summary.cycle.paidIn);
    expect(onChain.covered.toString()).to.equal(summary.cycle.covered);
    expect(onChain.finalized).to.equal(true);
    expect(BigInt(summary.cycle.gross) >= BigInt(summary.cycle.net)).to.equal(true);
    expect(BigInt(summary.cycle.net) > 0n).to.equal(true);

    const cycle = (await (await fetch(`${CORE}/core/cycles/${summary.cycleId}/${summary.asset}`)).json()) as {
      batch: { guaranteeCount: number; totalNetCredit: string; debtorCount: number; creditorCount: number };
    };
    expect(cycle.batch.guaranteeCount).to.equal(summary.cycle.payments);
    expect(cycle.batch.totalNetCredit).to.equal(summary.cycle.net);
    expect([cycle.batch.debtorCount, cycle.batch.creditorCount]).to.deep.equal([
      summary.cycle.debtors,
      summary.cycle.creditors,
    ]);
    const positions = (await (
      await fetch(`${CORE}/core/cycles/${summary.cycleId}/${summary.asset}/positions?limit=100`)
    ).json()) as { positions: { grossOut: string }[] };
    const grossOut = positions.positions.reduce((s, p) => s + BigInt(p.grossOut), 0n);
    expect(grossOut.toString()).to.equal(summary.cycle.gross);

    // Every certificate is V1 or V2, and every payable one was netted in the cycle.
    const c = summary.certificates;
    expect(c.v1 + c.v2).to.equal(c.issued);
    expect(c.issued).to.equal(summary.cycle.payments);
    expect(c.overX402).to.equal(3);
  });

  it("lists every transaction of the cycle with the gas of its receipt, and the total", async function () {
    const chain = createPublicClient({ transport: http(RPC) });
    let total = 0n;
    for (const t of summary.transactions) {
      const receipt = await chain.getTransactionReceipt({ hash: t.hash });
      expect(receipt.status).to.equal("success");
      expect(receipt.gasUsed.toString()).to.equal(t.gasUsed);
      expect(receipt.gasUsed > 0n).to.equal(true);
      total += receipt.gasUsed;
    }
    expect(total.toString()).to.equal(summary.gas.cycleTotal);
    // Nothing left out: the blocks from the first to the last listed hold exactly the listed transactions.
    const first = BigInt(summary.transactions[0]!.block);
    const last = BigInt(summary.transactions.at(-1)!.block);
    const mined: Hex[] = [];
    for (let b = first; b <= last; b++) mined.push(...(await chain.getBlock({ blockNumber: b })).transactions);
    expect(mined).to.deep.equal(summary.transactions.map((t) => t.hash));
    const calls = summary.transactions.map((t) => t.call);
    expect(calls.filter((x) => x === "ClearingHouse.commitCycle")).to.have.length(1);
    expect(calls.filter((x) => x === "ClearingHouse.claimNetCredit")).to.have.length(summary.cycle.creditors);
  });

  it("computes per-payment settlement from transfers measured on the same chain", async function () {
    const chain = createPublicClient({ transport: http(RPC) });
    const g = summary.gas;
    const eth = await chain.getTransactionReceipt({ hash: g.ethTransferTx });
    const erc20 = await chain.getTransactionReceipt({ hash: g.erc20TransferTx });
    expect(eth.gasUsed.toString()).to.equal(g.ethTransfer);
    expect(erc20.gasUsed.toString()).to.equal(g.erc20Transfer);
    expect(eth.gasUsed).to.equal(21_000n);
    expect(erc20.gasUsed > eth.gasUsed).to.equal(true);
    const n = BigInt(summary.cycle.payments);
    expect(g.perPaymentEth).to.equal((n * eth.gasUsed).toString());
    expect(g.perPaymentErc20).to.equal((n * erc20.gasUsed).toString());
    const breakEven = BigInt(g.breakEvenPayments);
    expect(breakEven * erc20.gasUsed >= BigInt(g.cycleTotal)).to.equal(true);
    expect((breakEven - 1n) * erc20.gasUsed < BigInt(g.cycleTotal)).to.equal(true);
  });

  it("keeps the servers up: a curl gets the 402, the printed agent command pays a kept seller", async function () {
    expect(output).to.contain(`curl -i ${EXPRESS}/v1/quote`);
    const unpaid = await fetch(`${EXPRESS}/v1/quote`);
    expect(unpaid.status).to.equal(402);
    expect(unpaid.headers.get("payment-required")).to.be.a("string");
    const command = output.split("\n").find((l) => l.includes("node scripts/demo/agent.ts"))!;
    const env = Object.fromEntries(
      [...command.matchAll(/(FOURMICA_[A-Z_]+)=(\S+)/g)].map((m) => [m[1]!, m[2]!] as const),
    );
    expect(env.FOURMICA_RPC_URL).to.equal(RPC);
    const agent = spawnSync(process.execPath, ["scripts/demo/agent.ts", `${HONO}/v1/quote`], {
      encoding: "utf8",
      timeout: 60_000,
      env: { ...process.env, ...env },
    });
    expect(agent.status, `${agent.stdout}\n${agent.stderr}`).to.equal(0);
    expect(agent.stdout).to.match(/^200 /);
    expect(agent.stdout).to.contain('"success": true');
  });

  it("stops cleanly on Ctrl-C with the demo's exit code", async function () {
    child!.kill("SIGINT");
    expect(await exit).to.equal(0);
    expect(output).to.contain("SIGINT: stopping");
    const gone = await fetch(`${EXPRESS}/v1/quote`).then(
      () => "up",
      () => "down",
    );
    expect(gone).to.equal("down");
  });
});
