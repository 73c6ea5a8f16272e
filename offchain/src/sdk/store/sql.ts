/**
 * The SQL port the SDK's stores use: the structural subset of a PostgreSQL client that PGlite, Core's
 * `Database` adapter and a `pg` pool (through {@link pgPoolDatabase}) all provide. The SDK imports no driver;
 * the application passes the client it already has. One dialect: PostgreSQL.
 */
/** Parameters are strings, numbers, booleans or null (amounts travel as decimal text). */
export type SqlParam = string | number | boolean | null;

export interface SqlQueryable {
  query<R = Record<string, unknown>>(sql: string, params?: readonly SqlParam[]): Promise<{ rows: R[] }>;
}

/** A client that can also run a function inside one transaction (BEGIN ... COMMIT, ROLLBACK on a throw). */
export interface SqlDatabase extends SqlQueryable {
  transaction<T>(fn: (tx: SqlQueryable) => Promise<T>): Promise<T>;
}

/** What {@link pgPoolDatabase} needs of a `pg.Pool`. */
export interface PgPoolLike {
  query(sql: string, params?: SqlParam[]): Promise<{ rows: unknown[] }>;
  connect(): Promise<{
    query(sql: string, params?: SqlParam[]): Promise<{ rows: unknown[] }>;
    release(error?: Error | boolean): void;
  }>;
}

/** A `pg.Pool` as an {@link SqlDatabase}: each transaction on one pooled connection. */
export function pgPoolDatabase(pool: PgPoolLike): SqlDatabase {
  return {
    query: <R>(sql: string, params?: readonly SqlParam[]) =>
      pool.query(sql, params && [...params]) as Promise<{ rows: R[] }>,
    async transaction<T>(fn: (tx: SqlQueryable) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      let broken = false;
      try {
        await client.query("BEGIN");
        const result = await fn({
          query: <R>(sql: string, params?: readonly SqlParam[]) =>
            client.query(sql, params && [...params]) as Promise<{ rows: R[] }>,
        });
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
    },
  };
}
