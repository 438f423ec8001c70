// Hostile input (issue 8): random and mutated input to every parser must give a result or a
// UsageError, never another exception, a stack trace or unbounded memory. fast-check with fixed
// seeds, so every run tries the same inputs.
import t from 'tap';
import fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { UsageError } from '../dist/harness/core/errors.js';
import { parseSeeds } from '../dist/harness/campaign/seeds.js';
import { canonicalSeed } from '../dist/harness/core/seed.js';
import {
  decisionLimit, decodeDecisions, encodeDecisions, readScheduleFile, scheduleDecisions, scheduleRunOptions,
} from '../dist/harness/replay/index.js';
import { regress } from '../dist/harness/regress/regress.js';
import { loadTarget } from '../dist/harness/target/load.js';

const root = resolve(import.meta.dirname, '..');
const cli = join(root, 'dist/harness/cli/main.js');
const work = mkdtempSync(join(tmpdir(), 'interleave-hostile-'));
const SEED = 42;

type Check = { failed: boolean; counterexample: unknown; errorInstance: unknown };

/** What the parsers under the current property gave: a property that never saw both proves little. */
const outcomes = { value: 0, usage: 0 };

/**
 * One tap assertion per property (the counterexample, shrunk, and what it threw), and one more
 * that it tried inputs of both kinds, accepted and refused, when it went through valueOrUsage.
 */
async function holds(t: Tap.Test, name: string, check: () => Promise<Check> | Check): Promise<void> {
  outcomes.value = 0;
  outcomes.usage = 0;
  const d = await check();
  const err = d.errorInstance instanceof Error ? d.errorInstance.stack ?? d.errorInstance.message : d.errorInstance ?? 'returned false';
  t.equal(d.failed ? `${JSON.stringify(d.counterexample)}\n${String(err)}` : null, null, name);
  if (outcomes.value + outcomes.usage > 0) {
    t.ok(outcomes.value > 0 && outcomes.usage > 0, `  … tried both: ${outcomes.value} accepted, ${outcomes.usage} UsageErrors`);
  }
}

/** The parser's contract: a value, or a UsageError. Anything else is rethrown and fails. */
function valueOrUsage<T>(f: () => T): T | UsageError {
  try {
    return accepted(f());
  } catch (e) {
    return refused(e);
  }
}
async function valueOrUsageAsync<T>(f: () => Promise<T>): Promise<T | UsageError> {
  try {
    return accepted(await f());
  } catch (e) {
    return refused(e);
  }
}
function accepted<T>(v: T): T {
  outcomes.value++;
  return v;
}
function refused(e: unknown): UsageError {
  if (!(e instanceof UsageError)) throw e;
  outcomes.usage++;
  return e;
}

// ---- mutation ---------------------------------------------------------------------------------

type Edit = { op: 'insert' | 'delete' | 'replace'; at: number; n: number; text: string };
const PIECES = [
  ...'0123456789abcdefx*.,;:%v-+e {}[]"\\\n\t\u0000é→'.split(''), '\uD800',
  '9999999999', '*49999999', '..', '-1', 'null', '1e999', 'NaN', '%E2%86', 'v2:', '__proto__', 'constructor',
];
const edit: fc.Arbitrary<Edit> = fc.record({
  op: fc.constantFrom('insert', 'delete', 'replace'),
  at: fc.nat(),
  n: fc.integer({ min: 1, max: 6 }),
  text: fc.oneof(fc.constantFrom(...PIECES), fc.string({ unit: 'binary', maxLength: 3 })),
}) as fc.Arbitrary<Edit>;

function applyEdits(s: string, edits: readonly Edit[]): string {
  for (const e of edits) {
    const i = e.at % (s.length + 1);
    if (e.op === 'insert') s = s.slice(0, i) + e.text + s.slice(i);
    else if (e.op === 'delete') s = s.slice(0, i) + s.slice(i + e.n);
    else s = s.slice(0, i) + e.text + s.slice(i + e.n);
  }
  return s;
}
const mutated = (base: fc.Arbitrary<string>, maxEdits = 4): fc.Arbitrary<string> =>
  fc.tuple(base, fc.array(edit, { minLength: 1, maxLength: maxEdits })).map(([s, es]) => applyEdits(s, es));

