import type { LogLine, TraceEvent } from '../core/trace.js';
import { formatMs } from '../core/format.js';

/**
 * `replay --trace` as a person reads it: every line with its message's payload, and the steps in
 * which nothing but a clock ticked (a nemesis tick that drew no fault, a timer that fired and did
 * nothing the trace sees, a leadership read nobody was listening to) folded into one line per
 * stretch, `folded steps 40–52: n1 9 ticks, nemesis 4 ticks`. `all` prints every line.
 */
export interface TraceTextOptions {
  all: boolean;
  /** Steps never folded: those a violation names. */
  keep?: ReadonlySet<number>;
}

export function traceText(trace: readonly TraceEvent[], o: TraceTextOptions): string[] {
  const out: string[] = [];
  const groups = stepGroups(trace);
  let quiet: TraceEvent[][] = [];
  let folded = false;
  const flush = (): void => {
    // One quiet step between busy ones is a story's beat (a sleeper waking), kept; a lone nemesis
    // tick that drew nothing is left out (a fold line for it would be as long as the line).
    if (quiet.length === 1 && !quiet[0]!.every((e) => ownerOf(e.task) === 'nemesis')) out.push(...quiet[0]!.map(line));
    else if (quiet.length === 1) folded = true;
    else if (quiet.length > 1) { out.push(foldLine(quiet)); folded = true; }
    quiet = [];
  };
  groups.forEach((g, gi) => {
    const step = g[0]!.step;
    if (!o.all && gi < groups.length - 1 && o.keep?.has(step) !== true && g.every(isQuiet)) { quiet.push(g); return; }
    flush();
    for (const e of g) if (o.all || !isEmptyLeadershipRead(e)) out.push(line(e));
  });
  flush();
  const head = `${'step'.padStart(6)} ${'time'.padStart(10)}  ${'task'.padEnd(16)} operation`;
  return [folded ? `${head}   (quiet ticks folded: --trace=all prints every line)` : head, ...out];
}

/** Consecutive lines of one step. */
function stepGroups(trace: readonly TraceEvent[]): TraceEvent[][] {
  const groups: TraceEvent[][] = [];
  for (const e of trace) {
    const last = groups[groups.length - 1];
    if (last !== undefined && last[0]!.step === e.step) last.push(e);
    else groups.push([e]);
  }
  return groups;
}

function isEmptyLeadershipRead(e: TraceEvent): boolean {
  return e.op === 'reached' && e.result === '[]' && /(^|\/)leadership$/.test(e.obj);
}

/**
 * A line that only says time passed: a bare timer fire, a task woken by its timer going back to
 * sleep, an event-loop phase, an unheard leadership read.
 */
function isQuiet(e: TraceEvent): boolean {
  if (e.op === 'fire') return e.note === undefined && !e.task.includes('→');
  if (e.op === 'wake') return e.obj === 'timer';
  return e.op === 'sleep' || e.op.startsWith('loop:') || isEmptyLeadershipRead(e);
}

/** Whose clock ticked: `n1:setInterval(50)#4@x.js:3` → n1, `nemesis#3` → nemesis, `timer:worker` → worker (allowed: parses a host timer's label, calls no timer). */
function ownerOf(task: string): string {
  if (task.startsWith('timer:')) return task.slice('timer:'.length);
  return task.split(/[:#@]/, 1)[0]!;
}

function foldLine(quiet: readonly TraceEvent[][]): string {
  // A tick is a timer's fire; the step of the task it woke, going back to sleep, is part of it.
  const ticks = new Map<string, number>();
  const count = (task: string): void => {
    const who = ownerOf(task);
    ticks.set(who, (ticks.get(who) ?? 0) + 1);
  };
  for (const g of quiet) for (const e of g) if (e.op === 'fire') count(e.task);
  if (ticks.size === 0) for (const g of quiet) count(g[0]!.task);
  const first = quiet[0]![0]!;
  const last = quiet[quiet.length - 1]![0]!;
  const what = [...ticks].map(([who, n]) => `${who} ${n} tick${n === 1 ? '' : 's'}`).join(', ');
  return `${String(first.step).padStart(6)} ${msText(first.timeMs).padStart(10)}  ${'…'.padEnd(16)} folded steps ${first.step}–${last.step}: ${what}`;
}

/** A logged line as its code wrote it (the timeline holds it JSON-quoted, as every result). */
function logText(result: string): string {
  try {
    const v: unknown = JSON.parse(result);
    return typeof v === 'string' ? v : result;
  } catch {
    return result;
  }
}

/**
 * What the run's code logged, each line once, with its step: `replay` prints it after the run
 * (the seed's other runs, a pilot or a determinism check, print nothing).
 */
export function logLines(logs: { lines: readonly LogLine[]; dropped: number }): string[] {
  // ctx.log names its node already (`n1: …`): not twice when the line's task is that node.
  const out = logs.lines.map((l) => `  step ${l.step} (${msText(l.timeMs)}) ${l.task}: ${l.message.startsWith(`${l.task}: `) ? l.message.slice(l.task.length + 2) : l.message}`);
  if (logs.dropped > 0) out.push(`  … and ${logs.dropped} more lines (replay --trace shows them at their steps)`);
  return out;
}

function msText(ms: number): string {
  return `${formatMs(ms)}ms`;
}

/** One timeline line; an operation that returns nothing (a sleep, a send) shows no result, not `→ ""`. */
function line(e: TraceEvent): string {
  if (e.op === 'log') return `${String(e.step).padStart(6)} ${msText(e.timeMs).padStart(10)}  ${e.task.padEnd(16)} log: ${logText(e.result)}`;
  const res = e.result === '' || e.result === '""' || e.result === 'undefined' ? '' : ` → ${e.result}`;
  const note = e.note === undefined ? '' : ` ${e.note}`;
  return `${String(e.step).padStart(6)} ${msText(e.timeMs).padStart(10)}  ${e.task.padEnd(16)} ${e.op}${e.obj ? ` ${e.obj}` : ''}${note}${res}`;
}
