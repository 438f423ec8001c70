import { randomInt } from 'node:crypto';
import { availableParallelism } from 'node:os';
import type { Argv } from 'yargs';
import { UsageError } from '../core/errors.js';
import { parseSeeds, type SeedSeq } from '../campaign/seeds.js';
import type { ExploreOptions } from '../campaign/resolve.js';
import { RealDate, realPerformanceNow } from '../core/real.js';

/** Exit codes: 0 no violation, 1 violations found (or an unexpected outcome), 2 bad input,
 * 3 internal error, 4 `replay --schedule` did not reproduce the recorded run; 130/143 signals. */
export const EXIT = { ok: 0, violations: 1, usage: 2, internal: 3, differs: 4 } as const;

export interface RunFlags {
  variant?: string;
  seeds?: string;
  seed?: string;
  duration?: number;
  'max-steps'?: number;
  faults?: string[];
  'fault-rate'?: string[];
  ignore?: string[];
  strategy?: string;
  depth?: number;
  k?: number;
  swarm?: boolean;
  'fault-window'?: number;
  'liveness-ms'?: number;
  'event-latency-ms'?: number;
  net?: string[];
  'check-determinism'?: boolean;
  'fixed-weather'?: boolean;
  weather?: string;
  workload?: string[];
  'max-tasks'?: number;
  'stall-ms'?: number;
  'max-heap-mb'?: number;
  'guide-dir'?: string;
  'report-dir': string;
}

/** The flags every executing command shares, as explore()/replay() options. */
export function exploreFlags(a: RunFlags): Omit<ExploreOptions, 'target' | 'seeds' | 'variant'> {
  const params: Record<string, number> = {};
  if (a.depth !== undefined) params['depth'] = a.depth;
  if (a.k !== undefined) params['k'] = a.k;
  if (Object.keys(params).length > 0 && a.strategy !== 'pct' && a.strategy !== 'pctcp') throw new UsageError('--depth and --k belong to --strategy pct or pctcp');
  return {
    ...(a.strategy !== undefined ? { strategy: { name: a.strategy, params } } : {}),
    faults: a.faults,
    faultRates: a['fault-rate'],
    durationMs: a.duration,
    maxSteps: a['max-steps'],
    ignore: a.ignore,
    swarm: a.swarm,
    faultWindowMs: a['fault-window'],
    livenessMs: a['liveness-ms'],
    eventLatencyMs: a['event-latency-ms'],
    net: parseNet(a.net ?? []),
    checkDeterminism: a['check-determinism'],
    fixedWeather: a['fixed-weather'],
    weather: a.weather,
    workload: parseWorkload(a.workload ?? []),
    maxTasks: a['max-tasks'],
    stallMs: a['stall-ms'],
    maxHeapMb: a['max-heap-mb'],
    ...(a['guide-dir'] !== undefined ? { guideDir: a['guide-dir'] } : {}),
    onNote: (line) => process.stderr.write(`${process.stderr.isTTY === true ? '\r\x1b[K' : ''}interleave: ${line}\n`),
  };
}

function parseWorkload(items: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const it of items.flatMap((x) => x.split(','))) {
    const m = /^([A-Za-z][A-Za-z0-9_]*)=(-?[0-9]*\.?[0-9]+)$/.exec(it.trim());
    if (!m) throw new UsageError(`malformed --workload '${it}': expected knob=number, e.g. proposeEveryMs=50`);
    out[m[1]!] = Number(m[2]);
  }
  return out;
}

function parseNet(items: readonly string[]): Record<string, number | boolean | string> {
  const out: Record<string, number | boolean | string> = {};
  for (const it of items.flatMap((x) => x.split(','))) {
    const m = /^([A-Za-z]+)=(true|false|[0-9]*\.?[0-9]+|[a-z][a-z-]*)$/.exec(it.trim());
    if (!m) throw new UsageError(`malformed --net '${it}': expected knob=value, e.g. pauseMsMax=400 or partitionStyle=ring`);
    const v = m[2]!;
    out[m[1]!] = v === 'true' ? true : v === 'false' ? false : /^[0-9.]/.test(v) ? Number(v) : v;
  }
  return out;
}