/** A structural edit of a JSON document: set or delete the value at a key path. */
type JsonEdit = { path: string[]; value: unknown; del: boolean };
const SCHEDULE_KEYS = [
  'format', 'version', 'target', 'variant', 'strategy', 'name', 'params', 'options', 'durationMs', 'maxSteps',
  'faults', 'ignore', 'net', 'weather', 'workload', 'latency', 'seed', 'decisions', 'expect', 'decisionHash',
  'steps', 'note', 'faultWindowMs', 'livenessMs', 'eventLatencyMs', 'swarm', 'drop', 'depth', 'k',
  'constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf',
];
const ODD_VALUES: unknown[] = [
  null, [], {}, -1, 0, 1, 0.5, 1e308, -1e308, 2 ** 53, '', ' ', 'constructor', '__proto__', 'v1:;x0*49999999',
  'v1:a;0*4000001', 'pass', 'violation:deadlock', 'pct', 'fixed', 'random', true, false, ['x'], { constructor: 1 },
];
const jsonEdit: fc.Arbitrary<JsonEdit> = fc.record({
  path: fc.array(fc.oneof(fc.constantFrom(...SCHEDULE_KEYS), fc.string({ maxLength: 4 })), { minLength: 1, maxLength: 3 }),
  value: fc.oneof(fc.constantFrom(...ODD_VALUES), fc.jsonValue({ maxDepth: 2 })),
  del: fc.boolean(),
});

function applyJsonEdits(doc: unknown, edits: readonly JsonEdit[]): unknown {
  const copy = JSON.parse(JSON.stringify(doc)) as unknown;
  for (const e of edits) {
    let cur = copy as Record<string, unknown>;
    for (const k of e.path.slice(0, -1)) {
      const next = Object.prototype.hasOwnProperty.call(cur, k) ? cur[k] : undefined;
      if (next === null || typeof next !== 'object') break;
      cur = next as Record<string, unknown>;
    }
    if (cur === null || typeof cur !== 'object') continue;
    const last = e.path[e.path.length - 1]!;
    if (e.del) delete cur[last];
    // defineProperty, not assignment: a key `__proto__` must become a real key in the JSON.
    else Object.defineProperty(cur, last, { value: e.value, enumerable: true, writable: true, configurable: true });
  }
  return copy;
}

// ---- the seed-range parser --------------------------------------------------------------------

t.test('parseSeeds and canonicalSeed: a seed list or a UsageError, never past 2^53 seeds', async (t) => {
  // Small numbers, and ones past what a range may hold or a double can count exactly.
  const num = fc.oneof(
    fc.nat({ max: 300 }).map(String),
    fc.bigInt({ min: 2n ** 40n, max: 2n ** 80n }).map(String),
    fc.constantFrom('0', '007', '1e3', '0x10', '-5', '9007199254740993', '', ' ', '1.5', 'NaN', 'Infinity'),
  );
  const spec = fc.oneof(
    fc.tuple(num, num).map(([a, b]) => `${a}..${b}`),
    fc.array(num, { minLength: 1, maxLength: 4 }).map((xs) => xs.join(',')),
    num.map((n) => `random:${n}`),
    fc.tuple(num, fc.constantFrom('-', '–', ':', '_', ' - ', '...', '.'), num).map(([a, s, b]) => `${a}${s}${b}`),
    fc.string({ unit: 'binary', maxLength: 30 }),
    fc.string({ unit: fc.constantFrom(...'0123456789.,:-random '.split('')), maxLength: 16 }),
  );
  const input = fc.oneof(spec, mutated(spec, 2));
  const fresh = (): number => 42;
  await holds(t, 'parseSeeds: a list of canonical seeds or a UsageError', () => fc.check(fc.property(input, (s) => {
    const r = valueOrUsage(() => parseSeeds(s, fresh));
    if (r instanceof UsageError) return r.message.length > 0 && !r.message.includes('\n    at ');
    if (!(Number.isSafeInteger(r.length) && r.length >= 1)) return false;
    // A list is read by position: its ends and a few between, never all of a huge one.
    const at = [0, 1, 2, Math.floor(r.length / 2), r.length - 1].filter((i) => i < r.length);
    return at.every((i) => { const x = r.at(i); return typeof x === 'string' && x.length > 0 && canonicalSeed(x) === x; }) && r.at(r.length) === undefined;
  }), { seed: SEED, numRuns: 2000 }));

  const seedValue = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 20 }), fc.integer(), fc.double(), fc.nat().map(String),
    fc.constantFrom<unknown>(null, undefined, true, {}, [], 10n, -0, Number.MAX_SAFE_INTEGER + 2, '', ' ', ' 042 ', '\u00a07'),
  );
  await holds(t, 'canonicalSeed: a string (idempotent) or a UsageError', () => fc.check(fc.property(seedValue, (v) => {
    const r = valueOrUsage(() => canonicalSeed(v as never));
    if (r instanceof UsageError) return true;
    return typeof r === 'string' && r.length > 0 && canonicalSeed(r) === r;
  }), { seed: SEED, numRuns: 2000 }));

  // Found by the properties: canonicalSeed threw a RangeError for these.
  for (const v of [-1, 1.5, NaN, '', null]) t.throws(() => canonicalSeed(v as never), { name: 'UsageError' }, `canonicalSeed(${String(v)})`);
  // No cap: a huge list is read by position (the run notes how long it would take), but not past 2^53.
  t.equal(parseSeeds('1..99999999999').at(99999999998), '99999999999', 'a huge range is read, not allocated');
  t.equal(parseSeeds('random:99999999999', fresh).length, 99999999999, 'so is a huge random:N');
  t.throws(() => parseSeeds('1..99999999999999999'), { name: 'UsageError', message: /2\^53/ }, 'past 2^53: a UsageError');
  t.throws(() => parseSeeds('random:99999999999999999', fresh), { name: 'UsageError', message: /2\^53/ }, 'for random:N too');
});

