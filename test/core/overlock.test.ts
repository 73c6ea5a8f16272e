import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";

import { expect } from "chai";

import { openPgDatabase } from "../../offchain/src/core/adapters/db/pgDatabase.ts";
import type { Database } from "../../offchain/src/core/adapters/db/database.ts";
import type { Core } from "../../offchain/src/core/createCore.ts";
import {
  ASSET,
  BACKENDS,
  BLS_SK,
  CHAIN_ID,
  CORE4MICA,
  deposit,
  payer,
  resetDatabase,
  signedBody,
  startCore,
  v1Request,
} from "./fixtures.ts";

const DB_URL = process.env.FOURMICA_TEST_DATABASE_URL;
const COLLATERAL = 10_000n;

type Send = (body: unknown) => Promise<{ status: number; body: any }>;

/** Fires every request at once, alternating between the replicas; returns what was certified and refused. */
async function race(replicas: Send[], amounts: bigint[], timestamp?: bigint) {
  const bodies = await Promise.all(
    amounts.map((amount) => signedBody(v1Request({ amount, ...(timestamp ? { timestamp } : {}) }))),
  );
  const results = await Promise.all(bodies.map((b, i) => replicas[i % replicas.length]!(b)));
  const certified = results.flatMap((r, i) => (r.status === 201 ? [amounts[i]!] : []));
  const refused = results.flatMap((r, i) => (r.status === 409 ? [amounts[i]!] : []));
  const other = results.filter((r) => r.status !== 201 && r.status !== 409);
  expect(other, JSON.stringify(other.slice(0, 3))).to.have.length(0);
  for (const r of results.filter((x) => x.status === 409))
    expect(r.body.error.code).to.equal("INSUFFICIENT_COLLATERAL");
  return { certified, refused, sum: certified.reduce((a, b) => a + b, 0n) };
}

async function lockedOf(db: Database): Promise<{ locked: bigint; guaranteed: bigint }> {
  const b = await db.query<{ locked: string }>("SELECT locked FROM balances WHERE user_address = $1 AND asset = $2", [
    payer.address.toLowerCase(),
    ASSET,
  ]);
  const g = await db.query<{ s: string }>("SELECT COALESCE(sum(amount), 0)::text AS s FROM guarantees");
  return { locked: BigInt(b.rows[0]!.locked), guaranteed: BigInt(g.rows[0]!.s) };
}

/** 60 requests of 500 (3x the collateral): exactly the collateral is certified. Then mixed amounts. */
async function assertNoOverLock(db: Database, replicas: Send[], timestamp?: bigint) {
  await resetDatabase(db);
  await deposit(db, payer.address, COLLATERAL);
  const even = await race(
    replicas,
    Array.from({ length: 60 }, () => 500n),
    timestamp,
  );
  expect(even.sum).to.equal(COLLATERAL);
  expect(even.certified).to.have.length(20);
  expect(await lockedOf(db)).to.deep.equal({ locked: COLLATERAL, guaranteed: COLLATERAL });

  await resetDatabase(db);
  await deposit(db, payer.address, COLLATERAL);
  const amounts = Array.from({ length: 80 }, (_, i) => BigInt(97 + ((i * 7919) % 900)));
  const mixed = await race(replicas, amounts, timestamp);
  expect(mixed.sum <= COLLATERAL).to.equal(true);
  // Available only shrinks, so every refused amount exceeds what is left at the end.
  for (const a of mixed.refused)
    expect(a > COLLATERAL - mixed.sum, `${a} refused with ${COLLATERAL - mixed.sum} left`).to.equal(true);
  expect(await lockedOf(db)).to.deep.equal({ locked: mixed.sum, guaranteed: mixed.sum });
}

describe("Collateral lock under concurrency", function () {
  describe("two Core instances in one process on one PGlite", function () {
    let db: Database;
    let cores: Core[];
    before(async function () {
      db = await BACKENDS[0]!.open();
      await resetDatabase(db);
      cores = [await startCore(db), await startCore(db)];
    });
    after(async function () {
      for (const c of cores) await c.close();
      await db.close();
    });

    it("never certifies more than the collateral, and certifies all of it when requests allow", async function () {
      const replicas: Send[] = cores.map((c) => async (body) => {
        const res = await c.app.inject({ method: "POST", url: "/core/guarantees", payload: body as object });
        return { status: res.statusCode, body: res.json() };
      });
      await assertNoOverLock(db, replicas);
    });
  });

  describe("two Core processes on one PostgreSQL", function () {
    let db: Database;
    const children: ChildProcess[] = [];
    let urls: string[] = [];

    before(async function () {
      // Needs a PostgreSQL server shared by two Core processes; CI sets FOURMICA_TEST_DATABASE_URL (.ci/run).
      if (!DB_URL) this.skip();
      db = openPgDatabase({ connectionString: DB_URL! });
      await resetDatabase(db);
      const now = BigInt(Math.floor(Date.now() / 1000));
      const env = {
        ...process.env,
        FOURMICA_DATABASE_URL: DB_URL,
        FOURMICA_CHAIN_ID: CHAIN_ID.toString(),
        FOURMICA_CORE4MICA_ADDRESS: CORE4MICA,
        FOURMICA_BLS_SECRET_KEY: BLS_SK,
        FOURMICA_CYCLE_GENESIS: (now - 1_000n).toString(),
        FOURMICA_LOG_LEVEL: "silent",
      };
      urls = await Promise.all(
        [0, 1].map(
          () =>
            new Promise<string>((resolve, reject) => {
              const child = spawn(process.execPath, ["scripts/testing/coreProcess.ts"], {
                env,
                stdio: ["ignore", "pipe", "inherit"],
              });
              children.push(child);
              child.once("exit", (code) => reject(new Error(`core process exited with ${code}`)));
              createInterface({ input: child.stdout! }).once("line", (line) => resolve(JSON.parse(line).url));
            }),
        ),
      );
    });
    after(async function () {
      for (const c of children) c.kill("SIGTERM");
      await db?.close();
    });

    it("never certifies more than the collateral across replicas, and certifies all of it when requests allow", async function () {
      const replicas: Send[] = urls.map((url) => async (body) => {
        const res = await fetch(`${url}/core/guarantees`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(body),
        });
        return { status: res.status, body: await res.json() };
      });
      await assertNoOverLock(db, replicas, BigInt(Math.floor(Date.now() / 1000)));
    });
  });
});
