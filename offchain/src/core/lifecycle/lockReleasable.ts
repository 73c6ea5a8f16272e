import { GuaranteeStatus } from "../issuance/guaranteeStore.ts";

/**
 * What is known about a guarantee's on-chain reach when a release is decided. Every fact defaults to the safe
 * side: a path that does not know one passes `false` (the collateral can still be taken), and a later event or job
 * that learns it releases the lock then.
 */
export interface LockFacts {
  /** The id is consumed in the vault (redeemed, or consumed by the commit that netted it). */
  consumed: boolean;
  /** Chain time is at or after `timestamp + guaranteeExpiry`: the vault redeems nothing any more. */
  expired: boolean;
  /** The guarantee's own (cycle_id, asset) is committed on-chain: its V1 fallback can never open. */
  cycleCommitted: boolean;
  /**
   * Netted into a batch whose payer side is not resolved yet: the batch may still be committed, or is committed
   * and the payer's net debit can still be seized (`markDefaulted` has no deadline).
   */
  inOpenBatch: boolean;
}

/** The guarantee fields the rule reads. */
export interface LockSubject {
  version: number;
  status: GuaranteeStatus;
}

/**
 * Whether the certificate itself can still take the payer's collateral on-chain: not consumed, not expired, and,
 * for V1, its cycle not committed (the liveness fallback opens only for a cycle missed on-chain). V2 route B
 * stays open until expiry whatever Core's status says (cancelled, disputed, pending), since the vault reads only
 * the certificate, the payer signature and the registry.
 */
export function certificateCanTake(g: LockSubject, f: LockFacts): boolean {
  if (f.consumed || f.expired) return false;
  return g.version === 1 ? !f.cycleCommitted : true;
}

/**
 * THE release rule (protocol.md §9): a guarantee's lock may be released only when nothing can take that
 * collateral on-chain any more, neither the certificate (see {@link certificateCanTake}) nor the ClearingHouse
 * through a net debit it is part of. Every path that releases a lock (cancel, dispute, expiry, redemption, cycle
 * events) asks this function; none decides on its own.
 */
export function lockReleasable(g: LockSubject, f: LockFacts): boolean {
  return !certificateCanTake(g, f) && !f.inOpenBatch;
}

/** The facts Core's books give on their own, without the chain: only `inOpenBatch` (status NETTED). */
export function bookFacts(g: LockSubject, known: Partial<LockFacts> = {}): LockFacts {
  return {
    consumed: false,
    expired: false,
    cycleCommitted: false,
    inOpenBatch: g.status === GuaranteeStatus.NETTED,
    ...known,
  };
}
