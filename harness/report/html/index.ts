import type { RunResult } from '../../engine/execute.js';
import { writeFileAtomic } from '../../io/atomic.js';
import { buildView, type ViewData } from './data.js';
import { renderPage } from './page.js';

export { buildView, MAX_VIEW_EVENTS, violationSteps, type ViewData, type ViewEvent, type ViewViolation } from './data.js';
export { renderPage } from './page.js';
export type { Lane } from './lanes.js';
export type { Link } from './links.js';
export type { Band, LeadershipInterval } from './intervals.js';

/** Views a report's index.html holds per (variant, first kind): the first failing seeds. */
export const VIEWS_PER_KIND = 3;
/** Views one index.html holds at most (each is a full replay, so this bounds the time too). */
export const MAX_VIEWS = 12;

/** The failures a report's page shows: the first VIEWS_PER_KIND per (variant, kind), MAX_VIEWS in all. */
export function pickForPage<F extends { variant: string; kinds: readonly string[] }>(failures: readonly F[], perKind = VIEWS_PER_KIND, max = MAX_VIEWS): F[] {
  const count = new Map<string, number>();
  const out: F[] = [];
  for (const f of failures) {
    const key = `${f.variant}\u0000${f.kinds[0] ?? ''}`;
    const n = count.get(key) ?? 0;
    if (n >= perKind) continue;
    count.set(key, n + 1);
    out.push(f);
    if (out.length >= max) break;
  }
  return out;
}

/** Writes one page of views (one seed for `replay --html`, the run's picks for index.html). */
export function writeHtmlReport(path: string, views: readonly ViewData[], title: string): void {
  writeFileAtomic(path, renderPage(views, title));
}

/** One seed's page, from a replay that kept its whole trace. */
export function htmlForRun(r: RunResult, replayCommand: string, label?: string, scheduled = false): string {
  const v = buildView(r, replayCommand, undefined, scheduled);
  return renderPage([label === undefined ? v : { ...v, label }], v.title);
}
