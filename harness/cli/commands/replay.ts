import type { ArgumentsCamelCase } from 'yargs';
import { replay } from '../../campaign/replay-seed.js';
import { UsageError } from '../../core/errors.js';
import { EXIT, exploreFlags, type RunFlags } from '../common.js';
import { DEFAULT_OPTIONS, type RunResult } from '../../engine/execute.js';
import { logLines, traceText } from '../trace-print.js';
import { violationSteps } from '../../report/html/data.js';
import { describeRemaining, runWeatherText } from '../../faults/weather.js';
import { makeSchedule, readScheduleFile, replaySchedule, writeScheduleFile } from '../../replay/index.js';
import { signatureOf } from '../../core/signature.js';
import { resolveExplore, seedOptions } from '../../campaign/resolve.js';
import { ensureWritableDir } from '../../io/dirs.js';
import { dirname, resolve } from 'node:path';
import { checkVariant, loadTarget, looksLikePath } from '../../target/load.js';
import { htmlForRun } from '../../report/html/index.js';
import { writeFileAtomic } from '../../io/atomic.js';
import { formatMs } from '../../core/format.js';

/** `--html out.html`: the run's space-time page (the replay keeps its whole trace for it). */
function writeHtml(path: string | undefined, r: RunResult, command: string, label?: string): void {
  if (path === undefined) return;
  writeFileAtomic(path, htmlForRun(r, command, label, label === 'schedule'));
  w(`html: ${path}`);
}

export interface ReplayArgs extends RunFlags {
  target?: string;
  trace?: string | boolean;
  schedule?: string;
  'target-path'?: string[];
  'save-schedule'?: string;
  html?: string;
}

const w = (s: string): void => {
  process.stdout.write(s + '\n');
};

/** `--trace` folds quiet ticks, `--trace=all` prints every line; both keep the steps a violation names. */
function printTrace(r: RunResult, mode: TraceMode): void {
  if (r.trace === undefined || mode === null) {
    // Without the timeline, what the run logged, once: its lines are otherwise in it at their steps.
    if (r.logs !== undefined) for (const l of ['logged:', ...logLines(r.logs)]) w(l);
    return;
  }
  const keep = new Set(r.violations.flatMap((v) => violationSteps(v)));
  for (const l of traceText(r.trace, { all: mode === 'all', keep })) w(l);
}

type TraceMode = 'steps' | 'all' | null;

/** `--trace` alone (or `--trace=true`) is the folded timeline; `--trace=all` every line. */
function traceMode(v: string | boolean | undefined): TraceMode {
  if (v === undefined || v === false || v === 'false') return null;
  if (v === true || v === '' || v === 'true') return 'steps';
  if (v === 'all') return 'all';
  throw new UsageError(`--trace takes no value, or all (every line, quiet ticks included): got ${v}`);
}

function msText(ms: number): string {
  return `${formatMs(ms)}ms`;
}

/** `scheduled`: a schedule's replay, whose weather is the faults it still injects (shrinking removed the rest). */
function printEnd(r: RunResult, scheduled = false): void {
  w(`target: ${r.target}  variant: ${r.variant}  seed: ${r.seed}  strategy: ${r.strategy.name}`);
  w(`end: ${r.end} after ${r.steps} steps, ${msText(r.timeMs)} virtual`);
  for (const v of r.violations) w(`violation: ${v.kind} at step ${v.step} (${msText(v.timeMs)}) [${v.actors.join(', ')}]: ${v.message}`);
  if (r.invariantBlame !== undefined) w(`made false by: ${r.invariantBlame.text}`);
  if (r.weather !== undefined) w(`weather: ${scheduled ? describeRemaining(r.weather, r.faultLog) : runWeatherText(r)}`);
  if (r.workload !== undefined && r.weather === undefined) w(`workload: ${Object.entries(r.workload).map(([k, v]) => `${k}=${v}`).join(' ')}`);
  if (r.faultLog.length > 0) w(`faults: ${r.faultLog.length} (${[...new Set(r.faultLog.map((f) => f.fault))].join(', ')})`);
  w(`decision-hash: ${r.decisionHash}`);
}

