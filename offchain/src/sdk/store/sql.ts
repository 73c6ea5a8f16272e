/**
 * The SQL port the SDK's stores use: the structural subset of a PostgreSQL client that PGlite, Core's
 * `Database` adapter and a `pg` pool (through {@link pgPoolDatabase}) all provide. The SDK imports no driver;
 * the application passes the client it already has. One dialect: PostgreSQL.
 */
export interface SqlQueryable {
  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: R[] }>;
}

/** A client that can also run a function inside one transaction (BEGIN ... COMMIT, ROLLBACK on a throw). */
export interface SqlDatabase extends SqlQueryable {
  transaction<T>(fn: (tx: SqlQueryable) => Promise<T>): Promise<T>;
}

/** What {@link pgPoolDatabase} needs of a `pg.Pool`. */
export interface PgPoolLike {
  query(sql: string, params?: unknown[]): Promise<{ rows: unknown[] }>;
  connect(): Promise<{
    query(sql: string, params?: unknown[]): Promise<{ rows: unknown[] }>;
    release(error?: Error | boolean): void;
  }>;
}

/** A `pg.Pool` as an {@link SqlDatabase}: each transaction on one pooled connection. */
export function pgPoolDatabase(pool: PgPoolLike): SqlDatabase {
  return {
    query: <R>(sql: string, params?: unknown[]) => pool.query(sql, params) as Promise<{ rows: R[] }>,
    async transaction<T>(fn: (tx: SqlQueryable) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      let broken = false;
      try {
        await client.query("BEGIN");
        const result = await fn({
          query: <R>(sql: string, params?: unknown[]) => client.query(sql, params) as Promise<{ rows: R[] }>,
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
