import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Failure, SeedEntry } from '../campaign/tally.js';
import type { RunResult } from '../engine/execute.js';
import type { ExploreResult } from '../campaign/tally.js';
import { Journal, readJournal, type JournalHeader, type JournalLine } from '../campaign/journal.js';
import { writeExploreReport, writeFailureFile } from '../report/write.js';
import { newRunDir } from '../io/dirs.js';
import type { SummaryMeta } from '../report/markdown.js';
import { UsageError } from '../core/errors.js';
import { Interrupt } from './signals.js';
import { stamp } from './common.js';
import { realPerformanceNow } from '../core/real.js';
import { RandomSeeds, SeedList, type SeedSeq } from '../campaign/seeds.js';

/**
 * One `run` or `campaign` invocation's report directory, from its first second: the journal is
 * open before the first seed runs, each failure file is written as its seed finishes, and the
 * summary at the end (or at a signal) is folded from the same entries. `--resume` reopens the
 * directory and hands each part of the command the entries it already has.
 */
export class Session {
  readonly interrupt: Interrupt;
  private readonly t0 = realPerformanceNow(); // allowed: wall time for a summary figure, never a run's
  private readonly byPart = new Map<string, Map<number, SeedEntry>>();
  private appended = 0;

  private constructor(
    readonly dir: string,
    readonly header: JournalHeader,
    private readonly journal: Journal,
    resumed: readonly JournalLine[],
    private readonly reopened: boolean,
  ) {
    this.interrupt = new Interrupt(() => this.journal.flush());
    for (const line of resumed) {
      const { p, ...e } = line;
      const part = p ?? '';
      let m = this.byPart.get(part);
      if (m === undefined) this.byPart.set(part, (m = new Map()));
      if (m.has(e.i)) throw new UsageError(`${dir}: the journal lists ${part === '' ? '' : `${part} `}seed position ${e.i} twice`);
      m.set(e.i, e);
    }
  }

  static start(o: { reportDir: string; name: string; command: string; argv: readonly string[]; seedSpec: string; seeds: SeedSeq }): Session {
    const startedAt = stamp();
    const dir = newRunDir(o.reportDir, o.name, startedAt);
    const header = { command: o.command, argv: [...o.argv], seedSpec: o.seedSpec, ...(o.seeds instanceof RandomSeeds ? { seedStream: o.seeds.stream } : {}), startedAt };
    const made = Journal.create(dir, header);
    return new Session(dir, made.header, made.journal, [], false);
  }

  static resume(dir: string): Session {
    const read = readJournal(dir);
    removeTemporaries(dir);
    if (read.torn) process.stderr.write(`interleave: --resume ${dir}: dropped a torn last line of the journal (a seed cut off by the kill runs again)\n`);
    return new Session(resolve(dir), read.header, Journal.reopen(dir, read.validBytes), read.lines, true);
  }

  /** The seeds a resumed command must use: random:N's come from the stream the journal recorded. */
  seedsFor(seeds: SeedSeq): SeedSeq {
    if (this.header.seeds !== undefined) return new SeedList(this.header.seeds);
    return seeds instanceof RandomSeeds && this.header.seedStream !== undefined ? new RandomSeeds(this.header.seedStream, seeds.length) : seeds;
  }

  /** What a part of the command already ran (empty on a fresh start). */
  resumed(part = ''): ReadonlyMap<number, SeedEntry> {
    return this.byPart.get(part) ?? new Map();
  }

  /** explore()'s onEntry for one part: journal the seed, write its failure file. */
  onEntry(part: string, targetRef: string): (e: SeedEntry, res: RunResult, f: Failure | null) => void {
    return (e, _res, f) => {
      if (f !== null && f.file !== null && f.result !== undefined) writeFailureFile(this.dir, f, targetRef);
      this.journal.append(part === '' ? e : { ...e, p: part });
      this.appended++;
    };
  }

