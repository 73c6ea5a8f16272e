import { expect } from "chai";
import type { Address, Hex } from "viem";

import { insertCycle } from "../../offchain/src/core/adapters/db/cycleRepository.ts";
import type { Database } from "../../offchain/src/core/adapters/db/database.ts";
import type { Core } from "../../offchain/src/core/createCore.ts";
import { netDebitSettlementTypedData } from "../../offchain/src/protocol/netDebitSettlement.ts";
import { SETTLEMENT_MARGIN } from "../../offchain/src/core/settlement/types.ts";
import {
  ASSET,
  BACKENDS,
  CHAIN_ID,
  CLEARING_HOUSE,
  deposit,
  NOW,
  otherPayer,
  payer,
  recipient,
  resetDatabase,
  startCore,
} from "./fixtures.ts";

const CYCLE = 9n;
const NET_DEBIT = 700n;

/** A COMMITTED cycle 9 of ASSET whose payment deadline is `deadline`, payer owing NET_DEBIT to recipient. */
async function committedCycle(db: Database, deadline: bigint, status = "COMMITTED"): Promise<void> {
  await insertCycle(db, CYCLE, ASSET, {
    start: NOW - 2n * 86_400n,
    end: NOW - 86_400n,
    resolutionCutoff: NOW - 86_000n,
    commitDeadline: NOW - 80_000n,
    paymentDeadline: deadline,
    finalityDeadline: deadline + 7_200n,
  });
  await db.query("UPDATE cycles SET status = $3 WHERE cycle_id = $1 AND asset = $2", [CYCLE.toString(), ASSET, status]);
  for (const [who, role, amount, st] of [
    [payer.address, "NET_DEBTOR", NET_DEBIT, "UNPAID"],
    [recipient.address, "NET_CREDITOR", NET_DEBIT, "CLAIMABLE"],
  ] as const) {
    await db.query(
      `INSERT INTO positions (cycle_id, asset, participant, role, gross_out, gross_in, amount, status)
       VALUES ($1, $2, $3, $4, 0, 0, $5, $6)`,
      [CYCLE.toString(), ASSET, who.toLowerCase(), role, amount.toString(), st],
    );
  }
}

async function signed(
  amount = NET_DEBIT,
  account = payer,
): Promise<{ debtor: Address; amount: string; signature: Hex }> {
  const signature = await account.signTypedData(
    netDebitSettlementTypedData({
      chainId: CHAIN_ID,
      clearingHouse: CLEARING_HOUSE,
      cycleId: CYCLE,
      asset: ASSET,
      debtor: account.address,
      amount,
    }),
  );
  return { debtor: account.address, amount: amount.toString(), signature };
}

