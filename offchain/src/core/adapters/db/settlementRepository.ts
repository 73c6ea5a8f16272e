import type { Address, Hex } from "viem";

import type { SettlementStatus } from "../../settlement/types.ts";
import { fromDbAmount, toDbAmount } from "./amounts.ts";
import type { Queryable } from "./database.ts";

/** One debtor's authorization to settle its net debit of (cycle, asset) from its collateral (migration 008). */
export interface SettlementRecord {
  cycleId: bigint;
  asset: Address;
  debtor: Address;
  amount: bigint;
  signature: Hex;
  status: SettlementStatus;
  txHash: Hex | undefined;
  settledBy: string | undefined;
}

interface Row {
  cycle_id: string;
  asset: string;
  debtor: string;
  amount: string;
  signature: string;
  status: string;
  tx_hash: string | null;
  settled_by: string | null;
}

const COLUMNS = "cycle_id, asset, debtor, amount, signature, status, tx_hash, settled_by";

function toRecord(r: Row): SettlementRecord {
  return {
    cycleId: fromDbAmount(r.cycle_id),
    asset: r.asset as Address,
    debtor: r.debtor as Address,
    amount: fromDbAmount(r.amount),
    signature: r.signature as Hex,
    status: r.status as SettlementStatus,
    txHash: (r.tx_hash ?? undefined) as Hex | undefined,
    settledBy: r.settled_by ?? undefined,
  };
}

const key = (cycleId: bigint, asset: Address) => [toDbAmount(cycleId), asset.toLowerCase()];

/**
 * Stores a PENDING authorization unless the (cycle, asset, debtor) already has one; returns the stored row either
 * way (the first one wins: a second valid signature of the same amount authorizes the same payment).
 */
export async function insertSettlement(
  q: Queryable,
  s: { cycleId: bigint; asset: Address; debtor: Address; amount: bigint; signature: Hex },
): Promise<{ record: SettlementRecord; created: boolean }> {
  const { rows } = await q.query<Row>(
    `INSERT INTO collateral_settlements (cycle_id, asset, debtor, amount, signature)
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (cycle_id, asset, debtor) DO NOTHING RETURNING ${COLUMNS}`,
    [...key(s.cycleId, s.asset), s.debtor.toLowerCase(), toDbAmount(s.amount), s.signature.toLowerCase()],
  );
  if (rows[0]) return { record: toRecord(rows[0]), created: true };
  const existing = await getSettlement(q, s.cycleId, s.asset, s.debtor);
  if (!existing) throw new Error(`settlement of ${s.debtor} in cycle ${s.cycleId} vanished`);
  return { record: existing, created: false };
}

export async function getSettlement(
  q: Queryable,
  cycleId: bigint,
  asset: Address,
  debtor: Address,
): Promise<SettlementRecord | undefined> {
  const { rows } = await q.query<Row>(
    `SELECT ${COLUMNS} FROM collateral_settlements WHERE cycle_id = $1 AND asset = $2 AND debtor = $3`,
    [...key(cycleId, asset), debtor.toLowerCase()],
  );
  return rows[0] && toRecord(rows[0]);
}

/** Every authorization of (cycle, asset), by debtor; only those in `statuses` when given. */
export async function listSettlements(
  q: Queryable,
  cycleId: bigint,
  asset: Address,
  statuses?: readonly SettlementStatus[],
): Promise<SettlementRecord[]> {
  const { rows } = await q.query<Row>(
    `SELECT ${COLUMNS} FROM collateral_settlements WHERE cycle_id = $1 AND asset = $2
       ${statuses ? "AND status = ANY (string_to_array($3, ','))" : ""}
     ORDER BY debtor COLLATE "C"`,
    [...key(cycleId, asset), ...(statuses ? [statuses.join(",")] : [])],
  );
  return rows.map(toRecord);
}

/** Per (cycle, asset) key `${cycleId}:${asset}`, how many authorizations are PENDING and SUBMITTED. */
export async function countOpenSettlements(q: Queryable): Promise<Map<string, { pending: number; submitted: number }>> {
  const { rows } = await q.query<{ cycle_id: string; asset: string; pending: string; submitted: string }>(
    `SELECT cycle_id, asset, count(*) FILTER (WHERE status = 'PENDING')::text AS pending,
       count(*) FILTER (WHERE status = 'SUBMITTED')::text AS submitted
     FROM collateral_settlements WHERE status IN ('PENDING', 'SUBMITTED') GROUP BY cycle_id, asset`,
  );
  return new Map(
    rows.map((r) => [
      `${fromDbAmount(r.cycle_id)}:${r.asset}`,
      { pending: Number(r.pending), submitted: Number(r.submitted) },
    ]),
  );
}

/**
 * PENDING -> SUBMITTED with the batch transaction's hash, for exactly `debtors` (compare-and-set: a row that is no
 * longer PENDING is left alone). Returns how many rows moved.
 */
export async function markSubmitted(
  q: Queryable,
  cycleId: bigint,
  asset: Address,
  debtors: readonly Address[],
  txHash: Hex,
): Promise<number> {
  const r = await q.query(
    `UPDATE collateral_settlements SET status = 'SUBMITTED', tx_hash = $4, updated_at = now()
     WHERE cycle_id = $1 AND asset = $2 AND status = 'PENDING' AND debtor = ANY (string_to_array($3, ','))`,
    [...key(cycleId, asset), debtors.map((d) => d.toLowerCase()).join(","), txHash.toLowerCase()],
  );
  return r.rowCount;
}

/**
 * Moves `debtor`'s row from one of `from` to `to` (compare-and-set); false when it was in none of them. Back to
 * PENDING clears the transaction hash; `settledBy`, when given, replaces the recorded cause.
 */
export async function setSettlementStatus(
  q: Queryable,
  cycleId: bigint,
  asset: Address,
  debtor: Address,
  from: readonly SettlementStatus[],
  to: SettlementStatus,
  settledBy?: { value: string | null },
): Promise<boolean> {
  const r = await q.query(
    `UPDATE collateral_settlements SET status = $5, updated_at = now(),
       tx_hash = CASE WHEN $5 = 'PENDING' THEN NULL ELSE tx_hash END,
       settled_by = CASE WHEN $6 THEN $7 ELSE settled_by END
     WHERE cycle_id = $1 AND asset = $2 AND debtor = $3 AND status = ANY (string_to_array($4, ','))`,
    [
      ...key(cycleId, asset),
      debtor.toLowerCase(),
      from.join(","),
      to,
      settledBy !== undefined,
      settledBy?.value ?? null,
    ],
  );
  return r.rowCount === 1;
}

export async function setClaimsTx(q: Queryable, cycleId: bigint, asset: Address, hash: Hex): Promise<void> {
  await q.query("UPDATE batches SET claims_tx_hash = $3 WHERE cycle_id = $1 AND asset = $2", [
    ...key(cycleId, asset),
    hash.toLowerCase(),
  ]);
}

export async function getClaimsTx(q: Queryable, cycleId: bigint, asset: Address): Promise<Hex | undefined> {
  const { rows } = await q.query<{ claims_tx_hash: string | null }>(
    "SELECT claims_tx_hash FROM batches WHERE cycle_id = $1 AND asset = $2",
    key(cycleId, asset),
  );
  return (rows[0]?.claims_tx_hash ?? undefined) as Hex | undefined;
}
