/**
 * The slow part of the adversarial harness (npm run test:adversarial only): real Core processes on one PostgreSQL,
 * following a real JSON-RPC chain (anvil). (1) The over-lock race across two Core processes, collateral deposited
 * on-chain and learnt by chain sync, a top-up landing mid-race. (2) A kill-and-restart loop: Core killed with
 * SIGKILL at random moments while clients issue and deposits land, then an accounting check against the chain.
 */
import type { ChildProcess } from "node:child_process";

import { expect } from "chai";
import { zeroAddress, type Address, type Hex } from "viem";
import type { PrivateKeyAccount } from "viem/accounts";

import type { Database } from "../../offchain/src/core/adapters/db/database.ts";
import { openPgDatabase } from "../../offchain/src/core/adapters/db/pgDatabase.ts";
import { otherPayer, payer, resetDatabase, v1Request } from "../core/fixtures.ts";
import { signedBodyFor } from "../core/syncFixtures.ts";
import { prng, runSeed } from "./harness.ts";
import { books, coreEnv, exited, killAll, post, spawnCore, startChain, until, type Chain } from "./processes.ts";

const DB_URL = process.env.FOURMICA_TEST_DATABASE_URL;
/** This harness's loopback ports (19800-19899). */
const PORTS = { anvil: 19801, coreA: 19811, coreB: 19812, crash: 19813 };
/** Bounds of the kill-and-restart loop: rounds, and wall time. */
const KILL_ROUNDS = Number(process.env.FOURMICA_KILL_ROUNDS ?? 6);
const KILL_LOOP_MS = 180_000;
const ANSWERS_PER_LIFE = 20;

const now = () => BigInt(Math.floor(Date.now() / 1000));

