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

/**
 * Parses and writes `value` as exactly `byteLength` bytes of `0x`-prefixed hex (either case) into `out` at
 * `offset`, validating as it goes (no regex, no lower-cased copy): false when `value` is not such a string, in
 * which case the bytes written so far are garbage and the caller must throw.
 */
export function writeHexChecked(out: Uint8Array, offset: number, value: unknown, byteLength: number): boolean {
  if (typeof value !== "string" || value.length !== 2 + 2 * byteLength || value.charCodeAt(0) !== 48) return false;
  const x = value.charCodeAt(1);
  if (x !== 120 && x !== 88) return false;
  for (let i = 2, j = offset; i < value.length; i += 2, j++) {
    const hi = NIBBLE[value.charCodeAt(i)] ?? -1;
    const lo = NIBBLE[value.charCodeAt(i + 1)] ?? -1;
    if (hi < 0 || lo < 0) return false;
    out[j] = (hi << 4) | lo;
  }
  return true;
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