/** Options shared by every command that executes a target. */
export function runOptions<T>(y: Argv<T>) {
  return y
    .option('variant', { type: 'string', describe: 'variant(s) to run, comma-separated (default: all of the target\'s variants)' })
    .option('strategy', { type: 'string', describe: 'exploration strategy (default: a portfolio of random, pct and pctcp, picked per seed, for a network target; random for a thread target; guided: mutate runs that reached new abstract states)' })
    .option('guide-dir', { type: 'string', describe: 'guided: keep the corpus here between runs, one file per target and options (delete it to start afresh)' })
    .option('duration', { type: 'number', describe: 'virtual duration of each run, ms (default 60000)' })
    .option('max-steps', { type: 'number', describe: 'total step budget; running out is a budget-exceeded violation (default 1000000; 100000 steps without virtual time moving is one too)' })
    .option('faults', { type: 'string', array: true, describe: 'faults to inject: names or all (comma-separated)' })
    .option('fault-rate', { type: 'string', array: true, describe: 'tune a fault: name=p' })
    .option('ignore', { type: 'string', array: true, describe: 'violation kinds not to report' })
    .option('depth', { type: 'number', describe: 'pct, pctcp: bug depth d (d-1 priority change points)' })
    .option('k', { type: 'number', describe: 'pct: step bound k; pctcp: message bound k (default: fitted to the target by a 3-seed pilot)' })
    .option('swarm', { type: 'boolean', describe: 'each seed draws which of --faults are on, and their rates' })
    .option('fault-window', { type: 'number', describe: 'network: faults stop at this virtual ms; a quiet period follows (default: drawn per seed; 5000 under --fixed-weather)' })
    .option('liveness-ms', { type: 'number', describe: 'network: a leader must commit within this long into the quiet period (default 3000; 0 = off)' })
    .option('event-latency-ms', { type: 'number', describe: 'network: a leadership event may stay unread this long (default 500)' })
    .option('net', { type: 'string', array: true, describe: 'network fault knob: name=value (e.g. pauseMsMax=400)' })
    .option('check-determinism', { type: 'boolean', describe: 'run each seed twice and report the first divergence' })
    .option('fixed-weather', { type: 'boolean', describe: 'no per-seed weather: --faults at their rates, --net and workload defaults as given' })
    .option('weather', { type: 'string', describe: 'run every seed under the weather in this failure, schedule or weather file' })
    .option('workload', { type: 'string', array: true, describe: 'pin a workload knob the target declares: name=value' })
    .option('max-tasks', { type: 'number', describe: 'tasks one run may spawn; more is a task-limit violation (default 100000)' })
    .option('stall-ms', { type: 'number', describe: 'wall ms one step may run before its seed is suspected; stopped at 4x as a stalled violation (default 1000)' })
    .option('max-heap-mb', { type: 'number', describe: 'heap per worker thread, MB; a seed past it alone is an out-of-memory violation (default 1024)' });
}

/** Draws the stream of `random:N`: the one place real entropy enters; it is printed and journaled,
 * and `random:N@stream` draws the same seeds again. */
export function freshStream(): number {
  return randomInt(0, 2 ** 47); // allowed: random:N is meant to explore new ground on every CI run; the stream is printed for replay.
}

/** `resuming`: random:N draws no stream (the session takes the journal's: Session.seedsFor). */
export function seedsFromFlags(f: { seeds?: string | undefined; seed?: string | undefined }, fallback: string, resuming = false): { spec: string; seeds: SeedSeq } {
  if (f.seeds !== undefined && f.seed !== undefined) throw new UsageError('give --seeds or --seed, not both');
  const spec = f.seed !== undefined ? String(f.seed) : f.seeds !== undefined ? String(f.seeds) : fallback;
  if (f.seed !== undefined && (spec.includes('..') || spec.includes(','))) {
    throw new UsageError(`--seed takes one seed; use --seeds for ${spec}`);
  }
  // A lone word given to --seeds is far more often a typo than a wish to run one string seed.
  if (f.seeds !== undefined && !/^\d+\s*[-–:_]\s*\d+$/.test(spec.trim()) && !/^-\d/.test(spec.trim()) && !spec.includes('..') && !spec.includes(',') && !spec.trim().startsWith('random:')) {
    const hint = /^\d+$/.test(spec.trim()) ? `for seeds 1..${spec.trim()} write --seeds 1..${spec.trim()}; for that one seed use --seed ${spec.trim()}` : 'for one string seed use --seed';
    throw new UsageError(`malformed seed list '${spec}': expected A..B, a,b,c, random:N or random:N@S (${hint})`);
  }
  return { spec, seeds: parseSeeds(spec, resuming ? () => 0 : freshStream) };
}

