import { bls12_381 } from "@noble/curves/bls12-381.js";
import { bytesToHex, type Hex } from "viem";

import { InvalidBlsPointError } from "./errors.ts";
import { decodeG2 } from "./g2ToEip2537.ts";

/**
 * The sum in G2 of compressed signatures (each checked on the curve and in the subgroup), as the 96-byte compressed
 * aggregate that `Core4Mica.remunerateBatch` verifies with one pairing check against the sum of the certificates'
 * hashes (docs/protocol.md §5). Pass it to `g2ToEip2537` for the on-chain words. Throws InvalidBlsPointError on an
 * empty list or a bad point.
 */
export function aggregateSignatures(signatures: readonly Hex[]): Hex {
  if (signatures.length === 0) throw new InvalidBlsPointError("Cannot aggregate an empty list of signatures");
  const sum = signatures.map(decodeG2).reduce((acc, point) => acc.add(point));
  return bytesToHex(bls12_381.longSignatures.Signature.toBytes(sum));
}
