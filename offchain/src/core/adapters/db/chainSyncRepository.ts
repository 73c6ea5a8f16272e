import type { Address, Hex } from "viem";

import type { ChainEvent } from "../../lifecycle/chainEvents.ts";
import { EMPTY_EVENT_STATE, type EventState, type GuaranteeLockView } from "../../lifecycle/eventState.ts";
import type { GuaranteeStatus } from "../../issuance/guaranteeStore.ts";
import { decideChainEvent } from "../../lifecycle/decideChainEvent.ts";
import { undoOf, type Mutation } from "../../lifecycle/mutations.ts";
import { fromDbAmount, toDbAmount } from "./amounts.ts";
import { applyMutations } from "./applyMutations.ts";
import type { Queryable } from "./database.ts";
import { mutationsFromJson, mutationsToJson } from "./mutationJson.ts";

/** How many recent block hashes a follower keeps to find a fork point (deeper reorgs restart from the start). */
export const KEPT_BLOCKS = 512;

export interface CursorRow {
  number: bigint;
  hash: Hex;
}

/** The follower's cursor, row-locked so replicas following together serialize on it. */
export async function readCursor(q: Queryable, follower: string, forUpdate = false): Promise<CursorRow | undefined> {
  const { rows } = await q.query<{ block_number: string; block_hash: string }>(
    `SELECT block_number, block_hash FROM chain_cursor WHERE name = $1${forUpdate ? " FOR UPDATE" : ""}`,
    [follower],
  );
  return rows[0] && { number: BigInt(rows[0].block_number), hash: rows[0].block_hash as Hex };
}

export async function writeCursor(q: Queryable, follower: string, chainId: bigint, c: CursorRow): Promise<void> {
  await q.query(
    `INSERT INTO chain_cursor (name, chain_id, block_number, block_hash) VALUES ($1, $2, $3, $4)
     ON CONFLICT (name) DO UPDATE SET chain_id = EXCLUDED.chain_id, block_number = EXCLUDED.block_number,
       block_hash = EXCLUDED.block_hash, updated_at = now()`,
    [follower, chainId.toString(), c.number.toString(), c.hash.toLowerCase()],
  );
}

export async function deleteCursor(q: Queryable, follower: string): Promise<void> {
  await q.query(`DELETE FROM chain_cursor WHERE name = $1`, [follower]);
}

/** Remembers block hashes built on, and forgets all but the newest KEPT_BLOCKS. */
export async function recordBlocks(q: Queryable, follower: string, blocks: readonly CursorRow[]): Promise<void> {
  for (const b of blocks) {
    await q.query(
      `INSERT INTO chain_blocks (follower, block_number, block_hash) VALUES ($1, $2, $3)
       ON CONFLICT (follower, block_number) DO UPDATE SET block_hash = EXCLUDED.block_hash`,
      [follower, b.number.toString(), b.hash.toLowerCase()],
    );
  }
  await q.query(
    `DELETE FROM chain_blocks WHERE follower = $1 AND block_number < (
       SELECT min(block_number) FROM (SELECT block_number FROM chain_blocks WHERE follower = $1
         ORDER BY block_number DESC LIMIT $2) newest)`,
    [follower, KEPT_BLOCKS],
  );
}

/** Remembered blocks at or below `atOrBelow`, newest first: the fork point candidates. */
export async function listBlocks(
  q: Queryable,
  follower: string,
  atOrBelow: bigint,
  limit: number,
): Promise<CursorRow[]> {
  const { rows } = await q.query<{ block_number: string; block_hash: string }>(
    `SELECT block_number, block_hash FROM chain_blocks WHERE follower = $1 AND block_number <= $2
     ORDER BY block_number DESC LIMIT $3`,
    [follower, atOrBelow.toString(), limit],
  );
  return rows.map((r) => ({ number: BigInt(r.block_number), hash: r.block_hash as Hex }));
}

/** Whether the event is already applied (present and not removed by a reorg). */
export async function isApplied(q: Queryable, event: ChainEvent): Promise<boolean> {
  const { rows } = await q.query<{ removed: boolean }>(
    `SELECT removed FROM chain_events WHERE block_hash = $1 AND log_index = $2`,
    [event.ref.blockHash, event.ref.logIndex],
  );
  return rows[0] !== undefined && !rows[0].removed;
}

