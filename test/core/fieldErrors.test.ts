import { expect } from "chai";

import type { Database } from "../../offchain/src/core/adapters/db/database.ts";
import { openPgliteDatabase } from "../../offchain/src/core/adapters/db/pgliteDatabase.ts";
import type { Core } from "../../offchain/src/core/createCore.ts";
import { deposit, payer, resetDatabase, signedBody, snapshot, startCore, v1Request, v2Request } from "./fixtures.ts";

type Body = { request: Record<string, any>; signature: string };

describe("Core field errors: one {path, code, message} per bad field", function () {
  let db: Database;
  let core: Core;

  before(async function () {
    db = await openPgliteDatabase();
    await resetDatabase(db);
    core = await startCore(db);
    await deposit(db, payer.address, 1_000_000n);
  });
  after(async function () {
    await core.close();
    await db.close();
  });

  async function issues(body: unknown) {
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
    return res.json().error.details.issues as { path: string; code: string; message: string }[];
  }
  const v1 = async (): Promise<Body> => (await signedBody(v1Request())) as Body;
  const v2 = async (): Promise<Body> => (await signedBody(v2Request())) as Body;
  const set = (b: Body, field: string, value: unknown): Body => ({ ...b, request: { ...b.request, [field]: value } });
  const setPolicy = (b: Body, field: string, value: unknown): Body => ({
    ...b,
    request: { ...b.request, policy: { ...b.request.policy, [field]: value } },
  });

  const v1Cases: [string, unknown, string][] = [
    ["user", "0x1234", "INVALID_FORMAT"],
    ["user", "0xA15BB66138824A1c7167f5E85b957d04Dd34E468", "BAD_CHECKSUM"],
    ["user", 42, "INVALID_TYPE"],
    ["recipient", undefined, "REQUIRED"],
    ["recipient", "0xZZ5bb66138824a1c7167f5e85b957d04dd34e468", "INVALID_FORMAT"],
    ["reqId", "1.5", "INVALID_FORMAT"],
    ["reqId", `${(1n << 256n).toString()}`, "OUT_OF_RANGE"],
    ["amount", "0", "OUT_OF_RANGE"],
    ["amount", 1000, "INVALID_TYPE"],
    ["asset", null, "INVALID_TYPE"],
    ["timestamp", 1.5, "NOT_AN_INTEGER"],
    ["timestamp", -1, "OUT_OF_RANGE"],
    ["timestamp", (1n << 64n).toString(), "OUT_OF_RANGE"],
    ["timestamp", "soon", "INVALID_FORMAT"],
    ["timestamp", true, "INVALID_TYPE"],
    ["timestamp", undefined, "REQUIRED"],
    ["version", "1", "INVALID_VALUE"],
  ];
  for (const [field, value, code] of v1Cases) {
    it(`reports request.${field} = ${JSON.stringify(value)} as ${code}, and only that field`, async function () {
      const got = await issues(set(await v1(), field, value));
      expect(got.map((i) => [i.path, i.code])).to.deep.equal([[`request.${field}`, code]]);
      expect(got[0]!.message).to.be.a("string").and.not.equal("Invalid input");
    });
  }

  it("reports two bad fields as two entries", async function () {
    const got = await issues(set(set(await v1(), "amount", "-1"), "timestamp", 2.5));
    expect(got.map((i) => i.path).sort()).to.deep.equal(["request.amount", "request.timestamp"]);
  });

  it("reports an unknown field by name (UNKNOWN_FIELD), at the top level too", async function () {
    expect((await issues(set(await v1(), "admin", true))).map((i) => [i.path, i.code])).to.deep.equal([
      ["request.admin", "UNKNOWN_FIELD"],
    ]);
    expect((await issues({ ...(await v1()), extra: 1 })).map((i) => [i.path, i.code])).to.deep.equal([
      ["extra", "UNKNOWN_FIELD"],
    ]);
  });

  it("reports a missing version as REQUIRED at request.version", async function () {
    const b = await v1();
    const { version: _v, ...request } = b.request;
    expect((await issues({ ...b, request })).map((i) => [i.path, i.code])).to.deep.equal([
      ["request.version", "REQUIRED"],
    ]);
  });

  it("reports the signature field", async function () {
    expect((await issues({ ...(await v1()), signature: "0xzz" })).map((i) => [i.path, i.code])).to.deep.equal([
      ["signature", "INVALID_FORMAT"],
    ]);
    const { signature: _s, ...noSig } = await v1();
    expect((await issues(noSig)).map((i) => [i.path, i.code])).to.deep.equal([["signature", "REQUIRED"]]);
  });

  const policyCases: [string, unknown, string][] = [
    ["validationRegistry", "0x12", "INVALID_FORMAT"],
    ["validationRequestHash", "0x12", "INVALID_FORMAT"],
    ["validationChainId", 31337.5, "NOT_AN_INTEGER"],
    ["validatorAddress", 7, "INVALID_TYPE"],
    ["validatorAgentId", "-7", "INVALID_FORMAT"],
    ["minValidationScore", 256, "OUT_OF_RANGE"],
    ["minValidationScore", 80.5, "NOT_AN_INTEGER"],
    ["validationSubjectHash", undefined, "REQUIRED"],
    ["jobHash", "0x", "INVALID_FORMAT"],
    ["requiredValidationTag", "x".repeat(257), "OUT_OF_RANGE"],
  ];
  for (const [field, value, code] of policyCases) {
    it(`reports request.policy.${field} = ${JSON.stringify(value)?.slice(0, 20)} as ${code}`, async function () {
      const got = await issues(setPolicy(await v2(), field, value));
      expect(got.map((i) => [i.path, i.code])).to.deep.equal([[`request.policy.${field}`, code]]);
    });
  }

  describe("addresses as docs/core-api.md says: checksummed or single-case", function () {
    const forms: [string, (a: string) => string][] = [
      ["lowercase", (a) => a.toLowerCase()],
      ["uppercase hex after 0x", (a) => `0x${a.slice(2).toUpperCase()}`],
      ["EIP-55 checksummed", (a) => a],
    ];
    for (const [what, form] of forms) {
      it(`accepts a ${what} user and recipient`, async function () {
        const request = v1Request();
        const body = (await signedBody(request)) as Body;
        const res = await core.app.inject({
          method: "POST",
          url: "/core/guarantees",
          payload: {
            ...body,
            request: { ...body.request, user: form(payer.address), recipient: form(body.request.recipient) },
          },
        });
        expect(res.statusCode, res.body).to.equal(201);
      });
    }
  });

  it("reports route parameters by name, a cycle id above uint256 included (never a database error)", async function () {
    const big = (1n << 256n).toString();
    const res = await core.app.inject({ method: "GET", url: `/core/cycles/${big}/0x${"00".repeat(20)}` });
    expect(res.statusCode).to.equal(400);
    expect(res.json().error.details.issues).to.deep.equal([
      { path: "cycleId", code: "OUT_OF_RANGE", message: "is above uint256" },
    ]);
    const addr = await core.app.inject({
      method: "GET",
      url: `/core/cycles/1/0xA15BB66138824A1c7167f5E85b957d04Dd34E468/positions/0x12`,
    });
    expect(addr.json().error.details.issues.map((i: { path: string; code: string }) => [i.path, i.code])).to.deep.equal(
      [
        ["asset", "BAD_CHECKSUM"],
        ["participant", "INVALID_FORMAT"],
      ],
    );
  });

  it("reports a bad list parameter by name (limit, cursor)", async function () {
    const res = await core.app.inject({ method: "GET", url: "/core/cycles?limit=0&cursor=%2F%2F" });
    expect(res.statusCode).to.equal(400);
    expect(res.json().error.details.issues.map((i: { path: string; code: string }) => [i.path, i.code])).to.deep.equal([
      ["limit", "OUT_OF_RANGE"],
      ["cursor", "INVALID_FORMAT"],
    ]);
    const forged = await core.app.inject({
      method: "GET",
      url: `/core/cycles?cursor=${Buffer.from('["batch","0x00"]').toString("base64url")}`,
    });
    expect(forged.statusCode).to.equal(400);
    expect(forged.json().error.details.issues).to.deep.equal([
      { path: "cursor", code: "INVALID_CURSOR", message: "not a cursor of this cycles list" },
    ]);
  });
});
