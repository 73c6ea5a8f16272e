import { bytesToHex, type Hex } from "viem";

import { InvalidBlsPointError } from "./errors.ts";
import type { BlsG2Point } from "./types.ts";

const FP_BYTES = 48;
const UNCOMPRESSED_G2_BYTES = 4 * FP_BYTES;
const COMPRESSION_FLAG = 0x80;
const INFINITY_FLAG = 0x40;
const SIGN_FLAG = 0x20;
const ZERO_WORD: Hex = `0x${"00".repeat(32)}`;

/** One 48-byte big-endian Fp as its two EIP-2537 words: `_a` = 16 zero bytes + bytes 0..16, `_b` = bytes 16..48. */
function fpWords(bytes: Uint8Array, offset: number): [Hex, Hex] {
  const a = new Uint8Array(32);
  a.set(bytes.subarray(offset, offset + 16), 16);
  return [bytesToHex(a), bytesToHex(bytes.subarray(offset + 16, offset + FP_BYTES))];
}

/**
 * The `BLS.G2Point` words of a 192-byte UNCOMPRESSED G2 point in the ZCash/IETF serialization
 * (`x.c1 || x.c0 || y.c1 || y.c0`, flag bits in the top three bits of the first byte), as blst's
 * `Signature.toBytes(false)` gives it. Only reorders and pads bytes (EIP-2537 puts c0 first): no curve math, so it
 * trusts its producer for curve and subgroup membership. Throws InvalidBlsPointError on a wrong length, a
 * compressed encoding or an infinity flag with non-zero coordinates.
 */
export function g2UncompressedToEip2537(uncompressed: Uint8Array): BlsG2Point {
  if (uncompressed.length !== UNCOMPRESSED_G2_BYTES) {
    throw new InvalidBlsPointError(`Uncompressed G2 point must be ${UNCOMPRESSED_G2_BYTES} bytes`, {
      length: uncompressed.length,
    });
  }
  const flags = uncompressed[0]! & (COMPRESSION_FLAG | INFINITY_FLAG | SIGN_FLAG);
  if (flags & (COMPRESSION_FLAG | SIGN_FLAG)) {
    throw new InvalidBlsPointError("G2 point is compressed or carries a sign flag, not an uncompressed encoding");
  }
  const body = uncompressed.slice();
  body[0] = body[0]! & ~(COMPRESSION_FLAG | INFINITY_FLAG | SIGN_FLAG);
  if (flags & INFINITY_FLAG) {
    if (body.some((b) => b !== 0)) throw new InvalidBlsPointError("G2 infinity flag with non-zero coordinates");
    return {
      x_c0_a: ZERO_WORD,
      x_c0_b: ZERO_WORD,
      x_c1_a: ZERO_WORD,
      x_c1_b: ZERO_WORD,
      y_c0_a: ZERO_WORD,
      y_c0_b: ZERO_WORD,
      y_c1_a: ZERO_WORD,
      y_c1_b: ZERO_WORD,
    };
  }
  const [x_c1_a, x_c1_b] = fpWords(body, 0);
  const [x_c0_a, x_c0_b] = fpWords(body, FP_BYTES);
  const [y_c1_a, y_c1_b] = fpWords(body, 2 * FP_BYTES);
  const [y_c0_a, y_c0_b] = fpWords(body, 3 * FP_BYTES);
  return { x_c0_a, x_c0_b, x_c1_a, x_c1_b, y_c0_a, y_c0_b, y_c1_a, y_c1_b };
}
