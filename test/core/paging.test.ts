import { expect } from "chai";

import type { Database } from "../../offchain/src/core/adapters/db/database.ts";
import { createSession } from "../../offchain/src/core/adapters/db/sessionRepository.ts";
import type { Core } from "../../offchain/src/core/createCore.ts";
import { ASSET, BACKENDS, ETH, payer, recipient, resetDatabase, startCore } from "./fixtures.ts";

const ROWS = 10_000;
const PAYER = payer.address.toLowerCase();
const RECIPIENT = recipient.address.toLowerCase();

/** `n` guarantees of the payer in one statement (one created_at for all: ties broken by guarantee_id). */
async function insertGuarantees(db: Database, from: number, n: number, nettedCycle?: number): Promise<void> {
  await db.query(
    `INSERT INTO guarantees (guarantee_id, version, domain, cycle_id, user_address, recipient, asset, req_id, amount,
       ts, status, content_hash, request, payer_signature, claims, bls_signature, signature_eip2537, netted_cycle_id)
     SELECT '0x' || lpad(to_hex(i), 64, '0'), 1, '0x' || repeat('0', 64), 10, $1, $2, $3, i, 1, 0,
       'FINALIZED_PAYABLE', '0x' || repeat('0', 64), '{}', '0x', '0x', '0x', '[]', $6
     FROM generate_series($4::int, $5::int) AS i`,
    [PAYER, RECIPIENT, ASSET, from, from + n - 1, nettedCycle ?? null],
  );
}

