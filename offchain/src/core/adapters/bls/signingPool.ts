import { availableParallelism } from "node:os";

import { Piscina } from "piscina";
import type { Hex } from "viem";

import type { BlsBackendPreference } from "../../../protocol/bls/index.ts";
import type { BlsSignatureForms } from "../../../protocol/bls/types.ts";

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
  const pool = new Piscina<Hex, BlsSignatureForms>({
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
  return {
    sign: (message) => pool.run(message),
    workers,
    close: () => pool.destroy(),
  };
}
