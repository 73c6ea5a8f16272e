/**
 * Crash safety (issue #4 "Must show"): a Core process killed hard (SIGKILL) in the middle of issuance, or of a
 * cycle between the commit intent and its receipt, and restarted on the same database, loses no certificate it
 * handed out, keeps every lock equal to the open guarantees, and completes the cycle exactly once.
 * Runs on PostgreSQL when FOURMICA_TEST_DATABASE_URL is set, else on a PGlite data directory.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";

import { expect } from "chai";
import { network } from "hardhat";
import { parseAbi, parseAbiItem, zeroAddress, type Address, type Hex, type PublicClient } from "viem";
import { privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";

import { clearingHouseAbi } from "../../offchain/src/core/adapters/chain/clearingHouseAbi.ts";
import { creditDeposit } from "../../offchain/src/core/adapters/db/balanceRepository.ts";
import type { Database } from "../../offchain/src/core/adapters/db/database.ts";
import { migrate } from "../../offchain/src/core/adapters/db/migrate.ts";
import { openPgDatabase } from "../../offchain/src/core/adapters/db/pgDatabase.ts";
import { openPgliteDatabase } from "../../offchain/src/core/adapters/db/pgliteDatabase.ts";
import { loadBlsBackend } from "../../offchain/src/protocol/bls/index.ts";
import { deployStack } from "../../scripts/lib/deployStack.ts";
import {
  ASSET,
  BLS_SK,
  CHAIN_ID,
  CORE4MICA,
  otherPayer,
  payer,
  recipient,
  resetDatabase,
  signedBody,
  v1Request,
} from "./fixtures.ts";
import { OPERATOR_KEY } from "./schedulerFixtures.ts";
import { signedBodyFor } from "./syncFixtures.ts";

const DB_URL = process.env.FOURMICA_TEST_DATABASE_URL;
const HARDHAT_CLI = join(process.cwd(), "node_modules", "hardhat", "dist", "src", "cli.js");

interface Backend {
  name: string;
  env: Record<string, string>;
  open(): Promise<Database>;
  dispose(): void;
}

function newBackend(): Backend {
  if (DB_URL) {
    return {
      name: "PostgreSQL",
      env: { FOURMICA_DATABASE_URL: DB_URL },
      open: async () => openPgDatabase({ connectionString: DB_URL }),
      dispose() {},
    };
  }
  const dir = mkdtempSync(join(tmpdir(), "4mica-crash-"));
  return {
    name: "PGlite data directory",
    env: { FOURMICA_DATA_DIR: dir },
    // Only while no Core process holds the directory.
    open: () => openPgliteDatabase(dir),
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}

const children = new Set<ChildProcess>();

/** A Core child (scripts/testing/coreProcess.ts); resolves with its URL once it listens. */
function spawnCore(env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["scripts/testing/coreProcess.ts"], {
      env: { ...process.env, FOURMICA_LOG_LEVEL: "silent", ...env },
      stdio: ["ignore", "pipe", "inherit"],
    });
    children.add(child);
    child.once("exit", (code, signal) => {
      children.delete(child);
      reject(new Error(`core process exited (${code ?? signal}) before listening`));
    });
    createInterface({ input: child.stdout! }).once("line", (line) =>
      resolve({ child, url: JSON.parse(line).url as string }),
    );
  });
}

function exited(child: ChildProcess, ms = 30_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("child did not exit in time")), ms);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal });
    });
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  await exited(child);
}

