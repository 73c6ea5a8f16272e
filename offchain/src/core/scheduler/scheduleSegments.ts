import { cycleDeadlines, type CycleDeadlines } from "../netting/cycleSchedule.ts";
import { SchedulerError, SchedulerCode } from "./schedulerErrors.ts";

/** One segment of the on-chain schedule (`ClearingHouse.scheduleSegments()`), all values in seconds / ids. */
export type ScheduleSegment = {
  readonly startTime: bigint;
  readonly firstCycleId: bigint;
  readonly cycleLength: bigint;
  readonly resolutionCutoff: bigint;
  readonly commitDelay: bigint;
  readonly paymentWindow: bigint;
  readonly finalityWindow: bigint;
};

/**
 * The cycle that contains `t` (`CycleSchedule` `cycleOf`): the last segment that started at or before `t`
 * numbers it. Undefined before genesis. Segments must be oldest first, as the contract returns them.
 */
export function cycleAt(segments: readonly ScheduleSegment[], t: bigint): bigint | undefined {
  for (let i = segments.length - 1; i >= 0; i--) {
    const s = segments[i]!;
    if (s.startTime <= t) return s.firstCycleId + (t - s.startTime) / s.cycleLength;
  }
  return undefined;
}

/** Every timestamp of `cycleId`, from the segment that holds it (the last one with `firstCycleId <= cycleId`). */
export function deadlinesOf(segments: readonly ScheduleSegment[], cycleId: bigint): CycleDeadlines {
  if (segments.length === 0) throw new SchedulerError(SchedulerCode.NO_SCHEDULE, "the schedule has no segment");
  let segment = segments[0]!;
  for (let i = segments.length - 1; i > 0; i--) {
    if (segments[i]!.firstCycleId <= cycleId) {
      segment = segments[i]!;
      break;
    }
  }
  return cycleDeadlines(cycleId, { ...segment, genesis: segment.startTime });
}
