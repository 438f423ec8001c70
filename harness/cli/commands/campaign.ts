import type { ArgumentsCamelCase } from 'yargs';
import { explore, partialResultOf } from '../../campaign/explore.js';
import { replay } from '../../campaign/replay-seed.js';
import { resolveExplore, type ExploreOptions } from '../../campaign/resolve.js';
import { type ExploreResult } from '../../campaign/tally.js';
import { Session } from '../session.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { emitFormatsAround, exploreCases, parseFormats, stdoutIsMachine } from '../../report/formats/index.js';
import { mergeWeatherStats } from '../../faults/weather-stats.js';
import { ensureWritableDir } from '../../io/dirs.js';
import { BUNDLED } from '../../target/bundled.js';
import { loadTarget, targetRefName } from '../../target/load.js';
import type { Target } from '../../core/api.js';
import type { RunResult } from '../../engine/execute.js';
import { EXIT, Progress, capJobs, noteCap, seedsFromFlags } from '../common.js';
import { SeedRange, seedsOf, type SeedSeq } from '../../campaign/seeds.js';
import { drawRunPage, pageTrace } from '../../report/html/run-page.js';

export interface CampaignArgs {
  seeds?: string;
  'max-seeds'?: number;
  jobs?: number;
  strategy?: string;
  'report-dir': string;
  target?: string[];
  resume?: string;
  'max-failure-files'?: number;
  format?: string[];
  quiet?: boolean;
}

interface Row {
  target: string;
  variant: string;
  expected: string;
  runs: number;
  failed: number;
  firstSeed: string;
  kinds: string;
  ok: boolean;
}

/**
 * The main job: every bundled target and variant. Correct variants must stay clean and each
 * buggy one must be caught by the detector it is documented to trip. Exit 0 only if all are.
 */
export async function campaignCommand(a: ArgumentsCamelCase<CampaignArgs>, argv: readonly string[]): Promise<number> {
  const { spec, seeds: drawn } = seedsFromFlags({ seeds: a.seeds }, '1..300', a.resume !== undefined);
  const formats = parseFormats(a.format, 'text');
  const asked = a.jobs;
  a.jobs = capJobs(a.jobs);
  ensureWritableDir(a['report-dir']);
  const names = a.target && a.target.length > 0 ? a.target : BUNDLED.map((b) => b.name);
  for (const name of names) targetRefName(name);
  // The cheap checks are done: the journal comes before loading the targets (see run).
  const session = a.resume !== undefined
    ? Session.resume(a.resume)
    : Session.start({ reportDir: a['report-dir'], name: 'campaign', command: 'campaign', argv: argv.slice(1), seedSpec: spec, seeds: drawn });
  const targets = await session.starting(loadAll(names, a.strategy));
  if (targets === null) {
    session.finish([], { command: `interleave campaign ${session.header.argv.join(' ')}`, seedSpec: spec, seedCount: drawn.length });
    (stdoutIsMachine(formats) ? process.stderr : process.stdout).write(`interrupted before any seed ran: continue with  npx interleave campaign --resume ${session.dir}\n`);
    return session.exitCode(EXIT.ok);
  }
  noteCap(asked, a.jobs);
  const seeds = session.seedsFor(drawn);
  if (a.resume !== undefined) (stdoutIsMachine(formats) ? process.stderr : process.stdout).write(`resuming ${session.dir}\n`);
  const progress = new Progress();
  let failed = 0;
  const failing = (res: RunResult): number => (failed += res.outcome === 'violation' ? 1 : 0);
  const results: ExploreResult[] = [];
  const rows: Row[] = [];
  const common = {
    strategy: a.strategy, jobs: a.jobs,
    ...(a['max-failure-files'] !== undefined ? { maxFailureFiles: a['max-failure-files'] } : {}),
    shouldStop: () => session.interrupt.stopped,
  };
  // The target being explored: an internal error reports it with the runs made so far.
  let current: ExploreResult | null = null;
  try {
    for (const [k, name] of names.entries()) {
      if (session.interrupt.stopped) break;
      current = null;
      const r = await explore({
        target: name, seeds, ...common,
        resumed: session.resumed(name), onEntry: session.onEntry(name, name),
        onResult: (res, i, total) => progress.update(i + 1, total, failing(res), `${name} ${res.variant} seed ${res.seed}`),
      });
      current = r;
      await huntRare(r, targets[k]!, name, seeds, a, progress, session, common, failing);
      current = null;
      results.push(r);
      for (const v of r.variants) rows.push(judge(r, v, targets[k]!.expect?.[v] ?? (v === 'correct' ? 'pass' : 'violation')));
    }
  } catch (e) {
    progress.done();
    const partial = partialResultOf(e);
    const cur = current as ExploreResult | null;
    if (cur !== null && partial !== undefined) mergeInto(cur, partial);
    const ran = cur ?? partial;
    session.failed(e, ran !== undefined ? [...results, ran] : results, { command: `interleave campaign ${session.header.argv.join(' ')}`, seedSpec: spec, seedCount: seeds.length });
    throw e;
  }
  progress.done();
  session.finish(results, { command: `interleave campaign ${session.header.argv.join(' ')}`, seedSpec: spec, seedCount: seeds.length });
  const expect = new Map(targets.map((t, k) => [names[k]!, t] as const));
  const byName = new Map(results.map((r, k) => [r.target, expect.get(names[k]!)!] as const));
  const interrupted = session.interrupt.stopped ? `interrupted: continue with  npx interleave campaign --resume ${session.dir}\n` : '';
  const report = {
    title: 'interleave campaign',
    cases: exploreCases(results, (target, v) => byName.get(target)?.expect?.[v] ?? (v === 'correct' ? 'pass' : 'violation')),
    wallMs: session.wallMs,
    text: () => (a.quiet === true ? tableText(rows.filter((r) => !r.ok), seeds.length, session.wallMs, true) : tableText(rows, seeds.length, session.wallMs) + `report: ${session.dir}/summary.md\n`) + interrupted,
    json: () => readFileSync(join(session.dir, 'summary.json'), 'utf8'),
    markdown: () => readFileSync(join(session.dir, 'summary.md'), 'utf8'),
  };
  await emitFormatsAround(formats, report, async () => {
    if (stdoutIsMachine(formats) && interrupted !== '') process.stderr.write(interrupted);
    const hosted = new Set(targets.filter((t) => t.host === true).map((t) => t.name));
    const page = session.interrupt.stopped ? null : await campaignPage(results, session, hosted);
    if (page !== null && a.quiet !== true) (stdoutIsMachine(formats) ? process.stderr : process.stdout).write(`space-time view: ${page}\n`);
  });
  return session.exitCode(rows.every((r) => r.ok) ? EXIT.ok : EXIT.violations);
}

