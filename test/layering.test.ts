// Every folder of harness/ is a layer: each imports only from its own folder and the layers below.
// core is the scheduler loop and imports nothing above it; engine composes the rest into one run;
// the tools (campaign, shrink, report, cli, ...) sit above and are never imported by the engine.
// A folder missing from RANK fails the test: a new folder is placed on purpose, not by default.
// No import circle either, between files of one folder included, in harness/ and in targets/.
// Type-only imports count: a circle of types is still a circle a reader has to untangle.
import t from 'tap';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';

const ROOT = join(import.meta.dirname, '..', 'harness');
const TARGETS = join(import.meta.dirname, '..', 'targets');

/** Rank of each folder of harness/; a folder may import from folders of a lower rank only. */
const RANK: Record<string, number> = {
  // the engine: one run
  core: 0,
  faults: 1, // fault names, network knobs, the weather draw, swarm, weather files and stats
  cover: 1,
  check: 1, // the detectors
  io: 1, // atomic writes, directories
  sync: 2,
  net: 3,
  strategies: 4, // one file per scheduling strategy, the guided one's corpus beside it
  host: 4,
  engine: 5,
  // the tools: many runs
  target: 6, // loading a target by name or path
  workers: 6, // what every watched worker thread shares: seed boundaries, the watched worker
  replay: 7, // schedule files, their encoding, replaying decisions, the replay command
  campaign: 8, // options, pilot fit, per-seed run, the loop, tally, seeds, shards, its workers
  regress: 8,
  shrink: 9,
  report: 9,
  cli: 10,
};
/** Files directly in harness/: the version is a constant anyone reads; the index is the package. */
const ROOT_FILE_RANK: Record<string, number> = { 'version.ts': -1, 'index.ts': 11 };
/** The folders that make one run: they never reach outside harness/ nor compute an import path. */
const ENGINE_TOP = RANK.engine!;
/** A folder nobody ranked. */
const UNRANKED = Number.NEGATIVE_INFINITY;

function rank(folder: string): number {
  return RANK[folder] ?? UNRANKED;
}

