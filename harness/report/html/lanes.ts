import type { TraceEvent } from '../../core/trace.js';

/** A column of the space-time diagram: a network node (expandable into its tasks), a thread
 * task, or the nemesis (faults that name no one lane). */
export interface Lane {
  id: string;
  kind: 'node' | 'task' | 'nemesis';
}

export const NEMESIS = 'nemesis';

/** `n1→n2:append#3` (and its `+dup` copy): the source and destination nodes of a message label. */
export function messageEnds(label: string): { from: string; to: string; base: string; dup: boolean } | null {
  const arrow = label.indexOf('→');
  const colon = label.indexOf(':', arrow + 1);
  if (arrow <= 0 || colon < 0) return null;
  const dup = label.endsWith('+dup');
  return { from: label.slice(0, arrow), to: label.slice(arrow + 1, colon), base: dup ? label.slice(0, -4) : label, dup };
}

/** A restarted node's tasks are `n1#2`, `n1/run#2`: the node is still n1. */
function incarnationOf(name: string): string {
  return name.replace(/#\d+$/, '');
}

const byName = (a: string, b: string): number => a.localeCompare(b, 'en', { numeric: true });

/**
 * Lanes and the lane of each timeline line. A network run gets one lane per node: a node's tasks
 * (`n1/run`), its timers (`timer:n1/ticker`, a host node's `n1:setTimeout(40)#7`) and the
 * deliveries to it (`n3→n1:vote#1`) all land there. A thread run gets one lane per task, its timers with it. A fault goes to the lane its
 * detail names first (`crash n2 …`, `drop n1→n3:…`), else to the nemesis lane.
 */
export function classifyLanes(trace: readonly TraceEvent[], network: boolean): { lanes: Lane[]; laneOf: (e: TraceEvent) => number } {
  const nodes = new Set<string>();
  if (network) {
    for (const e of trace) {
      const slash = e.task.indexOf('/');
      if (slash > 0 && !e.task.startsWith('timer:')) nodes.add(incarnationOf(e.task.slice(0, slash)));
      const m = e.op === 'send' ? messageEnds(e.obj) : null;
      if (m !== null) { nodes.add(m.from); nodes.add(m.to); }
    }
  }
  const lanes: Lane[] = [...nodes].sort(byName).map((id) => ({ id, kind: 'node' }));
  const index = new Map<string, number>(lanes.map((l, i) => [l.id, i]));
  const owner = (task: string): string => {
    const t = task.startsWith('timer:') ? task.slice(6) : task.startsWith('timeout:') ? task.slice(8) : task;
    const m = messageEnds(t);
    if (m !== null && nodes.has(m.to)) return m.to;
    const slash = t.indexOf('/');
    const head = incarnationOf(slash > 0 ? t.slice(0, slash) : t);
    if (network && nodes.has(head)) return head;
    // A host node's timers and immediates (`n3:setTimeout(40)#7@pool.js:12`) live in its lane.
    const colon = t.indexOf(':');
    if (network && colon > 0 && nodes.has(incarnationOf(t.slice(0, colon)))) return incarnationOf(t.slice(0, colon));
    // The nemesis's own timers (`nemesis#1`, `nemesis:heal#1`) are its lane too.
    if (t === NEMESIS || t.startsWith(`${NEMESIS}#`) || t.startsWith(`${NEMESIS}:`)) return NEMESIS;
    return t;
  };
  const laneFor = (id: string, kind: Lane['kind']): number => {
    let i = index.get(id);
    if (i === undefined) {
      i = lanes.length;
      lanes.push({ id, kind });
      index.set(id, i);
    }
    return i;
  };
  const firstName = (detail: string): string | null => {
    const word = detail.split(/[\s(]/, 1)[0] ?? '';
    const m = messageEnds(word);
    if (m !== null && index.has(m.from)) return m.from;
    const arrow = word.indexOf('→');
    const head = arrow > 0 ? word.slice(0, arrow) : word;
    return index.has(head) ? head : null;
  };
  // Lanes in order of first appearance (deterministic), nodes first, the nemesis last.
  for (const e of trace) {
    const o = owner(e.task);
    if (o !== NEMESIS && !index.has(o)) laneFor(o, 'task');
  }
  const nemesis = (): number => laneFor(NEMESIS, 'nemesis');
  const memo = new Map<string, number>();
  const laneOf = (e: TraceEvent): number => {
    const o = owner(e.task);
    if (o === NEMESIS) {
      const named = firstName(e.obj);
      return named !== null ? index.get(named)! : nemesis();
    }
    let i = memo.get(e.task);
    if (i === undefined) memo.set(e.task, (i = index.get(o) ?? laneFor(o, 'task')));
    return i;
  };
  // Assign every line once so the nemesis lane exists (last) before the view is built.
  for (const e of trace) laneOf(e);
  return { lanes, laneOf };
}
