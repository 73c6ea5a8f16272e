import { parseAbi, type Address, type Hex, type PublicClient } from "viem";

import type { Database } from "../../offchain/src/core/adapters/db/database.ts";
import { clearingHouseAbi } from "../../offchain/src/core/adapters/chain/clearingHouseAbi.ts";

/**
 * Issue 8's invariant, written once for the end-to-end tests (real contracts) and the property test (a model of
 * them): for every payer, (1) the collateral on-chain covers what all of its outstanding certificates and
 * committed net debits can still take, and (2) Core's free collateral never exceeds what is really free.
 */
export interface PayerLedger {
  payer: Address;
  /** `collateral(payer, asset)` in the vault. */
  onchainCollateral: bigint;
  /** The payer's pending withdrawal in the vault (it leaves when finalized). */
  onchainPendingWithdrawal: bigint;
  /** What the payer's certificates and unresolved committed net debits can still take on-chain. */
  outstanding: bigint;
  /** Core's `deposited - locked - pending_withdrawal` (negative allowed: it means "nothing free"). */
  coreFree: bigint;
}

/** The invariant's violations, one line each (empty when it holds). Pure. */
export function lockInvariantViolations(ledgers: readonly PayerLedger[]): string[] {
  const out: string[] = [];
  for (const l of ledgers) {
    if (l.onchainCollateral < l.outstanding) {
      out.push(`${l.payer}: collateral ${l.onchainCollateral} < outstanding ${l.outstanding}`);
    }
    const reallyFree = l.onchainCollateral - l.onchainPendingWithdrawal - l.outstanding;
    const free = reallyFree < 0n ? 0n : reallyFree;
    if (l.coreFree > free) out.push(`${l.payer}: Core says ${l.coreFree} free, really free ${free}`);
  }
  return out;
}

/** A certificate Core issued, as its holder knows it. */
export interface IssuedCertificate {
  guaranteeId: Hex;
  version: number;
  user: Address;
  asset: Address;
  amount: bigint;
  timestamp: bigint;
  cycleId: bigint;
}

const vaultReads = parseAbi([
  "function collateral(address user, address asset) view returns (uint256)",
  "function withdrawalRequest(address user, address asset) view returns (uint256 amount, uint64 requestedAt)",
  "function isConsumed(bytes32 guaranteeId) view returns (bool)",
  "function guaranteeExpiry() view returns (uint64)",
]);

export interface ChainView {
  client: PublicClient;
  vault: Address;
  clearingHouse: Address;
  db: Database;
}

/**
 * What one certificate can still take, from the contracts alone (independent of Core's rule): nothing once its id
 * is consumed or it has expired; a V1 nothing once its cycle is committed (the fallback never opens then; what it
 * owes through the batch is counted as the payer's net debit); otherwise its amount (a V2's route B stays open
 * until expiry whatever Core's books say; an uncommitted V1 cycle may still miss its deadline).
 */
async function certificateReach(v: ChainView, c: IssuedCertificate, now: bigint, expiry: bigint): Promise<bigint> {
  if (
    await v.client.readContract({
      address: v.vault,
      abi: vaultReads,
      functionName: "isConsumed",
      args: [c.guaranteeId],
    })
  ) {
    return 0n;
  }
  if (now >= c.timestamp + expiry) return 0n;
  if (c.version === 1) {
    const cycle = await v.client.readContract({
      address: v.clearingHouse,
      abi: clearingHouseAbi,
      functionName: "getCycle",
      args: [c.cycleId, c.asset],
    });
    if (cycle.committed) return 0n;
  }
  return c.amount;
}

/** The payer's committed, unresolved net debits: the ClearingHouse can still seize them. */
async function unresolvedNetDebits(v: ChainView, payer: Address, asset: Address): Promise<bigint> {
  const { rows } = await v.db.query<{ cycle_id: string; amount: string }>(
    `SELECT cycle_id::text, amount::text FROM positions WHERE participant = $1 AND asset = $2 AND role = 'NET_DEBTOR'`,
    [payer.toLowerCase(), asset.toLowerCase()],
  );
  let sum = 0n;
  for (const r of rows) {
    const cycleId = BigInt(r.cycle_id);
    const cycle = await v.client.readContract({
      address: v.clearingHouse,
      abi: clearingHouseAbi,
      functionName: "getCycle",
      args: [cycleId, asset],
    });
    if (!cycle.committed) continue;
    const p = await v.client.readContract({
      address: v.clearingHouse,
      abi: clearingHouseAbi,
      functionName: "getParticipant",
      args: [cycleId, asset, payer],
    });
    if (!p.paid && !p.defaulted) sum += BigInt(r.amount);
  }
  return sum;
}

/** Reads every payer's ledger from the chain and from Core's database. */
export async function readLedgers(v: ChainView, certificates: readonly IssuedCertificate[]): Promise<PayerLedger[]> {
  const now = (await v.client.getBlock()).timestamp;
  const expiry = BigInt(
    await v.client.readContract({ address: v.vault, abi: vaultReads, functionName: "guaranteeExpiry" }),
  );
  const keys = new Map<string, { payer: Address; asset: Address }>();
  for (const c of certificates)
    keys.set(`${c.user.toLowerCase()}:${c.asset.toLowerCase()}`, { payer: c.user, asset: c.asset });
  const out: PayerLedger[] = [];
  for (const { payer, asset } of keys.values()) {
    let outstanding = await unresolvedNetDebits(v, payer, asset);
    for (const c of certificates) {
      if (c.user.toLowerCase() === payer.toLowerCase() && c.asset.toLowerCase() === asset.toLowerCase()) {
        outstanding += await certificateReach(v, c, now, expiry);
      }
    }
    const collateral = await v.client.readContract({
      address: v.vault,
      abi: vaultReads,
      functionName: "collateral",
      args: [payer, asset],
    });
    const [pending] = await v.client.readContract({
      address: v.vault,
      abi: vaultReads,
      functionName: "withdrawalRequest",
      args: [payer, asset],
    });
    const { rows } = await v.db.query<{ free: string }>(
      `SELECT (deposited - locked - pending_withdrawal)::text AS free FROM balances WHERE user_address = $1 AND asset = $2`,
      [payer.toLowerCase(), asset.toLowerCase()],
    );
    out.push({
      payer,
      onchainCollateral: collateral,
      onchainPendingWithdrawal: pending,
      outstanding,
      coreFree: rows[0] ? BigInt(rows[0].free) : 0n,
    });
  }
  return out;
}
