import type { Hex } from "viem";

/** The port of idempotent delivery: one result per guarantee id. */
export interface DeliveryStore<T> {
  get(guaranteeId: Hex): Promise<T | undefined>;
  put(guaranteeId: Hex, result: T): Promise<void>;
}

export class MemoryDeliveryStore<T> implements DeliveryStore<T> {
  readonly #rows = new Map<string, T>();
  async get(id: Hex) {
    return this.#rows.get(id.toLowerCase());
  }
  async put(id: Hex, result: T) {
    this.#rows.set(id.toLowerCase(), result);
  }
}

/**
 * Delivery idempotent per guarantee: `once(id, work)` runs `work` the first time a guarantee id is seen and returns
 * the stored result to every retry (a dropped connection, a replayed header, a settle that failed after the handler
 * in the `authorization` flow), so the work never runs twice for one payment. Concurrent calls for one id share one
 * run. A run that throws stores nothing: the next retry runs again.
 */
export class Delivery<T> {
  readonly #store: DeliveryStore<T>;
  readonly #running = new Map<string, Promise<T>>();

  constructor(store: DeliveryStore<T> = new MemoryDeliveryStore<T>()) {
    this.#store = store;
  }

  async once(guaranteeId: Hex, work: () => Promise<T>): Promise<{ result: T; replayed: boolean }> {
    const key = guaranteeId.toLowerCase() as Hex;
    const done = await this.#store.get(key);
    if (done !== undefined) return { result: done, replayed: true };
    const running = this.#running.get(key);
    if (running) return { result: await running, replayed: true };
    const run = (async () => {
      const result = await work();
      await this.#store.put(key, result);
      return result;
    })();
    this.#running.set(key, run);
    try {
      return { result: await run, replayed: false };
    } finally {
      this.#running.delete(key);
    }
  }
}
