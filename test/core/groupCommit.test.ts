import { expect } from "chai";
import type { Address, Hex } from "viem";

import { setSuspended } from "../../offchain/src/core/adapters/db/balanceRepository.ts";
import type { Database, SqlParam } from "../../offchain/src/core/adapters/db/database.ts";
import { createGuaranteeRepository } from "../../offchain/src/core/adapters/db/guaranteeRepository.ts";
import type { IssueOutcome, NewGuarantee } from "../../offchain/src/core/issuance/guaranteeStore.ts";
import { GuaranteeStatus } from "../../offchain/src/core/issuance/guaranteeStore.ts";
import { ASSET, BACKENDS, deposit, otherPayer, payer, resetDatabase } from "./fixtures.ts";

const RECIPIENT: Address = "0x000000000000000000000000000000000000beef";
const hex32 = (n: number | bigint): Hex => `0x${n.toString(16).padStart(64, "0")}`;

/** A guarantee row as issuance would hand it to the store (the certificate's bytes are placeholders here). */
function guarantee(user: Address, reqId: bigint, amount: bigint, overrides: Partial<NewGuarantee> = {}): NewGuarantee {
  return {
    guaranteeId: hex32((BigInt(user) << 64n) + reqId),
    version: 1,
    cycleId: 10n,
    user,
    recipient: RECIPIENT,
    asset: ASSET,
    reqId,
    amount,
    timestamp: 1_700_000_000n,
    status: GuaranteeStatus.FINALIZED_PAYABLE,
    contentHash: hex32(reqId + 7n),
    certificate: { claims: "0x01", signature: "0x02", signatureEip2537: { x: "0x03" } as never },
    domain: hex32(99),
    request: { version: 1, user, reqId: reqId.toString() },
    payerSignature: "0x04",
    ...overrides,
  };
}

/** The database with a count of the batch statements it ran and of the issuances they carried. */
function counting(db: Database) {
  const batches: number[] = [];
  const counted: Database = {
    ...db,
    kind: db.kind,
    transaction: db.transaction.bind(db),
    close: db.close.bind(db),
    exec: db.exec.bind(db),
    query: (sql: string, params?: readonly SqlParam[]) => {
      if (sql.includes("jsonb_array_elements")) batches.push((JSON.parse(params![0] as string) as unknown[]).length);
      return db.query(sql, params) as never;
    },
  };
  return { db: counted, batches };
}

async function balance(db: Database, user: Address): Promise<{ deposited: bigint; locked: bigint }> {
  const { rows } = await db.query<{ deposited: string; locked: string }>(
    "SELECT deposited, locked FROM balances WHERE user_address = $1 AND asset = $2",
    [user.toLowerCase(), ASSET],
  );
  return { deposited: BigInt(rows[0]!.deposited), locked: BigInt(rows[0]!.locked) };
}

async function openGuarantees(db: Database, user: Address): Promise<{ count: number; sum: bigint }> {
  const { rows } = await db.query<{ n: string; s: string | null }>(
    "SELECT count(*)::text AS n, sum(amount)::text AS s FROM guarantees WHERE user_address = $1 AND lock_held",
    [user.toLowerCase()],
  );
  return { count: Number(rows[0]!.n), sum: BigInt(rows[0]!.s ?? "0") };
}

