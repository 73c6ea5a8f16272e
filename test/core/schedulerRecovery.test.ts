import { expect } from "chai";
import type { Address, Hex } from "viem";

import { getCycleRecord, listPositions } from "../../offchain/src/core/adapters/db/cycleRepository.ts";
import type { Database } from "../../offchain/src/core/adapters/db/database.ts";
import { hasCode } from "../../offchain/src/protocol/errors.ts";
import { deadlinesOf } from "../../offchain/src/protocol/cycles/cycleSchedule.ts";
import type { CycleDeadlines } from "../../offchain/src/protocol/cycles/cycleSchedule.ts";
import type { ClearingHouseGateway } from "../../offchain/src/core/services/scheduler/clearingHouseGateway.ts";
import { netCycle } from "../../offchain/src/core/services/scheduler/netCycle.ts";
import {
  cycleStatus,
  deployClearing,
  ETH,
  fundDb,
  newScheduler,
  openMigrated,
  SCHEDULER_BACKENDS,
  statusesOf,
  storeGuarantee,
} from "./schedulerFixtures.ts";

const M = 10n ** 15n;

class SimulatedCrash extends Error {}

for (const backend of SCHEDULER_BACKENDS) {
  describe(`Cycle scheduler recovery on ${backend.name}`, function () {
    let env: Awaited<ReturnType<typeof deployClearing>>;
    let db: Database;
    let cycleId: bigint;
    let d: CycleDeadlines;
    let payers: Address[];
    let recipients: Address[];
    let ids: Hex[];

    async function at(t: bigint): Promise<bigint> {
      await env.networkHelpers.time.increaseTo(t);
      return env.gateway.latestTimestamp();
    }
    const scheduler = (hooks = {}, chain: ClearingHouseGateway = env.gateway) =>
      newScheduler(db, chain, env.chainId, env.clearingHouse.address, { hooks });

    async function commitEvents(): Promise<number> {
      const logs = await env.publicClient.getContractEvents({
        address: env.clearingHouse.address,
        abi: [
          {
            type: "event",
            name: "CycleCommitted",
            inputs: [
              { name: "cycleId", type: "uint256", indexed: true },
              { name: "asset", type: "address", indexed: true },
              { name: "root", type: "bytes32", indexed: false },
              { name: "totalNet", type: "uint256", indexed: false },
              { name: "debtorCount", type: "uint32", indexed: false },
              { name: "creditorCount", type: "uint32", indexed: false },
              { name: "batchHash", type: "bytes32", indexed: false },
              { name: "v2GuaranteeCount", type: "uint256", indexed: false },
            ],
          },
        ],
        eventName: "CycleCommitted",
        fromBlock: 0n,
      });
      return logs.length;
    }

    beforeEach(async function () {
      env = await deployClearing();
      db = await openMigrated(backend.open);
      const now = await env.gateway.latestTimestamp();
      cycleId = (now - env.genesis) / 86_400n;
      d = deadlinesOf(await env.gateway.scheduleSegments(), cycleId);
      const w = env.wallets.map((x) => x.account.address.toLowerCase() as Address);
      payers = w.slice(0, 2);
      recipients = w.slice(2, 4);
      for (const p of payers) await fundDb(db, p, 1_000n * M);
      ids = [
        await storeGuarantee(db, {
          user: payers[0]!,
          recipient: recipients[0]!,
          amount: 100n * M,
          cycleId,
          timestamp: now,
        }),
        await storeGuarantee(db, {
          user: payers[1]!,
          recipient: recipients[1]!,
          amount: 40n * M,
          cycleId,
          timestamp: now,
        }),
        await storeGuarantee(db, {
          user: payers[1]!,
          recipient: recipients[0]!,
          amount: 5n * M,
          cycleId,
          timestamp: now,
          version: 2,
          status: "FINALIZED_PAYABLE",
        }),
      ];
      await scheduler().tick(now);
      await scheduler().tick(await at(d.end));
    });
    afterEach(async function () {
      await db.close();
    });

    describe("commit interrupted", function () {
      it("after the intent is persisted, before signing: a new instance sends the commit once", async function () {
        const crashing = scheduler({
          afterCommitIntent: () => {
            throw new SimulatedCrash("crash after intent");
          },
        });
        const now = await at(d.resolutionCutoff);
        const err = await crashing.tick(now).catch((e: unknown) => e);
        expect(hasCode(err, "SCHEDULER_TICK_FAILED")).to.equal(true);
        expect((err as Error).cause).to.be.instanceOf(SimulatedCrash);
        expect(await cycleStatus(db, cycleId)).to.equal("COMMITTING");
        expect((await getCycleRecord(db, cycleId, ETH))!.batch!.commitTxHash).to.equal(undefined);
        expect((await env.gateway.getCycle(cycleId, ETH)).committed).to.equal(false);

        const resumed = await scheduler().tick(now);
        expect(resumed.actions.map((a) => a.kind)).to.deep.equal(["COMMIT"]);
        expect(await cycleStatus(db, cycleId)).to.equal("COMMITTED");
        const record = (await getCycleRecord(db, cycleId, ETH))!;
        const onchain = await env.gateway.getCycle(cycleId, ETH);
        expect(onchain.root).to.equal(record.batch!.root);
        expect(await commitEvents()).to.equal(1);
        expect((await env.gateway.receipt(record.batch!.commitTxHash!))!.status).to.equal("success");
      });

      it("after broadcast, before the receipt is recorded: a new instance confirms without re-sending", async function () {
        let sentHash: Hex | undefined;
        const crashing = scheduler({
          afterCommitBroadcast: (_c: bigint, _a: Address, hash: Hex) => {
            sentHash = hash;
            throw new SimulatedCrash("crash after broadcast");
          },
        });
        const now = await at(d.resolutionCutoff);
        await crashing.tick(now).catch(() => undefined);
        expect(await cycleStatus(db, cycleId)).to.equal("COMMITTING");
        expect((await getCycleRecord(db, cycleId, ETH))!.batch!.commitTxHash).to.equal(sentHash);
        expect((await env.gateway.getCycle(cycleId, ETH)).committed).to.equal(true);
        const nonce = await env.publicClient.getTransactionCount({ address: env.operator.address });

        const resumed = await scheduler().tick(now);
        expect(resumed.actions.map((a) => a.kind)).to.deep.equal(["CONFIRM_COMMIT"]);
        expect(await cycleStatus(db, cycleId)).to.equal("COMMITTED");
        expect(await env.publicClient.getTransactionCount({ address: env.operator.address })).to.equal(nonce);
        expect(await commitEvents()).to.equal(1);
      });

      it("after the signed hash is persisted but never broadcast: a new instance finds no receipt and sends", async function () {
        const lost: ClearingHouseGateway = {
          ...env.gateway,
          async send(write, beforeBroadcast) {
            await beforeBroadcast?.(`0x${"ab".repeat(32)}`);
            throw new SimulatedCrash(`crash before broadcasting ${write.functionName}`);
          },
        };
        const now = await at(d.resolutionCutoff);
        await scheduler({}, lost)
          .tick(now)
          .catch(() => undefined);
        expect((await getCycleRecord(db, cycleId, ETH))!.batch!.commitTxHash).to.equal(`0x${"ab".repeat(32)}`);

        await scheduler().tick(now);
        expect(await cycleStatus(db, cycleId)).to.equal("COMMITTED");
        const record = (await getCycleRecord(db, cycleId, ETH))!;
        expect(record.batch!.commitTxHash).to.not.equal(`0x${"ab".repeat(32)}`);
        expect((await env.gateway.receipt(record.batch!.commitTxHash!))!.status).to.equal("success");
        expect(await commitEvents()).to.equal(1);
      });
    });

    describe("netting", function () {
      it("never nets a guarantee twice: a second NET of the cycle changes nothing", async function () {
        const now = await at(d.resolutionCutoff);
        const input = { cycleId, asset: ETH, chainId: env.chainId, clearingHouse: env.clearingHouse.address, now };
        const first = await netCycle(db, input);
        expect(first.outcome).to.equal("NETTED");
        const second = await netCycle(db, input);
        expect(second.outcome).to.equal("SKIPPED");
        const { rows } = await db.query<{ n: string }>(
          "SELECT count(*)::text AS n FROM guarantee_transitions WHERE to_status = 'NETTED'",
        );
        expect(rows[0]!.n).to.equal("3");
        expect((await listPositions(db, cycleId, ETH)).length).to.equal(4);
      });

      it("leaves out a V2 already redeemed on-chain, so the commit does not revert", async function () {
        await env.vault.write.redeem([ids[2]!]);
        await scheduler().tick(await at(d.resolutionCutoff));
        expect(await cycleStatus(db, cycleId)).to.equal("COMMITTED");
        const record = (await getCycleRecord(db, cycleId, ETH))!;
        expect(record.batch!.guaranteeCount).to.equal(2);
        expect(record.batch!.v2GuaranteeIds).to.deep.equal([]);
        expect(await statusesOf(db, ids)).to.deep.equal(["NETTED", "NETTED", "FINALIZED_PAYABLE"]);
      });
    });

    describe("missed commit deadline", function () {
      it("un-nets a batch that was never committed; V1 stay for the fallback route, V2 roll into the next cycle", async function () {
        const crashing = scheduler({
          afterCommitIntent: () => {
            throw new SimulatedCrash("operator down");
          },
        });
        await crashing.tick(await at(d.resolutionCutoff)).catch(() => undefined);
        expect(await statusesOf(db, ids)).to.deep.equal(["NETTED", "NETTED", "NETTED"]);

        const late = await scheduler().tick(await at(d.commitDeadline + 1n));
        expect(late.actions.filter((a) => a.cycleId === cycleId)).to.deep.equal([
          { kind: "MISS", cycleId, asset: ETH, netted: true },
        ]);
        expect(await cycleStatus(db, cycleId)).to.equal("MISSED");
        expect(await statusesOf(db, ids)).to.deep.equal([
          "FINALIZED_PAYABLE",
          "FINALIZED_PAYABLE",
          "FINALIZED_PAYABLE",
        ]);
        expect(await listPositions(db, cycleId, ETH)).to.deep.equal([]);
        expect(await env.clearingHouse.read.v1FallbackOpensAt([cycleId, ETH])).to.equal(d.finalityDeadline);
        const { rows } = await db.query<{ lock_held: boolean }>(
          "SELECT lock_held FROM guarantees WHERE guarantee_id = $1",
          [ids[0]!],
        );
        expect(rows[0]!.lock_held).to.equal(true);

        // The next cycle nets its own V1 and the rolled-over V2, never the missed cycle's V1.
        const next = cycleId + 1n;
        const dn = deadlinesOf(await env.gateway.scheduleSegments(), next);
        const own = await storeGuarantee(db, {
          user: payers[0]!,
          recipient: recipients[1]!,
          amount: 9n * M,
          cycleId: next,
          timestamp: dn.start,
        });
        await scheduler().tick(await at(dn.resolutionCutoff));
        expect(await cycleStatus(db, next)).to.equal("COMMITTED");
        expect(await statusesOf(db, [...ids, own])).to.deep.equal([
          "FINALIZED_PAYABLE",
          "FINALIZED_PAYABLE",
          "NETTED",
          "NETTED",
        ]);
        expect((await getCycleRecord(db, next, ETH))!.batch!.v2GuaranteeIds).to.deep.equal([ids[2]]);
      });

      it("a closed cycle first seen after its deadline is MISSED if it holds V1, EMPTY otherwise", async function () {
        await scheduler().tick(await at(d.commitDeadline + 1n));
        expect(await cycleStatus(db, cycleId)).to.equal("MISSED");
        expect(await statusesOf(db, ids)).to.deep.equal([
          "FINALIZED_PAYABLE",
          "FINALIZED_PAYABLE",
          "FINALIZED_PAYABLE",
        ]);
        // The next cycle has no guarantee of its own but the V2 rolls into it; the one after, first seen after
        // its deadline with nothing in it, is EMPTY.
        const segments = await env.gateway.scheduleSegments();
        await scheduler().tick(await at(deadlinesOf(segments, cycleId + 1n).resolutionCutoff));
        expect(await cycleStatus(db, cycleId + 1n)).to.equal("COMMITTED");
        expect((await getCycleRecord(db, cycleId + 1n, ETH))!.batch!.v2GuaranteeIds).to.deep.equal([ids[2]]);
        await scheduler().tick(await at(deadlinesOf(segments, cycleId + 2n).commitDeadline + 1n));
        expect(await cycleStatus(db, cycleId + 2n)).to.equal("EMPTY");
      });
    });
  });
}
