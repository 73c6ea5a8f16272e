import { expect } from "chai";
import { encodeErrorResult, keccak256, toHex, type Address, type Hex } from "viem";

import { clearingHouseAbi } from "../../offchain/src/core/adapters/chain/clearingHouseAbi.ts";

import { insertCycle } from "../../offchain/src/core/adapters/db/cycleRepository.ts";
import type { Database } from "../../offchain/src/core/adapters/db/database.ts";
import {
  insertSettlement,
  listSettlements,
  getClaimsTx,
} from "../../offchain/src/core/adapters/db/settlementRepository.ts";
import type {
  ClearingHouseGateway,
  ClearingHouseWrite,
  SentTransaction,
} from "../../offchain/src/core/services/scheduler/clearingHouseGateway.ts";
import {
  claimCredits,
  REFUSED_ON_CHAIN,
  RESOLVED_ON_CHAIN,
  settleFromCollateral,
  type SettlementContext,
} from "../../offchain/src/core/services/scheduler/collateralSettlement.ts";
import { BACKENDS, resetDatabase } from "./fixtures.ts";

const CYCLE = 4n;
const ASSET: Address = "0x00000000000000000000000000000000000000a5";
const addr = (n: number) => `0x${n.toString(16).padStart(40, "0")}` as Address;

class SimulatedCrash extends Error {}

/**
 * A ClearingHouse as the settlement steps see it: per participant paid/defaulted/claimed, per debtor its vault
 * collateral; a settlement batch reverts whole on an already resolved debtor (as the contract does) and skips a
 * debtor whose collateral is short; `mode` makes `send` crash before or after the broadcast, or leave the
 * transaction in the pool.
 */
function fakeChain() {
  const paid = new Set<Address>();
  const defaulted = new Set<Address>();
  const claimed = new Set<Address>();
  const collateral = new Map<Address, bigint>();
  const receipts = new Map<Hex, SentTransaction>();
  const pool = new Set<Hex>();
  const sent: ClearingHouseWrite[] = [];
  let n = 0;
  let block = 100n;
  const state = {
    mode: "normal" as "normal" | "crashBeforeBroadcast" | "crashAfterBroadcast" | "stayInPool",
    /** Debtors whose signature the ClearingHouse refuses (the simulation reverts the whole batch). */
    badSignature: new Set<Address>(),
    paid,
    defaulted,
    claimed,
    collateral,
    sent,
    pool,
  };
  function apply(write: ClearingHouseWrite): "success" | "reverted" {
    if (write.functionName === "settleNetDebitsFromCollateral") {
      const items = write.args[2];
      if (items.some((i) => paid.has(i.debtor) || defaulted.has(i.debtor))) return "reverted";
      for (const i of items) {
        const c = collateral.get(i.debtor) ?? 0n;
        if (c >= i.amount) {
          collateral.set(i.debtor, c - i.amount);
          paid.add(i.debtor);
        }
      }
      return "success";
    }
    if (write.functionName === "claimNetCredits") {
      if (write.args[2].some((c) => claimed.has(c.creditor))) return "reverted";
      for (const c of write.args[2]) claimed.add(c.creditor);
      return "success";
    }
    throw new Error(`unexpected ${write.functionName}`);
  }
  const unused = () => {
    throw new Error("not used by the settlement steps");
  };
  const chain: ClearingHouseGateway = {
    latestTimestamp: unused,
    scheduleSegments: unused,
    getCycle: unused,
    consumed: unused,
    sender: unused,
    requestDomainSeparator: unused,
    signedRequestCursor: unused,
    async getParticipant(_c, _a, p) {
      return { paid: paid.has(p), defaulted: defaulted.has(p), claimed: claimed.has(p) };
    },
    async send(write, beforeBroadcast) {
      if (write.functionName === "settleNetDebitsFromCollateral") {
        const bad = write.args[2].find((i) => state.badSignature.has(i.debtor));
        if (bad) {
          // As viem surfaces a reverted eth_call: the revert data on a cause.
          const data = encodeErrorResult({
            abi: clearingHouseAbi,
            errorName: "ClearingHouseInvalidSettlementSignature",
            args: [write.args[0], write.args[1], bad.debtor, bad.amount],
          });
          throw Object.assign(new Error("execution reverted"), { cause: { message: "reverted", data } });
        }
      }
      const hash = keccak256(toHex(`tx ${n++}`));
      await beforeBroadcast?.(hash);
      if (state.mode === "crashBeforeBroadcast") throw new SimulatedCrash("before broadcast");
      sent.push(write);
      if (state.mode === "stayInPool") {
        pool.add(hash);
        throw new SimulatedCrash("receipt wait timed out");
      }
      const r: SentTransaction = { hash, blockNumber: block++, status: apply(write) };
      receipts.set(hash, r);
      if (state.mode === "crashAfterBroadcast") throw new SimulatedCrash("after broadcast");
      return r;
    },
    async receipt(hash) {
      return receipts.get(hash);
    },
    async pending(hash) {
      return pool.has(hash);
    },
  };
  /** Mines what sat in the pool. */
  const mine = () => {
    for (const h of pool) {
      const write = sent[sent.length - 1]!;
      receipts.set(h, { hash: h, blockNumber: block++, status: apply(write) });
    }
    pool.clear();
  };
  return { chain, state, mine };
}

