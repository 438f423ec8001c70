/**
 * A/B against another build in one process (issue 12: "measured A/B against the landed build in
 * one bench run"). Set BENCH_BASELINE to that build's dist/ directory (e.g. a copy of dist/ made
 * from main before a change). The same workloads run on both engines, repetitions taking turns,
 * and each is timed by the process's CPU time; the ratio is this build ÷ the baseline.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { execute, DEFAULT_OPTIONS } from '../harness/engine/execute.js';
import type { Target } from '../harness/core/api.js';
import { resolveFaults } from '../harness/faults/names.js';
import { makeRaftTarget } from '../targets/raft/index.js';
import { interleaveBatch } from './engines.js';
import { measureAll, si, type Batch } from './measure.js';
import type { Aim, Section, SectionOutput } from './section.js';
import { DECISION_WORKLOADS, SHORT_WORKLOAD } from './workload.js';

type Execute = typeof execute;

interface Build {
  execute: Execute;
  raft: (o: { nodes: number }) => Target;
}

async function load(dir: string): Promise<Build> {
  // The composition moved from core/ to engine/ in issue 12: a build from before has it in core/.
  const engine = ['harness/engine/execute.js', 'harness/core/execute.js'].map((p) => join(dir, p)).find((p) => existsSync(p));
  if (engine === undefined) throw new Error(`BENCH_BASELINE=${dir}: no harness/engine/execute.js or harness/core/execute.js in it`);
  const exec = (await import(pathToFileURL(engine).href)) as { execute: Execute };
  const raft = (await import(pathToFileURL(join(dir, 'targets/raft/index.js')).href)) as { makeRaftTarget: Build['raft'] };
  return { execute: exec.execute, raft: raft.makeRaftTarget };
}

const RAFT_VIRTUAL_MS = 10_000;

/** One 5-node Raft run (`correct`, 10 virtual s, every fault) per batch; its steps count as decisions. */
function raftBatch(b: Build, nodes: number): () => Promise<Batch> {
  const target = b.raft({ nodes });
  // As a campaign's worker runs a seed (a build before issue 12's third pass ignores the flag).
  const options = { ...DEFAULT_OPTIONS, durationMs: RAFT_VIRTUAL_MS, maxSteps: 1_000_000, faults: resolveFaults(['all']), dropPassingDetail: true };
  let seed = 0;
  return async () => {
    const r = await b.execute({ target, variant: 'correct', seed: `bench-${seed++}`, strategy: { name: 'random' }, options });
    return { runs: 1, decisions: r.steps };
  };
}

const pad = (s: string, n: number): string => s.padEnd(n);

/**
 * In a fresh process: after the other sections this build's engine code has run every workload
 * (its inline caches are polymorphic) while the baseline's is new, which biased a same-process
 * A/B against this build by up to 2× on the short runs.
 */
async function run(): Promise<SectionOutput> {
  const dir = process.env['BENCH_BASELINE'];
  if (dir === undefined || dir === '') {
    return { lines: ['(skipped: set BENCH_BASELINE to another build\'s dist/ directory to compare with it)'], aims: [] };
  }
  const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url)], {
    env: { ...process.env, INTERLEAVE_AB_CHILD: '1' },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (child.status !== 0) throw new Error(`A/B child exited with ${child.status ?? child.signal}`);
  return JSON.parse(child.stdout) as SectionOutput;
}

async function compare(dir: string): Promise<SectionOutput> {
  const base = await load(resolve(dir));
  const here: Build = { execute, raft: makeRaftTarget };
  const lines = [`baseline: ${resolve(dir)}`, '', `${pad('workload', 11)} ${pad('figure', 12)} ${'this build'.padStart(11)} ${'baseline'.padStart(11)} ${'÷ baseline'.padStart(11)}`];
  const aims: Aim[] = [];
  type Row = [string, 'decisionsPerSec' | 'runsPerSec', (b: Build) => () => Promise<Batch>];
  const rows: Row[] = [
    ...DECISION_WORKLOADS.map((w): Row => [w.name, 'decisionsPerSec', (b) => interleaveBatch(w, 1, b.execute)]),
    [SHORT_WORKLOAD.name, 'runsPerSec', (b) => interleaveBatch(SHORT_WORKLOAD, 100, b.execute)],
    ['raft 5', 'runsPerSec', (b) => raftBatch(b, 5)],
  ];
  // BENCH_AB_ONLY=<regex> keeps the rows whose name matches (a quick check of one change).
  const only = process.env['BENCH_AB_ONLY'];
  const pick = only === undefined || only === '' ? null : new RegExp(only);
  for (const [name, key, make] of rows) {
    if (pick !== null && !pick.test(name)) continue;
    // CPU time, not wall time: this machine kind is shared, and an A/A run by wall time swung
    // 0.3–1.5×. Raft runs take tens of ms: longer repetitions so each holds several.
    const o = name.startsWith('raft') ? { warmMs: 600, repMs: 1_000, reps: 7, cpu: true } : { warmMs: 300, repMs: 200, reps: 9, cpu: true };
    const [a, b] = await measureAll([make(here), make(base)], o);
    const r = a![key] / b![key];
    const what = key === 'decisionsPerSec' ? 'decisions/s' : 'runs/s';
    lines.push(`${pad(name, 11)} ${pad(what, 12)} ${si(a![key]).padStart(11)} ${si(b![key]).padStart(11)} ${(r.toFixed(2) + '×').padStart(11)}`);
    if (name === 'raft 5') aims.push({ label: '5-node Raft with --faults all, whole run ≥ 2× the baseline build (A/B)', met: r >= 2, detail: `${r.toFixed(2)}×` });
  }
  return { lines, aims };
}

if (process.env['INTERLEAVE_AB_CHILD'] === '1' && process.argv[1] === fileURLToPath(import.meta.url)) {
  process.stdout.write(JSON.stringify(await compare(process.env['BENCH_BASELINE']!)));
}

export const section: Section = {
  title: 'A/B: this build against BENCH_BASELINE (same workloads, one fresh process, turns taken, CPU time)',
  run,
};
