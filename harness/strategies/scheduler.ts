// The seam is defined beside the engine that calls it (core/ imports nothing above it); this
// path keeps working for strategies and users.
export { ReplayDivergence, type Choice, type DrawStream, type StepContext, type Scheduler, type MessageSend, type SchedulerFactory } from '../core/scheduler.js';