// ---- the schedule-string decoder --------------------------------------------------------------

const label = fc.oneof(
  fc.constantFrom('producer-1', 'consumer-1', 'n1→n2:append#3', 'a,b;c.d*e%f', 'timer:waiter-1', '0', 'x1', '%'),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 8 }),
);
const decision = fc.oneof(label, fc.integer({ min: 0, max: 0xffffffff }), fc.constantFrom(0, 0xffffffff));
/** Decision lists with runs, so the `*n` form shows up. */
const decisions = fc.array(fc.tuple(decision, fc.integer({ min: 1, max: 5 })), { maxLength: 30 })
  .map((runs) => runs.flatMap(([d, n]) => Array<string | number>(n).fill(d)));

t.test('decodeDecisions: random and mutated strings decode to a bounded list or a UsageError', async (t) => {
  await holds(t, 'encode → decode is the identity, and the encoding is canonical', () => fc.check(fc.property(decisions, (l) => {
    const s = encodeDecisions(l);
    const back = decodeDecisions(s);
    return JSON.stringify(back) === JSON.stringify(l) && encodeDecisions(back) === s && !/[\s"']/.test(s);
  }), { seed: SEED, numRuns: 1000 }));

  // Labels are task and object names a target chose: any string at all, lone surrogates too.
  const utf16 = fc.nat({ max: 0xffff }).map((c) => String.fromCharCode(c));
  const anyLabels = fc.array(fc.oneof(fc.string({ unit: utf16, minLength: 1, maxLength: 6 }), fc.nat()), { maxLength: 8 });
  await holds(t, 'any labels encode to a string that decodes back, or a UsageError', () => fc.check(fc.property(anyLabels, (l) => {
    const s = valueOrUsage(() => encodeDecisions(l));
    return s instanceof UsageError || JSON.stringify(decodeDecisions(s)) === JSON.stringify(l);
  }), { seed: SEED, numRuns: 1000 }));
  // Found by the properties: a quote in a label reached the string; a lone surrogate was a URIError.
  t.equal(encodeDecisions(["it's (a) *test*!~", 1]), 'v1:it%27s%20%28a%29%20%2Atest%2A%21%7E;0.x1', 'no quote, paren or star in the label table');
  t.same(decodeDecisions("v1:it's;0"), ["it's"], 'strings written before still decode');
  t.throws(() => encodeDecisions(['a\uD800']), { name: 'UsageError', message: /not well-formed Unicode/ });

  const limit = decisionLimit();
  const bodyChars = fc.constantFrom(...'0123456789abcdefx*.,;:%v'.split(''));
  const input = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.string({ unit: bodyChars, maxLength: 40 }).map((s) => `v1:${s}`),
    mutated(decisions.map(encodeDecisions), 5),
  );
  await holds(t, 'any string: at most decisionLimit() decisions, or a UsageError', () => fc.check(fc.property(input, (s) => {
    const r = valueOrUsage(() => decodeDecisions(s));
    return r instanceof UsageError || (Array.isArray(r) && r.length <= limit && r.every((d) => typeof d === 'string' || (Number.isInteger(d) && d >= 0 && d <= 0xffffffff)));
  }), { seed: SEED, numRuns: 3000 }));

  await holds(t, 'an explicit maxDecisions bounds the output', () => fc.check(fc.property(input, fc.nat({ max: 50 }), (s, max) => {
    const r = valueOrUsage(() => decodeDecisions(s, max));
    return r instanceof UsageError || r.length <= max;
  }), { seed: SEED, numRuns: 2000 }));

  t.equal(limit, 4_000_000, 'the default bound: 4 decisions per step of the default --max-steps (1,000,000)');
  t.throws(() => decodeDecisions('v1:;x0*49999999'), { name: 'UsageError', message: /more than 4000000 decisions .*raise --max-steps/ },
    'the 20-byte string from issue 8 is refused before it is expanded');
  t.throws(() => decodeDecisions(`v1:;x0*${'9'.repeat(400)}`), { name: 'UsageError', message: /more than/ }, 'a count past 2^53 too');
  t.throws(() => decodeDecisions('v1:a;0*3.0*2', 4), { name: 'UsageError', message: /more than 4 decisions/ }, 'the count is across tokens');
  t.equal(decodeDecisions(`v1:a;0*${limit}`).length, limit, 'exactly the limit decodes');
  t.throws(() => decodeDecisions(`v1:a;0*${limit}.0`), { name: 'UsageError' }, 'one more does not');
  t.equal(decodeDecisions('v1:a;0*3', 3).length, 3);
});

