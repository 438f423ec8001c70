import { dirname, resolve } from 'node:path';
import { UsageError } from '../../core/errors.js';
import { writeFileAtomic } from '../../io/atomic.js';
import { ensureWritableDir } from '../../io/dirs.js';
import type { CaseRow } from './cases.js';
import { appendStepSummary, githubAnnotations } from './github.js';
import { junitXml } from './junit.js';
import { casesTap } from './tap.js';

export { exploreCases, regressCases, kindText, type CaseRow } from './cases.js';

/**
 * `--format name[=path]`, repeatable: each format goes to its file, and at most one to stdout.
 * The default is the command's own (text; tap for regress).
 */
export const FORMATS = ['text', 'json', 'junit', 'tap', 'markdown', 'github'] as const;
export type FormatName = (typeof FORMATS)[number];

export interface FormatSpec {
  name: FormatName;
  /** Absent: stdout. */
  path?: string;
}

export function parseFormats(given: readonly string[] | undefined, fallback: FormatName): FormatSpec[] {
  const specs = (given ?? []).flatMap((g) => g.split(',')).filter((g) => g.length > 0).map(parseOne);
  const toStdout = specs.filter((s) => s.path === undefined);
  // Formats written to files leave stdout to the command's own output.
  if (toStdout.length === 0) specs.push({ name: fallback });
  if (toStdout.length > 1) throw new UsageError(`--format: ${toStdout.map((s) => s.name).join(' and ')} would both go to stdout; give all but one a file: --format name=path`);
  for (const s of specs) if (s.path !== undefined) ensureWritableDir(dirname(resolve(s.path)));
  const paths = specs.flatMap((s) => (s.path === undefined ? [] : [resolve(s.path)]));
  const dup = paths.find((p, i) => paths.indexOf(p) !== i);
  if (dup !== undefined) throw new UsageError(`--format: two formats would write ${dup}`);
  return specs;
}

function parseOne(g: string): FormatSpec {
  const at = g.indexOf('=');
  const name = (at < 0 ? g : g.slice(0, at)).trim();
  const path = at < 0 ? undefined : g.slice(at + 1);
  if (!(FORMATS as readonly string[]).includes(name)) throw new UsageError(`--format ${name}: unknown format (known: ${FORMATS.join(', ')})`);
  if (path !== undefined && path.length === 0) throw new UsageError(`--format ${name}=: give a file after '='`);
  if (name === 'github' && path !== undefined) throw new UsageError('--format github writes workflow commands to stdout (and the job summary to $GITHUB_STEP_SUMMARY): give it no file');
  return path === undefined ? { name: name as FormatName } : { name: name as FormatName, path };
}

/** What a command hands the formats. */
export interface FormatInput {
  /** `interleave run`, … (the JUnit testsuites name). */
  title: string;
  cases: CaseRow[];
  wallMs: number;
  /** The human output (the default text). */
  text: () => string;
  json: () => string;
  markdown: () => string;
  /** A command's own TAP (regress); otherwise one test point per case. */
  tap?: () => string;
}

export function render(name: FormatName, input: FormatInput): string {
  switch (name) {
    case 'text': return input.text();
    case 'json': return input.json();
    case 'junit': return junitXml(input.title, input.cases, input.wallMs);
    case 'tap': return input.tap?.() ?? casesTap(input.cases);
    case 'markdown': return input.markdown();
    case 'github': {
      appendStepSummary(input.markdown());
      return githubAnnotations(input.cases);
    }
  }
}

/** Writes every format; returns whether stdout got one (other output then goes to stderr). */
export function emitFormats(specs: readonly FormatSpec[], input: FormatInput): void {
  for (const s of specs) {
    const out = render(s.name, input);
    if (s.path === undefined) process.stdout.write(out);
    else writeFileAtomic(s.path, out);
  }
}

/**
 * Emits the text summary at once, runs `then` (shrinking, the page), and emits the machine formats
 * after it, even if it throws: they carry summary.md, which links the page once it exists.
 */
export async function emitFormatsAround(specs: readonly FormatSpec[], input: FormatInput, then: () => Promise<void>): Promise<void> {
  emitFormats(specs.filter((s) => s.name === 'text'), input);
  try {
    await then();
  } finally {
    emitFormats(specs.filter((s) => s.name !== 'text'), input);
  }
}

/** True when stdout carries a machine format, so human lines must go to stderr. */
export function stdoutIsMachine(specs: readonly FormatSpec[]): boolean {
  return specs.some((s) => s.path === undefined && s.name !== 'text');
}
