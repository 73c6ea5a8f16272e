import { randomBytes } from "node:crypto";

type Blst = typeof import("@chainsafe/blst");
type PublicKey = InstanceType<Blst["PublicKey"]>;
type Signature = InstanceType<Blst["Signature"]>;

/** One certificate to check under the version's key: its message (the claims) and its signature, subgroup-checked. */
export interface SameKeyItem {
  msg: Uint8Array;
  sig: Signature;
}

/** Bytes of each random scalar: 64 bits, the soundness of one batch check being 2^-64. */
export const SCALAR_BYTES = 8;

/** Groups this small (or smaller) that fail the batch check are settled by one `verify` per certificate. */
export const BISECT_FLOOR = 4;

/**
 * `n` random scalars of 64 bits, little-endian, from the operating system's CSPRNG (`crypto.randomBytes`), each
 * non-zero (a zero is drawn again): a scalar is in [1, 2^64), so that no certificate drops out of the check.
 */
export function randomScalars(n: number): Buffer {
  const bytes = randomBytes(n * SCALAR_BYTES);
  for (let i = 0; i < n; i++) {
    while (bytes.subarray(i * SCALAR_BYTES, (i + 1) * SCALAR_BYTES).every((b) => b === 0)) {
      randomBytes(SCALAR_BYTES).copy(bytes, i * SCALAR_BYTES);
    }
  }
  return bytes;
}

/** Bits [at, at + c) of the 64-bit little-endian scalar `i` (c <= 16). */
function digitOf(scalars: Buffer, i: number, at: number, c: number): number {
  const o = i * SCALAR_BYTES;
  const lo = scalars.readUInt32LE(o);
  const hi = scalars.readUInt32LE(o + 4);
  let v: number;
  if (at >= 32) v = hi >>> (at - 32);
  else {
    v = lo >>> at;
    if (at + c > 32) v |= hi << (32 - at);
  }
  return v & ((1 << c) - 1);
}

/** The window (bits per bucket digit) that makes the fewest point additions for `n` points; at least 1. */
function windowFor(n: number): number {
  let best = 1;
  let bestCost = Infinity;
  for (let c = 1; c <= 12; c++) {
    // Per window: every point into its bucket, one native call per bucket (about an addition's cost), and the
    // buckets' weighted sum as c sums of 2^(c-1) buckets.
    const cost = Math.ceil(64 / c) * (n + (2 ** c - 1) * 1.5 + c * 2 ** (c - 1));
    if (cost < bestCost) [best, bestCost] = [c, cost];
  }
  return best;
}

/**
 * `sum r_i * points_i` over G2 with the 64-bit `scalars`, by Pippenger's buckets on blst's point addition
 * (`aggregateSignatures`, the only G2 arithmetic the binding exposes): for each window of c bits, each point is added
 * into the bucket of its digit; the buckets' weighted sums, split by bit, give one sum C_j per bit j of the scalars,
 * and `sum 2^j C_j` is folded by doubling (blst's addition doubles equal points). About 64/c additions per point.
 */
export function multiScalarG2(blst: Blst, points: readonly Signature[], scalars: Buffer): Signature | undefined {
  const { aggregateSignatures } = blst;
  const n = points.length;
  const c = windowFor(n);
  const perBit: Signature[][] = Array.from({ length: 64 }, () => []);
  for (let at = 0; at < 64; at += c) {
    const width = Math.min(c, 64 - at);
    const buckets: Signature[][] = Array.from({ length: 1 << width }, () => []);
    for (let i = 0; i < n; i++) {
      const d = digitOf(scalars, i, at, width);
      if (d !== 0) buckets[d]!.push(points[i]!);
    }
    for (let d = 1; d < buckets.length; d++) {
      const bucket = buckets[d]!;
      if (bucket.length === 0) continue;
      const sum = bucket.length === 1 ? bucket[0]! : aggregateSignatures(bucket, false);
      for (let k = 0; k < width; k++) if (d & (1 << k)) perBit[at + k]!.push(sum);
    }
  }
  let acc: Signature | undefined;
  for (let j = 63; j >= 0; j--) {
    if (acc) acc = aggregateSignatures([acc, acc], false);
    const bit = perBit[j]!;
    if (bit.length === 0) continue;
    const cj = bit.length === 1 ? bit[0]! : aggregateSignatures(bit, false);
    acc = acc ? aggregateSignatures([acc, cj], false) : cj;
  }
  return acc;
}

/**
 * `r * pk` for a 64-bit scalar, from a table of `d * 256^w * pk` (w < 8, 0 < d < 256): the sum of at most eight
 * table points (`aggregatePublicKeys`), instead of a scalar multiplication the binding does not expose.
 */
