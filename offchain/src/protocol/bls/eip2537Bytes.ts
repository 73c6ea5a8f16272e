import { concatHex, isHex, sliceHex, type Hex } from "viem";

import { BLS_LENGTHS } from "./constants.ts";
import { InvalidBlsPointError } from "./errors.ts";
import type { BlsG1Point, BlsG2Point } from "./types.ts";

const G1_FIELDS = ["x_a", "x_b", "y_a", "y_b"] as const;
const G2_FIELDS = ["x_c0_a", "x_c0_b", "x_c1_a", "x_c1_b", "y_c0_a", "y_c0_b", "y_c1_a", "y_c1_b"] as const;

function words(encoded: Hex, size: number, what: string): Hex[] {
  if (!isHex(encoded, { strict: true }) || (encoded.length - 2) / 2 !== size) {
    throw new InvalidBlsPointError(`EIP-2537 ${what} must be ${size} bytes of hex`, { encoded });
  }
  return Array.from({ length: size / 32 }, (_, i) => sliceHex(encoded, i * 32, (i + 1) * 32));
}

/** The 128-byte EIP-2537 G1 encoding (the precompiles' input) of `BLS.G1Point` words. */
export function g1WordsToBytes(point: BlsG1Point): Hex {
  return concatHex(G1_FIELDS.map((f) => point[f]));
}

/** The `BLS.G1Point` words of a 128-byte EIP-2537 G1 encoding (no curve checks). */
export function g1BytesToWords(encoded: Hex): BlsG1Point {
  const [x_a, x_b, y_a, y_b] = words(encoded, BLS_LENGTHS.eip2537G1, "G1 point") as [Hex, Hex, Hex, Hex];
  return { x_a, x_b, y_a, y_b };
}

/** The 256-byte EIP-2537 G2 encoding (the precompiles' input) of `BLS.G2Point` words. */
export function g2WordsToBytes(point: BlsG2Point): Hex {
  return concatHex(G2_FIELDS.map((f) => point[f]));
}

/** The `BLS.G2Point` words of a 256-byte EIP-2537 G2 encoding (no curve checks). */
export function g2BytesToWords(encoded: Hex): BlsG2Point {
  const w = words(encoded, BLS_LENGTHS.eip2537G2, "G2 point");
  const [x_c0_a, x_c0_b, x_c1_a, x_c1_b, y_c0_a, y_c0_b, y_c1_a, y_c1_b] = w as [
    Hex,
    Hex,
    Hex,
    Hex,
    Hex,
    Hex,
    Hex,
    Hex,
  ];
  return { x_c0_a, x_c0_b, x_c1_a, x_c1_b, y_c0_a, y_c0_b, y_c1_a, y_c1_b };
}
