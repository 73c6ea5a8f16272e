import { bytesToHex, hexToBytes, type Hex } from "viem";

import { BlsBackendUnavailableError } from "./errors.ts";
import { messageBytes } from "./messageBytes.ts";
import { parseSecretKey } from "./parseSecretKey.ts";
import { g2UncompressedToEip2537 } from "./g2UncompressedToEip2537.ts";
import type { BlsBackend } from "./types.ts";

/** How many validated public keys one native backend keeps (an operator has one key per guarantee version). */
const MAX_VALIDATED_KEYS = 64;

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
  // Public keys that passed blst's infinity and subgroup check, by their exact hex; bounded, since keys come from
  // callers (a full map is emptied, and a key is only ever added after it passed the check).
  const validatedKeys = new Map<string, InstanceType<typeof PublicKey>>();
  const keepValidated = (hex: string, key: InstanceType<typeof PublicKey>) => {
    if (validatedKeys.size >= MAX_VALIDATED_KEYS) validatedKeys.clear();
    validatedKeys.set(hex, key);
    return key;
  };
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
        // Validate both, once each: the key for infinity and subgroup (a key that passed is kept, by its exact hex,
        // since the same operator key verifies every certificate), the signature for infinity and subgroup. The
        // pairing check then runs with blst's own checks off, as they would only repeat these two (they were
        // doubled before: about 0.3 ms per verification on the bench machine).
        const pk =
          validatedKeys.get(publicKey) ?? keepValidated(publicKey, PublicKey.fromBytes(hexToBytes(publicKey), true));
        const sig = Signature.fromBytes(hexToBytes(signature), true, true);
        return verify(messageBytes(message), pk, sig, false, false);
      } catch {
        return false;
      }
    },
  };
}
