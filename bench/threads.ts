import { fcAssertBatch, fcBatch, floorBatch, interleaveBatch } from './engines.js';
import { DEFAULT_MEASURE, measureAll, mib, si, type Batch, type Figures } from './measure.js';
import type { Aim, Section, SectionOutput } from './section.js';
import { DECISION_WORKLOADS, SHORT_WORKLOAD, type Workload } from './workload.js';

type Engine = 'interleave' | 'fc waitAll' | 'fc waitIdle' | 'floor';
const ENGINES: Engine[] = ['interleave', 'fc waitAll', 'fc waitIdle', 'floor'];
/** Whole runs per batch in the short workload, so sampling memory does not weigh on a 20 µs run. */
const SHORT_BATCH = 100;

function batchFor(w: Workload, e: Engine, short: boolean): () => Promise<Batch> {
  const runs = short ? SHORT_BATCH : 1;
  switch (e) {
    case 'interleave': return interleaveBatch(w, runs);
    case 'floor': return floorBatch(w, runs);
    case 'fc waitAll': return short ? fcAssertBatch(w, 'waitAll', runs) : fcBatch(w, 'waitAll');
    case 'fc waitIdle': return short ? fcAssertBatch(w, 'waitIdle', runs) : fcBatch(w, 'waitIdle');
  }
}

const pad = (s: string, n: number): string => (s.length >= n ? s : s + ' '.repeat(n - s.length));
const lpad = (s: string, n: number): string => (s.length >= n ? s : ' '.repeat(n - s.length) + s);

function row(w: string, e: string, f: Figures): string {
  return `${pad(w, 11)} ${pad(e, 12)} ${lpad(f.decisionsPerRun.toFixed(0), 7)} ${lpad(si(f.decisionsPerSec), 10)} ${lpad(si(f.runsPerSec), 9)} ${lpad(mib(f.peakHeap), 9)} ${lpad(mib(f.peakRss), 9)}`;
}

const ratio = (a: number, b: number): string => `${(a / b).toFixed(2)}×`;

/** Compares interleave with the others on one figure; adds the aims for it. */
function compare(w: string, key: 'decisionsPerSec' | 'runsPerSec', f: Record<Engine, Figures>, aims: Aim[]): string {
  const me = f.interleave[key];
  const vsFloor = me / f.floor[key];
  const vsAll = me / f['fc waitAll'][key];
  const vsIdle = me / f['fc waitIdle'][key];
  const what = key === 'decisionsPerSec' ? 'decisions/s' : 'runs/s';
  if (key === 'decisionsPerSec') {
    aims.push({ label: `${w} ${what} within 1.5× of the floor`, met: vsFloor >= 1 / 1.5, detail: `floor/interleave = ${(1 / vsFloor).toFixed(2)}×` });
    aims.push({ label: `${w} ${what} ≥ 2.5× fast-check waitAll`, met: vsAll >= 2.5, detail: ratio(me, f['fc waitAll'][key]) });
    aims.push({ label: `${w} ${what} ≥ 20× fast-check waitIdle`, met: vsIdle >= 20, detail: ratio(me, f['fc waitIdle'][key]) });
  } else {
    aims.push({ label: `${w} ${what} ≥ 3× fast-check waitAll (fc.assert)`, met: vsAll >= 3, detail: ratio(me, f['fc waitAll'][key]) });
  }
  return `${pad(w, 11)} ${pad(what, 12)} ${lpad(ratio(me, f.floor[key]), 14)} ${lpad(ratio(me, f['fc waitAll'][key]), 14)} ${lpad(ratio(me, f['fc waitIdle'][key]), 15)}`;
}

async function run(): Promise<SectionOutput> {
  const lines: string[] = [];
  const aims: Aim[] = [];
  const ratios: string[] = [];
  lines.push(`${pad('workload', 11)} ${pad('engine', 12)} ${lpad('dec/run', 7)} ${lpad('decisions/s', 10)} ${lpad('runs/s', 9)} ${lpad('peak heap', 9)} ${lpad('peak rss', 9)}`);
  const all = [...DECISION_WORKLOADS.map((w) => [w, false] as const), [SHORT_WORKLOAD, true] as const];
  for (const [w, short] of all) {
    // CPU time: this machine kind is shared with other jobs, whose load would otherwise land on
    // whichever engine was being timed (wall-time ratios swung 0.3–1.5× between identical builds).
    const figs = await measureAll(ENGINES.map((e) => batchFor(w, e, short)), { ...DEFAULT_MEASURE, reps: 7, cpu: true });
    const f = {} as Record<Engine, Figures>;
    ENGINES.forEach((e, i) => {
      f[e] = figs[i]!;
      lines.push(row(w.name, e, f[e]));
    });
    ratios.push(compare(w.name, 'decisionsPerSec', f, short ? [] : aims));
    if (short) ratios.push(compare(w.name, 'runsPerSec', f, aims));
  }
  lines.push('', `interleave ÷ other engine:`);
  lines.push(`${pad('workload', 11)} ${pad('figure', 12)} ${lpad('÷ floor', 14)} ${lpad('÷ fc waitAll', 14)} ${lpad('÷ fc waitIdle', 15)}`);
  lines.push(...ratios);
  return { lines, aims };
}

export const section: Section = {
  title: 'Threads: scheduling decisions/s and whole runs/s (interleave vs fast-check fc.scheduler() vs the bare floor)',
  run,
};
