import { spawn, type ChildProcess } from "node:child_process";
import { resolve } from "node:path";

import { expect } from "chai";

import type { Database } from "../../offchain/src/core/adapters/db/database.ts";
import { openPgDatabase } from "../../offchain/src/core/adapters/db/pgDatabase.ts";
import { createCore, type Core } from "../../offchain/src/core/createCore.ts";
import { ExitCode } from "../../offchain/src/cli/exitCodes.ts";
import {
  ASSET,
  BLS_SK,
  CORE4MICA,
  deposit,
  payer,
  resetDatabase,
  signedBody,
  silentLogger,
  snapshot,
  testConfig,
  v1Request,
} from "../core/fixtures.ts";
import { cli } from "./cliHarness.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const TOKEN = "cli-pause-test-admin-token-0123456789";
const PORT_B = 19231;
const CLOSED_PORT = 19299;
const POLL_MS = 200;
const DAY = 86_400n;

const wallClock = () => BigInt(Math.floor(Date.now() / 1000));
const GENESIS = wallClock() - (wallClock() % DAY);

async function post(url: string, body: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${url}/core/guarantees`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

/** Polls `check` every 50 ms until it holds or `ms` pass; returns whether it held (never asserts a timing). */
async function eventually(check: () => Promise<boolean>, ms = 10_000): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
}

/**
 * `4mica operator pause|resume|status` against Core's issuance switch, with two Core processes on one PostgreSQL
 * database: A in this process (the one the CLI talks to), B a child `node offchain/src/core/main.ts`. A pause holds
 * at once in A and within B's poll interval in B, survives a restart, lets a retry of an issued guarantee get its
 * certificate back, and changes nothing else.
 */
describe("4mica operator pause/resume (Core's issuance switch, two Cores on PostgreSQL)", function () {
  this.timeout(120_000);
  const databaseUrl = process.env.FOURMICA_TEST_DATABASE_URL;
  let db: Database;
  let coreA: Core;
  let urlA: string;
  let childB: ChildProcess | undefined;
  const urlB = `http://127.0.0.1:${PORT_B}`;
  const env = () => ({ FOURMICA_CORE_URL: urlA, FOURMICA_ADMIN_TOKEN: TOKEN });
  const config = () =>
    testConfig({
      databaseUrl,
      adminToken: TOKEN,
      operatorPollMs: POLL_MS,
      acceptedVersions: [1],
      schedule: { ...testConfig().schedule, genesis: GENESIS },
    });
  const startA = async () => {
    coreA = await createCore(config(), { now: wallClock, logger: silentLogger });
    urlA = await coreA.listen(0, "127.0.0.1");
  };
  const request = (over: Parameters<typeof v1Request>[0] = {}) => v1Request({ timestamp: wallClock() - 5n, ...over });

  before(async function () {
    // Two processes need a database server; PGlite is one process's. Set FOURMICA_TEST_DATABASE_URL to run this.
    if (!databaseUrl) this.skip();
    db = await openPgDatabase({ connectionString: databaseUrl });
    await resetDatabase(db);
    await deposit(db, payer.address, 1_000_000n, ASSET);
    await startA();
    childB = spawn(process.execPath, [resolve(ROOT, "offchain/src/core/main.ts")], {
      cwd: ROOT,
      stdio: ["ignore", "ignore", "pipe"],
      env: {
        PATH: process.env.PATH,
        FOURMICA_DATABASE_URL: databaseUrl,
        FOURMICA_CHAIN_ID: "31337",
        FOURMICA_CORE4MICA_ADDRESS: CORE4MICA,
        FOURMICA_BLS_SECRET_KEY: BLS_SK,
        FOURMICA_ACCEPTED_VERSIONS: "1",
        FOURMICA_CYCLE_GENESIS: GENESIS.toString(),
        FOURMICA_TOKENS: JSON.stringify([{ symbol: "TST", address: ASSET, decimals: 6 }]),
        FOURMICA_HTTP_PORT: String(PORT_B),
        FOURMICA_OPERATOR_POLL_MS: String(POLL_MS),
        FOURMICA_ADMIN_TOKEN: TOKEN,
        FOURMICA_LOG_LEVEL: "error",
      },
    });
    const up = await eventually(async () => {
      try {
        return (await fetch(`${urlB}/core/health`)).ok;
      } catch {
        return false;
      }
    }, 30_000);
    expect(up, "Core B started").to.equal(true);
  });

  after(async function () {
    if (!databaseUrl) return;
    childB?.kill("SIGTERM");
    await coreA?.close();
    await resetDatabase(db); // leaves issuance running for the suites after this one
    await db?.close();
  });

  let issued: { body: Record<string, unknown>; certificate: Record<string, unknown> };

  it("issues while running; `operator status` reports issuance running", async function () {
    const body = await signedBody(request());
    const r = await post(urlA, body);
    expect(r.status).to.equal(201);
    issued = { body, certificate: r.body };
    const status = await cli(["--json", "operator", "status"], { env: env() });
    expect(status.code).to.equal(ExitCode.OK);
    expect(status.json.core.issuance.paused).to.equal(false);
  });

  it("`operator pause` stops the Core it reached at once: ISSUANCE_PAUSED (503), nothing locked or stored", async function () {
    const r = await cli(["--json", "operator", "pause", "--reason", "incident 42"], { env: env() });
    expect(r.code).to.equal(ExitCode.OK);
    expect(r.json.changed).to.equal(true);
    expect(r.json.issuance.paused).to.equal(true);
    expect(r.json.issuance.reason).to.equal("incident 42");
    const before = await snapshot(db);
    const refused = await post(urlA, await signedBody(request()));
    expect(refused.status).to.equal(503);
    expect(refused.body.error.code).to.equal("ISSUANCE_PAUSED");
    expect(await snapshot(db)).to.equal(before);
  });

  it("the other Core process on the database follows within its poll interval, changing nothing", async function () {
    // Core B learns of the pause by polling (FOURMICA_OPERATOR_POLL_MS): until its next poll it may still certify,
    // which is the documented bound. So first wait for B to report the pause, then check that it refuses. (Posting
    // straight away raced the poll: a request B accepted before it polled was then answered 200 as a retry.)
    const started = Date.now();
    const statusOfB = async () =>
      (await cli(["--json", "operator", "status"], { env: { ...env(), FOURMICA_CORE_URL: urlB } })).json.core.issuance;
    expect(await eventually(async () => (await statusOfB()).paused === true)).to.equal(true);
    // Within a few poll intervals even on a loaded machine (the bound is one interval plus one query).
    expect(Date.now() - started).to.be.below(20 * POLL_MS + 5_000);
    const before = await snapshot(db);
    const refused = await post(urlB, await signedBody(request()));
    expect(refused.status, `Core B answered ${refused.status}`).to.equal(503);
    expect(refused.body.error.code).to.equal("ISSUANCE_PAUSED");
    expect(await snapshot(db)).to.equal(before);
    expect(await statusOfB()).to.include({ paused: true, reason: "incident 42" });
  });

  it("a retry of a guarantee issued before the pause gets its stored certificate back (200), from either Core", async function () {
    const before = await snapshot(db);
    for (const url of [urlA, urlB]) {
      const r = await post(url, issued.body);
      expect(r.status).to.equal(200);
      expect(r.body).to.deep.equal(issued.certificate);
    }
    // The same request id with other content is new issuance: refused while paused (not a conflict answer).
    const request0 = (issued.body.request as Record<string, string>)!;
    const changed = await signedBody(
      request({ reqId: BigInt(request0.reqId!), amount: BigInt(request0.amount!) + 1n }),
    );
    const r = await post(urlA, changed);
    expect(r.status).to.equal(503);
    expect(r.body.error.code).to.equal("ISSUANCE_PAUSED");
    expect(await snapshot(db)).to.equal(before);
  });

  it("a paused Core restarted stays paused", async function () {
    await coreA.close();
    await startA();
    const status = await cli(["--json", "operator", "status"], { env: env() });
    expect(status.json.core.issuance.paused).to.equal(true);
    const r = await post(urlA, await signedBody(request()));
    expect(r.body.error.code).to.equal("ISSUANCE_PAUSED");
  });

  it("pausing again changes nothing and logs nothing new; the change log keeps each change", async function () {
    const r = await cli(["--json", "operator", "pause"], { env: env() });
    expect(r.code).to.equal(ExitCode.OK);
    expect(r.json.changed).to.equal(false);
    expect(r.json.issuance.reason).to.equal("incident 42");
    const { rows } = await db.query<{ paused: boolean; reason: string }>(
      "SELECT paused, reason FROM operator_control_events ORDER BY id",
    );
    expect(rows).to.deep.equal([{ paused: true, reason: "incident 42" }]);
  });

  it("`operator resume` lets both Cores certify again", async function () {
    const r = await cli(["operator", "resume", "--reason", "all clear"], { env: env() });
    expect(r.code).to.equal(ExitCode.OK);
    expect(r.stdout).to.match(/^issuance RUNNING since .*: all clear\n$/);
    expect((await post(urlA, await signedBody(request()))).status).to.equal(201);
    const body = await signedBody(request());
    const resumed = await eventually(async () => (await post(urlB, body)).status === 201);
    expect(resumed).to.equal(true);
  });

  describe("exit codes", function () {
    it("2 without the admin token (environment only)", async function () {
      const r = await cli(["--json", "operator", "pause"], { env: { FOURMICA_CORE_URL: urlA } });
      expect(r.code).to.equal(ExitCode.USAGE);
      expect(r.json.error.code).to.equal("MISSING_CONFIG");
    });

    it("2 when the token is given as an argument, before anything is sent", async function () {
      const r = await cli(["--json", "operator", "pause", "--admin-token", TOKEN], { env: env() });
      expect(r.code).to.equal(ExitCode.USAGE);
      expect(r.json.error.code).to.equal("SECRET_IN_ARGUMENTS");
      const status = await cli(["--json", "operator", "status"], { env: env() });
      expect(status.json.core.issuance.paused).to.equal(false);
    });

    it("5 with Core's error code when Core refuses the token", async function () {
      const r = await cli(["--json", "operator", "pause"], {
        env: { ...env(), FOURMICA_ADMIN_TOKEN: "not-the-token-not-the-token-not-the-token" },
      });
      expect(r.code).to.equal(ExitCode.REFUSED);
      expect(r.json.error.name).to.equal("ADMIN_UNAUTHENTICATED");
      expect(r.stderr).to.contain("ADMIN_UNAUTHENTICATED");
    });

    it("4 when Core does not answer", async function () {
      const r = await cli(["--json", "operator", "pause"], {
        env: { ...env(), FOURMICA_CORE_URL: `http://127.0.0.1:${CLOSED_PORT}` },
      });
      expect(r.code).to.equal(ExitCode.UNREACHABLE);
      expect(r.json.error.code).to.equal("UNREACHABLE");
    });
  });
});
