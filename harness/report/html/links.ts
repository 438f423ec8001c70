import type { TraceEvent } from '../../core/trace.js';
import { messageEnds } from './lanes.js';

/**
 * An arrow between two timeline lines (positions in the full trace). `to` is null for a message
 * that never arrived: `dropped` by the drop fault, `lost` by a partition or a crashed receiver,
 * `in-flight` when the run ended before it could arrive (not a fault: drawn apart).
 */
export interface Link {
  from: number;
  to: number | null;
  kind: 'message' | 'duplicate' | 'dropped' | 'lost' | 'in-flight' | 'wake' | 'publish' | 'handoff';
  label: string;
  /** For a lost message, what the fault log says about it: the network drops these silently. */
  why?: string;
  /** A message's payload in short form, as its send line has it. */
  payload?: string;
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
  /** Per send: whether its receiver was down, or a partition in force, when it was sent. */
  const sentWhile = new Map<string, string>();
  const down = new Set<string>();
  const crashes = new Map<string, number[]>();
  let partitions = 0;
  for (let i = 0; i < trace.length; i++) {
    const e = trace[i]!;
    if (e.task === 'nemesis') {
      const node = e.obj.split(' ', 1)[0] ?? '';
      if (e.op === 'crash') { down.add(node); crashes.set(node, [...(crashes.get(node) ?? []), i]); }
      else if (e.op === 'restart') down.delete(node);
      else if (e.op === 'partition') partitions++;
      else if (e.op === 'heal') partitions = Math.max(0, partitions - 1);
    }
    const w = woken.get(e.task);
    if (w !== undefined && e.op !== 'woke') {
      woken.delete(e.task);
      links.push({ from: w.from, to: i, kind: 'wake', label: w.label });
    }
    switch (e.op) {
      case 'send': {
        sends.set(e.obj, i);
        const to = messageEnds(e.obj)?.to;
        if (to !== undefined && down.has(to)) sentWhile.set(e.obj, `${to} was down when it was sent`);
        else if (partitions > 0) sentWhile.set(e.obj, 'sent while a partition was in force');
        break;
      }
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
    if (delivered.has(label)) continue;
    if (dropped.has(label)) { links.push({ from, to: null, kind: 'dropped', label, why: 'dropped by the drop fault' }); continue; }
    const to = messageEnds(label)?.to ?? '';
    const crashedAfter = (crashes.get(to) ?? []).some((c) => c > from);
    const why = sentWhile.get(label) ?? (crashedAfter ? `${to} crashed before it arrived` : null);
    links.push(why === null ? { from, to: null, kind: 'in-flight', label, why: 'still in flight when the run ended' } : { from, to: null, kind: 'lost', label, why });
  }
  for (const l of links) {
    const note = l.kind === 'message' || l.kind === 'duplicate' || l.kind === 'dropped' || l.kind === 'lost' || l.kind === 'in-flight' ? trace[l.from]!.note : undefined;
    if (note !== undefined) l.payload = note;
  }
  return links.sort((a, b) => a.from - b.from || (a.to ?? -1) - (b.to ?? -1));
}
