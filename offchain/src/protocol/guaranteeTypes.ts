import type { Address, Hex } from "viem";

/** Guarantee versions this code understands (docs/protocol.md §4.5). */
export type GuaranteeVersion = 1 | 2;

/** The fields every payer request signs (docs/protocol.md §3). */
export interface GuaranteeRequestFields {
  /** The payer, whose collateral backs the guarantee. */
  user: Address;
  recipient: Address;
  /** uint256 */
  reqId: bigint;
  /** uint256, in the asset's smallest unit. */
  amount: bigint;
  /** ERC-20 address, or the zero address for ETH. */
  asset: Address;
  /** uint64, unix seconds. */
  timestamp: bigint;
}

/** A V1 payer request. */
export interface GuaranteeRequestV1 extends GuaranteeRequestFields {
  version: 1;
}

/** The payer-signed ERC-8004 validation policy of a V2 request (docs/protocol.md §4.2, §4.3). */
export interface ValidationPolicy {
  validationRegistry: Address;
  /** Canonical request hash, {@link validationRequestHash}. */
  validationRequestHash: Hex;
  /** uint64 */
  validationChainId: bigint;
  validatorAddress: Address;
  /** uint256: the ERC-8004 agent whose work is validated. */
  validatorAgentId: bigint;
  /** uint8, 1..100 */
  minValidationScore: number;
  /** Canonical subject hash, {@link validationSubjectHash}. */
  validationSubjectHash: Hex;
  /** Non-zero. */
  jobHash: Hex;
  /** Empty means any tag. */
  requiredValidationTag: string;
}

/** A V2 payer request: the V1 fields and a validation policy. */
export interface GuaranteeRequestV2 extends GuaranteeRequestFields {
  version: 2;
  policy: ValidationPolicy;
}

export type GuaranteeRequest = GuaranteeRequestV1 | GuaranteeRequestV2;

/** What Core adds to a request when it certifies it (docs/protocol.md §4.1). */
export interface GuaranteeCertificateFields {
  /** The version domain, {@link guaranteeDomain}. */
  domain: Hex;
  /** The settlement cycle that contains `timestamp`. */
  cycleId: bigint;
}

export type GuaranteeV1 = GuaranteeRequestV1 & GuaranteeCertificateFields;
export type GuaranteeV2 = GuaranteeRequestV2 & GuaranteeCertificateFields;
/** Certificate claims: the bytes Core BLS-signs are `encodeEnvelope(guarantee)`. */
export type Guarantee = GuaranteeV1 | GuaranteeV2;

/** The EIP-712 domain inputs of a payer request; name "4Mica" and version "1" are fixed. */
export interface GuaranteeRequestDomain {
  chainId: number | bigint;
  /** The Core4Mica vault. */
  verifyingContract: Address;
}
