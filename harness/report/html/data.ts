import type { RunResult } from '../../engine/execute.js';
import type { TraceEvent } from '../../core/trace.js';
import { describeRemaining, runWeatherText } from '../../faults/weather.js';
import { classifyLanes, type Lane } from './lanes.js';
import { findLinks, type Link } from './links.js';
import { leadershipIntervals, faultBands, type Band, type LeadershipInterval } from './intervals.js';

/**
 * Events one view embeds at most. A 20,000-step Raft run has ~26,000 timeline lines; the page
 * keeps the steps just before the end (where the violation is), every fault and leadership
 * signal, and every step a violation names, so it stays a few hundred KB and opens fast.
 */
export const MAX_VIEW_EVENTS = 3000;

/** One mark: the timeline line, its lane and task (indexes into the view's tables). */
export interface ViewEvent {
  /** Position in the full timeline (stable id: links refer to it). */
  i: number;
  step: number;
  timeMs: number;
  lane: number;
  task: number;
  op: string;
  obj: string;
  result: string;
  /** Set on a fault line: the fault's kind. */
  fault?: string;
  /** A send's or delivery's message payload, in short form. */
  note?: string;
}

export interface ViewViolation {
  kind: string;
  step: number;
  timeMs: number;
  actors: string[];
  message: string;
  details: string;
  /** Steps the violation is made of (its own, the lost signal, the stale read, the two leaders'). */
  steps: number[];
}

/** Everything one seed's space-time view draws; serialised into the page as JSON. */
export interface ViewData {
  id: string;
  /** What this view is, beside its seed (`shrunk`), for the selector. */
  label?: string;
  title: string;
  target: string;
  variant: string;
  seed: string;
  strategy: string;
  weather: string | null;
  workload: string | null;
  replayCommand: string;
  end: string;
  steps: number;
  timeMs: number;
  decisionHash: string;
  network: boolean;
  lanes: Lane[];
  tasks: string[];
  events: ViewEvent[];
  links: Link[];
  leadership: LeadershipInterval[];
  bands: Band[];
  violations: ViewViolation[];
  /** The timeline had this many lines; `events` holds `events.length` of them. */
  totalEvents: number;
  /** The first timeline position of the contiguous tail kept in full. */
  tailFrom: number;
}

/** Timeline positions kept: the tail, plus the few lines that explain it from earlier on. */
function chooseWindow(trace: readonly TraceEvent[], keySteps: ReadonlySet<number>, max: number): { keep: number[]; tailFrom: number } {
  const n = trace.length;
  if (n <= max) return { keep: trace.map((_, i) => i), tailFrom: 0 };
  const early: number[] = [];
  for (let i = 0; i < n; i++) {
    const e = trace[i]!;
    if (e.task === 'nemesis' || e.op === 'signalLeadership' || e.op === 'start' || keySteps.has(e.step)) early.push(i);
  }
  // Key lines get at most a third of the budget, so the tail always shows the run's end in full.
  const keyBudget = Math.floor(max / 3);
  const tailFrom = Math.max(0, n - (max - Math.min(early.length, keyBudget)));
  const keepEarly = early.filter((i) => i < tailFrom);
  // Too many key lines: keep those the violation names first, then the latest others.
  const named = keepEarly.filter((i) => keySteps.has(trace[i]!.step));
  const rest = keepEarly.filter((i) => !keySteps.has(trace[i]!.step));
  const early2 = [...named, ...rest.slice(Math.max(0, rest.length - (keyBudget - named.length)))].sort((a, b) => a - b);
  const keep = early2.concat(Array.from({ length: n - tailFrom }, (_, k) => tailFrom + k));
  return { keep, tailFrom };
}

