import { expect } from "chai";
import { zeroAddress, type Address } from "viem";

import type { Database } from "../../offchain/src/core/adapters/db/database.ts";
import { openPgDatabase } from "../../offchain/src/core/adapters/db/pgDatabase.ts";
import { openPgliteDatabase } from "../../offchain/src/core/adapters/db/pgliteDatabase.ts";
import { DEFAULT_CYCLE_PHASES } from "../../offchain/src/protocol/cycles/cycleSchedule.ts";
import type { ClearingHouseGateway } from "../../offchain/src/core/services/scheduler/clearingHouseGateway.ts";
import { createScheduler, type Scheduler } from "../../offchain/src/core/services/scheduler/createScheduler.ts";
import {
  createLeaderLock,
  createLocalLeaderLock,
  createPgLeaderLock,
  type LeaderLock,
} from "../../offchain/src/core/services/scheduler/leaderLock.ts";
import { startSchedulerLoop } from "../../offchain/src/core/services/scheduler/startSchedulerLoop.ts";
import { openMigrated } from "./schedulerFixtures.ts";

const GENESIS = 1_699_920_000n;
const ASSET: Address = "0x0000000000000000000000000000000000a55e75";
const URL = process.env.FOURMICA_TEST_DATABASE_URL;

/** A chain with the seeds' schedule and a clock; only cycle creation happens on it, so nothing else is called. */
function fakeChain(clock: { now: bigint }, gate?: Promise<void>): ClearingHouseGateway {
  const unused = () => Promise.reject(new Error("not used by these tests"));
  return {
    latestTimestamp: async () => clock.now,
    scheduleSegments: async () => {
      await gate;
      return [{ startTime: GENESIS, firstCycleId: 0n, ...DEFAULT_CYCLE_PHASES }];
    },
    getCycle: unused,
    getParticipant: unused,
    consumed: unused,
    sender: () => zeroAddress,
    requestDomainSeparator: unused,
    signedRequestCursor: unused,
    send: unused,
    receipt: unused,
  };
}

function schedulerOn(db: Database, lock: LeaderLock, chain: ClearingHouseGateway): Scheduler {
  return createScheduler({
    db,
    chain,
    chainId: 31337n,
    clearingHouse: "0x00000000000000000000000000000000000c1ea4",
    lock,
    assets: [ASSET],
  });
}

async function rowCount(db: Database): Promise<number> {
  const { rows } = await db.query<{ n: string }>("SELECT count(*)::text AS n FROM cycles");
  return Number(rows[0]!.n);
}

describe("Cycle scheduler leadership", function () {
  describe("on PGlite (one connection, one process: the lock is held trivially)", function () {
    let db: Database;
    beforeEach(async function () {
      db = await openMigrated(() => openPgliteDatabase());
    });
    afterEach(async function () {
      await db.close();
    });

    it("lets one of two concurrent schedulers on the same database tick; the other skips", async function () {
      let open!: () => void;
      const gate = new Promise<void>((r) => (open = r));
      const clock = { now: GENESIS + 10n * 86_400n };
      const a = schedulerOn(db, createLocalLeaderLock(db), fakeChain(clock, gate));
      const b = schedulerOn(db, createLocalLeaderLock(db), fakeChain(clock, gate));
      const first = a.tick(clock.now);
      const second = await b.tick(clock.now);
      open();
      expect(second).to.deep.equal({ leader: false, actions: [] });
      expect((await first).leader).to.equal(true);
      expect(await rowCount(db)).to.equal(1);
      // Released after the tick: the other one leads next time.
      expect((await b.tick(clock.now)).leader).to.equal(true);
    });

    it("picks the local lock for PGlite", async function () {
      const lock = createLeaderLock(db, "postgres://ignored");
      const inner = await lock.runIfLeader(
        async () => (await createLocalLeaderLock(db).runIfLeader(async () => 1)).leader,
      );
      expect(inner).to.deep.equal({ leader: true, value: false });
    });

    it("loops on the chain clock and reports ticks until stopped", async function () {
      const clock = { now: GENESIS + 10n * 86_400n };
      const seen: bigint[] = [];
      const loop = startSchedulerLoop(schedulerOn(db, createLocalLeaderLock(db), fakeChain(clock)), fakeChain(clock), {
        intervalMs: 5,
        onTick: (now) => {
          seen.push(now);
          clock.now += 86_400n;
        },
      });
      while (seen.length < 3) await new Promise((r) => setTimeout(r, 5));
      await loop.stop();
      expect(seen.slice(0, 3)).to.deep.equal([0n, 1n, 2n].map((k) => GENESIS + (10n + k) * 86_400n));
      expect(await rowCount(db)).to.be.greaterThanOrEqual(3);
    });
  });

  // Needs a server: FOURMICA_TEST_DATABASE_URL (as the other suites' BACKENDS).
  if (URL)
    describe("on PostgreSQL (pg_try_advisory_lock on a dedicated session)", function () {
      let db: Database;
      const locks: LeaderLock[] = [];
      beforeEach(async function () {
        db = await openMigrated(async () => openPgDatabase({ connectionString: URL! }));
      });
      afterEach(async function () {
        for (const l of locks.splice(0)) await l.close();
        await db.close();
      });
      const lock = () => {
        const l = createPgLeaderLock(URL!);
        locks.push(l);
        return l;
      };

      it("refuses a second replica while the first holds the lock, and hands it over after", async function () {
        const a = lock();
        const b = lock();
        let release!: () => void;
        const held = new Promise<void>((r) => (release = r));
        const first = a.runIfLeader(() => held.then(() => "a"));
        await new Promise((r) => setTimeout(r, 50));
        expect(await b.runIfLeader(async () => "b")).to.deep.equal({ leader: false });
        release();
        expect(await first).to.deep.equal({ leader: true, value: "a" });
        expect(await b.runIfLeader(async () => "b")).to.deep.equal({ leader: true, value: "b" });
      });

      it("frees the lock when the leader's session dies", async function () {
        const a = lock();
        const b = lock();
        let release!: () => void;
        const held = new Promise<void>((r) => (release = r));
        const first = a.runIfLeader(() => held);
        await new Promise((r) => setTimeout(r, 50));
        await a.close();
        expect(await b.runIfLeader(async () => "b")).to.deep.equal({ leader: true, value: "b" });
        release();
        await first.catch(() => undefined);
      });

      it("lets exactly one of two schedulers on one database tick", async function () {
        let open!: () => void;
        const gate = new Promise<void>((r) => (open = r));
        const clock = { now: GENESIS + 10n * 86_400n };
        const a = schedulerOn(db, lock(), fakeChain(clock, gate));
        const b = schedulerOn(db, lock(), fakeChain(clock, gate));
        const first = a.tick(clock.now);
        await new Promise((r) => setTimeout(r, 50));
        const second = await b.tick(clock.now);
        open();
        expect(second.leader).to.equal(false);
        expect((await first).leader).to.equal(true);
        expect(await rowCount(db)).to.equal(1);
      });
    });
});
