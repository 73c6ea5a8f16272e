import { availableParallelism } from "node:os";

import { Piscina } from "piscina";
import type { Hex } from "viem";

import type { BlsBackendPreference } from "../../../protocol/bls/index.ts";
import type { BlsSignatureForms } from "../../../protocol/bls/types.ts";

/** Envelopes one signing task carries at most. */
const MAX_TASK_BATCH = 4;

/** Core's BLS signing off the event loop: `workers` threads (piscina), each with its own parsed key. */
export interface SigningPool {
  sign(message: Hex): Promise<BlsSignatureForms>;
  readonly workers: number;
  close(): Promise<void>;
}

/**
 * Starts a pool of `workers` signing threads (FOURMICA_SIGNING_WORKERS). BLS signing is about three quarters of a
 * guarantee's CPU (docs/performance.md): in threads it runs on every core while the event loop parses, checks and
 * stores the next requests. The key reaches the workers as workerData (memory only, never a message on a port
 * that logs could see). Every thread is started, and has parsed the key, before this resolves, so a bad key or a
 * backend that does not load fails at start-up, not on the first request.
 */
export async function createSigningPool(options: {
  secretKey: Hex;
  backend: BlsBackendPreference;
  workers: number;
}): Promise<SigningPool> {
  const workers = Math.max(1, Math.min(options.workers, 4 * availableParallelism()));
  const pool = new Piscina<Hex | Hex[], BlsSignatureForms | BlsSignatureForms[]>({
    filename: new URL("./signingWorker.ts", import.meta.url).href,
    workerData: { secretKey: options.secretKey, backend: options.backend },
    minThreads: workers,
    maxThreads: workers,
    idleTimeout: Number.POSITIVE_INFINITY,
    // Queue without bound: the HTTP layer's rate limits and the database pool bound the work in flight.
    maxQueue: Number.POSITIVE_INFINITY,
  });
  try {
    // One probe per thread (concurrently, so each thread takes one): proves every worker can sign.
    await Promise.all(Array.from({ length: workers }, () => pool.run("0x00")));
  } catch (e) {
    await pool.destroy();
    throw e;
  }
  // At most one task per thread; envelopes that arrive meanwhile go together in the thread's next task, so that
  // under load one message each way carries several signatures (piscina's per-task cost is paid per batch).
  let queue: { message: Hex; resolve: (s: BlsSignatureForms) => void; reject: (e: unknown) => void }[] = [];
  let running = 0;
  const pump = () => {
    while (running < workers && queue.length > 0) {
      const batch = queue.slice(0, MAX_TASK_BATCH);
      queue = queue.slice(MAX_TASK_BATCH);
      running++;
      (pool.run(batch.map((b) => b.message)) as unknown as Promise<BlsSignatureForms[]>)
        .then(
          (signatures) => batch.forEach((b, i) => b.resolve(signatures[i]!)),
          (e: unknown) => batch.forEach((b) => b.reject(e)),
        )
        .finally(() => {
          running--;
          pump();
        });
    }
  };
  return {
    sign: (message) =>
      new Promise((resolve, reject) => {
        queue.push({ message, resolve, reject });
        pump();
      }),
    workers,
    close: () => pool.destroy(),
  };
}
