import { assert, expect } from "chai";
import fc from "fast-check";
import { bytesToHex, numberToHex, type Address, type Hex } from "viem";

import { createGuaranteeRequestHasher } from "../../offchain/src/protocol/createGuaranteeRequestHasher.ts";
import { hasCode } from "../../offchain/src/protocol/errors.ts";
import type { GuaranteeRequest } from "../../offchain/src/protocol/guaranteeTypes.ts";
import { hashGuaranteeRequest } from "../../offchain/src/protocol/hashGuaranteeRequest.ts";

const address = fc.uint8Array({ minLength: 20, maxLength: 20 }).map((b) => bytesToHex(b) as Address);
const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => bytesToHex(b));
const uint = (bits: number) => fc.bigInt({ min: 0n, max: (1n << BigInt(bits)) - 1n });

const base = fc.record({
  user: address,
  recipient: address,
  reqId: uint(256),
  amount: uint(256),
  asset: address,
  timestamp: uint(64),
});
const v1 = base.map((b): GuaranteeRequest => ({ version: 1, ...b }));
const v2 = fc
  .record({
    b: base,
    policy: fc.record({
      validationRegistry: address,
      validationRequestHash: bytes32,
      validationChainId: uint(64),
      validatorAddress: address,
      validatorAgentId: uint(256),
      minValidationScore: fc.integer({ min: 0, max: 255 }),
      validationSubjectHash: bytes32,
      jobHash: bytes32,
      requiredValidationTag: fc.string({ maxLength: 40, unit: "grapheme" }),
    }),
  })
  .map(({ b, policy }): GuaranteeRequest => ({ version: 2, ...b, policy }));
const domain = fc.record({ chainId: uint(64), verifyingContract: address });

describe("createGuaranteeRequestHasher", function () {
  it("gives viem's EIP-712 digest (hashGuaranteeRequest) for any V1 or V2 request and domain", function () {
    fc.assert(
      fc.property(fc.oneof(v1, v2), domain, (request, d) => {
        expect(createGuaranteeRequestHasher(d)(request)).to.equal(hashGuaranteeRequest(request, d));
      }),
      { numRuns: 300 },
    );
  });

  it("is insensitive to address case, as EIP-712 is", function () {
    const d = { chainId: 1n, verifyingContract: "0x00000000000000000000000000000000000000aa" as Address };
    const request: GuaranteeRequest = {
      version: 1,
      user: "0xABCDEF0000000000000000000000000000000001",
      recipient: "0x0000000000000000000000000000000000000002",
      reqId: 1n,
      amount: 2n,
      asset: "0x0000000000000000000000000000000000000003",
      timestamp: 4n,
    };
    const lower = { ...request, user: request.user.toLowerCase() as Address };
    expect(createGuaranteeRequestHasher(d)(request)).to.equal(createGuaranteeRequestHasher(d)(lower));
  });

  it("refuses out-of-range integers and malformed addresses and hashes with INVALID_INPUT", function () {
    const d = { chainId: 1n, verifyingContract: "0x00000000000000000000000000000000000000aa" as Address };
    const hash = createGuaranteeRequestHasher(d);
    const ok: GuaranteeRequest = {
      version: 2,
      user: "0x0000000000000000000000000000000000000001",
      recipient: "0x0000000000000000000000000000000000000002",
      reqId: 1n,
      amount: 2n,
      asset: "0x0000000000000000000000000000000000000003",
      timestamp: 4n,
      policy: {
        validationRegistry: "0x0000000000000000000000000000000000000004",
        validationRequestHash: numberToHex(5n, { size: 32 }),
        validationChainId: 1n,
        validatorAddress: "0x0000000000000000000000000000000000000006",
        validatorAgentId: 7n,
        minValidationScore: 8,
        validationSubjectHash: numberToHex(9n, { size: 32 }),
        jobHash: numberToHex(10n, { size: 32 }),
        requiredValidationTag: "",
      },
    };
    expect(hash(ok)).to.match(/^0x[0-9a-f]{64}$/);
    const p = (ok as Extract<GuaranteeRequest, { version: 2 }>).policy;
    const bad: GuaranteeRequest[] = [
      { ...ok, timestamp: 1n << 64n },
      { ...ok, amount: 1n << 256n },
      { ...ok, reqId: -1n },
      { ...ok, user: "0x01" as Address },
      { ...ok, policy: { ...p, minValidationScore: 256 } } as GuaranteeRequest,
      { ...ok, policy: { ...p, jobHash: "0x12" as Hex } } as GuaranteeRequest,
    ];
    for (const r of bad) {
      let thrown: unknown;
      try {
        hash(r);
      } catch (e) {
        thrown = e;
      }
      assert.isTrue(hasCode(thrown, "INVALID_INPUT"), `${String(thrown)}`);
    }
  });
});
