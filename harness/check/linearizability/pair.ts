import { UNKNOWN, type HistoryEvent, type Model, type Operation } from './types.js';

/** Bad input in a history: `line` is 1-based (a line of the file or an event's position). */
export class HistoryError extends Error {
  constructor(readonly line: number, message: string) {
    super(`line ${line}: ${message}`);
    this.name = 'HistoryError';
  }
}

/**
 * Events to operations, as Knossos reads a Jepsen history: a `fail` certainly did not happen and
 * is dropped; an `info`, or an invocation still open at the end, may have happened at any time
 * after its call, so it returns at infinity with an unknown output. `lines[i]` numbers event i.
 */
export function pairEvents(events: readonly HistoryEvent[], model?: Model, lines?: readonly number[]): Operation[] {
  const open = new Map<string, { ev: HistoryEvent; at: number }>();
  const ops: Operation[] = [];
  const lineOf = (i: number): number => lines?.[i] ?? i + 1;
  const add = (inv: { ev: HistoryEvent; at: number }, ret: number, output: unknown, retTime?: number): void => {
    const input = { f: inv.ev.f, value: inv.ev.value, ...(inv.ev.key !== undefined ? { key: inv.ev.key } : {}) };
    if (output === UNKNOWN && model?.readOnly?.(input) === true) return;
    ops.push({
      id: ops.length, process: inv.ev.process, input, output, call: inv.at, ret,
      ...(inv.ev.time !== undefined ? { callTime: inv.ev.time } : {}),
      ...(retTime !== undefined ? { retTime } : {}),
      line: lineOf(inv.at),
    });
  };
  events.forEach((ev, i) => {
    const who = String(ev.process);
    const inv = open.get(who);
    if (ev.type === 'invoke') {
      if (inv !== undefined) throw new HistoryError(lineOf(i), `process ${who} invokes ${ev.f} while its ${inv.ev.f} of line ${lineOf(inv.at)} is still open`);
      open.set(who, { ev, at: i });
      return;
    }
    if (inv === undefined) throw new HistoryError(lineOf(i), `process ${who} completes ${ev.f} (${ev.type}) with no open invocation`);
    if (inv.ev.f !== ev.f) throw new HistoryError(lineOf(i), `process ${who} completes ${ev.f} but invoked ${inv.ev.f} at line ${lineOf(inv.at)}`);
    open.delete(who);
    if (ev.type === 'ok') add(inv, i, ev.value, ev.time);
    else if (ev.type === 'info') add(inv, Infinity, UNKNOWN);
  });
  for (const inv of open.values()) add(inv, Infinity, UNKNOWN);
  return ops;
}