for (const backend of BACKENDS) {
  describe(`Cursor paging over ${ROWS} rows on ${backend.name}`, function () {
    this.timeout(300_000);
    let db: Database;
    let core: Core;
    let token: string;

    before(async function () {
      db = await backend.open();
      await resetDatabase(db);
      core = await startCore(db);
      ({ token } = await createSession(db, payer.address, 3600));
    });
    after(async function () {
      await core.close();
      await db.close();
    });

    async function pageAll(url: string, key: string, limit: number, auth = false, during?: () => Promise<void>) {
      const seen: any[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const sep = url.includes("?") ? "&" : "?";
        const res: { statusCode: number; body: string; json: () => any } = await core.app.inject({
          method: "GET",
          url: `${url}${sep}limit=${limit}${cursor ? `&cursor=${cursor}` : ""}`,
          headers: auth ? { authorization: `Bearer ${token}` } : {},
        });
        expect(res.statusCode, res.body).to.equal(200);
        const body: Record<string, any> = res.json();
        seen.push(...body[key]);
        cursor = body.next;
        if (cursor !== null) expect(cursor).to.match(/^[A-Za-z0-9_-]+$/);
        pages++;
        if (pages === 3 && during) await during();
      } while (cursor !== null && pages < 1_000);
      return { seen, pages };
    }

    it("pages a payer's and a recipient's guarantees newest first, each exactly once, whatever is issued meanwhile", async function () {
      await insertGuarantees(db, 1, 4_000);
      await insertGuarantees(db, 4_001, 3_000);
      await insertGuarantees(db, 7_001, 3_000);
      // Issued while the client pages: newer than its cursor, so never in the pages it still has to read.
      const { seen, pages } = await pageAll(`/core/payers/${payer.address}/guarantees`, "guarantees", 500, true, () =>
        insertGuarantees(db, 20_001, 50),
      );
      expect(pages).to.equal(ROWS / 500 + 1);
      const ids = seen.map((g) => BigInt(g.guaranteeId));
      expect(new Set(ids).size).to.equal(ROWS);
      // Newest statement first; within one created_at, guarantee_id descending.
      const expected = [
        ...range(7_001, 10_000).reverse(),
        ...range(4_001, 7_000).reverse(),
        ...range(1, 4_000).reverse(),
      ].map(BigInt);
      expect(ids).to.deep.equal(expected);

      const asRecipient = await createSession(db, recipient.address, 3600);
      token = asRecipient.token;
      const r = await pageAll(`/core/recipients/${recipient.address}/guarantees`, "guarantees", 500, true);
      expect(r.seen).to.have.length(ROWS + 50);
      ({ token } = await createSession(db, payer.address, 3600));
    });

    it("pages the cycles newest first by (cycle_id, asset)", async function () {
      await db.query(
        `INSERT INTO cycles (cycle_id, asset, starts_at, ends_at, resolution_cutoff, commit_deadline, payment_deadline,
           finality_deadline)
         SELECT c, a, 0, 1, 2, 3, 4, 5 FROM generate_series(1, $1::int) AS c, unnest(ARRAY[$2, $3]) AS a`,
        [ROWS / 2, ETH, ASSET],
      );
      const { seen } = await pageAll("/core/cycles", "cycles", 500);
      expect(seen).to.have.length(ROWS);
      expect(seen.map((c) => `${c.cycleId}:${c.asset}`)).to.deep.equal(
        range(1, ROWS / 2)
          .reverse()
          .flatMap((c) => [`${c}:${ETH}`, `${c}:${ASSET}`]),
      );
    });

    it("pages a batch's guarantees and its positions by id and participant", async function () {
      await db.query(
        `INSERT INTO cycles (cycle_id, asset, starts_at, ends_at, resolution_cutoff, commit_deadline, payment_deadline,
           finality_deadline, status) VALUES (900000, $1, 0, 1, 2, 3, 4, 5, 'NETTED')`,
        [ASSET],
      );
      await db.query(
        `INSERT INTO batches (cycle_id, asset, merkle_root, total_net_debit, total_net_credit, tree, batch_hash,
           guarantee_count, debtor_count, creditor_count, netted_at)
         VALUES (900000, $1, $2, 0, 0, '{}', $2, $3, 0, 0, 0)`,
        [ASSET, `0x${"00".repeat(32)}`, ROWS],
      );
      await insertGuarantees(db, 100_001, ROWS, 900_000);
      await db.query(
        `INSERT INTO positions (cycle_id, asset, participant, role, gross_out, gross_in, amount, status)
         SELECT 900000, $1, '0x' || lpad(to_hex(i), 40, '0'), 'FLAT', 0, 0, 0, 'FLAT' FROM generate_series(1, $2::int) i`,
        [ASSET, ROWS],
      );
      const batch = await pageAll(`/core/cycles/900000/${ASSET}/batch`, "guarantees", 1_000);
      expect(batch.seen.map((g) => BigInt(g.guaranteeId))).to.deep.equal(range(100_001, 100_000 + ROWS).map(BigInt));
      const positions = await pageAll(`/core/cycles/900000/${ASSET}/positions`, "positions", 1_000);
      expect(positions.seen.map((p) => BigInt(p.participant))).to.deep.equal(range(1, ROWS).map(BigInt));
    });

    it("refuses a cursor of another list or a tampered one with INVALID_CURSOR", async function () {
      const first = await core.app.inject({ method: "GET", url: "/core/cycles?limit=1" });
      const cycleCursor = first.json().next as string;
      const res = await core.app.inject({
        method: "GET",
        url: `/core/payers/${payer.address}/guarantees?cursor=${cycleCursor}`,
        headers: { authorization: `Bearer ${token}` },
      });
      expect(res.statusCode).to.equal(400);
      expect(res.json().error.details.issues[0]).to.include({ path: "cursor", code: "INVALID_CURSOR" });
      const cycles = (key: string[]) =>
        `/core/cycles?cursor=${Buffer.from(JSON.stringify(["cycles", ...key])).toString("base64url")}`;
      const payers = (key: string[]) =>
        `/core/payers/${payer.address}/guarantees?cursor=${Buffer.from(JSON.stringify(["guarantees", ...key])).toString("base64url")}`;
      // Shapes no server answer has, values past what the columns hold: each a 400, never a database error.
      for (const url of [
        cycles(["1e3", ETH]),
        cycles([(1n << 256n).toString(), ETH]),
        cycles(["1", ETH.toUpperCase()]),
        cycles(["1"]),
        payers(["9".repeat(19), `0x${"00".repeat(32)}`]),
        payers(["1", "0x00"]),
        "/core/cycles?cursor=bm90IGpzb24",
      ]) {
        const bad = await core.app.inject({ method: "GET", url, headers: { authorization: `Bearer ${token}` } });
        expect(bad.statusCode, url).to.equal(400);
        expect(bad.json().error.details.issues[0].code, url).to.equal("INVALID_CURSOR");
      }
    });
  });
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}
