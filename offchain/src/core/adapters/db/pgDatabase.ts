import pg from "pg";

import {
  withRetry,
  type Database,
  type Queryable,
  type QueryResult,
  type SqlParam,
  type TransactionOptions,
} from "./database.ts";

/** NUMERIC (1700) and INT8 (20) stay decimal text; `pg` already does this by default, pinned here. */
const typeParsers = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    if (oid === 1700 || oid === 20) return (v: string) => v;
    return pg.types.getTypeParser(oid, format);
  },
};

interface ClientLike {
  query(config: { text: string; values?: unknown[]; types?: typeof typeParsers }): Promise<pg.QueryResult>;
}

function wrap(client: ClientLike): Queryable {
  return {
    async query<R>(sql: string, params: readonly SqlParam[] = []): Promise<QueryResult<R>> {
      const r = await client.query({ text: sql, values: params as unknown[], types: typeParsers });
      return { rows: r.rows as R[], rowCount: r.rowCount ?? 0 };
    },
    async exec(sql: string): Promise<void> {
      // The simple query protocol (no parameters) accepts several statements.
      await client.query({ text: sql });
    },
  };
}

export interface PgDatabaseOptions {
  connectionString: string;
  /** Pool size (default 10). */
  max?: number;
}

/** A PostgreSQL server through a `pg` Pool; several Core replicas may share the database. */
export function openPgDatabase(options: PgDatabaseOptions): Database {
  const pool = new pg.Pool({ connectionString: options.connectionString, max: options.max ?? 10 });
  // An idle client that loses its connection must not crash the process; the next query gets a fresh one.
  pool.on("error", () => {});
  const root = wrap(pool);
  return {
    kind: "postgres",
    query: root.query,
    exec: root.exec,
    transaction<T>(fn: (tx: Queryable) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
      return withRetry(async () => {
        const client = await pool.connect();
        let broken = false;
        try {
          await client.query(options.isolation ? `BEGIN ISOLATION LEVEL ${options.isolation}` : "BEGIN");
          const result = await fn(wrap(client));
          await client.query("COMMIT");
          return result;
        } catch (e) {
          try {
            await client.query("ROLLBACK");
          } catch {
            broken = true;
          }
          throw e;
        } finally {
          client.release(broken);
        }
      }, options.maxAttempts ?? 5);
    },
    close: () => pool.end(),
  };
}
