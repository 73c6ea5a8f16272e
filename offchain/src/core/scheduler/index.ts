export { planTick } from "./planTick.ts";
export { cycleAt, deadlinesOf } from "../../protocol/cycles/cycleSchedule.ts";
export type { ScheduleSegment } from "../../protocol/cycles/cycleSchedule.ts";
export { SchedulerCode, SchedulerError } from "./schedulerErrors.ts";
export { CycleStatus, TERMINAL_CYCLE_STATUSES } from "./types.ts";
export type {
  ChainCycleFacts,
  CycleView,
  PlanOptions,
  SchedulerState,
  TickAction,
  TickActionKind,
  UnresolvedDebtor,
} from "./types.ts";
