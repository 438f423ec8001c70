// One seed as a campaign runs it, with the second run that checks it is deterministic.
import { execute, type RunResult } from '../engine/execute.js';
import type { StrategySpec } from '../strategies/index.js';
import { checkDeterminism } from './determinism.js';
import { runGuided } from './guided-run.js';
import { seedOptions, strategyFor, type Resolved, type SeedExtra } from './resolve.js';

/** One seed as a campaign runs it: its weather drawn first, and a second run to compare when asked. */
export function runSeed(r: Resolved, variant: string, seed: string, extra?: SeedExtra): Promise<RunResult> {
  if (r.guide !== undefined) return runGuided(r, r.guide, variant, seed, extra);
  return runWith(r, variant, seed, strategyFor(r, variant, seed), extra);
}

async function runWith(r: Resolved, variant: string, seed: string, strategy: Required<StrategySpec>, extra?: SeedExtra): Promise<RunResult> {
  let options = seedOptions(r, variant, seed);
  if (extra !== undefined) {
    options = { ...options, traceAll: options.traceAll || extra.traceAll === true };
    if (extra.stopAtStep !== undefined && extra.stopAtStep > 0) options = { ...options, stopAtStep: extra.stopAtStep, stalledMs: extra.stalledMs ?? 0 };
    // A second run for the determinism check may turn the first into a failure: keep its detail.
    if (extra.dropPassingDetail === true && !r.checkDeterminism) options = { ...options, dropPassingDetail: true };
  }
  const input = { target: r.target, variant, seed, strategy, options };
  const res = await execute(input);
  if (!r.checkDeterminism) return res;
  const again = await execute(input);
  if (again.decisionHash === res.decisionHash) return res;
  const report = await checkDeterminism(input);
  const message = report.deterministic
    ? `two runs of seed ${seed} gave decision hashes ${res.decisionHash} and ${again.decisionHash}`
    : `${report.message}: the target reads something outside the simulation (a real clock, an unseeded random source, module-level state)`;
  res.violations.unshift({
    kind: 'nondeterminism', step: report.deterministic ? 0 : report.step, timeMs: 0, actors: [], message,
    details: report.deterministic ? {} : { decision: report.decision, first: report.first, second: report.second },
  });
  res.outcome = 'violation';
  return res;
}

/** `pass` or `violation:<kind>` (the first violation's kind): how seeds/ entries state outcomes. */
export function outcomeOf(res: RunResult): string {
  return res.violations.length === 0 ? 'pass' : `violation:${res.violations[0]!.kind}`;
}
