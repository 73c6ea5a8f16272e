import { bls12_381 } from "@noble/curves/bls12-381.js";

import { BLS_POP_DST } from "./constants.ts";
import { g2PointToWords } from "./g2ToEip2537.ts";
import { messageBytes } from "./messageBytes.ts";
import type { BlsG2Point } from "./types.ts";
import type { Hex } from "viem";

/**
 * H(message): RFC 9380 hash_to_curve onto G2 (expand_message_xmd SHA-256, SSWU, random oracle) under `dst`
 * (default the POP DST), as `BLS.G2Point` words. Equals Solidity's `BLS.hashToG2` (test/vectors/bls.json).
 */
export function hashToG2(message: Hex | Uint8Array, dst: string = BLS_POP_DST): BlsG2Point {
  return g2PointToWords(bls12_381.G2.hashToCurve(messageBytes(message), { DST: dst }));
}