/** Records an applied event with its undo list (re-applying a removed one flips it back). */
export async function recordEvent(
  q: Queryable,
  follower: string,
  chainId: bigint,
  event: ChainEvent,
  undo: readonly Mutation[],
): Promise<void> {
  const { ref, ...body } = event;
  await q.query(
    `INSERT INTO chain_events (block_hash, log_index, chain_id, block_number, tx_hash, address, event_name, args,
       follower, undo, removed)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, FALSE)
     ON CONFLICT (block_hash, log_index) DO UPDATE SET removed = FALSE, undo = EXCLUDED.undo, applied_at = now()`,
    [
      ref.blockHash,
      ref.logIndex,
      chainId.toString(),
      ref.blockNumber.toString(),
      ref.txHash,
      ref.address,
      event.name,
      JSON.stringify(body, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)),
      follower,
      mutationsToJson(undo),
    ],
  );
}

/**
 * Undoes every applied event of `follower` above block `forkNumber`, newest first, each by its recorded undo
 * list, and marks them removed. Returns how many were undone.
 */
export async function undoEventsAbove(q: Queryable, follower: string, forkNumber: bigint): Promise<number> {
  const { rows } = await q.query<{ block_hash: string; log_index: number; undo: unknown }>(
    `SELECT block_hash, log_index, undo FROM chain_events
     WHERE follower = $1 AND NOT removed AND block_number > $2
     ORDER BY block_number DESC, log_index DESC`,
    [follower, forkNumber.toString()],
  );
  for (const r of rows) {
    await applyMutations(q, mutationsFromJson(r.undo));
    await q.query(`UPDATE chain_events SET removed = TRUE WHERE block_hash = $1 AND log_index = $2`, [
      r.block_hash,
      r.log_index,
    ]);
  }
  await q.query(`DELETE FROM chain_blocks WHERE follower = $1 AND block_number > $2`, [
    follower,
    forkNumber.toString(),
  ]);
  return rows.length;
}

interface LockRow {
  guarantee_id: string;
  version: number;
  user_address: string;
  asset: string;
  amount: string;
  status: string;
  lock_held: boolean;
}

const LOCK_COLUMNS = "guarantee_id, version, user_address, asset, amount, status, lock_held";

function lockView(r: LockRow): GuaranteeLockView {
  return {
    guaranteeId: r.guarantee_id as Hex,
    version: Number(r.version),
    user: r.user_address as Address,
    asset: r.asset as Address,
    amount: fromDbAmount(r.amount),
    status: r.status as GuaranteeStatus,
    lockHeld: r.lock_held,
  };
}

async function nettedGuarantees(
  q: Queryable,
  cycleId: bigint,
  asset: Address,
  payer: Address | undefined,
): Promise<GuaranteeLockView[]> {
  const params = [toDbAmount(cycleId), asset, ...(payer ? [payer] : [])];
  const { rows } = await q.query<LockRow>(
    `SELECT ${LOCK_COLUMNS} FROM guarantees
     WHERE status = 'NETTED' AND COALESCE(netted_cycle_id, cycle_id) = $1 AND asset = $2
       ${payer ? "AND user_address = $3" : ""}
     ORDER BY guarantee_id FOR UPDATE`,
    params,
  );
  return rows.map(lockView);
}

/** Lock-holding, never netted, CANCELLED or DISPUTED V1 guarantees of exactly (cycle, asset). */
async function fallbackLocks(q: Queryable, cycleId: bigint, asset: Address): Promise<GuaranteeLockView[]> {
  const { rows } = await q.query<LockRow>(
    `SELECT ${LOCK_COLUMNS} FROM guarantees
     WHERE lock_held AND version = 1 AND cycle_id = $1 AND asset = $2 AND netted_cycle_id IS NULL
       AND status IN ('CANCELLED', 'DISPUTED')
     ORDER BY guarantee_id FOR UPDATE`,
    [toDbAmount(cycleId), asset],
  );
  return rows.map(lockView);
}

