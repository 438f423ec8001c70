/**
 * CI formats: JUnit that Jenkins' own schema accepts and whose counts agree with summary.json,
 * GitHub annotations and job summary, TAP, JSON and Markdown, from every command that reports.
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { githubAnnotations, ANNOTATIONS } from '../dist/harness/report/formats/github.js';
import { exploreCases } from '../dist/harness/report/formats/cases.js';
import type { CaseRow } from '../dist/harness/report/formats/cases.js';

const root = resolve(import.meta.dirname, '..');
const cli = join(root, 'dist/harness/cli/main.js');
const XSD = join(root, 'harness/report/schemas/junit-10.xsd');
const hasXmllint = spawnSync('xmllint', ['--version']).status === 0;

function run(args: string[], env: NodeJS.ProcessEnv = {}): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 300_000, env: { ...process.env, ...env } });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

/** Jenkins' schema accepts the file (xmllint; .ci/run installs it where it is missing). */
function validates(t: { fail: (m: string) => void; skip: (m: string) => void; equal: (a: unknown, b: unknown, m: string) => void }, file: string): void {
  if (!hasXmllint) {
    if (process.env['CI'] !== undefined) t.fail('xmllint is missing on CI: .ci/run installs libxml2-utils');
    else t.skip('xmllint not installed here (apt-get install libxml2-utils)');
    return;
  }
  const r = spawnSync('xmllint', ['--noout', '--schema', XSD, file], { encoding: 'utf8' });
  t.equal(r.status, 0, `${file} validates against junit-10.xsd: ${r.stderr}`);
}

const count = (xml: string, re: RegExp): number => (xml.match(re) ?? []).length;
const attr = (xml: string, el: string, name: string): string => new RegExp(`<${el} [^>]*${name}="([^"]*)"`).exec(xml)![1]!;

