import type { ClearingHouseGateway } from "./clearingHouseGateway.ts";
import type { Scheduler, TickReport } from "./createScheduler.ts";

export interface SchedulerLoopOptions {
  /** Pause between the end of one tick and the start of the next (default 15 s). */
  intervalMs?: number;
  onTick?: (now: bigint, report: TickReport) => void;
  /** A failed tick is reported and the loop goes on: the next tick resumes where it stopped. */
  onError?: (e: unknown) => void;
}

export interface SchedulerLoop {
  /** Stops after the tick in progress, if any. */
  stop(): Promise<void>;
}

/**
 * Calls `scheduler.tick(now)` with `now` = the latest block's timestamp (the chain clock, never the wall clock),
 * one tick at a time: the next starts `intervalMs` after the previous ended.
 */
export function startSchedulerLoop(
  scheduler: Scheduler,
  chain: Pick<ClearingHouseGateway, "latestTimestamp">,
  options: SchedulerLoopOptions = {},
): SchedulerLoop {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();

  const run = async () => {
    try {
      const now = await chain.latestTimestamp();
      const report = await scheduler.tick(now);
      options.onTick?.(now, report);
    } catch (e) {
      options.onError?.(e);
    }
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = run().finally(schedule);
    }, options.intervalMs ?? 15_000);
  };
  running = run().finally(schedule);

  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
