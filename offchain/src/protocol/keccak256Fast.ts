import { createRequire } from "node:module";

import { keccak256, type Hex } from "viem";

/** The `keccak` package's N-API sponge (XKCP), the part used here. */
interface KeccakSponge {
  initialize(rate: number, capacity: number): void;
  absorb(data: Buffer): void;
  squeeze(length: number): Buffer;
}

/**
 * One sponge of the `keccak` package's addon, loaded as its own bindings.js loads it (node-gyp-build from the
 * package's directory, prebuilt binary, no install script), but without its stream wrapper: `createKeccakHash`
 * builds a Transform stream per hash, which costs more than noble's JavaScript keccak on a 64-byte input.
 * Undefined when the addon does not load (another platform, a bundler): then viem's keccak256 is used.
 */
function loadSponge(): KeccakSponge | undefined {
  try {
    const require = createRequire(import.meta.url);
    const root = require.resolve("keccak/package.json").slice(0, -"package.json".length);
    const Sponge = createRequire(root)("node-gyp-build")(root) as new () => KeccakSponge;
    const sponge = new Sponge();
    // Self-check against the empty-input vector before anything relies on it.
    sponge.initialize(1088, 512);
    if (sponge.squeeze(32).toString("hex") !== EMPTY) return undefined;
    return sponge;
  } catch {
    return undefined;
  }
}
const EMPTY = "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470";

const sponge = loadSponge();

/** Which keccak the hot paths got: the native addon or viem's (noble's) JavaScript. */
export const keccakBackend: "native" | "pure" = sponge ? "native" : "pure";

/**
 * keccak256 of `data`, 0x-hex lowercase: what viem's `keccak256(data)` returns, about eight times faster on the
 * short inputs of issuance (one shared sponge: initialize, absorb, squeeze run synchronously, so no call can
 * interleave with another on this thread; every worker thread loads its own).
 */
export function keccak256Bytes(data: Uint8Array): Hex {
  if (!sponge) return keccak256(data);
  sponge.initialize(1088, 512);
  sponge.absorb(Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  return `0x${sponge.squeeze(32).toString("hex")}`;
}

/** keccak256 of the concatenation of `parts`, as bytes (the audit hashes from envelope words without joining them). */
export function keccak256Concat(parts: readonly Uint8Array[]): Buffer {
  if (!sponge) return Buffer.from(keccak256(Buffer.concat(parts), "bytes"));
  sponge.initialize(1088, 512);
  for (const p of parts) sponge.absorb(Buffer.isBuffer(p) ? p : Buffer.from(p.buffer, p.byteOffset, p.byteLength));
  return sponge.squeeze(32);
}

const HEX = /^0x(?:[0-9a-fA-F]{2})*$/;

/** keccak256 of the bytes a 0x-hex string spells: viem's `keccak256(hex)` for any input (odd or bad hex goes to viem). */
export function keccak256Hex(hex: Hex): Hex {
  if (!sponge) return keccak256(hex);
  // Buffer.from(_, "hex") stops silently at the first bad digit: check first, as viem's hexToBytes does.
  if (!HEX.test(hex)) return keccak256(hex);
  return keccak256Bytes(Buffer.from(hex.slice(2), "hex"));
}

/** keccak256 of a string's UTF-8 bytes (viem's `keccak256(stringToHex(text))`). */
export function keccak256Utf8(text: string): Hex {
  return keccak256Bytes(Buffer.from(text, "utf8"));
}
