import { expect } from "chai";
import fc from "fast-check";
import { encodeAbiParameters, keccak256, type Address, type Hex } from "viem";

import {
  planSignedRequestProofs,
  signedRequestId,
  type SignedV1Request,
} from "../../offchain/src/core/scheduler/planSignedRequestProofs.ts";

const DOMAIN: Hex = keccak256("0x4d696361");
const DEBTOR: Address = "0x00000000000000000000000000000000000000d1";
const ASSET: Address = "0x0000000000000000000000000000000000000000";
const ZERO: Hex = `0x${"00".repeat(32)}`;

function request(reqId: bigint, recipient: Address = "0x000000000000000000000000000000000000beef"): SignedV1Request {
  return { recipient, reqId, amount: reqId * 10n, timestamp: 1_700_000_000n, signature: "0x01" };
}

const idOf = (r: SignedV1Request) => BigInt(signedRequestId(DOMAIN, DEBTOR, r.recipient, ASSET, r.reqId));

describe("planSignedRequestProofs", function () {
  describe("signedRequestId", function () {
    it("is keccak256(abi.encode(domainSeparator, user, recipient, asset, reqId)), as GuaranteeIds.idOf", function () {
      const expected = keccak256(
        encodeAbiParameters(
          [{ type: "bytes32" }, { type: "address" }, { type: "address" }, { type: "address" }, { type: "uint256" }],
          [DOMAIN, DEBTOR, "0x000000000000000000000000000000000000beef", ASSET, 7n],
        ),
      );
      expect(signedRequestId(DOMAIN, DEBTOR, "0x000000000000000000000000000000000000beef", ASSET, 7n)).to.equal(
        expected,
      );
    });
  });

  it("orders by id, drops repeats and ids at or below the cursor, chunks", function () {
    fc.assert(
      fc.property(
        fc.array(fc.bigInt({ min: 0n, max: 50n }), { maxLength: 40 }),
        fc.integer({ min: 1, max: 7 }),
        fc.nat({ max: 60 }),
        (reqIds, chunkSize, cursorPick) => {
          const requests = reqIds.map((id) => request(id));
          const ids = [...new Set(requests.map(idOf))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
          const after = cursorPick < ids.length ? ids[cursorPick]! : 0n;
          const afterHex = after === 0n ? ZERO : (`0x${after.toString(16).padStart(64, "0")}` as Hex);
          const chunks = planSignedRequestProofs(requests, {
            requestDomainSeparator: DOMAIN,
            debtor: DEBTOR,
            asset: ASSET,
            after: afterHex,
            chunkSize,
          });
          const flat = chunks.flat().map(idOf);
          expect(flat).to.deep.equal(ids.filter((id) => id > after));
          for (const c of chunks) expect(c.length).to.be.within(1, chunkSize);
        },
      ),
    );
  });

  it("returns nothing when every request is already proven", function () {
    const rs = [request(1n), request(2n)];
    const top = rs.map(idOf).reduce((a, b) => (a > b ? a : b));
    const after = `0x${top.toString(16).padStart(64, "0")}` as Hex;
    expect(
      planSignedRequestProofs(rs, { requestDomainSeparator: DOMAIN, debtor: DEBTOR, asset: ASSET, after }),
    ).to.deep.equal([]);
  });
});
