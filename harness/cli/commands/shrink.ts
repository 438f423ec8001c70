import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { ArgumentsCamelCase } from 'yargs';
import { replay } from '../../campaign/replay-seed.js';
import { resolveExplore, seedList, seedOptions, type Resolved } from '../../campaign/resolve.js';
import { MACHINE_KINDS } from '../../core/violation.js';
import { signatureOf } from '../../core/signature.js';
import { makeSchedule, scheduleRunOptions, writeScheduleFile, type ScheduleFile } from '../../replay/index.js';
import { describeChange, describeFault, parseShrinkBudget, parseShrinkSame, shrink, type ShrinkBudget, type ShrinkResult, type ShrinkSame, type ShrinkWorkers } from '../../shrink/index.js';
import { UsageError } from '../../core/errors.js';
import { ensureWritableDir } from '../../io/dirs.js';
import { EXIT, capJobs, exploreFlags, noteCap, type RunFlags } from '../common.js';
import { Interrupt } from '../signals.js';
import { DEFAULT_OPTIONS, type RunResult } from '../../engine/execute.js';
import { replaySchedule } from '../../replay/index.js';
import { htmlForRun } from '../../report/html/index.js';
import { writeFileAtomic } from '../../io/atomic.js';

export interface ShrinkArgs extends RunFlags {
  target: string;
  out?: string;
  html?: string;
  'shrink-budget'?: string;
  'shrink-same'?: string;
  jobs?: number;
}

export interface Shrunk {
  shrink: ShrinkResult;
  schedule: ScheduleFile;
  file: string;
}

/** Shrinks one failing run and writes its schedule file; the caller has checked it failed. */
export async function shrinkFailure(r: Resolved, res: RunResult, file: string, shouldStop?: () => boolean, budget: ShrinkBudget & ShrinkWorkers & { same?: ShrinkSame } = {}): Promise<Shrunk> {
  const kind = res.violations[0]!.kind;
  // A guided run ran under its parent's (perhaps mutated) weather: its schedule holds the options.
  const options = res.schedule !== undefined ? scheduleRunOptions(res.schedule) : seedOptions(r, res.variant, res.seed);
  const s = await shrink({
    target: r.target, variant: res.variant, seed: res.seed, strategy: res.schedule?.strategy ?? res.strategy, options,
    decisions: res.decisions, kind, ...budget, ...(shouldStop !== undefined ? { shouldStop } : {}),
  });
  const schedule = makeSchedule({ targetRef: r.targetRef, result: s.result, options: s.options, note: shrinkNote(res.seed, s) });
  ensureWritableDir(dirname(resolve(file)));
  writeScheduleFile(file, schedule);
  return { shrink: s, schedule, file };
}

export function shrinkLine(s: ShrinkResult): string {
  const b = s.before;
  const a = s.after;
  const line = `steps ${b.steps} → ${a.steps}, preemptions ${b.preemptions} → ${a.preemptions}, faults ${b.faults} → ${a.faults} (${s.runs} candidate runs${s.complete ? '' : ', stopped by its budget: complete: false'})`;
  const lines = [line];
  if (s.lightened.length > 0) lines.push(`  ${workloadLine(s)}`);
  if (s.essentialFaults !== null) lines.push(`  ${essentialLine(s)}`);
  return lines.join('\n');
}

/** `lighter workload: proposeEveryMs 10 → 500` (the schedule file records the new values). */
function workloadLine(s: ShrinkResult): string {
  return `lighter workload: ${s.lightened.map(describeChange).join(', ')}`;
}

/** `essential faults: crash at 412ms: n2 crashed …; partition at 430ms: …` (the story's external events). */
function essentialLine(s: ShrinkResult): string {
  const faults = s.essentialFaults ?? [];
  const what = s.faultsMinimal ? 'essential faults'
    : s.faultsRemovable ? 'faults left (one of them can go, at the price of a longer run)'
    : 'faults left (not all tried away alone: the budget ran out)';
  return `${what}: ${faults.length === 0 ? 'none' : faults.map(describeFault).join('; ')}`;
}

/** The schedule file's note: the sizes, then the faults in order, then the violation. */
function shrinkNote(seed: string, s: ShrinkResult): string {
  const v = s.result.violations[0];
  const sizes = `shrunk from seed ${seed}: ${s.before.steps} → ${s.after.steps} steps, ${s.before.preemptions} → ${s.after.preemptions} preemptions, ${s.before.faults} → ${s.after.faults} faults`;
  const parts = [sizes];
  if (s.lightened.length > 0) parts.push(workloadLine(s));
  if (s.essentialFaults !== null) parts.push(essentialLine(s));
  if (v !== undefined) parts.push(`then ${v.kind} at step ${v.step} (${Math.round(v.timeMs)}ms) [${v.actors.join(', ')}]: ${v.message}`);
  return parts.join('. ');
}

/**
 * A network failure's candidates run on `--jobs` worker threads (already capped at the cores),
 * which load the target as the command named it; the result for a budget in runs is the same.
 */
