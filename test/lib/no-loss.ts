/** What the no-loss tests share (test/no-loss.test.ts and test/sweeps/no-loss.test.ts): the
 * command, a run stopped by a signal at a moment, and what its files must satisfy. */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');
export const cli = join(root, 'dist/harness/cli/main.js');
// 3 variants × 1,200 seeds: about a second of work, with failures to keep.
export const ARGS = ['run', 'bounded-buffer', '--seeds', '1..1200'];

export function sync(args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 300_000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

/** A fixed sequence of "random" moments, as counts of finished seeds (20..919 of the 3,600
 * runs ARGS makes): the test itself must be reproducible. */
export function moments(n: number, seed: number): number[] {
  const out: number[] = [];
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    out.push(20 + (x % 900));
  }
  return out;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Lines in a file so far (0 while it does not exist). */
function linesIn(file: string): number {
  if (!existsSync(file)) return 0;
  const text = readFileSync(file, 'utf8');
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/**
 * Starts a run and sends `sig` once its journal records `seeds` finished seeds (the header line
 * plus that many entries), then resolves at exit. It waits on what the run writes, never on the
 * wall clock, so a loaded machine changes only how long it takes; a run that exits before
 * reaching that point is returned as it ended (its caller decides what that means).
 */
export async function interrupted(dirBase: string, extra: string[], sig: NodeJS.Signals, seeds: number, args = ARGS): Promise<{ code: number | null; signal: NodeJS.Signals | null; dir: string | null; signalled: boolean }> {
  const child = spawn(process.execPath, [cli, ...args, ...extra, '--report-dir', dirBase], { stdio: 'ignore' });
  let end: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => child.on('exit', (code, signal) => res(end = { code, signal })));
  let dir: string | null = null;
  for (;;) {
    if (end !== null) break;
    const made = existsSync(dirBase) ? readdirSync(dirBase) : [];
    if (made.length > 0) dir = join(dirBase, made[0]!);
    if (dir !== null && linesIn(join(dir, 'journal.jsonl')) >= 1 + seeds) break;
    await sleep(5);
  }
  const signalled = end === null;
  if (signalled) child.kill(sig);
  return { ...(await exited), dir, signalled };
}

export type Summary = Record<string, unknown> & { targets: Record<string, unknown>[] };

export function summary(dir: string): Summary {
  return JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as Summary;
}

/** What must match between an interrupted-then-resumed run and one that was never stopped. */
export function comparable(s: Summary): unknown {
  const { wallMs: _w, startedAt: _s, command: _c, seedsPerSec: _p, ...rest } = s;
  return rest;
}

/** Every file the run left (but the journal's torn last line) parses. */
export function allParse(t: { pass: (m: string) => void }, dir: string): void {
  const journal = readFileSync(join(dir, 'journal.jsonl'), 'utf8').split('\n');
  const last = journal.pop()!;
  for (const line of journal) JSON.parse(line);
  if (last !== '') t.pass('a torn last journal line is allowed');
  const files = readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => join(dir, f));
  if (existsSync(join(dir, 'failures'))) files.push(...readdirSync(join(dir, 'failures')).filter((f) => !f.startsWith('.')).map((f) => join(dir, 'failures', f)));
  for (const f of files) JSON.parse(readFileSync(f, 'utf8'));
}
