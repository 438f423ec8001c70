/**
 * Host mode's ES module path (harness/host/esm.ts, ctx.host.import): an unmodified ES module
 * election library (test/fixtures/host-esm-lib/) as three nodes, in worker threads started with
 * --experimental-vm-modules, as campaigns run it; and the one-line errors outside them.
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { explore } from '../dist/harness/campaign/explore.js';
import { replay } from '../dist/harness/campaign/replay-seed.js';
import { HOST_EPOCH_MS } from '../dist/harness/host/index.js';
import { commonJsExportNames, resolveImport } from '../dist/harness/host/esm.js';

const fixtures = join(import.meta.dirname, 'fixtures');
const lib = join(fixtures, 'host-esm-lib');
const target = join(fixtures, 'host-esm.ts');
const cli = join(import.meta.dirname, '..', 'dist', 'harness', 'cli', 'main.js');
const env = { ...process.env, NODE_OPTIONS: '' };

t.test('through the CLI by path: the correct library is clean, the planted bug and the escape are found, no warning printed', async (t) => {
  const r = spawnSync(process.execPath, [cli, 'run', target, '--seeds', '1..20', '--jobs', '2'], { encoding: 'utf8', timeout: 300_000, env });
  t.equal(r.status, 1, r.stderr);
  const row = (v: string): number[] => {
    const m = new RegExp(`^\\s+${v}\\s+(\\d+)\\s+(\\d+)`, 'm').exec(r.stdout);
    return m === null ? [] : [Number(m[1]), Number(m[2])];
  };
  t.same(row('correct'), [20, 0], 'correct: 20 runs, none failing');
  t.ok((row('grant-twice')[1] ?? 0) > 0, `grant-twice caught within 20 seeds (${row('grant-twice')[1]} of 20)`);
  t.same(row('dial'), [20, 20], 'dial: every seed');
  t.notMatch(r.stderr, /ExperimentalWarning|experimental feature/, 'the flag\'s ExperimentalWarning is not shown');
  t.notMatch(r.stderr, /index\.html not written/, 'the report page replays host seeds in a worker');
});

t.test('the same seed gives the same decisions: twice in workers, and replayed in another process', async (t) => {
  const one = await explore({ target, variant: 'correct', seeds: '1..12', hashes: true, jobs: 1 });
  const two = await explore({ target, variant: 'correct', seeds: '1..12', hashes: true, jobs: 2 });
  t.same(two.hashes.map((h) => h.hash), one.hashes.map((h) => h.hash), 'identical decision hashes, 1 and 2 workers');
  t.ok(new Set(one.hashes.map((h) => h.hash)).size >= 10, `${new Set(one.hashes.map((h) => h.hash)).size} distinct hashes over 12 seeds`);
  const rep = spawnSync(process.execPath, [cli, 'replay', target, '--variant', 'correct', '--seed', '5'], { encoding: 'utf8', timeout: 120_000, env });
  t.equal(rep.status, 0, rep.stderr);
  t.match(rep.stdout, new RegExp(`decision-hash: ${one.hashes[4]!.hash}\\b`), 'the CLI replay of seed 5 in another process gives its hash');
  const trace = (await replay({ target, variant: 'correct', seed: 5, trace: true })).trace!;
  t.ok(trace.some((e) => /^n\d:(setTimeout|setInterval)\([\d.]+\)#\d+(@[\w.-]+:\d+)?$/.test(e.task) && e.op === 'fire'), 'hosted ES module timers are labelled decisions');
});

t.test('module state is fresh in every node incarnation and every run', async (t) => {
  const r = await replay({ target, variant: 'correct', seed: 3, trace: true, fixedWeather: true, faults: { crash: 0.6 }, durationMs: 2_000 });
  t.equal(r.outcome, 'pass', r.violations[0]?.message ?? '');
  const starts = r.trace!.filter((e) => e.op === 'log' && String(e.result).includes('start incarnation='))
    .map((e) => JSON.parse(String(e.result)) as string);
  const of = (node: string): string[] => starts.filter((s) => s.startsWith(`${node}:`));
  const node = ['n1', 'n2', 'n3'].sort((a, b) => of(b).length - of(a).length)[0]!;
  t.ok(of(node).length >= 3, `${node} started ${of(node).length} times`);
  t.ok(starts.every((s) => / loads=1\/1\/1 created=1 /.test(s)), 'every module evaluated once and one node made, per incarnation');
  const loadedAt = of(node).map((s) => Number(/loadedAt=(\d+)/.exec(s)![1]));
  t.equal(loadedAt[0], HOST_EPOCH_MS, 'top-level Date.now() is the virtual clock (the first load at virtual 0)');
  t.ok(loadedAt.slice(1).every((x, k) => x > loadedAt[k]!), `each restart re-evaluated the module at its own virtual time (+${loadedAt.map((x) => x - HOST_EPOCH_MS).join(', +')} ms)`);
  // Every node asserts its counts: a module instance carried across runs or crashes would count on.
  const many = await explore({ target, variant: 'correct', seeds: '1..40', jobs: 1, fixedWeather: true, faults: { crash: 0.5 } });
  t.equal(many.runs, 40);
  t.same(many.violationsByKind, {}, many.failures[0]?.first.message ?? 'no violation: 40 runs with crashes in one worker');
});

t.test('the correct library is silent over 300 seeds; grant-twice is caught within 20', async (t) => {
  const ok = await explore({ target, variant: 'correct', seeds: '1..300', jobs: 2 });
  t.equal(ok.runs, 300);
  t.same(ok.violationsByKind, {}, ok.failures[0]?.replayCommand ?? 'no violation');
  const bug = await explore({ target, variant: 'grant-twice', seeds: '1..20', jobs: 2 });
  t.ok((bug.violationsByKind['duplicate-leadership'] ?? 0) > 0, `grant-twice: duplicate-leadership in ${bug.failuresByVariant['grant-twice']} of 20 seeds`);
  t.same(Object.keys(bug.violationsByKind), ['duplicate-leadership'], 'and nothing else');
});

t.test('node:net from an ES module (imported dynamically from ES and from CommonJS code: one instance) is escaped-simulation at its line', async (t) => {
  const r = await explore({ target, variant: 'dial', seeds: '1..6' });
  t.equal(r.violationsByKind['escaped-simulation'], 6, 'every seed, also once the module is built from its code cache');
  t.same(Object.keys(r.violationsByKind), ['escaped-simulation']);
  t.match(r.failures[0]!.first.message, /n1 called net\.connect at test\/fixtures\/host-esm-lib\/dial\.mjs:4\b/, r.failures[0]!.first.message);
});

t.test('shrinking through the CLI needs no NODE_OPTIONS: the command starts itself with the flag', async (t) => {
  // The shrinker runs in the command's own thread; the launcher (cli/main.ts) gives it the flag.
  const dir = t.testdir({});
  const shrink = spawnSync(process.execPath, [cli, 'run', target, '--variant', 'grant-twice', '--seeds', '12,17', '--shrink', '--quiet', '--report-dir', dir], { encoding: 'utf8', timeout: 300_000, env });
  t.equal(shrink.status, 1, shrink.stderr);
  const schedule = /replay: npx interleave replay --schedule (\S+)/.exec(shrink.stdout)?.[1];
  t.ok(schedule !== undefined, `a shrunk schedule is written: ${shrink.stdout.slice(-400)}`);
  t.notMatch(shrink.stderr, /ExperimentalWarning|experimental feature|needs ES module support/);
  const rep = spawnSync(process.execPath, [cli, 'replay', '--schedule', schedule!], { encoding: 'utf8', timeout: 120_000, env });
  t.equal(rep.status, 1, rep.stderr);
  t.match(rep.stdout, /expected: violation:duplicate-leadership, got: violation:duplicate-leadership; recorded hash \w+ matches/, 'replay --schedule reproduces it, again without the flag');
});

t.test('ctx.host.import in a thread without the flag is bad input: one line naming the fix, exit 2', async (t) => {
  // Node flags of the user's own keep the command in its first process (a debugger attaches there).
  const own = spawnSync(process.execPath, ['--no-warnings', cli, 'run', target, '--variant', 'grant-twice', '--seeds', '12,17', '--shrink', '--quiet', '--report-dir', t.testdir({})], { encoding: 'utf8', timeout: 120_000, env });
  t.equal(own.status, 2, own.stderr);
  t.equal(own.stderr.trim().split('\n').length, 1, 'one line');
  t.match(own.stderr, /ctx\.host\.import needs ES module support.*NODE_OPTIONS=--experimental-vm-modules/);
  // The library run inline in a thread without the flag says the same.
  const script = `import { explore } from ${JSON.stringify(join(import.meta.dirname, '..', 'dist', 'harness', 'campaign', 'explore.js'))};
    explore({ target: ${JSON.stringify(target)}, variant: 'correct', seeds: '1', inline: true }).then(() => console.log('ran'), (e) => console.log('rejected: ' + e.message));`;
  const lib = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 120_000, env });
  t.match(lib.stdout, /^rejected: ctx\.host\.import needs ES module support/m, lib.stdout + lib.stderr);
});

t.test('with the flag, the main thread runs it too, with the workers\' decisions and no warning', async (t) => {
  const inWorkers = await explore({ target, variant: 'grant-twice', seeds: '1..6', hashes: true });
  const script = `import { explore } from ${JSON.stringify(join(import.meta.dirname, '..', 'dist', 'harness', 'campaign', 'explore.js'))};
    const r = await explore({ target: ${JSON.stringify(target)}, variant: 'grant-twice', seeds: '1..6', hashes: true, inline: true });
    console.log(JSON.stringify(r.hashes.map((h) => h.hash)));`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 120_000, env: { ...env, NODE_OPTIONS: '--experimental-vm-modules' } });
  t.equal(child.status, 0, child.stderr);
  t.same(JSON.parse(child.stdout.trim().split('\n').at(-1)!), inWorkers.hashes.map((h) => h.hash), 'identical decision hashes inline');
  t.notMatch(child.stderr, /ExperimentalWarning|experimental feature/);
});

t.test('the resolver: "exports" by the import condition, "main" as Node\'s legacy lookup, exact relative files', async (t) => {
  t.equal(resolveImport(lib, 'esm-jitter'), join(lib, 'node_modules', 'esm-jitter', 'index.js'), '"import" condition, not "require" listed first');
  t.equal(resolveImport(lib, 'esm-jitter/package.json'), join(lib, 'node_modules', 'esm-jitter', 'package.json'), 'an exact subpath key');
  t.throws(() => resolveImport(lib, 'esm-jitter/index.js'), /cannot find module 'esm-jitter\/index\.js'.*no "import" or "default" target/, 'a subpath "exports" does not list');
  t.equal(resolveImport(lib, 'cjs-quorum'), join(lib, 'node_modules', 'cjs-quorum', 'lib', 'quorum.js'), '"main" without its extension');
  t.equal(resolveImport(lib, './clock.mjs'), join(lib, 'clock.mjs'));
  t.throws(() => resolveImport(lib, './clock'), /clock is not a file \(ES module specifiers name the file exactly/);
  t.throws(() => resolveImport(lib, 'no-such-package'), /no node_modules\/no-such-package in it or above/);
  t.equal(resolveImport(lib, 'net'), 'node:net');
  t.equal(resolveImport(lib, 'node:timers/promises'), 'node:timers/promises');
});

t.test('the resolver: package "imports" (#name) of the importing file\'s own package', async (t) => {
  t.equal(resolveImport(lib, '#clock'), join(lib, 'clock.mjs'), 'an exact name to a file of the package (election.mjs imports it so)');
  t.throws(() => resolveImport(join(lib, 'node_modules', 'esm-jitter'), '#clock'), /no package\.json with an "imports" map at or above it/, 'a file\'s scope is its own package: a dependency does not see its dependent\'s names');
  t.equal(resolveImport(lib, '#lib/dial'), join(lib, 'dial.mjs'), 'a one-* pattern');
  t.equal(resolveImport(lib, '#lib/deep/x'), join(lib, 'tools.mjs'), 'the pattern with the longer prefix wins');
  t.equal(resolveImport(lib, '#cond'), join(lib, 'tools.mjs'), 'conditions: "import", not "require" listed first');
  t.equal(resolveImport(lib, '#jitter'), join(lib, 'node_modules', 'esm-jitter', 'index.js'), 'a package name, resolved from the package\'s directory');
  t.equal(resolveImport(lib, '#events'), 'node:events', 'a built-in by its bare name');
  t.throws(() => resolveImport(lib, '#url'), /maps it to node:events: a target is/, 'a URL is no target, node: included (as Node: ERR_INVALID_PACKAGE_TARGET)');
  t.throws(() => resolveImport(lib, '#nope'), /cannot find module '#nope'.*"imports" has no "import" or "default" target for #nope/);
  t.throws(() => resolveImport(lib, '#gone'), /maps it to .*missing\.mjs, which does not exist/);
  t.throws(() => resolveImport(lib, '#up'), /maps it to \.\.\/outside\.mjs: a target is "\.\/…" or a package name/);
  t.throws(() => resolveImport(lib, '#/x'), /not a valid package "imports" name/);
});

t.test('named exports of a CommonJS file, read as Node reads them', async (t) => {
  t.same(commonJsExportNames(`'use strict';\nexports.majority = (n) => n;\nmodule.exports.loads = () => 1;\nif (exports.x == 1) {}`), ['loads', 'majority']);
  t.same(commonJsExportNames(`Object.defineProperty(exports, "__esModule", { value: true });\nObject.defineProperty(exports, 'thing', { get() {} });`), ['__esModule', 'thing']);
  t.same(commonJsExportNames(`module.exports = { a, b: 2, c() {}, ...rest, 'd': 1 };`), ['a', 'b', 'c', 'd']);
  t.same(commonJsExportNames(`module.exports = function f() {};\nexports.default = 1;`), [], 'default is always module.exports');
});
