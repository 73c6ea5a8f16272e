import { toHex, type Hex } from "viem";

import { encodeEnvelope, g2SignatureToEip2537, type GuaranteeClaims } from "./interim.ts";

/** The operator's BLS signing port (min-pk; 96-byte compressed G2 signature over the raw message). */
export interface CertificateSigner {
  sign(message: Uint8Array): Uint8Array;
}

export interface SignedCertificate {
  /** The envelope `abi.encode(uint64 version, bytes inner)`, 0x-hex: the bytes the BLS signature covers. */
  claims: Hex;
  /** 96-byte compressed G2 signature, 0x-hex. */
  signature: Hex;
  /** The same signature as the eight bytes32 words of the EIP-2537 G2 point, for the contracts. */
  signatureEip2537: Hex[];
}

/** Guarantee claims -> envelope -> BLS signature. Pure apart from the signer's key. */
export function buildCertificate(claims: GuaranteeClaims, signer: CertificateSigner): SignedCertificate {
  const envelope = encodeEnvelope(claims);
  const signature = signer.sign(Buffer.from(envelope.slice(2), "hex"));
  return { claims: envelope, signature: toHex(signature), signatureEip2537: g2SignatureToEip2537(signature) };
}
