import { concatHex, hexToBigInt, numberToHex, sliceHex, type Hex } from "viem";

import { BLS12_381_P, BLS_LENGTHS } from "./constants.ts";
import { InvalidBlsPointError } from "./errors.ts";

/** An Fp element as its EIP-2537 64-byte encoding split into two words (`_a`: 16 zero bytes + 16, `_b`: 32). */
export function fpToWords(value: bigint): [Hex, Hex] {
  const encoded = numberToHex(value, { size: BLS_LENGTHS.eip2537Fp });
  return [sliceHex(encoded, 0, 32), sliceHex(encoded, 32, 64)];
}

/** The Fp element held in two EIP-2537 words; throws InvalidBlsPointError unless canonical (< p, top 16 bytes 0). */
export function fpFromWords(a: Hex, b: Hex, field: string): bigint {
  const value = hexToBigInt(concatHex([a, b]));
  if (value >= BLS12_381_P) {
    throw new InvalidBlsPointError(`EIP-2537 field element ${field} is not below p`, { field, a, b });
  }
  return value;
}