for (const backend of BACKENDS) {
  describe(`Settlement steps across crashes and restarts (${backend.name})`, function () {
    let db: Database;
    let f: ReturnType<typeof fakeChain>;
    let ctx: SettlementContext;
    let multiProofsAsked: Address[][];
    const statuses = async () =>
      Object.fromEntries((await listSettlements(db, CYCLE, ASSET)).map((s) => [Number(BigInt(s.debtor)), s.status]));
    const settleSends = () => f.state.sent.filter((w) => w.functionName === "settleNetDebitsFromCollateral");

    before(async function () {
      db = await backend.open();
    });
    after(async function () {
      await db.close();
    });
    beforeEach(async function () {
      await resetDatabase(db);
      await insertCycle(db, CYCLE, ASSET, {
        start: 0n,
        end: 1n,
        resolutionCutoff: 2n,
        commitDeadline: 3n,
        paymentDeadline: 10_000n,
        finalityDeadline: 20_000n,
      });
      f = fakeChain();
      multiProofsAsked = [];
      ctx = {
        db,
        chain: f.chain,
        proofOf: async () => (p: Address) => [keccak256(p)],
        // A stand-in multiproof: the debtors as asked (each batch is planned ascending), one hash per debtor.
        multiProofOf: async () => (debtors: readonly Address[]) => {
          multiProofsAsked.push([...debtors]);
          return {
            participants: [...debtors],
            proof: debtors.map((d) => keccak256(d)),
            proofFlags: debtors.map(() => false),
          };
        },
        batchSize: 2,
        log: () => {},
      };
      for (const n of [5, 1, 3, 4]) {
        await insertSettlement(db, { cycleId: CYCLE, asset: ASSET, debtor: addr(n), amount: 100n, signature: "0x01" });
        f.state.collateral.set(addr(n), 100n);
      }
    });

    it("sends the pending ones ascending in chunks, records SETTLED and SKIPPED, and sends nothing more", async function () {
      f.state.collateral.set(addr(4), 99n); // withdrawn meanwhile
      await settleFromCollateral(ctx, CYCLE, ASSET, true);
      expect(settleSends().map((w) => w.args[2].map((i) => Number(BigInt(i.debtor))))).to.deep.equal([
        [1, 3],
        [4, 5],
      ]);
      expect(await statuses()).to.deep.equal({ 1: "SETTLED", 3: "SETTLED", 4: "SKIPPED", 5: "SETTLED" });
      await settleFromCollateral(ctx, CYCLE, ASSET, true);
      expect(settleSends()).to.have.length(2);
    });

    it("leaves out and SKIPs a debtor the chain already resolved (it would revert the batch)", async function () {
      f.state.paid.add(addr(3));
      f.state.defaulted.add(addr(5));
      await settleFromCollateral(ctx, CYCLE, ASSET, true);
      expect(settleSends().flatMap((w) => w.args[2].map((i) => Number(BigInt(i.debtor))))).to.deep.equal([1, 4]);
      expect(await statuses()).to.deep.equal({ 1: "SETTLED", 3: "SKIPPED", 4: "SETTLED", 5: "SKIPPED" });
      const three = (await listSettlements(db, CYCLE, ASSET)).find((s) => s.debtor === addr(3))!;
      expect(three.settledBy).to.equal(RESOLVED_ON_CHAIN);
    });

    it("a debtor the ClearingHouse refuses in simulation is SKIPPED and the batch goes without it", async function () {
      f.state.badSignature.add(addr(3));
      await settleFromCollateral(ctx, CYCLE, ASSET, true);
      expect(settleSends().map((w) => w.args[2].map((i) => Number(BigInt(i.debtor))))).to.deep.equal([[1], [4, 5]]);
      expect(await statuses()).to.deep.equal({ 1: "SETTLED", 3: "SKIPPED", 4: "SETTLED", 5: "SETTLED" });
      const three = (await listSettlements(db, CYCLE, ASSET)).find((s) => s.debtor === addr(3))!;
      expect(three.settledBy).to.equal(REFUSED_ON_CHAIN);
      // The multiproof was rebuilt for the batch without the refused debtor, and sent with it.
      expect(multiProofsAsked.map((ds) => ds.map((d) => Number(BigInt(d))))).to.deep.equal([[1, 3], [1], [4, 5]]);
      expect(settleSends()[0]!.args[3]).to.deep.equal([keccak256(addr(1))]);
      expect(settleSends()[0]!.args[4]).to.deep.equal([false]);
    });

    it("sends each batch in its multiproof's order, with its proof and flags", async function () {
      ctx.multiProofOf = async () => (debtors: readonly Address[]) => {
        const participants = [...debtors].reverse();
        return { participants, proof: [keccak256(participants[0]!)], proofFlags: [true] };
      };
      await settleFromCollateral(ctx, CYCLE, ASSET, true);
      expect(settleSends().map((w) => w.args[2].map((i) => Number(BigInt(i.debtor))))).to.deep.equal([
        [3, 1],
        [5, 4],
      ]);
      expect(settleSends().map((w) => [w.args[3], w.args[4]])).to.deep.equal([
        [[keccak256(addr(3))], [true]],
        [[keccak256(addr(5))], [true]],
      ]);
      expect(await statuses()).to.deep.equal({ 1: "SETTLED", 3: "SETTLED", 4: "SETTLED", 5: "SETTLED" });
    });

    it("crash after SUBMITTED, before the broadcast: the restart finds no transaction and sends each debtor once", async function () {
      f.state.mode = "crashBeforeBroadcast";
      await settleFromCollateral(ctx, CYCLE, ASSET, true).catch((e: unknown) => {
        expect(e).to.be.instanceOf(SimulatedCrash);
      });
      expect(await statuses()).to.deep.equal({ 1: "SUBMITTED", 3: "SUBMITTED", 4: "PENDING", 5: "PENDING" });
      expect(settleSends()).to.have.length(0);
      f.state.mode = "normal";
      await settleFromCollateral(ctx, CYCLE, ASSET, true);
      expect(await statuses()).to.deep.equal({ 1: "SETTLED", 3: "SETTLED", 4: "SETTLED", 5: "SETTLED" });
      const sentDebtors = settleSends().flatMap((w) => w.args[2].map((i) => Number(BigInt(i.debtor))));
      expect(sentDebtors.sort()).to.deep.equal([1, 3, 4, 5]);
    });

    it("crash after the broadcast, before the receipt is recorded: the restart records it and sends nothing again", async function () {
      f.state.mode = "crashAfterBroadcast";
      await settleFromCollateral(ctx, CYCLE, ASSET, true).catch(() => undefined);
      expect(settleSends()).to.have.length(1);
      f.state.mode = "normal";
      await settleFromCollateral(ctx, CYCLE, ASSET, true);
      expect(await statuses()).to.deep.equal({ 1: "SETTLED", 3: "SETTLED", 4: "SETTLED", 5: "SETTLED" });
      expect(settleSends()).to.have.length(2); // the crashed batch [1, 3] and then [4, 5], never [1, 3] again
      expect(settleSends()[1]!.args[2].map((i) => Number(BigInt(i.debtor)))).to.deep.equal([4, 5]);
    });

    it("a batch still in the node's pool: the step waits and sends nothing; mined later, it is recorded", async function () {
      f.state.mode = "stayInPool";
      await settleFromCollateral(ctx, CYCLE, ASSET, true).catch(() => undefined);
      f.state.mode = "normal";
      await settleFromCollateral(ctx, CYCLE, ASSET, true);
      expect(settleSends()).to.have.length(1);
      expect(await statuses()).to.deep.equal({ 1: "SUBMITTED", 3: "SUBMITTED", 4: "PENDING", 5: "PENDING" });
      f.mine();
      await settleFromCollateral(ctx, CYCLE, ASSET, true);
      expect(await statuses()).to.deep.equal({ 1: "SETTLED", 3: "SETTLED", 4: "SETTLED", 5: "SETTLED" });
      expect(settleSends()).to.have.length(2);
    });

    it("a reverted batch puts its debtors back to PENDING; without `send` (past the margin) they stay there", async function () {
      f.state.mode = "crashAfterBroadcast";
      f.state.paid.add(addr(1)); // resolved between the check and the mining: the batch reverts
      const getParticipant = f.chain.getParticipant;
      f.chain.getParticipant = async () => ({ paid: false, defaulted: false, claimed: false });
      await settleFromCollateral(ctx, CYCLE, ASSET, true).catch(() => undefined);
      f.chain.getParticipant = getParticipant;
      f.state.mode = "normal";
      await settleFromCollateral(ctx, CYCLE, ASSET, false);
      expect(await statuses()).to.deep.equal({ 1: "PENDING", 3: "PENDING", 4: "PENDING", 5: "PENDING" });
      expect(settleSends()).to.have.length(1);
    });

    describe("claimCredits", function () {
      beforeEach(async function () {
        for (const [n, status] of [
          [7, "CLAIMABLE"],
          [6, "CLAIMABLE"],
          [8, "CLAIMED"],
          [9, "CLAIMABLE"],
        ] as const) {
          await db.query(
            `INSERT INTO positions (cycle_id, asset, participant, role, gross_out, gross_in, amount, status)
             VALUES ($1, $2, $3, 'NET_CREDITOR', 0, 0, 10, $4)`,
            [CYCLE.toString(), ASSET, addr(n), status],
          );
        }
        await db.query(
          `INSERT INTO batches (cycle_id, asset, merkle_root, total_net_debit, total_net_credit, tree, batch_hash,
             guarantee_count, debtor_count, creditor_count, netted_at)
           VALUES ($1, $2, $3, 0, 0, '{}', $3, 0, 0, 0, 0)`,
          [CYCLE.toString(), ASSET, `0x${"11".repeat(32)}`],
        );
      });
      const claimSends = () => f.state.sent.filter((w) => w.functionName === "claimNetCredits");

      it("pays every CLAIMABLE creditor not claimed on-chain in one ascending batch, once", async function () {
        f.state.claimed.add(addr(9));
        await claimCredits(ctx, CYCLE, ASSET);
        expect(claimSends().map((w) => w.args[2].map((c) => Number(BigInt(c.creditor))))).to.deep.equal([[6, 7]]);
        expect(await getClaimsTx(db, CYCLE, ASSET)).to.match(/^0x[0-9a-f]{64}$/);
        await claimCredits(ctx, CYCLE, ASSET);
        expect(claimSends()).to.have.length(1);
      });

      it("crash before the broadcast: the recorded hash has no receipt, so the restart sends the batch", async function () {
        f.state.mode = "crashBeforeBroadcast";
        await claimCredits(ctx, CYCLE, ASSET).catch(() => undefined);
        const recorded = await getClaimsTx(db, CYCLE, ASSET);
        expect(recorded).to.match(/^0x[0-9a-f]{64}$/);
        f.state.mode = "normal";
        await claimCredits(ctx, CYCLE, ASSET);
        expect(claimSends()).to.have.length(1);
        expect(await getClaimsTx(db, CYCLE, ASSET)).to.not.equal(recorded);
      });

      it("in the pool: waits; after the broadcast crashed but mined: nothing again", async function () {
        f.state.mode = "stayInPool";
        await claimCredits(ctx, CYCLE, ASSET).catch(() => undefined);
        f.state.mode = "normal";
        await claimCredits(ctx, CYCLE, ASSET);
        expect(claimSends()).to.have.length(1);
        f.mine();
        await claimCredits(ctx, CYCLE, ASSET);
        expect(claimSends()).to.have.length(1);
      });
    });
  });
}
