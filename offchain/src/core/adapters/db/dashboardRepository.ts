import type { Address } from "viem";

import type { CycleStatus } from "../../scheduler/types.ts";
import { fromDbAmount, toDbAmount } from "./amounts.ts";
import type { Queryable } from "./database.ts";

/**
 * The operator dashboard's reads (GET /core/admin/dashboard/*): read-only aggregates over the tables issuance, chain
 * sync and the scheduler write. Nothing here locks or writes.
 */

/** A payer's collateral in one asset as Core books it, with the locks behind `locked`. */
export interface PayerCollateral {
  user: Address;
  asset: Address;
  deposited: bigint;
  locked: bigint;
  pendingWithdrawal: bigint;
  /** deposited - locked - pendingWithdrawal, floored at 0 (what issuance can still lock). */
  available: bigint;
  /** Guarantees whose lock is still held (`lock_held`), and the sum of their amounts. */
  heldLocks: number;
  heldLockAmount: bigint;
}

/** One page of balances by (user, asset), after `after`. */
export async function pagePayerCollateral(
  q: Queryable,
  limit: number,
  after?: { user: Address; asset: Address },
): Promise<PayerCollateral[]> {
  const { rows } = await q.query<{
    user_address: string;
    asset: string;
    deposited: string;
    locked: string;
    pending_withdrawal: string;
    held_locks: string;
    held_lock_amount: string;
  }>(
    `SELECT b.user_address, b.asset, b.deposited::text, b.locked::text, b.pending_withdrawal::text,
       l.held_locks::text, l.held_lock_amount::text
     FROM balances b
     CROSS JOIN LATERAL (
       SELECT count(*) AS held_locks, coalesce(sum(g.amount), 0) AS held_lock_amount FROM guarantees g
       WHERE g.user_address = b.user_address AND g.asset = b.asset AND g.lock_held
     ) l
     WHERE (b.user_address COLLATE "C", b.asset COLLATE "C") > ($1 COLLATE "C", $2 COLLATE "C")
     ORDER BY b.user_address COLLATE "C", b.asset COLLATE "C" LIMIT $3`,
    [(after?.user ?? "0x").toLowerCase(), (after?.asset ?? "0x").toLowerCase(), limit],
  );
  return rows.map((r) => {
    const deposited = fromDbAmount(r.deposited);
    const locked = fromDbAmount(r.locked);
    const pendingWithdrawal = fromDbAmount(r.pending_withdrawal);
    const free = deposited - locked - pendingWithdrawal;
    return {
      user: r.user_address as Address,
      asset: r.asset as Address,
      deposited,
      locked,
      pendingWithdrawal,
      available: free > 0n ? free : 0n,
      heldLocks: Number(r.held_locks),
      heldLockAmount: fromDbAmount(r.held_lock_amount),
    };
  });
}

/** How many guarantees of an asset are in a status, their total amount, and how many still hold their lock. */
export interface GuaranteeStateCount {
  asset: Address;
  status: string;
  count: number;
  amount: bigint;
  lockHeld: number;
}

/** Every (asset, status) with at least one guarantee: at most assets x 9 rows. */
export async function countGuaranteesByState(q: Queryable, asset?: Address): Promise<GuaranteeStateCount[]> {
  const { rows } = await q.query<{ asset: string; status: string; n: string; amount: string; lock_held: string }>(
    `SELECT asset, status, count(*)::text AS n, sum(amount)::text AS amount,
       count(*) FILTER (WHERE lock_held)::text AS lock_held
     FROM guarantees WHERE $1::text IS NULL OR asset = $1
     GROUP BY asset, status ORDER BY asset COLLATE "C", status COLLATE "C"`,
    [asset?.toLowerCase() ?? null],
  );
  return rows.map((r) => ({
    asset: r.asset as Address,
    status: r.status,
    count: Number(r.n),
    amount: fromDbAmount(r.amount),
    lockHeld: Number(r.lock_held),
  }));
}

/**
 * What went through a (cycle, asset): the guarantees issued in it (numbered by their `cycle_id`), the guarantees its
 * batch netted (`netted_cycle_id`: V2 can be netted in a later cycle than it was issued in), their gross amount and
 * the net that moved on-chain (the batch's total net debit; undefined before netting).
 */
export interface CycleVolume {
  cycleId: bigint;
  asset: Address;
  status: CycleStatus;
  issuedCount: number;
  issuedAmount: bigint;
  nettedCount: number;
  nettedGross: bigint;
  net: bigint | undefined;
}

/** One page of cycles, newest first, in the order and with the key of `pageCycles` (cycleRepository.ts). */
export async function pageCycleVolume(
  q: Queryable,
  limit: number,
  after?: { cycleId: bigint; asset: Address },
): Promise<CycleVolume[]> {
  const { rows } = await q.query<{
    cycle_id: string;
    asset: string;
    status: string;
    net: string | null;
    issued_count: string;
    issued_amount: string;
    netted_count: string;
    netted_gross: string;
  }>(
    `SELECT c.cycle_id::text, c.asset, c.status, b.total_net_debit::text AS net,
       i.n::text AS issued_count, i.amount::text AS issued_amount, t.n::text AS netted_count, t.amount::text AS netted_gross
     FROM cycles c
     LEFT JOIN batches b ON b.cycle_id = c.cycle_id AND b.asset = c.asset
     CROSS JOIN LATERAL (SELECT count(*) AS n, coalesce(sum(g.amount), 0) AS amount FROM guarantees g
       WHERE g.cycle_id = c.cycle_id AND g.asset = c.asset) i
     CROSS JOIN LATERAL (SELECT count(*) AS n, coalesce(sum(g.amount), 0) AS amount FROM guarantees g
       WHERE g.netted_cycle_id = c.cycle_id AND g.asset = c.asset) t
     WHERE $1::numeric IS NULL OR c.cycle_id < $1::numeric OR (c.cycle_id = $1::numeric AND c.asset COLLATE "C" > $2)
     ORDER BY c.cycle_id DESC, c.asset COLLATE "C" LIMIT $3`,
    [after ? toDbAmount(after.cycleId) : null, (after?.asset ?? "0x").toLowerCase(), limit],
  );
  return rows.map((r) => ({
    cycleId: fromDbAmount(r.cycle_id),
    asset: r.asset as Address,
    status: r.status as CycleStatus,
    issuedCount: Number(r.issued_count),
    issuedAmount: fromDbAmount(r.issued_amount),
    nettedCount: Number(r.netted_count),
    nettedGross: fromDbAmount(r.netted_gross),
    net: r.net === null ? undefined : fromDbAmount(r.net),
  }));
}

/** Totals for the dashboard's header. */
export interface DashboardTotals {
  payers: number;
  guarantees: number;
  heldLocks: number;
  cycles: number;
}

export async function dashboardTotals(q: Queryable): Promise<DashboardTotals> {
  const { rows } = await q.query<{ payers: string; guarantees: string; held: string; cycles: string }>(
    `SELECT (SELECT count(DISTINCT user_address) FROM balances)::text AS payers,
       (SELECT count(*) FROM guarantees)::text AS guarantees,
       (SELECT count(*) FROM guarantees WHERE lock_held)::text AS held,
       (SELECT count(*) FROM cycles)::text AS cycles`,
  );
  const r = rows[0]!;
  return {
    payers: Number(r.payers),
    guarantees: Number(r.guarantees),
    heldLocks: Number(r.held),
    cycles: Number(r.cycles),
  };
}
