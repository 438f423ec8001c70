/**
 * Every JSON document the reports hold validates against the JSON Schemas shipped in
 * harness/report/schemas (the copies in dist, as the package ships them): summary.json and the
 * failure files of thread and network targets, shrunk schedules, merged shards, a regress
 * report and the seeds/ corpus. Broken documents must fail, so the check is not vacuous.
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { explore } from '../dist/harness/campaign/explore.js';
import { writeExploreReport } from '../dist/harness/report/write.js';
import { VIOLATION_KINDS } from '../dist/harness/core/violation.js';
import { DEFAULT_NET_KNOBS, PARTITION_STYLES } from '../dist/harness/faults/knobs.js';
import { LATENCY_PROFILES } from '../dist/harness/faults/weather.js';

const root = resolve(import.meta.dirname, '..');
const cli = join(root, 'dist/harness/cli/main.js');
const SRC = join(root, 'harness/report/schemas');
const DIST = join(root, 'dist/harness/report/schemas');
const NAMES = ['failure', 'summary', 'schedule', 'regress'] as const;
type Name = (typeof NAMES)[number];

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const readJson = (f: string): Json => JSON.parse(readFileSync(f, 'utf8')) as Json;
const schemas = Object.fromEntries(NAMES.map((n) => [n, readJson(join(DIST, `${n}.schema.json`))])) as Record<Name, Json>;

// strict: an unknown keyword or a typo in a schema is an error, not a silently ignored rule.
const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
ajv.addSchema(Object.values(schemas));
const validators = Object.fromEntries(NAMES.map((n) => [n, ajv.getSchema(schemas[n]['$id'] as string)!])) as Record<Name, ValidateFunction>;

function errors(name: Name, doc: unknown): string | null {
  const v = validators[name];
  return v(doc) ? null : ajv.errorsText(v.errors, { dataVar: name });
}

type Tap = { equal: (a: unknown, b: unknown, m?: string) => void; ok: (v: unknown, m?: string) => void };

function check(t: Tap, name: Name, file: string): Json {
  const doc = readJson(file);
  t.equal(errors(name, doc), null, `${file.slice(file.lastIndexOf('/', file.lastIndexOf('/') - 1) + 1)} is a valid ${name} document`);
  return doc;
}

function run(args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 300_000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

/** The one report directory a command wrote under `base`. */
function reportDir(base: string): string {
  const ds = readdirSync(base);
  if (ds.length !== 1) throw new Error(`${base} holds ${ds.length} reports`);
  return join(base, ds[0]!);
}

/** Validates summary.json, every failure file (each one the summary names exists) and every schedule. */
function checkReport(t: Tap, dir: string): { summary: Json; failures: Json[]; schedules: Json[] } {
  const summary = check(t, 'summary', join(dir, 'summary.json'));
  const ls = (sub: string): string[] => (existsSync(join(dir, sub)) ? readdirSync(join(dir, sub)).filter((f) => f.endsWith('.json')).sort() : []);
  const failures = ls('failures').map((f) => check(t, 'failure', join(dir, 'failures', f)));
  const schedules = ls('schedules').map((f) => check(t, 'schedule', join(dir, 'schedules', f)));
  const named = (summary['targets'] as Json[]).flatMap((tg) => (tg['failures'] as Json[]).map((f) => f['file'] as string | null)).filter((f) => f !== null);
  t.equal(named.filter((f) => !existsSync(join(dir, f))).length, 0, 'every failure file the summary names exists');
  t.equal(named.length, failures.length, 'and no other');
  return { summary, failures, schedules };
}

t.test('the schemas ship in dist, are draft 2020-12, versioned, and documented', async (t) => {
  for (const n of NAMES) {
    t.equal(readFileSync(join(DIST, `${n}.schema.json`), 'utf8'), readFileSync(join(SRC, `${n}.schema.json`), 'utf8'), `dist's ${n} schema is the repo's`);
    const s = schemas[n];
    t.equal(s['$schema'], 'https://json-schema.org/draft/2020-12/schema');
    t.match(s['$id'], new RegExp(`^urn:interleave:schema:${n}:1$`), `${n}: the version is in $id`);
    t.ok(typeof s['title'] === 'string' && typeof s['description'] === 'string', `${n}: title and description`);
  }
  t.equal(schemas.failure['properties'].schemaVersion.const, 1, 'failure files carry schemaVersion 1');
  t.equal(schemas.summary['properties'].schemaVersion.const, 1, 'summaries carry schemaVersion 1');
  t.equal(schemas.schedule['properties'].version.const, 1, 'a schedule file\'s own version is the schema version');
  const pkg = readJson(join(root, 'package.json'));
  t.ok((pkg['files'] as string[]).includes('dist/'), 'dist/ (and so the schemas) is in the package');
  t.equal(pkg['exports']['./schemas/*'], './dist/harness/report/schemas/*', 'importable as interleave/schemas/<name>.schema.json');
});

