import { bls12_381 } from "@noble/curves/bls12-381.js";

import { g1PointToWords } from "./g1ToEip2537.ts";
import type { BlsG1Point } from "./types.ts";

/** -G1 in `BLS.G1Point` words: the first pairing argument of `BLS.verify`. */
export function negatedG1Generator(): BlsG1Point {
  return g1PointToWords(bls12_381.G1.Point.BASE.negate());
}