t.test('run: junit, json, tap and markdown files, github on stdout, job summary appended', async (t) => {
  const dir = t.testdir({ 'step-summary.md': '# earlier step\n' });
  const f = (n: string) => join(dir, n);
  const r = run(['run', 'bounded-buffer', '--seeds', '1..40', '--report-dir', f('rep'),
    '--format', `junit=${f('r.xml')}`, '--format', `json=${f('s.json')}`, '--format', `tap=${f('r.tap')}`, '--format', `markdown=${f('r.md')}`, '--format', 'github'],
  { GITHUB_STEP_SUMMARY: f('step-summary.md') });
  t.equal(r.code, 1, r.err);
  const reportDir = join(f('rep'), readdirSync(f('rep'))[0]!);
  const summary = JSON.parse(readFileSync(join(reportDir, 'summary.json'), 'utf8'));
  const target = summary.targets[0];
  validates(t, f('r.xml'));
  const xml = readFileSync(f('r.xml'), 'utf8');
  // The counts say what summary.json says: a file that validates but says nothing fails here.
  const failing = target.variants.filter((v: string) => target.failuresByVariant[v] > 0);
  t.equal(Number(attr(xml, 'testsuites', 'tests')), target.variants.length, 'one testcase per variant');
  t.equal(Number(attr(xml, 'testsuites', 'failures')), failing.length, 'a failure per variant with violations');
  t.equal(count(xml, /<failure /g), failing.length);
  for (const v of target.variants) {
    t.match(xml, new RegExp(`<testcase classname="bounded-buffer" name="${v}" assertions="40"`), `${v}: classname is the target, name the variant`);
    for (const [kind, n] of Object.entries(target.violationsByVariant[v] ?? {})) t.match(xml, new RegExp(`${kind} ${n}`), `${v}: ${kind} ${n} in the message`);
  }
  t.ok(count(xml, /replay: npx interleave replay/g) <= 20 * failing.length, 'at most 20 replay commands per case');
  t.equal(readFileSync(f('s.json'), 'utf8'), readFileSync(join(reportDir, 'summary.json'), 'utf8'), 'json is summary.json');
  t.equal(readFileSync(f('r.md'), 'utf8'), readFileSync(join(reportDir, 'summary.md'), 'utf8'), 'markdown is summary.md');
  const tap = readFileSync(f('r.tap'), 'utf8');
  t.match(tap, /^TAP version 14\n1\.\.4\n/);
  t.equal(count(tap, /^not ok /gm), failing.length);
  const errors = r.out.split('\n').filter((l) => l.startsWith('::error '));
  t.ok(errors.length >= failing.length && errors.length <= ANNOTATIONS, `${errors.length} ::error lines`);
  t.match(errors[0]!, /^::error title=interleave%3A bounded-buffer [a-z-]+%3A ([a-z-]+)::\1 in \d+ of 40 seeds; replay: npx interleave replay bounded-buffer/);
  t.notMatch(r.out, /interleave: bounded-buffer with random/, 'the text summary moved off stdout');
  const step = readFileSync(f('step-summary.md'), 'utf8');
  t.match(step, /^# earlier step\n# interleave run summary/, 'the job summary was appended to');
});

t.test('campaign: an expected violation passes in JUnit; regress and merge-reports validate too', async (t) => {
  const dir = t.testdir({});
  const c = run(['campaign', '--target', 'latch', '--seeds', '1..30', '--report-dir', join(dir, 'c'), '--format', 'junit']);
  t.equal(c.code, 0, c.err);
  writeFileSync(join(dir, 'c.xml'), c.out);
  validates(t, join(dir, 'c.xml'));
  t.equal(attr(c.out, 'testsuites', 'failures'), '0', 'the buggy variant was caught as documented: no failure');
  t.match(c.out, /<testcase classname="latch" name="check-outside-lock" assertions="\d+"\/>/);

  const g = run(['regress', join(root, 'seeds'), '--format', `junit=${join(dir, 'g.xml')}`, '--format', `json=${join(dir, 'g.json')}`]);
  t.equal(g.code, 0, g.err);
  t.match(g.out, /^TAP version 14/, 'regress keeps TAP on stdout');
  validates(t, join(dir, 'g.xml'));
  const entries = JSON.parse(readFileSync(join(dir, 'g.json'), 'utf8')).entries;
  t.equal(Number(attr(readFileSync(join(dir, 'g.xml'), 'utf8'), 'testsuites', 'tests')), entries.length, 'one testcase per corpus entry');

  for (const i of [1, 2]) t.equal(run(['run', 'latch', '--seeds', '1..20', '--shard', `${i}/2`, '--report-dir', join(dir, `s${i}`)]).code, 1);
  const shards = [1, 2].map((i) => join(dir, `s${i}`, readdirSync(join(dir, `s${i}`))[0]!));
  const m = run(['merge-reports', ...shards, '--out', join(dir, 'm'), '--format', `junit=${join(dir, 'm.xml')}`]);
  t.equal(m.code, 1, m.err);
  validates(t, join(dir, 'm.xml'));
  t.match(readFileSync(join(dir, 'm.xml'), 'utf8'), /tests="2" failures="1"/);
});

t.test('a github annotation names the first seed of its own kind', async (t) => {
  // seed 1 failed an assert, seed 8 was the first lost wakeup: each annotation replays its own.
  const failures = [
    { variant: 'v', seed: '1', kinds: ['assert'], replayCommand: 'replay --seed 1' },
    { variant: 'v', seed: '8', kinds: ['lost-wakeup'], replayCommand: 'replay --seed 8' },
    { variant: 'v', seed: '9', kinds: ['assert', 'lost-wakeup'], replayCommand: 'replay --seed 9' },
  ];
  const result = { target: 't', variants: ['v'], failures, failuresByVariant: { v: 3 }, passesByVariant: { v: 7 }, violationsByVariant: { v: { assert: 2, 'lost-wakeup': 2 } } };
  const rows = exploreCases([result as unknown as Parameters<typeof exploreCases>[0][number]]);
  t.same(rows[0]!.replayByKind, { assert: 'replay --seed 1', 'lost-wakeup': 'replay --seed 8' });
  const lines = githubAnnotations(rows).trim().split('\n');
  t.match(lines.find((l) => l.includes('%3A lost-wakeup::')), /replay: replay --seed 8$/);
  t.match(lines.find((l) => l.includes('%3A assert::')), /replay: replay --seed 1$/);
});

t.test('github folds past 10 annotations into one notice', async (t) => {
  const rows: CaseRow[] = Array.from({ length: 15 }, (_, i) => ({ suite: 't', name: `v${i}`, ok: false, runs: 10, failed: 2, kinds: { deadlock: 2 }, replays: [`npx interleave replay t --variant v${i} --seed 1`] }));
  const lines = githubAnnotations(rows).trim().split('\n');
  t.equal(lines.filter((l) => l.startsWith('::error ')).length, ANNOTATIONS);
  t.match(lines[lines.length - 1]!, /^::notice title=interleave::5 more findings folded \(15 in all\)/);
  t.match(githubAnnotations([{ suite: 't', name: 'ok', ok: true, runs: 3, failed: 0, kinds: {}, replays: [] }]), /^::notice title=interleave::1 cases as expected/);
});

t.test('bad --format input is one line and exit 2', async (t) => {
  const dir = t.testdir({});
  for (const [args, re] of [
    [['--format', 'xml'], /unknown format/],
    [['--format', 'json', '--format', 'tap'], /would both go to stdout/],
    [['--format', `github=${join(dir, 'x')}`], /give it no file/],
    [['--format', `junit=${join(dir, 'a.xml')}`, '--format', `tap=${join(dir, 'a.xml')}`], /two formats would write/],
  ] as const) {
    const r = run(['run', 'latch', '--seeds', '1..2', '--report-dir', join(dir, 'r'), ...args]);
    t.equal(r.code, 2, args.join(' '));
    t.match(r.err, new RegExp(`^interleave: --format.*${re.source}.*\\n$`));
    t.notOk(existsSync(join(dir, 'r')) && readdirSync(join(dir, 'r')).length > 0, 'nothing ran');
  }
});