// ---- the schedule-file reader -----------------------------------------------------------------

function seedFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? seedFiles(join(dir, e.name)) : e.name.endsWith('.json') ? [join(dir, e.name)] : []);
}
const corpus = seedFiles(join(root, 'seeds')).sort();
const corpusTexts = corpus.map((f) => readFileSync(f, 'utf8'));
/** Entries of targets that replay in milliseconds: the corpus-loader property runs them. */
const fastTexts = corpus.filter((f) => !f.includes(`${join('seeds', 'raft')}`)).map((f) => readFileSync(f, 'utf8'));

const scheduleText = (texts: string[]): fc.Arbitrary<string> => {
  const base = fc.constantFrom(...texts);
  return fc.oneof(
    { arbitrary: mutated(base, 4), weight: 3 },
    { arbitrary: fc.tuple(base, fc.array(jsonEdit, { minLength: 1, maxLength: 3 })).map(([s, es]) => JSON.stringify(applyJsonEdits(JSON.parse(s), es), null, 2)), weight: 4 },
    { arbitrary: fc.string({ unit: 'binary', maxLength: 60 }), weight: 1 },
    { arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)), weight: 1 },
  );
};

t.test('readScheduleFile: mutated schedule files read as a schedule or fail with a UsageError', async (t) => {
  const dir = join(work, 'files');
  mkdirSync(dir);
  let n = 0;
  await holds(t, 'a schedule whose decisions fit its maxSteps, or a UsageError', () => fc.check(fc.property(scheduleText(corpusTexts), (text) => {
    const file = join(dir, `s${n++}.json`);
    writeFileSync(file, text);
    const r = valueOrUsage(() => {
      const s = readScheduleFile(file);
      // What replay and regress do next with a file that reads: its options and its decisions.
      scheduleRunOptions(s);
      const d = scheduleDecisions(s);
      if (d.length > decisionLimit(s.options.maxSteps)) throw new Error(`${d.length} decisions past the limit`);
      return s;
    });
    return r instanceof UsageError ? r.message.startsWith(file) || r.message.includes(file) : typeof r === 'object';
  }), { seed: SEED, numRuns: 1500 }));

  const good = JSON.parse(corpusTexts[0]!) as Record<string, unknown>;
  const write = (name: string, body: unknown): string => {
    const p = join(dir, name);
    writeFileSync(p, JSON.stringify(body));
    return p;
  };
  const small = { ...good, options: { ...(good['options'] as object), maxSteps: 10 } };
  t.ok(readScheduleFile(write('limit-ok.json', { ...small, decisions: 'v1:a;0*40' })), '4 × maxSteps decisions read');
  t.throws(() => readScheduleFile(write('limit-past.json', { ...small, decisions: 'v1:a;0*41' })),
    { name: 'UsageError', message: /limit-past\.json: corrupt schedule file: decisions: more than 40 decisions .*raise 'options\.maxSteps' in the file/ },
    'a file is bounded by its own maxSteps');
  t.throws(() => readScheduleFile(write('issue8.json', { ...good, decisions: 'v1:;x0*49999999' })), { name: 'UsageError', message: /more than 4000000 decisions/ });
});

