import { keccak256Concat, keccakBackend } from "../protocol/keccak256Fast.ts";

/** Whether {@link keccak} runs on the `keccak` package's native sponge (else on viem's JavaScript keccak). */
export const nativeKeccak = keccakBackend === "native";

/** keccak256 of the concatenation of `parts`, on the one native sponge the protocol's hot paths use. */
export function keccak(...parts: Uint8Array[]): Buffer {
  return keccak256Concat(parts);
}

/** keccak256 of a UTF-8 string. */
export function keccakText(text: string): Buffer {
  return keccak(Buffer.from(text, "utf8"));
}
