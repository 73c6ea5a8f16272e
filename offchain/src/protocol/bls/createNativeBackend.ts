import { bytesToHex, hexToBytes, type Hex } from "viem";

import { BlsBackendUnavailableError } from "./errors.ts";
import { messageBytes } from "./messageBytes.ts";
import { parseSecretKey } from "./parseSecretKey.ts";
import { g2UncompressedToEip2537 } from "./g2UncompressedToEip2537.ts";
import type { BlsBackend } from "./types.ts";

/**
 * The native backend (@chainsafe/blst, N-API over supranational/blst), which always signs under the POP DST.
 * The addon is imported lazily so that platforms without a prebuilt binary can fall back to the pure backend;
 * throws BlsBackendUnavailableError when it does not load.
 */
export async function createNativeBackend(): Promise<BlsBackend> {
  let blst: typeof import("@chainsafe/blst");
  try {
    blst = await import("@chainsafe/blst");
  } catch (cause) {
    throw new BlsBackendUnavailableError("The native BLS backend (@chainsafe/blst) failed to load", {}, cause);
  }
  const { PublicKey, SecretKey, Signature, verify } = blst;
  return {
    name: "native",
    publicKey(secretKey: Hex): Hex {
      return bytesToHex(SecretKey.fromBytes(parseSecretKey(secretKey)).toPublicKey().toBytes(true));
    },
    sign(secretKey: Hex, message: Hex | Uint8Array): Hex {
      return bytesToHex(SecretKey.fromBytes(parseSecretKey(secretKey)).sign(messageBytes(message)).toBytes(true));
    },
    signer(secretKey: Hex) {
      const key = SecretKey.fromBytes(parseSecretKey(secretKey));
      return {
        publicKey: bytesToHex(key.toPublicKey().toBytes(true)),
        sign(message: Hex | Uint8Array) {
          const sig = key.sign(messageBytes(message));
          // blst serializes the affine point it already holds: reordering its uncompressed bytes into EIP-2537
          // words costs no curve math, unlike decompressing the 96-byte form (a square root in Fp2).
          return {
            signature: bytesToHex(sig.toBytes(true)),
            signatureEip2537: g2UncompressedToEip2537(sig.toBytes(false)),
          };
        },
      };
    },
    verify(publicKey: Hex, message: Hex | Uint8Array, signature: Hex): boolean {
      try {
        // Validate both: the key for infinity and subgroup, the signature for infinity and subgroup.
        const pk = PublicKey.fromBytes(hexToBytes(publicKey), true);
        const sig = Signature.fromBytes(hexToBytes(signature), true, true);
        return verify(messageBytes(message), pk, sig, true, true);
      } catch {
        return false;
      }
    },
  };
}