// ---- the corpus loader ------------------------------------------------------------------------

t.test('regress: a corpus of mutated files gives one result per file, never a throw', async (t) => {
  const resolveTarget = async (ref: string) => (await loadTarget(ref)).target;
  const statuses = new Set(['ok', 'changed', 'stale', 'error']);
  type Extra = 'none' | 'dangling-link' | 'dir-named-json' | 'not-json' | 'loop-link';
  const layout = fc.record({
    top: fc.array(scheduleText(fastTexts), { maxLength: 2 }),
    nested: fc.array(scheduleText(fastTexts), { maxLength: 2 }),
    extra: fc.constantFrom<Extra>('none', 'dangling-link', 'dir-named-json', 'not-json', 'loop-link'),
  });
  let n = 0;
  const seenStatus: Record<string, number> = {};
  await holds(t, 'every .json file comes back as an entry with a status', () => fc.check(fc.asyncProperty(layout, async (l) => {
    const dir = join(work, `corpus-${n++}`);
    mkdirSync(join(dir, 'tgt'), { recursive: true });
    l.top.forEach((text, i) => writeFileSync(join(dir, `top-${i}.json`), text));
    l.nested.forEach((text, i) => writeFileSync(join(dir, 'tgt', `e-${i}.json`), text));
    let expected = l.top.length + l.nested.length;
    if (l.extra === 'dangling-link') { symlinkSync(join(dir, 'nowhere'), join(dir, 'gone.json')); expected++; }
    if (l.extra === 'loop-link') { symlinkSync(join(dir, 'loop.json'), join(dir, 'loop.json')); expected++; }
    if (l.extra === 'dir-named-json') { mkdirSync(join(dir, 'tgt', 'd.json')); expected++; }
    if (l.extra === 'not-json') writeFileSync(join(dir, 'tgt', 'README.md'), '# not an entry');
    const report = await regress({ dir, resolveTarget });
    for (const e of report.entries) seenStatus[e.status] = (seenStatus[e.status] ?? 0) + 1;
    return report.entries.length === expected
      && report.entries.every((e) => statuses.has(e.status) && typeof e.message === 'string' && !e.message.includes('\n    at '))
      && report.passed === report.entries.every((e) => e.status === 'ok' || e.status === 'stale');
  }), { seed: SEED, numRuns: 30 }));
  t.ok((seenStatus['ok'] ?? 0) > 0 && (seenStatus['error'] ?? 0) > 0, `  … entries that replay and entries in error (${JSON.stringify(seenStatus)})`);

  // Found by the property: a dangling or looping symlink made corpusFiles throw ENOENT / ELOOP.
  const dir = join(work, 'corpus-links');
  mkdirSync(dir);
  writeFileSync(join(dir, 'a.json'), fastTexts[0]!);
  symlinkSync(join(dir, 'nowhere'), join(dir, 'gone.json'));
  symlinkSync(join(dir, 'loop.json'), join(dir, 'loop.json'));
  const report = await regress({ dir, resolveTarget });
  t.same(report.entries.map((e) => [e.path, e.status]), [['a.json', 'ok'], ['gone.json', 'error'], ['loop.json', 'error']], 'links are entries in error');
  t.match(report.entries[1]!.message, /cannot read schedule file .*gone\.json: ENOENT/);
  await t.rejects(regress({ dir: join(dir, 'gone.json'), resolveTarget }), { name: 'UsageError', message: /is not a directory/ });
});

// ---- the target loader ------------------------------------------------------------------------

