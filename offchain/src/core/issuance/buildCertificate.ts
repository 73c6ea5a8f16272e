import type { Hex } from "viem";

import type { BlsSignatureForms } from "../../protocol/bls/types.ts";
import { encodeEnvelope } from "../../protocol/encodeEnvelope.ts";
import type { Guarantee } from "../../protocol/guaranteeTypes.ts";

/**
 * The operator's BLS signing port: min-pk signature over the raw message bytes, as the 96-byte compressed G2 point
 * and as the EIP-2537 words the contracts take (BlsSigner of offchain/src/protocol/bls).
 */
export interface CertificateSigner {
  sign(message: Hex): BlsSignatureForms;
}

/** The issuance path's signer: in thread (a BlsSigner) or a pool of signing threads (adapters/bls/signingPool.ts). */
export interface AsyncCertificateSigner {
  sign(message: Hex): BlsSignatureForms | Promise<BlsSignatureForms>;
}

export interface SignedCertificate extends BlsSignatureForms {
  /** The envelope `abi.encode(uint64 version, bytes inner)`, 0x-hex: the bytes the BLS signature covers. */
  claims: Hex;
}

/** Guarantee claims -> envelope -> BLS signature. Pure apart from the signer's key. */
export function buildCertificate(claims: Guarantee, signer: CertificateSigner): SignedCertificate {
  const envelope = encodeEnvelope(claims);
  const { signature, signatureEip2537 } = signer.sign(envelope);
  return { claims: envelope, signature, signatureEip2537 };
}

/** {@link buildCertificate} with a signer that may answer later (a signing thread). */
export async function signCertificate(claims: Guarantee, signer: AsyncCertificateSigner): Promise<SignedCertificate> {
  const envelope = encodeEnvelope(claims);
  const { signature, signatureEip2537 } = await signer.sign(envelope);
  return { claims: envelope, signature, signatureEip2537 };
}
