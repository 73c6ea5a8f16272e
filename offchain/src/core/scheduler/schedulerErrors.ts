import { FourMicaError } from "../../protocol/errors.ts";

/** Stable codes of the cycle scheduler. */
export const SchedulerCode = {
  /** The ClearingHouse returned no schedule segment. */
  NO_SCHEDULE: "SCHEDULER_NO_SCHEDULE",
  /** Net positions did not match the gross flows they were computed from: a bug, never input. */
  POSITIONS_MISMATCH: "SCHEDULER_POSITIONS_MISMATCH",
  /** A cycle is in a state the step cannot act on (a concurrent writer, or a manual edit). */
  UNEXPECTED_CYCLE_STATE: "SCHEDULER_UNEXPECTED_CYCLE_STATE",
  /** A transaction was mined but reverted. */
  TX_REVERTED: "SCHEDULER_TX_REVERTED",
  /** Some (cycle, asset) steps of a tick failed; the others completed. The next tick resumes them. */
  TICK_FAILED: "SCHEDULER_TICK_FAILED",
  /** No cycle row for the (cycle, asset) asked for. */
  CYCLE_NOT_FOUND: "CYCLE_NOT_FOUND",
  /** The (cycle, asset) has no published batch (not netted yet, empty, or missed). */
  BATCH_NOT_FOUND: "BATCH_NOT_FOUND",
  /** The participant has no position in the (cycle, asset). */
  POSITION_NOT_FOUND: "POSITION_NOT_FOUND",
} as const;
export type SchedulerCode = (typeof SchedulerCode)[keyof typeof SchedulerCode];

/** A scheduler failure. A tick that throws one has changed only what its completed steps committed. */
export class SchedulerError extends FourMicaError {
  constructor(code: SchedulerCode, message: string, details?: Record<string, unknown>, cause?: unknown) {
    super(code, message, { details, cause });
    this.name = "SchedulerError";
  }
}