async function until<T>(what: string, f: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await f().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function post(url: string, body: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${url}/core/guarantees`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

async function getJson(url: string): Promise<{ status: number; body: any }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.json() };
}

/** Every (user, asset) whose lock differs from the sum of its open (lock_held) guarantees. */
async function lockMismatches(db: Database) {
  const { rows } = await db.query<{ user_address: string; asset: string; locked: string; open: string }>(
    `SELECT coalesce(b.user_address, g.user_address) AS user_address, coalesce(b.asset, g.asset) AS asset,
            coalesce(b.locked, 0)::text AS locked, coalesce(g.open, 0)::text AS open
       FROM balances b
       FULL OUTER JOIN (SELECT user_address, asset, sum(amount) AS open FROM guarantees WHERE lock_held
                         GROUP BY user_address, asset) g
         ON g.user_address = b.user_address AND g.asset = b.asset
      WHERE coalesce(b.locked, 0) <> coalesce(g.open, 0) OR b.locked > b.deposited`,
  );
  return rows;
}

describe("Crash safety: Core killed with SIGKILL and restarted on the same database", function () {
  this.timeout(90_000);

  after(async function () {
    for (const c of children) c.kill("SIGKILL");
  });

  describe(`in the middle of issuance (${DB_URL ? "PostgreSQL" : "PGlite data directory"})`, function () {
    let backend: Backend;
    before(function () {
      backend = newBackend();
    });
    after(function () {
      backend.dispose();
    });

    it("keeps every certificate a client received, and locks equal the open guarantees", async function () {
      const db = await backend.open();
      await migrate(db);
      await resetDatabase(db);
      // payer: ample collateral; otherPayer: for about a third of its requests, so refusals race with grants.
      await creditDeposit(db, payer.address.toLowerCase() as Address, ASSET, 10n ** 15n);
      await creditDeposit(db, otherPayer.address.toLowerCase() as Address, ASSET, 40_000n);
      await db.close();

      const now = BigInt(Math.floor(Date.now() / 1000));
      const env = {
        ...backend.env,
        FOURMICA_CHAIN_ID: CHAIN_ID.toString(),
        FOURMICA_CORE4MICA_ADDRESS: CORE4MICA,
        FOURMICA_BLS_SECRET_KEY: BLS_SK,
        FOURMICA_CYCLE_GENESIS: (now - 1_000n).toString(),
        FOURMICA_FRESHNESS_PAST_SECONDS: "3600",
      };
      const bodies = await Promise.all(
        Array.from({ length: 400 }, (_, i) => {
          const who: PrivateKeyAccount = i % 3 === 2 ? otherPayer : payer;
          const amount = BigInt(100 + ((i * 7919) % 2_900));
          return signedBody(
            v1Request({ user: who.address.toLowerCase() as Address, amount, timestamp: now }),
            who,
          ).then((body) => ({ body, amount }));
        }),
      );

      const first = await spawnCore(env);
      const received = new Map<Hex, { claims: Hex; signature: Hex; cycleId: string }>();
      let next = 0;
      let killed = false;
      let inFlight = 0;
      let inFlightAtKill = 0;
      const KILL_AFTER = 60;
      const worker = async () => {
        while (!killed && next < bodies.length) {
          const { body } = bodies[next++]!;
          inFlight++;
          try {
            const r = await post(first.url, body);
            if (r.status === 201) {
              received.set(r.body.guaranteeId, {
                claims: r.body.claims,
                signature: r.body.signature,
                cycleId: r.body.cycleId,
              });
              if (received.size >= KILL_AFTER && !killed) {
                killed = true;
                inFlightAtKill = inFlight - 1;
                // Hard kill with requests still in flight on the other workers.
                first.child.kill("SIGKILL");
              }
            } else {
              expect(r.status, JSON.stringify(r.body)).to.equal(409);
            }
          } catch {
            // The connection died with the process: the client never got a certificate for this one.
          } finally {
            inFlight--;
          }
        }
      };
      await Promise.all(Array.from({ length: 16 }, worker));
      expect(killed).to.equal(true);
      expect((await exited(first.child)).signal).to.equal("SIGKILL");
      expect(received.size).to.be.at.least(KILL_AFTER);
      expect(inFlightAtKill, "requests in flight when killed").to.be.greaterThan(0);

      // Restarted on the same database: every certificate a client holds is served unchanged.
      const second = await spawnCore(env);
      for (const [id, cert] of received) {
        const r = await getJson(`${second.url}/core/guarantees/${id}`);
        expect(r.status, id).to.equal(200);
        expect(r.body.certificate).to.deep.include({ claims: cert.claims, signature: cert.signature });
      }
      // And it goes on issuing.
      const more = await post(second.url, await signedBody(v1Request({ amount: 5n, timestamp: now })));
      expect(more.status, JSON.stringify(more.body)).to.equal(201);
      await stop(second.child);

      const check = await backend.open();
      try {
        for (const [id, cert] of received) {
          const { rows } = await check.query<{ claims: string; bls_signature: string; cycle_id: string }>(
            "SELECT claims, bls_signature, cycle_id::text AS cycle_id FROM guarantees WHERE guarantee_id = $1",
            [id],
          );
          expect(rows, id).to.have.length(1);
          expect(rows[0]).to.deep.equal({ claims: cert.claims, bls_signature: cert.signature, cycle_id: cert.cycleId });
        }
        expect(await lockMismatches(check)).to.deep.equal([]);
        const { rows } = await check.query<{ n: string }>("SELECT count(*)::text AS n FROM guarantees");
        expect(Number(rows[0]!.n)).to.be.at.least(received.size + 1);
      } finally {
        await check.close();
      }
    });
  });

  for (const crashAt of ["afterCommitIntent", "beforeCommitBroadcast", "afterCommitBroadcast"] as const) {
    describe(`in the middle of a cycle, at ${crashAt} (hardhat node, ${DB_URL ? "PostgreSQL" : "PGlite"})`, function () {
      let backend: Backend;
      let node: ChildProcess | undefined;
      let dir: string;
      before(function () {
        backend = newBackend();
        dir = mkdtempSync(join(tmpdir(), "4mica-crash-deploy-"));
      });
      after(async function () {
        if (node) {
          node.kill("SIGTERM");
          await exited(node).catch(() => node?.kill("SIGKILL"));
        }
        backend.dispose();
        rmSync(dir, { recursive: true, force: true });
      });

      it("resumes on restart: the cycle is committed exactly once, defaults are marked, and it finalizes", async function () {
        // A JSON-RPC Hardhat node on a free port: Core runs in another process and needs to reach the chain.
        const port = await freePort();
        const rpcUrl = `http://127.0.0.1:${port}`;
        node = spawn(process.execPath, [HARDHAT_CLI, "node", "--port", String(port)], {
          stdio: ["ignore", "ignore", "inherit"],
        });
        children.add(node);
        await until("the hardhat node", async () => {
          const res = await fetch(rpcUrl, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
          });
          return res.ok ? true : undefined;
        });
        const { viem, networkHelpers } = await network.create({ network: "localhost", override: { url: rpcUrl } });
        const publicClient = (await viem.getPublicClient()) as unknown as PublicClient;
        const [admin] = await viem.getWalletClients();
        const operator = privateKeyToAccount(OPERATOR_KEY);
        const stack = await deployStack(viem, {
          blsPublicKey: (await loadBlsBackend("auto")).publicKey(BLS_SK),
          operator: operator.address,
          tokens: [],
          validationRegistries: [],
        });
        const file = join(dir, "localhost.json");
        writeFileSync(file, JSON.stringify({ network: "localhost", ...stack }, null, 2));

        // Two payers' collateral on-chain; Core learns it by chain sync.
        const vaultAbi = parseAbi(["function depositFor(address payer, address asset, uint256 amount) payable"]);
        for (const who of [payer, otherPayer]) {
          const hash = await admin!.writeContract({
            address: stack.core4Mica,
            abi: vaultAbi,
            functionName: "depositFor",
            args: [who.address, zeroAddress, 10n ** 18n],
            value: 10n ** 18n,
          } as never);
          await publicClient.waitForTransactionReceipt({ hash });
        }

        const db = await backend.open();
        await migrate(db);
        await resetDatabase(db);
        await db.close();
        const env = {
          ...backend.env,
          FOURMICA_DEPLOYMENTS_FILE: file,
          FOURMICA_RPC_URL: rpcUrl,
          FOURMICA_OPERATOR_KEY: OPERATOR_KEY,
          FOURMICA_BLS_SECRET_KEY: BLS_SK,
          FOURMICA_CONFIRMATIONS: "0",
          FOURMICA_SYNC_INTERVAL_MS: "100",
          FOURMICA_SCHEDULER_INTERVAL_MS: "100",
          FOURMICA_TEST_BACKGROUND: "1",
        };
        const first = await spawnCore({ ...env, FOURMICA_TEST_CRASH_AT: crashAt });

        // Guarantees through the API, once sync has seen the deposits: payer -> recipient and otherPayer -> payer.
        const timestamp = BigInt(Math.floor(Date.now() / 1000));
        const issued: { cycleId: bigint; id: Hex }[] = [];
        for (const [who, to, amount] of [
          [payer, recipient.address, 3n * 10n ** 15n],
          [otherPayer, payer.address, 1n * 10n ** 15n],
        ] as const) {
          const body = await signedBodyFor(
            v1Request({
              user: who.address.toLowerCase() as Address,
              recipient: to.toLowerCase() as Address,
              asset: zeroAddress,
              amount,
              timestamp,
            }),
            stack.core4Mica,
            who,
          );
          let last: unknown;
          const r = await until("collateral synced", async () => {
            const res = await post(first.url, body);
            last = res.body;
            return res.status === 201 ? res : undefined;
          }).catch((e: Error) => {
            throw new Error(`${e.message}: last answer ${JSON.stringify(last)}`);
          });
          issued.push({ cycleId: BigInt(r.body.cycleId), id: r.body.guaranteeId });
        }
        const cycleId = issued[0]!.cycleId;
        const cycleUrl = `${first.url}/core/cycles/${cycleId}/${zeroAddress}`;
        const d = await until("the cycle row", async () => {
          const r = await getJson(cycleUrl);
          return r.status === 200 ? r.body.deadlines : undefined;
        });

        // Past the resolution cutoff: the scheduler closes, nets, records the commit intent... and dies.
        await networkHelpers.time.increaseTo(BigInt(d.resolutionCutoff));
        expect((await exited(first.child)).signal).to.equal("SIGKILL");

        const onchain = () =>
          publicClient.readContract({
            address: stack.clearingHouse,
            abi: clearingHouseAbi,
            functionName: "getCycle",
            args: [cycleId, zeroAddress],
          });
        const mid = await backend.open();
        try {
          const { rows } = await mid.query<{ status: string; commit_tx_hash: string | null }>(
            `SELECT c.status, b.commit_tx_hash FROM cycles c LEFT JOIN batches b USING (cycle_id, asset)
              WHERE c.cycle_id = $1 AND c.asset = $2`,
            [cycleId.toString(), zeroAddress],
          );
          expect(rows[0]?.status).to.equal("COMMITTING");
          expect(rows[0]?.commit_tx_hash === null).to.equal(crashAt === "afterCommitIntent");
        } finally {
          await mid.close();
        }
        expect((await onchain()).committed).to.equal(crashAt === "afterCommitBroadcast");

        // Restarted without the crash seam: the cycle resumes and completes.
        const second = await spawnCore(env);
        const status = async (want: string) =>
          until(`cycle ${want}`, async () => {
            const r = await getJson(`${second.url}/core/cycles/${cycleId}/${zeroAddress}`);
            return r.body.status === want ? r.body : undefined;
          });
        await status("COMMITTED");
        expect((await onchain()).committed).to.equal(true);

        // Nobody pays: both debtors are marked defaulted after the payment deadline, then the cycle finalizes.
        await networkHelpers.time.increaseTo(BigInt(d.paymentDeadline) + 1n);
        await until("debtors resolved", async () => {
          const c = await onchain();
          return c.debtorCount > 0 && c.resolvedDebtors === c.debtorCount ? true : undefined;
        });
        await networkHelpers.time.increaseTo(BigInt(d.finalityDeadline) + 1n);
        const done = await status("FINALIZED");
        expect((await onchain()).finalized).to.equal(true);

        const commits = await publicClient.getLogs({
          address: stack.clearingHouse,
          event: parseAbiItem(
            "event CycleCommitted(uint256 indexed cycleId, address indexed asset, bytes32 root, uint256 totalNet, uint32 debtorCount, uint32 creditorCount, bytes32 batchHash, uint256 v2GuaranteeCount)",
          ),
          args: { cycleId, asset: zeroAddress },
          fromBlock: 0n,
        });
        expect(commits, "committed exactly once").to.have.length(1);
        expect(commits[0]!.args.root).to.equal(done.batch.root);
        await stop(second.child);
      });
    });
  }
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}
