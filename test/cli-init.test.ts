/**
 * `interleave init` scaffolds a target that runs as generated: its correct variant stays clean
 * and its planted bug is caught by a default run (seeds 1..100). `interleave list <path>` shows a
 * user's target. Every command's --help has examples.
 */
import t from 'tap';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const cli = join(root, 'dist/harness/cli/main.js');
// Outside the repository, as a user's project would be: no interleave in any node_modules above.
const work = mkdtempSync(join(tmpdir(), 'interleave-init-'));

type Out = { code: number; out: string; err: string };


function run(args: string[], cwd = work): Out {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8', timeout: 300_000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

function runAsync(args: string[], cwd = work): Promise<Out> {
  return new Promise((done) => {
    execFile(process.execPath, [cli, ...args], { cwd, encoding: 'utf8', timeout: 300_000 }, (e, out, err) => {
      done({ code: e === null ? 0 : typeof e.code === 'number' ? e.code : -1, out, err });
    });
  });
}

/** The clean bound: each correct variant over these seeds, every one drawing its own weather. */
const CLEAN = '1..200';

const kinds = [
  { flag: '--threads', file: 'threads.ts', bug: 'if-not-while', kind: 'assert' },
  { flag: '--nodes', file: 'nodes.ts', bug: 'no-dedup', kind: 'assert' },
  { flag: '--threads', file: 'threads.mjs', bug: 'if-not-while', kind: 'assert' },
  { flag: '--nodes', file: 'nodes.mjs', bug: 'no-dedup', kind: 'assert' },
  // A single-process host target (sim.process): its own lock library, unmodified.
  { flag: '--host', file: 'host.ts', bug: 'lend-to-gone', kind: 'assert' },
  { flag: '--host', file: 'host.mjs', bug: 'lend-to-gone', kind: 'assert' },
] as const;

t.test('init writes each kind; as generated, correct stays clean and the planted bug is caught', async (t) => {
  for (const k of kinds) {
    const r = run(['init', k.file, k.flag]);
    t.equal(r.code, 0, r.err);
    t.match(r.out, new RegExp(`wrote ${k.file}`));
    t.match(r.out, new RegExp(`variants: correct \\(stays clean\\), ${k.bug} \\(a planted bug: ${k.kind}\\)`));
    t.match(r.out, new RegExp(`npx interleave run \\./${k.file.replace('.', '\\.')}`), 'the next command names the file as a path');
    t.match(r.out, /npx interleave replay .* --trace/);
    t.match(r.out, /campaign --target/);
  }
  const text = readFileSync(join(work, 'threads.ts'), 'utf8');
  t.match(text, /import type \{ Sim, Target \} from 'interleave';/, 'a .ts scaffold imports types only');
  t.notMatch(readFileSync(join(work, 'nodes.mjs'), 'utf8'), /^import /m, 'a .mjs scaffold imports nothing');
  t.match(readFileSync(join(work, 'nodes.mjs'), 'utf8'), /@type \{import\('interleave'\)\.Target\}/, 'it has JSDoc types');

  // The default run, as the scaffold says to try it (both variants, seeds 1..100), and the
  // correct variant over CLEAN, all at once (the .mjs twins run the same code: default run only).
  const runs = await Promise.all(kinds.map((k) => runAsync(['run', `./${k.file}`, '--report-dir', `rep-${k.file}`])));
  const cleans = await Promise.all(kinds.filter((k) => k.file.endsWith('.ts')).map((k) =>
    runAsync(['run', `./${k.file}`, '--variant', 'correct', '--seeds', CLEAN, '--report-dir', `rep-${k.file}`])));
  for (const [i, k] of kinds.entries()) {
    const all = runs[i]!;
    t.equal(all.code, 1, `${k.file}: the default run finds the bug: ${all.err}`);
    t.match(all.out, /correct\s+100\s+0\s/, `${k.file}: correct clean over seeds 1..100`);
    t.match(all.out, new RegExp(`${k.bug}\\s+100\\s+[1-9]\\d*\\s+${k.kind}\\s*$`, 'm'), `${k.file}: ${k.bug} caught as ${k.kind}`);
    t.match(all.out, new RegExp(`violations by kind: ${k.kind} \\d+$`, 'm'), `${k.file}: ${k.kind} and nothing else`);
    t.match(all.out, new RegExp(`first failing seed: ${k.bug} seed \\d+`));
    t.match(all.out, new RegExp(`replay: npx interleave replay \\./${k.file.replace('.', '\\.')} --variant ${k.bug} --seed \\d+`));
  }
  for (const clean of cleans) {
    t.equal(clean.code, 0, `correct is clean over seeds ${CLEAN}: ${clean.err}`);
    t.match(clean.out, /correct\s+200\s+0\s/);
    t.match(clean.out, /violations by kind: none/);
  }
});

t.test('campaign --target takes the scaffold and its expectations', async (t) => {
  if (!existsSync(join(work, 'camp.ts'))) t.equal(run(['init', 'camp.ts']).code, 0);
  const r = run(['campaign', '--target', './camp.ts', '--seeds', '1..100', '--report-dir', 'rep-camp']);
  t.equal(r.code, 0, `${r.out}${r.err}`);
  t.match(r.out, /correct\s+pass\s+100\s+0/);
  t.match(r.out, /if-not-while\s+assert\s+\d+\s+\d+\s+\d+\s+assert\s+ok/);
});

t.test('init: the default path, a directory, nested paths; never overwrites; bad input exits 2', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'interleave-init-default-'));
  const first = run(['init'], dir);
  t.equal(first.code, 0, first.err);
  t.ok(existsSync(join(dir, 'my-target.ts')), 'default ./my-target.ts');
  t.match(readFileSync(join(dir, 'my-target.ts'), 'utf8'), /name: 'my-target'/);
  t.match(first.out, /wrote \.\/my-target\.ts: threads/, 'threads by default');
  const before = readFileSync(join(dir, 'my-target.ts'), 'utf8');
  writeFileSync(join(dir, 'mine.ts'), 'my own work\n');
  for (const args of [['init'], ['init', 'mine.ts'], ['init', 'mine.ts', '--nodes']]) {
    const again = run(args, dir);
    t.equal(again.code, 2, `${args.join(' ')}: refused`);
    t.match(again.err, /^interleave: .* already exists: init does not overwrite a file/);
    t.equal(again.err.trim().split('\n').length, 1);
  }
  t.equal(readFileSync(join(dir, 'my-target.ts'), 'utf8'), before, 'untouched');
  t.equal(readFileSync(join(dir, 'mine.ts'), 'utf8'), 'my own work\n', 'untouched');

  mkdirSync(join(dir, 'targets'));
  const inDir = run(['init', 'targets', '--nodes'], dir);
  t.equal(inDir.code, 0, inDir.err);
  t.ok(existsSync(join(dir, 'targets', 'my-target.ts')), 'a directory gets my-target.ts inside it');
  const nested = run(['init', 'a/b/svc.mts', '--nodes'], dir);
  t.equal(nested.code, 0, nested.err);
  t.ok(existsSync(join(dir, 'a', 'b', 'svc.mts')), 'parent directories are made');

  const bad: [string[], RegExp][] = [
    [['init', 'x.txt'], /init writes a \.ts, \.mts, \.js or \.mjs file, not \.txt/],
    [['init', 'noext'], /not a file without an extension/],
    [['init', 'x.ts', '--threads', '--nodes'], /mutually exclusive|not both/],
    [['init', 'x.ts', '--nodes', '--host'], /give one of --threads, --nodes or --host/],
    [['init', 'x.ts', '--node'], /Unknown argument: --node \(did you mean --nodes\?\)/],
  ];
  for (const [args, re] of bad) {
    const r = run(args, dir);
    t.equal(r.code, 2, args.join(' '));
    t.match(r.err, re, args.join(' '));
    t.equal(r.err.trim().split('\n').length, 1);
  }
  t.notOk(existsSync(join(dir, 'x.ts')), 'nothing written on bad input');
});

