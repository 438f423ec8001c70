import { join } from 'node:path';
import type { RunResult } from '../../engine/execute.js';
import { MACHINE_KINDS } from '../../core/violation.js';
import { buildView, type ViewData } from './data.js';
import { pickForPage, writeHtmlReport } from './index.js';
import { linkPageInSummary } from './summary-links.js';
import { MAX_VIEW_EVENTS } from './data.js';

export interface PageFailure {
  variant: string;
  seed: string;
  kinds: string[];
  decisionHash: string;
  replayCommand: string;
  /** The first violation: its step says how long the run is before it is replayed. */
  first?: { step: number };
}

/**
 * A failure past this many steps is replayed keeping only its last MAX_VIEW_EVENTS lines: its
 * whole trace (about 1.4 lines a step, each an object) would cost hundreds of MB beside the
 * report, and the view would keep no more than that tail and a few key lines anyway.
 */
export const FULL_TRACE_MAX_STEPS = 200_000;

export interface RunPageInput<F extends PageFailure = PageFailure> {
  dir: string;
  title: string;
  failures: readonly F[];
  /** Re-runs one failing seed keeping its whole trace, or with `tailOnly` its last
   * MAX_VIEW_EVENTS lines (the result's traceWindow). */
  replayOne: (f: F, tailOnly: boolean) => Promise<RunResult>;
  /** Views to show first: the shrunk schedules, the shortest story of each bug. */
  first?: readonly ViewData[];
  stopped?: () => boolean;
  /** Views per (variant, kind) and in all: a campaign shows one per bug across many targets. */
  perKind?: number;
  maxViews?: number;
}

/**
 * Writes `<dir>/index.html`: the first failing seeds per (variant, kind), each from a full replay
 * of its seed, after the shrunk schedules' views, and links it from `<dir>/summary.md`. Returns the page's
 * path, or null when there was nothing to show. A stall or heap exhaustion is not replayed:
 * it depends on the machine, and its failure file already says where it stopped.
 */
export async function writeRunPage<F extends PageFailure>(o: RunPageInput<F>): Promise<string | null> {
  const picked = pickForPage(o.failures.filter((f) => !MACHINE_KINDS.includes(f.kinds[0]!)), o.perKind, o.maxViews);
  const views: ViewData[] = [...(o.first ?? [])];
  for (const f of picked) {
    if (o.stopped?.() === true) break;
    const tailOnly = (f.first?.step ?? 0) > FULL_TRACE_MAX_STEPS;
    const r = await o.replayOne(f, tailOnly);
    const v = buildView(tailOnly ? { ...r, trace: r.traceWindow } : r, f.replayCommand);
    // A replay that is not the recorded run is shown, but says so: its picture is not the failure's.
    if (r.decisionHash !== f.decisionHash) views.push({ ...v, label: `replay differs: hash ${r.decisionHash}, recorded ${f.decisionHash}` });
    else views.push(tailOnly ? { ...v, label: `its last ${v.totalEvents} timeline lines only` } : v);
  }
  if (views.length === 0) return null;
  // A campaign's targets share variant names (`check-outside-lock`): each view keeps an id of its own.
  const ids = new Set<string>();
  for (const [k, v] of views.entries()) {
    if (ids.has(v.id)) views[k] = { ...v, id: `${v.target}-${v.id}` };
    ids.add(views[k]!.id);
  }
  const path = join(o.dir, 'index.html');
  writeHtmlReport(path, views, o.title);
  linkPageInSummary(o.dir, views);
  return path;
}

/** What a page's replay keeps: the whole trace, or with `tailOnly` its last MAX_VIEW_EVENTS lines. */
export function pageTrace(tailOnly: boolean): { traceWindow: number } | { trace: true } {
  return tailOnly ? { traceWindow: MAX_VIEW_EVENTS } : { trace: true };
}

/** writeRunPage for a command's report: the page is a reading aid, so failing to draw it warns. */
export function drawRunPage<F extends PageFailure>(o: RunPageInput<F>): Promise<string | null> {
  return writeRunPage(o).catch((e: unknown) => {
    process.stderr.write(`interleave: warning: index.html not written: ${e instanceof Error ? e.message : String(e)}\n`);
    return null;
  });
}
