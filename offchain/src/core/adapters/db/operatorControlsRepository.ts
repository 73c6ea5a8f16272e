import type { Queryable } from "./database.ts";

/** One operator switch as stored (migration 006): whether it is paused, why, and since when (ISO 8601). */
export interface OperatorControl {
  control: string;
  paused: boolean;
  reason: string;
  changedAt: string;
}

interface Row {
  control: string;
  paused: boolean;
  reason: string;
  changed_at: Date | string;
}

const iso = (d: Date | string) => (d instanceof Date ? d : new Date(d)).toISOString();

/** Reads a control; undefined when the migration did not create it (never, after 006). */
export async function readOperatorControl(db: Queryable, control: string): Promise<OperatorControl | undefined> {
  const { rows } = await db.query<Row>(
    "SELECT control, paused, reason, changed_at FROM operator_controls WHERE control = $1",
    [control],
  );
  const r = rows[0];
  return r && { control: r.control, paused: r.paused, reason: r.reason, changedAt: iso(r.changed_at) };
}

/**
 * Sets a control and appends the change to operator_control_events, in one statement (so a crash cannot keep one
 * without the other). Setting it to the state it already has changes neither `changed_at` nor the log.
 */
export async function setOperatorControl(
  db: Queryable,
  control: string,
  paused: boolean,
  reason: string,
): Promise<{ control: OperatorControl; changed: boolean }> {
  const { rows } = await db.query<Row & { changed: boolean }>(
    `WITH updated AS (
       UPDATE operator_controls SET paused = $2, reason = $3, changed_at = clock_timestamp()
        WHERE control = $1 AND paused <> $2
       RETURNING control, paused, reason, changed_at
     ), logged AS (
       INSERT INTO operator_control_events (control, paused, reason) SELECT control, paused, reason FROM updated
     )
     SELECT control, paused, reason, changed_at, true AS changed FROM updated
     UNION ALL
     SELECT control, paused, reason, changed_at, false AS changed FROM operator_controls
      WHERE control = $1 AND NOT EXISTS (SELECT 1 FROM updated)`,
    [control, paused, reason],
  );
  const r = rows[0];
  if (!r) throw new Error(`operator control ${control} does not exist (migration 006 not applied?)`);
  return {
    control: { control: r.control, paused: r.paused, reason: r.reason, changedAt: iso(r.changed_at) },
    changed: r.changed,
  };
}
