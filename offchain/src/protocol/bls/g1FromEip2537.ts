import { bls12_381 } from "@noble/curves/bls12-381.js";
import { bytesToHex, type Hex } from "viem";

import { InvalidBlsPointError } from "./errors.ts";
import { fpFromWords } from "./fpWords.ts";
import { g1BytesToWords } from "./eip2537Bytes.ts";
import type { BlsG1Point } from "./types.ts";

/**
 * The 48-byte compressed form of an EIP-2537 G1 point, given as `BLS.G1Point` words or the 128-byte encoding.
 * Throws InvalidBlsPointError unless the point is canonical, on the curve and in the subgroup (or infinity).
 */
export function g1FromEip2537(point: BlsG1Point | Hex): Hex {
  const words = typeof point === "string" ? g1BytesToWords(point) : point;
  const x = fpFromWords(words.x_a, words.x_b, "x");
  const y = fpFromWords(words.y_a, words.y_b, "y");
  const { Point } = bls12_381.G1;
  if (x === 0n && y === 0n) return bytesToHex(Point.ZERO.toBytes(true));
  try {
    const decoded = Point.fromAffine({ x, y });
    decoded.assertValidity();
    return bytesToHex(decoded.toBytes(true));
  } catch (cause) {
    throw new InvalidBlsPointError("EIP-2537 G1 point is not on the curve or not in the subgroup", { words }, cause);
  }
}
