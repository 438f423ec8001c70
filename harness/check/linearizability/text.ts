import type { LinearizabilityViolation } from './types.js';

/** A violation as lines a reader can check by hand: where, from what state, which operations. */
export function violationText(v: LinearizabilityViolation): string {
  const lines = [
    `  ${v.partition !== undefined ? `key ${JSON.stringify(v.partition)}: ` : ''}after ${v.prefix.length} operation${v.prefix.length === 1 ? '' : 's'} linearized, in state ${v.stateBefore}, no order of ${v.window.length === 1 ? 'this operation' : `these ${v.window.length}`} is legal:`,
  ];
  for (const w of v.window) {
    const where = w.line !== undefined ? `line ${w.line}` : `op ${w.id}`;
    const when = w.callTime !== undefined ? ` at ${w.callTime}${w.retTime !== undefined ? `..${w.retTime}` : '..?'} ms` : '';
    lines.push(`    client ${String(w.process)}: ${w.description}  (${where}${when})`);
  }
  lines.push(`  clients involved: ${v.clients.join(', ')}`);
  return lines.join('\n');
}

/** One line for a run's violation message. */
export function violationLine(v: LinearizabilityViolation): string {
  const ops = v.window.map((w) => `${String(w.process)}: ${w.description}`).join('; ');
  return `not linearizable${v.partition !== undefined ? ` (key ${JSON.stringify(v.partition)})` : ''}: from state ${v.stateBefore}, no order of [${ops}] is legal`;
}
