import { Rng } from '../core/rng.js';
import type { RunOptions } from '../engine/options.js';
import { execute, type RunResult } from '../engine/execute.js';
import { optionsFor, seedOptions, type Resolved } from './resolve.js';
import type { SeedExtra } from './resolve.js';
import { withWeather } from '../faults/weather-file.js';
import { makeSchedule, type ScheduleFile } from '../replay/schedule-file.js';
import { GuidedScheduler, type Flip } from '../strategies/guided.js';
import { mutate } from '../strategies/mutate.js';
import type { Decision } from '../strategies/replay.js';
import type { GuideCorpus, GuideEntry } from '../strategies/guided-corpus.js';

/** What a guided run was, on its result: its parent, the mutation, and whether it was kept. */
export interface GuidedInfo {
  parent: string | null;
  what: string;
  /** It reached a new abstract state and entered the corpus (`entry` then holds it). */
  novel: boolean;
  entry?: GuideEntry;
}

declare module '../engine/execute.js' {
  interface RunResult {
    /** A `--strategy guided` run: its parent and mutation, and the corpus entry it became. */
    guided?: GuidedInfo;
    /** A guided failure's schedule file: the only way to replay it. */
    schedule?: ScheduleFile;
  }
}

/** The strategy a guided run's schedule file names: it replays by its decisions only. */
export const GUIDED_SCHEDULE_STRATEGY = { name: 'replay', params: {} } as const;

/**
 * One seed of a guided campaign: a parent from the corpus mutated (or, with none, or one seed in
 * four, a fresh random run under the seed's own weather), run, and learnt from. A failing run
 * carries its schedule file: it is not reproducible from its seed alone.
 */
export async function runGuided(r: Resolved, corpus: GuideCorpus, variant: string, seed: string, extra?: SeedExtra): Promise<RunResult> {
  const rng = new Rng(`guided/${seed}`);
  const v = optionsFor(r, variant);
  let options: RunOptions = seedOptions(r, variant, seed);
  let list: Decision[] | null = null;
  let flip: Flip | null = null;
  let what = 'fresh';
  let parent: string | null = null;
  const pick = corpus.choose(variant, rng);
  if (pick !== null) {
    const kinds = v.space?.kinds ?? Object.keys(v.options.faults);
    const m = mutate(pick.parent, pick.other, rng, kinds);
    options = m.weather !== undefined ? withWeather(v.options, m.weather) : { ...v.options, faults: m.faults };
    ({ list, flip, what } = m);
    parent = pick.parent.seed;
  }
  if (extra?.traceAll === true) options = { ...options, traceAll: true };
  if (extra?.stopAtStep !== undefined && extra.stopAtStep > 0) options = { ...options, stopAtStep: extra.stopAtStep, stalledMs: extra.stalledMs ?? 0 };
  const res = await execute({
    target: r.target, variant, seed, strategy: { name: 'guided', params: {} }, options,
    scheduler: (_seed, entropy) => new GuidedScheduler(entropy, list, flip),
  });
  const entry: GuideEntry = { variant, seed, decisions: res.decisions, faults: { ...options.faults }, states: res.cover ?? [] };
  if (options.weather !== undefined) entry.weather = options.weather;
  const novel = corpus.learn(entry, parent);
  const info: GuidedInfo = { parent, what, novel };
  if (novel) info.entry = entry;
  res.guided = info;
  if (res.outcome === 'violation') {
    const note = `found by --strategy guided: ${what}${parent !== null ? ` of seed ${parent}'s run` : ''}; a guided run replays only from this file`;
    res.schedule = makeSchedule({ targetRef: r.targetRef, result: { ...res, strategy: { ...GUIDED_SCHEDULE_STRATEGY, params: {} } }, options, note });
  }
  return res;
}
