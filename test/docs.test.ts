// The docs cannot rot: every fenced block of README.md and docs/**.md is run or parsed, and every
// relative link resolves. A target block runs through the built CLI and must exit as its marker
// claims; a shell block of CLI commands runs each command, which must exit 0 or 1 (or what its
// marker claims); a library example runs under tsx against the package; a block marked skip is
// parsed by its language; sample output is marked and left alone (test/lib/doc-blocks.ts).
// `DOCS_ONLY=docs/cli.md npx tap test/docs.test.ts` runs one page.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import ts from 'typescript';
import { parseAllDocuments } from 'yaml';
import {
  anchorsOf, blocksOf, commandsOf, docFiles, isShell, isTs, kindOf, relativeLinks, seedsOf, toLocalCli, withSeeds,
  type DocBlock,
} from './lib/doc-blocks.js';

const root = resolve(import.meta.dirname, '..');
const cli = join(root, 'dist/harness/cli/main.js');
const work = mkdtempSync(join(tmpdir(), 'interleave-docs-'));
// Seeds per command and per block: a doc block shows how, the sweeps measure how often.
const SEEDS_PER_COMMAND_MAX = 500;
const SEEDS_PER_BLOCK_MAX = 1_500;
// Only a guard against a hang, never a judgement of speed: the cheapest command takes ~0.3 s.
const HANG_GUARD_MS = 300_000;

// DOCS_ONLY=docs/cli.md runs one page's blocks while writing it (the links are always all checked).
const only = process.env['DOCS_ONLY'];
const allBlocks = blocksOf(root);
const blocks = allBlocks.filter((b) => only === undefined || b.doc === only);
const named = new Map<string, DocBlock>(); // file= of every page: a block may use another page's
for (const b of allBlocks) if (b.marker?.file !== undefined) named.set(b.marker.file, b);
const where = (b: DocBlock) => `${b.doc}:${b.line}`;

let dirs = 0;
/** A fresh folder for one block: an ESM project that has installed interleave (and tap, tsx),
 * holding the files the block `uses=`, a copy of the corpus in seeds/, and test/ and dist/
 * so commands that name those paths find them. */
function folderFor(b: DocBlock): string {
  const dir = join(work, `block-${++dirs}`);
  mkdirSync(join(dir, 'node_modules'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), '{ "private": true, "type": "module" }\n');
  symlinkSync(root, join(dir, 'node_modules', 'interleave'));
  for (const dep of ['tap', 'tsx']) symlinkSync(join(root, 'node_modules', dep), join(dir, 'node_modules', dep));
  cpSync(join(root, 'seeds'), join(dir, 'seeds'), { recursive: true }); // a copy: `--save-failures` writes to it
  for (const shared of ['test', 'dist']) symlinkSync(join(root, shared), join(dir, shared));
  for (const file of b.marker?.uses ?? []) {
    const from = named.get(file);
    if (from) writeFileSync(join(dir, file), from.body);
  }
  return dir;
}

// A doc's command runs as a reader runs it: without the loaders tap puts in NODE_OPTIONS.
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_OPTIONS' && !k.startsWith('TAP')));

function sh(command: string, cwd: string): { code: number | null; out: string } {
  const r = spawnSync('bash', ['-c', command], { cwd, encoding: 'utf8', timeout: HANG_GUARD_MS, env: { ...env, NO_COLOR: '1' } });
  return { code: r.status, out: `${r.stdout}\n${r.stderr}`.trim().split('\n').slice(-12).join('\n') };
}

function syntaxErrors(b: DocBlock): string[] {
  if (isTs(b)) {
    const r = ts.transpileModule(b.body, { reportDiagnostics: true, compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } });
    return (r.diagnostics ?? []).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  }
  if (isShell(b)) {
    const r = spawnSync('bash', ['-n'], { input: b.body, encoding: 'utf8' });
    return r.status === 0 ? [] : [r.stderr.trim()];
  }
  if (b.lang === 'yaml' || b.lang === 'yml') { // a Kubernetes manifest may hold several documents
    return parseAllDocuments(b.body).flatMap((d) => ('errors' in d ? d.errors.map((e) => e.message) : []));
  }
  try {
    if (b.lang === 'json') JSON.parse(b.body);
  } catch (e) {
    return [(e as Error).message];
  }
  return [];
}

t.test('every block says what it is', async (t) => {
  t.ok(blocks.length > (only === undefined ? 20 : 0), `${blocks.length} blocks`);
  for (const b of blocks) {
    const kind = kindOf(b);
    // Anything else needs <!-- doc-test: output --> or <!-- doc-test: skip (reason) -->.
    t.not(kind, 'unmarked', `${where(b)}: a \`${b.lang || 'plain'}\` block is a target, a library example, CLI commands, or marked output or skip`);
    if (b.marker?.kind === 'skip') t.not(b.marker.reason, '', `${where(b)}: a skip says why`);
    if (kind === 'target') t.ok(b.marker?.kind === 'run' && b.marker.exit.length > 0, `${where(b)}: a target block claims its exit code (<!-- doc-test: run exit=N -->)`);
    for (const file of b.marker?.uses ?? []) t.ok(named.has(file), `${where(b)}: uses=${file} names a block's file=`);
  }
});

t.test('a file= name belongs to one block', async (t) => {
  const names = allBlocks.flatMap((b) => (b.marker?.file === undefined ? [] : [b.marker.file]));
  t.same(names.filter((n, i) => names.indexOf(n) !== i), [], `file= names: ${names.join(', ')}`);
});

t.test('every block parses', async (t) => {
  for (const b of blocks.filter((b) => kindOf(b) !== 'output')) {
    t.same(syntaxErrors(b), [], `${where(b)} (${b.lang || 'plain'}) parses`);
  }
});