for (const backend of BACKENDS) {
  describe(`Issuance group commit (guaranteeRepository) on ${backend.name}`, function () {
    let raw: Database;
    before(async function () {
      raw = await backend.open();
    });
    after(async function () {
      await raw.close();
    });
    beforeEach(async function () {
      await resetDatabase(raw);
    });

    const a = payer.address.toLowerCase() as Address;
    const b = otherPayer.address.toLowerCase() as Address;

    it("batches concurrent issuances and locks exactly what the one-by-one path would: never more than the collateral", async function () {
      await deposit(raw, a, 1_000n);
      await deposit(raw, b, 10_000n);
      const { db, batches } = counting(raw);
      const store = createGuaranteeRepository(db, { groupCommit: true });
      // 30 requests of 100 from a (collateral for 10 of them), 30 of 7 from b (all fit), interleaved.
      const requests = Array.from({ length: 60 }, (_, i) =>
        i % 2 === 0 ? guarantee(a, BigInt(i + 1), 100n) : guarantee(b, BigInt(i + 1), 7n),
      );
      const outcomes = await Promise.all(requests.map((g) => store.issue(g)));

      expect(batches.length, "at least one batch of several issuances").to.be.greaterThan(0);
      expect(Math.max(...batches)).to.be.greaterThan(1);
      const of = (user: Address, o: IssueOutcome["outcome"]) =>
        outcomes.filter((x, i) => requests[i]!.user === user && x.outcome === o).length;
      expect(of(a, "ISSUED")).to.equal(10);
      expect(of(a, "INSUFFICIENT_COLLATERAL")).to.equal(20);
      expect(of(b, "ISSUED")).to.equal(30);
      for (const [i, o] of outcomes.entries()) {
        if (o.outcome === "INSUFFICIENT_COLLATERAL") expect(o.available, `request ${i}`).to.equal(0n);
        if (o.outcome === "ISSUED") expect(o.stored.guaranteeId).to.equal(requests[i]!.guaranteeId);
      }
      expect(await balance(raw, a)).to.deep.equal({ deposited: 1_000n, locked: 1_000n });
      expect(await balance(raw, b)).to.deep.equal({ deposited: 10_000n, locked: 210n });
      expect(await openGuarantees(raw, a)).to.deep.equal({ count: 10, sum: 1_000n });
      expect(await openGuarantees(raw, b)).to.deep.equal({ count: 30, sum: 210n });
      const { rows } = await raw.query<{ n: string }>(
        "SELECT count(*)::text AS n FROM guarantee_transitions WHERE cause = 'ISSUED'",
      );
      expect(Number(rows[0]!.n)).to.equal(40);
    });

    it("answers a duplicate id in the same batch EXISTING with the first one's row, locking once", async function () {
      await deposit(raw, a, 1_000n);
      const store = createGuaranteeRepository(raw, { groupCommit: true });
      const g = guarantee(a, 1n, 300n);
      const [first, second, third] = await Promise.all([
        store.issue(g),
        store.issue(g),
        store.issue(guarantee(a, 2n, 300n)),
      ]);
      expect([first!.outcome, second!.outcome].sort()).to.deep.equal(["EXISTING", "ISSUED"]);
      const existing = [first, second].find((o) => o!.outcome === "EXISTING") as Extract<
        IssueOutcome,
        { outcome: "EXISTING" }
      >;
      expect(existing.stored.guaranteeId).to.equal(g.guaranteeId);
      expect(existing.stored.amount).to.equal(300n);
      expect(third!.outcome).to.equal("ISSUED");
      expect(await balance(raw, a)).to.deep.equal({ deposited: 1_000n, locked: 600n });
    });

    it("refuses a suspended payer inside a batch without touching the others", async function () {
      await deposit(raw, a, 1_000n);
      await deposit(raw, b, 1_000n);
      await setSuspended(raw, b, true);
      const store = createGuaranteeRepository(raw, { groupCommit: true });
      const outcomes = await Promise.all([
        store.issue(guarantee(a, 1n, 10n)),
        store.issue(guarantee(b, 2n, 10n)),
        store.issue(guarantee(a, 3n, 10n)),
      ]);
      expect(outcomes.map((o) => o.outcome)).to.deep.equal(["ISSUED", "PAYER_SUSPENDED", "ISSUED"]);
      expect(await balance(raw, a)).to.deep.equal({ deposited: 1_000n, locked: 20n });
      expect(await balance(raw, b)).to.deep.equal({ deposited: 1_000n, locked: 0n });
    });

    it("when one issuance makes the batch fail, writes nothing of it and answers each request alone", async function () {
      await deposit(raw, a, 1_000n);
      const { db, batches } = counting(raw);
      const store = createGuaranteeRepository(db, { groupCommit: true });
      const bad = guarantee(a, 2n, 10n, { status: "BOGUS" as never }); // violates the status CHECK
      const results = await Promise.allSettled([
        store.issue(guarantee(a, 1n, 10n)),
        store.issue(bad),
        store.issue(guarantee(a, 3n, 10n)),
        store.issue(guarantee(a, 4n, 10n)),
      ]);
      expect(batches.length).to.be.greaterThan(0);
      expect(results.map((r) => r.status)).to.deep.equal(["fulfilled", "rejected", "fulfilled", "fulfilled"]);
      expect((results[1] as PromiseRejectedResult).reason.code).to.equal("23514"); // check_violation
      for (const i of [0, 2, 3]) {
        expect((results[i] as PromiseFulfilledResult<IssueOutcome>).value.outcome).to.equal("ISSUED");
      }
      expect(await balance(raw, a)).to.deep.equal({ deposited: 1_000n, locked: 30n });
      expect(await openGuarantees(raw, a)).to.deep.equal({ count: 3, sum: 30n });
    });

    it("rejects a value the encoder refuses (amount above uint256) for that request only", async function () {
      await deposit(raw, a, 1_000n);
      const store = createGuaranteeRepository(raw, { groupCommit: true });
      const results = await Promise.allSettled([
        store.issue(guarantee(a, 1n, 10n)),
        store.issue(guarantee(a, 2n, 1n << 256n)),
        store.issue(guarantee(a, 3n, 10n)),
      ]);
      expect(results.map((r) => r.status)).to.deep.equal(["fulfilled", "rejected", "fulfilled"]);
      expect((results[1] as PromiseRejectedResult).reason.code).to.equal("INVALID_INPUT");
      expect(await balance(raw, a)).to.deep.equal({ deposited: 1_000n, locked: 20n });
    });

    it("keeps serving after a batch that failed (the queue is not left stuck)", async function () {
      await deposit(raw, a, 1_000n);
      const store = createGuaranteeRepository(raw, { groupCommit: true });
      await Promise.allSettled([
        store.issue(guarantee(a, 1n, 10n)),
        store.issue(guarantee(a, 2n, 10n, { status: "BOGUS" as never })),
      ]);
      const later = await Promise.all([store.issue(guarantee(a, 5n, 10n)), store.issue(guarantee(a, 6n, 10n))]);
      expect(later.map((o) => o.outcome)).to.deep.equal(["ISSUED", "ISSUED"]);
      expect(await balance(raw, a)).to.deep.equal({ deposited: 1_000n, locked: 30n });
    });
  });
}
