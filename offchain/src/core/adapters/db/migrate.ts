import { readdir, readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

import type { Database } from "./database.ts";

const MIGRATIONS_DIR = fileURLToPath(new URL("./migrations/", import.meta.url));
/** Advisory lock key shared by every replica ("4MICAMIG" as ASCII). */
const MIGRATION_LOCK_KEY = "3760280213391657287";

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** The migrations shipped with this build, in order: files `NNN_name.sql`. */
export async function loadMigrations(dir: string = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f)).sort();
  const migrations: Migration[] = [];
  for (const file of files) {
    migrations.push({
      version: Number(file.slice(0, 3)),
      name: file.slice(4, -4),
      sql: await readFile(dir + file, "utf8"),
    });
  }
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migration ${m.version}_${m.name} out of sequence (expected ${i + 1})`);
  });
  return migrations;
}

/**
 * Applies the pending migrations in one transaction, under a transaction-scoped advisory lock, so that several
 * replicas starting together apply each migration exactly once (the others wait, then find nothing to do).
 * Returns the versions applied by this call.
 */
export async function migrate(db: Database, migrations?: Migration[]): Promise<number[]> {
  const all = migrations ?? (await loadMigrations());
  return db.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`);
    await tx.exec(
      `CREATE TABLE IF NOT EXISTS schema_migrations (
         version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`,
    );
    const { rows } = await tx.query<{ version: number }>("SELECT version FROM schema_migrations");
    const applied = new Set(rows.map((r) => Number(r.version)));
    const done: number[] = [];
    for (const m of all) {
      if (applied.has(m.version)) continue;
      await tx.exec(m.sql);
      await tx.query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", [m.version, m.name]);
      done.push(m.version);
    }
    const newest = Math.max(0, ...applied);
    if (newest > all.length) throw new Error(`database schema ${newest} is newer than this build (${all.length})`);
    return done;
  });
}
