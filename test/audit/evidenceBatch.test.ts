import { createRequire } from "node:module";

import * as blst from "@chainsafe/blst";
import { bls12_381 } from "@noble/curves/bls12-381.js";
import { expect } from "chai";
import { bytesToHex, hexToBytes, keccak256, numberToHex, type Address, type Hex } from "viem";

import {
  BISECT_FLOOR,
  SCALAR_BYTES,
  createKeyMultiples,
  createSameKeyVerifier,
  multiScalarG2,
  randomScalars,
  type SameKeyItem,
} from "../../offchain/src/audit/blsBatch.ts";
import { checkEvidence, type EvidenceItem } from "../../offchain/src/audit/checkEvidence.ts";
import {
  ECDSA_BISECT_FLOOR,
  checkKnownKeySignatures,
  ecdsaBatchStats,
  knownKeyBatchHolds,
  type KnownKeySignature,
} from "../../offchain/src/audit/ecdsaBatch.ts";
import { decodeClaims, type Claims } from "../../offchain/src/audit/decodeClaims.ts";
import { hexBytes } from "../../offchain/src/audit/hex.ts";
import { keccak, nativeKeccak } from "../../offchain/src/audit/keccak.ts";
import { guaranteeIdOf, payerDigest, v1Hashes } from "../../offchain/src/audit/payerDigest.ts";
import { createGuaranteeRequestHasher } from "../../offchain/src/protocol/createGuaranteeRequestHasher.ts";
import { encodeEnvelope } from "../../offchain/src/protocol/encodeEnvelope.ts";
import { guaranteeDomain } from "../../offchain/src/protocol/guaranteeDomain.ts";
import type { GuaranteeV1 } from "../../offchain/src/protocol/guaranteeTypes.ts";
import { requestDomainSeparator } from "../../offchain/src/protocol/requestDomainSeparator.ts";

const { SecretKey, Signature, aggregateSignatures } = blst;
type Sig = InstanceType<typeof Signature>;

const secp = createRequire(import.meta.url)("secp256k1/bindings") as {
  ecdsaSign(message: Uint8Array, key: Uint8Array): { signature: Uint8Array; recid: number };
  signatureNormalize(signature: Uint8Array): Uint8Array;
  publicKeyCreate(key: Uint8Array, compressed: boolean): Uint8Array;
};
const VAULT: Address = "0xa15bb66138824a1c7167f5e85b957d04dd34e468";
const requestDomain = { chainId: 31337n, verifyingContract: VAULT };
const separator = requestDomainSeparator(requestDomain);
const digestOf = createGuaranteeRequestHasher(requestDomain);
const domain = guaranteeDomain(1, 31337n, VAULT);
const sk = SecretKey.fromBytes(hexToBytes(`0x${"2a".repeat(32)}`));
const pk = sk.toPublicKey();
const context = { requestDomainSeparator: separator, keys: { 1: bytesToHex(pk.toBytes(false)) } };
const payerKeys = [1, 2, 3, 4].map((i) => hexToBytes(keccak256(numberToHex(i, { size: 32 }))));
const addressOf = (key: Uint8Array) =>
  `0x${keccak256(bytesToHex(secp.publicKeyCreate(key, false).subarray(1))).slice(26)}` as Address;
const payers = payerKeys.map(addressOf);

/** `n` V1 guarantees' evidence, certified under `sk` and payer-signed (libsecp256k1, the project's EIP-712 hasher). */
function evidence(n: number): EvidenceItem[] {
  return Array.from({ length: n }, (_, i) => {
    const g: GuaranteeV1 = {
      version: 1,
      domain,
      cycleId: 42n,
      user: payers[i % payers.length]!,
      recipient: payers[(i + 1) % payers.length]!,
      reqId: BigInt(i + 1),
      amount: 10n ** 18n + BigInt(i) * 7919n,
      asset: "0x0000000000000000000000000000000000000000",
      timestamp: 1_800_000_000n + BigInt(i),
    };
    const claims = encodeEnvelope(g);
    const { signature, recid } = secp.ecdsaSign(hexToBytes(digestOf(g)), payerKeys[i % payers.length]!);
    return {
      index: i,
      claims,
      blsSignature: bytesToHex(sk.sign(hexToBytes(claims)).toBytes(false)),
      payerSignature: bytesToHex(Uint8Array.from([...signature, 27 + recid])),
    };
  });
}

