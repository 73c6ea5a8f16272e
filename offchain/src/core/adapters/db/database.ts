/**
 * The one database port. A single SQL dialect (PostgreSQL) behind two adapters: PGlite (embedded) and a `pg` Pool.
 * Parameters are always strings, numbers, booleans or null; amounts travel as decimal text (see amounts.ts).
 */
export type SqlParam = string | number | boolean | null;

export interface QueryResult<R> {
  rows: R[];
  /** Rows inserted, updated or deleted (0 for a SELECT). */
  rowCount: number;
}

export interface Queryable {
  query<R = Record<string, unknown>>(sql: string, params?: readonly SqlParam[]): Promise<QueryResult<R>>;
  /** Runs a multi-statement script without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export type IsolationLevel = "READ COMMITTED" | "REPEATABLE READ" | "SERIALIZABLE";

export interface TransactionOptions {
  isolation?: IsolationLevel;
  /** Attempts on a serialization failure or deadlock before giving up (default 5). */
  maxAttempts?: number;
}

export interface Database extends Queryable {
  /** Which adapter, for health and logs. */
  readonly kind: "pglite" | "postgres";
  /**
   * Runs `fn` in one transaction, retried from the start on a serialization failure (40001) or a deadlock (40P01).
   * `fn` must therefore have no side effects outside the transaction.
   */
  transaction<T>(fn: (tx: Queryable) => Promise<T>, options?: TransactionOptions): Promise<T>;
  close(): Promise<void>;
}

/** SQLSTATEs after which a transaction may simply be run again. */
const RETRYABLE = new Set(["40001", "40P01"]);

export function isRetryable(e: unknown): boolean {
  return typeof e === "object" && e !== null && RETRYABLE.has((e as { code?: unknown }).code as string);
}

/** The SQLSTATE of a driver error, if any. */
export function sqlState(e: unknown): string | undefined {
  const code = typeof e === "object" && e !== null ? (e as { code?: unknown }).code : undefined;
  return typeof code === "string" ? code : undefined;
}

/** Shared retry loop: both adapters call it with their own BEGIN/COMMIT mechanics. */
export async function withRetry<T>(attempt: () => Promise<T>, maxAttempts: number): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await attempt();
    } catch (e) {
      if (!isRetryable(e) || i >= maxAttempts) throw e;
      // Jittered backoff so that two replicas that collided do not collide again at once.
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 5 * i)));
    }
  }
}
