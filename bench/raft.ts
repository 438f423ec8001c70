/**
 * The Raft benchmark (issue 3): the bundled Raft target, 5 nodes, `correct`, 10 virtual seconds
 * with every fault, a fresh seed each run. Reports seeds/s, scheduling steps/s, delivered
 * messages/s and the ratio of virtual to wall time; the aim is 1,000× real time.
 */
import { execute, DEFAULT_OPTIONS } from '../harness/engine/execute.js';
import type { Run } from '../harness/core/run.js';
import { resolveFaults } from '../harness/faults/names.js';
import { networkOf } from '../harness/net/index.js';
import { makeRaftTarget } from '../targets/raft/index.js';
import { si } from './measure.js';
import type { Section, SectionOutput } from './section.js';

const VIRTUAL_MS = 10_000;
const WARM_RUNS = 5;
const MIN_WALL_MS = 3_000;

/** This process's CPU time in ms: the machine is shared, and other jobs' load is not the engine's. */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

interface Totals {
  runs: number;
  steps: number;
  delivered: number;
  failed: number;
  wallMs: number;
}

async function oneRun(nodes: number, seed: number, into: Totals): Promise<void> {
  let engine: Run | null = null;
  const r = await execute({
    target: makeRaftTarget({ nodes }), variant: 'correct', seed: `bench-${seed}`, strategy: { name: 'random' },
    options: { ...DEFAULT_OPTIONS, durationMs: VIRTUAL_MS, maxSteps: 1_000_000, faults: resolveFaults(['all']) },
    extend: (e) => {
      engine = e;
    },
  });
  into.runs++;
  into.steps += r.steps;
  into.delivered += engine === null ? 0 : (networkOf(engine)?.stats.delivered ?? 0);
  if (r.outcome !== 'pass') into.failed++;
}

async function measureNodes(nodes: number): Promise<Totals> {
  const warm: Totals = { runs: 0, steps: 0, delivered: 0, failed: 0, wallMs: 0 };
  for (let s = 0; s < WARM_RUNS; s++) await oneRun(nodes, 1_000_000 + s, warm);
  const t: Totals = { runs: 0, steps: 0, delivered: 0, failed: 0, wallMs: 0 };
  const t0 = cpuMs();
  let seed = 0;
  do await oneRun(nodes, seed++, t);
  while (cpuMs() - t0 < MIN_WALL_MS);
  t.wallMs = cpuMs() - t0;
  return t;
}

export const section: Section = {
  title: 'Raft: bundled target, correct, 10 virtual seconds, --faults all',
  async run(): Promise<SectionOutput> {
    const lines = ['(timed by this process\'s CPU time, so the load of other jobs on the machine is left out)', 'nodes  runs   cpu/run  seeds/s  steps/run    steps/s  delivered/s   virtual/cpu  failed'];
    const aims = [];
    for (const nodes of [3, 5]) {
      const t = await measureNodes(nodes);
      const perRun = t.wallMs / t.runs;
      const ratio = VIRTUAL_MS / perRun;
      lines.push(`${String(nodes).padStart(5)} ${String(t.runs).padStart(5)} ${perRun.toFixed(1).padStart(7)}ms ${(t.runs / (t.wallMs / 1000)).toFixed(1).padStart(8)} ` +
        `${Math.round(t.steps / t.runs).toString().padStart(10)} ${si(t.steps / (t.wallMs / 1000)).padStart(10)} ` +
        `${si(t.delivered / (t.wallMs / 1000)).padStart(12)} ${(ratio.toFixed(0) + '×').padStart(13)} ${String(t.failed).padStart(7)}`);
      if (nodes === 5) {
        aims.push({ label: '5-node Raft, 10 virtual s with faults, ≥ 1,000× real time (CPU time)', met: ratio >= 1_000, detail: `${ratio.toFixed(0)}× (${perRun.toFixed(1)} ms per run)` });
      }
      aims.push({ label: `${nodes}-node Raft correct stays clean in the bench`, met: t.failed === 0, detail: `${t.failed} of ${t.runs} runs failed` });
    }
    return { lines, aims };
  },
};
