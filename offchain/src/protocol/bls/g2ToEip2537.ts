import { bls12_381 } from "@noble/curves/bls12-381.js";
import { hexToBytes, isHex, type Hex } from "viem";

import { BLS_LENGTHS } from "./constants.ts";
import { InvalidBlsPointError } from "./errors.ts";
import { fpToWords } from "./fpWords.ts";
import type { BlsG2Point } from "./types.ts";

type G2 = InstanceType<typeof bls12_381.G2.Point>;

/** Decode a 96-byte compressed G2 point (ZCash format), checking curve and subgroup membership. */
export function decodeG2(compressed: Hex): G2 {
  if (!isHex(compressed, { strict: true }) || (compressed.length - 2) / 2 !== BLS_LENGTHS.signature) {
    throw new InvalidBlsPointError(`Compressed G2 point must be ${BLS_LENGTHS.signature} bytes of hex: ${compressed}`);
  }
  try {
    const point = bls12_381.G2.Point.fromBytes(hexToBytes(compressed));
    point.assertValidity();
    return point;
  } catch (cause) {
    throw new InvalidBlsPointError(`Not a valid compressed G2 point: ${compressed}`, { point: compressed }, cause);
  }
}

/**
 * A G2 point in the EIP-2537 words of `BLS.G2Point` (infinity is all zero words). The coordinates are taken from
 * the affine Fp2 components, c0 first: noble's own byte encodings put c1 first, so they are never reused here.
 */
export function g2PointToWords(point: G2): BlsG2Point {
  const zero = { c0: 0n, c1: 0n };
  const { x, y } = point.is0() ? { x: zero, y: zero } : point.toAffine();
  const [x_c0_a, x_c0_b] = fpToWords(x.c0);
  const [x_c1_a, x_c1_b] = fpToWords(x.c1);
  const [y_c0_a, y_c0_b] = fpToWords(y.c0);
  const [y_c1_a, y_c1_b] = fpToWords(y.c1);
  return { x_c0_a, x_c0_b, x_c1_a, x_c1_b, y_c0_a, y_c0_b, y_c1_a, y_c1_b };
}

/**
 * A 96-byte compressed G2 point (a signature as it travels off-chain) as the EIP-2537 words of Solidity's
 * `BLS.G2Point`, ready to pass to viem. Throws InvalidBlsPointError on a malformed or invalid point.
 */
export function g2ToEip2537(compressed: Hex): BlsG2Point {
  return g2PointToWords(decodeG2(compressed));
}