/** `replay --schedule file.json`: strict replay of a saved decision list. */
async function replayScheduleFile(a: ArgumentsCamelCase<ReplayArgs>): Promise<number> {
  if (a.seed !== undefined) throw new UsageError('--seed does not go with --schedule: the schedule file holds its seed (replay it alone, or replay the seed without --schedule)');
  if (a.variant !== undefined) throw new UsageError('--variant does not go with --schedule: the schedule file holds its variant');
  const s = readScheduleFile(a.schedule!, a['target-path'] ?? []);
  if (a.target !== undefined && (looksLikePath(a.target) ? resolve(a.target) : a.target) !== s.target) {
    throw new UsageError(`schedule ${a.schedule} is for target ${s.target}, not ${a.target}`);
  }
  const { target } = await loadTarget(s.target);
  checkVariant(target, s.variant);
  if (a.html !== undefined) ensureWritableDir(dirname(resolve(a.html)));
  const mode = traceMode(a.trace);
  const rep = await replaySchedule(s, target, { base: { ...DEFAULT_OPTIONS, traceAll: mode !== null || a.html !== undefined } });
  printTrace(rep.result, mode);
  printEnd(rep.result, true);
  writeHtml(a.html, rep.result, `npx interleave replay --schedule ${a.schedule!}`, 'schedule');
  if (rep.divergence !== null) {
    w(`schedule no longer fits the code: ${rep.divergence.message}`);
    return EXIT.differs;
  }
  w(`expected: ${s.expect}, got: ${rep.outcome}; recorded hash ${s.decisionHash} ${rep.hashMatches ? 'matches' : 'DIFFERS'}`);
  const first = rep.result.violations[0];
  const signature = first === undefined ? null : signatureOf(first);
  // A file written before signatures is held to its kind alone, as regress holds it.
  const otherFailure = s.expect !== 'pass' && s.signature !== undefined && signature !== s.signature;
  if (otherFailure) w(`expected signature: ${s.signature}, got: ${signature ?? 'none'}`);
  // The replay is not the recorded run: a distinct code, so CI can tell "still failing the same
  // way" (1) from "now runs differently" (4).
  if (!rep.hashMatches || rep.outcome !== s.expect || otherFailure) return EXIT.differs;
  return rep.result.violations.length > 0 ? EXIT.violations : EXIT.ok;
}

/** `interleave replay`: one seed again, with its timeline on request and its decision hash. */
export async function replayCommandRun(a: ArgumentsCamelCase<ReplayArgs>): Promise<number> {
  // `--trace` takes an optional value (`--trace=all`), so `replay --trace latch …` reads the
  // target as its value: with no target given, a value that is not a mode is the target.
  if (a.target === undefined && typeof a.trace === 'string' && !['', 'true', 'false', 'all'].includes(a.trace)) {
    a.target = a.trace;
    a.trace = true;
  }
  if (a.schedule !== undefined) return replayScheduleFile(a);
  if (a['target-path'] !== undefined) throw new UsageError('--target-path goes with --schedule: it says where to find the schedule\'s target file (a seed\'s target is the one you name)');
  if (a.target === undefined) throw new UsageError('replay needs a target (or --schedule file.json)');
  if (a.seed === undefined) throw new UsageError('replay needs --seed N');
  if (a.variant === undefined) throw new UsageError('replay needs --variant v');
  if (a.variant.includes(',')) throw new UsageError('replay takes one --variant');
  if (a['save-schedule'] !== undefined) ensureWritableDir(dirname(resolve(a['save-schedule'])));
  if (a.html !== undefined) ensureWritableDir(dirname(resolve(a.html)));
  const mode = traceMode(a.trace);
  const r = await replay({
    target: a.target, variant: a.variant, seed: String(a.seed), ...exploreFlags(a), trace: mode !== null || a.html !== undefined,
  });
  printTrace(r, mode);
  printEnd(r);
  writeHtml(a.html, r, r.replayCommand);
  if (a['save-schedule'] !== undefined) {
    const resolved = await resolveExplore({ target: a.target, variant: a.variant, ...exploreFlags(a) });
    const file = a['save-schedule'];
    writeScheduleFile(file, makeSchedule({ targetRef: resolved.targetRef, result: r, options: seedOptions(resolved, a.variant, r.seed) }));
    w(`schedule: ${file}`);
  }
  return r.violations.length > 0 ? EXIT.violations : EXIT.ok;
}
