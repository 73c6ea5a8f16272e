import type { Hex } from "viem";

/** A (cycle, asset) as Core publishes it (GET /core/cycles/:cycleId/:asset), parsed. */
export interface PublishedCycle {
  cycleId: bigint;
  asset: Hex;
  status: string;
  batch: {
    root: Hex;
    batchHash: Hex;
    totalNetDebit: bigint;
    totalNetCredit: bigint;
    guaranteeCount: number;
    debtorCount: number;
    creditorCount: number;
    v2GuaranteeIds: Hex[];
    commitBlock: bigint | undefined;
  };
}

export type PositionRole = "NET_DEBTOR" | "NET_CREDITOR" | "FLAT";

/** One published position (GET .../positions). */
export interface PublishedPosition {
  participant: Hex;
  role: PositionRole;
  amount: bigint;
  grossOut: bigint;
  grossIn: bigint;
}

/** One netted guarantee of the published batch (GET .../batch), with its evidence where it is published. */
export interface PublishedGuarantee {
  guaranteeId: Hex;
  version: number;
  cycleId: bigint;
  user: Hex;
  recipient: Hex;
  amount: bigint;
  /** The certificate: from the batch page when it carries one, else from GET /core/guarantees/:id. */
  certificate?: { claims: Hex; blsSignature: Hex };
  /** The payer's EIP-712 signature, when the batch page publishes it. */
  payerSignature?: Hex;
}

/** Where the published batch is read from (Core's API, or altered pages in a test). */
export interface PublishedBatchSource {
  cycle(): Promise<PublishedCycle>;
  positions(): Promise<PublishedPosition[]>;
  /** The netted guarantees, page by page, in the order Core serves them. */
  pages(): AsyncIterable<PublishedGuarantee[]>;
}

/** What the chain says about the (cycle, asset) and the keys that judge it. */
export interface ChainFacts {
  chainId: bigint;
  clearingHouse: Hex;
  vault: Hex;
  /** `ClearingHouse.getCycle(cycleId, asset).committed`. */
  committed: boolean;
  root: Hex;
  totalNet: bigint;
  debtorCount: number;
  /** From the `CycleCommitted` event (undefined when the event was not found). */
  commitEvent?: { creditorCount: number; batchHash: Hex; v2GuaranteeCount: bigint; transactionHash: Hex };
  /** The V2+ guarantees the commit transaction netted (decoded from its calldata), when it is a direct call. */
  nettedV2?: { version: number; claims: Hex; payerSignature: Hex }[];
  /** `Core4Mica.requestDomainSeparator()`. */
  requestDomainSeparator: Hex;
  /** Per version: the vault's key (96-byte uncompressed G1, or undefined when unset/invalid) and domain. */
  versions: Record<number, { key: Hex | undefined; domain: Hex; enabled: boolean }>;
}

/** Chain calls the audit makes per payer: whether it has code, and ERC-1271 for those that do. */
export interface PayerChecks {
  hasCode(address: Hex): Promise<boolean>;
  /** ERC-1271 `isValidSignature(digest, signature)` returned the magic value `0x1626ba7e`. */
  isValidSignature(address: Hex, digest: Hex, signature: Hex): Promise<boolean>;
}

/** Kinds of difference the verdict names. */
export type DifferenceKind =
  | "NOT_COMMITTED"
  | "ROOT"
  | "BATCH_HASH"
  | "TOTALS"
  | "COUNTS"
  | "GUARANTEE_COUNT"
  | "ORDER"
  | "GUARANTEE_ID"
  | "CERTIFICATE_MISSING"
  | "CERTIFICATE_MALFORMED"
  | "CERTIFICATE_FIELD"
  | "CERTIFICATE_DOMAIN"
  | "CERTIFICATE_KEY"
  | "CERTIFICATE_SIGNATURE"
  | "PAYER_SIGNATURE"
  | "PAYER_SIGNATURE_MISSING"
  | "POSITION"
  | "V2_SET";

export interface Difference {
  kind: DifferenceKind;
  message: string;
  guaranteeId?: Hex;
  participant?: Hex;
  field?: string;
  expected?: string;
  actual?: string;
}

export interface Verdict {
  verdict: "match" | "mismatch";
  cycleId: string;
  asset: Hex;
  chainId: string;
  clearingHouse: Hex;
  vault: Hex;
  guarantees: number;
  positions: number;
  root: { published: Hex; recomputed: Hex; onChain: Hex };
  batchHash: { published: Hex; recomputed: Hex; onChain: Hex | null };
  totals: { published: string; recomputed: string; onChain: string };
  checked: { certificates: number; payerSignatures: number; erc1271: number };
  /** Payer signatures nobody published (counted, not differences, only with `allowUnpublishedPayerSignatures`). */
  unverifiedPayerSignatures: number;
  differenceCount: number;
  /** The differences, the first `maxDifferences` of them. */
  differences: Difference[];
  seconds: number;
}

export interface AuditOptions {
  cycleId: bigint;
  asset: Hex;
  /** Count guarantees whose payer signature is published nowhere as unverified instead of as differences. */
  allowUnpublishedPayerSignatures?: boolean;
  /**
   * Guarantees per evidence chunk sent to a worker (default 2,048): each chunk's certificates are one randomized
   * batch check, whose fixed cost (the buckets of its multi-scalar sum) a larger chunk spreads thinner.
   */
  chunkSize?: number;
  /** How many differences the verdict lists (default 1,000; all are counted). */
  maxDifferences?: number;
  /** Progress lines (stderr in the CLI). */
  progress?: (line: string) => void;
}
