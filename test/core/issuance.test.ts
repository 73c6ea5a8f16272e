import { expect } from "chai";
import type { Address, Hex } from "viem";

import { setSuspended } from "../../offchain/src/core/adapters/db/balanceRepository.ts";
import type { Database } from "../../offchain/src/core/adapters/db/database.ts";
import type { Core } from "../../offchain/src/core/createCore.ts";
import { encodeEnvelope } from "../../offchain/src/protocol/encodeEnvelope.ts";
import { guaranteeDomain } from "../../offchain/src/protocol/guaranteeDomain.ts";
import { guaranteeId } from "../../offchain/src/protocol/guaranteeId.ts";
import type { GuaranteeRequest, ValidationPolicy } from "../../offchain/src/protocol/guaranteeTypes.ts";
import {
  ASSET,
  BACKENDS,
  CHAIN_ID,
  CORE4MICA,
  GENESIS,
  NOW,
  deposit,
  otherPayer,
  payer,
  resetDatabase,
  sign,
  signedBody,
  snapshot,
  startCore,
  testConfig,
  v1Request,
  v2Request,
  wire,
} from "./fixtures.ts";

const COLLATERAL = 10_000n;

for (const backend of BACKENDS) {
  describe(`Core issuance on ${backend.name}`, function () {
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
      await deposit(db, payer.address, COLLATERAL);
    });

    async function post(body: unknown, target: Core = core) {
      const res = await target.app.inject({ method: "POST", url: "/core/guarantees", payload: body as object });
      return { status: res.statusCode, body: res.json() as Record<string, any> };
    }
    async function locked(user: Address = payer.address): Promise<bigint> {
      const { rows } = await db.query<{ locked: string }>(
        "SELECT locked FROM balances WHERE user_address = $1 AND asset = $2",
        [user.toLowerCase(), ASSET],
      );
      return rows[0] ? BigInt(rows[0].locked) : 0n;
    }
    async function expectRejected(body: unknown, status: number, code: string, target: Core = core) {
      const before = await snapshot(db);
      const res = await post(body, target);
      expect(res.status, JSON.stringify(res.body)).to.equal(status);
      expect(res.body.error.code).to.equal(code);
      expect(await snapshot(db)).to.equal(before);
      return res.body.error;
    }

    describe("POST /core/guarantees: issuance", function () {
      it("issues a V1 certificate, FINALIZED_PAYABLE, and locks the amount", async function () {
        const request = v1Request({ amount: 1_234n });
        const res = await post(await signedBody(request));
        expect(res.status).to.equal(201);
        const domain = guaranteeDomain(1, CHAIN_ID, CORE4MICA);
        expect(res.body.guaranteeId).to.equal(
          guaranteeId(request, { chainId: CHAIN_ID, verifyingContract: CORE4MICA }),
        );
        expect(res.body.cycleId).to.equal("10");
        expect(res.body.status).to.equal("FINALIZED_PAYABLE");
        expect(res.body.claims).to.equal(encodeEnvelope({ ...request, domain, cycleId: 10n }));
        expect(res.body.signature).to.match(/^0x[0-9a-f]{192}$/);
        expect(Object.keys(res.body.signatureEip2537)).to.have.length(8);
        expect(core.bls.verify(core.blsPublicKey, res.body.claims, res.body.signature)).to.equal(true);
        expect(await locked()).to.equal(1_234n);
        const t = await db.query<{ from_status: string | null; to_status: string; cause: string }>(
          "SELECT from_status, to_status, cause FROM guarantee_transitions WHERE guarantee_id = $1",
          [res.body.guaranteeId],
        );
        expect(t.rows).to.deep.equal([{ from_status: null, to_status: "FINALIZED_PAYABLE", cause: "ISSUED" }]);
      });

      it("issues a V2 certificate as PENDING_VALIDATION", async function () {
        const request = v2Request();
        const res = await post(await signedBody(request));
        expect(res.status, JSON.stringify(res.body)).to.equal(201);
        expect(res.body.status).to.equal("PENDING_VALIDATION");
        const domain = guaranteeDomain(2, CHAIN_ID, CORE4MICA);
        expect(res.body.claims).to.equal(encodeEnvelope({ ...request, domain, cycleId: 10n }));
        expect(await locked()).to.equal(request.amount);
      });

      it("certifies up to exactly the available collateral", async function () {
        expect((await post(await signedBody(v1Request({ amount: COLLATERAL })))).status).to.equal(201);
        expect(await locked()).to.equal(COLLATERAL);
        await expectRejected(await signedBody(v1Request({ amount: 1n })), 409, "INSUFFICIENT_COLLATERAL");
      });

      it("accepts the freshness window's edges (now - 300 s, now + 60 s)", async function () {
        expect((await post(await signedBody(v1Request({ timestamp: NOW - 300n })))).status).to.equal(201);
        expect((await post(await signedBody(v1Request({ timestamp: NOW + 60n })))).status).to.equal(201);
      });

      it("accepts a smart-contract wallet's ERC-1271 signature", async function () {
        const wallet: Address = "0x000000000000000000000000000000000000c0de";
        const seen: [Address, Hex, Hex][] = [];
        const scw = await startCore(db, {
          hasCode: async (w) => w === wallet,
          isValidSignature: async (w, digest, sig) => {
            seen.push([w, digest, sig]);
            return w === wallet && sig === "0xc0ffee";
          },
        });
        try {
          await deposit(db, wallet, 5_000n);
          const res = await post(wire(v1Request({ user: wallet }), "0xc0ffee"), scw);
          expect(res.status, JSON.stringify(res.body)).to.equal(201);
          expect(seen[0]?.[0]).to.equal(wallet);
          expect(seen[0]?.[1]).to.match(/^0x[0-9a-f]{64}$/);
          await expectRejected(
            wire(v1Request({ user: wallet }), "0xbad0"),
            400,
            "PAYER_SIGNATURE_ERC1271_REJECTED",
            scw,
          );
        } finally {
          await scw.close();
        }
      });
    });

    describe("POST /core/guarantees: idempotency and conflicts", function () {
      it("returns the stored certificate on a retry, without a second lock", async function () {
        const body = await signedBody(v1Request({ amount: 700n }));
        const first = await post(body);
        const second = await post(body);
        expect(first.status).to.equal(201);
        expect(second.status).to.equal(200);
        expect(second.body).to.deep.equal(first.body);
        expect(await locked()).to.equal(700n);
      });

      it("treats a retry with a different valid signature over the same request as the same guarantee", async function () {
        const request = v1Request({ amount: 700n });
        const sig = await sign(payer, request);
        // Same signature with the high-s twin is not produced by viem; a re-encoded body (hex case) is.
        const first = await post(wire(request, sig));
        const second = await post(wire(request, sig.toUpperCase().replace("0X", "0x") as Hex));
        expect([first.status, second.status]).to.deep.equal([201, 200]);
        expect(await locked()).to.equal(700n);
      });

      it("locks once when the same payload is replayed 100 times concurrently", async function () {
        const body = await signedBody(v1Request({ amount: 900n }));
        const results = await Promise.all(Array.from({ length: 100 }, () => post(body)));
        const statuses = results.map((r) => r.status);
        expect(statuses.filter((s) => s === 201)).to.have.length(1);
        expect(statuses.filter((s) => s === 200)).to.have.length(99);
        expect(new Set(results.map((r) => r.body.signature)).size).to.equal(1);
        expect(await locked()).to.equal(900n);
        const n = await db.query<{ n: string }>("SELECT count(*)::text AS n FROM guarantees");
        expect(n.rows[0]!.n).to.equal("1");
      });

      it("rejects the same guarantee id with other content (GUARANTEE_CONFLICT)", async function () {
        const request = v1Request({ amount: 500n });
        expect((await post(await signedBody(request))).status).to.equal(201);
        const err = await expectRejected(await signedBody({ ...request, amount: 501n }), 409, "GUARANTEE_CONFLICT");
        expect(err.details.guaranteeId).to.match(/^0x[0-9a-f]{64}$/);
        expect(await locked()).to.equal(500n);
      });

      it("rejects a V2 request with a V1 request's (user, recipient, asset, reqId) (GUARANTEE_CONFLICT)", async function () {
        // The id is made of payer-signed fields only (docs/protocol.md §2), not the version: one id, one payment.
        const first = v1Request({ amount: 500n });
        const issued = await post(await signedBody(first));
        expect(issued.status).to.equal(201);
        const { version: _v, ...base } = first;
        const second = v2Request({ ...base });
        expect(second.reqId).to.equal(first.reqId);
        const err = await expectRejected(await signedBody(second), 409, "GUARANTEE_CONFLICT");
        expect(err.details.guaranteeId).to.equal(issued.body.guaranteeId);
        expect(await locked()).to.equal(500n);
      });

      it("rejects a V1 request with a V2 request's (user, recipient, asset, reqId) (GUARANTEE_CONFLICT)", async function () {
        const first = v2Request({ amount: 500n });
        const issued = await post(await signedBody(first));
        expect(issued.status, JSON.stringify(issued.body)).to.equal(201);
        const second = v1Request({ reqId: first.reqId, amount: 500n, timestamp: first.timestamp });
        const err = await expectRejected(await signedBody(second), 409, "GUARANTEE_CONFLICT");
        expect(err.details.guaranteeId).to.equal(issued.body.guaranteeId);
      });

      it("rejects a conflicting timestamp for the same id too", async function () {
        const request = v1Request();
        expect((await post(await signedBody(request))).status).to.equal(201);
        await expectRejected(
          await signedBody({ ...request, timestamp: request.timestamp - 1n }),
          409,
          "GUARANTEE_CONFLICT",
        );
      });
    });

    describe("POST /core/guarantees: rejections", function () {
      it("rejects a version Core does not accept (UNSUPPORTED_VERSION)", async function () {
        await expectRejected(
          wire({ ...v1Request(), version: 3 } as unknown as GuaranteeRequest, "0x00"),
          400,
          "UNSUPPORTED_VERSION",
        );
        const v1Only = await startCore(db, {}, testConfig({ acceptedVersions: [1] }));
        try {
          const err = await expectRejected(await signedBody(v2Request()), 400, "UNSUPPORTED_VERSION", v1Only);
          expect(err.details.accepted).to.deep.equal([1]);
        } finally {
          await v1Only.close();
        }
      });

      it("rejects a timestamp older than the freshness window (STALE_TIMESTAMP)", async function () {
        await expectRejected(await signedBody(v1Request({ timestamp: NOW - 301n })), 400, "STALE_TIMESTAMP");
      });

      it("rejects a timestamp beyond the future skew (FUTURE_TIMESTAMP)", async function () {
        await expectRejected(await signedBody(v1Request({ timestamp: NOW + 61n })), 400, "FUTURE_TIMESTAMP");
      });

      it("rejects a timestamp before genesis (BEFORE_GENESIS)", async function () {
        const early = await startCore(db, { now: () => GENESIS + 10n });
        try {
          await expectRejected(await signedBody(v1Request({ timestamp: GENESIS - 5n })), 400, "BEFORE_GENESIS", early);
        } finally {
          await early.close();
        }
      });

      it("rejects a request whose cycle has closed (CYCLE_CLOSED)", async function () {
        const boundary = GENESIS + 11n * 86_400n;
        const late = await startCore(db, { now: () => boundary + 5n });
        try {
          const err = await expectRejected(
            await signedBody(v1Request({ timestamp: boundary - 5n })),
            409,
            "CYCLE_CLOSED",
            late,
          );
          expect(err.details.cycleId).to.equal("10");
          expect((await post(await signedBody(v1Request({ timestamp: boundary })), late)).body.cycleId).to.equal("11");
        } finally {
          await late.close();
        }
      });

      it("rejects a registry that is not trusted (UNTRUSTED_REGISTRY)", async function () {
        const r = v2Request({}, { validationRegistry: "0x0000000000000000000000000000000000000bad" });
        await expectRejected(await signedBody(r), 400, "UNTRUSTED_REGISTRY");
      });

      it("rejects another validation chain (VALIDATION_CHAIN_MISMATCH)", async function () {
        await expectRejected(
          await signedBody(v2Request({}, { validationChainId: 1n })),
          400,
          "VALIDATION_CHAIN_MISMATCH",
        );
      });

      const policyCases: [string, Partial<ValidationPolicy>, string][] = [
        [
          "a non-canonical subject hash",
          { validationSubjectHash: `0x${"ab".repeat(32)}` },
          "VALIDATION_SUBJECT_HASH_MISMATCH",
        ],
        [
          "a non-canonical request hash",
          { validationRequestHash: `0x${"cd".repeat(32)}` },
          "VALIDATION_REQUEST_HASH_MISMATCH",
        ],
        ["a score of 0", { minValidationScore: 0 }, "INVALID_MIN_VALIDATION_SCORE"],
        ["a score of 101", { minValidationScore: 101 }, "INVALID_MIN_VALIDATION_SCORE"],
        ["a zero job hash", { jobHash: `0x${"00".repeat(32)}` }, "INVALID_JOB_HASH"],
      ];
      for (const [what, policyOverrides, code] of policyCases) {
        it(`rejects ${what} (${code})`, async function () {
          await expectRejected(await signedBody(v2Request({}, {}, policyOverrides)), 400, code);
        });
      }

      it("rejects a signature by someone else (PAYER_SIGNATURE_MISMATCH)", async function () {
        await expectRejected(await signedBody(v1Request(), otherPayer), 400, "PAYER_SIGNATURE_MISMATCH");
      });

      it("rejects a request altered after signing (PAYER_SIGNATURE_MISMATCH)", async function () {
        const request = v1Request({ amount: 10n });
        const sig = await sign(payer, request);
        await expectRejected(wire({ ...request, amount: 11n }, sig), 400, "PAYER_SIGNATURE_MISMATCH");
      });

      it("rejects a signature for another Core4Mica deployment (PAYER_SIGNATURE_MISMATCH)", async function () {
        const other = await startCore(db, {}, testConfig({ core4Mica: "0x00000000000000000000000000000000000000aa" }));
        try {
          await expectRejected(await signedBody(v1Request()), 400, "PAYER_SIGNATURE_MISMATCH", other);
        } finally {
          await other.close();
        }
      });

      it("rejects a suspended payer (PAYER_SUSPENDED)", async function () {
        await setSuspended(db, payer.address, true);
        await expectRejected(await signedBody(v1Request()), 403, "PAYER_SUSPENDED");
        await setSuspended(db, payer.address, false);
        expect((await post(await signedBody(v1Request()))).status).to.equal(201);
      });

      it("rejects more than the available collateral, with the available amount (INSUFFICIENT_COLLATERAL)", async function () {
        const err = await expectRejected(
          await signedBody(v1Request({ amount: COLLATERAL + 1n })),
          409,
          "INSUFFICIENT_COLLATERAL",
        );
        expect(err.details.available).to.equal(COLLATERAL.toString());
        expect(err.details.requested).to.equal((COLLATERAL + 1n).toString());
      });

      it("counts a pending withdrawal as unavailable", async function () {
        await db.query("UPDATE balances SET pending_withdrawal = 4000 WHERE user_address = $1", [
          payer.address.toLowerCase(),
        ]);
        const err = await expectRejected(
          await signedBody(v1Request({ amount: 6_001n })),
          409,
          "INSUFFICIENT_COLLATERAL",
        );
        expect(err.details.available).to.equal("6000");
        expect((await post(await signedBody(v1Request({ amount: 6_000n })))).status).to.equal(201);
      });

      it("rejects a payer with no collateral in that asset (available 0)", async function () {
        const err = await expectRejected(
          await signedBody(v1Request({ asset: "0x0000000000000000000000000000000000000001" })),
          409,
          "INSUFFICIENT_COLLATERAL",
        );
        expect(err.details.available).to.equal("0");
      });
    });

    describe("POST /core/guarantees: hostile input", function () {
      async function rawPost(payload: string, contentType = "application/json") {
        const before = await snapshot(db);
        const res = await core.app.inject({
          method: "POST",
          url: "/core/guarantees",
          payload,
          headers: { "content-type": contentType },
        });
        expect(await snapshot(db)).to.equal(before);
        return { status: res.statusCode, body: res.json() as { error: { code: string } } };
      }

      it("answers malformed JSON with 400 INVALID_JSON", async function () {
        for (const p of ["{bad", "", '{"request":', "\u0000"]) {
          const r = await rawPost(p);
          expect(r.status, p).to.equal(400);
          expect(r.body.error.code, p).to.equal("INVALID_JSON");
        }
      });

      it("answers another media type with 415", async function () {
        const r = await rawPost("request=1", "application/x-www-form-urlencoded");
        expect(r.status).to.equal(415);
        expect(r.body.error.code).to.equal("UNSUPPORTED_MEDIA_TYPE");
      });

      it("answers an oversized body with 413", async function () {
        const r = await rawPost(JSON.stringify({ request: {}, signature: "0x" + "00".repeat(40_000) }));
        expect(r.status).to.equal(413);
        expect(r.body.error.code).to.equal("PAYLOAD_TOO_LARGE");
      });

      it("answers prototype pollution with 400", async function () {
        const r = await rawPost('{"__proto__":{"admin":true},"request":{},"signature":"0x00"}');
        expect(r.status).to.equal(400);
        expect(r.body.error.code).to.equal("INVALID_JSON");
      });

      const good = () => signedBody(v1Request());
      const mutations: [string, (b: any) => unknown][] = [
        ["null body", () => null],
        ["an array body", () => []],
        ["a string body", () => "x"],
        ["a missing signature", (b) => ({ request: b.request })],
        ["a missing amount", (b) => ({ ...b, request: { ...b.request, amount: undefined } })],
        ["an amount as a JSON number", (b) => ({ ...b, request: { ...b.request, amount: 1000 } })],
        ["a negative amount", (b) => ({ ...b, request: { ...b.request, amount: "-1" } })],
        ["a zero amount", (b) => ({ ...b, request: { ...b.request, amount: "0" } })],
        ["an amount above uint256", (b) => ({ ...b, request: { ...b.request, amount: (1n << 256n).toString() } })],
        ["a float amount", (b) => ({ ...b, request: { ...b.request, amount: "1.5" } })],
        ["an amount in exponent form", (b) => ({ ...b, request: { ...b.request, amount: "1e3" } })],
        ["a leading-zero amount", (b) => ({ ...b, request: { ...b.request, amount: "0100" } })],
        ["a bare 0x amount", (b) => ({ ...b, request: { ...b.request, amount: "0x" } })],
        ["a timestamp above uint64", (b) => ({ ...b, request: { ...b.request, timestamp: (1n << 64n).toString() } })],
        ["a fractional timestamp", (b) => ({ ...b, request: { ...b.request, timestamp: 1.5 } })],
        ["a short address", (b) => ({ ...b, request: { ...b.request, user: "0x1234" } })],
        [
          "a bad checksum",
          (b) => ({ ...b, request: { ...b.request, user: "0xA15BB66138824A1c7167f5E85b957d04Dd34E468" } }),
        ],
        ["an address object", (b) => ({ ...b, request: { ...b.request, recipient: { toString: "x" } } })],
        ["an unknown field", (b) => ({ ...b, request: { ...b.request, admin: true } })],
        ["a top-level unknown field", (b) => ({ ...b, extra: 1 })],
        ["a version string", (b) => ({ ...b, request: { ...b.request, version: "1" } })],
        ["a non-hex signature", (b) => ({ ...b, signature: "0xzz" })],
        ["an odd-length signature", (b) => ({ ...b, signature: "0x123" })],
        [
          "a deeply nested value",
          (b) => ({ ...b, request: { ...b.request, asset: JSON.parse("[".repeat(500) + "]".repeat(500)) } }),
        ],
        ["V2 fields on a V1 request", (b) => ({ ...b, request: { ...b.request, jobHash: `0x${"11".repeat(32)}` } })],
      ];
      for (const [what, mutate] of mutations) {
        it(`answers ${what} with 400 INVALID_INPUT and changes nothing`, async function () {
          const body = mutate(await good());
          const before = await snapshot(db);
          const res = await core.app.inject({
            method: "POST",
            url: "/core/guarantees",
            payload: JSON.stringify(body),
            headers: { "content-type": "application/json" },
          });
          expect(res.statusCode, res.body).to.equal(400);
          expect(res.json().error.code).to.equal("INVALID_INPUT");
          expect(await snapshot(db)).to.equal(before);
        });
      }
    });
  });
}
