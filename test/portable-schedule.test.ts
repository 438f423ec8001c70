/**
 * Portable schedules (issue 29, item 5): a schedule names its target file relative to its own
 * folder and to the target's project root (replay/target-ref.ts), so a corpus copied elsewhere in
 * the project still replays, one copied out of it replays with --target-path, and a target found
 * nowhere is bad input naming where it looked.
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const cli = resolve(import.meta.dirname, '..', 'dist/harness/cli/main.js');

function cliRun(args: string[], cwd: string): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8', timeout: 300_000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

const base = mkdtempSync(join(tmpdir(), 'interleave-portable-'));
const project = join(base, 'project');
mkdirSync(join(project, 'targets'), { recursive: true });
writeFileSync(join(project, 'package.json'), '{ "name": "p", "private": true }\n');

t.test('a recorded schedule names its target from its folder and from the project root', async (t) => {
  t.equal(cliRun(['init', 'targets/mailbox.mjs', '--threads'], project).code, 0);
  const r = cliRun(['replay', './targets/mailbox.mjs', '--variant', 'correct', '--seed', '1', '--save-schedule', 'seeds/mailbox/correct-1.json'], project);
  t.equal(r.code, 0, r.err);
  const s = JSON.parse(readFileSync(join(project, 'seeds/mailbox/correct-1.json'), 'utf8')) as Record<string, unknown>;
  t.equal(s['target'], '../../targets/mailbox.mjs');
  t.equal(s['targetFromRoot'], 'targets/mailbox.mjs');
  t.same(Object.keys(s).slice(0, 6), ['format', 'version', 'engine', 'target', 'targetFromRoot', 'variant'], 'beside target, in a stable key order');
});

t.test('a corpus moved inside the project finds its target through the project root', async (t) => {
  cpSync(join(project, 'seeds'), join(project, 'archive/2026/seeds'), { recursive: true });
  const r = cliRun(['regress', join(project, 'archive/2026/seeds')], base);
  t.equal(r.code, 0, `${r.out}${r.err}`);
  t.match(r.out, /# ok 1, changed 0, stale 0, error 0/);
});

t.test('a corpus copied out of the project: exit 2 naming where it looked, then --target-path finds it', async (t) => {
  const away = join(base, 'elsewhere');
  cpSync(join(project, 'seeds'), join(away, 'seeds'), { recursive: true });
  const lost = cliRun(['replay', '--schedule', join(away, 'seeds/mailbox/correct-1.json')], base);
  t.equal(lost.code, 2);
  t.match(lost.err, /target file targets\/mailbox\.mjs not found \(looked at .*elsewhere\/targets\/mailbox\.mjs\): point to it with --target-path/);
  t.notMatch(lost.err, /\n\s+at /, 'no stack trace');
  t.equal(cliRun(['regress', join(away, 'seeds')], base).code, 2, 'regress: the entry is an error');
  const byRoot = cliRun(['regress', join(away, 'seeds'), '--target-path', project], base);
  t.equal(byRoot.code, 0, `--target-path <project root>: ${byRoot.out}${byRoot.err}`);
  const byFolder = cliRun(['replay', '--schedule', join(away, 'seeds/mailbox/correct-1.json'), '--target-path', '/nonexistent', '--target-path', join(project, 'targets')], base);
  t.equal(byFolder.code, 0, `--target-path <folder of the file>, repeated: ${byFolder.err}`);
  t.match(byFolder.out, /recorded hash [0-9a-f]+ matches/);
});

t.test('bad input: --target-path without --schedule, a targetFromRoot leaving the project', async (t) => {
  const r = cliRun(['replay', './targets/mailbox.mjs', '--variant', 'correct', '--seed', '1', '--target-path', '.'], project);
  t.equal(r.code, 2);
  t.match(r.err, /--target-path goes with --schedule/);
  const file = join(project, 'seeds/mailbox/correct-1.json');
  const bad = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  bad['targetFromRoot'] = '../outside/mailbox.mjs';
  const badFile = join(base, 'bad.json');
  writeFileSync(badFile, JSON.stringify(bad));
  const b = cliRun(['replay', '--schedule', badFile], base);
  t.equal(b.code, 2);
  t.match(b.err, /corrupt schedule file: 'targetFromRoot' must be a path inside the project/);
});