t.test('a doc example runs a few seeds', async (t) => {
  for (const b of blocks.filter((b) => kindOf(b) === 'commands')) {
    const counts = commandsOf(b.body).map((c) => seedsOf(b.marker?.seeds === undefined ? c : withSeeds(c, b.marker.seeds)));
    for (const n of counts) t.ok(n <= SEEDS_PER_COMMAND_MAX, `${where(b)}: a command runs ${n} seeds, at most ${SEEDS_PER_COMMAND_MAX} (shrink them with seeds=N)`);
    t.ok(counts.reduce((a, n) => a + n, 0) <= SEEDS_PER_BLOCK_MAX, `${where(b)}: the block runs at most ${SEEDS_PER_BLOCK_MAX} seeds`);
  }
});

t.test('target blocks exit as the doc claims', async (t) => {
  for (const b of blocks.filter((b) => kindOf(b) === 'target')) {
    const dir = folderFor(b);
    const file = b.marker?.file ?? 'target.ts';
    writeFileSync(join(dir, file), b.body);
    const seeds = Math.min(b.marker?.seeds ?? 50, SEEDS_PER_COMMAND_MAX);
    const r = sh(`node ${JSON.stringify(cli)} run ./${file} --seeds 1..${seeds} --quiet`, dir);
    t.ok(b.marker!.exit.includes(r.code ?? -1), `${where(b)}: run ./${file} exits ${r.code}, the doc claims ${b.marker!.exit.join(' or ')}`, { output: r.out });
  }
});

t.test('command blocks run', async (t) => {
  for (const b of blocks.filter((b) => kindOf(b) === 'commands')) {
    const dir = folderFor(b);
    const allowed = b.marker?.exit.length ? b.marker.exit : [0, 1];
    for (const documented of commandsOf(b.body)) {
      const cmd = toLocalCli(b.marker?.seeds === undefined ? documented : withSeeds(documented, b.marker.seeds), cli);
      const r = sh(cmd, dir);
      t.ok(allowed.includes(r.code ?? -1), `${where(b)}: \`${documented}\` exits ${r.code} (allowed: ${allowed.join(', ')})`, { command: cmd, output: r.out });
    }
  }
});

t.test('library examples run against the package', async (t) => {
  for (const b of blocks.filter((b) => kindOf(b) === 'library')) {
    const dir = folderFor(b);
    const file = b.marker?.file ?? 'example.ts';
    writeFileSync(join(dir, file), b.marker?.seeds === undefined ? b.body : withSeeds(b.body, b.marker.seeds));
    const r = sh(`node --import tsx ./${file}`, dir);
    const allowed = b.marker?.exit.length ? b.marker.exit : [0];
    t.ok(allowed.includes(r.code ?? -1), `${where(b)}: the example exits ${r.code}`, { output: r.out });
  }
});

t.test('every relative link resolves to a file and heading', async (t) => {
  let links = 0;
  for (const doc of docFiles(root)) {
    for (const { target, line } of relativeLinks(readFileSync(join(root, doc), 'utf8'))) {
      links++;
      const [path, anchor] = target.split('#') as [string, string | undefined];
      const file = path === '' ? join(root, doc) : resolve(root, dirname(doc), path);
      if (!t.ok(existsSync(file), `${doc}:${line}: ${target}: ${path} exists`)) continue;
      if (anchor !== undefined && file.endsWith('.md')) {
        t.ok(anchorsOf(readFileSync(file, 'utf8')).has(anchor), `${doc}:${line}: ${target}: #${anchor} is a heading of ${path || doc}`);
      }
    }
  }
  t.ok(links > 10, `${links} relative links checked`);
});

t.test('the helper reads what it claims', async (t) => {
  // The rules the tests above rely on, on inputs whose answers are known.
  t.same([...anchorsOf('# Host mode: existing Node.js code, unmodified\n## Why `pctcp`?\n## Why `pctcp`?\n')],
    ['host-mode-existing-nodejs-code-unmodified', 'why-pctcp', 'why-pctcp-1']);
  t.equal(withSeeds('npx interleave run x --seeds random:1000', 20), 'npx interleave run x --seeds random:20');
  t.equal(withSeeds('npx interleave run x --seeds 1..500', 20), 'npx interleave run x --seeds 1..20');
  t.equal(withSeeds('npx interleave run x --time 5m', 20), 'npx interleave run x --time 5m --seeds 1..20');
  t.equal(withSeeds('interleave campaign --target ./t.ts', 20), 'interleave campaign --target ./t.ts --seeds 1..20 --max-seeds 20');
  t.equal(seedsOf('npx interleave run x --time 5m'), Infinity);
  t.equal(seedsOf('npx interleave replay x --seed 3'), 0);
  t.same(commandsOf('interleave run a \\\n  --seeds 1..3   # why\n\n# note\ninterleave list\n'), ['interleave run a    --seeds 1..3', 'interleave list']);
  const block = (lang: string, body: string): DocBlock => ({ doc: 'x.md', line: 1, lang, body, marker: undefined });
  t.same(syntaxErrors(block('yaml', 'a: 1\n---\nb: 2\n')), []);
  t.ok(syntaxErrors(block('yaml', 'a: 1\n---\nb: [2\n')).length > 0, 'a broken second YAML document is an error');
  t.ok(syntaxErrors(block('ts', 'export default {{\n')).length > 0, 'a TypeScript syntax error is an error');
  t.ok(syntaxErrors(block('sh', 'if true; then\n')).length > 0, 'an unclosed shell if is an error');
  t.same(relativeLinks('see [a](docs/a.md#b), `[c](d.md)` and [e](https://x.y)\n'), [{ target: 'docs/a.md#b', line: 1 }]);
});
