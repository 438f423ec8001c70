export { DECISIONS_PER_STEP, ENCODING_VERSION, MAX_DECISIONS, decisionLimit, decodeDecisions, encodeDecisions } from './encoding.js';
export {
  SCHEDULE_FORMAT, formatSchedule, makeSchedule, parseSchedule, readScheduleFile, scheduleDecisions,
  scheduleOptions, scheduleRunOptions, validateSchedule, writeScheduleFile,
  type MakeScheduleInput, type ScheduleFile, type ScheduleOptions,
} from './schedule-file.js';
export { replaySchedule, type ReplayScheduleOptions, type ScheduleReplay } from './replay-file.js';
export { outcomeOf, runDecisions, violationKind, type ReplayedRun, type RunSpec } from './run-decisions.js';