/** A real target file (its one import is type-only, so it loads from anywhere). */
const LATCH_TS = readFileSync(join(root, 'test', 'fixtures', 'sched-latch-init.ts'), 'utf8');
const TARGET_TEXTS = [
  LATCH_TS,
  'export default { name: "j", variants: ["a"], setup(sim) { sim.spawn("t", async () => {}); } };\n',
  'module.exports = { name: "c", variants: ["a"], setup() {} };\n',
  'export default { name: "x", variants: [] };\n',
  'export default {{{\n',
  '',
];

t.test('loadTarget: random paths and mutated target files load or fail with a UsageError', async (t) => {
  const path = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 30 }),
    fc.constantFrom('', 'latch', 'bounded-buffer', 'nope', '.', './', '/', '/dev/null', '/proc', 'x.ts', './x.js',
      'a\u0000b.ts', `${'x'.repeat(5000)}.ts`, work, join(work, 'missing.mjs'), '\\\\?\\C:\\x.ts', 'C:\\target.js'),
    mutated(fc.constantFrom('latch', 'bounded-buffer', './targets/x.ts'), 2),
  );
  await holds(t, 'a random path string: a target or a UsageError', () => fc.check(fc.asyncProperty(path, async (p) => {
    const r = await valueOrUsageAsync(() => loadTarget(p));
    return r instanceof UsageError ? !r.message.includes('\n    at ') : typeof r.target.setup === 'function';
  }), { seed: SEED, numRuns: 300 }));

  const dir = join(work, 'targets');
  mkdirSync(dir);
  let n = 0;
  const file = fc.record({
    text: fc.oneof(fc.constantFrom(...TARGET_TEXTS), mutated(fc.constantFrom(...TARGET_TEXTS), 3), fc.string({ unit: 'binary', maxLength: 40 })),
    ext: fc.constantFrom('.ts', '.js', '.mjs', '.cjs', '.mts', '.cts', '.json', ''),
  });
  await holds(t, 'a file with random or mutated content: a valid target or a UsageError', () => fc.check(fc.asyncProperty(file, async ({ text, ext }) => {
    const p = join(dir, `t${n++}${ext}`);
    writeFileSync(p, text);
    const r = await valueOrUsageAsync(() => loadTarget(p));
    if (r instanceof UsageError) return !r.message.includes('\n    at ');
    return typeof r.target.setup === 'function' && Array.isArray(r.target.variants) && r.target.variants.length > 0;
  }), { seed: SEED, numRuns: 30 }));
});

// ---- the CLI argument parser ------------------------------------------------------------------

