import { performance } from 'node:perf_hooks';

/** One batch of work: how many whole runs and scheduling decisions it performed. */
export interface Batch {
  runs: number;
  decisions: number;
}

export interface Figures {
  decisionsPerSec: number;
  runsPerSec: number;
  /** Peak heapUsed / rss sampled after each batch of this measurement, in bytes. */
  peakHeap: number;
  peakRss: number;
  /** Decisions of one run, to show the workload's size. */
  decisionsPerRun: number;
}

export interface MeasureOptions {
  /** Time spent warming the code up (JIT) before timing. */
  warmMs: number;
  /** Each repetition repeats the batch until at least this long has passed. */
  repMs: number;
  reps: number;
  /** Time by this process's CPU time (user + system) instead of the wall clock: on a machine
   * shared with other jobs, their load then slows neither side of an A/B. */
  cpu?: boolean;
}

export const DEFAULT_MEASURE: MeasureOptions = { warmMs: 150, repMs: 120, reps: 5 };

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

interface Timer {
  batch: () => Promise<Batch>;
  dps: number[];
  rps: number[];
  peakHeap: number;
  peakRss: number;
  perRun: number;
}

function sample(t: Timer): void {
  const m = process.memoryUsage();
  if (m.heapUsed > t.peakHeap) t.peakHeap = m.heapUsed;
  if (m.rss > t.peakRss) t.peakRss = m.rss;
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** One repetition: whole batches until repMs has passed. */
async function rep(t: Timer, repMs: number, cpu: boolean): Promise<void> {
  let runs = 0;
  let decisions = 0;
  const clock = cpu ? cpuMs : (): number => performance.now();
  const t0 = clock();
  let dt = 0;
  do {
    const b = await t.batch();
    runs += b.runs;
    decisions += b.decisions;
    sample(t);
    dt = clock() - t0;
  } while (dt < repMs);
  t.dps.push((decisions / dt) * 1000);
  t.rps.push((runs / dt) * 1000);
}

/**
 * Times several engines on one workload: each is warmed up (JIT) first, then the repetitions
 * take turns round-robin, so a burst of load from elsewhere on the machine hits every engine
 * alike and the ratios stay fair. Figures are medians over repetitions.
 */
export async function measureAll(batches: (() => Promise<Batch>)[], o: MeasureOptions = DEFAULT_MEASURE): Promise<Figures[]> {
  const timers: Timer[] = batches.map((batch) => ({ batch, dps: [], rps: [], peakHeap: 0, peakRss: 0, perRun: 0 }));
  for (const t of timers) {
    const warmEnd = performance.now() + o.warmMs;
    let runs = 0;
    let decisions = 0;
    do {
      const b = await t.batch();
      runs += b.runs;
      decisions += b.decisions;
      sample(t);
    } while (performance.now() < warmEnd);
    if (runs <= 0) throw new Error('a benchmark batch reported no runs');
    t.perRun = decisions / runs;
  }
  for (let r = 0; r < o.reps; r++) for (const t of timers) await rep(t, o.repMs, o.cpu === true);
  return timers.map((t) => ({
    decisionsPerSec: median(t.dps),
    runsPerSec: median(t.rps),
    peakHeap: t.peakHeap,
    peakRss: t.peakRss,
    decisionsPerRun: t.perRun,
  }));
}

export async function measure(batch: () => Promise<Batch>, o: MeasureOptions = DEFAULT_MEASURE): Promise<Figures> {
  return (await measureAll([batch], o))[0]!;
}

/** 1234567 → "1.23 M", 45678 → "45.7 k". */
export function si(x: number): string {
  if (x >= 1e6) return `${(x / 1e6).toFixed(2)} M`;
  if (x >= 1e3) return `${(x / 1e3).toFixed(1)} k`;
  return x.toFixed(1);
}

export function mib(bytes: number): string {
  return `${(bytes / 1048576).toFixed(0)} MiB`;
}
