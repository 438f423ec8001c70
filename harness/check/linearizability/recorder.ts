import type { History, HistoryOp, HistorySpec } from '../../core/api.js';
import type { Run } from '../../core/run.js';
import { UsageError } from '../../core/errors.js';
import { checkOperations } from './checker.js';
import { builtinModel, MODELS } from './models.js';
import { violationLine } from './text.js';
import { UNKNOWN, type HistoryEvent, type Model, type Operation } from './types.js';

/** The end-of-run check's default search budget: steps, never wall time, so a verdict is the seed's. */
export const DEFAULT_HISTORY_STEPS = 200_000;

interface OpenOp {
  op: Operation;
  group: string | null;
  done: boolean;
}

/**
 * A run's client history. Operations are paired as they are recorded (a handle per invocation),
 * so a client needs no process numbering; `call` and `ret` are positions in the order of
 * invocations and completions, which is what linearizability reads; virtual times are kept for
 * the report.
 */
export class HistoryLog {
  readonly ops: Operation[] = [];
  readonly events: HistoryEvent[] = [];
  private readonly open = new Set<OpenOp>();
  private clock = 0;
  private readonly recorders = new Map<string | null, History>();

  constructor(private readonly run: Run) {}

  /** The `history` of a Sim scoped to `group` (a node id, or null for the run's own tasks). */
  recorder(group: string | null): History {
    let r = this.recorders.get(group);
    if (r === undefined) {
      r = { invoke: (f, value, options) => this.invoke(group, f, value, options?.key) };
      this.recorders.set(group, r);
    }
    return r;
  }

  private invoke(group: string | null, f: string, value: unknown, key: string | undefined): HistoryOp {
    if (typeof f !== 'string' || f.length === 0) throw new TypeError('history.invoke: f must be a non-empty string (read, write, put, …)');
    if (key !== undefined && typeof key !== 'string') throw new TypeError('history.invoke: key must be a string');
    const process = this.run.current?.label ?? group ?? 'setup';
    const time = this.run.clock.now();
    const input = { f, value: value ?? null, ...(key !== undefined ? { key } : {}) };
    const entry: OpenOp = {
      op: { id: this.ops.length, process, input, output: UNKNOWN, call: this.clock++, ret: Infinity, callTime: time },
      group, done: false,
    };
    this.ops.push(entry.op);
    this.open.add(entry);
    this.events.push({ process, type: 'invoke', f, value: input.value, ...(key !== undefined ? { key } : {}), time });
    const complete = (type: 'ok' | 'fail' | 'info', result?: unknown): void => this.complete(entry, type, result);
    return { ok: (result) => complete('ok', result), fail: () => complete('fail'), info: () => complete('info') };
  }

  private complete(entry: OpenOp, type: 'ok' | 'fail' | 'info', result: unknown): void {
    // A crashed incarnation's continuations may still run: its operations were closed as info.
    if (this.crashedOps.has(entry)) return;
    if (entry.done) throw new TypeError(`history: ${entry.op.input.f} of ${String(entry.op.process)} was already completed`);
    entry.done = true;
    this.open.delete(entry);
    const time = this.run.clock.now();
    const { op } = entry;
    if (type === 'ok') {
      op.output = result ?? null;
      op.ret = this.clock++;
      op.retTime = time;
    } else if (type === 'fail') op.ret = -1;
    this.events.push({ process: op.process, type, f: op.input.f, value: type === 'ok' ? op.output : null, ...(op.input.key !== undefined ? { key: op.input.key } : {}), time });
  }

  private readonly crashedOps = new Set<OpenOp>();

  /** A node crashed: its operations in flight may or may not have happened (Jepsen's info). */
  crashed(group: string): void {
    for (const entry of [...this.open]) {
      if (entry.group !== group) continue;
      this.complete(entry, 'info', undefined);
      this.crashedOps.add(entry);
    }
  }

  /** The operations to check: failed ones never happened and are left out. */
  checked(): Operation[] {
    return this.ops.filter((op) => op.ret !== -1);
  }
}

const logs = new WeakMap<Run, HistoryLog>();

export function historyOf(run: Run): HistoryLog {
  let log = logs.get(run);
  if (log === undefined) logs.set(run, (log = new HistoryLog(run)));
  return log;
}

/** The model a target names, or a usage error listing the built-in ones. */
export function resolveModel(spec: HistorySpec): Model {
  if (typeof spec.model !== 'string') return spec.model as Model;
  const m = builtinModel(spec.model);
  if (m === undefined) throw new UsageError(`history.model '${spec.model}' is not a model: give ${Object.keys(MODELS).join(', ')}, or a model object`);
  return m;
}

/**
 * At the end of a run that did not already fail, checks the recorded history: a `linearizability`
 * violation names the window of operations that cannot be ordered. Out of budget, it stays silent:
 * a run is never failed for what was not proven.
 */
export function attachHistoryCheck(run: Run, spec: HistorySpec | undefined): void {
  if (spec === undefined) return;
  const model = resolveModel(spec);
  run.checkers.push({
    atEnd() {
      const log = logs.get(run);
      if (log === undefined || log.ops.length === 0) return;
      const r = checkOperations(model, log.checked(), { maxSteps: spec.maxSteps ?? DEFAULT_HISTORY_STEPS });
      if (r.verdict === 'unknown') {
        // Said in the trace, never failed: a reader of a passing run learns it was not proven.
        run.trace.add(run.step, run.clock.now(), 'history', 'log', '', `linearizability not decided: ${r.reason} (${log.ops.length} operations)`);
        return;
      }
      if (r.verdict !== 'not-linearizable') return;
      const v = r.violation;
      run.record({
        kind: 'linearizability',
        actors: v.clients,
        message: violationLine(v),
        details: { model: model.name, ...v, operations: log.ops.length, searchSteps: r.steps },
      });
    },
  });
}
