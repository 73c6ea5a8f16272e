import { expect } from "chai";
import fc from "fast-check";
import { bytesToHex, encodeAbiParameters, getAddress, keccak256, stringToHex, type Address, type Hex } from "viem";

import { guaranteeId } from "../../offchain/src/protocol/guaranteeId.ts";
import {
  keccak256Bytes,
  keccak256Hex,
  keccak256Utf8,
  keccakBackend,
} from "../../offchain/src/protocol/keccak256Fast.ts";

/** viem's result, or the error class it throws. */
function viemOutcome(f: () => Hex): Hex | string {
  try {
    return f();
  } catch (e) {
    return (e as Error).constructor.name;
  }
}

describe("keccak256Fast", function () {
  it("loads the native sponge here (the issuance hot path relies on it)", function () {
    expect(keccakBackend).to.equal("native");
  });

  it("keccak256Bytes equals viem's keccak256 for any bytes, across the 136-byte rate boundaries", function () {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        expect(keccak256Bytes(bytes)).to.equal(keccak256(bytes));
      }),
      { numRuns: 500 },
    );
    for (const n of [0, 135, 136, 137, 271, 272, 273]) {
      const bytes = new Uint8Array(n).fill(0xa5);
      expect(keccak256Bytes(bytes)).to.equal(keccak256(bytes));
    }
  });

  it("keccak256Bytes hashes only a view's own bytes, not its whole buffer", function () {
    const whole = Uint8Array.from({ length: 100 }, (_, i) => i);
    const view = whole.subarray(10, 74);
    expect(keccak256Bytes(view)).to.equal(keccak256(whole.slice(10, 74)));
  });

  it("keccak256Hex equals viem's keccak256 for any string, hex or not (odd length, bad digits, upper case)", function () {
    const hexDigits = fc.string({ unit: fc.constantFrom(..."0123456789abcdefABCDEFxg"), maxLength: 300 });
    fc.assert(
      fc.property(
        fc.oneof(
          hexDigits.map((s) => `0x${s}` as Hex),
          hexDigits as fc.Arbitrary<Hex>,
        ),
        (s) => {
          expect(viemOutcome(() => keccak256Hex(s))).to.equal(viemOutcome(() => keccak256(s)));
        },
      ),
      { numRuns: 500 },
    );
  });

  it("keccak256Utf8 equals keccak256(stringToHex(text)) for any text, lone surrogates included", function () {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 200 }), (text) => {
        expect(keccak256Utf8(text)).to.equal(keccak256(stringToHex(text)));
      }),
      { numRuns: 500 },
    );
  });

  it("interleaved calls do not disturb each other (one shared sponge)", function () {
    const a = new Uint8Array(300).fill(1);
    const b = new Uint8Array(7).fill(2);
    const first = keccak256Bytes(a);
    expect(keccak256Bytes(b)).to.equal(keccak256(b));
    expect(keccak256Bytes(a)).to.equal(first);
  });
});

describe("guaranteeId (fast path)", function () {
  const address = fc.uint8Array({ minLength: 20, maxLength: 20 }).map((b) => bytesToHex(b) as Address);
  // Lowercase or EIP-55 checksummed: the forms abi.encode accepts (viem refuses other mixed cases).
  const anyCase = address.chain((a) => fc.constantFrom(a, getAddress(a)));
  const separator = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => bytesToHex(b));
  const reference = (s: Hex, user: Address, recipient: Address, asset: Address, reqId: bigint) =>
    keccak256(
      encodeAbiParameters(
        [{ type: "bytes32" }, { type: "address" }, { type: "address" }, { type: "address" }, { type: "uint256" }],
        [s, user, recipient, asset, reqId],
      ),
    );

  it("equals keccak256(abi.encode(separator, user, recipient, asset, reqId)) for any valid input", function () {
    fc.assert(
      fc.property(
        separator,
        anyCase,
        anyCase,
        anyCase,
        fc.bigInt({ min: 0n, max: (1n << 256n) - 1n }),
        (s, user, recipient, asset, reqId) => {
          expect(guaranteeId({ user, recipient, asset, reqId }, s)).to.equal(
            reference(s, user, recipient, asset, reqId),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it("refuses what abi.encode refuses: a bad checksum, a reqId above uint256 or below zero", function () {
    const ok = "0x000000000000000000000000000000000000beef" as Address;
    const s = `0x${"11".repeat(32)}` as Hex;
    const badChecksum = "0x000000000000000000000000000000000000BeeF" as Address;
    expect(() => guaranteeId({ user: badChecksum, recipient: ok, asset: ok, reqId: 1n }, s)).to.throw(
      /Address .* is invalid/,
    );
    expect(() => guaranteeId({ user: ok, recipient: ok, asset: ok, reqId: 1n << 256n }, s)).to.throw(
      /256-bit unsigned integer range/,
    );
    expect(() => guaranteeId({ user: ok, recipient: ok, asset: ok, reqId: -1n }, s)).to.throw(
      /256-bit unsigned integer range/,
    );
  });
});
