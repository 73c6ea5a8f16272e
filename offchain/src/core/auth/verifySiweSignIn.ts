import { hashMessage, recoverMessageAddress, type Address, type Hex } from "viem";
import { parseSiweMessage, validateSiweMessage } from "viem/siwe";

import { FourMicaError } from "../../protocol/errors.ts";
import type { IsValidSignature } from "../issuance/verifyPayerSignature.ts";

export interface SiweExpectations {
  domain: string;
  chainId: bigint;
  now: Date;
}

/** A SIWE sign-in that did not verify. One code for every reason, so as not to help an attacker probe. */
export class SiweError extends FourMicaError {
  constructor(reason: string) {
    super("SIWE_INVALID", `sign-in rejected: ${reason}`);
    this.name = "SiweError";
  }
}

/**
 * Checks an EIP-4361 message and its signature (ECDSA, else ERC-1271). Returns the signer and the nonce, which
 * the caller must consume exactly once.
 */
export async function verifySiweSignIn(
  message: string,
  signature: Hex,
  expect: SiweExpectations,
  isValidSignature: IsValidSignature,
): Promise<{ address: Address; nonce: string }> {
  const parsed = parseSiweMessage(message);
  if (!parsed.address || !parsed.nonce) throw new SiweError("message has no address or nonce");
  if (parsed.chainId === undefined || BigInt(parsed.chainId) !== expect.chainId) throw new SiweError("wrong chain id");
  if (!validateSiweMessage({ message: parsed, domain: expect.domain, time: expect.now })) {
    throw new SiweError("wrong domain, expired or not yet valid");
  }
  const address = parsed.address.toLowerCase() as Address;
  let signer: string | undefined;
  try {
    signer = signature.length === 132 ? await recoverMessageAddress({ message, signature }) : undefined;
  } catch {
    signer = undefined;
  }
  if (signer?.toLowerCase() !== address && !(await isValidSignature(address, hashMessage(message), signature))) {
    throw new SiweError("signature does not match the address");
  }
  return { address, nonce: parsed.nonce };
}
