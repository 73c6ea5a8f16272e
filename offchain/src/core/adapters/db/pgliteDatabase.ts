import { PGlite, types } from "@electric-sql/pglite";

import {
  withRetry,
  type Database,
  type Queryable,
  type QueryResult,
  type SqlParam,
  type TransactionOptions,
} from "./database.ts";

/** NUMERIC and INT8 come back as decimal text, never as JavaScript numbers (no floats for amounts). */
const parsers = { [types.NUMERIC]: (v: string) => v, [types.INT8]: (v: string) => v };

interface PgliteLike {
  query<R>(sql: string, params?: unknown[]): Promise<{ rows: R[]; affectedRows?: number }>;
  exec(sql: string): Promise<unknown>;
}

function wrap(conn: PgliteLike): Queryable {
  return {
    async query<R>(sql: string, params: readonly SqlParam[] = []): Promise<QueryResult<R>> {
      const r = await conn.query<R>(sql, params as unknown[]);
      return { rows: r.rows, rowCount: r.affectedRows ?? 0 };
    },
    async exec(sql: string): Promise<void> {
      await conn.exec(sql);
    },
  };
}

/**
 * Embedded PostgreSQL (WASM, in-process). `dataDir` undefined gives an in-memory database (tests).
 * PGlite has one connection: PGlite serializes transactions itself, so they never conflict.
 */
export async function openPgliteDatabase(dataDir?: string): Promise<Database> {
  const pg = dataDir === undefined ? await PGlite.create({ parsers }) : await PGlite.create(dataDir, { parsers });
  const root = wrap(pg);
  return {
    kind: "pglite",
    query: root.query,
    exec: root.exec,
    transaction<T>(fn: (tx: Queryable) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
      return withRetry(
        () =>
          pg.transaction(async (tx) => {
            if (options.isolation) await tx.query(`SET TRANSACTION ISOLATION LEVEL ${options.isolation}`);
            return fn(wrap(tx));
          }),
        options.maxAttempts ?? 5,
      );
    },
    close: () => pg.close(),
  };
}
