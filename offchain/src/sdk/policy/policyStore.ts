/** One budget a reservation must fit: the amounts already spent under `scope` since `since` plus this one. */
export interface BudgetCounter {
  /** e.g. `task:<asset>:<taskId>` or `window:<asset>:<seconds>`. */
  scope: string;
  limit: bigint;
  /** Unix seconds; spends at or after it count. Zero for an all-time budget (per task). */
  since: number;
}

export interface ReserveInput {
  /** The policy's namespace in the store, so several agents can share one database. */
  policyId: string;
  /** Unique per reservation; {@link PolicyStore.release} takes it back. */
  reservationId: string;
  amount: bigint;
  /** Unix seconds. */
  at: number;
  counters: readonly BudgetCounter[];
}

export type ReserveResult = { ok: true } | { ok: false; scope: string; spent: bigint; limit: bigint };

/**
 * Where a buyer policy keeps what it has spent, so that a restart does not reset a budget. `reserve` is atomic:
 * it checks every counter and records the spend in one step, so two concurrent reservations can never both take
 * the last of a budget.
 */
export interface PolicyStore {
  reserve(input: ReserveInput): Promise<ReserveResult>;
  /** Gives a reservation back (the payment was not made). Unknown ids are ignored. */
  release(policyId: string, reservationId: string): Promise<void>;
  /** What was spent under `scope` since `since` (unix seconds). */
  spent(policyId: string, scope: string, since: number): Promise<bigint>;
}

export interface SpendEntry {
  id: string;
  scopes: string[];
  amount: bigint;
  at: number;
}

/** The check both in-process stores share: every counter fits, over `entries`. */
export function firstExceeded(entries: readonly SpendEntry[], input: ReserveInput): ReserveResult {
  for (const c of input.counters) {
    const spent = sumOf(entries, c.scope, c.since);
    if (spent + input.amount > c.limit) return { ok: false, scope: c.scope, spent, limit: c.limit };
  }
  return { ok: true };
}

export function sumOf(entries: readonly SpendEntry[], scope: string, since: number): bigint {
  let spent = 0n;
  for (const e of entries) if (e.at >= since && e.scopes.includes(scope)) spent += e.amount;
  return spent;
}

/** Serializes async sections in one process (the in-process stores' atomicity). */
export function createMutex() {
  let tail: Promise<unknown> = Promise.resolve();
  return function run<T>(fn: () => Promise<T> | T): Promise<T> {
    const next = tail.then(fn, fn);
    tail = next.catch(() => undefined);
    return next;
  };
}