/**
 * `--jobs` past the machine's cores only adds threads that fight for them (1,000 workers on two
 * cores took 583 MB and ran 80× slower): cap it, and say so. Results do not depend on it.
 */
export function capJobs(jobs: number | undefined): number | undefined {
  if (jobs === undefined || !Number.isInteger(jobs) || jobs < 1) return jobs;
  return Math.min(jobs, availableParallelism());
}

/** The one-line note for a capped --jobs: printed once the input has been checked, so a usage
 * error stays the only line on stderr. */
export function noteCap(asked: number | undefined, got: number | undefined): void {
  if (asked === undefined || got === undefined || asked === got) return;
  process.stderr.write(`interleave: --jobs ${asked} capped at ${got}, the cores of this machine (results do not depend on --jobs)\n`);
}

/** One line, no stack: what a user who typed something wrong needs. */
export function fail(message: string): never {
  process.stderr.write(`interleave: ${oneLine(message)}\n`);
  process.exit(EXIT.usage);
}

/** An argument echoed in a message may hold line breaks or control characters: shown escaped. */
export function oneLine(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f]/g, (c) => (c === '\n' ? '\\n' : c === '\r' ? '\\r' : c === '\t' ? '\\t' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
}

/**
 * A progress bar on stderr when it is a terminal: seeds done, seeds/s, violations so far and the
 * time left. Nothing at all otherwise, so CI logs stay clean. Redrawn at most ten times a second.
 */
export class Progress {
  private readonly tty = process.stderr.isTTY === true;
  private readonly t0 = realPerformanceNow(); // allowed: wall time for a summary figure, never a run's
  private lastDraw = -Infinity;
  private shown = false;

  /** `done` of `total` runs, `failing` of them with a violation; `label` says what runs now. */
  update(done: number, total: number, failing: number, label = ''): void {
    if (!this.tty) return;
    const now = realPerformanceNow(); // allowed: wall time for a summary figure, never a run's
    if (now - this.lastDraw < 100 && done < total) return;
    this.lastDraw = now;
    const secs = (now - this.t0) / 1000;
    const rate = secs > 0 ? done / secs : 0;
    const left = rate > 0 && total > done ? (total - done) / rate : 0;
    const width = 24;
    const fill = total > 0 ? Math.min(width, Math.round((done / total) * width)) : 0;
    const bar = `[${'#'.repeat(fill)}${'.'.repeat(width - fill)}]`;
    const cols = process.stderr.columns ?? 100;
    const line = `${bar} ${done}/${total}  ${rate.toFixed(0)} seeds/s  violations ${failing}  ETA ${clock(left)}${label ? `  ${label}` : ''}`;
    process.stderr.write(`\r\x1b[K${line.slice(0, Math.max(20, cols - 1))}`);
    this.shown = true;
  }

  /** An open or timed run: seeds done, seeds/s, violations, and the time left when it is timed. */
  budget(done: number, failing: number, leftMs: number | undefined, label = ''): void {
    if (!this.tty) return;
    const now = realPerformanceNow(); // allowed: wall time for a summary figure, never a run's
    if (now - this.lastDraw < 100) return;
    this.lastDraw = now;
    const secs = (now - this.t0) / 1000;
    const rate = secs > 0 ? done / secs : 0;
    const cols = process.stderr.columns ?? 100;
    const left = leftMs === undefined ? '' : `  time left ${clock(Math.max(0, leftMs / 1000))}`;
    const line = `${done} runs  ${rate.toFixed(0)} seeds/s  violations ${failing}${left}${label ? `  ${label}` : ''}`;
    process.stderr.write(`\r\x1b[K${line.slice(0, Math.max(20, cols - 1))}`);
    this.shown = true;
  }

  done(): void {
    if (this.tty && this.shown) process.stderr.write('\r\x1b[K');
    this.shown = false;
  }
}

function clock(secs: number): string {
  const s = Math.round(secs);
  return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m` : `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

export function stamp(): string {
  return new RealDate().toISOString().replace(/[:]/g, '').replace(/\..*$/, 'Z'); // allowed: real clock names the report directory only
}
