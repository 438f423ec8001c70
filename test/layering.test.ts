// The engine's folders form layers: each imports only from its own folder and the layers below.
// core is the scheduler loop and imports nothing above it; engine composes the rest into one run;
// the tools (explore, shrink, report, cli, ...) sit above and are never imported by the engine.
// Type-only imports count: a circle of types is still a circle a reader has to untangle.
import t from 'tap';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';

const ROOT = join(import.meta.dirname, '..', 'harness');

/** Rank of each engine folder; a folder may import from folders of a lower rank only. */
const RANK: Record<string, number> = {
  core: 0,
  faults: 1,
  cover: 1,
  check: 1,
  sync: 2,
  net: 3,
  strategies: 4,
  host: 4,
  engine: 5,
};
/** Everything else under harness/ is a tool above the engine. */
const TOOL_RANK = 6;

function rank(folder: string): number {
  return RANK[folder] ?? TOOL_RANK;
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
export function importsOf(file: string, text: string): { spec: string; folder: string }[] {
  const out: { spec: string; folder: string }[] = [];
  const re = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*|\bdeclare module\s+)(['"`])([^'"`]+)\1/g;
  const body = stripComments(text);
  for (let m = re.exec(body); m !== null; m = re.exec(body)) {
    const spec = m[2]!;
    if (spec === 'interleave' || spec.startsWith('interleave/')) {
      out.push({ spec, folder: OUTSIDE });
      continue;
    }
    if (!spec.startsWith('./') && !spec.startsWith('../')) continue;
    const target = normalize(join(dirname(file), spec));
    out.push({ spec, folder: relative(ROOT, target).startsWith('..') ? OUTSIDE : folderOf(target) });
  }
  // An import whose path is computed cannot be placed: the engine must not have one. (A
  // signature, `require(id: string)`, is not a call; host mode loads the hosted code this way.)
  if (folderOf(file) !== 'host') {
    for (const m of body.matchAll(/(?<![.\w])(?:import|require)\s*\(\s*(?!['"`])([^):]*)\)/g)) out.push({ spec: m[1]!.trim(), folder: OUTSIDE });
  }
  return out;
}

/** Every import that goes up (or sideways between two engine folders of one rank), or out. */
export function violations(files: readonly { file: string; text: string }[]): string[] {
  const bad: string[] = [];
  for (const { file, text } of files) {
    const from = folderOf(file);
    if (from === '' || rank(from) === TOOL_RANK) {
      continue;
    }
    for (const imp of importsOf(file, text)) {
      if (imp.folder === from) continue;
      const to = imp.folder === '' || imp.folder === OUTSIDE ? TOOL_RANK : rank(imp.folder);
      if (to >= rank(from)) {
        bad.push(`${relative(ROOT, file)} imports '${imp.spec}' (${imp.folder || 'harness/'}, rank ${to}) from ${from} (rank ${rank(from)})`);
      }
    }
  }
  return bad;
}

t.test('no engine folder imports from its own layer or above', async (t) => {
  const files = sources(ROOT).map((file) => ({ file, text: readFileSync(file, 'utf8') }));
  t.ok(files.length > 50, `read the harness sources (${files.length} files)`);
  t.same(violations(files), [], 'every import goes down a layer');
  const core = files.filter((f) => folderOf(f.file) === 'core');
  t.ok(core.length > 10, 'core has files');
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
    ['engine', "export { y } from '../explore/explore.js';", 1, 'engine → a tool'],
    ['sync', "import { z } from '../index.js';", 1, 'sync → the package root'],
    ['net', "import { a } from '../core/run.js';\nimport { b } from './network.js';", 0, 'down and within are fine'],
    ['explore', "import { c } from '../cli/main.js';", 0, 'tools are not ranked among themselves'],
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
