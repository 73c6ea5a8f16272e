/**
 * Issue 10's "Must show" for webhooks: a Core process killed hard (SIGKILL) in the middle of delivering, and
 * restarted on the same database, still gets every event to the receiver; after deduplication by webhook-id the
 * receiver has each event exactly once. The receiver checks every request with the SDK's verifyWebhook and refuses
 * a forged signature and a stale timestamp. Runs on PostgreSQL when FOURMICA_TEST_DATABASE_URL is set, else on a
 * PGlite data directory.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";

import { expect } from "chai";
import type { Address } from "viem";

import { creditDeposit } from "../../offchain/src/core/adapters/db/balanceRepository.ts";
import type { Database } from "../../offchain/src/core/adapters/db/database.ts";
import { migrate } from "../../offchain/src/core/adapters/db/migrate.ts";
import { openPgDatabase } from "../../offchain/src/core/adapters/db/pgDatabase.ts";
import { openPgliteDatabase } from "../../offchain/src/core/adapters/db/pgliteDatabase.ts";
import { verifyWebhook, type WebhookEvent } from "../../offchain/src/sdk/index.ts";
import { ASSET, BLS_SK, CHAIN_ID, CORE4MICA, payer, resetDatabase, signedBody, v1Request } from "../core/fixtures.ts";
import { ADMIN_TOKEN, adminHeaders, resetWebhooks, startReceiver, until, WEBHOOK_KEY } from "./fixtures.ts";

const DB_URL = process.env.FOURMICA_TEST_DATABASE_URL;
const EVENTS = 60;

const children = new Set<ChildProcess>();

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

function exited(child: ChildProcess): Promise<NodeJS.Signals | number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.signalCode ?? child.exitCode);
  return new Promise((resolve) => child.once("exit", (code, signal) => resolve(signal ?? code)));
}

describe("Webhooks: Core killed with SIGKILL mid-delivery and restarted", function () {
  this.timeout(180_000);
  let dir: string | undefined;
  let open: () => Promise<Database>;
  let env: Record<string, string>;

  before(function () {
    if (DB_URL) open = async () => openPgDatabase({ connectionString: DB_URL });
    else {
      dir = mkdtempSync(join(tmpdir(), "4mica-webhooks-crash-"));
      const d = dir;
      open = () => openPgliteDatabase(d);
    }
  });
  after(async function () {
    for (const c of children) c.kill("SIGKILL");
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it(`delivers all ${EVENTS} events, each exactly once after deduplication, and refuses forged and stale requests`, async function () {
    const db = await open();
    await migrate(db);
    await resetDatabase(db);
    await resetWebhooks(db);
    await creditDeposit(db, payer.address.toLowerCase() as Address, ASSET, 10n ** 15n);
    await db.close();

    const now = BigInt(Math.floor(Date.now() / 1000));
    env = {
      ...(DB_URL ? { FOURMICA_DATABASE_URL: DB_URL } : { FOURMICA_DATA_DIR: dir! }),
      FOURMICA_CHAIN_ID: CHAIN_ID.toString(),
      FOURMICA_CORE4MICA_ADDRESS: CORE4MICA,
      FOURMICA_BLS_SECRET_KEY: BLS_SK,
      FOURMICA_CYCLE_GENESIS: (now - 1_000n).toString(),
      FOURMICA_FRESHNESS_PAST_SECONDS: "3600",
      FOURMICA_ADMIN_TOKEN: ADMIN_TOKEN,
      FOURMICA_WEBHOOK_ENCRYPTION_KEY: WEBHOOK_KEY.slice(2),
      FOURMICA_WEBHOOK_TIMEOUT_MS: "1000",
      FOURMICA_WEBHOOK_INTERVAL_MS: "20",
      FOURMICA_WEBHOOK_BACKOFF_BASE_MS: "50",
      FOURMICA_WEBHOOK_CONCURRENCY: "8",
    };

    // The receiver: verifies every request with the SDK (400 when it does not verify), answers after a short
    // delay so that several are in flight, and holds the 12th request open: Core is killed while waiting for it.
    let secret = "";
    const accepted: WebhookEvent[] = [];
    const rejected: string[] = [];
    let victim: ChildProcess | undefined;
    let held: string | undefined;
    const receiver = await startReceiver(async (r) => {
      let event: WebhookEvent;
      try {
        event = verifyWebhook(secret, r.headers, r.body);
      } catch (e) {
        rejected.push((e as { code: string }).code);
        return 400;
      }
      accepted.push(event);
      if (accepted.length === 12 && victim) {
        held = event.id;
        victim.kill("SIGKILL");
        return new Promise<number>(() => {});
      }
      await new Promise((res) => setTimeout(res, 15));
      return 204;
    });

    try {
      // 1. A Core without the worker: subscribe, issue EVENTS guarantees (one guarantee.issued each), stop.
      const issuer = await spawnCore(env);
      const res = await fetch(`${issuer.url}/core/admin/webhooks`, {
        method: "POST",
        headers: { ...adminHeaders, "content-type": "application/json" },
        body: JSON.stringify({ url: receiver.url, eventTypes: ["guarantee.issued"] }),
      });
      expect(res.status).to.equal(201);
      secret = ((await res.json()) as { secret: string }).secret;
      const issued = new Set<string>();
      for (let i = 0; i < EVENTS; i++) {
        const r = await fetch(`${issuer.url}/core/guarantees`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(await signedBody(v1Request({ amount: BigInt(100 + i), timestamp: now }))),
        });
        expect(r.status).to.equal(201);
        issued.add(((await r.json()) as { guaranteeId: string }).guaranteeId);
      }
      issuer.child.kill("SIGTERM");
      await exited(issuer.child);
      expect(accepted).to.have.length(0);

      // 2. A Core with the worker, killed hard while the receiver holds one request and others are in flight.
      const first = await spawnCore({ ...env, FOURMICA_TEST_WEBHOOKS: "1" });
      victim = first.child;
      expect(await exited(first.child)).to.equal("SIGKILL");
      const beforeRestart = accepted.length;
      expect(beforeRestart).to.be.at.least(12);
      expect(new Set(accepted.map((e) => e.id)).size).to.be.lessThan(EVENTS);

      // 3. Restarted on the same database: the rest arrive, and the held one again (its claim expired).
      const second = await spawnCore({ ...env, FOURMICA_TEST_WEBHOOKS: "1" });
      await until(
        "every event",
        async () => (new Set(accepted.map((e) => e.id)).size === EVENTS ? true : undefined),
        90_000,
      );
      // And Core's books catch up: the requests in flight at the kill are sent again once their claims expire.
      await until(
        "nothing pending",
        async () => {
          const r = await fetch(`${second.url}/core/admin/webhooks`, { headers: adminHeaders });
          const [sub] = ((await r.json()) as { subscriptions: { pending: number; failed: number }[] }).subscriptions;
          return sub!.pending === 0 && sub!.failed === 0 ? true : undefined;
        },
        90_000,
      );
      second.child.kill("SIGTERM");
      await exited(second.child);

      const unique = new Map(accepted.map((e) => [e.id, e]));
      expect(unique.size).to.equal(EVENTS);
      expect(accepted.length, "the held request was sent again").to.be.greaterThan(EVENTS);
      expect(accepted.filter((e) => e.id === held).length).to.be.at.least(2);
      // Exactly once per guarantee after deduplication.
      const guarantees = [...unique.values()].map((e) => {
        expect(e.type).to.equal("guarantee.issued");
        return (e.data as { guaranteeId: string }).guaranteeId;
      });
      expect(new Set(guarantees)).to.deep.equal(issued);
      expect(guarantees).to.have.length(EVENTS);
      expect(rejected).to.deep.equal([]);

      const check = await open();
      try {
        const { rows } = await check.query<{ status: string; n: string }>(
          "SELECT status, count(*)::text AS n FROM webhook_deliveries GROUP BY status",
        );
        expect(rows).to.deep.equal([{ status: "DELIVERED", n: String(EVENTS) }]);
        const ids = await check.query<{ id: string }>("SELECT id FROM webhook_events");
        expect(new Set(ids.rows.map((r) => r.id))).to.deep.equal(new Set(unique.keys()));
      } finally {
        await check.close();
      }

      // 4. The receiver refuses a forged signature and a replayed (stale) request.
      const sample = receiver.received.find((r) => r.headers["webhook-id"] === held)!;
      const replay = async (headers: Record<string, string>) => {
        const r = await fetch(receiver.url, { method: "POST", headers, body: sample.body });
        return r.status;
      };
      const base = {
        "content-type": "application/json",
        "webhook-id": String(sample.headers["webhook-id"]),
        "webhook-timestamp": String(Math.floor(Date.now() / 1000)),
      };
      expect(await replay({ ...base, "webhook-signature": `v1,${Buffer.alloc(32, 1).toString("base64")}` })).to.equal(
        400,
      );
      const stale = { ...base, "webhook-timestamp": String(Math.floor(Date.now() / 1000) - 3_600) };
      expect(await replay({ ...stale, "webhook-signature": String(sample.headers["webhook-signature"]) })).to.equal(
        400,
      );
      expect(rejected).to.deep.equal(["WEBHOOK_SIGNATURE_INVALID", "WEBHOOK_TIMESTAMP_STALE"]);
    } finally {
      await receiver.close();
    }
  });
});
