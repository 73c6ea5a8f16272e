/** Small byte helpers of the audit: hex strings to and from Buffers, without viem's per-call validation. */

/**
 * `0x`-hex to bytes; throws RangeError on odd length or a non-hex digit. Node's hex decoder stops at the first pair
 * that is not two hex digits, so a short result is how a bad digit shows (no regular expression over the string).
 */
export function hexBytes(hex: string): Buffer {
  if (typeof hex !== "string" || !hex.startsWith("0x") || hex.length % 2 !== 0) throw notHex(hex);
  const out = Buffer.from(hex.slice(2), "hex");
  if (out.length * 2 !== hex.length - 2) throw notHex(hex);
  return out;
}

const notHex = (hex: unknown) => new RangeError(`not 0x-hex: ${String(hex).slice(0, 20)}`);

export function bytesHex(b: Uint8Array): `0x${string}` {
  return `0x${Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex")}`;
}

/** A 32-byte big-endian word of `value` (0 <= value < 2^256). */
export function word(value: bigint): Buffer {
  const out = Buffer.alloc(32);
  let v = value;
  for (let i = 31; i >= 0 && v > 0n; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** A 20-byte address left-padded to a word. */
export function addressWord(address: string): Buffer {
  const out = Buffer.alloc(32);
  hexBytes(address).copy(out, 12);
  return out;
}

export function wordToBigInt(b: Uint8Array, at: number): bigint {
  return BigInt(`0x${Buffer.from(b.buffer, b.byteOffset + at, 32).toString("hex")}`);
}

/** Whether the first `zeros` bytes of the word at `at` are zero (an address or uint64 padded canonically). */
export function paddedWith(b: Uint8Array, at: number, zeros: number): boolean {
  for (let i = 0; i < zeros; i++) if (b[at + i] !== 0) return false;
  return true;
}
