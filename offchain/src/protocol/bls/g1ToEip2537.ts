import { bls12_381 } from "@noble/curves/bls12-381.js";
import { hexToBytes, isHex, type Hex } from "viem";

import { BLS_LENGTHS } from "./constants.ts";
import { InvalidBlsPointError } from "./errors.ts";
import { fpToWords } from "./fpWords.ts";
import type { BlsG1Point } from "./types.ts";

type G1 = InstanceType<typeof bls12_381.G1.Point>;

/** Decode a 48-byte compressed G1 point (ZCash format), checking curve and subgroup membership. */
export function decodeG1(compressed: Hex): G1 {
  if (!isHex(compressed, { strict: true }) || (compressed.length - 2) / 2 !== BLS_LENGTHS.publicKey) {
    throw new InvalidBlsPointError(`Compressed G1 point must be ${BLS_LENGTHS.publicKey} bytes of hex: ${compressed}`);
  }
  try {
    const point = bls12_381.G1.Point.fromBytes(hexToBytes(compressed));
    point.assertValidity();
    return point;
  } catch (cause) {
    throw new InvalidBlsPointError(`Not a valid compressed G1 point: ${compressed}`, { point: compressed }, cause);
  }
}

/** A G1 point in the EIP-2537 words of `BLS.G1Point` (infinity is all zero words). */
export function g1PointToWords(point: G1): BlsG1Point {
  const { x, y } = point.is0() ? { x: 0n, y: 0n } : point.toAffine();
  const [x_a, x_b] = fpToWords(x);
  const [y_a, y_b] = fpToWords(y);
  return { x_a, x_b, y_a, y_b };
}

/**
 * A 48-byte compressed G1 point (a public key as it travels off-chain) as the EIP-2537 words of Solidity's
 * `BLS.G1Point`, ready to pass to viem. Throws InvalidBlsPointError on a malformed or invalid point.
 */
export function g1ToEip2537(compressed: Hex): BlsG1Point {
  return g1PointToWords(decodeG1(compressed));
}
