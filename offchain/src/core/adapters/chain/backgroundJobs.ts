import type { Logger } from "pino";

import type { Lifecycle } from "../../lifecycle/createLifecycle.ts";
import { syncChain, type ChainSyncDeps } from "./syncChain.ts";

export interface BackgroundJobs {
  /** One pass: follow the chain, then promote validated V2 guarantees, then expire locks. */
  runOnce(): Promise<void>;
  /** Stops the loop and waits for the pass in progress. */
  stop(): Promise<void>;
}

/**
 * The operator's chain-driven loop, every `intervalMs`: sync first (so promotions and expiries see the newest
 * balances), then the lifecycle jobs. A failing pass is logged and retried at the next tick; every step is
 * idempotent and compare-and-set, so several replicas may run it.
 */
export function startBackgroundJobs(
  sync: ChainSyncDeps,
  lifecycle: Pick<Lifecycle, "promoteValidated" | "expireLocks">,
  options: { intervalMs: number; logger: Logger },
): BackgroundJobs {
  let running: Promise<void> | undefined;
  let stopped = false;

  async function runOnce(): Promise<void> {
    const synced = await syncChain(sync);
    if (synced.applied > 0 || synced.reorged) options.logger.info({ sync: synced }, "chain synced");
    const promoted = await lifecycle.promoteValidated();
    if (promoted.promoted > 0) options.logger.info(promoted, "V2 guarantees promoted");
    const expired = await lifecycle.expireLocks();
    if (expired.expired > 0) options.logger.info(expired, "guarantee locks expired");
  }

  const timer = setInterval(() => {
    if (running || stopped) return;
    running = runOnce()
      .catch((e: unknown) => options.logger.warn({ err: e }, "background pass failed"))
      .finally(() => {
        running = undefined;
      });
  }, options.intervalMs);
  timer.unref();

  return {
    runOnce,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