/** The state the rule of `event` reads (decideChainEvent.ts), in the applying transaction. */
export async function loadEventState(q: Queryable, event: ChainEvent): Promise<EventState> {
  switch (event.name) {
    case "CollateralDeposited":
    case "CollateralSeized":
    case "CollateralSettled":
      return EMPTY_EVENT_STATE;

    case "WithdrawalRequested":
    case "WithdrawalCanceled":
    case "WithdrawalReduced":
    case "CollateralWithdrawn": {
      const b = await q.query<{ pending_withdrawal: string }>(
        `SELECT pending_withdrawal FROM balances WHERE user_address = $1 AND asset = $2 FOR UPDATE`,
        [event.user, event.asset],
      );
      const w = await q.query<{ request_event: string | null }>(
        `SELECT request_event FROM withdrawals WHERE user_address = $1 AND asset = $2 AND status = 'PENDING'`,
        [event.user, event.asset],
      );
      return {
        ...EMPTY_EVENT_STATE,
        pendingWithdrawal: b.rows[0] ? fromDbAmount(b.rows[0].pending_withdrawal) : 0n,
        openWithdrawalRef: w.rows[0]?.request_event ?? null,
      };
    }

    case "GuaranteeRemunerated": {
      const { rows } = await q.query<LockRow>(
        `SELECT ${LOCK_COLUMNS} FROM guarantees WHERE guarantee_id = $1 FOR UPDATE`,
        [event.guaranteeId],
      );
      return { ...EMPTY_EVENT_STATE, guarantee: rows[0] && lockView(rows[0]) };
    }

    case "CycleCommitted":
    case "CycleFinalized": {
      const c = await q.query<{ status: string }>(
        `SELECT status FROM cycles WHERE cycle_id = $1 AND asset = $2 FOR UPDATE`,
        [toDbAmount(event.cycleId), event.asset],
      );
      return {
        ...EMPTY_EVENT_STATE,
        cycleStatus: c.rows[0]?.status,
        nettedGuarantees:
          event.name === "CycleFinalized" ? await nettedGuarantees(q, event.cycleId, event.asset, undefined) : [],
        fallbackLocks: event.name === "CycleCommitted" ? await fallbackLocks(q, event.cycleId, event.asset) : [],
      };
    }

    case "NetDebitPaid":
    case "DebtorDefaulted":
    case "NetCreditClaimed": {
      const participant = event.name === "NetCreditClaimed" ? event.creditor : event.debtor;
      const p = await q.query<{ status: string; settled_by: string | null }>(
        `SELECT status, settled_by FROM positions WHERE cycle_id = $1 AND asset = $2 AND participant = $3 FOR UPDATE`,
        [toDbAmount(event.cycleId), event.asset, participant],
      );
      return {
        ...EMPTY_EVENT_STATE,
        position: p.rows[0] && { status: p.rows[0].status, settledBy: p.rows[0].settled_by },
        nettedGuarantees: await nettedGuarantees(q, event.cycleId, event.asset, participant),
        settlement:
          event.name === "NetDebitPaid" && event.fromCollateral
            ? await settlementRow(q, event.cycleId, event.asset, event.debtor)
            : undefined,
      };
    }
  }
}

/** The debtor's authorization row of migration 008 (locked), if Core took one. */
async function settlementRow(
  q: Queryable,
  cycleId: bigint,
  asset: Address,
  debtor: Address,
): Promise<EventState["settlement"]> {
  const { rows } = await q.query<{ status: string; settled_by: string | null }>(
    `SELECT status, settled_by FROM collateral_settlements WHERE cycle_id = $1 AND asset = $2 AND debtor = $3
     FOR UPDATE`,
    [toDbAmount(cycleId), asset, debtor],
  );
  return rows[0] && { status: rows[0].status, settledBy: rows[0].settled_by };
}

/**
 * Applies `events` in order inside the caller's transaction: each one not yet applied is decided from the state it
 * finds, applied, and recorded with its undo list. Returns how many were applied (already applied ones are skipped,
 * which makes replaying a range harmless).
 */
export async function applyChainEvents(
  q: Queryable,
  follower: string,
  chainId: bigint,
  events: readonly ChainEvent[],
): Promise<number> {
  let count = 0;
  for (const e of events) {
    if (await isApplied(q, e)) continue;
    const mutations = decideChainEvent(e, await loadEventState(q, e));
    await applyMutations(q, mutations);
    await recordEvent(q, follower, chainId, e, undoOf(mutations));
    count++;
  }
  return count;
}
