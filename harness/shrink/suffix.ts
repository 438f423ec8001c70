import type { Decision } from '../strategies/replay.js';
import type { RunSpec } from '../replay/run-decisions.js';
import type { KeyedRun } from '../replay/keyed.js';
import { sameViolation } from './faults.js';
import { keyedOf } from './jobs.js';
import type { Runner, Tagged } from './runner.js';
import type { Sought } from './sought.js';

/**
 * A shorter way to the same violation after the last fault it needs. On the Raft variants the
 * violation often comes seconds of virtual time after the last essential fault: the elections
 * and deliveries in between happen at the timeouts and latencies the seed drew, and no fault
 * removal moves them. So, as DEMi explores several internal schedules per set of external
 * events, the run keeps its prefix and its faults (each fault's yes/no and details, at their
 * keys), and everything else drawn from the last fault on (latencies, election timeouts, step
 * order where the original no longer applies) is drawn afresh, a few seeded times; the
 * shortest run that shows the same violation with no more faults wins, and the search goes
 * again from it while that helps. Every candidate is cut off at the current run's length, so a
 * longer one costs no more than the run it would replace.
 */

/** Fresh draws per round. */
export const REROLLS = 8;

/** Rounds at most (each must find a shorter run to go on). */
const ROUNDS = 6;

/** The decisions of a shorter run with the same violation and faults, or null. */
export async function shortenSuffix(r: Runner, spec: RunSpec, list: readonly Decision[], sought: Sought, actors: readonly string[]): Promise<Decision[] | null> {
  if (r.exhausted()) return null;
  const quiet = { ...spec, options: { ...spec.options, traceWindow: 0, traceAll: false } };
  let cur: KeyedRun = await r.key(quiet.options, list);
  await r.charge(cur.result.steps);
  if (cur.result.network !== true || !sameViolation(cur.result.violations[0], sought, actors)) return null;
  const seed = `${spec.target.name}/${spec.variant}/${spec.seed}/suffix`;
  let improved = false;
  for (let round = 0; round < ROUNDS && !r.exhausted(); round++) {
    const from = cur.units.reduce((t, u) => Math.max(t, u.timeMs), 0);
    const options = { ...quiet.options, maxSteps: Math.max(1, cur.result.steps - 1) };
    const jobs: Tagged<number>[] = [];
    for (let t = 1; t <= REROLLS; t++) jobs.push({ job: { type: 'keyed', from: cur, removed: new Set(), attempt: t, seed: `${seed}/${round}`, rerollFromMs: from, options }, tag: t });
    let best: KeyedRun | null = null;
    const was = cur;
    // Every reroll runs (none stops the round): the shortest wins.
    await r.sweep(jobs, (res) => {
      const run = keyedOf(res);
      if (sameViolation(run.result.violations[0], sought, actors) && run.units.length <= was.units.length && run.result.steps < (best ?? was).result.steps) best = run;
      return false;
    });
    if (best === null) break;
    cur = best;
    improved = true;
  }
  return improved ? cur.result.decisions : null;
}
