import { Task, type SharedCell } from './task.js';
import { blameWrites, blameText, type InvariantBlame } from './invariant-blame.js';
import type { Choice } from './scheduler.js';
import type { Trace } from './trace.js';
import type { Violation } from './violation.js';
import { relativeToCwd } from './format.js';

/** A violation as the run records it (the run adds its step and virtual time). */
type Found = Omit<Violation, 'step' | 'timeMs'>;

/**
 * Steps at one virtual instant that make a livelock: nothing a correct target does needs that
 * many without time moving, while a busy target under heavy weather may need millions in all
 * (so the total budget, `maxSteps`, is large and this catches a spin quickly).
 */
export const STILL_STEPS = 100_000;

/** A user's `sim.invariant`: checked after every step. */
export interface Invariant {
  name: string;
  fn: () => boolean;
}

/** An error as one line for a violation: its name, message and the two frames nearest the throw. */
export function errorText(e: unknown): string {
  if (e instanceof Error) {
    const frame = relativeToCwd(e.stack?.split('\n').slice(1, 3).map((l) => l.trim()).join(' ← ') ?? '');
    return `${e.name}: ${e.message}${frame ? ` (${frame})` : ''}`;
  }
  return String(e);
}

/** The diagnosis replay reached the step whose thread never came back: what it would resume. */
export function stalledViolation(choice: Choice, step: number, stalledMs: number | undefined): Found {
  const wall = stalledMs === undefined ? 'a long wall time' : `${(stalledMs / 1000).toFixed(1)} s of wall time`;
  if (choice instanceof Task) {
    const op = `${choice.opObj}.${choice.opKind}`;
    return {
      kind: 'stalled',
      actors: [choice.label],
      message: `task ${choice.label} never yielded: resumed from ${op} at step ${step}, it ran for ${wall} without reaching a harness operation (a busy loop, or a synchronous wait); an invariant or checker run after it is the other suspect`,
      details: { task: choice.label, op, step },
    };
  }
  return {
    kind: 'stalled',
    actors: [choice.label],
    message: `timer ${choice.label} never returned: its callback, fired at step ${step}, ran for ${wall} (a busy loop in a handler)`,
    details: { timer: choice.label, step },
  };
}

/** The step budget ran out, or time stood still for STILL_STEPS steps: a livelock. */
export function budgetViolation(opts: readonly Choice[], step: number, maxSteps: number, nowMs: number, durationMs: number): Found {
  const busy = opts.filter((c) => c instanceof Task).map((c) => c.label);
  return {
    kind: 'budget-exceeded',
    actors: busy.slice(0, 8),
    message: step < maxSteps
      ? `${STILL_STEPS} steps without virtual time moving, at ${nowMs}ms: a livelock (tasks that never wait on time or on each other)`
      : `${maxSteps} steps ran out at ${nowMs}ms virtual, before quiescence or the ${durationMs}ms duration: a livelock, or raise --max-steps`,
  };
}

/** The first invariant that fails (returns false or throws) after `step`, blamed on the step
 * the trace saw last; null while all hold. */
export function brokenInvariant(invariants: readonly Invariant[], step: number, trace: Trace, run: InvariantRun): { found: Found; blame: InvariantBlame | null } | null {
  for (let k = 0; k < invariants.length; k++) {
    const inv = invariants[k]!;
    let ok: boolean;
    let why = '';
    // What it reads is recorded as it runs (one reused set: never run twice, so a predicate's
    // own side effects happen once, as before).
    const cells = run.peekSet;
    cells.clear();
    run.peeked = cells;
    try {
      ok = inv.fn() !== false;
    } catch (e) {
      ok = false;
      why = `: threw ${errorText(e)}`;
    } finally {
      run.peeked = null;
    }
    if (ok) continue;
    const writes = blameWrites(cells, run.tasks);
    const last = trace.tail().at(-1);
    const actor = last?.task;
    // An operation that returns nothing (a send, a sleep) shows no result, not `→ ""`.
    const res = last === undefined || last.result === '' || last.result === '""' || last.result === 'undefined' ? '' : ` → ${last.result}`;
    const by = last ? ` (${last.task}: ${last.op}${last.obj ? ` ${last.obj}` : ''}${res})` : '';
    const found: Found = {
      kind: 'invariant',
      actors: actor ? [actor] : [],
      message: `invariant ${inv.name} failed after step ${step}${by}${why}`,
      details: { invariant: inv.name },
    };
    return { found, blame: writes.length > 0 ? { writes, text: blameText(writes, cells) } : null };
  }
  return null;
}

/** What the run gives an invariant's report: its tasks (their writes) and the read recorder. */
export interface InvariantRun {
  readonly tasks: readonly Task[];
  /** Where SimShared.peek records while an invariant runs (null otherwise). */
  peeked: Set<SharedCell> | null;
  readonly peekSet: Set<SharedCell>;
}
