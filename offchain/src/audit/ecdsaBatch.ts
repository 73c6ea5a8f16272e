import { createRequire } from "node:module";

import { multiScalarSum, randomScalars, SCALAR_BYTES, settleByBisection } from "./multiScalar.ts";

/** The libsecp256k1 calls the batch uses (the N-API binding, `secp256k1/bindings`). */
interface Secp256k1 {
  ecdsaRecover(signature: Uint8Array, recid: number, message: Uint8Array, compressed: boolean): Uint8Array;
  publicKeyConvert(key: Uint8Array, compressed: boolean): Uint8Array;
  publicKeyCombine(keys: Uint8Array[], compressed: boolean): Uint8Array;
  publicKeyTweakMul(key: Uint8Array, tweak: Uint8Array, compressed: boolean): Uint8Array;
  publicKeyCreate(secret: Uint8Array, compressed: boolean): Uint8Array;
}
let secpModule: Secp256k1 | undefined;
/** The N-API binding itself (not the package root, which would silently fall back to JavaScript). */
export function secp256k1(): Secp256k1 {
  secpModule ??= createRequire(import.meta.url)("secp256k1/bindings") as Secp256k1;
  return secpModule;
}

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

/** Groups this small (or smaller) that fail the batch check are settled by one recovery per signature. */
export const ECDSA_BISECT_FLOOR = 4;

/**
 * One payer signature to check against a known public key: the digest, the signature (65 bytes, already accepted by
 * the vault's form rules: low s, v 27 or 28, r and s in range) and the key its payer's earlier signature recovered to
 * (65-byte uncompressed), whose address is the payer's.
 */
export interface KnownKeySignature {
  digest: Uint8Array;
  signature: Uint8Array;
  key: Uint8Array;
}

const big = (b: Uint8Array) => BigInt(`0x${Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex")}`);
const word = (x: bigint) => Buffer.from(x.toString(16).padStart(64, "0"), "hex");
const mulmod = (a: bigint, b: bigint) => (a * b) % N;
function invmod(a: bigint): bigint {
  // a^(N-2) mod N (N is prime).
  let result = 1n;
  let base = a % N;
  for (let e = N - 2n; e > 0n; e >>= 1n) {
    if (e & 1n) result = mulmod(result, base);
    base = mulmod(base, base);
  }
  return result;
}

/**
 * A randomized batch check of ECDSA signatures against known keys. Signature i (r, s, v) with R_i the curve point of
 * x-coordinate r and the y parity v - 27 recovers to Q_i exactly when `R_i = u1_i G + u2_i Q_i` with `u1 = z/s`,
 * `u2 = r/s` (z the digest as a scalar, as libsecp256k1 reads it): recovery computes `Q = r^-1 (s R - z G)`. With fresh
 * 64-bit scalars b_i (CSPRNG, non-zero) the check is `sum b_i R_i == (sum b_i u1_i) G + sum_Q (sum_{i: Q} b_i u2_i) Q`:
 * a multi-scalar sum of the R_i (Pippenger on libsecp256k1's point addition), one multiplication per distinct key and
 * one by G, instead of a recovery per signature. secp256k1 has prime order (no cofactor), so if one term
 * `R_i - u1_i G - u2_i Q_i` is not zero, at most one value of its b_i in 2^64 - 1 makes the sums agree. False on any
 * binding error (an x that is not on the curve, an infinity the binding refuses): the caller then bisects.
 */
export function knownKeyBatchHolds(items: readonly KnownKeySignature[]): boolean {
  const secp = secp256k1();
  try {
    const n = items.length;
    const points: Uint8Array[] = new Array<Uint8Array>(n);
    const s: bigint[] = new Array<bigint>(n);
    const compressed = Buffer.alloc(33);
    for (let i = 0; i < n; i++) {
      const sig = items[i]!.signature;
      compressed[0] = sig[64] === 28 ? 3 : 2;
      compressed.set(sig.subarray(0, 32), 1);
      points[i] = secp.publicKeyConvert(compressed, false);
      s[i] = big(sig.subarray(32, 64));
    }
    // Batch inversion of the s_i: prefix products, one inversion, then back.
    const prefix: bigint[] = new Array<bigint>(n);
    let acc = 1n;
    for (let i = 0; i < n; i++) prefix[i] = acc = mulmod(acc, s[i]!);
    let inv = invmod(acc);
    const sInv: bigint[] = new Array<bigint>(n);
    for (let i = n - 1; i >= 0; i--) {
      sInv[i] = i > 0 ? mulmod(inv, prefix[i - 1]!) : inv;
      inv = mulmod(inv, s[i]!);
    }
    const scalars = randomScalars(n);
    let g = 0n;
    const perKey = new Map<string, { key: Uint8Array; c: bigint }>();
    for (let i = 0; i < n; i++) {
      const { digest, signature, key } = items[i]!;
      const b = scalars.readBigUInt64LE(i * SCALAR_BYTES);
      const w = mulmod(b, sInv[i]!);
      g = (g + mulmod(big(digest) % N, w)) % N;
      const id = Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString("hex");
      let k = perKey.get(id);
      if (!k) perKey.set(id, (k = { key, c: 0n }));
      k.c = (k.c + mulmod(big(signature.subarray(0, 32)), w)) % N;
    }
    const combine = (ps: Uint8Array[]) => secp.publicKeyCombine(ps, false);
    const left = multiScalarSum(points, scalars, combine, 10);
    const right: Uint8Array[] = [];
    if (g !== 0n) right.push(secp.publicKeyCreate(word(g), false));
    for (const { key, c } of perKey.values()) if (c !== 0n) right.push(secp.publicKeyTweakMul(key, word(c), false));
    if (left === undefined || right.length === 0) return false;
    const r = right.length === 1 ? right[0]! : combine(right);
    return Buffer.from(left).equals(Buffer.from(r));
  } catch {
    return false;
  }
}

/** Counts of {@link checkKnownKeySignatures}' work (tests and the bench). */
export const ecdsaBatchStats = { batchChecks: 0, singleChecks: 0 };

/**
 * Per item, whether its signature recovers to its known key: the batch check over all of them, a failing group
 * bisected (fresh scalars each time) down to {@link ECDSA_BISECT_FLOOR} signatures, each then recovered, so that
 * exactly the signatures that recover elsewhere are named; none is skipped.
 */
export function checkKnownKeySignatures(items: readonly KnownKeySignature[]): boolean[] {
  const secp = secp256k1();
  return settleByBisection(
    items.length,
    (from, to) => {
      ecdsaBatchStats.batchChecks++;
      return knownKeyBatchHolds(items.slice(from, to));
    },
    (i) => {
      ecdsaBatchStats.singleChecks++;
      const { digest, signature, key } = items[i]!;
      try {
        const q = secp.ecdsaRecover(signature.subarray(0, 64), signature[64]! - 27, digest, false);
        return Buffer.from(q).equals(Buffer.from(key));
      } catch {
        return false;
      }
    },
    ECDSA_BISECT_FLOOR,
  );
}
