import { readEdn, readEdnElements, EdnError, type Edn } from './edn.js';
import { HistoryError } from './pair.js';
import type { EventType, HistoryEvent } from './types.js';

export type HistoryFormat = 'jsonl' | 'edn' | 'edn-list' | 'jepsen-log';
export const HISTORY_FORMATS: readonly HistoryFormat[] = ['jsonl', 'edn', 'edn-list', 'jepsen-log'];

export interface ParsedHistory {
  format: HistoryFormat;
  events: HistoryEvent[];
  /** The file line of each event. */
  lines: number[];
}

const TYPES = new Set<string>(['invoke', 'ok', 'fail', 'info']);
/** `INFO  jepsen.util - 3	:invoke	:write	4`, maybe after a timestamp and thread name. */
const LOG_LINE = /\bjepsen\.util\s+-\s+(\S+)\s+:(\S+)\s+:(\S+)(?:\s+(.*?))?\s*$/;

/** Which format a history file is in, from its first non-blank line. */
export function detectFormat(text: string): HistoryFormat {
  const first = text.split('\n').find((l) => l.trim() !== '')?.trim() ?? '';
  if (/^\{\s*"/.test(first)) return 'jsonl';
  if (first.startsWith('{')) return 'edn';
  if (first.startsWith('[') || first.startsWith('(')) return 'edn-list';
  if (first.includes('jepsen.util')) return 'jepsen-log';
  throw new HistoryError(1, 'cannot tell the format: expected JSON lines ({"process": …}), EDN maps ({:process …}), an EDN list of them, or jepsen.util log lines');
}

/** Reads a history file: one event per line. The nemesis's events are left out (not a client). */
export function parseHistory(text: string, format: HistoryFormat = detectFormat(text)): ParsedHistory {
  const events: HistoryEvent[] = [];
  const lines: number[] = [];
  if (format === 'edn-list') return { format, ...parseEdnList(text) };
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith(';') || line.startsWith('#')) return;
    const ev = parseLine(line, format, i + 1);
    if (ev === undefined || ev.process === 'nemesis') return;
    events.push(ev);
    lines.push(i + 1);
  });
  return { format, events, lines };
}

function parseLine(line: string, format: HistoryFormat, n: number): HistoryEvent | undefined {
  if (format === 'jsonl') {
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch (e) {
      throw new HistoryError(n, `not JSON: ${(e as Error).message}`);
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new HistoryError(n, 'expected a JSON object per line');
    return toEvent(v as Record<string, unknown>, n);
  }
  if (format === 'edn') {
    const v = readLine(line, n);
    if (!(v instanceof Map)) throw new HistoryError(n, 'expected an EDN map ({:process 0, :type :invoke, …}) per line');
    return toEvent(Object.fromEntries([...v].map(([k, x]) => [k, ednToJs(x)])), n);
  }
  if (!line.includes('jepsen.util')) return undefined;
  const m = LOG_LINE.exec(line);
  if (m === null) throw new HistoryError(n, 'expected "jepsen.util - <process> :<type> :<f> <value>"');
  const [, proc, type, f, value] = m;
  const process = /^\d+$/.test(proc!) ? Number(proc) : proc!.replace(/^:/, '');
  const v = value === undefined || value === '' ? null : ednToJs(readLine(value, n));
  return toEvent({ process, type, f, value: v }, n);
}

function readLine(text: string, n: number): Edn {
  try {
    return readEdn(text);
  } catch (e) {
    if (e instanceof EdnError) throw new HistoryError(n, `bad EDN at ${e.message}`);
    throw e;
  }
}

/** EDN to plain JSON-like values: maps become objects, sets and lists arrays. */
function ednToJs(v: Edn): unknown {
  if (Array.isArray(v)) return v.map(ednToJs);
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [k, ednToJs(x)]));
  return v;
}

function toEvent(o: Record<string, unknown>, n: number): HistoryEvent {
  const { process, type, f, value, key, time } = o;
  if (typeof process !== 'number' && typeof process !== 'string') throw new HistoryError(n, 'process must be a number or a name');
  if (typeof type !== 'string' || !TYPES.has(type)) throw new HistoryError(n, `type must be invoke, ok, fail or info, got ${JSON.stringify(type)}`);
  if (typeof f !== 'string') throw new HistoryError(n, `f must be a name (read, write, cas, …), got ${JSON.stringify(f)}`);
  if (key !== undefined && key !== null && typeof key !== 'string' && typeof key !== 'number') throw new HistoryError(n, 'key must be a string or a number');
  if (time !== undefined && typeof time !== 'number') throw new HistoryError(n, 'time must be a number');
  return {
    process, type: type as EventType, f, value: value === undefined ? null : value,
    ...(key !== undefined && key !== null ? { key: String(key) } : {}),
    ...(time !== undefined ? { time } : {}),
  };
}

/** A whole file holding one EDN list or vector of operation maps. */
function parseEdnList(text: string): { events: HistoryEvent[]; lines: number[] } {
  const lineAt = (offset: number): number => text.slice(0, offset).split('\n').length;
  let elements: { value: Edn; offset: number }[];
  try {
    elements = readEdnElements(text);
  } catch (e) {
    if (e instanceof EdnError) throw new HistoryError(lineAt(e.column - 1), `bad EDN: ${e.message.replace(/^column \d+: /, '')}`);
    throw e;
  }
  const events: HistoryEvent[] = [];
  const lines: number[] = [];
  for (const { value, offset } of elements) {
    const n = lineAt(offset);
    if (!(value instanceof Map)) throw new HistoryError(n, 'expected an EDN map ({:process 0, :type :invoke, …}) per operation');
    const ev = toEvent(Object.fromEntries([...value].map(([k, x]) => [k, ednToJs(x)])), n);
    if (ev.process === 'nemesis') continue;
    events.push(ev);
    lines.push(n);
  }
  return { events, lines };
}
