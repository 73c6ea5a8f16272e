import { hexToBigInt, size, slice, type Hex } from "viem";

/** The secp256k1 group order n. */
export const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
/** n / 2: OpenZeppelin's ECDSA refuses any s above it (EIP-2 low-s). */
export const SECP256K1_HALF_N = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n;

/** Why the vault (OpenZeppelin 5.x `ECDSA.tryRecover`, through `SignatureChecker`) refuses an EOA signature. */
export const PayerSignatureCode = {
  /** Not 65 bytes (r ‖ s ‖ v). 64-byte EIP-2098 signatures are refused too: `tryRecover(bytes)` takes only 65. */
  LENGTH: "PAYER_SIGNATURE_LENGTH",
  /** s above n/2 (`ECDSA.RecoverError.InvalidSignatureS`). */
  HIGH_S: "PAYER_SIGNATURE_HIGH_S",
  /** v not 27 or 28: the `ecrecover` precompile returns address(0) (`InvalidSignature`). */
  BAD_V: "PAYER_SIGNATURE_BAD_V",
  /** r or s zero, r not below n, or no curve point with that r: `ecrecover` returns address(0). */
  INVALID: "PAYER_SIGNATURE_INVALID",
  /** A valid signature, by another key than the payer's. */
  MISMATCH: "PAYER_SIGNATURE_MISMATCH",
  /** The payer has code and its `isValidSignature` did not return the ERC-1271 magic value. */
  ERC1271_REJECTED: "PAYER_SIGNATURE_ERC1271_REJECTED",
} as const;
export type PayerSignatureCode = (typeof PayerSignatureCode)[keyof typeof PayerSignatureCode];

export interface EcdsaRefusal {
  code: PayerSignatureCode;
  message: string;
  details: Record<string, unknown>;
}

/**
 * The checks OpenZeppelin's `ECDSA.tryRecover(hash, bytes)` makes before and inside `ecrecover`, in its order
 * (length, then s, then what makes `ecrecover` return zero), for a signature the vault would read as an EOA's.
 * Returns the first refusal, or undefined when only the recovery itself remains (which may still find no point:
 * PAYER_SIGNATURE_INVALID). Pure; the vectors of test/vectors/payerSignatures.json pin it against the Solidity.
 */
export function ecdsaSignatureRefusal(signature: Hex): EcdsaRefusal | undefined {
  const length = size(signature);
  if (length !== 65) {
    return {
      code: PayerSignatureCode.LENGTH,
      message: `signature is ${length} bytes, the vault takes 65 (r, s, v)`,
      details: { length },
    };
  }
  const r = hexToBigInt(slice(signature, 0, 32));
  const s = hexToBigInt(slice(signature, 32, 64));
  const v = Number(hexToBigInt(slice(signature, 64, 65)));
  if (s > SECP256K1_HALF_N) {
    return {
      code: PayerSignatureCode.HIGH_S,
      message: "signature s is in the upper half of the curve order (malleable); use n - s and flip v",
      details: { s: `0x${s.toString(16).padStart(64, "0")}` },
    };
  }
  if (v !== 27 && v !== 28) {
    return { code: PayerSignatureCode.BAD_V, message: `signature v is ${v}, the vault takes 27 or 28`, details: { v } };
  }
  if (r === 0n || r >= SECP256K1_N || s === 0n) {
    return {
      code: PayerSignatureCode.INVALID,
      message: "signature r or s is out of range",
      details: { r: r === 0n || r >= SECP256K1_N ? "out of range" : "ok", s: s === 0n ? "zero" : "ok" },
    };
  }
  return undefined;
}
