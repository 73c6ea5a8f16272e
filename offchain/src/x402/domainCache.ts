import type { Address, Hex } from "viem";

import { guaranteeDomain } from "../protocol/guaranteeDomain.ts";
import { requestDomainSeparator } from "../protocol/requestDomainSeparator.ts";

/**
 * Memos of the two per-vault hashes every paid request needs (the seller and the facilitator derive the guarantee id
 * and check the certificate's domain for each payment): both are pure functions of their inputs, so a memo keyed on
 * the exact inputs (the address string as given, not normalized) answers what a fresh computation would, and throws
 * where it would (nothing is kept then). Bounded: the vault address can come from a payment, so a full memo is
 * emptied rather than grown.
 */
const MAX_ENTRIES = 64;

function memo<T>(): { get(key: string, make: () => T): T; size(): number } {
  const rows = new Map<string, T>();
  return {
    get(key, make) {
      const hit = rows.get(key);
      if (hit !== undefined) return hit;
      const value = make();
      if (rows.size >= MAX_ENTRIES) rows.clear();
      rows.set(key, value);
      return value;
    },
    size: () => rows.size,
  };
}

const separators = memo<Hex>();
const domains = memo<Hex>();

/** `requestDomainSeparator({ chainId, verifyingContract: core4Mica })`, memoized. */
export function requestSeparatorOf(chainId: bigint, core4Mica: Address): Hex {
  return separators.get(`${chainId}:${core4Mica}`, () =>
    requestDomainSeparator({ chainId, verifyingContract: core4Mica }),
  );
}

/** `guaranteeDomain(version, chainId, core4Mica)`, memoized. */
export function guaranteeDomainOf(version: number, chainId: bigint, core4Mica: Address): Hex {
  return domains.get(`${version}:${chainId}:${core4Mica}`, () => guaranteeDomain(version, chainId, core4Mica));
}

/** Entries held (tests). */
export function domainCacheSizes(): { separators: number; domains: number } {
  return { separators: separators.size(), domains: domains.size() };
}
