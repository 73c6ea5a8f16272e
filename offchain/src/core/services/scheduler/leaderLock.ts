import pg from "pg";

import type { Database } from "../../adapters/db/database.ts";

/** "4MICASCH" as ASCII: the advisory lock key every Core replica's scheduler contends for. */
export const SCHEDULER_LOCK_KEY = "3768749016386585416";

/** One leader per tick: `runIfLeader` runs `fn` only if this replica takes the lock, and releases it after. */
export interface LeaderLock {
  runIfLeader<T>(fn: () => Promise<T>): Promise<{ leader: true; value: T } | { leader: false }>;
  close(): Promise<void>;
}

/**
 * PostgreSQL: `pg_try_advisory_lock` on a dedicated session (its own connection, not the pool's), held for the
 * tick. A replica that dies loses its session and with it the lock, so another takes over at its next tick.
 */
export function createPgLeaderLock(connectionString: string, key: string = SCHEDULER_LOCK_KEY): LeaderLock {
  let client: pg.Client | undefined;
  async function session(): Promise<pg.Client> {
    if (client) return client;
    const c = new pg.Client({ connectionString });
    c.on("error", () => {
      // The session is gone, and the lock with it: reconnect at the next tick.
      if (client === c) client = undefined;
    });
    await c.connect();
    client = c;
    return c;
  }
  return {
    async runIfLeader(fn) {
      const c = await session();
      const { rows } = await c.query<{ locked: boolean }>("SELECT pg_try_advisory_lock($1::bigint) AS locked", [key]);
      if (!rows[0]?.locked) return { leader: false };
      try {
        return { leader: true, value: await fn() };
      } finally {
        await c.query("SELECT pg_advisory_unlock($1::bigint)", [key]).catch(() => {
          // A broken session already released the lock.
          client = undefined;
        });
      }
    },
    async close() {
      const c = client;
      client = undefined;
      await c?.end();
    },
  };
}

const held = new WeakSet<Database>();

/**
 * PGlite has one connection in one process, so there is exactly one replica per database: the lock is held
 * trivially, and an in-process flag keeps two schedulers on the same PGlite from ticking at once.
 */
export function createLocalLeaderLock(db: Database): LeaderLock {
  return {
    async runIfLeader(fn) {
      if (held.has(db)) return { leader: false };
      held.add(db);
      try {
        return { leader: true, value: await fn() };
      } finally {
        held.delete(db);
      }
    },
    async close() {},
  };
}

/** The lock that fits the database: advisory on PostgreSQL, local on PGlite. */
export function createLeaderLock(db: Database, databaseUrl: string | undefined): LeaderLock {
  return db.kind === "postgres" && databaseUrl ? createPgLeaderLock(databaseUrl) : createLocalLeaderLock(db);
}
