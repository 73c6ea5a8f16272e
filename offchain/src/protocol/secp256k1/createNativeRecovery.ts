import { createRequire } from "node:module";

import { hexToBytes, type Address, type Hex } from "viem";

import { FourMicaError, InvalidInputError } from "../errors.ts";
import { keccak256Bytes } from "../keccak256Fast.ts";
import { recoveryBit } from "./recoveryBit.ts";
import type { Secp256k1Recovery } from "./types.ts";

/** The part of the `secp256k1` package's native binding used here (it ships no types). */
interface NativeSecp256k1 {
  ecdsaRecover(signature: Uint8Array, recid: number, message: Uint8Array, compressed: boolean): Uint8Array;
}

/** The native secp256k1 addon cannot be loaded on this platform. */
export class Secp256k1UnavailableError extends FourMicaError {
  constructor(message: string, cause?: unknown) {
    super("SECP256K1_UNAVAILABLE", message, { cause });
    this.name = "Secp256k1UnavailableError";
  }
}

/**
 * libsecp256k1 through the `secp256k1` package's N-API binding, from the prebuilt binary shipped in the npm
 * package (node-gyp-build; no install script needed). `secp256k1/bindings` is required rather than the package
 * root, whose silent fallback to its own JavaScript would hide a missing addon. Throws Secp256k1UnavailableError.
 */
export function createNativeRecovery(): Secp256k1Recovery {
  let native: NativeSecp256k1;
  try {
    native = createRequire(import.meta.url)("secp256k1/bindings") as NativeSecp256k1;
  } catch (cause) {
    throw new Secp256k1UnavailableError("The native secp256k1 addon failed to load", cause);
  }
  return {
    name: "native",
    recoverAddress(digest: Hex, signature: Hex): Address {
      const sig = hexToBytes(signature);
      const hash = hexToBytes(digest);
      if (sig.length !== 65 || hash.length !== 32) {
        throw new InvalidInputError(`recovery needs a 65-byte signature and a 32-byte digest`);
      }
      // Throws on r or s of zero or not below n, and when no point has that x.
      const publicKey = native.ecdsaRecover(sig.subarray(0, 64), recoveryBit(sig[64]!), hash, false);
      return `0x${keccak256Bytes(publicKey.subarray(1)).slice(26)}` as Address;
    },
  };
}