t.test('the CLI: random argv exits 0, 1 or 2, and a 2 is one line with no stack', async (t) => {
  const cwd = join(work, 'cli');
  mkdirSync(join(cwd, 'seeds'), { recursive: true });
  cpSync(join(root, 'seeds', 'latch'), join(cwd, 'seeds', 'latch'), { recursive: true });
  writeFileSync(join(cwd, 'corrupt.json'), '{"format":"interleave-schedule","version":1');
  writeFileSync(join(cwd, 'broken.ts'), 'export default {{{\n');
  writeFileSync(join(cwd, 'latch-init.ts'), LATCH_TS);

  const commands = ['run', 'replay', 'shrink', 'regress', 'merge-reports', 'list', 'campaign'];
  const targets = ['latch', 'bounded-buffer', 'wait-unlock-misuse', './latch-init.ts', './broken.ts', './missing.ts', 'seeds', 'nope'];
  const flags: Record<string, string[]> = {
    '--variant': ['correct', 'correct', 'buggy', 'check-outside-lock', 'a,b', ''],
    '--strategy': ['random', 'pct', 'run-to-block', 'bogus'],
    '--seeds': ['1..2', '2..1', '-5..3', 'random:2', 'a,b', '3', '1e3', '', '1..99999999999'],
    '--seed': ['1', '2', '-1', 'abc', '1..2', ''],
    '--duration': ['0', '-1', '1e309', 'NaN', '100'],
    '--max-steps': ['0', '1', '10', '-3', '1.5', 'abc'],
    '--faults': ['all', 'drop', 'bogus', ''],
    '--fault-rate': ['drop=0.5', 'drop=2', 'x'],
    '--ignore': ['deadlock', 'bogus'],
    '--depth': ['3', '0', '-1'],
    '--k': ['10', 'x'],
    '--fault-window': ['100', '-1'],
    '--liveness-ms': ['0', '-5'],
    '--event-latency-ms': ['1', 'x'],
    '--net': ['pauseMsMax=400', 'x=y', '=', 'partitionStyle=ring'],
    '--weather': ['seeds/latch/correct-pass-1.json', 'corrupt.json', 'missing.json'],
    '--workload': ['a=1', 'bad'],
    '--max-tasks': ['1', '0', '-1'],
    '--stall-ms': ['1', '0', '-1'],
    '--max-heap-mb': ['16', '0', '-1'],
    '--jobs': ['1', '2', '0', '-1', '1.5', 'abc', '1000'],
    '--shard': ['1/2', '0/2', '3/2', 'x'],
    '--report-dir': ['rep', '/dev/null', '/proc/interleave-x', 'corrupt.json'],
    '--seeds-dir': ['corpus', '/dev/null'],
    '--schedule': ['seeds/latch/correct-pass-1.json', 'corrupt.json', 'missing.json', 'seeds'],
    '--save-schedule': ['out.json', '/proc/interleave-x/y.json'],
    '--out': ['out-dir', 'out.json', '/proc/interleave-x'],
    '--target': ['latch', 'nope'],
    '--max-seeds': ['2', '0', '-1', 'x'],
  };
  const bare = ['--swarm', '--check-determinism', '--fixed-weather', '--shrink', '--save-failures', '--trace', '--accept', '--help', '--version', '--', '-x', '--no-swarm'];
  // Random words stay inside the temp dir (no '/', and not '..' itself), and hold no NUL: no real
  // argv can (spawn refuses one).
  const word = fc.string({ unit: 'binary-ascii', maxLength: 6 }).filter((s) => !s.includes('/') && s !== '..' && !s.includes('\u0000'));
  const runFlags = ['--variant', '--strategy', '--duration', '--max-steps', '--faults', '--fault-rate', '--ignore', '--depth', '--k',
    '--fault-window', '--liveness-ms', '--event-latency-ms', '--net', '--weather', '--workload', '--max-tasks', '--stall-ms', '--max-heap-mb'];
  const runBare = ['--swarm', '--check-determinism', '--fixed-weather'];
  /** The flags each command takes, so most argvs get past yargs into the command itself. */
  const own: Record<string, { flags: string[]; bare: string[] }> = {
    run: { flags: [...runFlags, '--seeds', '--seed', '--report-dir', '--seeds-dir', '--jobs', '--shard'], bare: [...runBare, '--shrink', '--save-failures'] },
    replay: { flags: [...runFlags, '--seed', '--schedule', '--save-schedule'], bare: [...runBare, '--trace'] },
    shrink: { flags: [...runFlags, '--seed', '--out', '--report-dir'], bare: runBare },
    regress: { flags: [], bare: ['--accept'] },
    'merge-reports': { flags: ['--out'], bare: [] },
    list: { flags: [], bare: [] },
    campaign: { flags: ['--seeds', '--strategy', '--target', '--max-seeds', '--jobs', '--report-dir'], bare: [] },
  };
  const flagToken = (names: string[]): fc.Arbitrary<string[]> =>
    fc.constantFrom(...names).chain((f) => fc.constantFrom(...flags[f]!).chain((v) => fc.constantFrom([f, v], [`${f}=${v}`])));
  const tokenFor = (cmd: string): fc.Arbitrary<string[]> => {
    const o = own[cmd] ?? { flags: [], bare: [] };
    return fc.oneof(
      ...(o.flags.length > 0 ? [{ arbitrary: flagToken(o.flags), weight: 12 }] : []),
      ...(o.bare.length > 0 ? [{ arbitrary: fc.constantFrom(...o.bare).map((f) => [f]), weight: 3 }] : []),
      // Now and then something that does not belong: another command's flag, a stray word.
      {
        arbitrary: fc.oneof(flagToken(Object.keys(flags)), fc.constantFrom(...bare).map((f) => [f]),
          fc.constantFrom(...targets, ...commands).map((x) => [x]), word.map((w) => [w])),
        weight: 1,
      },
    );
  };
  // replay and shrink need both: most argvs have them, so the command itself runs.
  const seedAndVariant = fc.option(fc.tuple(fc.constantFrom('1', '2', '7'), fc.constantFrom('correct', 'check-outside-lock', 'signal-not-broadcast', 'nope'))
    .map(([seed, v]) => ['--seed', seed, '--variant', v]), { nil: [], freq: 4 });
  /** What each command takes as positionals. */
  const positional: Record<string, fc.Arbitrary<string[]>> = {
    run: fc.constantFrom(...targets).map((x) => [x]),
    replay: fc.tuple(fc.option(fc.constantFrom(...targets), { nil: undefined, freq: 3 }), seedAndVariant)
      .map(([x, sv]) => [...(x === undefined ? [] : [x]), ...sv]),
    shrink: fc.tuple(fc.constantFrom(...targets), seedAndVariant).map(([x, sv]) => [x, ...sv]),
    regress: fc.option(fc.constantFrom('seeds', 'seeds/latch', 'nope', 'corrupt.json', ''), { nil: undefined }).map((x) => (x === undefined ? [] : [x])),
    'merge-reports': fc.array(fc.constantFrom('rep', 'nope', 'seeds', 'corrupt.json'), { maxLength: 2 }),
  };
  const argv = fc.oneof({ arbitrary: fc.constantFrom(...commands), weight: 9 }, { arbitrary: word, weight: 1 }).chain((cmd) => fc.tuple(
    fc.constant(cmd),
    positional[cmd] ?? fc.constant([]),
    fc.array(tokenFor(cmd), { maxLength: 4 }),
  )).map(([cmd, pos, toks]) => {
    const a = [cmd, ...pos, ...toks.flat()];
    // Keep any run short: a generated argv may well start a real one.
    if ((cmd === 'run' || cmd === 'campaign') && !a.some((x) => /^--seeds?(=|$)/.test(x))) a.push('--seeds', '1..2');
    if (cmd === 'campaign') a.push('--max-seeds', '2', '--target', 'latch');
    return a;
  });

  const seen: Record<number, number> = {};
  await holds(t, 'exit 0, 1 or 2; exit 2 is one `interleave:` line; never a stack', () => fc.check(fc.property(argv, (args) => {
    const r = spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8', timeout: 120_000 });
    const code = r.status ?? -1;
    seen[code] = (seen[code] ?? 0) + 1;
    if (code !== 0 && code !== 1 && code !== 2) throw new Error(`exit ${code} (${r.signal ?? 'no signal'}): ${r.stderr}`);
    if (/\n\s+at /.test(r.stderr) || /\n\s+at /.test(r.stdout)) throw new Error(`a stack trace:\n${r.stderr}${r.stdout}`);
    if (code === 2 && !/^interleave: [^\n]*\n$/.test(r.stderr)) throw new Error(`exit 2 wants one line, got ${JSON.stringify(r.stderr)}`);
    return true;
  }), { seed: SEED, numRuns: 40 }));
  t.ok((seen[2] ?? 0) > 0 && (seen[0] ?? 0) + (seen[1] ?? 0) > 0, `both usage errors and real runs were tried (${JSON.stringify(seen)})`);

  // Found by the property, in harness/cli: each is one line naming the flag.
  const cliRun = (args: string[]) => spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8', timeout: 120_000 });
  const oneLine = /^interleave: [^\n]*\n$/;
  const nl = cliRun(['run', 'latch', 'a\nb', '--seeds', '1..2']);
  t.equal(nl.status, 2);
  t.match(nl.stderr, oneLine, 'an argument holding a line break is still one line (yargs echoes it raw)');
  const jobs = cliRun(['campaign', '--jobs', '1000', '--strategy', 'bogus', '--seeds', '1..2', '--target', 'latch']);
  t.equal(jobs.status, 2);
  t.match(jobs.stderr, oneLine, 'a usage error after --jobs is capped is one line');
  const twice = cliRun(['campaign', '--strategy', 'pct', '--strategy', 'bogus', '--seeds', '1..2', '--target', 'latch']);
  t.equal(twice.status, 2);
  t.notMatch(twice.stderr, /undefined/, 'a flag given twice is named, not "unknown strategy \'undefined\'"');
  const dirs = cliRun(['campaign', '--report-dir', 'a', '--report-dir', 'b', '--seeds', '1..2', '--target', 'latch']);
  t.equal(dirs.status, 2);
  t.notMatch(dirs.stderr, /paths\[0\]/, 'a repeated --report-dir does not leak a TypeError message');
});
