import { readFileSync } from "node:fs";

import { assert, expect } from "chai";
import fc from "fast-check";
import { bytesToHex, concatHex, hexToBytes, numberToHex, type Hex } from "viem";

import { hasCode } from "../../offchain/src/protocol/errors.ts";
import {
  BLS12_381_R,
  BLS_POP_DST,
  BlsBackendUnavailableError,
  createNativeBackend,
  createPureBackend,
  g1BytesToWords,
  g1FromEip2537,
  g1ToEip2537,
  g1WordsToBytes,
  g2BytesToWords,
  g2FromEip2537,
  g2ToEip2537,
  g2WordsToBytes,
  hashToG2,
  loadBlsBackend,
  negatedG1Generator,
  parseSecretKey,
  type BlsBackend,
  type BlsG1Point,
  type BlsG2Point,
} from "../../offchain/src/protocol/bls/index.ts";

type Vectors = {
  dst: string;
  negatedG1Generator: BlsG1Point;
  g1OutsideSubgroup: BlsG1Point;
  rfc9380: { dst: Hex; message: Hex; hashToG2Eip2537: BlsG2Point };
  cases: {
    name: string;
    secretKey: Hex;
    message: Hex;
    publicKey: Hex;
    publicKeyEip2537: BlsG1Point;
    signature: Hex;
    signatureEip2537: BlsG2Point;
    hashToG2Eip2537: BlsG2Point;
  }[];
};

const vectors: Vectors = JSON.parse(readFileSync(new URL("../vectors/bls.json", import.meta.url), "utf8"));

const INFINITY_G1: Hex = concatHex(["0xc0", numberToHex(0n, { size: 47 })]);
const INFINITY_G2: Hex = concatHex(["0xc0", numberToHex(0n, { size: 95 })]);

/** The same message with its last byte changed, or one byte appended when it is empty. */
function tamper(message: Hex): Hex {
  if (message === "0x") return "0x00";
  const last = Number.parseInt(message.slice(-2), 16) ^ 0x01;
  return `${message.slice(0, -2)}${last.toString(16).padStart(2, "0")}` as Hex;
}

function expectCode(fn: () => unknown, code: string): void {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  assert.isTrue(hasCode(thrown, code), `expected code ${code}, got ${String(thrown)}`);
}

async function backendsFixture(): Promise<{ native: BlsBackend; pure: BlsBackend; backends: BlsBackend[] }> {
  const native = await createNativeBackend();
  const pure = createPureBackend();
  return { native, pure, backends: [native, pure] };
}

