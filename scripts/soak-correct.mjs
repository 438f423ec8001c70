#!/usr/bin/env node
// The correct-variant soak (issue 25, item 5): every bundled `correct` variant, every
// test/fixtures and bench/fixtures/net target with a `correct` variant, N seeds each under the
// default per-seed weather and plain flags, through the CLI as a user runs it. Prints one row per
// target (seeds, violations, kinds, wall time) and exits 1 if any correct variant failed.
//
//   node scripts/soak-correct.mjs [--seeds 1..10000] [--jobs 2] [--only name,name]
// Run after `npm run build`. Each target's report stays in reports/ for whoever must trace a row.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const flag = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : dflt;
};
const seeds = flag('seeds', '1..10000');
const jobs = flag('jobs', '2');
const only = flag('only', '')?.split(',').filter(Boolean) ?? [];

/** Fixtures whose only variant is named `correct` but which exist to fail: host-stale plants a
 * duplicate leadership to test a run's end, host-esm-require is the usage error of require()-ing an
 * ES module, net-stream is a factory of targets (no default export). */
const NOT_CORRECT = new Set(['host-stale.ts', 'host-esm-require.ts', 'net-stream.ts']);

/** A fixture file is soaked when it declares a `correct` variant (read as text: no import needed). */
function fixturesWithCorrect(dir) {
  return readdirSync(join(root, dir))
    .filter((f) => f.endsWith('.ts') && !NOT_CORRECT.has(f))
    .sort()
    .filter((f) => /variants:\s*\[[^\]]*'correct'/.test(readFileSync(join(root, dir, f), 'utf8')))
    .map((f) => join(dir, f));
}

const targets = ['bounded-buffer', 'latch', 'wait-unlock-misuse', 'raft',
  ...fixturesWithCorrect('test/fixtures'), ...fixturesWithCorrect('bench/fixtures/net')]
  .filter((t) => only.length === 0 || only.some((o) => t.includes(o)));

const cli = join(root, 'dist/harness/cli/main.js');
let bad = 0;
console.log(`correct variants, seeds ${seeds}, default weather, --jobs ${jobs}`);
console.log('| target | seeds | violations | kinds | wall s |');
console.log('|---|---:|---:|---|---:|');
for (const t of targets) {
  const r = spawnSync(process.execPath, [cli, 'run', t, '--variant', 'correct', '--seeds', seeds, '--jobs', jobs],
    { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 });
  const m = /report: (\S+)\/summary\.md/.exec(r.stdout);
  if (m === null || (r.status !== 0 && r.status !== 1)) {
    bad++;
    console.log(`| ${t} | – | – | exit ${r.status}: ${(r.stderr || r.stdout).trim().split('\n')[0]} | – |`);
    continue;
  }
  const s = JSON.parse(readFileSync(join(root, m[1], 'summary.json'), 'utf8'));
  const tt = s.targets[0];
  const failed = tt.failuresByVariant.correct ?? 0;
  if (failed > 0) bad++;
  const kinds = Object.entries(tt.violationsByKind).map(([k, n]) => `${k} ${n}`).join(', ') || '–';
  console.log(`| ${t} | ${s.seedCount} | ${failed} | ${kinds} | ${(s.wallMs / 1000).toFixed(0)} |`);
}
process.exit(bad === 0 ? 0 : 1);