  /**
   * The command ended on an error. Bad input: abandon(). An internal error keeps the report: its
   * stack goes into internal-error.txt, the runs made so far into an interrupted summary beside
   * the journal, and the error learns both, for the line the CLI prints (cli.ts).
   */
  failed(e: unknown, results: readonly ExploreResult[], meta: Omit<SummaryMeta, 'startedAt' | 'wallMs' | 'interrupted' | 'signal'>): void {
    if (e instanceof UsageError || !(e instanceof Error)) {
      this.abandon();
      return;
    }
    let file: string | null = join(this.dir, INTERNAL_ERROR_FILE);
    const detail = (e as Error & { detail?: unknown }).detail;
    try {
      writeFileSync(file, `interleave ${this.header.command} ${this.header.argv.join(' ')}

${e.stack ?? e.message}
${typeof detail === 'string' ? `
in the worker:
${detail}
` : ''}`);
    } catch {
      // The report directory went away: the CLI's line still names the error.
      file = null;
    }
    let summary = false;
    try {
      if (results.length > 0) writeExploreReport(this.dir, results, { ...meta, startedAt: this.header.startedAt, wallMs: this.wallMs, interrupted: true });
      summary = results.length > 0;
    } catch {
      // A summary that cannot be written must not hide the error it was to report: the journal has the runs.
    } finally {
      this.journal.close();
      this.interrupt.dispose();
    }
    Object.assign(e, { report: { stackFile: file, summary, resume: `interleave ${this.header.command} --resume ${this.dir}` } });
  }

  /**
   * Start-up work done after the journal is open (loading the target): its value, or null when
   * a signal came first. If it fails, the session is abandoned: a fresh directory with no run in
   * it goes, as if it had never been made.
   */
  async starting<T>(work: Promise<T>): Promise<T | null> {
    try {
      return await this.interrupt.race(work);
    } catch (e) {
      this.abandon();
      throw e;
    }
  }

  /** The command failed before it could report: close up, and leave no empty report behind
   * (a resumed one stays: it is the user's). */
  abandon(): void {
    this.journal.close();
    this.interrupt.dispose();
    if (this.appended === 0 && this.byPart.size === 0 && !this.reopened) rmSync(this.dir, { recursive: true, force: true });
  }

  get wallMs(): number {
    return realPerformanceNow() - this.t0; // allowed: wall time for a summary figure, never a run's
  }

  /** Writes the summary (interrupted or not), closes the journal and the signal handlers. */
  finish(results: readonly ExploreResult[], meta: Omit<SummaryMeta, 'startedAt' | 'wallMs' | 'interrupted' | 'signal'>): void {
    const sig = this.interrupt.signal;
    try {
      writeExploreReport(this.dir, results, { ...meta, startedAt: this.header.startedAt, wallMs: this.wallMs, ...(sig !== null ? { interrupted: true, signal: sig } : {}) });
    } finally {
      this.journal.close();
      this.interrupt.dispose();
    }
  }

  /** The exit code: an interruption wins over a finding. */
  exitCode(found: number): number {
    return this.interrupt.code() ?? found;
  }
}

/** Where an internal error's stack is written, in the report directory. */
export const INTERNAL_ERROR_FILE = 'internal-error.txt';

/** What Session.failed adds to an internal error. */
export interface InternalReport {
  /** null: it could not be written (the CLI then says --debug prints it). */
  stackFile: string | null;
  summary: boolean;
  resume: string;
}

/** A kill between writing and renaming leaves `.name.tmp-pid-n` behind (writeFileAtomic): the
 * file it was to replace is whole, so the temporary one goes. */
function removeTemporaries(dir: string): void {
  for (const d of [dir, join(dir, 'failures')]) {
    if (!existsSync(d)) continue;
    for (const f of readdirSync(d)) if (/^\..+\.tmp-\d+-\d+$/.test(f)) rmSync(join(d, f), { force: true });
  }
}
