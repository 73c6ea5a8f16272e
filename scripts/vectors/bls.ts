/**
 * Generates test/vectors/bls.json: the BLS certificate-signature vectors shared by test/bls/BLS.t.sol and
 * test/bls/bls.test.ts. Every signature is computed by both backends (blst and noble) and must be byte-identical,
 * else the script fails. Run: `node scripts/vectors/bls.ts`.
 */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

import { bls12_381 } from "@noble/curves/bls12-381.js";
import { concatHex, encodeAbiParameters, hexToBytes, keccak256, numberToHex, stringToHex, toHex, type Hex } from "viem";

import {
  aggregateSignatures,
  BLS12_381_R,
  BLS_POP_DST,
  createNativeBackend,
  createPureBackend,
  g1ToEip2537,
  g2ToEip2537,
  hashToG2,
  negatedG1Generator,
} from "../../offchain/src/protocol/bls/index.ts";
import { g1PointToWords } from "../../offchain/src/protocol/bls/g1ToEip2537.ts";
import { g2PointToWords } from "../../offchain/src/protocol/bls/g2ToEip2537.ts";

const OUTPUT = fileURLToPath(new URL("../../test/vectors/bls.json", import.meta.url));

/** A V1-shaped certificate envelope: abi.encode(uint64 version, bytes inner) with a nine-word inner. */
function nineWordEnvelope(): Hex {
  const inner = encodeAbiParameters(
    [
      { type: "bytes32" },
      { type: "uint256" },
      { type: "uint64" },
      { type: "address" },
      { type: "address" },
      { type: "uint256" },
      { type: "uint256" },
      { type: "address" },
      { type: "uint64" },
    ],
    [
      keccak256(stringToHex("4mica vector domain")),
      7n,
      1n,
      "0x1111111111111111111111111111111111111111",
      "0x2222222222222222222222222222222222222222",
      42n,
      1_000_000n,
      "0x3333333333333333333333333333333333333333",
      1_760_000_000n,
    ],
  );
  return encodeAbiParameters([{ type: "uint64" }, { type: "bytes" }], [1n, inner]);
}

const key = (n: bigint): Hex => numberToHex(n, { size: 32 });

const CASES: { name: string; secretKey: Hex; message: Hex }[] = [
  { name: "smallest key, empty message", secretKey: key(1n), message: "0x" },
  { name: "small key, one byte", secretKey: key(2n), message: "0x00" },
  { name: "largest key (r - 1), one byte", secretKey: key(BLS12_381_R - 1n), message: "0xff" },
  { name: "hashed key, ascii", secretKey: keccak256(stringToHex("4mica operator")), message: toHex("4mica") },
  { name: "operator key, nine-word V1 envelope", secretKey: key(0x4d1ca_c0ffeen), message: nineWordEnvelope() },
  {
    name: "mid key, 1000-byte message",
    secretKey: key(BLS12_381_R / 3n),
    message: toHex(Uint8Array.from({ length: 1000 }, (_, i) => (i * 31 + 7) & 0xff)),
  },
];

const native = await createNativeBackend();
const pure = createPureBackend();

const cases = CASES.map(({ name, secretKey, message }) => {
  const publicKey = native.publicKey(secretKey);
  const signature = native.sign(secretKey, message);
  if (pure.publicKey(secretKey) !== publicKey) throw new Error(`${name}: public keys differ between backends`);
  if (pure.sign(secretKey, message) !== signature) throw new Error(`${name}: signatures differ between backends`);
  if (!native.verify(publicKey, message, signature) || !pure.verify(publicKey, message, signature)) {
    throw new Error(`${name}: signature does not verify`);
  }
  return {
    name,
    secretKey,
    message,
    publicKey,
    publicKeyEip2537: g1ToEip2537(publicKey),
    signature,
    signatureEip2537: g2ToEip2537(signature),
    hashToG2Eip2537: hashToG2(message),
  };
});

/**
 * RFC 9380 Appendix J.10.1 (BLS12381G2_XMD:SHA-256_SSWU_RO_, msg = ""), an independent pin of hash-to-G2 under a
 * DST other than ours: the expected point is the RFC's, written out here and checked against noble.
 */
