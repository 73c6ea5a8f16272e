import { multiScalarSum, randomScalars, SCALAR_BYTES, settleByBisection } from "./multiScalar.ts";

export { randomScalars, SCALAR_BYTES };

type Blst = typeof import("@chainsafe/blst");
type PublicKey = InstanceType<Blst["PublicKey"]>;
type Signature = InstanceType<Blst["Signature"]>;

/** One certificate to check under the version's key: its message (the claims) and its signature, subgroup-checked. */
export interface SameKeyItem {
  msg: Uint8Array;
  sig: Signature;
}

/** Groups this small (or smaller) that fail the batch check are settled by one `verify` per certificate. */
export const BISECT_FLOOR = 4;

/**
 * `sum r_i * points_i` over G2 with the 64-bit `scalars` ({@link multiScalarSum}) on blst's point addition
 * (`aggregateSignatures`, the only G2 arithmetic the binding exposes; it doubles equal points).
 */
export function multiScalarG2(blst: Blst, points: readonly Signature[], scalars: Buffer): Signature | undefined {
  return multiScalarSum(points, scalars, (ps) => blst.aggregateSignatures(ps, false), 1.5);
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
      return settleByBisection(
        items.length,
        (from, to) => holds(items.slice(from, to)),
        (i) => single(items[i]!),
        BISECT_FLOOR,
      );
    },
    get batchChecks() {
      return batchChecks;
    },
    get singleChecks() {
      return singleChecks;
    },
  };
}