describe("BLS (offchain/src/protocol/bls)", function () {
  let native: BlsBackend;
  let pure: BlsBackend;
  let backends: BlsBackend[];

  before(async function () {
    ({ native, pure, backends } = await backendsFixture());
  });

  it("has six or more vectors under the POP DST", function () {
    expect(vectors.dst).to.equal(BLS_POP_DST);
    expect(vectors.cases.length).to.be.greaterThanOrEqual(6);
  });

  describe("backends", function () {
    it("derive the vector public keys, byte for byte", function () {
      for (const backend of backends) {
        for (const c of vectors.cases)
          expect(backend.publicKey(c.secretKey), `${backend.name}: ${c.name}`).to.equal(c.publicKey);
      }
    });

    it("produce the vector signatures, byte for byte", function () {
      for (const backend of backends) {
        for (const c of vectors.cases) {
          expect(backend.sign(c.secretKey, c.message), `${backend.name}: ${c.name}`).to.equal(c.signature);
        }
      }
    });

    it("sign hex and bytes messages alike", function () {
      const c = vectors.cases[4]!;
      const bytes = Uint8Array.from(Buffer.from(c.message.slice(2), "hex"));
      for (const backend of backends) expect(backend.sign(c.secretKey, bytes)).to.equal(c.signature);
    });

    it("verify the vector signatures", function () {
      for (const backend of backends) {
        for (const c of vectors.cases) {
          assert.isTrue(backend.verify(c.publicKey, c.message, c.signature), `${backend.name}: ${c.name}`);
        }
      }
    });

    it("reject tampered messages", function () {
      for (const backend of backends) {
        for (const c of vectors.cases) {
          assert.isFalse(backend.verify(c.publicKey, tamper(c.message), c.signature), `${backend.name}: ${c.name}`);
        }
      }
    });

    it("reject a signature under another key", function () {
      for (const backend of backends) {
        vectors.cases.forEach((c, i) => {
          const other = vectors.cases[(i + 1) % vectors.cases.length]!;
          assert.isFalse(backend.verify(other.publicKey, c.message, c.signature), `${backend.name}: ${c.name}`);
        });
      }
    });

    it("return false for the infinity key and the infinity signature", function () {
      const c = vectors.cases[0]!;
      for (const backend of backends) {
        assert.isFalse(backend.verify(INFINITY_G1, c.message, c.signature), `${backend.name}: infinity key`);
        assert.isFalse(backend.verify(c.publicKey, c.message, INFINITY_G2), `${backend.name}: infinity signature`);
        assert.isFalse(backend.verify(INFINITY_G1, c.message, INFINITY_G2), `${backend.name}: both infinity`);
      }
    });

    it("return false, not throw, for malformed keys and signatures", function () {
      const c = vectors.cases[0]!;
      for (const backend of backends) {
        assert.isFalse(backend.verify("0x1234", c.message, c.signature), `${backend.name}: short key`);
        assert.isFalse(backend.verify(c.publicKey, c.message, "0xdeadbeef"), `${backend.name}: short signature`);
      }
    });

    it("native: a key kept after a success still refuses other keys' signatures, tampered and infinity ones", function () {
      // A fresh backend: its first verify under each key runs the key check and keeps the key.
      return createNativeBackend().then((fresh) => {
        const [a, b] = vectors.cases;
        assert.isTrue(fresh.verify(a!.publicKey, a!.message, a!.signature));
        assert.isTrue(fresh.verify(a!.publicKey, a!.message, a!.signature), "second call, kept key");
        assert.isFalse(fresh.verify(a!.publicKey, b!.message, b!.signature), "another key's signature");
        assert.isFalse(fresh.verify(a!.publicKey, tamper(a!.message), a!.signature), "tampered message");
        assert.isFalse(fresh.verify(a!.publicKey, a!.message, INFINITY_G2), "infinity signature");
        assert.isFalse(fresh.verify(a!.publicKey, a!.message, "0xdeadbeef"), "short signature");
        assert.isTrue(fresh.verify(b!.publicKey, b!.message, b!.signature), "another kept key");
        assert.isFalse(fresh.verify(b!.publicKey, a!.message, a!.signature), "the first key's signature");
      });
    });

    it("native: refuse a key outside the G1 subgroup on every call (only checked keys are kept)", async function () {
      const { PublicKey } = await import("@chainsafe/blst");
      // x = 4 is on the curve outside the subgroup (the vectors' g1OutsideSubgroup); compressed, sign bit clear.
      const outside: Hex = `0x80${"00".repeat(46)}04`;
      PublicKey.fromBytes(hexToBytes(outside), false); // decompresses: the refusal is the subgroup check's
      assert.throws(() => PublicKey.fromBytes(hexToBytes(outside), true));
      const fresh = await createNativeBackend();
      const c = vectors.cases[0]!;
      for (let i = 0; i < 3; i++) assert.isFalse(fresh.verify(outside, c.message, c.signature), `call ${i}`);
      assert.isFalse(pure.verify(outside, c.message, c.signature), "pure agrees");
    });

    it("agree with each other for random keys and messages", function () {
      this.timeout(60_000);
      fc.assert(
        fc.property(
          fc.bigInt({ min: 1n, max: BLS12_381_R - 1n }),
          fc.uint8Array({ maxLength: 512 }),
          (scalar, message) => {
            const secretKey = numberToHex(scalar, { size: 32 });
            const signature = native.sign(secretKey, message);
            expect(pure.sign(secretKey, message)).to.equal(signature);
            expect(pure.publicKey(secretKey)).to.equal(native.publicKey(secretKey));
            assert.isTrue(pure.verify(native.publicKey(secretKey), message, signature));
          },
        ),
        { numRuns: 12, seed: 0x4d696361 },
      );
    });

    for (const [label, key, code] of [
      ["zero", numberToHex(0n, { size: 32 }), "INVALID_BLS_KEY"],
      ["equal to r", numberToHex(BLS12_381_R, { size: 32 }), "INVALID_BLS_KEY"],
      ["above r", numberToHex(2n ** 256n - 1n, { size: 32 }), "INVALID_BLS_KEY"],
      ["31 bytes", numberToHex(1n, { size: 31 }), "INVALID_BLS_KEY"],
      ["33 bytes", numberToHex(1n, { size: 33 }), "INVALID_BLS_KEY"],
      ["not hex", "0xzz", "INVALID_BLS_KEY"],
    ] as const) {
      it(`throw INVALID_BLS_KEY for a secret key ${label}`, function () {
        for (const backend of backends) {
          expectCode(() => backend.publicKey(key as Hex), code);
          expectCode(() => backend.sign(key as Hex, "0x01"), code);
        }
        expectCode(() => parseSecretKey(key as Hex), code);
      });
    }

    it("accept the extreme keys 1 and r - 1", function () {
      expect(parseSecretKey(numberToHex(1n, { size: 32 }))).to.have.length(32);
      expect(parseSecretKey(numberToHex(BLS12_381_R - 1n, { size: 32 }))).to.have.length(32);
    });

    it("throw INVALID_INPUT for a message that is not hex", function () {
      const c = vectors.cases[0]!;
      for (const backend of backends) expectCode(() => backend.sign(c.secretKey, "0x123" as Hex), "INVALID_INPUT");
    });
  });

  describe("loadBlsBackend", function () {
    it("loads blst on auto and native here, noble on pure", async function () {
      expect((await loadBlsBackend()).name).to.equal("native");
      expect((await loadBlsBackend("auto")).name).to.equal("native");
      expect((await loadBlsBackend("native")).name).to.equal("native");
      expect((await loadBlsBackend("pure")).name).to.equal("pure");
    });

    it("falls back to noble on auto when the native addon fails to load", async function () {
      const missing = async (): Promise<BlsBackend> => {
        throw new BlsBackendUnavailableError("no addon");
      };
      expect((await loadBlsBackend("auto", missing)).name).to.equal("pure");
    });

    it("throws BLS_BACKEND_UNAVAILABLE on native when the addon fails to load", async function () {
      const missing = async (): Promise<BlsBackend> => {
        throw new BlsBackendUnavailableError("no addon");
      };
      let thrown: unknown;
      await loadBlsBackend("native", missing).catch((e: unknown) => (thrown = e));
      assert.isTrue(hasCode(thrown, "BLS_BACKEND_UNAVAILABLE"));
    });
  });

  describe("EIP-2537 conversions", function () {
    it("turn compressed keys and signatures into the vector words", function () {
      for (const c of vectors.cases) {
        expect(g1ToEip2537(c.publicKey), c.name).to.deep.equal(c.publicKeyEip2537);
        expect(g2ToEip2537(c.signature), c.name).to.deep.equal(c.signatureEip2537);
      }
    });

    it("round-trip words and 128/256-byte encodings back to the compressed form", function () {
      for (const c of vectors.cases) {
        expect(g1FromEip2537(c.publicKeyEip2537)).to.equal(c.publicKey);
        expect(g2FromEip2537(c.signatureEip2537)).to.equal(c.signature);
        const g1Bytes = g1WordsToBytes(c.publicKeyEip2537);
        const g2Bytes = g2WordsToBytes(c.signatureEip2537);
        expect((g1Bytes.length - 2) / 2).to.equal(128);
        expect((g2Bytes.length - 2) / 2).to.equal(256);
        expect(g1BytesToWords(g1Bytes)).to.deep.equal(c.publicKeyEip2537);
        expect(g2BytesToWords(g2Bytes)).to.deep.equal(c.signatureEip2537);
        expect(g1FromEip2537(g1Bytes)).to.equal(c.publicKey);
        expect(g2FromEip2537(g2Bytes)).to.equal(c.signature);
      }
    });

    it("put Fp2's c0 first, unlike the compressed encoding (c1 first)", function () {
      const c = vectors.cases[0]!;
      const words = g2ToEip2537(c.signature);
      // The compressed x is c1 ‖ c0 with the flag bits in c1's top byte.
      const c1 = BigInt(`0x${c.signature.slice(2, 98)}`) & ((1n << 381n) - 1n);
      const c0 = BigInt(`0x${c.signature.slice(98)}`);
      expect(BigInt(concatHex([words.x_c0_a, words.x_c0_b]))).to.equal(c0);
      expect(BigInt(concatHex([words.x_c1_a, words.x_c1_b]))).to.equal(c1);
    });

    it("round-trip the point at infinity as all-zero words", function () {
      const zero = numberToHex(0n, { size: 32 });
      expect(g1ToEip2537(INFINITY_G1)).to.deep.equal({ x_a: zero, x_b: zero, y_a: zero, y_b: zero });
      expect(g1FromEip2537(g1ToEip2537(INFINITY_G1))).to.equal(INFINITY_G1);
      expect(g2FromEip2537(g2ToEip2537(INFINITY_G2))).to.equal(INFINITY_G2);
    });

    it("round-trip random keys and signatures", function () {
      fc.assert(
        fc.property(fc.bigInt({ min: 1n, max: BLS12_381_R - 1n }), fc.uint8Array({ maxLength: 64 }), (scalar, msg) => {
          const secretKey = numberToHex(scalar, { size: 32 });
          const publicKey = native.publicKey(secretKey);
          const signature = native.sign(secretKey, msg);
          expect(g1FromEip2537(g1WordsToBytes(g1ToEip2537(publicKey)))).to.equal(publicKey);
          expect(g2FromEip2537(g2WordsToBytes(g2ToEip2537(signature)))).to.equal(signature);
        }),
        { numRuns: 25, seed: 0x4d696361 },
      );
    });

    it("throw INVALID_BLS_POINT for a coordinate not below p", function () {
      const bad = { ...vectors.cases[0]!.publicKeyEip2537, x_a: `0x${"ff".repeat(32)}` as Hex };
      expectCode(() => g1FromEip2537(bad), "INVALID_BLS_POINT");
      const badG2 = { ...vectors.cases[0]!.signatureEip2537, y_c1_a: `0x${"ff".repeat(32)}` as Hex };
      expectCode(() => g2FromEip2537(badG2), "INVALID_BLS_POINT");
    });

    it("throw INVALID_BLS_POINT for off-curve and out-of-subgroup points", function () {
      const c = vectors.cases[0]!;
      const offCurve = { ...c.publicKeyEip2537, y_b: numberToHex(BigInt(c.publicKeyEip2537.y_b) ^ 1n, { size: 32 }) };
      expectCode(() => g1FromEip2537(offCurve), "INVALID_BLS_POINT");
      expectCode(() => g1FromEip2537(vectors.g1OutsideSubgroup), "INVALID_BLS_POINT");
      const offCurveG2 = {
        ...c.signatureEip2537,
        y_c0_b: numberToHex(BigInt(c.signatureEip2537.y_c0_b) ^ 1n, { size: 32 }),
      };
      expectCode(() => g2FromEip2537(offCurveG2), "INVALID_BLS_POINT");
    });

    it("throw INVALID_BLS_POINT for compressed points of the wrong length or not on the curve", function () {
      expectCode(() => g1ToEip2537("0x1234"), "INVALID_BLS_POINT");
      expectCode(() => g2ToEip2537(vectors.cases[0]!.publicKey), "INVALID_BLS_POINT");
      expectCode(() => g1ToEip2537(bytesToHex(new Uint8Array(48).fill(0xff))), "INVALID_BLS_POINT");
      expectCode(() => g1BytesToWords("0x00"), "INVALID_BLS_POINT");
      expectCode(() => g2BytesToWords("0x00"), "INVALID_BLS_POINT");
    });
  });

  describe("hashToG2", function () {
    it("matches the vector hashes under the POP DST", function () {
      for (const c of vectors.cases) expect(hashToG2(c.message), c.name).to.deep.equal(c.hashToG2Eip2537);
    });

    it("matches RFC 9380 J.10.1 under its DST", function () {
      const dst = Buffer.from(vectors.rfc9380.dst.slice(2), "hex").toString("utf8");
      expect(hashToG2(vectors.rfc9380.message, dst)).to.deep.equal(vectors.rfc9380.hashToG2Eip2537);
    });
  });

  describe("negatedG1Generator", function () {
    it("matches the vector", function () {
      expect(negatedG1Generator()).to.deep.equal(vectors.negatedG1Generator);
    });
  });
});
