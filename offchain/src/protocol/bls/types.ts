import type { Hex } from "viem";

/**
 * A G1 point (public key) in EIP-2537 encoding, with the field names of Solidity's `BLS.G1Point` so viem passes
 * it as the struct: each 64-byte Fp is two words, `_a` = 16 zero bytes + the first 16 value bytes, `_b` = the
 * last 32 value bytes.
 */
export type BlsG1Point = {
  x_a: Hex;
  x_b: Hex;
  y_a: Hex;
  y_b: Hex;
};

/** A G2 point (signature, hashed message) in EIP-2537 encoding (Fp2 as c0 then c1), as Solidity's `BLS.G2Point`. */
export type BlsG2Point = {
  x_c0_a: Hex;
  x_c0_b: Hex;
  x_c1_a: Hex;
  x_c1_b: Hex;
  y_c0_a: Hex;
  y_c0_b: Hex;
  y_c1_a: Hex;
  y_c1_b: Hex;
};

/** A signature in both the forms a certificate carries. */
export interface BlsSignatureForms {
  /** 96-byte compressed G2 signature, 0x-hex. */
  signature: Hex;
  /** The same point as the words of Solidity's `BLS.G2Point`. */
  signatureEip2537: BlsG2Point;
}

/** A signer bound to one secret key, parsed and checked once (the issuance hot path). */
export interface BlsSigner {
  /** The 48-byte compressed public key. */
  readonly publicKey: Hex;
  /** Signs `message` and returns both encodings without decompressing the signature. */
  sign(message: Hex | Uint8Array): BlsSignatureForms;
}

/**
 * BLS12-381 min-pk signatures under the POP DST. Both implementations give bit-identical bytes (test/vectors/bls.json).
 * Keys and signatures are compressed (48-byte G1, 96-byte G2) hex.
 */
export interface BlsBackend {
  readonly name: "native" | "pure";
  /** The 48-byte compressed public key of a 32-byte secret key; throws InvalidBlsKeyError on a bad key. */
  publicKey(secretKey: Hex): Hex;
  /** The 96-byte compressed signature of `message`; throws InvalidBlsKeyError on a bad key. */
  sign(secretKey: Hex, message: Hex | Uint8Array): Hex;
  /**
   * Whether `signature` signs `message` under `publicKey`. Never throws on a bad key or signature: malformed,
   * off-curve, out-of-subgroup and infinity points all give false, as `BLS.verify` does on-chain.
   */
  verify(publicKey: Hex, message: Hex | Uint8Array, signature: Hex): boolean;
  /** A signer for `secretKey`; throws InvalidBlsKeyError on a bad key. Same bytes as `sign`. */
  signer(secretKey: Hex): BlsSigner;
}