t.test('the schemas agree with the code\'s lists', async (t) => {
  const defs = schemas.failure['$defs'];
  t.same(Object.keys(defs.netKnobs.properties).sort(), [...Object.keys(DEFAULT_NET_KNOBS), 'pauseMsMax', 'driftPpmMax'].sort(), 'every network knob, and no other');
  t.same([...defs.netKnobs.properties.partitionStyle.enum].sort(), ['mixed', ...PARTITION_STYLES].sort(), 'partition styles');
  t.same([...defs.weather.properties.latency.enum].sort(), ['fixed', ...LATENCY_PROFILES].sort(), 'latency profiles');
  const kind = new RegExp(defs.kind.pattern as string);
  t.same(VIOLATION_KINDS.filter((k) => !kind.test(k)), [], 'every violation kind is a valid kind');
});

t.test('threads: bounded-buffer, every variant', async (t) => {
  const base = t.testdir({});
  const r = run(['run', 'bounded-buffer', '--seeds', '1..30', '--report-dir', base]);
  t.equal(r.code, 1, r.err);
  const { summary, failures } = checkReport(t, reportDir(base));
  t.equal(summary['schemaVersion'], 1);
  t.ok(failures.length > 10, `${failures.length} failure files validated`);
  t.same(new Set(failures.map((f) => f['variant'])), new Set(['check-outside-lock', 'if-not-while', 'signal-not-broadcast']), 'of every buggy variant');
  t.ok(failures.every((f) => f['schemaVersion'] === 1 && f['harness'].version === readJson(join(root, 'package.json'))['version']), 'each carries schemaVersion and the harness version');
});

t.test('network: Raft with drawn weather, then one seed under that weather (--weather)', async (t) => {
  const base = t.testdir({});
  const r = run(['run', 'raft', '--variant', 'no-lease', '--seeds', '1..5', '--report-dir', join(base, 'drawn')]);
  t.equal(r.code, 1, r.err);
  const { summary, failures } = checkReport(t, reportDir(join(base, 'drawn')));
  t.ok(failures.length > 0 && failures.every((f) => f['weather'] !== undefined && f['faultLog'].length > 0), 'failures with weather and a fault log');
  t.ok(summary['targets'][0].weatherStats !== undefined, 'weather stats');
  const file = join(reportDir(join(base, 'drawn')), 'failures', readdirSync(join(reportDir(join(base, 'drawn')), 'failures'))[0]!);
  const again = run(['run', 'raft', '--variant', 'no-lease', '--seed', failures[0]!['seed'], '--weather', file, '--report-dir', join(base, 'pinned')]);
  t.equal(again.code, 1, again.err);
  const pinned = checkReport(t, reportDir(join(base, 'pinned')));
  t.equal(typeof pinned.summary['targets'][0].options.weather, 'object', 'options.weather holds the weather');
});

t.test('pct with fixed weather and a thread fault; a report written through the API, interrupted', async (t) => {
  const base = t.testdir({});
  const r = run(['run', 'bounded-buffer', '--variant', 'if-not-while', '--strategy', 'pct', '--depth', '2', '-k', '300', '--seeds', '1..10',
    '--fixed-weather', '--faults', 'spurious', '--fault-rate', 'spurious=0.2', '--report-dir', base]);
  t.equal(r.code, 1, r.err);
  const { summary } = checkReport(t, reportDir(base));
  t.ok(summary['targets'][0].pctGuarantee !== undefined, 'pctGuarantee');
  const dir = join(base, 'api');
  const res = await explore({ target: 'latch', seeds: ['1', '2', '3'] });
  writeExploreReport(dir, [res], { command: 'api', seedSpec: '1..3', seedCount: 3, wallMs: 5, startedAt: '2026-01-01T000000Z', shard: { index: 1, count: 2 }, interrupted: true, signal: 'SIGINT' });
  checkReport(t, dir);
});

t.test('shrink: schedules, and a regress report over them', async (t) => {
  const base = t.testdir({});
  const r = run(['run', 'latch', '--variant', 'check-outside-lock', '--seeds', '1..5', '--shrink', '--report-dir', base]);
  t.equal(r.code, 1, r.err);
  const dir = reportDir(base);
  const { schedules } = checkReport(t, dir);
  t.ok(schedules.length > 0, `${schedules.length} shrunk schedules validated`);
  // The shrunk schedules as a corpus: regress replays them and says so in JSON.
  const corpus = join(base, 'corpus', 'latch');
  mkdirSync(corpus, { recursive: true });
  for (const f of readdirSync(join(dir, 'schedules'))) writeFileSync(join(corpus, f), readFileSync(join(dir, 'schedules', f)));
  const reg = run(['regress', join(base, 'corpus'), '--format', `json=${join(base, 'regress.json')}`]);
  t.equal(reg.code, 0, reg.err);
  const report = check(t, 'regress', join(base, 'regress.json'));
  t.equal(report['entries'].length, schedules.length);
});

