import type { Address, Hex } from "viem";

/**
 * ECDSA public-key recovery on secp256k1: the lowercase address whose key signed the 32-byte `digest` with the
 * 65-byte `signature` (r || s || v, v in {0, 1, 27, 28}). Throws when the signature recovers no key. Both backends
 * accept and refuse the same signatures and return the same address (test/core/secp256k1.test.ts).
 */
export interface Secp256k1Recovery {
  readonly name: "native" | "pure";
  recoverAddress(digest: Hex, signature: Hex): Address | Promise<Address>;
}