/** The rank of an importing or imported file: its folder's, or a root file's own. */
function rankOfFile(file: string): number {
  const folder = folderOf(file);
  return folder === '' ? ROOT_FILE_RANK[relative(ROOT, file)] ?? UNRANKED : rank(folder);
}

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (name.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** The harness folder a file is in ('' for harness/*.ts itself). */
function folderOf(file: string): string {
  const rel = relative(ROOT, file).split(/[\\/]/);
  return rel.length > 1 ? rel[0]! : '';
}

/** Comments out of the way, so an import named in prose is not counted (strings are kept). */
function stripComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

/** Where an import lands: a harness folder, OUTSIDE (targets/, bench/, the package itself by
 * name) or null for a package or built-in. */
const OUTSIDE = '<outside harness>';

/** Static imports, re-exports, dynamic imports and requires, in any quotes. */
export function importsOf(file: string, text: string): { spec: string; folder: string; path: string | null }[] {
  const out: { spec: string; folder: string; path: string | null }[] = [];
  const re = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*|\bdeclare module\s+)(['"`])([^'"`]+)\1/g;
  const body = stripComments(text);
  for (let m = re.exec(body); m !== null; m = re.exec(body)) {
    const spec = m[2]!;
    if (spec === 'interleave' || spec.startsWith('interleave/')) {
      out.push({ spec, folder: OUTSIDE, path: null });
      continue;
    }
    if (!spec.startsWith('./') && !spec.startsWith('../')) continue;
    const target = normalize(join(dirname(file), spec));
    out.push({ spec, folder: relative(ROOT, target).startsWith('..') ? OUTSIDE : folderOf(target), path: target.replace(/\.js$/, '.ts') });
  }
  // An import whose path is computed cannot be placed: the engine must not have one. (A
  // signature, `require(id: string)`, is not a call; host mode loads the hosted code this way.)
  if (folderOf(file) !== 'host') {
    for (const m of body.matchAll(/(?<![.\w])(?:import|require)\s*\(\s*(?!['"`])([^):]*)\)/g)) out.push({ spec: m[1]!.trim(), folder: OUTSIDE, path: null });
  }
  return out;
}

/** Every import that goes up (or sideways between two folders of one rank), or, from the
 * engine, out of harness/; and every file in a folder nobody ranked. */
export function violations(files: readonly { file: string; text: string }[]): string[] {
  const bad: string[] = [];
  for (const { file, text } of files) {
    const from = folderOf(file);
    const own = rankOfFile(file);
    if (own === UNRANKED) {
      bad.push(`${relative(ROOT, file)}: ${from === '' ? 'a file in harness/' : `folder ${from}/`} has no rank (add it to RANK in test/layering.test.ts)`);
      continue;
    }
    const engine = from !== '' && own <= ENGINE_TOP;
    for (const imp of importsOf(file, text)) {
      if (from !== '' && imp.folder === from) continue;
      if (imp.folder === OUTSIDE) {
        if (engine || from === '') bad.push(`${relative(ROOT, file)} imports '${imp.spec}' from outside harness/ (${from || 'harness/'}, rank ${own})`);
        continue;
      }
      const to = imp.path === null ? UNRANKED : rankOfFile(imp.path);
      if (to === UNRANKED || to >= own) {
        bad.push(`${relative(ROOT, file)} imports '${imp.spec}' (${imp.folder || 'harness/'}, rank ${to}) from ${from || 'harness/'} (rank ${own})`);
      }
    }
  }
  return bad;
}

/** Import circles among `files` (each a list of its files, in import order from the first). */
export function circles(files: readonly { file: string; text: string }[]): string[][] {
  const known = new Set(files.map((f) => f.file));
  const edges = new Map<string, string[]>();
  for (const { file, text } of files) {
    edges.set(file, importsOf(file, text).map((i) => i.path).filter((p): p is string => p !== null && known.has(p)));
  }
  // Tarjan's strongly connected components: a component of two or more files, or a file that
  // imports itself, is a circle.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    on.add(v);
    for (const w of edges.get(v)!) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const scc: string[] = [];
    for (let w = stack.pop()!; ; w = stack.pop()!) {
      on.delete(w);
      scc.push(w);
      if (w === v) break;
    }
    if (scc.length > 1 || edges.get(v)!.includes(v)) out.push(scc.reverse());
  };
  for (const f of known) if (!index.has(f)) visit(f);
  return out;
}

t.test('every folder of harness/ is ranked, and no folder imports from its own layer or above', async (t) => {
  const files = sources(ROOT).map((file) => ({ file, text: readFileSync(file, 'utf8') }));
  t.ok(files.length > 50, `read the harness sources (${files.length} files)`);
  t.same(violations(files), [], 'every import goes down a layer');
  const core = files.filter((f) => folderOf(f.file) === 'core');
  t.ok(core.length > 10, 'core has files');
  const folders = readdirSync(ROOT).filter((n) => statSync(join(ROOT, n)).isDirectory());
  for (const f of folders) t.not(rank(f), UNRANKED, `${f}/ has a rank`);
  for (const f of core) {
    for (const imp of importsOf(f.file, f.text)) t.equal(imp.folder, 'core', `${relative(ROOT, f.file)} imports only core ('${imp.spec}')`);
  }
});

t.test('the check sees an upward import, a type-only one, a dynamic one and a sideways one', async (t) => {
  // [folder of the importing file, its text, violations expected, what the case is]
  const cases: [string, string, number, string][] = [
    ['core', "import type { Weather } from '../net/weather.js';", 1, 'core → net, type only'],
    ['net', "const m = await import('../engine/sim.js');", 1, 'net → engine, dynamic'],
    ['strategies', "import { x } from '../host/index.js';", 1, 'strategies → host, same rank'],
    ['engine', "export { y } from '../campaign/explore.js';", 1, 'engine → a tool'],
    ['sync', "import { z } from '../index.js';", 1, 'sync → the package root'],
    ['net', "import { a } from '../core/run.js';\nimport { b } from './network.js';", 0, 'down and within are fine'],
    ['campaign', "import { c } from '../cli/main.js';", 1, 'a tool importing a higher tool'],
    ['cli', "import { c } from '../campaign/explore.js';", 0, 'a tool importing a lower one'],
    ['shrink', "import { c } from '../report/write.js';", 1, 'two tools of one rank'],
    ['newfolder', "import { c } from '../core/api.js';", 1, 'a folder nobody ranked'],
    ['core', "import { v } from '../version.js';", 0, 'the version, a root leaf'],
    ['engine', "import { v } from '../index.js';", 1, 'the package index'],
    ['net', 'import { d } from "../engine/sim.js";', 1, 'double quotes'],
    ['check', "const e = require('../net/network.js');", 1, 'a require'],
    ['core', "import { g } from '../../targets/raft/index.js';", 1, 'out of harness/'],
    ['sync', "import { h } from 'interleave';", 1, 'the package by its own name'],
    ['net', 'const m = await import(path);', 1, 'a computed import path'],
    ['core', "// was: import { w } from '../net/weather.js';\n/* from '../engine/x.js' */", 0, 'comments are not imports'],
  ];
  for (const [folder, text, want, what] of cases) {
    t.equal(violations([{ file: join(ROOT, folder, 'x.ts'), text }]).length, want, what);
  }
});

t.test('no import circle in harness/ or targets/, inside a folder included', async (t) => {
  for (const dir of [ROOT, TARGETS]) {
    const files = sources(dir).map((file) => ({ file, text: readFileSync(file, 'utf8') }));
    t.ok(files.length > 10 && files.every((f) => existsSync(f.file)), `read ${relative(join(dir, '..'), dir)}/ (${files.length} files)`);
    t.same(circles(files).map((c) => c.map((f) => relative(dir, f)).join(' → ')), [], `no circle in ${relative(join(dir, '..'), dir)}/`);
  }
});

t.test('the circle check sees a circle of two, of three, a type-only one, and none in a chain', async (t) => {
  const f = (folder: string, name: string, text: string) => ({ file: join(ROOT, folder, name), text });
  t.equal(circles([f('net', 'a.ts', "import { b } from './b.js';"), f('net', 'b.ts', "import { a } from './a.js';")]).length, 1, 'two files');
  t.same(circles([f('net', 'a.ts', "import { b } from './b.js';"), f('net', 'b.ts', "import { c } from './c.js';"), f('net', 'c.ts', "import type { A } from './a.js';")])
    .map((c) => c.length), [3], 'three files, one import type-only');
  t.equal(circles([f('core', 'a.ts', "import { b } from '../net/b.js';"), f('net', 'b.ts', "import { a } from '../core/a.js';")]).length, 1, 'across folders');
  t.equal(circles([f('net', 'a.ts', "import { b } from './b.js';"), f('net', 'b.ts', "import { c } from './c.js';"), f('net', 'c.ts', '')]).length, 0, 'a chain');
  t.equal(circles([f('net', 'a.ts', "// import { b } from './b.js';"), f('net', 'b.ts', "import { a } from './a.js';")]).length, 0, 'a comment is no import');
});
