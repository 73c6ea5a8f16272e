/** Small allocation-free hex helpers for the netting hot loops (viem's converters allocate per call). */

const NIBBLE = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) NIBBLE[48 + i] = i;
for (let i = 0; i < 6; i++) {
  NIBBLE[97 + i] = 10 + i;
  NIBBLE[65 + i] = 10 + i;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/** Writes the hex string `hex` (with `0x`, even length, already validated) into `out` at `offset`. */
export function writeHex(out: Uint8Array, offset: number, hex: string): void {
  for (let i = 2, j = offset; i < hex.length; i += 2, j++) {
    out[j] = ((NIBBLE[hex.charCodeAt(i)] as number) << 4) | (NIBBLE[hex.charCodeAt(i + 1)] as number);
  }
}

/** Writes `value` (0 <= value < 2^256) big-endian into the 32 bytes of `out` at `offset`. */
export function writeUint256(out: Uint8Array, offset: number, value: bigint): void {
  // One bigint-to-string conversion beats 32 bigint shifts by an order of magnitude.
  const hex = value.toString(16).padStart(64, "0");
  for (let i = 0, j = offset; i < 64; i += 2, j++) {
    out[j] = ((NIBBLE[hex.charCodeAt(i)] as number) << 4) | (NIBBLE[hex.charCodeAt(i + 1)] as number);
  }
}

/** `0x`-prefixed lower-case hex of `bytes[start, end)`. */
export function toHex(bytes: Uint8Array, start = 0, end = bytes.length): `0x${string}` {
  let s = "0x";
  for (let i = start; i < end; i++) s += HEX[bytes[i] as number];
  return s as `0x${string}`;
}
