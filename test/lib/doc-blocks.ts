/** Reading the docs as a test reads them (test/docs.test.ts): the fenced code blocks of a
 * Markdown file with the `doc-test` marker that says what each one is, its relative links, its
 * headings' anchors, and the rewriting that turns a documented command into a cheap run of the
 * built CLI.
 *
 * A marker is an HTML comment on the line just before a fence (invisible on GitHub, visible in
 * the source, where a doc's writer looks):
 *   <!-- doc-test: output -->                 sample output, not run
 *   <!-- doc-test: skip (reason) -->          cannot run in a test; parsed by its language
 *   <!-- doc-test: run exit=1 file=t.ts uses=t.ts seeds=20 -->  how to run a runnable block
 * `exit=` lists the exit codes the doc claims (a target block must claim one), `file=` names a
 * block's file so later blocks can `uses=` it, `seeds=` shrinks every seed range above it. */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

export interface Marker {
  kind: 'output' | 'skip' | 'run';
  reason: string;
  exit: number[];
  file: string | undefined;
  uses: string[];
  seeds: number | undefined;
}

export interface DocBlock {
  doc: string; // path relative to the repository root
  line: number; // 1-based line of the opening fence
  lang: string;
  body: string;
  marker: Marker | undefined;
}

export type BlockKind = 'output' | 'skip' | 'target' | 'library' | 'commands' | 'unmarked';

const MARKER = /^<!--\s*doc-test:\s*(output|skip|run)\b(.*?)-->\s*$/;
const FENCE = /^(\s*)(`{3,}|~{3,})\s*([\w+-]*)/;

export function parseMarker(line: string): Marker | undefined {
  const m = MARKER.exec(line.trim());
  if (!m) return undefined;
  const rest = m[2]!.trim();
  const reason = /\((.*)\)/.exec(rest)?.[1]?.trim() ?? '';
  const keys = new Map<string, string>();
  for (const kv of rest.replace(/\(.*\)/, '').matchAll(/(\w+)=(\S+)/g)) keys.set(kv[1]!, kv[2]!);
  const seeds = keys.get('seeds');
  return {
    kind: m[1] as Marker['kind'],
    reason,
    exit: keys.get('exit')?.split(',').map(Number) ?? [],
    file: keys.get('file'),
    uses: keys.get('uses')?.split(',') ?? [],
    seeds: seeds === undefined ? undefined : Number(seeds),
  };
}

/** Every fenced block of a Markdown text, with the marker on the line before its fence. */
export function extractBlocks(doc: string, text: string): DocBlock[] {
  const lines = text.split('\n');
  const out: DocBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]!);
    if (!open) continue;
    const [, indent, fence, lang] = open;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !(lines[j]!.trim().startsWith(fence!) && lines[j]!.trim().replace(/[`~]/g, '') === ''); j++) {
      body.push(lines[j]!.startsWith(indent!) ? lines[j]!.slice(indent!.length) : lines[j]!);
    }
    let k = i - 1;
    while (k >= 0 && lines[k]!.trim() === '') k--;
    out.push({ doc, line: i + 1, lang: lang!.toLowerCase(), body: body.join('\n') + '\n', marker: k >= 0 ? parseMarker(lines[k]!) : undefined });
    i = j;
  }
  return out;
}

const TS = new Set(['ts', 'typescript', 'js', 'javascript', 'mjs']);
const SHELL = new Set(['sh', 'bash', 'shell']);

/** A target is a script that default-exports an object with a `setup`; a library example
 * imports the package. Both run; so does a shell block whose every command is the CLI's. */
