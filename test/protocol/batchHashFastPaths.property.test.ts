import { expect } from "chai";
import fc from "fast-check";
import { encodeAbiParameters, keccak256, concat, type Address, type Hex } from "viem";

import {
  BATCH_HASH_TAG,
  batchHash,
  sortBatchEntries,
  type BatchEntry,
} from "../../offchain/src/protocol/netting/index.ts";
import { BatchOrderError, NettingInputError } from "../../offchain/src/protocol/netting/errors.ts";

const header = {
  chainId: 31337n,
  clearingHouse: "0x00000000000000000000000000000000c1ea2100" as Address,
  cycleId: 7n,
  asset: "0x0000000000000000000000000000000000000000" as Address,
};

/** The batch hash by its definition (docs/protocol.md §6): keccak over the abi-encoded header and records. */
function referenceBatchHash(entries: readonly BatchEntry[]): Hex {
  const head = encodeAbiParameters(
    [{ type: "bytes32" }, { type: "uint256" }, { type: "address" }, { type: "uint256" }, { type: "address" }],
    [BATCH_HASH_TAG, header.chainId, header.clearingHouse, header.cycleId, header.asset],
  );
  const records = entries.map((e) =>
    encodeAbiParameters(
      [{ type: "bytes32" }, { type: "address" }, { type: "address" }, { type: "uint256" }],
      [e.guaranteeId, e.user.toLowerCase() as Address, e.recipient.toLowerCase() as Address, e.amount],
    ),
  );
  return keccak256(concat([head, ...records]));
}

const hexDigit = fc.constantFrom(..."0123456789abcdefABCDEF".split(""));
// Ids drawn to collide on the sort's fast-path keys: a shared first 16 bits (the bucket) and a shared next 52
// bits (the in-bucket key) are both frequent, so the whole-id tie-break runs; mixed case is allowed.
const id = fc
  .tuple(
    fc.constantFrom("0000", "ffff", "7a7a", "FFFF"),
    fc.oneof(fc.constant("0123456789abc"), fc.string({ unit: hexDigit, minLength: 13, maxLength: 13 })),
    fc.string({ unit: hexDigit, minLength: 47, maxLength: 47 }),
  )
  .map(([a, b, c]) => `0x${a}${b}${c}` as Hex);
const address = fc.string({ unit: hexDigit, minLength: 40, maxLength: 40 }).map((s) => `0x${s}` as Address);
// Amounts on both sides of the 64-bit fast path of the record writer.
const amount = fc.oneof(
  fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  fc.bigInt({ min: (1n << 64n) - 2n, max: (1n << 256n) - 1n }),
);
const entry = fc.record({ guaranteeId: id, user: address, recipient: address, amount });

describe("batch hash fast paths (sortBatchEntries' bucket sort, the record writer's caches)", function () {
  it("sortBatchEntries orders exactly as a case-insensitive string sort", function () {
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 300 }), (entries) => {
        const expected = [...entries].sort((a, b) => {
          const x = a.guaranteeId.toLowerCase();
          const y = b.guaranteeId.toLowerCase();
          return x < y ? -1 : x > y ? 1 : 0;
        });
        expect(sortBatchEntries(entries).map((e) => e.guaranteeId.toLowerCase())).to.deep.equal(
          expected.map((e) => e.guaranteeId.toLowerCase()),
        );
      }),
      { numRuns: 300 },
    );
  });

  it("sortBatchEntries falls back to the string sort for ids that are not hex, keeping every entry", function () {
    const odd = [
      { guaranteeId: "0xzz" as Hex, user: "0x" as Address, recipient: "0x" as Address, amount: 1n },
      { guaranteeId: "0x01" as Hex, user: "0x" as Address, recipient: "0x" as Address, amount: 2n },
    ];
    expect(sortBatchEntries(odd).map((e) => e.amount)).to.deep.equal([2n, 1n]);
  });

  it("batchHash of sorted distinct entries equals keccak over the abi-encoded definition", function () {
    fc.assert(
      fc.property(
        fc.uniqueArray(entry, { maxLength: 700, selector: (e) => e.guaranteeId.toLowerCase() }),
        (entries) => {
          const sorted = sortBatchEntries(entries);
          expect(batchHash(header, sorted)).to.equal(referenceBatchHash(sorted));
        },
      ),
      { numRuns: 60 },
    );
  });

  it("batchHash still refuses a repeated or descending id and a bad address after the caches are warm", function () {
    const a = "0x" + "11".repeat(20);
    const base = (n: number): BatchEntry => ({
      guaranteeId: `0x${n.toString(16).padStart(64, "0")}` as Hex,
      user: a as Address,
      recipient: a as Address,
      amount: 1n,
    });
    // 600 entries cross a 512-record chunk boundary, where the previous id is kept apart from the chunk.
    const ok = Array.from({ length: 600 }, (_, i) => base(i + 1));
    expect(() => batchHash(header, [...ok.slice(0, 512), base(512)])).to.throw(BatchOrderError);
    expect(() => batchHash(header, [...ok.slice(0, 513), base(10)])).to.throw(BatchOrderError);
    expect(() => batchHash(header, [...ok, { ...base(601), user: "0xnothex" as Address }])).to.throw(
      NettingInputError,
      /user/,
    );
    expect(() => batchHash(header, [...ok, { ...base(601), amount: 1n << 256n }])).to.throw(NettingInputError);
  });
});
