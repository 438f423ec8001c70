import type { Violation } from './violation.js';

/**
 * A violation's signature: its kind plus the key of the detector that reported it, with
 * everything a schedule decides masked out. Shrinking and the regression corpus hold a failure
 * to its signature, not to its kind alone: two assertions of one target are both `assert`, and a
 * shrink that slid from one to the other would hand back a different bug.
 *
 * What is kept is what names the failure in the code: an assertion's message, an invariant's
 * name, an error's class, message and stack frames, a condition variable's name, a Raft
 * property and whether one node or two break it. What is masked is what a shorter run of the
 * same bug legitimately changes: steps, terms, indexes, times, counts, node and task names'
 * numbers, digests and values. Too fine a signature and a shrink cannot make progress, so no
 * node name, step, term or index is ever part of one; the detectors' exact wording is used only
 * where the wording is the user's (assertions, errors), so a reworded harness message keeps
 * its signature.
 */
export function signatureOf(v: Pick<Violation, 'kind' | 'actors' | 'message' | 'details'>): string {
  const key = keyOf(v);
  return key === '' ? v.kind : `${v.kind}:${key}`;
}

/** Longest key kept: a long message past this is the same failure for any purpose here. */
const MAX_KEY = 200;

/** Appended by the network to leadership and Raft reports: it depends on the faults a run drew. */
const ASSUMPTIONS_NOTE = "; the run broke the target's declared assumptions:";

function keyOf(v: Pick<Violation, 'kind' | 'actors' | 'message' | 'details'>): string {
  const d = v.details ?? {};
  switch (v.kind) {
    case 'assert':
      return maskValues(afterPrefix(v.message, v.actors[0] === undefined ? ['assertion failed: '] : [`assertion failed in ${v.actors[0]}: `, 'assertion failed: ']));
    case 'uncaught-error':
      return maskError(after(v.message, ' threw: '));
    case 'unhandled-rejection':
      return maskError(rejection(v.message));
    case 'invariant':
      return invariantKey(v.message, d);
    case 'mutex-misuse':
      return maskValues(afterPrefix(v.message, v.actors[0] === undefined ? [] : [`task ${v.actors[0]} `]));
    case 'escaped-simulation':
      return typeof d['call'] === 'string' ? maskValues(`${d['call']}${typeof d['site'] === 'string' ? ` at ${d['site']}` : ''}`) : maskValues(v.message);
    case 'lost-wakeup':
      return lostWakeupKey(v.message, d);
    case 'deadlock':
      return deadlockKey(d);
    case 'duplicate-leadership':
      // One node leading a term twice (a term or vote not persisted) or two nodes leading it.
      return roles(Array.isArray(d['nodes']) ? d['nodes'] : v.actors);
    case 'lost-leadership-event':
      return typeof d['late'] === 'boolean' ? (d['late'] ? 'late subscriber' : 'event not taken') : '';
    case 'leader-completeness':
    case 'state-machine-safety':
      // The new leader lost what it applied itself, or lacks what another node applied: a
      // persistence bug against an election or replication one. Which nodes, which index and
      // whether the clash was seen at an apply or in a reported log are the run's.
      return roles(v.actors);
    case 'election-safety':
    case 'log-matching':
    case 'leadership-overlap':
    case 'liveness':
    case 'budget-exceeded':
    case 'stalled':
    case 'out-of-memory':
    case 'task-limit':
    case 'replay-divergence':
    case 'nondeterminism':
    case 'report-contract':
    case 'linearizability':
      // The property is the whole identity: their messages carry only steps, terms and nodes.
      return '';
    default:
      return maskValues(v.message);
  }
}

/** `self` when every node named is one node, `other` when two or more. */
function roles(nodes: readonly unknown[]): string {
  if (nodes.length === 0) return '';
  return new Set(nodes.map(String)).size === 1 ? 'self' : 'other';
}

function after(text: string, marker: string): string {
  const i = text.indexOf(marker);
  return i < 0 ? text : text.slice(i + marker.length);
}

function afterPrefix(text: string, prefixes: readonly string[]): string {
  for (const p of prefixes) if (text.startsWith(p)) return text.slice(p.length);
  return text;
}

/** The rejection's error text, between the harness's words around it (both of its forms). */
function rejection(message: string): string {
  const m = /nothing handled it(?: \([^)]*\))?: ([\s\S]*?); (?:handle or await|it escaped)/.exec(message);
  return m === null ? message : m[1]!;
}

