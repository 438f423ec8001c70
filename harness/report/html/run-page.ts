import { join } from 'node:path';
import type { RunResult } from '../../engine/execute.js';
import { MACHINE_KINDS } from '../../core/violation.js';
import { buildView, type ViewData } from './data.js';
import { pickForPage, writeHtmlReport } from './index.js';

export interface PageFailure {
  variant: string;
  seed: string;
  kinds: string[];
  decisionHash: string;
  replayCommand: string;
}

export interface RunPageInput {
  dir: string;
  title: string;
  failures: readonly PageFailure[];
  /** Re-runs one failing seed keeping its whole trace. */
  replayOne: (f: PageFailure) => Promise<RunResult>;
  /** Views to show first: the shrunk schedules, the shortest story of each bug. */
  first?: readonly ViewData[];
  stopped?: () => boolean;
}

/**
 * Writes `<dir>/index.html`: the first failing seeds per (variant, kind), each from a full replay
 * of its seed, after the shrunk schedules' views. Returns the page's
 * path, or null when there was nothing to show. A stall or heap exhaustion is not replayed:
 * it depends on the machine, and its failure file already says where it stopped.
 */
export async function writeRunPage(o: RunPageInput): Promise<string | null> {
  const picked = pickForPage(o.failures.filter((f) => !MACHINE_KINDS.includes(f.kinds[0]!)));
  const views: ViewData[] = [...(o.first ?? [])];
  for (const f of picked) {
    if (o.stopped?.() === true) break;
    const r = await o.replayOne(f);
    const v = buildView(r, f.replayCommand);
    // A replay that is not the recorded run is shown, but says so: its picture is not the failure's.
    views.push(r.decisionHash === f.decisionHash ? v : { ...v, label: `replay differs: hash ${r.decisionHash}, recorded ${f.decisionHash}` });
  }
  if (views.length === 0) return null;
  const path = join(o.dir, 'index.html');
  writeHtmlReport(path, views, o.title);
  return path;
}
