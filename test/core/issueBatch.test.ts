import { expect } from "chai";
import fc from "fast-check";

import type { Database } from "../../offchain/src/core/adapters/db/database.ts";
import { MAX_ISSUE_BATCH } from "../../offchain/src/core/adapters/http/routes/guarantees.ts";
import type { Core } from "../../offchain/src/core/createCore.ts";
import {
  ASSET,
  BACKENDS,
  deposit,
  otherPayer,
  payer,
  resetDatabase,
  signedBody,
  snapshot,
  startCore,
  v1Request,
  wire,
} from "./fixtures.ts";

type Item = { status: number; certificate?: Record<string, string>; error?: { code: string; details?: unknown } };

for (const backend of BACKENDS) {
  describe(`POST /core/guarantees/batch on ${backend.name}`, function () {
    let db: Database;
    let core: Core;

    before(async function () {
      db = await backend.open();
      await resetDatabase(db);
      core = await startCore(db);
    });
    after(async function () {
      await core.close();
      await db.close();
    });
    beforeEach(async function () {
      await resetDatabase(db);
      await deposit(db, payer.address, 10_000n);
    });

    const batch = async (payload: unknown) => {
      const res = await core.app.inject({
        method: "POST",
        url: "/core/guarantees/batch",
        headers: { "content-type": "application/json" },
        payload: typeof payload === "string" ? payload : JSON.stringify(payload),
      });
      return { status: res.statusCode, body: res.json() as { results?: Item[]; error?: { code: string } } };
    };
    const locked = async (user: string = payer.address) => {
      const { rows } = await db.query<{ l: string }>("SELECT locked::text AS l FROM balances WHERE user_address = $1", [
        user.toLowerCase(),
      ]);
      return BigInt(rows[0]?.l ?? "0");
    };

    it("issues every item as POST /core/guarantees would, each answer at its item's index", async function () {
      const bodies = await Promise.all([100n, 200n, 300n].map((amount) => signedBody(v1Request({ amount }))));
      const { status, body } = await batch({ guarantees: bodies });
      expect(status).to.equal(200);
      expect(body.results!.map((r) => r.status)).to.deep.equal([201, 201, 201]);
      for (const [i, r] of body.results!.entries()) {
        const c = r.certificate!;
        expect(core.bls.verify(core.blsPublicKey, c.claims as `0x${string}`, c.signature as `0x${string}`)).to.equal(
          true,
        );
        // The same certificate as the single route's idempotent answer for that item.
        const single = await core.app.inject({ method: "POST", url: "/core/guarantees", payload: bodies[i] });
        expect(single.statusCode).to.equal(200);
        expect(single.json()).to.deep.equal(c);
      }
      expect(await locked()).to.equal(600n);
    });

    it("answers each refused item with its own code and status, and changes nothing for it", async function () {
      const good = await signedBody(v1Request({ amount: 100n }));
      // Signed by another key than the payer named in the request.
      const forged = wire(
        v1Request({ amount: 100n }),
        (await signedBody(v1Request({ amount: 100n }), otherPayer)).signature as `0x${string}`,
      );
      const missing = { ...(await signedBody(v1Request())), request: { version: 1 } };
      const future = { request: { version: 9 }, signature: "0x00" };
      const { status, body } = await batch({ guarantees: [forged, good, missing, future, "not an object"] });
      expect(status).to.equal(200);
      const results = body.results!;
      expect(results.map((r) => [r.status, r.error?.code ?? "ok"])).to.deep.equal([
        [400, "PAYER_SIGNATURE_MISMATCH"],
        [201, "ok"],
        [400, "INVALID_INPUT"],
        [400, "UNSUPPORTED_VERSION"],
        [400, "INVALID_INPUT"],
      ]);
      expect((results[2]!.error!.details as { issues: unknown[] }).issues).to.not.be.empty;
      expect(await locked()).to.equal(100n);
      expect((await db.query<{ n: number }>("SELECT count(*)::int AS n FROM guarantees")).rows[0]?.n).to.equal(1);
    });

    it("is idempotent: a replayed batch answers 200 per item with the same certificates and locks nothing more", async function () {
      const bodies = await Promise.all([1n, 2n].map(() => signedBody(v1Request({ amount: 250n }))));
      const first = await batch({ guarantees: bodies });
      const before = await snapshot(db);
      const again = await batch({ guarantees: bodies });
      expect(again.body.results!.map((r) => r.status)).to.deep.equal([200, 200]);
      expect(again.body.results!.map((r) => r.certificate)).to.deep.equal(
        first.body.results!.map((r) => r.certificate),
      );
      expect(await snapshot(db)).to.equal(before);
      expect(await locked()).to.equal(500n);
    });

    it("locks the same guarantee once when a batch carries it twice", async function () {
      const body = await signedBody(v1Request({ amount: 700n }));
      const { body: answer } = await batch({ guarantees: [body, body] });
      const statuses = answer.results!.map((r) => r.status).sort();
      expect(statuses).to.deep.equal([200, 201]);
      expect(answer.results![0]!.certificate).to.deep.equal(answer.results![1]!.certificate);
      expect(await locked()).to.equal(700n);
    });

    it("never locks more than the free collateral, whatever a batch asks for", async function () {
      // 10,000 free: four of 3,000 fit three times.
      const bodies = await Promise.all([0, 1, 2, 3].map(() => signedBody(v1Request({ amount: 3_000n }))));
      const { body } = await batch({ guarantees: bodies });
      const codes = body.results!.map((r) => r.error?.code ?? r.status);
      expect(codes.filter((c) => c === 201)).to.have.length(3);
      expect(codes.filter((c) => c === "INSUFFICIENT_COLLATERAL")).to.have.length(1);
      expect(await locked()).to.equal(9_000n);
    });

    it("refuses a body that is not a list of 1..64 items as a whole, issuing nothing", async function () {
      const one = await signedBody(v1Request());
      const before = await snapshot(db);
      const tooMany = Array.from({ length: MAX_ISSUE_BATCH + 1 }, () => one);
      for (const payload of [{}, { guarantees: [] }, { guarantees: one }, { guarantees: tooMany }, [one]]) {
        const { status, body } = await batch(payload);
        expect(status, JSON.stringify(payload).slice(0, 80)).to.equal(400);
        expect(body.error!.code).to.equal("INVALID_INPUT");
      }
      const extra = await batch({ guarantees: [one], more: 1 });
      expect([extra.status, extra.body.error!.code]).to.deep.equal([400, "INVALID_INPUT"]);
      const garbled = await batch('{"guarantees": [');
      expect([garbled.status, garbled.body.error!.code]).to.deep.equal([400, "INVALID_JSON"]);
      const poisoned = await batch('{"guarantees": [{}], "__proto__": {"x": 1}}');
      expect([poisoned.status, poisoned.body.error!.code]).to.deep.equal([400, "INVALID_JSON"]);
      const huge = await batch({ guarantees: [{ request: {}, signature: `0x${"ab".repeat(300_000)}` }] });
      expect([huge.status, huge.body.error!.code]).to.deep.equal([413, "PAYLOAD_TOO_LARGE"]);
      expect(await snapshot(db)).to.equal(before);
    });

    it("property: any mix of good, mangled and hostile items locks exactly what it issues, and a replay issues nothing", async function () {
      const mangle = fc.constantFrom(
        (b: any) => ({ ...b, signature: "0x" + "11".repeat(65) }),
        (b: any) => ({ ...b, request: { ...b.request, amount: "-1" } }),
        (b: any) => ({ ...b, request: { ...b.request, user: "0xnothex" } }),
        (b: any) => ({ ...b, request: { ...b.request, timestamp: "1" } }),
        (b: any) => ({ ...b, request: { ...b.request, extra: true } }),
        (b: any) => ({ ...b, request: { ...b.request, amount: "1000000000000" } }),
        (b: any) => ({ request: b.request }),
        () => null,
        () => [],
        () => ({ __proto__: { polluted: 1 } }),
      );
      const item = fc.oneof(
        fc.constant((b: any) => b),
        mangle,
      );
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.tuple(item, fc.integer({ min: 1, max: 500 })), { minLength: 1, maxLength: 12 }),
          async (spec) => {
            await resetDatabase(db);
            await deposit(db, payer.address, 10_000n);
            const bodies = await Promise.all(
              spec.map(async ([f, amount]) => f(await signedBody(v1Request({ amount: BigInt(amount) })))),
            );
            const { status, body } = await batch({ guarantees: bodies });
            expect(status).to.equal(200);
            const results = body.results!;
            expect(results).to.have.length(bodies.length);
            let issued = 0n;
            for (const [i, r] of results.entries()) {
              expect(r.status, JSON.stringify(r)).to.be.below(500);
              if (r.status === 201) issued += BigInt(spec[i]![1]);
              else expect(r.error!.code).to.be.a("string");
            }
            expect(await locked()).to.equal(issued);
            const before = await snapshot(db);
            const again = await batch({ guarantees: bodies });
            expect(again.body.results!.map((r) => (r.status === 201 ? 200 : r.status))).to.deep.equal(
              results.map((r) => (r.status === 201 ? 200 : r.status)),
            );
            expect(await snapshot(db)).to.equal(before);
          },
        ),
        { numRuns: 10, seed: 0x4d1ca },
      );
    });

    it("takes the largest batch Core allows, of another payer's and this payer's guarantees", async function () {
      await deposit(db, otherPayer.address, 10_000n, ASSET);
      const bodies = await Promise.all(
        Array.from({ length: MAX_ISSUE_BATCH }, (_, i) =>
          i % 2 === 0
            ? signedBody(v1Request({ amount: 10n }))
            : signedBody(
                v1Request({ amount: 10n, user: otherPayer.address.toLowerCase() as `0x${string}` }),
                otherPayer,
              ),
        ),
      );
      const { status, body } = await batch({ guarantees: bodies });
      expect(status).to.equal(200);
      expect(body.results!.every((r) => r.status === 201)).to.equal(true);
      expect(await locked(payer.address)).to.equal(320n);
      expect(await locked(otherPayer.address)).to.equal(320n);
    });
  });
}
