import { expect } from "chai";
import Fastify, { type FastifyInstance } from "fastify";
import type { Address, Hex } from "viem";

import { getCycleRecord, listPositions } from "../../offchain/src/core/adapters/db/cycleRepository.ts";
import type { Database } from "../../offchain/src/core/adapters/db/database.ts";
import { batchHash, sortBatchEntries } from "../../offchain/src/protocol/netting/batchHash.ts";
import { buildNettingTree } from "../../offchain/src/protocol/netting/buildNettingTree.ts";
import { deadlinesOf, type ScheduleSegment } from "../../offchain/src/protocol/cycles/cycleSchedule.ts";
import { createCycleScheduler } from "../../offchain/src/core/services/scheduler/createCycleScheduler.ts";
import { cycleRoutes } from "../../offchain/src/core/adapters/http/cycleRoutes.ts";
import { sendError } from "../../offchain/src/core/adapters/http/errorBody.ts";
import {
  cycleStatus,
  deployClearing,
  ETH,
  fundDb,
  OPERATOR_KEY,
  newScheduler,
  openMigrated,
  payerSigning,
  SCHEDULER_BACKENDS,
  statusesOf,
  storeGuarantee,
} from "./schedulerFixtures.ts";

const M = 10n ** 15n; // milli-ETH

function cycleApp(db: Database, chainId: bigint, clearingHouse: Address, segments: ScheduleSegment[]): FastifyInstance {
  const app = Fastify();
  app.setErrorHandler((error, request, reply) => sendError(request, reply, error));
  cycleRoutes(app, { cycleDb: db, chainId, clearingHouse, schedule: async () => segments });
  return app;
}

async function get(app: FastifyInstance, url: string) {
  const res = await app.inject({ method: "GET", url });
  return { status: res.statusCode, body: res.json() };
}

