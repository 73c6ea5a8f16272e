/**
 * The cycle schedule (protocol.md §6), the one implementation Core uses: issuance numbers a guarantee's cycle with
 * it, the scheduler plans with it, netting and the HTTP API read deadlines from it. It mirrors
 * contracts/libraries/CycleSchedule.sol: a list of segments, each numbering its cycles on from the previous one
 * (ids stay continuous across schedule changes) and fixing the phases of every cycle that starts inside it.
 * All values are unix seconds or cycle ids.
 */
import { FourMicaError } from "../errors.ts";

/** The phase lengths of a cycle (`CycleSchedule.Params`). */
export interface CyclePhases {
  readonly cycleLength: bigint;
  /** From the cycle's end to its resolution cutoff (when the commit window opens). */
  readonly resolutionCutoff: bigint;
  /** From the cutoff to the commit deadline. */
  readonly commitDelay: bigint;
  /** From the commit deadline to the payment deadline. */
  readonly paymentWindow: bigint;
  /** From the payment deadline to the finality deadline. */
  readonly finalityWindow: bigint;
}

/** The configured (genesis) schedule: the first segment, as the deployment sets it. */
export interface CycleSchedule extends CyclePhases {
  readonly genesis: bigint;
}

/** One segment of the on-chain schedule (`CycleSchedule.Segment`, `ClearingHouse.scheduleSegments()`). */
export interface ScheduleSegment extends CyclePhases {
  readonly startTime: bigint;
  readonly firstCycleId: bigint;
}

/** Every timestamp of one cycle (`CycleSchedule.Deadlines`). The cycle is `[start, end)`; deadlines are inclusive. */
export interface CycleDeadlines {
  readonly start: bigint;
  readonly end: bigint;
  readonly resolutionCutoff: bigint;
  readonly commitDeadline: bigint;
  readonly paymentDeadline: bigint;
  readonly finalityDeadline: bigint;
}

/** The seeds' defaults (protocol.md §6): 24 h cycles, cutoff +6 h, commit +15 min, payment +2 h, finality +2 h. */
export const DEFAULT_CYCLE_PHASES: CyclePhases = {
  cycleLength: 86_400n,
  resolutionCutoff: 21_600n,
  commitDelay: 900n,
  paymentWindow: 7_200n,
  finalityWindow: 7_200n,
};

/** The seeds' schedule from `genesis`. */
export function defaultSchedule(genesis: bigint): CycleSchedule {
  return { genesis, ...DEFAULT_CYCLE_PHASES };
}

/** A configured schedule as the one segment the ClearingHouse starts with (cycle 0 at genesis). */
export function segmentsOf(s: CycleSchedule): ScheduleSegment[] {
  return [
    {
      startTime: s.genesis,
      firstCycleId: 0n,
      cycleLength: s.cycleLength,
      resolutionCutoff: s.resolutionCutoff,
      commitDelay: s.commitDelay,
      paymentWindow: s.paymentWindow,
      finalityWindow: s.finalityWindow,
    },
  ];
}

/**
 * The cycle that contains `t` (`ClearingHouse.cycleOf`): the last segment that started at or before `t` numbers it.
 * Undefined before genesis. Segments must be oldest first, as the contract returns them.
 */
export function cycleAt(segments: readonly ScheduleSegment[], t: bigint): bigint | undefined {
  for (let i = segments.length - 1; i >= 0; i--) {
    const s = segments[i]!;
    if (s.startTime <= t) return s.firstCycleId + (t - s.startTime) / s.cycleLength;
  }
  return undefined;
}

/** Every timestamp of cycle `cycleId` of segment `s` (`CycleSchedule.deadlines`). Requires `firstCycleId <= cycleId`. */
export function segmentDeadlines(s: ScheduleSegment, cycleId: bigint): CycleDeadlines {
  if (cycleId < s.firstCycleId) {
    throw new RangeError(`cycle ${cycleId} is before its segment's first cycle ${s.firstCycleId}`);
  }
  const start = s.startTime + (cycleId - s.firstCycleId) * s.cycleLength;
  const end = start + s.cycleLength;
  const resolutionCutoff = end + s.resolutionCutoff;
  const commitDeadline = resolutionCutoff + s.commitDelay;
  const paymentDeadline = commitDeadline + s.paymentWindow;
  return {
    start,
    end,
    resolutionCutoff,
    commitDeadline,
    paymentDeadline,
    finalityDeadline: paymentDeadline + s.finalityWindow,
  };
}

/**
 * Every timestamp of `cycleId` (`ClearingHouse.cycleDeadlines`), from the segment that holds it: the last one with
 * `firstCycleId <= cycleId` (the first segment starts at id 0, so every id has one).
 */
export function deadlinesOf(segments: readonly ScheduleSegment[], cycleId: bigint): CycleDeadlines {
  if (segments.length === 0) throw new FourMicaError("SCHEDULER_NO_SCHEDULE", "the schedule has no segment");
  let segment = segments[0]!;
  for (let i = segments.length - 1; i > 0; i--) {
    if (segments[i]!.firstCycleId <= cycleId) {
      segment = segments[i]!;
      break;
    }
  }
  return segmentDeadlines(segment, cycleId);
}
