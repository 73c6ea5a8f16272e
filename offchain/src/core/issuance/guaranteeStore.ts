import type { Address, Hex } from "viem";

import type { SignedCertificate } from "./buildCertificate.ts";
import type { CanonicalRequest } from "./contentHash.ts";

/** The lifecycle statuses (protocol.md; seed 004). */
export const GuaranteeStatus = {
  PENDING_VALIDATION: "PENDING_VALIDATION",
  FINALIZED_PAYABLE: "FINALIZED_PAYABLE",
  DISPUTED: "DISPUTED",
  CANCELLED: "CANCELLED",
  NETTED: "NETTED",
  SETTLED: "SETTLED",
  DEFAULT_REMUNERATED: "DEFAULT_REMUNERATED",
  EXPIRED: "EXPIRED",
  REDEEMED: "REDEEMED",
} as const;
export type GuaranteeStatus = (typeof GuaranteeStatus)[keyof typeof GuaranteeStatus];

/** What Core stores for one guarantee and returns to its holder. */
export interface StoredGuarantee {
  guaranteeId: Hex;
  version: number;
  cycleId: bigint;
  user: Address;
  recipient: Address;
  asset: Address;
  reqId: bigint;
  amount: bigint;
  timestamp: bigint;
  status: GuaranteeStatus;
  contentHash: Hex;
  certificate: SignedCertificate;
}

export interface NewGuarantee extends StoredGuarantee {
  domain: Hex;
  request: CanonicalRequest;
  payerSignature: Hex;
  validationRegistry?: Address | undefined;
  validationRequestHash?: Hex | undefined;
}

export type IssueOutcome =
  | { outcome: "ISSUED"; stored: StoredGuarantee }
  /** A guarantee with this id already exists; nothing was locked. The caller compares content. */
  | { outcome: "EXISTING"; stored: StoredGuarantee }
  | { outcome: "PAYER_SUSPENDED" }
  | { outcome: "INSUFFICIENT_COLLATERAL"; available: bigint };

/**
 * Storage port of issuance. `issue` is ONE transaction: existing id -> EXISTING (no lock); suspended payer;
 * the atomic conditional lock of `amount` on (user, asset); the guarantee row, its first transition and the
 * certificate. Either everything is written or nothing is.
 */
export interface GuaranteeStore {
  issue(g: NewGuarantee): Promise<IssueOutcome>;
  get(guaranteeId: Hex): Promise<StoredGuarantee | undefined>;
}