for (const backend of SCHEDULER_BACKENDS) {
  describe(`Cycle scheduler on the Hardhat chain (ClearingHouse + Core4Mica), ${backend.name}`, function () {
    let env: Awaited<ReturnType<typeof deployClearing>>;
    let db: Database;

    beforeEach(async function () {
      env = await deployClearing("core4mica");
      db = await openMigrated(backend.open);
    });
    afterEach(async function () {
      await db.close();
    });

    async function at(t: bigint): Promise<bigint> {
      await env.networkHelpers.time.increaseTo(t);
      return env.gateway.latestTimestamp();
    }

    it("closes, nets, commits, marks the defaulter, finalizes; chain and DB agree", async function () {
      const [p1, p2, p3, r1, r2, r3] = env.wallets.map((w) => w.account.address.toLowerCase() as Address) as [
        Address,
        Address,
        Address,
        Address,
        Address,
        Address,
      ];
      const segments = await env.gateway.scheduleSegments();
      const now0 = await env.gateway.latestTimestamp();
      const cycleId = (now0 - env.genesis) / 86_400n;
      const d = deadlinesOf(segments, cycleId);
      const ts = now0;

      // Collateral: on-chain in the vault, and as chain sync would record it in the DB.
      for (const [who, amount] of [
        [p1, 2_000n * M],
        [p2, 2_000n * M],
        [p3, 1_000n * M],
      ] as const) {
        await env.deposit(who, amount);
        await fundDb(db, who, amount);
      }
      const scheduler = newScheduler(db, env.gateway, env.chainId, env.clearingHouse.address);

      const first = await scheduler.tick(now0);
      expect(first.actions.map((a) => a.kind)).to.deep.equal(["CREATE_CYCLE"]);
      expect(await cycleStatus(db, cycleId)).to.equal("OPEN");

      const ids: Hex[] = [];
      for (const [user, recipient, amount] of [
        [p1, r1, 500n],
        [p1, r2, 300n],
        [p2, r2, 400n],
        [p2, r3, 200n],
        [p3, r1, 100n],
        [p3, r3, 600n],
        [p2, p1, 250n],
      ] as const) {
        ids.push(
          await storeGuarantee(db, { user, recipient, amount: amount * M, cycleId, timestamp: ts }, payerSigning(env)),
        );
      }
      // One more V1 of p3 (payer-signed: the keeper proves p3's requests when it defaults), a V2 still pending
      // (left out), and a V1 of the next cycle (left for that cycle). A promoted V2 is netted against the
      // settlement mock in schedulerRecovery.test.ts: the real vault consumes only a V2 with its payer's signature
      // and registry result, which this placeholder store does not make.
      const p3Third = await storeGuarantee(
        db,
        { user: p3, recipient: r3, amount: 50n * M, cycleId, timestamp: ts },
        payerSigning(env),
      );
      const pending = await storeGuarantee(db, {
        user: p3,
        recipient: r3,
        amount: 10n * M,
        cycleId,
        timestamp: ts,
        version: 2,
      });
      const later = await storeGuarantee(db, {
        user: p1,
        recipient: r1,
        amount: 7n * M,
        cycleId: cycleId + 1n,
        timestamp: d.end,
      });

      expect((await scheduler.tick(await at(d.end))).actions.map((a) => a.kind)).to.deep.equal([
        "CREATE_CYCLE",
        "CLOSE",
      ]);
      expect(await cycleStatus(db, cycleId)).to.equal("CLOSED");

      const netTick = await scheduler.tick(await at(d.resolutionCutoff));
      expect(netTick.actions.filter((a) => a.cycleId === cycleId).map((a) => a.kind)).to.deep.equal(["NET", "COMMIT"]);
      expect(await cycleStatus(db, cycleId)).to.equal("COMMITTED");

      // The published batch: every netted guarantee, in id order, hashes to the committed batch hash.
      const record = (await getCycleRecord(db, cycleId, ETH))!;
      expect(record.batch!.guaranteeCount).to.equal(8);
      expect(record.batch!.v2GuaranteeIds).to.deep.equal([]);
      expect(await statusesOf(db, [...ids, p3Third, pending, later])).to.deep.equal([
        ...Array(8).fill("NETTED"),
        "PENDING_VALIDATION",
        "FINALIZED_PAYABLE",
      ]);
      const amounts = [500n, 300n, 400n, 200n, 100n, 600n, 250n, 50n].map((a) => a * M);
      const pairs = [
        [p1, r1],
        [p1, r2],
        [p2, r2],
        [p2, r3],
        [p3, r1],
        [p3, r3],
        [p2, p1],
        [p3, r3],
      ];
      const entries = sortBatchEntries(
        [...ids, p3Third].map((guaranteeId, i) => ({
          guaranteeId,
          user: pairs[i]![0]!,
          recipient: pairs[i]![1]!,
          amount: amounts[i]!,
        })),
      );
      const header = { chainId: env.chainId, clearingHouse: env.clearingHouse.address, cycleId, asset: ETH };
      expect(record.batch!.batchHash).to.equal(batchHash(header, entries));

      // Net positions: p1 -550, p2 -850, p3 -750; r1 +600, r2 +700, r3 +850 (milli-ETH). Sum zero.
      const expected = new Map<Address, bigint>([
        [p1, -550n * M],
        [p2, -850n * M],
        [p3, -750n * M],
        [r1, 600n * M],
        [r2, 700n * M],
        [r3, 850n * M],
      ]);
      const positions = await listPositions(db, cycleId, ETH);
      expect(positions).to.have.length(6);
      for (const p of positions) {
        const net = expected.get(p.participant)!;
        expect(p.role).to.equal(net < 0n ? "NET_DEBTOR" : "NET_CREDITOR");
        expect(p.amount).to.equal(net < 0n ? -net : net);
        expect(p.grossIn - p.grossOut).to.equal(net);
      }
      expect(record.batch!.totalNetDebit).to.equal(2_150n * M);
      expect(record.batch!.totalNetCredit).to.equal(2_150n * M);

      // On-chain: the committed root and totals are the DB's.
      const onchain = await env.gateway.getCycle(cycleId, ETH);
      expect(onchain.committed).to.equal(true);
      expect(onchain.root).to.equal(record.batch!.root);
      expect(onchain.totalNet).to.equal(2_150n * M);
      expect(onchain.debtorCount).to.equal(3);
      expect(record.batch!.commitTxHash).to.match(/^0x[0-9a-f]{64}$/);

      // p1 and p2 pay; p3 does not.
      const tree = buildNettingTree({
        ...header,
        positions: positions.map((p) => ({
          participant: p.participant,
          role: p.role === "NET_DEBTOR" ? 0 : 1,
          amount: p.amount,
        })),
      });
      expect(tree.root).to.equal(record.batch!.root);
      // The cycle API: the published batch, paged, recomputes to the committed batch hash; each debtor pays with
      // the call data its position endpoint returns.
      const app = cycleApp(db, env.chainId, env.clearingHouse.address, segments);
      const listed = await get(app, "/core/cycles");
      expect(listed.body.cycles.map((c: { cycleId: string; status: string }) => [c.cycleId, c.status])).to.deep.include(
        [cycleId.toString(), "COMMITTED"],
      );
      const one = await get(app, `/core/cycles/${cycleId}/${ETH}`);
      expect(one.body.batch).to.deep.include({
        root: onchain.root,
        totalNetDebit: (2_150n * M).toString(),
        guaranteeCount: 8,
      });
      const pages: { guaranteeId: Hex; user: Address; recipient: Address; amount: string }[] = [];
      let after: string | null = null;
      do {
        const page = await get(app, `/core/cycles/${cycleId}/${ETH}/batch?limit=3${after ? `&cursor=${after}` : ""}`);
        pages.push(...page.body.guarantees);
        after = page.body.next;
      } while (after !== null);
      expect(pages).to.have.length(8);
      expect(
        batchHash(
          header,
          pages.map((g) => ({ ...g, amount: BigInt(g.amount) })),
        ),
      ).to.equal(record.batch!.batchHash);

      for (const [i, who] of [p1, p2].entries()) {
        const pos = await get(app, `/core/cycles/${cycleId}/${ETH}/positions/${who}`);
        expect(pos.body).to.deep.include({ role: "NET_DEBTOR", amount: tree.position(who)!.amount.toString() });
        expect(pos.body.proof).to.deep.equal(tree.getProof(who));
        const { to, data, value } = pos.body.calls.payNetDebit;
        const hash = await env.wallets[i]!.sendTransaction({ to, data, value: BigInt(value) });
        expect((await env.publicClient.waitForTransactionReceipt({ hash })).status).to.equal("success");
      }
      expect(await env.clearingHouse.read.getParticipant([cycleId, ETH, p1])).to.deep.include({ paid: true });

      expect((await get(app, `/core/cycles/999999/${ETH}`)).body.error.code).to.equal("CYCLE_NOT_FOUND");
      expect((await get(app, `/core/cycles/${cycleId}/${ETH}/positions/${env.operator.address}`)).status).to.equal(404);
      expect((await get(app, `/core/cycles/${cycleId}/not-an-asset`)).status).to.equal(400);
      expect((await get(app, `/core/cycles/${cycleId + 1n}/${ETH}/batch`)).body.error.code).to.equal("BATCH_NOT_FOUND");

      // Nothing is due inside the payment window.
      expect(
        (await scheduler.tick(await at(d.paymentDeadline))).actions.filter((a) => a.cycleId === cycleId),
      ).to.deep.equal([]);

      // After the payment deadline the keeper marks p3; the vault covers its 750 from collateral.
      const defaults = await scheduler.tick(await at(d.paymentDeadline + 1n));
      expect(defaults.actions.filter((a) => a.cycleId === cycleId)).to.deep.equal([
        { kind: "MARK_DEFAULTED", cycleId, asset: ETH, debtors: [{ debtor: p3, amount: 750n * M }] },
      ]);
      expect(await env.clearingHouse.read.getParticipant([cycleId, ETH, p3])).to.deep.include({ defaulted: true });
      expect(await env.vault.read.collateral([p3, ETH])).to.equal(250n * M);
      const afterDefault = await env.gateway.getCycle(cycleId, ETH);
      expect(afterDefault.paidIn).to.equal(1_400n * M);
      expect(afterDefault.covered).to.equal(750n * M);
      expect(afterDefault.resolvedDebtors).to.equal(3);

      // Not final before the finality deadline; finalized after it.
      await scheduler.tick(await at(d.finalityDeadline));
      expect(await cycleStatus(db, cycleId)).to.equal("COMMITTED");
      const fin = await scheduler.tick(await at(d.finalityDeadline + 1n));
      expect(fin.actions.filter((a) => a.cycleId === cycleId).map((a) => a.kind)).to.deep.equal(["FINALIZE"]);
      expect(await cycleStatus(db, cycleId)).to.equal("FINALIZED");
      expect((await env.gateway.getCycle(cycleId, ETH)).finalized).to.equal(true);

      // Creditors claim in full (the cycle is funded): each receives exactly its DB position.
      for (const who of [r1, r2, r3]) {
        const before = await env.publicClient.getBalance({ address: who });
        const { to, data } = (await get(app, `/core/cycles/${cycleId}/${ETH}/positions/${who}`)).body.calls
          .claimNetCredit;
        await env.publicClient.waitForTransactionReceipt({ hash: await env.admin.sendTransaction({ to, data }) });
        const after = await env.publicClient.getBalance({ address: who });
        expect(after - before).to.equal(expected.get(who)!);
      }
      expect((await env.gateway.getCycle(cycleId, ETH)).claimedOut).to.equal(2_150n * M);

      // The next cycle goes on: its V1 is still payable, not netted here.
      expect(await statusesOf(db, [later])).to.deep.equal(["FINALIZED_PAYABLE"]);
    });
    it("is built from Core's config by createCycleScheduler and ticks on the chain clock", async function () {
      const cs = createCycleScheduler({
        db,
        databaseUrl: undefined,
        rpcUrl: "http://127.0.0.1:9", // never dialled: reads go through the given client, and nothing is sent
        chainId: env.chainId,
        clearingHouse: env.clearingHouse.address,
        operatorKey: OPERATOR_KEY,
        assets: [ETH],
        publicClient: env.publicClient,
      });
      const segments = await cs.schedule();
      expect(segments).to.have.length(1);
      expect(segments[0]!.startTime).to.equal(env.genesis);
      const ticks: bigint[] = [];
      cs.start({ intervalMs: 10, onTick: (now) => ticks.push(now) });
      while (ticks.length === 0) await new Promise((r) => setTimeout(r, 5));
      await cs.close();
      const now = await env.gateway.latestTimestamp();
      expect(ticks[0]).to.equal(now);
      expect(await cycleStatus(db, (now - env.genesis) / 86_400n)).to.equal("OPEN");
    });
  });
}
