/**
 * The certificate signature's domain separation tag (docs/protocol.md §4.4): the proof-of-possession ciphersuite,
 * the only one `@chainsafe/blst` signs with. `@noble/curves` defaults to the `_NUL_` suite, so pass it explicitly.
 */
export const BLS_POP_DST = "BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_";

/** The BLS12-381 base field modulus p. */
export const BLS12_381_P =
  0x1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaabn;

/** The BLS12-381 group order r: secret keys are scalars in [1, r). */
export const BLS12_381_R = 0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001n;

/** Byte lengths of the encodings that travel off-chain and on-chain. */
export const BLS_LENGTHS = {
  secretKey: 32,
  publicKey: 48,
  signature: 96,
  eip2537Fp: 64,
  eip2537G1: 128,
  eip2537G2: 256,
} as const;
