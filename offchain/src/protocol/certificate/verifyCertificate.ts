import { isAddressEqual, isHex, type Address, type Hex } from "viem";

import { decodeEnvelope } from "../decodeEnvelope.ts";
import { FourMicaError } from "../errors.ts";
import { guaranteeId } from "../guaranteeId.ts";
import type { Guarantee, GuaranteeRequestDomain, GuaranteeVersion, ValidationPolicy } from "../guaranteeTypes.ts";

/** A certificate as Core returns it: the BLS-signed envelope and the 96-byte compressed G2 signature. */
export interface CertificateEnvelope {
  /** `abi.encode(uint64 version, bytes inner)`, 0x-hex: the bytes the signature covers. */
  claims: Hex;
  /** 96-byte compressed G2 signature, 0x-hex. */
  signature: Hex;
}

/** What the certificate must say: the payer-signed request it certifies. Absent optional fields are not checked. */
export interface ExpectedCertificateFields {
  version: GuaranteeVersion;
  user: Address;
  recipient: Address;
  reqId: bigint;
  amount: bigint;
  asset: Address;
  timestamp: bigint;
  /** Required for version 2: every policy field is compared. */
  policy?: ValidationPolicy;
  /** The cycle Core claims (for example the `cycleId` of its answer). */
  cycleId?: bigint;
  /** The id Core claims (for example the `guaranteeId` of its answer); compared with the id derived from the claims. */
  guaranteeId?: Hex;
}

export interface VerifyCertificateInput {
  certificate: CertificateEnvelope;
  /** The operator's 48-byte compressed G1 key for this guarantee version (the one the vault holds). */
  publicKey: Hex;
  /** The version domain, `guaranteeDomain(version, chainId, core4Mica)`. */
  domain: Hex;
  /** The vault's EIP-712 request domain (or its separator): the guarantee id is derived under it (protocol.md §2). */
  requestDomain: GuaranteeRequestDomain | Hex;
  expected: ExpectedCertificateFields;
}

/** The BLS verification this needs; both BlsBackends of protocol/bls fit. */
export interface BlsVerifier {
  verify(publicKey: Hex, message: Hex | Uint8Array, signature: Hex): boolean;
}

/** Stable codes of {@link CertificateVerificationError}, one per mismatch. */
export const CertificateCode = {
  MALFORMED: "CERTIFICATE_MALFORMED",
  BAD_SIGNATURE: "CERTIFICATE_BAD_SIGNATURE",
  DOMAIN_MISMATCH: "CERTIFICATE_DOMAIN_MISMATCH",
  VERSION_MISMATCH: "CERTIFICATE_VERSION_MISMATCH",
  USER_MISMATCH: "CERTIFICATE_USER_MISMATCH",
  RECIPIENT_MISMATCH: "CERTIFICATE_RECIPIENT_MISMATCH",
  REQ_ID_MISMATCH: "CERTIFICATE_REQ_ID_MISMATCH",
  AMOUNT_MISMATCH: "CERTIFICATE_AMOUNT_MISMATCH",
  ASSET_MISMATCH: "CERTIFICATE_ASSET_MISMATCH",
  TIMESTAMP_MISMATCH: "CERTIFICATE_TIMESTAMP_MISMATCH",
  POLICY_MISMATCH: "CERTIFICATE_POLICY_MISMATCH",
  CYCLE_MISMATCH: "CERTIFICATE_CYCLE_MISMATCH",
  GUARANTEE_ID_MISMATCH: "CERTIFICATE_GUARANTEE_ID_MISMATCH",
} as const;
export type CertificateCode = (typeof CertificateCode)[keyof typeof CertificateCode];

/** A certificate that does not prove what it should; `code` says which check failed. */
export class CertificateVerificationError extends FourMicaError {
  declare readonly code: CertificateCode;
  constructor(code: CertificateCode, message: string, details?: Record<string, unknown>, cause?: unknown) {
    super(code, message, { details, cause });
    this.name = "CertificateVerificationError";
  }
}

const POLICY_FIELDS = [
  "validationRegistry",
  "validationRequestHash",
  "validationChainId",
  "validatorAddress",
  "validatorAgentId",
  "minValidationScore",
  "validationSubjectHash",
  "jobHash",
  "requiredValidationTag",
] as const satisfies readonly (keyof ValidationPolicy)[];

