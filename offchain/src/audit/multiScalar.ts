import { randomBytes } from "node:crypto";

/** Bytes of each random scalar of the audit's batch checks: 64 bits, a batch check's soundness being 2^-64. */
export const SCALAR_BYTES = 8;

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

/** Bits [at, at + c) of the 64-bit little-endian scalar `i` of `scalars` (c <= 16). */
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

/**
 * The window (bits per bucket digit) that costs least for `n` points, when one native call to sum a bucket costs
 * `callCost` point additions: per window, every point into its bucket, one call per bucket, and the buckets'
 * weighted sum as c sums of 2^(c-1) buckets.
 */
function windowFor(n: number, callCost: number): number {
  let best = 1;
  let bestCost = Infinity;
  for (let c = 1; c <= 12; c++) {
    const cost = Math.ceil(64 / c) * (n + (2 ** c - 1) * callCost + c * 2 ** (c - 1));
    if (cost < bestCost) [best, bestCost] = [c, cost];
  }
  return best;
}

/**
 * `sum r_i * points_i` with 64-bit scalars (`scalars`, little-endian, {@link SCALAR_BYTES} each) by Pippenger's
 * buckets on a native `sum` of two or more points (which must double equal points): for each window of c bits, each
 * point goes into the bucket of its digit; the buckets' weighted sums, split by bit, give one sum C_j per bit j of
 * the scalars, and `sum 2^j C_j` is folded by doubling. About 64/c additions per point. Undefined when every scalar
 * is zero; `sum` may throw (an infinity the binding refuses), which the caller takes as a failed check.
 */
export function multiScalarSum<P>(
  points: readonly P[],
  scalars: Buffer,
  sum: (ps: P[]) => P,
  callCost: number,
): P | undefined {
  const n = points.length;
  const c = windowFor(n, callCost);
  const perBit: P[][] = Array.from({ length: 64 }, () => []);
  for (let at = 0; at < 64; at += c) {
    const width = Math.min(c, 64 - at);
    const buckets: P[][] = Array.from({ length: 1 << width }, () => []);
    for (let i = 0; i < n; i++) {
      const d = digitOf(scalars, i, at, width);
      if (d !== 0) buckets[d]!.push(points[i]!);
    }
    for (let d = 1; d < buckets.length; d++) {
      const bucket = buckets[d]!;
      if (bucket.length === 0) continue;
      const s = bucket.length === 1 ? bucket[0]! : sum(bucket);
      for (let k = 0; k < width; k++) if (d & (1 << k)) perBit[at + k]!.push(s);
    }
  }
  let acc: P | undefined;
  for (let j = 63; j >= 0; j--) {
    if (acc !== undefined) acc = sum([acc, acc]);
    const bit = perBit[j]!;
    if (bit.length === 0) continue;
    const cj = bit.length === 1 ? bit[0]! : sum(bit);
    acc = acc === undefined ? cj : sum([acc, cj]);
  }
  return acc;
}

/**
 * Settles `count` items with a batch check and bisection: `holds(from, to)` batch-checks items [from, to) (with
 * fresh randomness each call), `single(i)` checks one. A group that passes is settled; one that fails is halved and
 * each half batch-checked again, down to `floor` items or fewer, which are checked one by one (as is a lone item), so
 * that exactly the bad items are named and none is skipped. A failing group whose two halves both pass (which exact
 * arithmetic rules out, unless the binding failed) has every item checked singly.
 */
export function settleByBisection(
  count: number,
  holds: (from: number, to: number) => boolean,
  single: (i: number) => boolean,
  floor: number,
): boolean[] {
  const ok = new Array<boolean>(count).fill(false);
  const singly = (from: number, to: number) => {
    for (let i = from; i < to; i++) ok[i] = single(i);
  };
  // Settles [from, to) and says whether the group passed the batch check as a whole.
  const settle = (from: number, to: number): boolean => {
    if (to - from > 1 && holds(from, to)) {
      ok.fill(true, from, to);
      return true;
    }
    if (to - from <= floor) {
      singly(from, to);
      return false;
    }
    const mid = from + ((to - from) >> 1);
    const left = settle(from, mid);
    const right = settle(mid, to);
    if (left && right) singly(from, to);
    return false;
  };
  if (count > 0) settle(0, count);
  return ok;
}
