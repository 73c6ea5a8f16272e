import type { Hex } from "viem";

import type { BlsG2Point } from "../bls/types.ts";
import { encodeEnvelope } from "../encodeEnvelope.ts";
import type { Guarantee } from "../guaranteeTypes.ts";

/** The operator's BLS signing port: min-pk, 96-byte compressed G2 signature over the raw message bytes. */
export interface CertificateSigner {
  sign(message: Hex): Hex;
  /** The EIP-2537 words of a compressed signature, for the contracts. */
  toEip2537(signature: Hex): BlsG2Point;
}

export interface SignedCertificate {
  /** The envelope `abi.encode(uint64 version, bytes inner)`, 0x-hex: the bytes the BLS signature covers. */
  claims: Hex;
  /** 96-byte compressed G2 signature, 0x-hex. */
  signature: Hex;
  /** The same signature as the eight bytes32 words of the EIP-2537 G2 point (Solidity `BLS.G2Point`). */
  signatureEip2537: BlsG2Point;
}

/** Guarantee claims -> envelope -> BLS signature. Pure apart from the signer's key. */
export function buildCertificate(claims: Guarantee, signer: CertificateSigner): SignedCertificate {
  const envelope = encodeEnvelope(claims);
  const signature = signer.sign(envelope);
  return { claims: envelope, signature, signatureEip2537: signer.toEip2537(signature) };
}
