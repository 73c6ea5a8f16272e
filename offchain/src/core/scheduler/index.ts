export { planTick } from "./planTick.ts";
export { cycleAt, deadlinesOf } from "./scheduleSegments.ts";
export type { ScheduleSegment } from "./scheduleSegments.ts";
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
