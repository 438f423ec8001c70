import { closeSync, existsSync, fsyncSync, openSync, readFileSync, ftruncateSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { SeedEntry } from './tally.js';
import { UsageError } from '../core/errors.js';
import { ENGINE_VERSION, HARNESS_VERSION } from '../version.js';
import { realClearInterval, realSetInterval } from '../core/real.js';

/**
 * journal.jsonl: the run's record, one line per finished seed, appended and never rewritten.
 * The first line is the header: the command as given (its arguments, so `--resume` can run it
 * again) and, for `random:N`, the number of the stream its seeds were drawn from (seedStream). Lines are written in batches at least every
 * second and fsynced as often, so a killed run loses at most the last second of seeds, which a
 * resume runs again.
 */
export const JOURNAL_FILE = 'journal.jsonl';
export const JOURNAL_VERSION = 1;

export interface JournalHeader {
  journal: typeof JOURNAL_VERSION;
  harness: { name: 'interleave'; version: string };
  /** What its seeds mean (version.ts); a journal without one was written under engine 1. */
  engine?: number;
  /** `run` or `campaign`. */
  command: string;
  /** The arguments after the command name, as given. */
  argv: string[];
  seedSpec: string;
  /** `random:N`: the stream its seeds were drawn from (seeds.ts RandomSeeds): N seeds in a few bytes. */
  seedStream?: number;
  /** Journals before seedStream listed `random:N`'s seeds here. */
  seeds?: string[];
  startedAt: string;
}

/** A journal line: a seed's entry, tagged with the part of the command it belongs to (campaign). */
export type JournalLine = SeedEntry & { p?: string };

const FLUSH_BYTES = 1 << 16;
const SYNC_MS = 1_000;

export class Journal {
  private buffer: string[] = [];
  private bytes = 0;
  private timer: ReturnType<typeof setInterval> | null = null; // allowed: real-time flush of the journal, outside every run
  private closed = false;

  private constructor(private readonly fd: number) {
    this.timer = realSetInterval(() => this.sync(), SYNC_MS); // allowed: see above
    this.timer.unref();
  }

  static create(dir: string, header: Omit<JournalHeader, 'journal' | 'harness' | 'engine'>): { journal: Journal; header: JournalHeader } {
    const path = join(dir, JOURNAL_FILE);
    const fd = openSync(path, 'wx');
    const full: JournalHeader = { journal: JOURNAL_VERSION, harness: { name: 'interleave', version: HARNESS_VERSION }, engine: ENGINE_VERSION, ...header };
    writeSync(fd, JSON.stringify(full) + '\n');
    fsyncSync(fd);
    return { journal: new Journal(fd), header: full };
  }

  /** Reopens for appending after `read` (which dropped a torn last line). */
  static reopen(dir: string, validBytes: number): Journal {
    const fd = openSync(join(dir, JOURNAL_FILE), 'r+');
    ftruncateSync(fd, validBytes);
    closeSync(fd);
    return new Journal(openSync(join(dir, JOURNAL_FILE), 'a'));
  }

  append(line: JournalLine): void {
    if (this.closed) throw new Error('journal is closed');
    const s = JSON.stringify(line) + '\n';
    this.buffer.push(s);
    this.bytes += s.length;
    if (this.bytes >= FLUSH_BYTES) this.flush();
  }

  /** Writes what is buffered (no fsync): cheap, and safe to call from a signal handler. */
  flush(): void {
    if (this.buffer.length === 0 || this.closed) return;
    writeSync(this.fd, this.buffer.join(''));
    this.buffer = [];
    this.bytes = 0;
  }

  sync(): void {
    if (this.closed) return;
    this.flush();
    fsyncSync(this.fd);
  }

  close(): void {
    if (this.closed) return;
    this.sync();
    this.closed = true;
    if (this.timer !== null) realClearInterval(this.timer);
    closeSync(this.fd);
  }
}

export interface ReadJournal {
  header: JournalHeader;
  lines: JournalLine[];
  /** Bytes up to the end of the last whole line (a torn last line is dropped). */
  validBytes: number;
  /** A torn last line was dropped. */
  torn: boolean;
}

/** Reads a journal back for `--resume`; anything but a torn last line is a UsageError. */
export function readJournal(dir: string): ReadJournal {
  const path = join(dir, JOURNAL_FILE);
  if (!existsSync(path)) throw new UsageError(`--resume ${dir}: no ${JOURNAL_FILE} there (is it a report directory of this version?)`);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError(`--resume ${dir}: cannot read ${JOURNAL_FILE}: ${(e as Error).message}`);
  }
  const end = text.lastIndexOf('\n') + 1;
  const torn = end < text.length;
  const rows = text.slice(0, end).split('\n');
  rows.pop();
  if (rows.length === 0) throw new UsageError(`--resume ${dir}: ${JOURNAL_FILE} has no header line`);
  const header = parseHeader(rows[0]!, path);
  const lines: JournalLine[] = [];
  for (let n = 1; n < rows.length; n++) lines.push(parseLine(rows[n]!, n + 1, path));
  return { header, lines, validBytes: Buffer.byteLength(text.slice(0, end)), torn };
}

function parseHeader(row: string, path: string): JournalHeader {
  let h: Partial<JournalHeader>;
  try {
    h = JSON.parse(row) as Partial<JournalHeader>;
  } catch {
    throw new UsageError(`${path}: line 1 is not a journal header`);
  }
  if (h === null || typeof h !== 'object' || h.journal !== JOURNAL_VERSION || h.harness?.name !== 'interleave') {
    throw new UsageError(`${path}: not an interleave journal of version ${JOURNAL_VERSION}`);
  }
  if (h.harness.version !== HARNESS_VERSION) throw new UsageError(`${path} was written by interleave ${h.harness.version}; this is ${HARNESS_VERSION}: its seeds would not run the same`);
  const engine = h.engine ?? 1;
  if (engine !== ENGINE_VERSION) throw new UsageError(`${path} was written under engine ${engine}; this build is engine ${ENGINE_VERSION}: its seeds would not run the same (start the run afresh)`);
  const ok = typeof h.command === 'string' && Array.isArray(h.argv) && h.argv.every((a) => typeof a === 'string') &&
    typeof h.seedSpec === 'string' && typeof h.startedAt === 'string' && (h.seeds === undefined || (Array.isArray(h.seeds) && h.seeds.every((s) => typeof s === 'string'))) &&
    (h.seedStream === undefined || (Number.isSafeInteger(h.seedStream) && h.seedStream >= 0));
  if (!ok) throw new UsageError(`${path}: the header line is malformed`);
  return h as JournalHeader;
}

function parseLine(row: string, n: number, path: string): JournalLine {
  let e: Partial<JournalLine>;
  try {
    e = JSON.parse(row) as Partial<JournalLine>;
  } catch {
    throw new UsageError(`${path}: line ${n} is corrupt (only a torn last line is expected after a kill)`);
  }
  const ok = e !== null && typeof e === 'object' && Number.isSafeInteger(e.i) && (e.i as number) >= 0 &&
    typeof e.v === 'string' && typeof e.s === 'string' && typeof e.h === 'string' && typeof e.n === 'number' && typeof e.t === 'number' &&
    (e.p === undefined || typeof e.p === 'string') && (e.k === undefined || (Array.isArray(e.k) && e.k.length > 0 && e.f !== undefined)) &&
    (e.w === undefined || Array.isArray(e.w)) && (e.file === undefined || e.file === null || typeof e.file === 'string');
  if (!ok) throw new UsageError(`${path}: line ${n} is not a seed entry`);
  return e as JournalLine;
}
