import { hexToBytes, isHex, type Hex } from "viem";

import { BLS12_381_R, BLS_LENGTHS } from "./constants.ts";
import { InvalidBlsKeyError } from "./errors.ts";

/**
 * The bytes of a BLS secret key after checking it: 32-byte big-endian hex, non-zero and below the group order r
 * (the range both blst and noble accept). Throws InvalidBlsKeyError (code INVALID_BLS_KEY); the message never
 * quotes the key itself.
 */
export function parseSecretKey(secretKey: Hex): Uint8Array {
  if (typeof secretKey !== "string" || !isHex(secretKey, { strict: true })) {
    throw new InvalidBlsKeyError("BLS secret key is not a hex string");
  }
  const bytes = hexToBytes(secretKey);
  if (bytes.length !== BLS_LENGTHS.secretKey) {
    throw new InvalidBlsKeyError(`BLS secret key must be ${BLS_LENGTHS.secretKey} bytes, got ${bytes.length}`, {
      length: bytes.length,
    });
  }
  const scalar = BigInt(secretKey);
  if (scalar === 0n) throw new InvalidBlsKeyError("BLS secret key is zero");
  if (scalar >= BLS12_381_R) throw new InvalidBlsKeyError("BLS secret key is not below the group order r");
  return bytes;
}