const G2 = bls12_381.G2.Point;
const G1 = bls12_381.G1.Point;
const nobleG2 = (s: Sig) => G2.fromBytes(s.toBytes(false));
const fromNoble = (p: InstanceType<typeof G2>) => Signature.fromBytes(p.toBytes(false), true, false);
const scalarAt = (scalars: Buffer, i: number) => scalars.readBigUInt64LE(i * SCALAR_BYTES);

describe("audit: batched evidence checks", function () {
  this.timeout(120_000);
  const items = evidence(300);

  describe("hashing", function () {
    it("keccak on the native sponge equals viem's keccak256, in parts or whole", function () {
      expect(nativeKeccak).to.equal(true);
      for (const n of [0, 1, 31, 135, 136, 137, 500]) {
        const data = Buffer.alloc(n, n & 0xff);
        const split = Math.floor(n / 3);
        expect(keccak(data.subarray(0, split), data.subarray(split)).toString("hex")).to.equal(
          keccak256(data).slice(2),
        );
      }
    });

    it("hexBytes decodes 0x-hex of either case and refuses a non-hex digit anywhere, an odd length or no 0x", function () {
      expect(hexBytes("0x").length).to.equal(0);
      expect(hexBytes("0x00fFaB").toString("hex")).to.equal("00ffab");
      for (const bad of ["0x0g", "0xg0", "0x00 1", "0x12345z", "0x123", "12", "0x-1", "0x\u00e90"]) {
        expect(() => hexBytes(bad), bad).to.throw(RangeError);
      }
    });

    it("a V1 envelope's id and payer digest straight from its words equal the definitions from the decoded claims", function () {
      const sep = hexBytes(separator);
      for (const item of items.slice(0, 50)) {
        const claims = decodeClaims(item.claims) as Claims;
        const h = v1Hashes(hexBytes(item.claims), sep);
        expect(bytesToHex(h.guaranteeId)).to.equal(guaranteeIdOf(claims, sep));
        expect(h.digest.equals(payerDigest(claims, sep))).to.equal(true);
      }
    });
  });

  describe("randomized same-key batch (blsBatch.ts)", function () {
    it("draws 64-bit non-zero scalars from the CSPRNG, fresh on every call", function () {
      const a = randomScalars(1000);
      const b = randomScalars(1000);
      expect(a.length).to.equal(1000 * SCALAR_BYTES);
      for (let i = 0; i < 1000; i++) expect(scalarAt(a, i)).to.not.equal(0n);
      expect(a.equals(b)).to.equal(false);
      expect(new Set(Array.from({ length: 1000 }, (_, i) => scalarAt(a, i))).size).to.equal(1000);
    });

    it("multiScalarG2 is sum r_i * P_i (noble's arithmetic) for 1, 2, 7 and 40 points", function () {
      for (const n of [1, 2, 7, 40]) {
        const points = items.slice(0, n).map((x) => Signature.fromBytes(hexBytes(x.blsSignature), true, true));
        const scalars = randomScalars(n);
        const expected = points.reduce((acc, p, i) => acc.add(nobleG2(p).multiply(scalarAt(scalars, i))), G2.ZERO);
        expect(nobleG2(multiScalarG2(blst, points, scalars)!).equals(expected)).to.equal(true);
      }
    });

    it("the key-multiple table gives r * pk (noble's arithmetic)", function () {
      const multiple = createKeyMultiples(blst, pk);
      const scalars = randomScalars(5);
      const edge = Buffer.alloc(3 * SCALAR_BYTES);
      edge.writeBigUInt64LE(1n, 0);
      edge.writeBigUInt64LE(2n ** 64n - 1n, 8);
      edge.writeBigUInt64LE(256n, 16);
      for (const s of [scalars, edge]) {
        for (let i = 0; i < s.length / SCALAR_BYTES; i++) {
          const expected = G1.fromBytes(pk.toBytes(false)).multiply(scalarAt(s, i));
          expect(G1.fromBytes(multiple(s, i).toBytes(false)).equals(expected)).to.equal(true);
        }
      }
    });

    const certified = (from: Sig[]) => from.map((sig, i): SameKeyItem => ({ msg: hexBytes(items[i]!.claims), sig }));
    const honest = items.map((x) => Signature.fromBytes(hexBytes(x.blsSignature), true, true));

    it("passes 300 honest certificates in one batch check, with no single verification", function () {
      const v = createSameKeyVerifier(blst, pk);
      expect(v.verify(certified(honest))).to.deep.equal(honest.map(() => true));
      expect([v.batchChecks, v.singleChecks]).to.deep.equal([1, 0]);
    });

    it("names exactly the one bad certificate among 300, by bisection (not one verification per certificate)", function () {
      const v = createSameKeyVerifier(blst, pk);
      const sigs = [...honest];
      sigs[137] = honest[138]!;
      const ok = v.verify(certified(sigs));
      expect(ok.flatMap((x, i) => (x ? [] : [i]))).to.deep.equal([137]);
      // One failing path from the root to a group of at most BISECT_FLOOR: two checks a level, a few singles.
      expect(v.batchChecks).to.be.at.most(2 * Math.ceil(Math.log2(300)) + 1);
      expect(v.singleChecks).to.be.at.most(BISECT_FLOOR);
    });

    it("names two certificates whose errors cancel in a plain sum (sig_a + D, sig_b - D): the scalars separate them", function () {
      const one = Buffer.alloc(32);
      one[31] = 1;
      const delta = SecretKey.fromBytes(one).sign(Buffer.from("an offset in G2")); // H(m), a subgroup point
      const sigs = [...honest];
      sigs[10] = aggregateSignatures([honest[10]!, delta], false);
      sigs[250] = fromNoble(nobleG2(honest[250]!).subtract(nobleG2(delta)));
      // The plain aggregate of the altered set equals the honest one: an unrandomized check would pass it.
      expect(nobleG2(aggregateSignatures(sigs, false)).equals(nobleG2(aggregateSignatures(honest, false)))).to.equal(
        true,
      );
      const ok = createSameKeyVerifier(blst, pk).verify(certified(sigs));
      expect(ok.flatMap((x, i) => (x ? [] : [i]))).to.deep.equal([10, 250]);
    });

    it("names every bad certificate when many are bad (adjacent, scattered, at both ends) and when all are", function () {
      const bad = [0, 1, 2, 64, 65, 150, 298, 299];
      const sigs = honest.map((s, i) => (bad.includes(i) ? honest[(i + 7) % honest.length]! : s));
      const ok = createSameKeyVerifier(blst, pk).verify(certified(sigs));
      expect(ok.flatMap((x, i) => (x ? [] : [i]))).to.deep.equal(bad);
      const all = honest.slice(0, 40).map((_, i) => honest[i + 1]!);
      expect(createSameKeyVerifier(blst, pk).verify(certified(all))).to.deep.equal(all.map(() => false));
    });

    it("verifies a failing group of BISECT_FLOOR or fewer one by one, and a lone certificate singly", function () {
      const v = createSameKeyVerifier(blst, pk);
      const sigs = honest.slice(0, BISECT_FLOOR);
      sigs[1] = honest[2]!;
      expect(v.verify(certified(sigs))).to.deep.equal([true, false, true, true].slice(0, BISECT_FLOOR));
      expect([v.batchChecks, v.singleChecks]).to.deep.equal([1, BISECT_FLOOR]);
      const lone = createSameKeyVerifier(blst, pk);
      expect(lone.verify(certified(honest.slice(0, 1)))).to.deep.equal([true]);
      expect([lone.batchChecks, lone.singleChecks]).to.deep.equal([0, 1]);
    });
  });

  describe("randomized known-key ECDSA batch (ecdsaBatch.ts)", function () {
    const sep = hexBytes(separator);
    const signed = items.map((x, i): KnownKeySignature => {
      const k = payerKeys[i % payerKeys.length]!;
      return {
        digest: payerDigest(decodeClaims(x.claims) as Claims, sep),
        signature: hexBytes(x.payerSignature!),
        key: secp.publicKeyCreate(k, false),
      };
    });
    const failing = (ok: boolean[]) => ok.flatMap((x, i) => (x ? [] : [i]));

    it("passes 300 signatures by 4 payers in one batch check", function () {
      const before = { ...ecdsaBatchStats };
      expect(failing(checkKnownKeySignatures(signed))).to.deep.equal([]);
      expect(ecdsaBatchStats.batchChecks - before.batchChecks).to.equal(1);
      expect(ecdsaBatchStats.singleChecks - before.singleChecks).to.equal(0);
    });

    it("names exactly the signature by another key, the one with the other v, and the one over another digest", function () {
      const altered = signed.map((x) => ({ ...x }));
      const other = secp.ecdsaSign(altered[40]!.digest, payerKeys[3]!);
      altered[40]!.signature = Buffer.from([...other.signature, 27 + other.recid]);
      const flipped = Buffer.from(altered[41]!.signature);
      flipped[64] = flipped[64] === 27 ? 28 : 27;
      altered[41]!.signature = flipped;
      altered[299]!.digest = signed[298]!.digest;
      const before = { ...ecdsaBatchStats };
      expect(failing(checkKnownKeySignatures(altered))).to.deep.equal([40, 41, 299]);
      expect(ecdsaBatchStats.singleChecks - before.singleChecks).to.be.at.most(3 * ECDSA_BISECT_FLOOR);
      expect(ecdsaBatchStats.batchChecks - before.batchChecks).to.be.at.most(3 * 2 * Math.ceil(Math.log2(300)) + 1);
    });

    it("fails the batch when one signature's x is not on the curve, and names it", function () {
      const altered = signed.slice(0, 30).map((x) => ({ ...x }));
      // x = 5 is not the x-coordinate of a secp256k1 point (5^3 + 7 = 132 is not a square mod p).
      const sig = Buffer.from(altered[7]!.signature);
      sig.fill(0, 0, 32);
      sig[31] = 5;
      altered[7]!.signature = sig;
      expect(knownKeyBatchHolds(altered)).to.equal(false);
      expect(failing(checkKnownKeySignatures(altered))).to.deep.equal([7]);
    });
  });

  describe("checkEvidence", function () {
    it("accepts 300 honest guarantees: every certificate ok, every payer recovered, ids and digests recomputed", async function () {
      const results = await checkEvidence(items, context);
      expect(results.map((r) => r.certificate)).to.deep.equal(items.map(() => "ok"));
      results.forEach((r, i) => {
        const claims = r.claims as Claims;
        expect(r.index).to.equal(i);
        expect(r.payer).to.deep.equal({ kind: "recovered", address: claims.user });
        expect(r.guaranteeId).to.equal(guaranteeIdOf(claims, hexBytes(separator)));
      });
    });

    it("names the one bad certificate and the one bad payer signature among 300", async function () {
      const altered = items.map((x) => ({ ...x }));
      altered[77]!.blsSignature = items[78]!.blsSignature;
      // Item 201's request signed by another payer's key: it recovers, to someone else.
      const other = payerKeys[(201 + 1) % payerKeys.length]!;
      const { signature, recid } = secp.ecdsaSign(
        hexToBytes(bytesToHex(payerDigest(decodeClaims(items[201]!.claims) as Claims, hexBytes(separator)))),
        other,
      );
      altered[201]!.payerSignature = bytesToHex(Uint8Array.from([...signature, 27 + recid]));
      const results = await checkEvidence(altered, context);
      expect(results.flatMap((r) => (r.certificate === "ok" ? [] : [[r.index, r.certificate]]))).to.deep.equal([
        [77, "bad"],
      ]);
      const wrong = results.filter(
        (r) => r.payer.kind !== "recovered" || r.payer.address !== (r.claims as Claims).user,
      );
      expect(wrong.map((r) => [r.index, r.payer])).to.deep.equal([
        [201, { kind: "recovered", address: addressOf(other) }],
      ]);
    });

    it("names a new payer's forged first signature (recovered singly, its key not kept) and checks its later ones", async function () {
      const fresh = hexToBytes(keccak256(numberToHex(77, { size: 32 })));
      const forger = hexToBytes(keccak256(numberToHex(78, { size: 32 })));
      const user = addressOf(fresh);
      const own = items.slice(0, 12).map((x, i) => {
        const claims = decodeClaims(x.claims) as Claims;
        const g: GuaranteeV1 = { ...claims, version: 1, user, reqId: claims.reqId + 10_000n } as GuaranteeV1;
        const envelope = encodeEnvelope(g);
        const { signature, recid } = secp.ecdsaSign(hexToBytes(digestOf(g)), i === 0 || i === 9 ? forger : fresh);
        return {
          index: i,
          claims: envelope,
          blsSignature: bytesToHex(sk.sign(hexToBytes(envelope)).toBytes(false)),
          payerSignature: bytesToHex(Uint8Array.from([...signature, 27 + recid])),
        };
      });
      const results = await checkEvidence(own, context);
      expect(results.map((r) => r.certificate)).to.deep.equal(own.map(() => "ok"));
      expect(
        results.map((r) => (r.payer.kind === "recovered" && r.payer.address === user ? "ok" : r.payer)),
      ).to.deep.equal(
        own.map((_, i) => (i === 0 || i === 9 ? { kind: "recovered", address: addressOf(forger) } : "ok")),
      );
    });

    it("keeps a malformed signature (not a G2 point) apart from the batch: malformed, the others ok", async function () {
      const altered = items.slice(0, 20).map((x) => ({ ...x }));
      altered[5]!.blsSignature = `0x${"11".repeat(192)}` as Hex;
      const results = await checkEvidence(altered, context);
      expect(results.map((r) => r.certificate)).to.deep.equal(altered.map((_, i) => (i === 5 ? "malformed" : "ok")));
    });
  });
});
