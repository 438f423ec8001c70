export { shrink, type ShrinkInput, type ShrinkResult, type ShrinkWorkers } from './shrink.js';
export { cost, metricsOf, smaller, type ShrinkMetrics } from './metrics.js';
export type { ShrinkBudget } from './runner.js';
export { parseShrinkBudget } from './budget.js';
export { describeFault, type EssentialFault } from './faults.js';
export { describeChange, type WorkloadChange } from './workload.js';
export { parseShrinkSame, SHRINK_SAME, type ShrinkSame } from './sought.js';
