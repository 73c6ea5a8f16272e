import { bytesToHex, type Hex } from "viem";

import { InvalidBlsPointError } from "./errors.ts";
import { decodeG2, g2PointToWords } from "./g2ToEip2537.ts";
import type { BlsSignatureForms } from "./types.ts";

/**
 * The G2 sum of compressed signatures, in both forms: what a batched on-chain redemption verifies against the sum of
 * the messages' hashes under one key (every signature must be of the same version's key). Each signature is
 * decoded with the subgroup check; an empty list is refused (the sum would be the point at infinity).
 */
export function aggregateSignatures(signatures: readonly Hex[]): BlsSignatureForms {
  if (signatures.length === 0) throw new InvalidBlsPointError("cannot aggregate an empty list of signatures");
  let sum = decodeG2(signatures[0]!);
  for (let i = 1; i < signatures.length; i++) sum = sum.add(decodeG2(signatures[i]!));
  return { signature: bytesToHex(sum.toBytes(true)), signatureEip2537: g2PointToWords(sum) };
}