export function shrinkWorkers(a: Pick<RunFlags, 'stall-ms' | 'max-heap-mb'> & { jobs?: number | undefined }, r: Resolved): ShrinkWorkers {
  return {
    targetRef: r.targetRef,
    ...(a.jobs !== undefined ? { jobs: a.jobs } : {}),
    ...(a['stall-ms'] !== undefined ? { stallMs: a['stall-ms'] } : {}),
    ...(a['max-heap-mb'] !== undefined ? { maxHeapMb: a['max-heap-mb'] } : {}),
  };
}

/** On a terminal, one line redrawn as candidates run: how many, and the best run so far. */
export function progressLine(): Pick<ShrinkBudget, 'onProgress'> {
  if (!process.stderr.isTTY) return {};
  return {
    onProgress: ({ runs, best }) => {
      process.stderr.write(`\r\x1b[Kshrinking: ${runs} candidate runs, best so far ${best.steps} steps, ${best.preemptions} preemptions, ${best.faults} faults`);
    },
  };
}

/** `interleave shrink`: one failing seed → the shortest schedule that still shows its violation. */
export async function shrinkCommand(a: ArgumentsCamelCase<ShrinkArgs>): Promise<number> {
  if (a.seed === undefined) throw new UsageError('shrink needs --seed N');
  if (a.variant === undefined) throw new UsageError('shrink needs --variant v');
  if (a.variant.includes(',')) throw new UsageError('shrink takes one --variant');
  const budget = parseShrinkBudget((a as ShrinkArgs)['shrink-budget']);
  const same = parseShrinkSame(a['shrink-same']);
  if (a.jobs !== undefined && !(Number.isInteger(a.jobs) && a.jobs >= 1)) throw new UsageError(`--jobs must be a positive integer, got ${a.jobs}`);
  const r = await resolveExplore({ target: a.target, variant: a.variant, ...exploreFlags(a) });
  const jobs = capJobs(a.jobs);
  noteCap(a.jobs, jobs);
  const [seed] = seedList([String(a.seed)]);
  // The first run is watched (a worker thread): the seed may be one that stalled in a campaign.
  const res = await replay({ target: a.target, variant: a.variant, seed: seed!, ...exploreFlags(a) });
  if (res.violations.length === 0) {
    process.stdout.write(`seed ${seed} of ${r.target.name} ${a.variant} shows no violation: nothing to shrink\n`);
    return EXIT.ok;
  }
  if (MACHINE_KINDS.includes(res.violations[0]!.kind)) {
    const v = res.violations[0]!;
    process.stdout.write(`seed ${seed} of ${r.target.name} ${a.variant}: ${v.kind} at step ${v.step} [${v.actors.join(', ')}]: ${v.message}\n`);
    process.stdout.write(`a ${v.kind} seed is not shrunk (its schedule is already the ${v.step} steps up to it): ${res.replayCommand} --trace shows them\n`);
    return EXIT.violations;
  }
  const file = a.out ?? join(a['report-dir'], 'schedules', `${r.target.name}-${a.variant}-${seed}.json`.replace(/[^A-Za-z0-9_.-]+/g, '_'));
  // Fail on an unwritable destination before spending hundreds of candidate runs.
  ensureWritableDir(dirname(resolve(file)));
  if (existsSync(file) && statSync(file).isDirectory()) throw new UsageError(`--out ${file} is a directory: name the schedule file to write`);
  if (a.html !== undefined) ensureWritableDir(dirname(resolve(a.html)));
  // A signal ends the search early; the smallest run found so far is still written.
  const interrupt = new Interrupt();
  let done: Shrunk;
  try {
    done = await shrinkFailure(r, res, file, () => interrupt.stopped, { ...budget, same, ...progressLine(), ...shrinkWorkers({ ...a, jobs }, r) });
    if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
  } finally {
    interrupt.dispose();
  }
  const v = done.shrink.result.violations[0]!;
  process.stdout.write(`shrunk ${res.violations[0]!.kind} of ${r.target.name} ${a.variant} seed ${seed}: ${shrinkLine(done.shrink)}\n`);
  process.stdout.write(`violation: ${v.kind} at step ${v.step} [${v.actors.join(', ')}]: ${v.message}\n`);
  // Under --shrink-same kind the shrunk failure may be another of the kind: say which it was.
  const was = signatureOf(res.violations[0]!);
  process.stdout.write(`signature: ${done.shrink.signature}${done.shrink.signature !== was ? ` (the original's: ${was})` : ''}\n`);
  process.stdout.write(`schedule: ${file}\nreplay: npx interleave replay --schedule ${file} --trace\n`);
  if (a.html !== undefined) {
    // The shrunk schedule's page: the shortest story of the bug, drawn from its full replay.
    const rep = await replaySchedule(done.schedule, r.target, { base: { ...DEFAULT_OPTIONS, traceAll: true } });
    writeFileAtomic(a.html, htmlForRun(rep.result, `npx interleave replay --schedule ${file}`, 'shrunk', true));
    process.stdout.write(`html: ${a.html}\n`);
  }
  if (interrupt.stopped) process.stdout.write('interrupted: the schedule is the smallest found before the signal\n');
  return interrupt.code() ?? EXIT.violations;
}
