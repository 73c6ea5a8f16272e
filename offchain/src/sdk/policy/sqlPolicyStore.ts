import type { SqlDatabase } from "../store/sql.ts";
import type { PolicyStore } from "./policyStore.ts";

/** The store's schema, idempotent (run by {@link sqlPolicyStore} before first use). */
export const POLICY_STORE_MIGRATION = `
CREATE TABLE IF NOT EXISTS sdk_policy_lock (
  policy_id text PRIMARY KEY
);
CREATE TABLE IF NOT EXISTS sdk_policy_spend (
  policy_id      text    NOT NULL,
  reservation_id text    NOT NULL,
  scope          text    NOT NULL,
  amount         numeric(78, 0) NOT NULL CHECK (amount >= 0),
  at             bigint  NOT NULL,
  PRIMARY KEY (policy_id, reservation_id, scope)
);
CREATE INDEX IF NOT EXISTS sdk_policy_spend_scope ON sdk_policy_spend (policy_id, scope, at);
`;

/**
 * A policy store in PostgreSQL (a server, or PGlite in process), shared by every process of the agent. A
 * reservation is one transaction that first locks the policy's row (`SELECT ... FOR UPDATE`), so concurrent
 * reservations of one policy run one after the other and each sees the spends committed before it.
 */
export function sqlPolicyStore(db: SqlDatabase): PolicyStore {
  let ready: Promise<void> | undefined;
  const migrate = () =>
    (ready ??= (async () => {
      for (const statement of POLICY_STORE_MIGRATION.split(";")) {
        if (statement.trim() !== "") await db.query(statement);
      }
    })());

  return {
    async reserve(input) {
      await migrate();
      return db.transaction(async (tx) => {
        await tx.query("INSERT INTO sdk_policy_lock (policy_id) VALUES ($1) ON CONFLICT DO NOTHING", [input.policyId]);
        await tx.query("SELECT policy_id FROM sdk_policy_lock WHERE policy_id = $1 FOR UPDATE", [input.policyId]);
        for (const c of input.counters) {
          const { rows } = await tx.query<{ spent: string }>(
            "SELECT COALESCE(SUM(amount), 0)::text AS spent FROM sdk_policy_spend WHERE policy_id = $1 AND scope = $2 AND at >= $3",
            [input.policyId, c.scope, c.since],
          );
          const spent = BigInt(rows[0]!.spent);
          if (spent + input.amount > c.limit) return { ok: false as const, scope: c.scope, spent, limit: c.limit };
        }
        for (const scope of new Set(input.counters.map((c) => c.scope))) {
          await tx.query(
            "INSERT INTO sdk_policy_spend (policy_id, reservation_id, scope, amount, at) VALUES ($1, $2, $3, $4, $5)",
            [input.policyId, input.reservationId, scope, input.amount.toString(), input.at],
          );
        }
        return { ok: true as const };
      });
    },
    async release(policyId, reservationId) {
      await migrate();
      await db.query("DELETE FROM sdk_policy_spend WHERE policy_id = $1 AND reservation_id = $2", [
        policyId,
        reservationId,
      ]);
    },
    async spent(policyId, scope, since) {
      await migrate();
      const { rows } = await db.query<{ spent: string }>(
        "SELECT COALESCE(SUM(amount), 0)::text AS spent FROM sdk_policy_spend WHERE policy_id = $1 AND scope = $2 AND at >= $3",
        [policyId, scope, since],
      );
      return BigInt(rows[0]!.spent);
    },
  };
}