export function kindOf(b: DocBlock): BlockKind {
  if (b.marker?.kind === 'output' || b.marker?.kind === 'skip') return b.marker.kind;
  if (TS.has(b.lang) && /export default/.test(b.body) && /\bsetup\s*\(/.test(b.body)) return 'target';
  if (TS.has(b.lang) && /from 'interleave'/.test(b.body)) return 'library';
  if (SHELL.has(b.lang) && commandsOf(b.body).length > 0 && commandsOf(b.body).every(isCliCommand)) return 'commands';
  return 'unmarked';
}

export function isTs(b: DocBlock): boolean { return TS.has(b.lang); }
export function isShell(b: DocBlock): boolean { return SHELL.has(b.lang); }

/** The commands of a shell block: one a line, continuation lines joined, comments dropped. */
export function commandsOf(body: string): string[] {
  const joined = body.replace(/\\\n/g, ' ');
  return joined.split('\n').map((l) => l.replace(/(^|\s)#.*$/, '').trim()).filter((l) => l !== '');
}

const CLI = /^(npx interleave|interleave|node dist\/harness\/cli\/main\.js)\s/;
export function isCliCommand(cmd: string): boolean { return CLI.test(cmd + ' '); }

/** How many seeds a seed spec names (`A..B`, `random:N`, `N`); Infinity when it cannot tell. */
export function seedCount(spec: string): number {
  const range = /^(\d+)\.\.(\d+)$/.exec(spec);
  if (range) return Number(range[2]) - Number(range[1]) + 1;
  const random = /^random:(\d+)$/.exec(spec);
  if (random) return Number(random[1]);
  return /^\d+$/.test(spec) ? 1 : Infinity;
}

/** The seeds a CLI command runs at most (runs, campaigns; 0 for the rest). A `run` without
 * `--seeds` runs the default 100, and on for the whole time with `--time`; a campaign runs up
 * to its `--max-seeds`. */
export function seedsOf(cmd: string): number {
  const words = cmd.split(/\s+/);
  const sub = words.find((w, i) => i > 0 && !/^(npx|interleave|node|dist\/)/.test(w));
  if (sub !== 'run' && sub !== 'campaign') return 0;
  if (sub === 'campaign') {
    const max = words.indexOf('--max-seeds');
    return max >= 0 ? Number(words[max + 1]) : Infinity;
  }
  const at = words.indexOf('--seeds');
  if (at >= 0) return seedCount(words[at + 1] ?? '');
  if (words.includes('--seed')) return 1;
  if (words.includes('--time')) return Infinity;
  if (words.includes('--until-fail')) return Infinity;
  return 100;
}

/** A documented seed range brought down to `n` seeds (`1..500` → `1..n`, `random:1000` →
 * `random:n`); a run on a clock or a campaign gets `--seeds 1..n` (and `--max-seeds n`). */
export function withSeeds(cmd: string, n: number): string {
  let out = cmd.replace(/(--seeds\s+)(\d+)\.\.(\d+)/g, (all, flag: string, a: string, b: string) =>
    Number(b) - Number(a) + 1 > n ? `${flag}${a}..${Number(a) + n - 1}` : all);
  out = out.replace(/(--seeds\s+)random:(\d+)/g, (all, flag: string, m: string) => (Number(m) > n ? `${flag}random:${n}` : all));
  out = out.replace(/(seeds:\s*')(\d+)\.\.(\d+)'/g, (all, key: string, a: string, b: string) =>
    Number(b) - Number(a) + 1 > n ? `${key}${a}..${Number(a) + n - 1}'` : all);
  if (!/--seeds?\s/.test(out) && /\s(run|campaign)\s/.test(` ${out} `)) out += ` --seeds 1..${n}`;
  if (/\scampaign(\s|$)/.test(out) && !/--max-seeds/.test(out)) out += ` --max-seeds ${n}`;
  return out;
}

/** The command as the test runs it: the CLI by path instead of the installed bin. */
export function toLocalCli(cmd: string, cli: string): string {
  return cmd.replace(CLI, `node ${JSON.stringify(cli)} `);
}

/** GitHub's anchor for each heading: lower case, punctuation but `-` and `_` dropped, spaces to
 * `-`, repeats numbered `-1`, `-2`. */
export function anchorsOf(text: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  let fenced = false;
  for (const line of text.split('\n')) {
    if (FENCE.test(line)) fenced = !fenced;
    const h = fenced ? null : /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!h) continue;
    const base = h[1]!.toLowerCase().replace(/<[^>]*>/g, '').replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/ /g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

/** Every relative link target of a Markdown text, outside code, with its line. */
export function relativeLinks(text: string): { target: string; line: number }[] {
  const out: { target: string; line: number }[] = [];
  let fenced = false;
  text.split('\n').forEach((line, i) => {
    if (FENCE.test(line)) fenced = !fenced;
    if (fenced) return;
    const prose = line.replace(/`[^`]*`/g, '');
    for (const m of prose.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = m[1]!;
      if (!/^[a-z]+:/i.test(target)) out.push({ target, line: i + 1 });
    }
  });
  return out;
}

/** README.md and every Markdown file under docs/, relative to the root. */
export function docFiles(root: string): string[] {
  const out = ['README.md'];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.md')) out.push(relative(root, path));
    }
  };
  walk(join(root, 'docs'));
  return out;
}

export function blocksOf(root: string): DocBlock[] {
  return docFiles(root).flatMap((doc) => extractBlocks(doc, readFileSync(join(root, doc), 'utf8')));
}
