import type { Address } from "viem";

import { NettingImbalanceError, NettingInputError } from "./errors.ts";
import { normalizeAddress } from "./normalizeAddress.ts";
import { NET_CREDITOR, NET_DEBTOR, type NetPosition, type NettingGuarantee } from "./types.ts";

/**
 * Nets the payable guarantees of one (cycle, asset) into net positions, in one pass over `guarantees` (any
 * iterable, so a database cursor can stream them). A participant's balance is what it receives minus what it
 * owes: negative is a net debtor, positive a net creditor, zero (flat) is dropped. Addresses are compared
 * case-insensitively and returned lower-cased, sorted by address. Checks that debits and credits balance.
 */
export function computePositions(guarantees: Iterable<NettingGuarantee>): NetPosition[] {
  const balances = new Map<Address, bigint>();
  // The same few thousand participants recur across a million guarantees: validate and lower-case each distinct
  // spelling once (a Map lookup is several times cheaper than the regex and the copy).
  const normalized = new Map<string, Address>();
  const normalize = (value: string, index: number, field: string): Address => {
    let n = typeof value === "string" ? normalized.get(value) : undefined;
    if (n === undefined) {
      n = normalizeAddress(value, `guarantee ${index} ${field}`);
      normalized.set(value, n);
    }
    return n;
  };
  let index = 0;
  for (const g of guarantees) {
    if (typeof g.amount !== "bigint" || g.amount < 0n) {
      throw new NettingInputError(`guarantee ${index} has amount ${String(g.amount)}, not a non-negative bigint`, {
        index,
      });
    }
    const user = normalize(g.user, index, "user");
    const recipient = normalize(g.recipient, index, "recipient");
    index++;
    if (user === recipient || g.amount === 0n) continue;
    balances.set(user, (balances.get(user) ?? 0n) - g.amount);
    balances.set(recipient, (balances.get(recipient) ?? 0n) + g.amount);
  }

  const participants = [...balances.keys()].sort();
  const positions: NetPosition[] = [];
  let debit = 0n;
  let credit = 0n;
  for (const p of participants) {
    const balance = balances.get(p) as bigint;
    if (balance === 0n) continue;
    if (balance < 0n) {
      debit += -balance;
      positions.push({ participant: p, role: NET_DEBTOR, amount: -balance });
    } else {
      credit += balance;
      positions.push({ participant: p, role: NET_CREDITOR, amount: balance });
    }
  }
  if (debit !== credit) throw new NettingImbalanceError(debit, credit);
  return positions;
}
