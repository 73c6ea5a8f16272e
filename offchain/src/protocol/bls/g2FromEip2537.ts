import { bls12_381 } from "@noble/curves/bls12-381.js";
import { bytesToHex, type Hex } from "viem";

import { g2BytesToWords } from "./eip2537Bytes.ts";
import { InvalidBlsPointError } from "./errors.ts";
import { fpFromWords } from "./fpWords.ts";
import type { BlsG2Point } from "./types.ts";

/**
 * The 96-byte compressed form of an EIP-2537 G2 point, given as `BLS.G2Point` words or the 256-byte encoding.
 * Throws InvalidBlsPointError unless the point is canonical, on the curve and in the subgroup (or infinity).
 */
export function g2FromEip2537(point: BlsG2Point | Hex): Hex {
  const w = typeof point === "string" ? g2BytesToWords(point) : point;
  const x = { c0: fpFromWords(w.x_c0_a, w.x_c0_b, "x.c0"), c1: fpFromWords(w.x_c1_a, w.x_c1_b, "x.c1") };
  const y = { c0: fpFromWords(w.y_c0_a, w.y_c0_b, "y.c0"), c1: fpFromWords(w.y_c1_a, w.y_c1_b, "y.c1") };
  const { Point } = bls12_381.G2;
  if (x.c0 === 0n && x.c1 === 0n && y.c0 === 0n && y.c1 === 0n) return bytesToHex(Point.ZERO.toBytes(true));
  try {
    const decoded = Point.fromAffine({ x, y });
    decoded.assertValidity();
    return bytesToHex(decoded.toBytes(true));
  } catch (cause) {
    throw new InvalidBlsPointError("EIP-2537 G2 point is not on the curve or not in the subgroup", { words: w }, cause);
  }
}