function invariantKey(message: string, d: Record<string, unknown>): string {
  const name = typeof d['invariant'] === 'string' ? d['invariant'] : /^invariant ([\s\S]*?) failed after step /.exec(message)?.[1];
  if (name === undefined) return maskValues(message);
  // The step's report (who ran last) is the schedule's; a predicate that threw is another failure.
  const at = message.indexOf(' failed after step ');
  const threw = at < 0 ? -1 : message.indexOf(': threw ', at);
  return maskNames(name) + (threw < 0 ? '' : ` threw ${maskError(message.slice(threw + ': threw '.length))}`);
}

function lostWakeupKey(message: string, d: Record<string, unknown>): string {
  const obj = typeof d['object'] === 'string' ? d['object'] : /in (\S+)\.wait\b|next\(\) on (\S+)/.exec(message)?.slice(1).find((x) => x !== undefined);
  return obj === undefined ? '' : maskNames(obj);
}

/** The objects the stuck tasks wait on (or the mutexes of a lock cycle), each once, sorted. */
function deadlockKey(d: Record<string, unknown>): string {
  const set = (xs: string[]): string => [...new Set(xs.map(maskNames))].sort().join(', ');
  const cycle = d['cycle'];
  if (Array.isArray(cycle)) return `lock cycle over ${set(cycle.map((c) => String((c as { wants?: unknown }).wants)))}`;
  const waits = d['waits'];
  if (Array.isArray(waits)) return `stuck on ${set(waits.map((w) => after(String(w), ' waits on ')))}`;
  return '';
}

/**
 * A thrown error as errorText writes it: class, message, two stack frames. Single-quoted text
 * stays (JavaScript's own messages quote the code: `reading 'length'`, `Cannot find module
 * 'x'`); the frames keep their function and file names, not their folders or line numbers, so
 * the signature survives an edit above the throw and a clone elsewhere.
 */
function maskError(text: string): string {
  return mask(text, false);
}

/** A message the target wrote: quoted text is a value there, as much as a number is. */
function maskValues(text: string): string {
  return mask(text, true);
}

/** A name a target gave an object or a task: only its numbers vary from run to run. */
function maskNames(text: string): string {
  return mask(text, false);
}

function mask(text: string, singleQuotes: boolean): string {
  const at = text.indexOf(ASSUMPTIONS_NOTE);
  let s = at < 0 ? text : text.slice(0, at);
  // A source file's folder (machine, clone, temporary directory) and line (any edit above it)
  // are not the failure; a package's own path is, `index.js` alone names nothing.
  s = s.replace(/([^\s'"`()<>[\]{}]*?)([^\s'"`()<>[\]{}\\/]+\.(?:[cm]?[jt]sx?|json|node))(?::\d+)*/g, (_m, dir: string, file: string) => {
    const pkg = /.*node_modules[\\/](.*)$/.exec(dir);
    return pkg === null ? file : `${pkg[1]!.replace(/\\/g, '/')}${file}`;
  });
  // A second task of one name is `name#2` (Run.uniqueName): which one it was is the schedule's.
  s = s.replace(/(?<=[\w)\]-])#\d+\b/g, '');
  s = s.replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '#');
  s = s.replace(/\b0x[0-9a-f]+\b/gi, '#');
  s = s.replace(/\b(?=[0-9a-f]*\d)[0-9a-f]{6,}\b/gi, '#');
  s = s.replace(/"(?:[^"\\]|\\.)*"/g, '"#"');
  s = s.replace(/`[^`]*`/g, '`#`');
  // Not an apostrophe: a quote with no letter before it (`leader's` is not a quote).
  if (singleQuotes) s = s.replace(/(?<!\w)'(?:[^'\\\n]|\\.)*'(?!\w)/g, "'#'");
  s = s.replace(/\d+(?:\.\d+)?(?:e[+-]?\d+)?/gi, '#');
  // A collection's size is the run's: `[1,2,3]` and `{"a":1}` are one value each.
  for (let prev = ''; prev !== s;) {
    prev = s;
    s = s.replace(/\[[^[\]]*\]/g, '[#]').replace(/\{[^{}]*\}/g, '{#}');
  }
  s = s.replace(/(?:"#"|'#'|#)(?:\s*,\s*(?:"#"|'#'|#))+/g, '#');
  s = s.replace(/\s+/g, ' ').trim();
  return s.length > MAX_KEY ? `${s.slice(0, MAX_KEY)}…` : s;
}
