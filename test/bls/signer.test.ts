import { readFileSync } from "node:fs";

import { assert, expect } from "chai";
import fc from "fast-check";
import { bytesToHex, type Hex } from "viem";

import { hasCode } from "../../offchain/src/protocol/errors.ts";
import {
  BLS12_381_R,
  createNativeBackend,
  createPureBackend,
  g2ToEip2537,
  g2UncompressedToEip2537,
  type BlsBackend,
  type BlsG2Point,
} from "../../offchain/src/protocol/bls/index.ts";

type Vectors = {
  cases: { name: string; secretKey: Hex; message: Hex; signature: Hex; signatureEip2537: BlsG2Point }[];
};
const vectors: Vectors = JSON.parse(readFileSync(new URL("../vectors/bls.json", import.meta.url), "utf8"));

const secretKey = fc
  .bigInt({ min: 1n, max: BLS12_381_R - 1n })
  .map((k) => `0x${k.toString(16).padStart(64, "0")}` as Hex);
const message = fc.uint8Array({ maxLength: 300 }).map((b) => bytesToHex(b));

function expectCode(fn: () => unknown, code: string): void {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  assert.isTrue(hasCode(thrown, code), `expected code ${code}, got ${String(thrown)}`);
}

describe("BlsBackend.signer (offchain/src/protocol/bls)", function () {
  let backends: BlsBackend[];

  before(async function () {
    backends = [await createNativeBackend(), createPureBackend()];
  });

  it("gives the vector signatures and their EIP-2537 words", function () {
    for (const backend of backends) {
      for (const c of vectors.cases) {
        const signed = backend.signer(c.secretKey).sign(c.message);
        expect(signed.signature, `${backend.name}: ${c.name}`).to.equal(c.signature);
        expect(signed.signatureEip2537, `${backend.name}: ${c.name}`).to.deep.equal(c.signatureEip2537);
      }
    }
  });

  it("matches sign() and the decompressing g2ToEip2537 for any key and message", function () {
    const [native, pure] = backends as [BlsBackend, BlsBackend];
    fc.assert(
      fc.property(secretKey, message, (sk, m) => {
        const fast = native.signer(sk).sign(m);
        expect(fast.signature).to.equal(native.sign(sk, m));
        expect(fast.signatureEip2537).to.deep.equal(g2ToEip2537(fast.signature));
        expect(native.signer(sk).publicKey).to.equal(native.publicKey(sk));
      }),
      { numRuns: 60 },
    );
    // The pure backend is ~60x slower: fewer runs, same property.
    fc.assert(
      fc.property(secretKey, message, (sk, m) => {
        expect(pure.signer(sk).sign(m)).to.deep.equal(native.signer(sk).sign(m));
      }),
      { numRuns: 5 },
    );
  });

  it("refuses a bad key when the signer is made", function () {
    for (const backend of backends) {
      expectCode(() => backend.signer(`0x${"00".repeat(32)}`), "INVALID_BLS_KEY");
      expectCode(() => backend.signer("0x01"), "INVALID_BLS_KEY");
    }
  });
});

describe("g2UncompressedToEip2537", function () {
  it("maps the uncompressed infinity encoding to all-zero words", function () {
    const infinity = new Uint8Array(192);
    infinity[0] = 0x40;
    const words = Object.values(g2UncompressedToEip2537(infinity));
    expect(words).to.have.length(8);
    for (const w of words) expect(w).to.equal(`0x${"00".repeat(32)}`);
  });

  it("refuses a wrong length, a compressed flag, a sign flag and a non-empty infinity", function () {
    expectCode(() => g2UncompressedToEip2537(new Uint8Array(96)), "INVALID_BLS_POINT");
    for (const first of [0x80, 0xa0, 0x20]) {
      const bytes = new Uint8Array(192);
      bytes[0] = first;
      expectCode(() => g2UncompressedToEip2537(bytes), "INVALID_BLS_POINT");
    }
    const dirtyInfinity = new Uint8Array(192);
    dirtyInfinity[0] = 0x40;
    dirtyInfinity[191] = 1;
    expectCode(() => g2UncompressedToEip2537(dirtyInfinity), "INVALID_BLS_POINT");
  });
});
