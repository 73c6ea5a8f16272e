import { getAddress, hashMessage, isAddress, recoverMessageAddress, type Address, type Hex } from "viem";
import { parseSiweMessage } from "viem/siwe";

import { FourMicaError } from "../../protocol/errors.ts";
import type { IsValidSignature } from "../issuance/verifyPayerSignature.ts";

export interface SiweExpectations {
  /** FOURMICA_SIWE_DOMAIN: the message's `domain` (RFC 3986 authority) must be exactly this. */
  domain: string;
  /** FOURMICA_SIWE_URI: the message's `URI` must be exactly this. */
  uri: string;
  chainId: bigint;
  now: Date;
  /** Tolerated clock difference for `Issued At` and `Not Before` in the future (seconds). */
  clockSkewSeconds: number;
}

/** Why a sign-in is refused: one stable code per EIP-4361 rule (all answered 401). */
export const SiweCode = {
  MALFORMED: "SIWE_MALFORMED",
  DOMAIN_MISMATCH: "SIWE_DOMAIN_MISMATCH",
  URI_MISMATCH: "SIWE_URI_MISMATCH",
  CHAIN_MISMATCH: "SIWE_CHAIN_MISMATCH",
  ISSUED_IN_FUTURE: "SIWE_ISSUED_IN_FUTURE",
  EXPIRED: "SIWE_EXPIRED",
  NOT_YET_VALID: "SIWE_NOT_YET_VALID",
  NONCE_INVALID: "SIWE_NONCE_INVALID",
  SIGNATURE_MISMATCH: "SIWE_SIGNATURE_MISMATCH",
} as const;
export type SiweCode = (typeof SiweCode)[keyof typeof SiweCode];

/** A SIWE sign-in that did not verify; nothing was stored and the nonce was not consumed. */
export class SiweError extends FourMicaError {
  constructor(code: SiweCode, reason: string, details?: Record<string, unknown>) {
    super(code, `sign-in rejected: ${reason}`, { details });
    this.name = "SiweError";
  }
}

const iso = (d: Date) => d.toISOString();

/**
 * Checks an EIP-4361 message and its signature (ECDSA, else ERC-1271): version 1, a checksummed address, the
 * domain and URI Core serves under, its chain id, an alphanumeric nonce of at least 8 characters, `Issued At` not
 * in the future (beyond `clockSkewSeconds`), `Expiration Time` not passed and `Not Before` reached. Returns the
 * signer and the nonce, which the caller must consume exactly once. Throws SiweError.
 */
export async function verifySiweSignIn(
  message: string,
  signature: Hex,
  expect: SiweExpectations,
  isValidSignature: IsValidSignature,
): Promise<{ address: Address; nonce: string }> {
  const m = parseSiweMessage(message);
  const dates = [m.issuedAt, m.expirationTime, m.notBefore];
  if (!m.domain || !m.address || !m.uri || !m.nonce || m.chainId === undefined || !m.issuedAt) {
    throw new SiweError(SiweCode.MALFORMED, "the message lacks a domain, address, URI, chain id, nonce or issued-at");
  }
  if (m.version !== "1") throw new SiweError(SiweCode.MALFORMED, `version ${String(m.version)} is not 1`);
  if (!isAddress(m.address, { strict: false }) || m.address !== getAddress(m.address)) {
    throw new SiweError(SiweCode.MALFORMED, "the address must be EIP-55 checksummed", { address: m.address });
  }
  if (!/^[a-zA-Z0-9]{8,}$/.test(m.nonce)) throw new SiweError(SiweCode.MALFORMED, "the nonce is not alphanumeric");
  if (dates.some((d) => d !== undefined && Number.isNaN(d.getTime()))) {
    throw new SiweError(SiweCode.MALFORMED, "a time is not an RFC 3339 date-time");
  }
  if (m.domain !== expect.domain) {
    throw new SiweError(SiweCode.DOMAIN_MISMATCH, `domain ${m.domain} is not ${expect.domain}`, {
      domain: m.domain,
      expected: expect.domain,
    });
  }
  if (m.uri !== expect.uri) {
    throw new SiweError(SiweCode.URI_MISMATCH, `URI ${m.uri} is not ${expect.uri}`, {
      uri: m.uri,
      expected: expect.uri,
    });
  }
  if (BigInt(m.chainId) !== expect.chainId) {
    throw new SiweError(SiweCode.CHAIN_MISMATCH, `chain id ${m.chainId} is not ${expect.chainId}`, {
      chainId: String(m.chainId),
      expected: expect.chainId.toString(),
    });
  }
  const now = expect.now.getTime();
  const skewMs = expect.clockSkewSeconds * 1000;
  if (m.issuedAt.getTime() > now + skewMs) {
    throw new SiweError(SiweCode.ISSUED_IN_FUTURE, `issued at ${iso(m.issuedAt)}, after ${iso(expect.now)}`, {
      issuedAt: iso(m.issuedAt),
      now: iso(expect.now),
    });
  }
  if (m.expirationTime && m.expirationTime.getTime() <= now) {
    throw new SiweError(SiweCode.EXPIRED, `expired at ${iso(m.expirationTime)}`, {
      expirationTime: iso(m.expirationTime),
      now: iso(expect.now),
    });
  }
  if (m.notBefore && m.notBefore.getTime() > now + skewMs) {
    throw new SiweError(SiweCode.NOT_YET_VALID, `not valid before ${iso(m.notBefore)}`, {
      notBefore: iso(m.notBefore),
      now: iso(expect.now),
    });
  }
  const address = m.address.toLowerCase() as Address;
  let signer: string | undefined;
  try {
    signer = signature.length === 132 ? await recoverMessageAddress({ message, signature }) : undefined;
  } catch {
    signer = undefined;
  }
  if (signer?.toLowerCase() !== address && !(await isValidSignature(address, hashMessage(message), signature))) {
    throw new SiweError(SiweCode.SIGNATURE_MISMATCH, "the signature is not the address's");
  }
  return { address, nonce: m.nonce };
}
