import { expect } from "chai";
import fc from "fast-check";
import { bytesToHex, getAddress } from "viem";

import {
  issueGuaranteeBodySchema,
  parseIssueGuaranteeBody,
  parseWellFormedV1Body,
} from "../../offchain/src/core/issuance/requestSchema.ts";

const MAX_UINT256 = (1n << 256n) - 1n;
const MAX_UINT64 = (1n << 64n) - 1n;

const lowerAddress = fc.uint8Array({ minLength: 20, maxLength: 20 }).map((b) => bytesToHex(b));
/** Every form a client may send, and some it may not: lower, upper, EIP-55, broken checksum, too short, no 0x. */
const addressForm = lowerAddress.chain((a) =>
  fc.oneof(
    { arbitrary: fc.constantFrom(a, `0x${a.slice(2).toUpperCase()}`, getAddress(a)), weight: 12 },
    fc.constantFrom(`0x${a.slice(2, 4).toUpperCase()}${a.slice(4)}`, a.slice(0, 40), a.slice(2), `0X${a.slice(2)}`),
  ),
);
const uintForm = (max: bigint) =>
  fc.oneof(
    { arbitrary: fc.bigInt({ min: 0n, max }).map((v) => v.toString()), weight: 10 },
    { arbitrary: fc.bigInt({ min: 0n, max }).map((v) => `0x${v.toString(16)}`), weight: 5 },
    fc.bigInt({ min: max + 1n, max: max * 4n }).map((v) => v.toString()),
    fc.constantFrom("", "01", "-1", "1.5", "1e3", " 1", "0x", "0xg"),
    fc.integer({ min: 0, max: 1000 }),
    fc.constant(null),
  );
const timestampForm = fc.oneof(
  { arbitrary: uintForm(MAX_UINT64), weight: 3 },
  { arbitrary: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), weight: 3 },
  fc.constantFrom(1.5, -1, Number.MAX_SAFE_INTEGER + 2, Number.NaN),
);
const signatureForm = fc.oneof(
  { arbitrary: fc.uint8Array({ minLength: 1, maxLength: 100 }).map((b) => bytesToHex(b)), weight: 5 },
  {
    arbitrary: fc
      .uint8Array({ minLength: 65, maxLength: 65 })
      .map((b) => bytesToHex(b).toUpperCase().replace("0X", "0x")),
    weight: 5,
  },
  fc.constantFrom("0x", "0x0", "0xzz", "abcd", 7),
);
const requestForm = fc.record(
  {
    version: fc.oneof({ arbitrary: fc.constant<unknown>(1), weight: 10 }, fc.constantFrom<unknown>(2, "1", 3)),
    user: addressForm,
    recipient: addressForm,
    reqId: uintForm(MAX_UINT256),
    amount: uintForm(MAX_UINT256),
    asset: addressForm,
    timestamp: timestampForm,
    extra: fc.constant("x"),
  },
  // `extra` (an unknown key) comes and goes with the optional keys.
  { requiredKeys: ["version", "user", "recipient", "reqId", "amount", "asset", "timestamp"] },
);
const bodyForm = fc.oneof(
  { arbitrary: fc.record({ request: requestForm, signature: signatureForm }), weight: 10 },
  fc.record({ request: requestForm, signature: signatureForm, more: fc.constant(1) }),
  fc.record({ request: requestForm }),
  fc.constantFrom<unknown>(null, [], "x", 1, { request: [], signature: "0x00" }),
);

/** A body as clients send it: every field in its canonical form. */
const wellFormed = fc
  .record({
    user: lowerAddress,
    recipient: lowerAddress,
    asset: lowerAddress,
    reqId: fc.bigInt({ min: 0n, max: MAX_UINT256 }),
    amount: fc.bigInt({ min: 1n, max: MAX_UINT256 }),
    timestamp: fc.oneof(
      fc.bigInt({ min: 0n, max: MAX_UINT64 }).map((v) => v.toString()),
      fc.integer({ min: 0, max: 2 ** 40 }),
    ),
    signature: fc.uint8Array({ minLength: 65, maxLength: 65 }).map((b) => bytesToHex(b)),
  })
  .map(({ signature, ...r }) => ({
    request: { version: 1, ...r, reqId: r.reqId.toString(), amount: r.amount.toString() },
    signature,
  }));

describe("parseWellFormedV1Body (the issuance fast path)", function () {
  it("gives exactly what issueGuaranteeBodySchema gives whenever it answers, and leaves the rest to the schema", function () {
    let answered = 0;
    fc.assert(
      fc.property(bodyForm, (body) => {
        const fast = parseWellFormedV1Body(body);
        if (fast === undefined) return;
        answered++;
        const slow = issueGuaranteeBodySchema.safeParse(body);
        expect(slow.success, JSON.stringify(body)).to.equal(true);
        expect(fast).to.deep.equal(slow.data);
      }),
      { numRuns: 3000 },
    );
    expect(answered, "the generator reaches the fast path").to.be.greaterThan(10);
  });

  it("answers every well-formed V1 body (so the hot path does not fall back to zod)", function () {
    fc.assert(
      fc.property(wellFormed, (body) => {
        const fast = parseWellFormedV1Body(body);
        expect(fast, JSON.stringify(body)).to.not.equal(undefined);
        expect(fast).to.deep.equal(issueGuaranteeBodySchema.parse(body));
      }),
      { numRuns: 500 },
    );
  });

  it("parseIssueGuaranteeBody still reports the schema's issues for what the fast path leaves", function () {
    const body = {
      request: {
        version: 1,
        user: "0xAbCdEf0000000000000000000000000000000001", // mixed case, bad checksum
        recipient: "0x0000000000000000000000000000000000000002",
        reqId: "1",
        amount: "0",
        asset: "0x0000000000000000000000000000000000000003",
        timestamp: "4",
      },
      signature: "0x00",
    };
    expect(parseWellFormedV1Body(body)).to.equal(undefined);
    const parsed = parseIssueGuaranteeBody(body);
    expect(parsed.success).to.equal(false);
    const paths = parsed.error!.issues.map((i) => i.path.join("."));
    expect(paths).to.include.members(["request.user", "request.amount"]);
  });
});
