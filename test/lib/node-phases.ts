/**
 * Node's phase rules, checked on a host run's whole trace (replay --trace): each node's loop
 * marks its phases (`loop:timers now=N`, `loop:check`, `loop:poll`) before the callback they run.
 * An order the checker refuses is one Node cannot produce.
 */
import type { TraceEvent } from '../../dist/harness/core/trace.js';

const TIMER = /^([^:→]+):set(?:Timeout|Interval)\(/;
const IMMEDIATE = /^([^:→]+):setImmediate#(\d+)/;

/** The rules a trace breaks, as sentences (empty: none). */
export function phaseErrors(trace: readonly TraceEvent[]): string[] {
  const phase = new Map<string, string>();
  const lastImmediate = new Map<string, number>();
  const errors: string[] = [];
  for (const e of trace) {
    if (e.op.startsWith('loop:')) {
      phase.set(e.task, e.op.slice(5));
      continue;
    }
    if (e.op !== 'fire') continue;
    const t = TIMER.exec(e.task);
    if (t !== null && phase.get(t[1]!) !== 'timers') {
      errors.push(`step ${e.step}: ${e.task} ran in ${t[1]}'s ${phase.get(t[1]!) ?? 'no'} phase, not its timers phase`);
    }
    const i = IMMEDIATE.exec(e.task);
    if (i !== null) {
      const node = i[1]!;
      const n = Number(i[2]);
      if (phase.get(node) !== 'check') errors.push(`step ${e.step}: ${e.task} ran in ${node}'s ${phase.get(node) ?? 'no'} phase, not its check phase`);
      if (n < (lastImmediate.get(node) ?? 0)) errors.push(`step ${e.step}: ${e.task} ran after ${node}'s setImmediate#${lastImmediate.get(node)}, armed later`);
      lastImmediate.set(node, n);
    }
  }
  return errors;
}
