import type { WorkloadKnob } from '../core/api.js';
import type { RunOptions } from '../engine/options.js';
import type { RunSpec } from '../replay/run-decisions.js';
import type { KeyedRun } from '../replay/keyed.js';
import { FAULT_PHASE_STEPS, TRIES_PER_SUBSET, sameViolation } from './faults.js';
import { keyedOf } from './jobs.js';
import type { Runner, Tagged } from './runner.js';
import type { Sought } from './sought.js';

/**
 * A lighter client workload, as DEMi drops client requests as external events (Scott et al.,
 * NSDI 2016): on the Raft variants most steps are the client's proposals and the appends,
 * acknowledgements and applies they cause (a seed drawing `proposeEveryMs` 10, pipelined, one
 * entry per append, runs 3,800 steps a virtual second), so a run whose bug needs no such load
 * keeps most of its steps whatever faults go. Each knob the target declares with an `intense`
 * end is moved toward the other end, the calm one: straight there, else by bisection. A value
 * counts when any of the fault phase's tries (keyed-replay.ts) shows the same violation in
 * fewer steps with no more faults. The shrunk schedule then replays under the lighter workload,
 * which its file records with its options.
 */

/** Bisection steps per knob after the calm end itself failed. */
const BISECTIONS = 2;

export interface WorkloadPhase {
  spec: RunSpec;
  /** The decisions of the lighter run (they replay strictly under `spec`). */
  list: (string | number)[];
}

/** A workload knob the shrinker moved: `proposeEveryMs 10 → 500`. */
export interface WorkloadChange {
  knob: string;
  from: number;
  to: number;
}

export function changes(before: RunOptions, after: RunOptions): WorkloadChange[] {
  const a = before.workload ?? {};
  const b = after.workload ?? {};
  return Object.keys(b).sort().filter((k) => a[k] !== b[k]).map((k) => ({ knob: k, from: a[k]!, to: b[k]! }));
}

export function describeChange(c: WorkloadChange): string {
  return `${c.knob} ${c.from} → ${c.to}`;
}

/** The RunOptions with one workload knob set, the weather's copy of the workload included. */
export function withKnob(o: RunOptions, name: string, value: number): RunOptions {
  const workload = { ...(o.workload ?? {}), [name]: value };
  return { ...o, workload, ...(o.weather !== undefined ? { weather: { ...o.weather, workload: { ...o.weather.workload, [name]: value } } } : {}) };
}

/** The end of a knob's range that loads the system least. */
function calmOf(k: WorkloadKnob): number {
  return k.intense === 'min' ? k.max : k.min;
}

function knobValue(k: WorkloadKnob, x: number): number {
  return k.integer === false ? x : Math.round(x);
}

function midpoint(k: WorkloadKnob, a: number, b: number): number {
  return knobValue(k, k.log === true && a > 0 && b > 0 ? Math.sqrt(a * b) : (a + b) / 2);
}

/**
 * Lightens the workload of a network run, knob by knob in name order (deterministic). Null when
 * the run has no network, the target declares no knob with a calm end, or none could move.
 */
export async function lightenWorkload(r: Runner, spec: RunSpec, list: readonly (string | number)[], sought: Sought): Promise<WorkloadPhase | null> {
  const decl = spec.target.workload ?? {};
  const names = Object.keys(decl).filter((n) => decl[n]!.intense !== undefined).sort();
  if (names.length === 0 || r.exhausted()) return null;
  let cur = await r.key(quiet(spec).options, list);
  await r.charge(cur.result.steps);
  if (cur.result.network !== true) return null;
  const actors = cur.result.violations[0]?.actors ?? [];
  let curSpec = spec;
  let moved = false;
  const seed = `${spec.target.name}/${spec.variant}/${spec.seed}`;
  const cap = FAULT_PHASE_STEPS * r.before.steps;
  const attempt = async (name: string, value: number): Promise<boolean> => {
    const options = withKnob(curSpec.options, name, value);
    const next = await tryOptions(r, { ...curSpec, options }, cur, sought, actors, seed, cap);
    if (next === null) return false;
    cur = next;
    curSpec = { ...curSpec, options };
    moved = true;
    return true;
  };
  // All knobs calm at once first: most bugs need none of the load, and it costs one subset.
  const calmAll = names.filter((n) => (curSpec.options.workload?.[n] ?? decl[n]!.default) !== calmOf(decl[n]!));
  if (calmAll.length > 1) {
    const options = calmAll.reduce((o, n) => withKnob(o, n, calmOf(decl[n]!)), curSpec.options);
    const next = await tryOptions(r, { ...curSpec, options }, cur, sought, actors, seed, cap);
    if (next !== null) return { spec: { ...curSpec, options }, list: next.result.decisions };
  }
  for (const name of names) {
    const k = decl[name]!;
    const calm = calmOf(k);
    const now = curSpec.options.workload?.[name] ?? k.default;
    if (now === calm || r.exhausted()) continue;
    if (await attempt(name, calm)) continue;
    let good = now;
    let bad = calm;
    for (let b = 0; b < BISECTIONS && !r.exhausted(); b++) {
      const m = midpoint(k, good, bad);
      if (m === good || m === bad) break;
      if (await attempt(name, m)) good = m;
      else bad = m;
    }
  }
  return moved ? { spec: curSpec, list: cur.result.decisions } : null;
}

/** Candidate runs keep no trace: the search reads only the outcome and the keyed draws. */
function quiet(spec: RunSpec): RunSpec {
  return { ...spec, options: { ...spec.options, traceWindow: 0, traceAll: false } };
}

/** The first try under `spec` that shows the same violation in fewer steps, with no more faults. */
async function tryOptions(r: Runner, spec: RunSpec, from: KeyedRun, sought: Sought, actors: readonly string[], seed: string, cap: number): Promise<KeyedRun | null> {
  const limit = Math.max(1, Math.min(spec.options.maxSteps, cap, from.result.steps - 1));
  const options = quiet({ ...spec, options: { ...spec.options, maxSteps: limit } }).options;
  const jobs: Tagged<number>[] = [];
  for (let t = 0; t < TRIES_PER_SUBSET; t++) jobs.push({ job: { type: 'keyed', from, removed: new Set(), attempt: t, seed: `${seed}/workload`, rerollFromMs: null, options }, tag: t });
  let found: KeyedRun | null = null;
  await r.sweep(jobs, (res) => {
    const run = keyedOf(res);
    if (!sameViolation(run.result.violations[0], sought, actors) || run.result.steps >= from.result.steps || run.units.length > from.units.length) return false;
    found = run;
    return true;
  });
  return found;
}
