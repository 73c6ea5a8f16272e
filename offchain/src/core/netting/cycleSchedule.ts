import { NettingInputError } from "./errors.ts";

/** One schedule segment of the ClearingHouse (seconds), as `CycleSchedule.Segment` holds it on-chain. */
export type CycleScheduleParams = {
  readonly genesis: bigint;
  readonly firstCycleId?: bigint;
  readonly cycleLength: bigint;
  readonly resolutionCutoff: bigint;
  readonly commitDelay: bigint;
  readonly paymentWindow: bigint;
  readonly finalityWindow: bigint;
};

/** The seeds' defaults (docs/protocol.md §6): 24 h cycles, cutoff +6 h, commit +15 min, pay +2 h, final +2 h. */
export const DEFAULT_CYCLE_PHASES = {
  cycleLength: 86_400n,
  resolutionCutoff: 21_600n,
  commitDelay: 900n,
  paymentWindow: 7_200n,
  finalityWindow: 7_200n,
} as const;

/** Every timestamp of a cycle. The cycle is `[start, end)`; deadlines are inclusive. */
export type CycleDeadlines = {
  readonly start: bigint;
  readonly end: bigint;
  readonly resolutionCutoff: bigint;
  readonly commitDeadline: bigint;
  readonly paymentDeadline: bigint;
  readonly finalityDeadline: bigint;
};

/** The cycle containing timestamp `t` in a single-segment schedule (`CycleSchedule.cycleOf`). */
export function cycleOfTimestamp(t: bigint, s: CycleScheduleParams): bigint {
  if (t < s.genesis) throw new NettingInputError(`timestamp ${t} is before genesis ${s.genesis}`);
  return (s.firstCycleId ?? 0n) + (t - s.genesis) / s.cycleLength;
}

/** The timestamps of `cycleId` in a single-segment schedule (`CycleSchedule.deadlines`). */
export function cycleDeadlines(cycleId: bigint, s: CycleScheduleParams): CycleDeadlines {
  const first = s.firstCycleId ?? 0n;
  if (cycleId < first) throw new NettingInputError(`cycle ${cycleId} is before the segment's first cycle ${first}`);
  const start = s.genesis + (cycleId - first) * s.cycleLength;
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