t.test('a .js scaffold under a package.json without "type": "module" says so', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'interleave-init-js-'));
  writeFileSync(join(dir, 'package.json'), '{"name":"cjs-project"}\n');
  const r = run(['init', 't.js'], dir);
  t.equal(r.code, 0, r.err);
  t.match(r.out, /note: .*package\.json does not say "type": "module"/);
  writeFileSync(join(dir, 'package.json'), '{"name":"esm-project","type":"module"}\n');
  const r2 = run(['init', 'u.js'], dir);
  t.notMatch(r2.out, /note:/);
  const ran = run(['run', './u.js', '--seeds', '1..20', '--report-dir', 'rep'], dir);
  t.equal(ran.code, 1, ran.err);
  t.equal(ran.err, '', 'no warning from Node');
  t.match(ran.out, /if-not-while\s+20\s+\d+\s+assert/);
});

t.test('the .ts scaffolds type-check against the installed package (tsc --strict)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'interleave-init-tsc-'));
  writeFileSync(join(dir, 'package.json'), '{"name":"user-project","type":"module"}\n');
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(root, join(dir, 'node_modules', 'interleave'), 'dir'); // as `npm install` would link it
  for (const [f, kind] of [['t.ts', '--threads'], ['n.ts', '--nodes'], ['t.mjs', '--threads'], ['n.mjs', '--nodes']] as const) {
    t.equal(run(['init', f, kind], dir).code, 0);
  }
  const tscBin = join(root, 'node_modules/typescript/bin/tsc');
  const common = ['--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--typeRoots', join(root, 'node_modules/@types'), '--types', 'node'];
  // One program: the .ts files, and the .mjs ones with their JSDoc types checked.
  const tsc = spawnSync(process.execPath, [tscBin, ...common, '--allowJs', '--checkJs', 't.ts', 'n.ts', 't.mjs', 'n.mjs'], { cwd: dir, encoding: 'utf8' });
  t.equal(tsc.status, 0, tsc.stdout + tsc.stderr);
});

