import { createRequire } from "node:module";
import { dirname } from "node:path";

import createKeccakHash from "keccak";

/** The `keccak` package's N-API sponge (its `KeccakState`), used directly: the package's hash object is a stream. */
interface KeccakState {
  initialize(rate: number, capacity: number): void;
  absorb(data: Buffer): void;
  absorbLastFewBits(bits: number): void;
  squeeze(length: number): Buffer;
}

function nativeState(): KeccakState | undefined {
  try {
    const require = createRequire(import.meta.url);
    const State = (require("node-gyp-build") as (dir: string) => unknown)(
      dirname(require.resolve("keccak/package.json")),
    );
    return typeof State === "function" ? new (State as new () => KeccakState)() : undefined;
  } catch {
    return undefined;
  }
}

/** One sponge per thread, reset before each hash (hashing is synchronous, so it is never shared mid-hash). */
const state = nativeState();

/** Whether {@link keccak} runs on the native sponge (else on the `keccak` package's own JavaScript). */
export const nativeKeccak = state !== undefined;

/**
 * keccak256 of the concatenation of `parts`: the native sponge (rate 1088, capacity 512, Keccak padding 0x01) at
 * about 4 µs per short hash here, against 9 µs through the package's stream object; the package's hash object when
 * the binding does not load.
 */
export function keccak(...parts: Uint8Array[]): Buffer {
  if (state) {
    state.initialize(1088, 512);
    for (const p of parts) state.absorb(Buffer.from(p.buffer, p.byteOffset, p.byteLength));
    state.absorbLastFewBits(0x01);
    return state.squeeze(32);
  }
  const h = createKeccakHash("keccak256");
  for (const p of parts) h.update(Buffer.from(p.buffer, p.byteOffset, p.byteLength));
  return h.digest();
}

/** keccak256 of a UTF-8 string. */
export function keccakText(text: string): Buffer {
  return keccak(Buffer.from(text, "utf8"));
}
