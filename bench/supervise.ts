/**
 * What watching costs. Seeds now run in worker threads under a watchdog (issue 8); this section
 * measures the three prices of that, each against the unwatched path in the same process:
 * - the engine's one store per step into a shared progress word, against a private word;
 * - a small run's start-up (a worker loading the target) against an inline run;
 * - a healthy campaign's throughput at --jobs 1 in a worker, against the inline loop.
 */
import { performance } from 'node:perf_hooks';
import { interleaveBatch } from './engines.js';
import { measureAll, si } from './measure.js';
import type { Aim, Section, SectionOutput } from './section.js';
import { DECISION_WORKLOADS } from './workload.js';
import { CELL_WORDS, progressCell, shareProgress } from '../harness/core/progress.js';
import { spawnSync } from 'node:child_process';
import { explore } from '../harness/campaign/explore.js';

const CAMPAIGN_TARGET = 'bounded-buffer';
const CAMPAIGN_SEEDS = 20_000;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

/** The same batch with the progress word private, then shared: the A/B of the per-step store. */
async function stepStore(lines: string[], aims: Aim[]): Promise<void> {
  const w = DECISION_WORKLOADS[0]!;
  const own = progressCell();
  const shared = new Int32Array(new SharedArrayBuffer(CELL_WORDS * 4));
  const batch = interleaveBatch(w, 1);
  const as = (cell: Int32Array<ArrayBufferLike>) => async () => {
    shareProgress(cell);
    return batch();
  };
  const [priv, shar] = await measureAll([as(own), as(shared)]);
  shareProgress(own);
  const ratio = shar!.decisionsPerSec / priv!.decisionsPerSec;
  lines.push(`step store (${w.name}): private word ${si(priv!.decisionsPerSec)} decisions/s, shared word ${si(shar!.decisionsPerSec)} decisions/s: ${ratio.toFixed(3)}×`);
  aims.push({ label: 'the shared step counter costs under 5% of decisions/s', met: ratio >= 0.95, detail: `${ratio.toFixed(3)}×` });
}

async function startUp(lines: string[], aims: Aim[]): Promise<void> {
  const inline: number[] = [];
  const worker: number[] = [];
  for (let k = 0; k < 5; k++) {
    for (const mode of ['inline', 'worker'] as const) {
      const t0 = performance.now();
      await explore({ target: CAMPAIGN_TARGET, variant: 'correct', seeds: '1', inline: mode === 'inline' });
      (mode === 'inline' ? inline : worker).push(performance.now() - t0);
    }
  }
  const extra = median(worker) - median(inline);
  lines.push(`start-up of a one-seed run: inline ${median(inline).toFixed(0)} ms, in a worker ${median(worker).toFixed(0)} ms (+${extra.toFixed(0)} ms)`);
  aims.push({ label: 'a worker adds under 250 ms to a small run', met: extra < 250, detail: `+${extra.toFixed(0)} ms` });
}

/**
 * Runs/s of a healthy campaign, each in a fresh process as a user's `run` is: the inline loop
 * (what --jobs 1 was before the watchdog) against the watched worker at --jobs 1. Both pay
 * their own cold start (the worker's includes loading the target again), alternated three times.
 */
async function throughput(lines: string[], aims: Aim[]): Promise<void> {
  const inline: number[] = [];
  const watched: number[] = [];
  for (let k = 0; k < 3; k++) {
    inline.push(CAMPAIGN_SEEDS / (campaignMs(true) / 1000));
    watched.push(CAMPAIGN_SEEDS / (campaignMs(false) / 1000));
  }
  const ratio = median(watched) / median(inline);
  lines.push(`${CAMPAIGN_TARGET} correct, ${CAMPAIGN_SEEDS} seeds in a fresh process: inline ${si(median(inline))} runs/s, watched worker at --jobs 1 ${si(median(watched))} runs/s: ${ratio.toFixed(2)}×`);
  aims.push({ label: 'a healthy campaign at --jobs 1 keeps 90% of the unwatched throughput', met: ratio >= 0.9, detail: `${ratio.toFixed(2)}×` });
}

function campaignMs(inline: boolean): number {
  const mod = new URL('../harness/campaign/explore.js', import.meta.url).href;
  const code = `const { explore } = await import(${JSON.stringify(mod)}); const t0 = performance.now();
await explore({ target: ${JSON.stringify(CAMPAIGN_TARGET)}, variant: 'correct', seeds: '1..${CAMPAIGN_SEEDS}', inline: ${inline} });
process.stdout.write(String(performance.now() - t0));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`campaign child failed: ${r.stderr}`);
  return Number(r.stdout);
}

async function run(): Promise<SectionOutput> {
  const lines: string[] = [];
  const aims: Aim[] = [];
  await stepStore(lines, aims);
  await startUp(lines, aims);
  await throughput(lines, aims);
  return { lines, aims };
}

export const section: Section = {
  title: 'Supervision: the watchdog\'s cost (shared step counter, worker start-up, --jobs 1 throughput)',
  run,
};
