import { expect } from "chai";
import { zeroAddress, type Hex } from "viem";

import type { Database } from "../../offchain/src/core/adapters/db/database.ts";
import type { Core } from "../../offchain/src/core/createCore.ts";
import { BACKENDS, payer, startCore, testConfig, v1Request } from "./fixtures.ts";
import { balanceOf, deployVaultFixture, resetSyncDatabase, signedBodyFor } from "./syncFixtures.ts";

const DAY = 86_400;

for (const backend of BACKENDS) {
  describe(`Chain sync on ${backend.name}`, function () {
    let db: Database;
    let f: Awaited<ReturnType<typeof deployVaultFixture>>;

    before(async function () {
      db = await backend.open();
    });
    after(async function () {
      await db.close();
    });
    beforeEach(async function () {
      await resetSyncDatabase(db);
      f = await deployVaultFixture();
    });

    async function withdrawals() {
      const { rows } = await db.query<{ amount: string; status: string }>(
        "SELECT amount, status FROM withdrawals ORDER BY id",
      );
      return rows.map((r) => `${r.amount}:${r.status}`);
    }

    describe("syncChain: deposits", function () {
      it("applies a deposit only once it has `confirmations` blocks on top", async function () {
        await f.depositEth(1_000n);
        await f.sync(db, 2n);
        expect((await balanceOf(db, payer.address)).deposited).to.equal(0n);
        await f.mine(1);
        await f.sync(db, 2n);
        expect((await balanceOf(db, payer.address)).deposited).to.equal(0n);
        await f.mine(1);
        const r = await f.sync(db, 2n);
        expect(r.applied).to.equal(1);
        expect((await balanceOf(db, payer.address)).deposited).to.equal(1_000n);
      });

      it("resumes from the cursor after a restart without counting anything twice", async function () {
        await f.depositEth(1_000n);
        expect((await f.sync(db)).applied).to.equal(1);
        await f.depositEth(500n);
        // A new follower on the same database (syncChain keeps no state between calls).
        const second = await f.sync(db);
        expect(second.applied).to.equal(1);
        expect(second.cursor).to.equal(await f.publicClient.getBlockNumber());
        expect((await f.sync(db)).applied).to.equal(0);
        expect((await balanceOf(db, payer.address)).deposited).to.equal(1_500n);
      });

      it("re-following a range already applied changes nothing (events are keyed by block hash and log index)", async function () {
        await f.depositEth(1_000n);
        await f.sync(db);
        await db.query("DELETE FROM chain_cursor");
        const replay = await f.sync(db);
        expect(replay.applied).to.equal(0);
        expect((await balanceOf(db, payer.address)).deposited).to.equal(1_000n);
      });

      it("follows in chunks, one transaction per chunk, up to the head", async function () {
        await f.depositEth(1n);
        await f.mine(5);
        await f.depositEth(2n);
        await f.mine(3);
        const r = await f.sync(db, 0n, { chunkSize: 2n });
        expect(r.applied).to.equal(2);
        expect(r.cursor).to.equal(await f.publicClient.getBlockNumber());
        expect((await balanceOf(db, payer.address)).deposited).to.equal(3n);
        const { rows } = await db.query<{ n: string }>("SELECT count(*)::text AS n FROM chain_blocks");
        expect(Number(rows[0]!.n)).to.be.greaterThan(3);
      });
    });

    describe("syncChain: withdrawals", function () {
      it("a request makes the amount unavailable, a new request replaces it, cancel frees it", async function () {
        await f.depositEth(1_000n);
        await f.vault.write.requestWithdrawal!([zeroAddress, 400n], { account: f.payerWallet.account });
        await f.sync(db);
        expect((await balanceOf(db, payer.address)).pending).to.equal(400n);
        await f.vault.write.requestWithdrawal!([zeroAddress, 250n], { account: f.payerWallet.account });
        await f.sync(db);
        expect((await balanceOf(db, payer.address)).pending).to.equal(250n);
        expect(await withdrawals()).to.deep.equal(["400:CANCELLED", "250:PENDING"]);
        await f.vault.write.cancelWithdrawal!([zeroAddress], { account: f.payerWallet.account });
        await f.sync(db);
        expect(await balanceOf(db, payer.address)).to.deep.equal({ deposited: 1_000n, locked: 0n, pending: 0n });
        expect(await withdrawals()).to.deep.equal(["400:CANCELLED", "250:CANCELLED"]);
      });

      it("a finalized withdrawal removes what was paid from `deposited`", async function () {
        await f.depositEth(1_000n);
        await f.vault.write.requestWithdrawal!([zeroAddress, 300n], { account: f.payerWallet.account });
        await f.networkHelpers.time.increase(22 * DAY + 1);
        await f.vault.write.finalizeWithdrawal!([zeroAddress], { account: f.payerWallet.account });
        await f.sync(db);
        expect(await balanceOf(db, payer.address)).to.deep.equal({ deposited: 700n, locked: 0n, pending: 0n });
        expect(await withdrawals()).to.deep.equal(["300:EXECUTED"]);
      });
    });

    describe("syncChain: reorgs", function () {
      let core: Core | undefined;
      afterEach(async function () {
        await core?.close();
        core = undefined;
      });

      it("undoes a reorged-out deposit so it stops backing new guarantees", async function () {
        core = await startCore(db, {}, testConfig({ core4Mica: f.vault.address.toLowerCase() as Hex }));
        await f.depositEth(1_000n);
        await f.sync(db);
        const snap = await f.snapshot();
        await f.depositEth(5_000n);
        await f.sync(db);
        expect((await balanceOf(db, payer.address)).deposited).to.equal(6_000n);
        const issued = await core.app.inject({
          method: "POST",
          url: "/core/guarantees",
          payload: await signedBodyFor(v1Request({ amount: 5_500n, asset: zeroAddress }), f.vault.address),
        });
        expect(issued.statusCode, issued.body).to.equal(201);

        await f.revert(snap);
        await f.mine(3);
        const r = await f.sync(db);
        expect(r.reorged).to.equal(true);
        expect(r.undone).to.equal(1);
        expect(await balanceOf(db, payer.address)).to.deep.equal({ deposited: 1_000n, locked: 5_500n, pending: 0n });
        const refused = await core.app.inject({
          method: "POST",
          url: "/core/guarantees",
          payload: await signedBodyFor(v1Request({ amount: 100n, asset: zeroAddress }), f.vault.address),
        });
        expect(refused.statusCode).to.equal(409);
        expect(refused.json().error.code).to.equal("INSUFFICIENT_COLLATERAL");
        const { rows } = await db.query<{ removed: boolean }>("SELECT removed FROM chain_events ORDER BY block_number");
        expect(rows.map((x) => x.removed)).to.deep.equal([false, true]);
      });

      it("restores the withdrawal request a reorged-out request had replaced, then re-follows the new branch", async function () {
        await f.depositEth(1_000n);
        await f.vault.write.requestWithdrawal!([zeroAddress, 400n], { account: f.payerWallet.account });
        await f.sync(db);
        const snap = await f.snapshot();
        await f.vault.write.requestWithdrawal!([zeroAddress, 250n], { account: f.payerWallet.account });
        await f.sync(db);
        expect((await balanceOf(db, payer.address)).pending).to.equal(250n);

        await f.revert(snap);
        await f.depositEth(7n);
        await f.mine(2);
        const r = await f.sync(db);
        expect(r.reorged).to.equal(true);
        expect(r.applied).to.equal(1);
        expect(await balanceOf(db, payer.address)).to.deep.equal({ deposited: 1_007n, locked: 0n, pending: 400n });
        expect(await withdrawals()).to.deep.equal(["400:PENDING"]);
      });

      it("with no remembered block left canonical, undoes everything and re-follows from the start block", async function () {
        const snap = await f.snapshot();
        await f.depositEth(1_000n);
        await f.sync(db);
        await db.query("DELETE FROM chain_blocks");
        await f.revert(snap);
        await f.depositEth(30n);
        await f.mine(2);
        const r = await f.sync(db);
        expect(r.reorged).to.equal(true);
        expect(r.undone).to.equal(1);
        expect((await balanceOf(db, payer.address)).deposited).to.equal(30n);
      });
    });
  });
}
