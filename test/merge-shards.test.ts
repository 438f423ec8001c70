/**
 * Scale-out: a campaign split into 200 shards (as a CI matrix, a GitLab `parallel:` job or a
 * Kubernetes Indexed Job runs it) and joined by merge-reports must say exactly what one run over
 * every seed says: the summary's counts and failing seeds, the JUnit cases, and the HTML index's
 * views. test/merge-reports.test.ts covers refusals and partial matrices on three shards.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { explore } from '../dist/harness/campaign/explore.js';
import { replay } from '../dist/harness/campaign/replay-seed.js';
import type { ExploreResult } from '../dist/harness/campaign/tally.js';
import { parseShard, shardSeeds } from '../dist/harness/campaign/shard.js';
import { exploreCases } from '../dist/harness/report/formats/cases.js';
import { junitXml } from '../dist/harness/report/formats/junit.js';
import { mergePages, readViews } from '../dist/harness/report/html/merge-pages.js';
import { pageTrace, writeRunPage } from '../dist/harness/report/html/run-page.js';
import { mergeReports, readSummary, writeMergedReport } from '../dist/harness/report/merge.js';
import { writeExploreReport } from '../dist/harness/report/write.js';

const SHARDS = 200;
const SPEC = '1..2000';
const SEEDS = Array.from({ length: 2000 }, (_, i) => String(i + 1));
const TARGET = 'bounded-buffer';
const TITLE = `interleave run ${TARGET}`;

/** One report directory as `interleave run` leaves it: summary, failure files and index.html. */
async function report(dir: string, seeds: string[], extra: object = {}): Promise<ExploreResult> {
  const r = await explore({ target: TARGET, seeds, inline: true });
  writeExploreReport(dir, [r], { command: TITLE, seedSpec: SPEC, seedCount: seeds.length, wallMs: 10, startedAt: '2026-01-01T000000Z', ...extra });
  await writeRunPage({
    dir, title: TITLE, failures: r.failures,
    replayOne: (f, tailOnly) => replay({ target: TARGET, variant: f.variant, seed: f.seed, inline: true, ...pageTrace(tailOnly) }),
  });
  return r;
}

const COUNTED = ['target', 'variants', 'strategy', 'options', 'runs', 'steps', 'violationsByKind', 'passesByVariant', 'failuresByVariant', 'firstFailure', 'failures'];
const pick = (o: object) => Object.fromEntries(COUNTED.map((k) => [k, (o as Record<string, unknown>)[k]]));
/** What a view shows, without the path its failure file has in one report or the other. */
const shown = (html: string) => (readViews(html) ?? []).map((v) => ({ variant: v.variant, seed: v.seed, label: v.label, kinds: v.violations.map((x) => x.kind) }));

t.test(`${SHARDS} shard reports merge into the report of one run over every seed`, async (t) => {
  const root = t.testdir({});
  const single = await report(join(root, 'single'), SEEDS);
  const dirs: string[] = [];
  for (let i = 1; i <= SHARDS; i++) {
    const shard = parseShard(`${i}/${SHARDS}`);
    const dir = join(root, `shard-${i}`);
    await report(dir, shardSeeds(SEEDS, shard), { shard });
    dirs.push(dir);
  }
  // Given in any order (a CI system hands artifacts back as it pleases).
  const merged = mergeReports([...dirs].reverse());
  const out = join(root, 'merged');
  writeMergedReport(out, merged, 'interleave merge-reports');
  mergePages(dirs, out, TITLE, merged.results.flatMap((r) => r.failures));

  const one = readSummary(join(root, 'single')).targets[0]!;
  t.ok(one.failures.length > 0, 'the single run has failures to compare');
  t.same(pick(readSummary(out).targets[0]!), pick(one), 'summary.json: the same counts and failing seeds');
  t.same([merged.summary.seedCount, merged.summary.missingShards], [2000, []], 'every seed, no shard missing');
  t.equal(junitXml(TITLE, exploreCases(merged.results), 0), junitXml(TITLE, exploreCases([single]), 0), 'the same JUnit cases');
  const want = shown(readFileSync(join(root, 'single', 'index.html'), 'utf8'));
  t.ok(want.length > 0, 'the single run draws views');
  t.same(shown(readFileSync(join(out, 'index.html'), 'utf8')), want, 'index.html shows the seeds one run shows, in its order');
});