/** Steps a violation's details name: any `step`, `steps`, `…Step` or `…Steps` field, at any depth. */
export function violationSteps(v: { step: number; details?: Record<string, unknown> }): number[] {
  const out = new Set<number>([v.step]);
  const walk = (x: unknown, key: string): void => {
    if (typeof x === 'number' && Number.isInteger(x) && (key === 'step' || key === 'steps' || key.endsWith('Step') || key.endsWith('Steps'))) out.add(x);
    else if (Array.isArray(x)) for (const y of x) walk(y, key);
    else if (x !== null && typeof x === 'object') for (const [k, y] of Object.entries(x)) walk(y, k);
  };
  walk(v.details ?? {}, '');
  return [...out].sort((a, b) => a - b);
}

function strategyText(s: RunResult['strategy']): string {
  const extra = Object.entries(s.params ?? {}).map(([k, v]) => `${k}=${String(v)}`);
  return extra.length > 0 ? `${s.name} (${extra.join(', ')})` : s.name;
}

/** Builds one view from a full-trace replay (`trace` set). Deterministic: same run, same data. */
/** `scheduled`: a schedule's replay (a shrunk one): its header's weather names the faults left, not the drawn rates. */
export function buildView(r: RunResult, replayCommand: string, maxEvents = MAX_VIEW_EVENTS, scheduled = false): ViewData {
  if (r.trace === undefined) throw new Error('buildView needs a full trace: replay with trace (traceAll) on');
  const trace = r.trace;
  // The first invariant violation's blame: its writes' steps ringed, and named after its message.
  const blame = r.invariantBlame;
  const violations: ViewViolation[] = r.violations.map((v, i) => {
    const blamed = i === 0 && blame !== undefined;
    return {
      kind: v.kind, step: v.step, timeMs: v.timeMs, actors: [...v.actors],
      message: blamed ? `${v.message}; made false by: ${blame.text}` : v.message,
      details: v.details === undefined ? '' : JSON.stringify(v.details, null, 1),
      steps: blamed ? violationSteps({ step: v.step, details: { ...v.details, writes: blame.writes } }) : violationSteps(v),
    };
  });
  const keySteps = new Set(violations.flatMap((v) => v.steps));
  const { keep, tailFrom } = chooseWindow(trace, keySteps, maxEvents);
  const { lanes, laneOf } = classifyLanes(trace, r.network === true);
  const tasks: string[] = [];
  const taskIdx = new Map<string, number>();
  const events: ViewEvent[] = keep.map((i) => {
    const e = trace[i]!;
    let t = taskIdx.get(e.task);
    if (t === undefined) {
      t = tasks.length;
      tasks.push(e.task);
      taskIdx.set(e.task, t);
    }
    const ev: ViewEvent = { i, step: e.step, timeMs: e.timeMs, lane: laneOf(e), task: t, op: e.op, obj: e.obj, result: e.result };
    if (e.task === 'nemesis') ev.fault = e.op;
    if (e.note !== undefined) ev.note = e.note;
    return ev;
  });
  const kept = new Set(keep);
  const laneOfPos = (i: number): number => laneOf(trace[i]!);
  return {
    id: `${r.variant}-${r.seed}`,
    title: `${r.target} ${r.variant} seed ${r.seed}`,
    target: r.target, variant: r.variant, seed: r.seed,
    strategy: strategyText(r.strategy),
    weather: r.weather === undefined ? null : scheduled ? describeRemaining(r.weather, r.faultLog) : runWeatherText(r) ?? null,
    workload: r.workload === undefined ? null : Object.entries(r.workload).map(([k, v]) => `${k}=${v}`).join(' '),
    replayCommand, end: r.end, steps: r.steps, timeMs: r.timeMs, decisionHash: r.decisionHash,
    network: r.network === true,
    lanes, tasks, events,
    links: findLinks(trace).filter((l) => kept.has(l.from) && (l.to === null || kept.has(l.to))),
    leadership: leadershipIntervals(trace, laneOfPos),
    bands: faultBands(trace, lanes),
    violations,
    totalEvents: trace.length,
    tailFrom,
  };
}
