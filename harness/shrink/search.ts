import { Rng } from '../core/rng.js';
import type { Decision } from '../strategies/replay.js';
import type { Candidate, Runner } from './runner.js';
import { acceptEach } from './passes.js';

/** Deviations from the default schedule the bounded search tries at most. */
const SEARCH_LEVELS = 2;

/** One deviation: at decision `at`, take `alt` (the earlier decisions are the parent run's own). */
interface Deviation {
  at: number;
  alt: string;
}

/**
 * Local edits can stall at a few preemptions more than needed (removing any one of them loses
 * the bug; the smaller schedule interleaves differently). So, as CHESS does with iterative
 * preemption bounding, search outright: schedules that follow the run `from` (the best run, or
 * with an empty list the default schedule) except at up to 2 decisions, each taking another
 * option it offered. A schedule with one deviation at decision i is that run's first i decisions
 * plus the other option; the lenient replay's defaults (run the current task on) do the rest. The frontier keeps
 * only the deviations (a parent is run again to expand it), so memory does not grow with it.
 */
export async function boundedSearch(r: Runner, from: readonly Decision[]): Promise<boolean> {
  const start = r.best;
  if (r.exhausted()) return false;
  const root = await r.run(from, true, r.capBelow(r.cur.metrics));
  r.consider(root);
  const level1: Deviation[] = [];
  await expand(r, root, 0, (d) => level1.push(d));
  for (let k = 0; k < level1.length && SEARCH_LEVELS >= 2 && !r.exhausted(); k++) {
    const d = level1[k]!;
    const parent = await r.run([...root.list.slice(0, d.at), d.alt], true, r.capBelow(r.cur.metrics));
    await expand(r, parent, d.at + 1, () => undefined);
  }
  return r.best !== start;
}

/** Tries every other option at each decision from `from` on, below the current run's length. */
async function expand(r: Runner, parent: Candidate, from: number, keep: (d: Deviation) => void): Promise<void> {
  // Each run is kept when it is smaller and the search goes on from there: after one is, the
  // rest are made again against the new current run (their step cap is its length).
  await acceptEach(r, { i: from, k: 0, alt: '' }, (at) => deviations(r, parent, at), (hit) => ({ ...hit, k: hit.k + 1 }), (d) => keep({ at: d.i, alt: d.alt }));
}

/** The deviations of `parent` from decision at.i's at.k-th option (in label order) on. */
function* deviations(r: Runner, parent: Candidate, at: { i: number; k: number; alt: string }): Generator<{ list: Decision[]; tag: { i: number; k: number; alt: string } }> {
  for (let i = at.i; i < Math.min(parent.log.length, r.cur.metrics.decisions); i++) {
    const d = parent.log[i]!;
    if (d.options === null || d.options.length < 2) continue;
    const alts = [...d.options].sort();
    for (let k = i === at.i ? at.k : 0; k < alts.length; k++) {
      if (alts[k] !== d.value) yield { list: [...parent.list.slice(0, i), alts[k]!], tag: { i, k, alt: alts[k]! } };
    }
  }
}

/** Perturbations in a row that may fail to improve the best before the iterated search stops
 * (on the bundled thread bugs, more than 8 found one better run in 25 and cost a third more). */
const FRUITLESS_KICKS = 8;

/**
 * Iterated local search: from the best run, a deterministic random kick (one or two decisions
 * changed to another option they had, the rest kept or left to the defaults) that still
 * reproduces the violation becomes the current run, and the local passes descend from there.
 * It escapes minima no single edit leaves (the pairs of switches a different interleaving
 * needs) and stops after FRUITLESS_KICKS kicks in a row without a smaller run.
 */
export async function iteratedSearch(r: Runner, seed: string, descend: (r: Runner) => Promise<void>): Promise<boolean> {
  const rng = new Rng(`shrink/${seed}`);
  const start = r.best;
  let fruitless = 0;
  while (fruitless < FRUITLESS_KICKS && !r.exhausted()) {
    const before = r.best;
    r.cur = r.best;
    const base = await r.curWithOptions();
    if (r.exhausted()) break;
    const c = await r.run(kick(base, rng), false, r.stepLimit);
    if (r.reproduces(c)) {
      r.cur = c;
      await descend(r);
    }
    fruitless = r.best === before ? fruitless + 1 : 0;
  }
  r.cur = r.best;
  return r.best !== start;
}

function kick(base: Candidate, rng: Rng): Decision[] {
  const points: number[] = [];
  for (let i = 0; i < base.log.length; i++) if ((base.log[i]!.options?.length ?? 0) >= 2) points.push(i);
  let list = base.list.slice();
  if (points.length === 0) return list;
  const edits = 1 + rng.int(2);
  for (let e = 0; e < edits; e++) {
    const i = points[rng.int(points.length)]!;
    const options = base.log[i]!.options!.filter((o) => o !== base.log[i]!.value);
    list[i] = options[rng.int(options.length)]!;
    if (rng.chance(0.5)) list = list.slice(0, i + 1);
  }
  return list;
}