describe("Adversarial (slow): Core processes on one PostgreSQL against a real chain", function () {
  this.timeout(600_000);
  let chain: Chain;
  let db: Database;

  before(async function () {
    // Minutes of wall time: only in `npm run test:adversarial` (which sets this), not in `npm test`.
    if (process.env.FOURMICA_ADVERSARIAL_SLOW !== "1") this.skip();
    // Needs a PostgreSQL server shared by several Core processes; CI sets FOURMICA_TEST_DATABASE_URL (.ci/run).
    if (!DB_URL) this.skip();
    chain = await startChain(PORTS.anvil);
    db = openPgDatabase({ connectionString: DB_URL! });
  });
  after(async function () {
    killAll();
    await chain?.stop();
    await db?.close();
  });

  async function signed(who: PrivateKeyAccount, amount: bigint, reqId?: bigint) {
    return signedBodyFor(
      v1Request({
        user: who.address.toLowerCase() as Address,
        asset: zeroAddress,
        amount,
        timestamp: now(),
        ...(reqId === undefined ? {} : { reqId }),
      }),
      chain.stack.core4Mica,
      who,
    );
  }

  async function synced(who: Address, expected: bigint) {
    await until(`Core to see ${expected} deposited by ${who}`, async () =>
      (await books(db, who)).deposited === expected ? true : undefined,
    );
  }

  describe("the over-lock race across two Core processes", function () {
    const replicas: { child: ChildProcess; url: string }[] = [];
    after(async function () {
      for (const r of replicas) r.child.kill("SIGTERM");
      await Promise.all(replicas.map((r) => exited(r.child).catch(() => undefined)));
    });

    it("never locks more than the chain-synced collateral, and all of it when requests allow", async function () {
      await resetDatabase(db);
      const who = payer.address.toLowerCase() as Address;
      const base = await chain.collateralOf(who);
      await chain.depositFor(who, 10_000n);
      for (const port of [PORTS.coreA, PORTS.coreB]) replicas.push(await spawnCore(coreEnv(chain, DB_URL!, port)));
      await synced(who, base + 10_000n);

      // Round 1: 60 requests of 500 (3x the collateral), alternating replicas, all at once.
      const bodies = await Promise.all(Array.from({ length: 60 }, () => signed(payer, 500n)));
      const answers = await Promise.all(bodies.map((b, i) => post(replicas[i % 2]!.url, b)));
      const other = answers.filter((a) => a.status !== 201 && a.status !== 409);
      expect(other, JSON.stringify(other.slice(0, 2))).to.deep.equal([]);
      for (const a of answers.filter((x) => x.status === 409))
        expect(a.body.error.code).to.equal("INSUFFICIENT_COLLATERAL");
      const certified = answers.filter((a) => a.status === 201).length;
      expect(BigInt(certified) * 500n).to.equal(base + 10_000n);
      let b = await books(db, who);
      expect(b).to.deep.equal({ deposited: base + 10_000n, locked: base + 10_000n, open: base + 10_000n });
      expect(await chain.collateralOf(who)).to.equal(b.deposited);

      // Round 2: a 5,000 top-up lands on-chain while 60 more requests of 500 race across both replicas.
      const more = await Promise.all(Array.from({ length: 60 }, () => signed(payer, 500n)));
      const racing = (async () => {
        const out: { status: number; body: any }[] = [];
        for (let i = 0; i < more.length; i += 6) {
          out.push(...(await Promise.all(more.slice(i, i + 6).map((m, j) => post(replicas[(i + j) % 2]!.url, m)))));
          b = await books(db, who);
          expect(b.locked <= b.deposited, `locked ${b.locked} > deposited ${b.deposited}`).to.equal(true);
          await new Promise((r) => setTimeout(r, 40));
        }
        return out;
      })();
      await chain.depositFor(who, 5_000n);
      const second = await racing;
      await synced(who, base + 15_000n);
      expect(second.filter((a) => a.status !== 201 && a.status !== 409)).to.deep.equal([]);
      const total = BigInt(certified + second.filter((a) => a.status === 201).length) * 500n;
      b = await books(db, who);
      expect(b.locked).to.equal(total);
      expect(b.open).to.equal(total);
      expect(total <= (await chain.collateralOf(who))).to.equal(true);
      expect(b.deposited).to.equal(await chain.collateralOf(who));
      console.log(
        `      [adversarial] over-lock race: ${bodies.length + more.length} requests over 2 processes, ` +
          `${total} of ${b.deposited} locked, ${second.filter((a) => a.status === 201).length} certified after the top-up`,
      );
    });
  });

  describe("the kill-and-restart loop under load", function () {
    it("keeps every certificate a client received; locks equal open guarantees; deposits match the chain", async function () {
      const seed = runSeed("kill-and-restart loop");
      // One stream per actor, so that the kill schedule replays exactly from the seed (the interleaving of the
      // clients' requests with it is the scheduler's, not the seed's).
      const random = prng(seed);
      const clientRandom = prng(seed + 1);
      const depositRandom = prng(seed + 2);
      await resetDatabase(db);
      const payers = [payer, otherPayer];
      for (const p of payers) await chain.depositFor(p.address, 2_000_000n);

      const env = coreEnv(chain, DB_URL!, PORTS.crash);
      const received = new Map<Hex, { claims: Hex; signature: Hex; amount: bigint; user: Address }>();
      let core = await spawnCore(env);
      // The first start syncs the deposits before any kill, so that the loop issues against real collateral.
      for (const p of payers) await synced(p.address.toLowerCase() as Address, await chain.collateralOf(p.address));
      let stopping = false;
      // Between a kill and the restart's first listen, clients wait instead of counting refused connections.
      let up = true;
      let sent = 0;
      let refused = 0;
      let certifiedBeforeKill = 0;
      let answered = 0;
      let dropped = 0;
      const started = Date.now();

      // Clients: 8 workers issuing without pause, each request a fresh signed guarantee of 1..3000 wei.
      const worker = async () => {
        while (!stopping) {
          if (!up) {
            await new Promise((r) => setTimeout(r, 50));
            continue;
          }
          const who = payers[Math.floor(clientRandom() * payers.length)]!;
          const amount = BigInt(1 + Math.floor(clientRandom() * 3_000));
          const body = await signed(who, amount);
          sent++;
          try {
            const r = await post(core.url, body);
            answered++;
            if (r.status === 201 || r.status === 200) {
              received.set(r.body.guaranteeId, {
                claims: r.body.claims,
                signature: r.body.signature,
                amount,
                user: who.address.toLowerCase() as Address,
              });
            } else {
              expect(r.status, JSON.stringify(r.body)).to.be.oneOf([409, 503]);
              refused++;
            }
          } catch {
            // The connection died with the process: the client never got a certificate for this one.
            dropped++;
          }
        }
      };
      const workers = Array.from({ length: 8 }, worker);

      // Deposits land on-chain throughout, so that chain sync is killed mid-way too.
      let deposited = 0n;
      const depositor = (async () => {
        while (!stopping) {
          const amount = BigInt(1 + Math.floor(depositRandom() * 50_000));
          await chain.depositFor(payers[Math.floor(depositRandom() * 2)]!.address, amount);
          deposited += amount;
          await new Promise((r) => setTimeout(r, 150 + depositRandom() * 300));
        }
      })();

      let rounds = 0;
      while (rounds < KILL_ROUNDS && Date.now() - started < KILL_LOOP_MS) {
        // Each life answers at least ANSWERS_PER_LIFE requests (so that the load is real), then lives 0.3 to 2 s
        // more and is killed with requests in flight.
        const life = answered;
        await until(
          "answers from this Core",
          async () => (answered >= life + ANSWERS_PER_LIFE ? true : undefined),
          120_000,
        );
        await new Promise((r) => setTimeout(r, 300 + random() * 1_700));
        certifiedBeforeKill = received.size;
        core.child.kill("SIGKILL");
        up = false;
        expect((await exited(core.child)).signal).to.equal("SIGKILL");
        rounds++;
        core = await spawnCore(env);
        up = true;
      }
      stopping = true;
      await Promise.all([...workers, depositor]);
      expect(certifiedBeforeKill).to.be.greaterThan(0);

      // Caught up with the chain: what Core credits is what the vault holds, payer by payer.
      for (const p of payers) {
        const onchain = await chain.collateralOf(p.address);
        await until(`Core to sync ${p.address}`, async () =>
          (await books(db, p.address)).deposited === onchain ? true : undefined,
        );
      }
      core.child.kill("SIGTERM");
      await exited(core.child);

      for (const [id, cert] of received) {
        const { rows } = await db.query<{
          claims: string;
          bls_signature: string;
          amount: string;
          user_address: string;
        }>(
          "SELECT claims, bls_signature, amount::text AS amount, user_address FROM guarantees WHERE guarantee_id = $1",
          [id],
        );
        expect(rows, `certificate ${id} a client holds`).to.have.length(1);
        expect(rows[0]).to.deep.equal({
          claims: cert.claims,
          bls_signature: cert.signature,
          amount: cert.amount.toString(),
          user_address: cert.user,
        });
      }
      for (const p of payers) {
        const b = await books(db, p.address);
        expect(b.locked, `${p.address} locked vs open guarantees`).to.equal(b.open);
        expect(b.locked <= b.deposited, `${p.address} locked ${b.locked} > deposited ${b.deposited}`).to.equal(true);
        expect(b.deposited).to.equal(await chain.collateralOf(p.address));
      }
      const { rows } = await db.query<{ n: string }>("SELECT count(*)::text AS n FROM chain_events WHERE NOT removed");
      console.log(
        `      [adversarial] kill-and-restart: ${rounds} SIGKILLs in ${((Date.now() - started) / 1000).toFixed(1)} s, ` +
          `${sent} requests (${received.size} certified, ${refused} refused, ${dropped} cut by a kill), ` +
          `${deposited} wei deposited mid-loop, ${rows[0]!.n} chain events applied`,
      );
    });
  });
});
