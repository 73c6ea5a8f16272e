import type { Address } from "viem";

import { fromDbAmount, toDbAmount } from "./amounts.ts";
import type { Queryable } from "./database.ts";

export interface Balance {
  user: Address;
  asset: Address;
  deposited: bigint;
  locked: bigint;
  pendingWithdrawal: bigint;
  available: bigint;
}

/**
 * Adds `amount` to a payer's deposited collateral. Until chain sync exists this is how balances are seeded;
 * the chain-sync engineer calls it from CollateralDeposited events (inside the event's transaction).
 */
export async function creditDeposit(q: Queryable, user: Address, asset: Address, amount: bigint): Promise<void> {
  await q.query(
    `INSERT INTO balances (user_address, asset, deposited) VALUES ($1, $2, $3)
     ON CONFLICT (user_address, asset) DO UPDATE SET deposited = balances.deposited + EXCLUDED.deposited, updated_at = now()`,
    [user.toLowerCase(), asset.toLowerCase(), toDbAmount(amount)],
  );
}

export async function getBalances(q: Queryable, user: Address): Promise<Balance[]> {
  const { rows } = await q.query<{
    asset: string;
    deposited: string;
    locked: string;
    pending_withdrawal: string;
  }>(`SELECT asset, deposited, locked, pending_withdrawal FROM balances WHERE user_address = $1 ORDER BY asset`, [
    user.toLowerCase(),
  ]);
  return rows.map((r) => {
    const deposited = fromDbAmount(r.deposited);
    const locked = fromDbAmount(r.locked);
    const pendingWithdrawal = fromDbAmount(r.pending_withdrawal);
    const free = deposited - locked - pendingWithdrawal;
    return {
      user: user.toLowerCase() as Address,
      asset: r.asset as Address,
      deposited,
      locked,
      pendingWithdrawal,
      available: free > 0n ? free : 0n,
    };
  });
}

/** Suspends or reinstates a payer (an operator action; suspended payers get PAYER_SUSPENDED). */
export async function setSuspended(q: Queryable, user: Address, suspended: boolean): Promise<void> {
  await q.query(
    `INSERT INTO users (address, suspended) VALUES ($1, $2)
     ON CONFLICT (address) DO UPDATE SET suspended = EXCLUDED.suspended, updated_at = now()`,
    [user.toLowerCase(), suspended],
  );
}
