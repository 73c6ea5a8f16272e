/**
 * The cycle schedule (protocol.md §6), one segment: cycles are numbered 0, 1, 2, ... from `genesis`.
 * All values are unix seconds.
 */
export interface CycleSchedule {
  genesis: bigint;
  cycleLength: bigint;
  /** Seconds after the cycle end until the resolution cutoff. */
  resolutionCutoff: bigint;
  /** Seconds after the cutoff until the commit deadline. */
  commitDelay: bigint;
  /** Seconds after the commit deadline until the payment deadline. */
  paymentWindow: bigint;
  /** Seconds after the payment deadline until the finality deadline. */
  finalityWindow: bigint;
}

export interface CycleTimes {
  cycleId: bigint;
  startsAt: bigint;
  endsAt: bigint;
  resolutionCutoff: bigint;
  commitDeadline: bigint;
  paymentDeadline: bigint;
  finalityDeadline: bigint;
}

/** The cycle containing `t`, or undefined before genesis. */
export function cycleOf(schedule: CycleSchedule, t: bigint): bigint | undefined {
  if (t < schedule.genesis) return undefined;
  return (t - schedule.genesis) / schedule.cycleLength;
}

/** Start, end and deadlines of cycle `cycleId`. */
export function cycleTimes(schedule: CycleSchedule, cycleId: bigint): CycleTimes {
  const startsAt = schedule.genesis + cycleId * schedule.cycleLength;
  const endsAt = startsAt + schedule.cycleLength;
  const resolutionCutoff = endsAt + schedule.resolutionCutoff;
  const commitDeadline = resolutionCutoff + schedule.commitDelay;
  const paymentDeadline = commitDeadline + schedule.paymentWindow;
  return {
    cycleId,
    startsAt,
    endsAt,
    resolutionCutoff,
    commitDeadline,
    paymentDeadline,
    finalityDeadline: paymentDeadline + schedule.finalityWindow,
  };
}

/** The protocol defaults (seeds' table): 24 h cycles, cutoff +6 h, commit +15 min, payment +2 h, finality +2 h. */
export function defaultSchedule(genesis: bigint): CycleSchedule {
  return {
    genesis,
    cycleLength: 86_400n,
    resolutionCutoff: 21_600n,
    commitDelay: 900n,
    paymentWindow: 7_200n,
    finalityWindow: 7_200n,
  };
}