t.test('the seeds/ corpus and its regress report', async (t) => {
  const files = readdirSync(join(root, 'seeds'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.json'));
  t.ok(files.length > 10, `${files.length} corpus files`);
  for (const f of files) check(t, 'schedule', join(root, 'seeds', f));
  const out = join(t.testdir({}), 'regress.json');
  const reg = run(['regress', join(root, 'seeds'), '--format', `json=${out}`]);
  t.equal(reg.code, 0, reg.err);
  t.equal(check(t, 'regress', out)['entries'].length, files.length);
});

t.test('merged shards: each shard and the merge validate', async (t) => {
  const base = t.testdir({});
  for (const i of [1, 2]) {
    const r = run(['run', 'bounded-buffer', '--seeds', '1..30', '--shard', `${i}/2`, '--report-dir', join(base, `s${i}`)]);
    t.equal(r.code, 1, r.err);
    t.same(checkReport(t, reportDir(join(base, `s${i}`))).summary['shard'], { index: i, count: 2 });
  }
  const m = run(['merge-reports', reportDir(join(base, 's1')), reportDir(join(base, 's2')), '--out', join(base, 'merged')]);
  t.equal(m.code, 1, m.err);
  const { summary, failures } = checkReport(t, join(base, 'merged'));
  t.equal(summary['mergedFrom'].length, 2);
  t.same([summary['shards'], summary['missingShards']], [[1, 2], []]);
  t.equal(summary['schemaVersion'], 1);
  t.ok(failures.length > 10, `${failures.length} merged failure files validated`);
});

t.test('broken documents fail: a required field gone, a wrong type, an unknown field where the shape is closed', async (t) => {
  const base = t.testdir({});
  run(['run', 'bounded-buffer', '--variant', 'if-not-while', '--seeds', '1..10', '--report-dir', base]);
  const dir = reportDir(base);
  const summary = readJson(join(dir, 'summary.json'));
  const failure = readJson(join(dir, summary['targets'][0].failures[0].file));
  t.equal(errors('summary', summary), null, 'the originals are valid');
  t.equal(errors('failure', failure), null);
  const mutate = (doc: Json, f: (d: Json) => void): Json => {
    const c = structuredClone(doc);
    f(c);
    return c;
  };
  const bad: [Name, Json, string, RegExp][] = [
    ['summary', mutate(summary, (d) => delete d['targets'][0].runs), 'a target without runs', /must have required property 'runs'/],
    ['summary', mutate(summary, (d) => delete d['schemaVersion']), 'no schemaVersion', /schemaVersion/],
    ['summary', mutate(summary, (d) => (d['schemaVersion'] = 2)), 'another schema version', /must be equal to constant/],
    ['summary', mutate(summary, (d) => (d['seedCount'] = '10')), 'seedCount a string', /seedCount must be integer/],
    ['summary', mutate(summary, (d) => (d['targets'][0].failures[0].seed = 1)), 'a numeric seed', /seed must be string/],
    ['summary', mutate(summary, (d) => delete d['targets'][0].failures[0].decisionHash), 'a failure entry without its hash', /decisionHash/],
    ['summary', mutate(summary, (d) => (d['targets'][0].failures[0].extra = true)), 'an unknown field in a failure entry', /must NOT have additional properties/],
    ['summary', mutate(summary, (d) => (d['targets'][0].failures[0].file = '../x.json')), 'a failure file outside failures/', /file/],
    ['summary', mutate(summary, (d) => (d['harness'].name = 'other')), 'another harness', /harness\/name/],
    ['summary', mutate(summary, (d) => (d['targets'][0].violationsByKind.invariant = -1)), 'a negative count', /must be >= 0/],
    ['failure', mutate(failure, (d) => delete d['violations'][0].kind), 'a violation without its kind', /must have required property 'kind'/],
    ['failure', mutate(failure, (d) => (d['violations'] = [])), 'no violations', /must NOT have fewer than 1 items/],
    ['failure', mutate(failure, (d) => (d['steps'] = 'many')), 'steps a string', /steps must be integer/],
    ['failure', mutate(failure, (d) => (d['end'] = 'crashed')), 'an unknown end', /end must be equal to one of the allowed values/],
    ['failure', mutate(failure, (d) => (d['decisionHash'] = 'xyz')), 'a malformed hash', /decisionHash must match pattern/],
    ['failure', mutate(failure, (d) => (d['traceWindow'][0].step = null)), 'a null step in the trace', /traceWindow\/0\/step must be integer/],
    ['failure', mutate(failure, (d) => (d['surprise'] = 1)), 'an unknown top-level field', /must NOT have additional properties/],
  ];
  for (const [name, doc, what, re] of bad) t.match(errors(name, doc) ?? 'valid', re, `${what}: rejected`);
  // New fields at the top of a summary and of a target are allowed: a newer harness adds them.
  t.equal(errors('summary', mutate(summary, (d) => {
    d['newField'] = { x: 1 };
    d['targets'][0].newCount = 3;
  })), null, 'unknown fields at the top and in a target pass');
  const schedule = readJson(join(root, 'seeds', 'latch', readdirSync(join(root, 'seeds', 'latch')).find((f) => f.endsWith('.json'))!));
  t.match(errors('schedule', mutate(schedule, (d) => delete d['decisions'])), /decisions/, 'a schedule without decisions: rejected');
  t.match(errors('schedule', mutate(schedule, (d) => (d['expect'] = 'fail'))), /expect must match pattern/, 'a schedule with a bad expectation: rejected');
});