t.test('list <path> shows a user target; list alone keeps the bundled targets', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'interleave-list-'));
  writeFileSync(join(dir, 'svc.ts'), `export default {
  name: 'svc', description: 'a user service', variants: ['correct', 'racy', 'slow'],
  expect: { correct: 'pass', racy: 'invariant' },
  workload: { clients: { min: 1, max: 8, default: 2 } },
  setup() {},
};
`);
  const one = run(['list', './svc.ts'], dir);
  t.equal(one.code, 0, one.err);
  t.equal(one.out, [
    'svc  (./svc.ts)  a user service',
    '  correct  → expect pass',
    '  racy  → expect invariant',
    '  slow',
    '  workload: clients 1..8 (default 2)',
    '',
  ].join('\n'));
  const bundledOne = run(['list', 'latch'], dir);
  t.equal(bundledOne.code, 0);
  t.match(bundledOne.out, /^latch {2}\(condvar\) /);
  t.match(bundledOne.out, /check-outside-lock {2}→ expect lost-wakeup/);
  const all = run(['list'], dir);
  t.equal(all.code, 0);
  for (const name of ['bounded-buffer', 'latch', 'wait-unlock-misuse', 'raft']) t.match(all.out, new RegExp(`^${name} {2}\\(`, 'm'));
  t.notMatch(all.out, /svc/);
  const missing = run(['list', './svc2.ts'], dir);
  t.equal(missing.code, 2);
  t.match(missing.err, /target file not found: \.\/svc2\.ts \(did you mean \.\/svc\.ts\?\)/);
  const typo = run(['list', 'lacth'], dir);
  t.equal(typo.code, 2);
  t.match(typo.err, /unknown target 'lacth' \(did you mean 'latch'\?/);
});

t.test('every command has --help with examples', async (t) => {
  const commands = ['run', 'replay', 'shrink', 'regress', 'merge-reports', 'list', 'campaign', 'init', 'check-history'];
  const helps = await Promise.all(commands.map((c) => runAsync([c, '--help'])));
  for (const [i, c] of commands.entries()) {
    const h = helps[i]!;
    t.equal(h.code, 0, `${c} --help`);
    const ex = h.out.split('\nExamples:\n')[1];
    t.ok(ex, `${c} --help has an Examples section`);
    const lines = (ex ?? '').split('\n').filter((l) => /^ {2}interleave /.test(l));
    t.ok(lines.length >= 2, `${c}: at least two examples (${lines.length})`);
    t.ok(lines.every((l) => l.startsWith(`  interleave ${c}`) || /^ {2}interleave (run|replay|list) /.test(l)), `${c}: examples run interleave`);
  }
});
