import { FourMicaError } from "../../../protocol/errors.ts";
import { LifecycleCode, LifecycleError } from "../../lifecycle/lifecycleErrors.ts";
import type { Mutation } from "../../lifecycle/mutations.ts";
import { toDbAmount } from "./amounts.ts";
import type { Queryable } from "./database.ts";

/**
 * Applies lifecycle mutations inside the caller's transaction, in order. Every one is a compare-and-set on the
 * state it was decided from: if another writer (a replica, the scheduler) changed it first, this throws
 * STALE_STATE and the caller's transaction rolls back, so nothing is applied twice.
 */
export async function applyMutations(q: Queryable, mutations: readonly Mutation[]): Promise<void> {
  for (const m of mutations) await applyOne(q, m);
}

function stale(m: Mutation): never {
  throw new LifecycleError(LifecycleCode.STALE_STATE, `state changed before ${m.kind} could apply`, {
    mutation: m.kind,
  });
}

/** A balance would go negative: the follower's view and the chain disagree (never expected). */
export class BalanceUnderflowError extends FourMicaError {
  constructor(user: string, asset: string, field: string, amount: bigint) {
    super("BALANCE_UNDERFLOW", `${field} of ${user} in ${asset} is less than ${amount}`, {
      details: { user, asset, field, amount: amount.toString() },
    });
    this.name = "BalanceUnderflowError";
  }
}

async function addToBalance(q: Queryable, user: string, asset: string, field: string, delta: bigint): Promise<void> {
  if (delta >= 0n) {
    await q.query(
      `INSERT INTO balances (user_address, asset, ${field}) VALUES ($1, $2, $3)
       ON CONFLICT (user_address, asset) DO UPDATE SET ${field} = balances.${field} + EXCLUDED.${field}, updated_at = now()`,
      [user, asset, toDbAmount(delta)],
    );
    return;
  }
  const r = await q.query(
    `UPDATE balances SET ${field} = ${field} - $3, updated_at = now()
     WHERE user_address = $1 AND asset = $2 AND ${field} >= $3`,
    [user, asset, toDbAmount(-delta)],
  );
  if (r.rowCount !== 1) throw new BalanceUnderflowError(user, asset, field, -delta);
}

async function applyOne(q: Queryable, m: Mutation): Promise<void> {
  switch (m.kind) {
    case "balance.add":
      return addToBalance(q, m.user, m.asset, m.field, m.delta);

    case "balance.setPending": {
      const r = await q.query(
        `UPDATE balances SET pending_withdrawal = $3, updated_at = now()
         WHERE user_address = $1 AND asset = $2 AND pending_withdrawal = $4`,
        [m.user, m.asset, toDbAmount(m.value), toDbAmount(m.previous)],
      );
      if (r.rowCount === 1) return;
      if (m.previous !== 0n) stale(m);
      const ins = await q.query(
        `INSERT INTO balances (user_address, asset, pending_withdrawal) VALUES ($1, $2, $3)
         ON CONFLICT (user_address, asset) DO NOTHING`,
        [m.user, m.asset, toDbAmount(m.value)],
      );
      if (ins.rowCount !== 1) stale(m);
      return;
    }

    case "withdrawal.open":
      await q.query(
        `INSERT INTO withdrawals (user_address, asset, amount, requested_at, status, request_event)
         VALUES ($1, $2, $3, $4, 'PENDING', $5)`,
        [m.user, m.asset, toDbAmount(m.amount), m.requestedAt.toString(), m.ref],
      );
      return;

    case "withdrawal.delete": {
      const r = await q.query(`DELETE FROM withdrawals WHERE request_event = $1 AND status = 'PENDING'`, [m.ref]);
      if (r.rowCount !== 1) stale(m);
      return;
    }

    case "withdrawal.close": {
      const r = await q.query(
        `UPDATE withdrawals SET status = $2, resolution_event = $3, updated_at = now()
         WHERE request_event = $1 AND status = 'PENDING'`,
        [m.ref, m.to, m.by],
      );
      if (r.rowCount !== 1) stale(m);
      return;
    }

    case "withdrawal.reopen": {
      const r = await q.query(
        `UPDATE withdrawals SET status = 'PENDING', resolution_event = NULL, updated_at = now()
         WHERE request_event = $1 AND status = $2`,
        [m.ref, m.from],
      );
      if (r.rowCount !== 1) stale(m);
      return;
    }

    case "guarantee.transition": {
      const lockAfter = m.lock === "release" ? "FALSE" : m.lock === "reacquire" ? "TRUE" : "lock_held";
      const lockBefore = m.lock === "release" ? "AND lock_held" : m.lock === "reacquire" ? "AND NOT lock_held" : "";
      const r = await q.query(
        `UPDATE guarantees SET status = $2, lock_held = ${lockAfter}, updated_at = now()
         WHERE guarantee_id = $1 AND status = $3 ${lockBefore}`,
        [m.guaranteeId, m.to, m.from],
      );
      if (r.rowCount !== 1) stale(m);
      if (m.lock === "release") await addToBalance(q, m.user, m.asset, "locked", -m.amount);
      if (m.lock === "reacquire") await addToBalance(q, m.user, m.asset, "locked", m.amount);
      await q.query(
        `INSERT INTO guarantee_transitions (guarantee_id, from_status, to_status, cause, cause_ref)
         VALUES ($1, $2, $3, $4, $5)`,
        [m.guaranteeId, m.from, m.to, m.cause, m.causeRef],
      );
      return;
    }

    case "cycle.status": {
      const r = await q.query(
        `UPDATE cycles SET status = $4, updated_at = now() WHERE cycle_id = $1 AND asset = $2 AND status = $3`,
        [toDbAmount(m.cycleId), m.asset, m.from, m.to],
      );
      if (r.rowCount !== 1) stale(m);
      return;
    }

    case "position.status": {
      const r = await q.query(
        `UPDATE positions SET status = $5, settled_by = $6, updated_at = now()
         WHERE cycle_id = $1 AND asset = $2 AND participant = $3 AND status = $4`,
        [toDbAmount(m.cycleId), m.asset, m.participant, m.from, m.to, m.settledBy],
      );
      if (r.rowCount !== 1) stale(m);
      return;
    }

    case "settlement.status": {
      const r = await q.query(
        `UPDATE collateral_settlements SET status = $5, settled_by = $6, updated_at = now()
         WHERE cycle_id = $1 AND asset = $2 AND debtor = $3 AND status = $4`,
        [toDbAmount(m.cycleId), m.asset, m.debtor, m.from, m.to, m.settledBy],
      );
      if (r.rowCount !== 1) stale(m);
      return;
    }
  }
}
