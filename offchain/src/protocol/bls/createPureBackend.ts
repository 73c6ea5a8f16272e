import { bls12_381 } from "@noble/curves/bls12-381.js";
import { bytesToHex, type Hex } from "viem";

import { BLS_POP_DST } from "./constants.ts";
import { decodeG1 } from "./g1ToEip2537.ts";
import { decodeG2, g2PointToWords } from "./g2ToEip2537.ts";
import { messageBytes } from "./messageBytes.ts";
import { parseSecretKey } from "./parseSecretKey.ts";
import type { BlsBackend } from "./types.ts";

const bls = bls12_381.longSignatures;

/**
 * The pure-JavaScript backend (@noble/curves, min-pk "long signatures"). About 60x slower than blst but runs
 * everywhere; the POP DST is passed explicitly because noble defaults to the `_NUL_` suite.
 */
export function createPureBackend(): BlsBackend {
  return {
    name: "pure",
    publicKey(secretKey: Hex): Hex {
      return bytesToHex(bls.getPublicKey(parseSecretKey(secretKey)).toBytes(true));
    },
    sign(secretKey: Hex, message: Hex | Uint8Array): Hex {
      const key = parseSecretKey(secretKey);
      const hashed = bls.hash(messageBytes(message), BLS_POP_DST);
      return bytesToHex(bls.Signature.toBytes(bls.sign(hashed, key)));
    },
    signer(secretKey: Hex) {
      const key = parseSecretKey(secretKey);
      return {
        publicKey: bytesToHex(bls.getPublicKey(key).toBytes(true)),
        sign(message: Hex | Uint8Array) {
          const point = bls.sign(bls.hash(messageBytes(message), BLS_POP_DST), key);
          return { signature: bytesToHex(bls.Signature.toBytes(point)), signatureEip2537: g2PointToWords(point) };
        },
      };
    },
    verify(publicKey: Hex, message: Hex | Uint8Array, signature: Hex): boolean {
      try {
        const pk = decodeG1(publicKey);
        const sig = decodeG2(signature);
        // Infinity is refused as a key and as a signature (docs/protocol.md §4.4), as on-chain.
        if (pk.is0() || sig.is0()) return false;
        return bls.verify(sig, bls.hash(messageBytes(message), BLS_POP_DST), pk);
      } catch {
        return false;
      }
    },
  };
}
