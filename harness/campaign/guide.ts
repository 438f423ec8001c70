import { join } from 'node:path';
import type { RunResult } from '../engine/execute.js';
import type { CommandOptions } from '../replay/command.js';
import { GuideCorpus, type GuideEntry } from '../strategies/guided-corpus.js';
import { loadGuide, saveGuide } from './guide-file.js';

/** What a guided campaign keeps beside its corpus: where it persists, and what it loaded. */
export interface GuideCampaign {
  corpus: GuideCorpus;
  /** Entries read from --guide-dir (handed to every worker at its start). */
  loaded: GuideEntry[];
  dir: string | null;
  target: string;
  /** Variant → its options: each variant's corpus is a file of its own, keyed by them. */
  options: Record<string, CommandOptions>;
}

export function startGuide(target: string, options: Record<string, CommandOptions>, dir: string | undefined): GuideCampaign {
  const corpus = new GuideCorpus();
  const loaded = dir === undefined ? [] : Object.entries(options).flatMap(([v, o]) => loadGuide(dir, target, v, o));
  for (const e of loaded) corpus.adopt(e);
  return { corpus, loaded, dir: dir ?? null, target, options };
}

/** The main thread's copy of a corpus its workers grow: each result as it arrives. With one
 * worker the arrival order is the worker's own, so this copy is the worker's corpus exactly. */
export function learnArrival(g: GuideCampaign, res: RunResult): void {
  const info = res.guided;
  if (info === undefined) return;
  if (info.entry !== undefined) g.corpus.learn(info.entry, info.parent);
  else g.corpus.learn({ variant: res.variant, seed: res.seed, decisions: [], faults: {}, states: res.cover ?? [] }, info.parent);
}

/** Writes the corpus back to --guide-dir, a file per variant; returns the files, or null without a dir. */
export function finishGuide(g: GuideCampaign): string | null {
  if (g.dir === null) return null;
  const all = g.corpus.all();
  return Object.entries(g.options).map(([v, o]) => saveGuide(g.dir!, g.target, v, o, all.filter((e) => e.variant === v))).join(', ');
}

/** A guided failure's schedule file, beside its failure file. */
export function scheduleFileOf(failureFile: string): string {
  return failureFile.replace(/\.json$/, '.schedule.json');
}

/** The replay command of a guided failure: only its schedule file reproduces it. */
export function guidedReplayCommand(reportDir: string | undefined, failureFile: string | null | undefined): string {
  if (failureFile === null || failureFile === undefined) return 'not reproducible from its seed (a guided run), and past --max-failure-files no schedule file was written';
  return `npx interleave replay --schedule ${join(reportDir ?? '<report dir>', scheduleFileOf(failureFile))}`;
}