for (const backend of BACKENDS) {
  describe(`Core settlements API (${backend.name})`, function () {
    let db: Database;
    let core: Core;
    const url = `/core/cycles/${CYCLE}/${ASSET}/settlements`;
    const post = (payload: unknown) => core.app.inject({ method: "POST", url, payload: payload as object });
    const rows = async () =>
      (await db.query<{ n: string }>("SELECT count(*)::text AS n FROM collateral_settlements")).rows[0]!.n;

    before(async function () {
      db = await backend.open();
    });
    after(async function () {
      await db.close();
    });
    beforeEach(async function () {
      await resetDatabase(db);
      core = await startCore(db);
      await committedCycle(db, NOW + 3_600n);
      await deposit(db, payer.address.toLowerCase() as Address, NET_DEBIT);
    });
    afterEach(async function () {
      await core.close();
    });

    it("stores a valid authorization PENDING, and the same body again answers the same, with no second row", async function () {
      const body = await signed();
      const first = await post(body);
      expect(first.statusCode, first.body).to.equal(200);
      const expected = {
        cycleId: CYCLE.toString(),
        asset: ASSET,
        debtor: payer.address.toLowerCase(),
        amount: NET_DEBIT.toString(),
        signature: body.signature.toLowerCase(),
        status: "PENDING",
        txHash: null,
        settledBy: null,
      };
      expect(first.json()).to.deep.equal(expected);
      const again = await post(body);
      expect(again.statusCode).to.equal(200);
      expect(again.json()).to.deep.equal(expected);
      expect(await rows()).to.equal("1");
      const list = await core.app.inject({ method: "GET", url });
      expect(list.json()).to.deep.equal({ cycleId: CYCLE.toString(), asset: ASSET, settlements: [expected] });
    });

    it("answers a replay with the stored row even after the window closed", async function () {
      const body = await signed();
      expect((await post(body)).statusCode).to.equal(200);
      await db.query("UPDATE cycles SET payment_deadline = $1", [(NOW - 1n).toString()]);
      const again = await post(body);
      expect(again.statusCode).to.equal(200);
      expect(again.json().status).to.equal("PENDING");
    });

    const refusals: [string, () => Promise<unknown>, number, string, (() => Promise<void>)?][] = [
      [
        "a signature of another amount",
        async () => ({ ...(await signed(NET_DEBIT + 1n)), amount: NET_DEBIT.toString() }),
        400,
        "SETTLEMENT_SIGNATURE_INVALID",
      ],
      [
        "another signer",
        async () => ({ ...(await signed(NET_DEBIT, otherPayer)), debtor: payer.address }),
        400,
        "SETTLEMENT_SIGNATURE_INVALID",
      ],
      ["an amount that is not the net debit", () => signed(NET_DEBIT - 1n), 400, "SETTLEMENT_AMOUNT_MISMATCH"],
      ["a creditor", async () => ({ ...(await signed()), debtor: recipient.address }), 409, "SETTLEMENT_NOT_DEBTOR"],
      ["a participant without position", () => signed(NET_DEBIT, otherPayer), 404, "POSITION_NOT_FOUND"],
      ["a malformed amount", async () => ({ ...(await signed()), amount: "-1" }), 400, "INVALID_INPUT"],
      ["an unknown field", async () => ({ ...(await signed()), extra: 1 }), 400, "INVALID_INPUT"],
      ["a signature that is not hex", async () => ({ ...(await signed()), signature: "0xzz" }), 400, "INVALID_INPUT"],
      [
        "collateral that no longer covers it",
        () => signed(),
        409,
        "INSUFFICIENT_COLLATERAL",
        async () => void (await db.query("UPDATE balances SET deposited = $1", [(NET_DEBIT - 1n).toString()])),
      ],
      [
        "inside the margin before the payment deadline",
        () => signed(),
        409,
        "SETTLEMENT_WINDOW_CLOSED",
        async () =>
          void (await db.query("UPDATE cycles SET payment_deadline = $1", [(NOW + SETTLEMENT_MARGIN - 1n).toString()])),
      ],
      [
        "a cycle that is not committed",
        () => signed(),
        409,
        "SETTLEMENT_CYCLE_NOT_COMMITTED",
        async () => void (await db.query("UPDATE cycles SET status = 'NETTED'")),
      ],
      [
        "a debtor already paid",
        () => signed(),
        409,
        "SETTLEMENT_ALREADY_RESOLVED",
        async () => void (await db.query("UPDATE positions SET status = 'PAID' WHERE role = 'NET_DEBTOR'")),
      ],
    ];
    for (const [what, body, status, code, prepare] of refusals) {
      it(`refuses ${what}: ${status} ${code}, nothing stored`, async function () {
        await prepare?.();
        const res = await post(await body());
        expect(res.statusCode, res.body).to.equal(status);
        expect(res.json().error.code).to.equal(code);
        expect(await rows()).to.equal("0");
      });
    }

    it("refuses an unknown cycle with 404 CYCLE_NOT_FOUND", async function () {
      const res = await core.app.inject({
        method: "POST",
        url: `/core/cycles/99/${ASSET}/settlements`,
        payload: await signed(),
      });
      expect(res.statusCode).to.equal(404);
      expect(res.json().error.code).to.equal("CYCLE_NOT_FOUND");
    });
  });
}