export function createKeyMultiples(blst: Blst, pk: PublicKey): (scalars: Buffer, i: number) => PublicKey {
  const { aggregatePublicKeys } = blst;
  const table: PublicKey[][] = [];
  let base = pk;
  for (let w = 0; w < SCALAR_BYTES; w++) {
    const row: PublicKey[] = [base];
    for (let d = 2; d < 256; d++) row.push(aggregatePublicKeys([row[d - 2]!, base], false));
    table.push(row);
    base = aggregatePublicKeys([row[254]!, base], false);
  }
  return (scalars, i) => {
    const parts: PublicKey[] = [];
    for (let w = 0; w < SCALAR_BYTES; w++) {
      const d = scalars[i * SCALAR_BYTES + w]!;
      if (d !== 0) parts.push(table[w]![d - 1]!);
    }
    return parts.length === 1 ? parts[0]! : aggregatePublicKeys(parts, false);
  };
}

/**
 * A same-key randomized batch check: with fresh 64-bit scalars r_i (CSPRNG, non-zero), whether
 * `e(g1, sum r_i sig_i) == prod e(r_i pk, H(m_i))`, which blst's `aggregateVerify` evaluates with one Miller loop per
 * certificate and one final exponentiation, without the two scalar multiplications per certificate that
 * `verifyMultipleAggregateSignatures` makes. Sound: every signature is in the prime-order subgroup (checked on
 * deserialisation), so with d_i = sig_i - sk H(m_i) the check holds iff `sum r_i d_i = 0`; if some d_j != 0, at most
 * one value of r_j in 2^64 - 1 satisfies it, whatever the others are. False on any binding error (then bisected).
 */
export function sameKeyBatchHolds(
  blst: Blst,
  multiple: (scalars: Buffer, i: number) => PublicKey,
  items: readonly SameKeyItem[],
): boolean {
  try {
    const scalars = randomScalars(items.length);
    const sum = multiScalarG2(
      blst,
      items.map((x) => x.sig),
      scalars,
    );
    if (!sum) return false;
    return blst.aggregateVerify(
      items.map((x) => x.msg),
      items.map((_, i) => multiple(scalars, i)),
      sum,
      false,
      false,
    );
  } catch {
    return false;
  }
}

export interface SameKeyVerifier {
  /** Per item, whether its signature verifies under the key; never skips one. */
  verify(items: readonly SameKeyItem[]): boolean[];
  /** Batch checks run so far (for tests and the bench: a failing group is bisected). */
  readonly batchChecks: number;
  /** Single `verify` calls run so far. */
  readonly singleChecks: number;
}

/**
 * Verifies certificates under one key (a version's): the randomized batch check over the whole group; a group that
 * fails is halved and each half checked again with fresh scalars; a failing group of {@link BISECT_FLOOR}
 * certificates or fewer is verified one by one (as is a lone certificate), so that exactly the bad certificates are named. A failing group whose two halves both
 * pass (impossible with blst's exact arithmetic, unless the binding failed) has every certificate verified singly.
 */
export function createSameKeyVerifier(blst: Blst, pk: PublicKey): SameKeyVerifier {
  let multiple: ((scalars: Buffer, i: number) => PublicKey) | undefined;
  let batchChecks = 0;
  let singleChecks = 0;
  const single = (x: SameKeyItem) => {
    singleChecks++;
    try {
      return blst.verify(x.msg, pk, x.sig, false, false);
    } catch {
      return false;
    }
  };
  const holds = (items: readonly SameKeyItem[]) => {
    batchChecks++;
    multiple ??= createKeyMultiples(blst, pk);
    return sameKeyBatchHolds(blst, multiple, items);
  };
  return {
    verify(items) {
      const ok: boolean[] = new Array<boolean>(items.length).fill(false);
      const singly = (from: number, to: number) => {
        for (let i = from; i < to; i++) ok[i] = single(items[i]!);
      };
      // Settles items[from, to) and says whether the group passed the batch check as a whole. A group that
      // failed its check (its parent) and is small is verified one by one; any other is batch-checked first.
      const settle = (from: number, to: number, failed: boolean): boolean => {
        if (!failed && to - from > 1 && holds(items.slice(from, to))) {
          ok.fill(true, from, to);
          return true;
        }
        if (to - from <= BISECT_FLOOR) {
          singly(from, to);
          return false;
        }
        const mid = from + ((to - from) >> 1);
        const left = settle(from, mid, false);
        const right = settle(mid, to, false);
        if (left && right) singly(from, to);
        return false;
      };
      settle(0, items.length, false);
      return ok;
    },
    get batchChecks() {
      return batchChecks;
    },
    get singleChecks() {
      return singleChecks;
    },
  };
}
