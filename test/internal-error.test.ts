/**
 * An internal error (exit 3) can be diagnosed: its line names the worker and the seed, shows the
 * error's message (not the file:line a loader error's stack begins with), the stack is written
 * into the report directory, the journal and an interrupted summary are kept, and `--resume dir
 * --debug` continues the run. The errors are provoked with the test-only hook
 * INTERLEAVE_TEST_WORKER_IMPORT (campaign/worker.ts), which has a worker import a module whose
 * import Node refuses (a stale build) before a seed, after it, or instead of loading its target.
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { firstFrame, messageLine } from '../dist/harness/core/errors.js';

const root = resolve(import.meta.dirname, '..');
const cli = join(root, 'dist/harness/cli/main.js');
const fixtures = join(root, 'test/fixtures/internal-error');
const target = join(fixtures, 'counter.ts');
const stale = join(fixtures, 'stale-build.mjs');

function cliRun(args: string[], hook?: string): { code: number; out: string; err: string } {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env['INTERLEAVE_TEST_WORKER_IMPORT'];
  if (hook !== undefined) env['INTERLEAVE_TEST_WORKER_IMPORT'] = `${hook}=${stale}`;
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: root, env, encoding: 'utf8', timeout: 300_000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

/** The one report directory a command made under `base`. */
function reportDir(t: typeof t, base: string): string {
  const made = readdirSync(base);
  t.equal(made.length, 1, `one report directory: ${made.join(', ')}`);
  return join(base, made[0]!);
}

function journalSeeds(dir: string): number {
  return readFileSync(join(dir, 'journal.jsonl'), 'utf8').trim().split('\n').length - 1;
}

t.test('messageLine: the line that says what went wrong, never a stack\'s file:line', async (t) => {
  const loader = "file:///x/dist/harness/core/run.js:6\nimport { a } from './b.js';\n         ^\nSyntaxError: The requested module './b.js' does not provide an export named 'a'\n    at ModuleJob._instantiate (node:internal/modules/esm/module_job:180:21)";
  t.equal(messageLine(loader), "SyntaxError: The requested module './b.js' does not provide an export named 'a'");
  t.equal(firstFrame(loader), 'file:///x/dist/harness/core/run.js:6');
  t.equal(messageLine('/x/run.js:6:3\n\nTypeError: x is not a function\n    at f (/x/run.js:6:3)'), 'TypeError: x is not a function');
  t.equal(messageLine('Error: plain\n    at f (/x/y.js:1:1)'), 'Error: plain');
  t.equal(messageLine('not an error line'), 'not an error line');
  t.equal(firstFrame('Error: e\n    at g (node:internal/x:1:1)\n    at f (/x/y.js:2:3)'), 'f (/x/y.js:2:3)', 'the first frame outside Node');
  t.equal(firstFrame('Error: e'), null);
});

t.test('campaign: a worker failing inside a seed run is exit 3 naming the seed; the report is kept; --resume --debug finishes it', async (t) => {
  const base = mkdtempSync(join(tmpdir(), 'interleave-ie-'));
  const r = cliRun(['campaign', '--target', target, '--seeds', '1..20', '--jobs', '1', '--report-dir', base], '7');
  t.equal(r.code, 3, r.err);
  const dir = reportDir(t, base);
  t.match(r.err, /^interleave: internal error: worker \d+ for target .*counter\.ts failed running correct seed 7: SyntaxError: The requested module '\.\/neighbour\.mjs' does not provide an export named 'renamed'$/m, 'the message line, with worker and seed');
  t.notMatch(r.err, /^interleave: internal error: file:/m, 'not the stack\'s first line');
  const stackFile = join(dir, 'internal-error.txt');
  t.ok(existsSync(stackFile), 'the stack is in the report directory');
  t.match(r.err, `the stack is in ${stackFile}`, 'and the line says where');
  const stack = readFileSync(stackFile, 'utf8');
  t.match(stack, /in the worker:\n(.|\n)*stale-build\.mjs:5/, 'the worker\'s stack, with the failing place');
  t.match(stack, /^interleave campaign --target /, 'the command');
  const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as { interrupted?: boolean; targets: { runs: number }[] };
  t.equal(summary.interrupted, true, 'an interrupted summary');
  t.equal(summary.targets[0]!.runs, 6, 'covering the seeds before seed 7');
  t.match(readFileSync(join(dir, 'summary.md'), 'utf8'), /interrupted \(internal error/);
  t.equal(journalSeeds(dir), 6, 'the journal lists them');
  t.match(r.err, `continue with  npx interleave campaign --resume ${dir}`, '--resume is offered');

  const again = cliRun(['campaign', '--resume', dir, '--debug']);
  t.equal(again.code, 0, `--resume --debug is accepted and finishes the campaign: ${again.err}`);
  t.equal(journalSeeds(dir), 20);
  const done = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as { interrupted?: boolean; targets: { runs: number }[] };
  t.equal(done.interrupted, undefined);
  t.equal(done.targets[0]!.runs, 20);
});

t.test('run: a worker that dies between seeds names the last seed it finished; --debug prints the stack', async (t) => {
  const base = mkdtempSync(join(tmpdir(), 'interleave-ie-'));
  const r = cliRun(['run', target, '--seeds', '1..20', '--jobs', '1', '--report-dir', base, '--debug'], 'after:7');
  t.equal(r.code, 3, r.err);
  const dir = reportDir(t, base);
  t.match(r.err, /^interleave: internal error: worker \d+ for target .*counter\.ts crashed between seeds \(the last seed it finished: correct seed 7\), with 13 runs unfinished: SyntaxError: The requested module/m);
  t.match(r.err, /^in the worker:\nfile:\/\/.*stale-build\.mjs:5$/m, '--debug: the worker\'s stack on stderr');
  t.notMatch(r.err, /process\.exit\(\) called by target code/, 'no second, misleading crash of the exit guard');
  t.ok(existsSync(join(dir, 'internal-error.txt')));
  t.equal(journalSeeds(dir), 7, 'seeds 1..7 journaled');
  t.ok(existsSync(join(dir, 'summary.md')));

  const again = cliRun(['run', '--resume', dir, '--debug', '--quiet']);
  t.equal(again.code, 0, `run --resume --debug is accepted: ${again.err}`);
  t.equal(journalSeeds(dir), 20);
});

t.test('a worker failing to load its target is retried once, then reported as the target\'s load error with its first frame', async (t) => {
  const base = mkdtempSync(join(tmpdir(), 'interleave-ie-'));
  const r = cliRun(['run', target, '--seeds', '1..20', '--jobs', '1', '--report-dir', base], 'load');
  t.equal(r.code, 3, r.err);
  t.match(r.err, /^interleave: internal error: target .*counter\.ts failed to load in a worker \(twice; worker 2 failed\): SyntaxError: The requested module '\.\/neighbour\.mjs' does not provide an export named 'renamed' \(at file:\/\/.*stale-build\.mjs:5\)$/m);
  const dir = reportDir(t, base);
  t.ok(existsSync(join(dir, 'internal-error.txt')));
  t.ok(existsSync(join(dir, 'journal.jsonl')), 'the journal is kept');
});

t.test('--debug is accepted with every command', async (t) => {
  t.equal(cliRun(['list', '--debug']).code, 0);
  t.equal(cliRun(['list', target, '--debug']).code, 0);
  const bad = cliRun(['campaign', '--resume', '/nonexistent-dir', '--debug']);
  t.equal(bad.code, 2, 'a missing report dir is bad input, not a refusal of --debug');
  t.notMatch(bad.err, /give no others/);
});