/**
 * Checks a certificate fully before anyone relies on it: canonical envelope, BLS signature under `publicKey`,
 * version domain, then every signed field against what the payer signed (and Core's claimed cycle and id when
 * given). Pure apart from the BLS arithmetic of `bls`. Returns the decoded guarantee.
 * @throws CertificateVerificationError with one stable code per failed check
 */
export function verifyCertificate(input: VerifyCertificateInput, bls: BlsVerifier): Guarantee {
  const { certificate, publicKey, domain, expected } = input;
  let decoded: Guarantee;
  try {
    decoded = decodeEnvelope(certificate.claims);
  } catch (cause) {
    throw new CertificateVerificationError(
      CertificateCode.MALFORMED,
      "Certificate claims are not a canonical guarantee envelope.",
      { reason: cause instanceof FourMicaError ? cause.code : "UNKNOWN" },
      cause,
    );
  }
  if (
    !isHex(certificate.signature, { strict: true }) ||
    !bls.verify(publicKey, certificate.claims, certificate.signature)
  ) {
    throw new CertificateVerificationError(
      CertificateCode.BAD_SIGNATURE,
      `Certificate signature ${String(certificate.signature).slice(0, 20)}… does not verify under key ${publicKey.slice(0, 20)}….`,
      { publicKey },
    );
  }
  if (decoded.domain.toLowerCase() !== domain.toLowerCase()) {
    mismatch(CertificateCode.DOMAIN_MISMATCH, "domain", domain, decoded.domain);
  }
  if (decoded.version !== expected.version) {
    mismatch(CertificateCode.VERSION_MISMATCH, "version", expected.version, decoded.version);
  }
  if (!isAddressEqual(decoded.user, expected.user))
    mismatch(CertificateCode.USER_MISMATCH, "user", expected.user, decoded.user);
  if (!isAddressEqual(decoded.recipient, expected.recipient)) {
    mismatch(CertificateCode.RECIPIENT_MISMATCH, "recipient", expected.recipient, decoded.recipient);
  }
  if (decoded.reqId !== expected.reqId)
    mismatch(CertificateCode.REQ_ID_MISMATCH, "reqId", expected.reqId, decoded.reqId);
  if (decoded.amount !== expected.amount) {
    mismatch(CertificateCode.AMOUNT_MISMATCH, "amount", expected.amount, decoded.amount);
  }
  if (!isAddressEqual(decoded.asset, expected.asset)) {
    mismatch(CertificateCode.ASSET_MISMATCH, "asset", expected.asset, decoded.asset);
  }
  if (decoded.timestamp !== expected.timestamp) {
    mismatch(CertificateCode.TIMESTAMP_MISMATCH, "timestamp", expected.timestamp, decoded.timestamp);
  }
  if (decoded.version === 2) {
    const want = expected.policy;
    if (!want) mismatch(CertificateCode.POLICY_MISMATCH, "policy", "none", "a V2 policy");
    for (const field of POLICY_FIELDS) {
      if (!sameValue(want[field], decoded.policy[field])) {
        mismatch(CertificateCode.POLICY_MISMATCH, `policy.${field}`, want[field], decoded.policy[field]);
      }
    }
  }
  if (expected.cycleId !== undefined && decoded.cycleId !== expected.cycleId) {
    mismatch(CertificateCode.CYCLE_MISMATCH, "cycleId", expected.cycleId, decoded.cycleId);
  }
  if (expected.guaranteeId !== undefined) {
    const id = guaranteeId(decoded, input.requestDomain);
    if (id.toLowerCase() !== expected.guaranteeId.toLowerCase()) {
      mismatch(CertificateCode.GUARANTEE_ID_MISMATCH, "guaranteeId", expected.guaranteeId, id);
    }
  }
  return decoded;
}

function sameValue(a: unknown, b: unknown): boolean {
  if (typeof a === "string" && typeof b === "string" && isHex(a) && isHex(b))
    return a.toLowerCase() === b.toLowerCase();
  if ((typeof a === "bigint" || typeof a === "number") && (typeof b === "bigint" || typeof b === "number")) {
    return BigInt(a) === BigInt(b);
  }
  return a === b;
}

function mismatch(code: CertificateCode, field: string, expected: unknown, actual: unknown): never {
  const show = (v: unknown) => String(v);
  throw new CertificateVerificationError(code, `Certificate ${field} is ${show(actual)}, expected ${show(expected)}.`, {
    field,
    expected: show(expected),
    actual: show(actual),
  });
}
