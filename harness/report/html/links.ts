import type { TraceEvent } from '../../core/trace.js';
import { messageEnds } from './lanes.js';

/**
 * An arrow between two timeline lines (positions in the full trace). `to` is null for a message
 * that never arrived: `dropped` by the drop fault, `lost` otherwise (a partition, a crashed
 * receiver, or still in flight when the run ended).
 */
export interface Link {
  from: number;
  to: number | null;
  kind: 'message' | 'duplicate' | 'dropped' | 'lost' | 'wake' | 'publish' | 'handoff';
  label: string;
}

/** A `woke`/`reached` line's result: the JSON list of who it reached. */
function names(result: string): string[] {
  try {
    const v: unknown = JSON.parse(result);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

/**
 * Sends to their deliveries (`fire <label>`) and duplicate copies, signals and broadcasts to the
 * woken tasks' next line, publishes to each subscription's next(), and a mutex unlocked by one
 * task to its next taker when that is another task.
 */
export function findLinks(trace: readonly TraceEvent[]): Link[] {
  const links: Link[] = [];
  const sends = new Map<string, number>();
  const dropped = new Set<string>();
  const delivered = new Set<string>();
  /** Tasks woken by a signal, waiting for their next line. */
  const woken = new Map<string, { from: number; label: string }>();
  /** Subscriptions a publish reached, waiting for their next() to return. */
  const reached = new Map<string, { from: number; label: string }[]>();
  const lastUnlock = new Map<string, { pos: number; task: string }>();
  for (let i = 0; i < trace.length; i++) {
    const e = trace[i]!;
    const w = woken.get(e.task);
    if (w !== undefined && e.op !== 'woke') {
      woken.delete(e.task);
      links.push({ from: w.from, to: i, kind: 'wake', label: w.label });
    }
    switch (e.op) {
      case 'send':
        sends.set(e.obj, i);
        break;
      case 'fire': {
        const m = messageEnds(e.task);
        const from = m === null ? undefined : sends.get(m.base);
        if (m !== null && from !== undefined) {
          if (!m.dup) delivered.add(m.base);
          links.push({ from, to: i, kind: m.dup ? 'duplicate' : 'message', label: e.task });
        }
        break;
      }
      case 'drop':
        if (e.task === 'nemesis') dropped.add(e.obj);
        break;
      case 'woke':
        for (const t of names(e.result)) woken.set(t, { from: i, label: `${e.obj}: ${e.task} woke ${t}` });
        break;
      case 'reached':
        for (const s of names(e.result)) {
          let q = reached.get(s);
          if (q === undefined) reached.set(s, (q = []));
          q.push({ from: i, label: `${e.obj} → ${s}` });
        }
        break;
      case 'next':
        if (e.result !== 'blocks') {
          const q = reached.get(e.obj);
          const p = q?.shift();
          if (p !== undefined) links.push({ from: p.from, to: i, kind: 'publish', label: p.label });
        }
        break;
      case 'unlock':
        lastUnlock.set(e.obj, { pos: i, task: e.task });
        break;
      case 'lock':
      case 'reacquire': {
        const u = lastUnlock.get(e.obj);
        if (u !== undefined && u.task !== e.task && e.result !== 'blocks') links.push({ from: u.pos, to: i, kind: 'handoff', label: `${e.obj}: ${u.task} → ${e.task}` });
        lastUnlock.delete(e.obj);
        break;
      }
    }
  }
  for (const [label, from] of sends) {
    if (!delivered.has(label)) links.push({ from, to: null, kind: dropped.has(label) ? 'dropped' : 'lost', label });
  }
  return links.sort((a, b) => a.from - b.from || (a.to ?? -1) - (b.to ?? -1));
}
