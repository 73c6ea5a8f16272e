import { expect } from "chai";
import { keccak256, toHex, zeroAddress, type Address, type Hex } from "viem";
import type { PrivateKeyAccount } from "viem/accounts";

import { readValidationStatus } from "../../offchain/src/core/adapters/chain/vaultReads.ts";
import { applyChainEvents, undoEventsAbove } from "../../offchain/src/core/adapters/db/chainSyncRepository.ts";
import type { Database } from "../../offchain/src/core/adapters/db/database.ts";
import type { Core } from "../../offchain/src/core/createCore.ts";
import type { ChainEvent, ChainEventBody } from "../../offchain/src/core/lifecycle/chainEvents.ts";
import {
  actionMessage,
  actionTypedData,
  type GuaranteeAction,
} from "../../offchain/src/core/lifecycle/lifecycleMessages.ts";
import { BACKENDS, NOW, payer, recipient, startCore, testConfig, v1Request, v2Request } from "./fixtures.ts";
import { balanceOf, deployVaultFixture, resetSyncDatabase, signedBodyFor } from "./syncFixtures.ts";

const DAY = 86_400n;
const EXPIRY = 21n * DAY;

for (const backend of BACKENDS) {
  describe(`Guarantee lifecycle on ${backend.name}`, function () {
    let db: Database;
    let f: Awaited<ReturnType<typeof deployVaultFixture>>;
    let core: Core;
    let registry: Address;
    let clock: bigint;

    before(async function () {
      db = await backend.open();
    });
    after(async function () {
      await db.close();
    });
    beforeEach(async function () {
      await resetSyncDatabase(db);
      f = await deployVaultFixture();
      const identity = await f.viem.deployContract("ERC8004IdentityRegistry", []);
      await identity.write.register({ account: f.recipientWallet.account });
      const validation = await f.viem.deployContract("ERC8004ValidationRegistry", [identity.address]);
      registry = validation.address.toLowerCase() as Address;
      clock = NOW;
      core = await startCore(
        db,
        { chainClient: f.publicClient, now: () => clock },
        testConfig({ core4Mica: f.vault.address.toLowerCase() as Address, trustedRegistries: [registry] }),
      );
      await f.depositEth(10_000n);
      await f.sync(db);
    });
    afterEach(async function () {
      await core.close();
    });

    const validator = () => f.validatorWallet.account.address.toLowerCase() as Address;

    async function issue(request: Parameters<typeof signedBodyFor>[0]): Promise<Hex> {
      const res = await core.app.inject({
        method: "POST",
        url: "/core/guarantees",
        payload: await signedBodyFor(request, f.vault.address),
      });
      expect(res.statusCode, res.body).to.equal(201);
      return res.json().guaranteeId as Hex;
    }
    function issueV2(overrides: Parameters<typeof v2Request>[0] = {}) {
      return issue(
        v2Request(
          { asset: zeroAddress, amount: 1_000n, ...overrides },
          { validationRegistry: registry, validatorAddress: validator(), validatorAgentId: 0n },
        ),
      );
    }
    async function statusOf(id: Hex): Promise<{ status: string; lockHeld: boolean; causes: string[] }> {
      const g = await db.query<{ status: string; lock_held: boolean }>(
        "SELECT status, lock_held FROM guarantees WHERE guarantee_id = $1",
        [id],
      );
      const t = await db.query<{ cause: string }>(
        "SELECT cause FROM guarantee_transitions WHERE guarantee_id = $1 ORDER BY id",
        [id],
      );
      return { status: g.rows[0]!.status, lockHeld: g.rows[0]!.lock_held, causes: t.rows.map((r) => r.cause) };
    }
    async function requestHashOf(id: Hex): Promise<Hex> {
      const { rows } = await db.query<{ h: string }>(
        "SELECT validation_request_hash AS h FROM guarantees WHERE guarantee_id = $1",
        [id],
      );
      return rows[0]!.h as Hex;
    }
    async function answer(id: Hex, response: number, tag: string) {
      const hash = await requestHashOf(id);
      const reg = await f.viem.getContractAt("ERC8004ValidationRegistry", registry);
      await reg.write.validationRequest!([validator(), 0n, "ipfs://job", hash], { account: f.recipientWallet.account });
      await reg.write.validationResponse!([hash, response, "ipfs://r", keccak256(toHex("r")), tag], {
        account: f.validatorWallet.account,
      });
    }
    async function signAction(action: GuaranteeAction, id: Hex, account: PrivateKeyAccount, scheme = "eip712") {
      const domain = { chainId: 31337n, core4Mica: f.vault.address };
      const signature =
        scheme === "eip191"
          ? await account.signMessage({ message: actionMessage(action, id, domain) })
          : await account.signTypedData(
              actionTypedData(action, id, domain) as Parameters<PrivateKeyAccount["signTypedData"]>[0],
            );
      return core.app.inject({
        method: "POST",
        url: `/core/guarantees/${id}/${action}`,
        payload: { signature, scheme },
      });
    }

    describe("promoteValidated", function () {
      it("promotes a PENDING_VALIDATION guarantee when the registry answer matches its policy; the lock stays", async function () {
        const id = await issueV2();
        await answer(id, 90, "quality");
        expect(await core.lifecycle.promoteValidated()).to.deep.equal({ checked: 1, promoted: 1 });
        expect(await statusOf(id)).to.deep.equal({
          status: "FINALIZED_PAYABLE",
          lockHeld: true,
          causes: ["ISSUED", "VALIDATION_MATCHED"],
        });
        expect((await balanceOf(db, payer.address)).locked).to.equal(1_000n);
      });

      it("keeps it pending while the registry does not know the request (the lookup reverts)", async function () {
        const id = await issueV2();
        expect(await readValidationStatus(f.publicClient, registry, await requestHashOf(id))).to.equal(undefined);
        expect(await core.lifecycle.promoteValidated()).to.deep.equal({ checked: 1, promoted: 0 });
        expect((await statusOf(id)).status).to.equal("PENDING_VALIDATION");
      });

      it("keeps it pending when the score is below the minimum or the tag differs", async function () {
        const low = await issueV2();
        await answer(low, 79, "quality");
        const wrongTag = await issueV2();
        await answer(wrongTag, 100, "speed");
        expect(await core.lifecycle.promoteValidated()).to.deep.equal({ checked: 2, promoted: 0 });
        expect((await statusOf(low)).status).to.equal("PENDING_VALIDATION");
        expect((await statusOf(wrongTag)).status).to.equal("PENDING_VALIDATION");
      });
    });

    describe("POST /core/guarantees/:id/dispute", function () {
      it("moves a pending V2 guarantee to DISPUTED on the payer's EIP-712 signature, keeping the lock", async function () {
        const id = await issueV2();
        const res = await signAction("dispute", id, payer);
        expect(res.statusCode, res.body).to.equal(200);
        expect(res.json()).to.deep.equal({ guaranteeId: id, status: "DISPUTED" });
        expect(await statusOf(id)).to.deep.equal({
          status: "DISPUTED",
          lockHeld: true,
          causes: ["ISSUED", "PAYER_DISPUTE"],
        });
        // Out of the promotion pass even if the registry then answers.
        await answer(id, 100, "quality");
        expect((await core.lifecycle.promoteValidated()).checked).to.equal(0);
      });

      it("refuses a signature that is not the payer's and changes nothing", async function () {
        const id = await issueV2();
        const res = await signAction("dispute", id, recipient);
        expect(res.statusCode).to.equal(400);
        expect(res.json().error.code).to.equal("INVALID_SIGNATURE");
        expect((await statusOf(id)).status).to.equal("PENDING_VALIDATION");
      });

      it("refuses to dispute a V1 guarantee (already payable)", async function () {
        const id = await issue(v1Request({ asset: zeroAddress }));
        const res = await signAction("dispute", id, payer);
        expect(res.statusCode).to.equal(409);
        expect(res.json().error.code).to.equal("INVALID_TRANSITION");
      });
    });

    describe("POST /core/guarantees/:id/cancel", function () {
      // Issue 8 changed the rule: a cancel no longer releases the lock. The recipient still holds a certificate the
      // vault honours (a V1 through the fallback if its cycle is never committed), so the lock stays until the
      // release rule allows it (lockReleasable.ts).
      it("cancels a payable guarantee on the recipient's EIP-191 signature and keeps the lock", async function () {
        const id = await issue(v1Request({ asset: zeroAddress, amount: 2_500n }));
        expect((await balanceOf(db, payer.address)).locked).to.equal(2_500n);
        const res = await signAction("cancel", id, recipient, "eip191");
        expect(res.statusCode, res.body).to.equal(200);
        expect(await statusOf(id)).to.deep.equal({
          status: "CANCELLED",
          lockHeld: true,
          causes: ["ISSUED", "RECIPIENT_CANCEL"],
        });
        expect((await balanceOf(db, payer.address)).locked).to.equal(2_500n);
        // A retry is answered the same and changes nothing.
        expect((await signAction("cancel", id, recipient, "eip191")).statusCode).to.equal(200);
        expect((await statusOf(id)).causes).to.deep.equal(["ISSUED", "RECIPIENT_CANCEL"]);
        expect((await balanceOf(db, payer.address)).locked).to.equal(2_500n);
      });

      it("a cancelled V2 keeps its lock until expiry (route B stays open), then stays CANCELLED without it", async function () {
        const id = await issueV2({ amount: 700n });
        expect((await signAction("cancel", id, recipient)).statusCode).to.equal(200);
        expect(await statusOf(id)).to.deep.equal({
          status: "CANCELLED",
          lockHeld: true,
          causes: ["ISSUED", "RECIPIENT_CANCEL"],
        });
        const ts = NOW - 10n;
        clock = ts + EXPIRY - 1n;
        expect(await core.lifecycle.expireLocks()).to.deep.equal({ expired: 0 });
        expect((await balanceOf(db, payer.address)).locked).to.equal(700n);
        clock = ts + EXPIRY;
        expect(await core.lifecycle.expireLocks()).to.deep.equal({ expired: 1 });
        expect(await statusOf(id)).to.deep.equal({
          status: "CANCELLED",
          lockHeld: false,
          causes: ["ISSUED", "RECIPIENT_CANCEL", "EXPIRED"],
        });
        expect((await balanceOf(db, payer.address)).locked).to.equal(0n);
        expect(await core.lifecycle.expireLocks()).to.deep.equal({ expired: 0 });
      });

      it("refuses the payer's signature and a netted guarantee", async function () {
        const id = await issueV2();
        expect((await signAction("cancel", id, payer)).json().error.code).to.equal("INVALID_SIGNATURE");
        await db.query("UPDATE guarantees SET status = 'NETTED' WHERE guarantee_id = $1", [id]);
        const res = await signAction("cancel", id, recipient);
        expect(res.statusCode).to.equal(409);
        expect((await balanceOf(db, payer.address)).locked).to.equal(1_000n);
      });
    });

    describe("expireLocks", function () {
      it("expires lock-holding guarantees at timestamp + the vault's guarantee expiry, not before, and not netted ones", async function () {
        const pending = await issueV2();
        const payable = await issue(v1Request({ asset: zeroAddress, amount: 300n }));
        const netted = await issue(v1Request({ asset: zeroAddress, amount: 200n }));
        await db.query("UPDATE guarantees SET status = 'NETTED' WHERE guarantee_id = $1", [netted]);
        const ts = NOW - 10n;
        clock = ts + EXPIRY - 1n;
        expect(await core.lifecycle.expireLocks()).to.deep.equal({ expired: 0 });
        clock = ts + EXPIRY;
        expect(await core.lifecycle.expireLocks()).to.deep.equal({ expired: 2 });
        expect(await statusOf(pending)).to.deep.equal({
          status: "EXPIRED",
          lockHeld: false,
          causes: ["ISSUED", "EXPIRED"],
        });
        expect((await statusOf(payable)).status).to.equal("EXPIRED");
        expect((await statusOf(netted)).status).to.equal("NETTED");
        expect((await balanceOf(db, payer.address)).locked).to.equal(200n);
        expect(await core.lifecycle.expireLocks()).to.deep.equal({ expired: 0 });
      });
    });

    describe("ClearingHouse and redemption events", function () {
      const CYCLE = 10n;
      let n = 0;
      function ev(body: ChainEventBody): ChainEvent {
        n++;
        return {
          ...body,
          ref: {
            blockNumber: 1_000n + BigInt(n),
            blockHash: keccak256(toHex(`block ${n}`)),
            logIndex: 0,
            txHash: keccak256(toHex(`tx ${n}`)),
            address: zeroAddress,
          },
        } as ChainEvent;
      }
      async function apply(...events: ChainEvent[]) {
        return db.transaction((tx) => applyChainEvents(tx, "core", 31337n, events));
      }
      async function nettedCycle() {
        await db.query(
          `INSERT INTO cycles (cycle_id, asset, starts_at, ends_at, resolution_cutoff, commit_deadline, payment_deadline,
             finality_deadline, status) VALUES (10, $1, 0, 1, 2, 3, 4, 5, 'NETTED')`,
          [zeroAddress],
        );
        for (const [p, role, status] of [
          [payer.address, "NET_DEBTOR", "UNPAID"],
          [recipient.address, "NET_CREDITOR", "CLAIMABLE"],
        ] as const) {
          await db.query(
            `INSERT INTO positions (cycle_id, asset, participant, role, gross_out, gross_in, amount, status)
             VALUES (10, $1, $2, $3, 0, 0, 0, $4)`,
            [zeroAddress, p.toLowerCase(), role, status],
          );
        }
      }
      async function cycleStatus() {
        return (await db.query<{ status: string }>("SELECT status FROM cycles")).rows[0]!.status;
      }

      it("commit, payment and finalization: cycle COMMITTED, the debtor's guarantees SETTLED with locks released", async function () {
        await nettedCycle();
        const a = await issue(v1Request({ asset: zeroAddress, amount: 400n }));
        const b = await issue(v1Request({ asset: zeroAddress, amount: 600n }));
        await db.query("UPDATE guarantees SET status = 'NETTED', netted_cycle_id = 10");
        const asset = zeroAddress;
        await apply(ev({ name: "CycleCommitted", cycleId: CYCLE, asset, root: a, totalNet: 1_000n, batchHash: b }));
        expect(await cycleStatus()).to.equal("COMMITTED");
        const debtor = payer.address.toLowerCase() as Address;
        await apply(
          ev({
            name: "NetDebitPaid",
            cycleId: CYCLE,
            asset,
            debtor,
            payer: debtor,
            amount: 1_000n,
            fromCollateral: false,
          }),
        );
        expect(await statusOf(a)).to.deep.equal({
          status: "SETTLED",
          lockHeld: false,
          causes: ["ISSUED", "NetDebitPaid"],
        });
        expect((await statusOf(b)).status).to.equal("SETTLED");
        expect((await balanceOf(db, payer.address)).locked).to.equal(0n);
        await apply(ev({ name: "CycleFinalized", cycleId: CYCLE, asset, paidIn: 1_000n, covered: 0n }));
        expect(await cycleStatus()).to.equal("FINALIZED");
        const { rows } = await db.query<{ status: string }>("SELECT status FROM positions ORDER BY role");
        expect(rows.map((r) => r.status)).to.deep.equal(["CLAIMABLE", "PAID"]);
      });

      it("a default marks the debtor's guarantees DEFAULT_REMUNERATED; the seizure reduces deposited; a reorg undoes both", async function () {
        await nettedCycle();
        await db.query("UPDATE cycles SET status = 'COMMITTED'");
        const a = await issue(v1Request({ asset: zeroAddress, amount: 700n }));
        await db.query("UPDATE guarantees SET status = 'NETTED', netted_cycle_id = 10");
        const debtor = payer.address.toLowerCase() as Address;
        const asset = zeroAddress;
        const seized = ev({ name: "CollateralSeized", user: debtor, asset, requested: 700n, seized: 700n });
        const defaulted = ev({
          name: "DebtorDefaulted",
          cycleId: CYCLE,
          asset,
          debtor,
          netDebit: 700n,
          covered: 700n,
          shortfall: 0n,
        });
        expect(await apply(seized, defaulted)).to.equal(2);
        expect(await statusOf(a)).to.deep.equal({
          status: "DEFAULT_REMUNERATED",
          lockHeld: false,
          causes: ["ISSUED", "DebtorDefaulted"],
        });
        expect(await balanceOf(db, payer.address)).to.deep.equal({ deposited: 9_300n, locked: 0n, pending: 0n });
        // Idempotent: applying the same events again changes nothing.
        expect(await apply(seized, defaulted)).to.equal(0);
        expect((await balanceOf(db, payer.address)).deposited).to.equal(9_300n);

        await db.transaction((tx) => undoEventsAbove(tx, "core", seized.ref.blockNumber - 1n));
        expect(await statusOf(a)).to.deep.equal({
          status: "NETTED",
          lockHeld: true,
          causes: ["ISSUED", "DebtorDefaulted", "REORG"],
        });
        expect(await balanceOf(db, payer.address)).to.deep.equal({ deposited: 10_000n, locked: 700n, pending: 0n });
        const { rows } = await db.query<{ status: string }>("SELECT status FROM positions WHERE role = 'NET_DEBTOR'");
        expect(rows[0]!.status).to.equal("UNPAID");
      });

      it("a creditor's claim settles its own netted guarantees (it owes nothing net)", async function () {
        await nettedCycle();
        await db.query("UPDATE cycles SET status = 'COMMITTED'");
        const creditor = recipient.address.toLowerCase() as Address;
        await db.query("INSERT INTO balances (user_address, asset, deposited) VALUES ($1, $2, 5000)", [
          creditor,
          zeroAddress,
        ]);
        // A guarantee the creditor owes (moved to the creditor as payer, with its lock).
        const g = await issue(v1Request({ asset: zeroAddress, amount: 80n }));
        await db.query(
          "UPDATE guarantees SET status = 'NETTED', netted_cycle_id = 10, user_address = $1, recipient = $2",
          [creditor, payer.address.toLowerCase()],
        );
        await db.query("UPDATE balances SET locked = locked - 80 WHERE user_address = $1", [
          payer.address.toLowerCase(),
        ]);
        await db.query("UPDATE balances SET locked = 80 WHERE user_address = $1", [creditor]);
        await apply(
          ev({ name: "NetCreditClaimed", cycleId: CYCLE, asset: zeroAddress, creditor, netCredit: 10n, paid: 10n }),
        );
        expect(await statusOf(g)).to.deep.equal({
          status: "SETTLED",
          lockHeld: false,
          causes: ["ISSUED", "NetCreditClaimed"],
        });
        expect((await balanceOf(db, creditor)).locked).to.equal(0n);
        const { rows } = await db.query<{ status: string }>("SELECT status FROM positions WHERE role = 'NET_CREDITOR'");
        expect(rows[0]!.status).to.equal("CLAIMED");
      });

      it("the commit of its cycle releases a cancelled V1's lock, not a cancelled V2's; a reorg takes it back", async function () {
        await db.query(
          `INSERT INTO cycles (cycle_id, asset, starts_at, ends_at, resolution_cutoff, commit_deadline, payment_deadline,
             finality_deadline, status) VALUES (10, $1, 0, 1, 2, 3, 4, 5, 'NETTED')`,
          [zeroAddress],
        );
        const v1 = await issue(v1Request({ asset: zeroAddress, amount: 400n }));
        const v2 = await issueV2({ amount: 600n });
        const otherCycle = await issue(v1Request({ asset: zeroAddress, amount: 50n }));
        for (const id of [v1, v2, otherCycle])
          expect((await signAction("cancel", id, recipient)).statusCode).to.equal(200);
        await db.query("UPDATE guarantees SET cycle_id = 11 WHERE guarantee_id = $1", [otherCycle]);
        expect((await balanceOf(db, payer.address)).locked).to.equal(1_050n);

        const asset = zeroAddress;
        const commit = ev({ name: "CycleCommitted", cycleId: CYCLE, asset, root: v1, totalNet: 0n, batchHash: v2 });
        await apply(commit);
        expect(await cycleStatus()).to.equal("COMMITTED");
        expect(await statusOf(v1)).to.deep.equal({
          status: "CANCELLED",
          lockHeld: false,
          causes: ["ISSUED", "RECIPIENT_CANCEL", "CycleCommitted"],
        });
        expect((await statusOf(v2)).lockHeld).to.equal(true);
        expect((await statusOf(otherCycle)).lockHeld).to.equal(true);
        expect((await balanceOf(db, payer.address)).locked).to.equal(650n);

        await db.transaction((tx) => undoEventsAbove(tx, "core", commit.ref.blockNumber - 1n));
        expect(await cycleStatus()).to.equal("NETTED");
        expect(await statusOf(v1)).to.deep.equal({
          status: "CANCELLED",
          lockHeld: true,
          causes: ["ISSUED", "RECIPIENT_CANCEL", "CycleCommitted", "REORG"],
        });
        expect((await balanceOf(db, payer.address)).locked).to.equal(1_050n);
      });

      it("redeeming a cancelled V2 on-chain releases its lock and removes the amount paid", async function () {
        const id = await issueV2({ amount: 1_200n });
        expect((await signAction("cancel", id, recipient)).statusCode).to.equal(200);
        const user = payer.address.toLowerCase() as Address;
        await apply(
          ev({
            name: "GuaranteeRemunerated",
            guaranteeId: id,
            user,
            recipient: recipient.address.toLowerCase() as Address,
            asset: zeroAddress,
            amount: 1_200n,
            version: 2n,
          }),
        );
        expect(await statusOf(id)).to.deep.equal({
          status: "REDEEMED",
          lockHeld: false,
          causes: ["ISSUED", "RECIPIENT_CANCEL", "GuaranteeRemunerated"],
        });
        expect(await balanceOf(db, payer.address)).to.deep.equal({ deposited: 8_800n, locked: 0n, pending: 0n });
      });

      it("a direct redemption marks the guarantee REDEEMED, releases its lock and removes the amount paid", async function () {
        const id = await issueV2({ amount: 1_500n });
        const user = payer.address.toLowerCase() as Address;
        await apply(
          ev({
            name: "GuaranteeRemunerated",
            guaranteeId: id,
            user,
            recipient: recipient.address.toLowerCase() as Address,
            asset: zeroAddress,
            amount: 1_500n,
            version: 2n,
          }),
        );
        expect(await statusOf(id)).to.deep.equal({
          status: "REDEEMED",
          lockHeld: false,
          causes: ["ISSUED", "GuaranteeRemunerated"],
        });
        expect(await balanceOf(db, payer.address)).to.deep.equal({ deposited: 8_500n, locked: 0n, pending: 0n });
      });
    });
  });
}