/** A campaign's page shows the first seed of each (target, variant, kind), this many in all. */
const CAMPAIGN_VIEWS = 24;

/**
 * The campaign's index.html: its first failing seeds per (target, variant, kind), each replayed in
 * process with the strategy it ran under.
 */
async function campaignPage(results: readonly ExploreResult[], session: Session, hosted: ReadonlySet<string>): Promise<string | null> {
  // Picked per (target, variant): two targets may name a variant alike.
  const failures = results.flatMap((r) => r.failures.map((f) => ({
    // By the reference it was loaded by: a campaign may name target files by path.
    ...f, variant: `${r.target}/${f.variant}`, target: r.targetRef ?? r.target, targetName: r.target, own: f.variant,
    strategy: r.strategyByVariant[f.variant] ?? r.strategy,
  })));
  return drawRunPage({
    dir: session.dir, title: 'interleave campaign', failures, perKind: 1, maxViews: CAMPAIGN_VIEWS,
    // A host target's in a worker: ctx.host.import needs the flag host workers get.
    replayOne: (f, tailOnly) => replay({
      target: f.target, variant: f.own, seed: f.seed, strategy: f.strategy, inline: !hosted.has(f.targetName),
      ...pageTrace(tailOnly),
    }),
    stopped: () => session.interrupt.stopped,
  });
}

/** Seeds run on past the list for a rare bug, a chunk at a time. */
const CHUNK = 200;

/**
 * A buggy variant whose bug did not show within the seed list runs on (seeds N+1, N+2, …) until
 * it shows or `--max-seeds` is reached: some protocol bugs need a rare weather (Raft's Figure 8
 * needs several leader changes with entries half replicated), and the campaign states how many
 * seeds each one took rather than tuning the weather for it. Each chunk is a part of the
 * journal of its own, so a resumed campaign takes the same path through them.
 */
async function huntRare(r: ExploreResult, target: Target, name: string, seeds: SeedSeq, a: CampaignArgs, progress: Progress, session: Session, common: Omit<ExploreOptions, 'target' | 'seeds'>, failing: (res: RunResult) => number): Promise<void> {
  const next = seedsAfter(seeds);
  if (next === null) return;
  const max = a['max-seeds'] ?? seeds.length * 20;
  for (const v of r.variants) {
    const expected = target.expect?.[v];
    if (expected === undefined || expected === 'pass' || caught(r, v, expected)) continue;
    for (let from = next, ran = seeds.length; ran < max && !caught(r, v, expected); from += CHUNK, ran += CHUNK) {
      if (session.interrupt.stopped) return;
      const n = Math.min(CHUNK, max - ran);
      const part = `${name}/${v}@${from}`;
      const more = await explore({
        target: name, variant: v, seeds: `${from}..${from + n - 1}`, ...common,
        resumed: session.resumed(part), onEntry: session.onEntry(part, name),
        onResult: (res, i, total) => progress.update(i + 1, total, failing(res), `${name} ${v} seed ${res.seed} (running on for a rare bug)`),
      });
      mergeInto(r, more);
    }
  }
}