const rfc9380 = {
  dst: "QUUX-V01-CS02-with-BLS12381G2_XMD:SHA-256_SSWU_RO_",
  message: "0x" as Hex,
  expected: {
    x_c0: 0x0141ebfbdca40eb85b87142e130ab689c673cf60f1a3e98d69335266f30d9b8d4ac44c1038e9dcdd5393faf5c41fb78an,
    x_c1: 0x05cb8437535e20ecffaef7752baddf98034139c38452458baeefab379ba13dff5bf5dd71b72418717047f5b0f37da03dn,
    y_c0: 0x0503921d7f6a12805e72940b963c0cf3471c7b2a524950ca195d11062ee75ec076daf2d4bc358c4b190c0c98064fdd92n,
    y_c1: 0x12424ac32561493f3fe3c260708a12b7c620e7be00099a974e259ddc7d1f6395c3c811cdd19f1e8dbf3e9ecfdcbab8d6n,
  },
};
const rfcHash = hashToG2(rfc9380.message, rfc9380.dst);
const fp = (a: Hex, b: Hex): bigint => BigInt(concatHex([a, b]));
if (
  fp(rfcHash.x_c0_a, rfcHash.x_c0_b) !== rfc9380.expected.x_c0 ||
  fp(rfcHash.x_c1_a, rfcHash.x_c1_b) !== rfc9380.expected.x_c1 ||
  fp(rfcHash.y_c0_a, rfcHash.y_c0_b) !== rfc9380.expected.y_c0 ||
  fp(rfcHash.y_c1_a, rfcHash.y_c1_b) !== rfc9380.expected.y_c1
) {
  throw new Error("hash-to-G2 does not match RFC 9380 J.10.1");
}

/** A point on E(Fp) outside the prime-order subgroup (the smallest such x): a key isValidPublicKey must refuse. */
function g1OutsideSubgroup() {
  const { Fp } = bls12_381.fields;
  for (let x = 1n; ; x++) {
    const rhs = Fp.add(Fp.pow(x, 3n), 4n);
    let y: bigint;
    try {
      y = Fp.sqrt(rhs);
    } catch {
      continue;
    }
    const point = bls12_381.G1.Point.fromAffine({ x, y });
    if (!point.isTorsionFree()) return g1PointToWords(point);
  }
}

/**
 * An aggregate (remunerateBatch, docs/protocol.md §5): three certificates-shaped messages signed by one key, summed in
 * G2 by `aggregateSignatures`, with the sum of their hashes. Checked against noble's own aggregation and aggregate
 * verification so that the summation is not only our code's word.
 */
function aggregateVector() {
  const secretKey = key(0x4d1ca_c0ffeen);
  const messages = [nineWordEnvelope(), toHex("4mica batch item 2"), toHex("4mica batch item 3")];
  const signatures = messages.map((m) => native.sign(secretKey, m));
  const aggregate = aggregateSignatures(signatures);
  const longSigs = bls12_381.longSignatures;
  const nobleAggregate = longSigs.Signature.toBytes(longSigs.aggregateSignatures(signatures.map((s) => hexToBytes(s))));
  if (toHex(nobleAggregate) !== aggregate) throw new Error("aggregate: differs from noble's aggregateSignatures");
  const publicKey = native.publicKey(secretKey);
  const hashes = messages.map((m) => longSigs.hash(hexToBytes(m), BLS_POP_DST));
  const summed = hashes.reduce((a, b) => a.add(b));
  if (!longSigs.verify(longSigs.Signature.fromBytes(hexToBytes(aggregate)), summed, hexToBytes(publicKey))) {
    throw new Error("aggregate: does not verify against the sum of the hashes");
  }
  return {
    secretKey,
    publicKeyEip2537: g1ToEip2537(publicKey),
    messages,
    signaturesEip2537: signatures.map(g2ToEip2537),
    aggregate,
    aggregateEip2537: g2ToEip2537(aggregate),
    hashSumEip2537: g2PointToWords(summed),
  };
}

const vectors = {
  dst: BLS_POP_DST,
  negatedG1Generator: negatedG1Generator(),
  g1OutsideSubgroup: g1OutsideSubgroup(),
  rfc9380: { dst: toHex(rfc9380.dst), message: rfc9380.message, hashToG2Eip2537: rfcHash },
  cases,
  aggregate: aggregateVector(),
};
writeFileSync(OUTPUT, `${JSON.stringify(vectors, null, 2)}\n`);
console.log(`wrote ${cases.length} BLS vectors to ${OUTPUT}`);