/** Loads every target and checks the flags against each: a failure here is the command's (exit 2). */
async function loadAll(names: readonly string[], strategy: CampaignArgs['strategy']): Promise<Target[]> {
  const targets: Target[] = [];
  for (const name of names) targets.push((await loadTarget(name)).target);
  for (const name of names) await resolveExplore({ target: name, strategy });
  return targets;
}

/** The first seed past every seed of a numeric list (a range's end, read in O(1)); null for string seeds. */
function seedsAfter(seeds: SeedSeq): number | null {
  if (seeds instanceof SeedRange) return seeds.first + seeds.length;
  let next = 0;
  for (const s of seedsOf(seeds)) {
    if (!/^\d+$/.test(s)) return null;
    next = Math.max(next, Number(s) + 1);
  }
  return next;
}

function caught(r: ExploreResult, variant: string, kind: string): boolean {
  return r.failures.some((f) => f.variant === variant && f.kinds.includes(kind));
}

/** Adds a later slice of one variant's seeds into the campaign's result for that target. */
function mergeInto(r: ExploreResult, more: ExploreResult): void {
  r.runs += more.runs;
  r.steps += more.steps;
  for (const [k, n] of Object.entries(more.violationsByKind)) r.violationsByKind[k] = (r.violationsByKind[k] ?? 0) + n;
  for (const [v, by] of Object.entries(more.violationsByVariant)) {
    const into = (r.violationsByVariant[v] ??= {});
    for (const [k, n] of Object.entries(by)) into[k] = (into[k] ?? 0) + n;
  }
  for (const [v, n] of Object.entries(more.passesByVariant)) r.passesByVariant[v] = (r.passesByVariant[v] ?? 0) + n;
  for (const [v, n] of Object.entries(more.failuresByVariant)) r.failuresByVariant[v] = (r.failuresByVariant[v] ?? 0) + n;
  r.failures.push(...more.failures);
  if (more.failuresTruncated === true) r.failuresTruncated = true;
  if (more.interrupted === true) r.interrupted = true;
  r.hashes.push(...more.hashes);
  r.firstFailure ??= more.firstFailure;
  r.weatherStats = mergeWeatherStats([r.weatherStats, more.weatherStats]);
}

function judge(r: ExploreResult, variant: string, expected: string): Row {
  const fails = r.failures.filter((f) => f.variant === variant);
  const kinds = [...new Set(fails.flatMap((f) => f.kinds))];
  const ok = expected === 'pass' ? fails.length === 0
    : expected === 'violation' ? fails.length > 0
    : kinds.includes(expected);
  return {
    target: r.target, variant, expected,
    runs: (r.passesByVariant[variant] ?? 0) + fails.length,
    failed: fails.length,
    // The seed that showed what was expected: the one a reader replays to see the documented bug.
    firstSeed: (expected === 'pass' || expected === 'violation' ? fails[0] : fails.find((f) => f.kinds.includes(expected)) ?? fails[0])?.seed ?? '—',
    kinds: kinds.join(', ') || '—',
    ok,
  };
}

function tableText(rows: Row[], seeds: number, wallMs: number, quiet = false): string {
  if (quiet && rows.length === 0) return '';
  const lines: string[] = [];
  const write = (l: string): void => {
    lines.push(l);
  };
  const head = ['target', 'variant', 'expected', 'runs', 'failed', 'first seed', 'found', 'verdict'];
  const body = rows.map((r) => [r.target, r.variant, r.expected, String(r.runs), String(r.failed), r.firstSeed, r.kinds, r.ok ? 'ok' : 'UNEXPECTED']);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  write(`interleave campaign: ${rows.length} variants × ${seeds} seeds in ${(wallMs / 1000).toFixed(1)} s\n`);
  write(line(head) + '\n' + line(widths.map((w) => '-'.repeat(w))) + '\n');
  for (const b of body) write(line(b) + '\n');
  const bad = rows.filter((r) => !r.ok).length;
  write(bad === 0 ? 'every outcome as expected\n' : `${bad} outcome(s) not as expected\n`);
  return lines.join('');
}
