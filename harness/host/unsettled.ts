/**
 * `never-settled`: hosted work that can never finish. A host run that reaches quiescence (no
 * timer, immediate or delivery left anywhere) can settle nothing more, so a promise hosted code
 * made and that is still pending then waits forever: an acquire that hangs, a reply nobody will
 * send. V8's promise hooks (`node:v8` `promiseHooks`: `init`, `settled`) see every promise; the
 * ledger keeps those made during a node's step of the live run until they settle.
 *
 * Cost, measured on host-lease `correct` (200 seeds, 450 promises a seed): the hooks alone add
 * about 5–15 % to a host run; a stack per promise would add about 50 %, so the creation site is
 * read only while a whole trace is recorded (replay --trace). Otherwise a report names the node,
 * the step and the callback that was running, which a replay with --trace turns into a file:line.
 */
import { executionAsyncId } from 'node:async_hooks';
import { promiseHooks } from 'node:v8';
import type { Run } from '../core/run.js';
import { callSite } from './call-site.js';

interface Made {
  readonly node: string;
  readonly step: number;
  readonly timeMs: number;
  /** The callback running when it was made (`n1:setTimeout(40)#7`), or '' (a task's step). */
  readonly during: string;
  readonly site: string;
  readonly parent: Promise<unknown> | undefined;
  /** Something waits on it: a `then`, `catch` or `await` made a promise from it. */
  awaited: boolean;
}

/** What the runtime tells the ledger: the callback each node step is running. */
export interface Running {
  step: number;
  label: string;
  /**
   * The async id of the real callback the engine is running in (its hop's immediate, or the
   * caller that started the run). A promise made synchronously in any other real callback (a
   * file read's completion, a message from the main thread, between two hops) is not hosted
   * code's, whatever node acted last. Microtasks run with id 0 (Node sets no id for them without
   * async_hooks enabled), so they are taken as hosted: the hop's own continuations drain there.
   */
  entry: number;
}

export interface NeverSettled {
  actors: string[];
  message: string;
  details: { pending: number; first: { node: string; step: number; timeMs: number; during: string; site: string }[] };
}

/** At most this many promises are named in a report. */
const NAMED_MAX = 5;

export class PromiseLedger {
  private readonly pending = new Map<Promise<unknown>, Made>();
  private stopHook: (() => void) | null;

  constructor(private readonly run: Run, private readonly running: Running) {
    this.stopHook = <() => void>promiseHooks.createHook({
      init: (p, parent) => this.made(p, parent),
      settled: (p) => {
        this.pending.delete(p);
      },
    });
  }

  private made(p: Promise<unknown>, parent: Promise<unknown> | undefined): void {
    const run = this.run;
    const node = run.actingGroup;
    if (node === null || run.finished) return;
    const eid = executionAsyncId();
    if (eid !== 0 && eid !== this.running.entry) return;
    const during = this.running.step === run.step ? this.running.label : '';
    const site = run.trace.full !== null ? callSite() : '';
    if (parent !== undefined) {
      const from = this.pending.get(parent);
      if (from !== undefined) from.awaited = true;
    }
    this.pending.set(p, { node, step: run.step, timeMs: run.clock.now(), during, site, parent, awaited: false });
  }

  /** Unhooks (the run ended): nothing more is recorded. */
  stop(): void {
    this.stopHook?.();
    this.stopHook = null;
  }

  /** At quiescence: the promises still pending, named by the first ones of their chains. */
  report(): NeverSettled | null {
    this.stop();
    if (this.pending.size === 0) return null;
    // A chain's head: pending, not made from a promise that is pending too (then/catch/await),
    // and waited on. A promise nobody waits on is no work left undone (bluebird, for one, makes
    // a never-settling native promise at load to probe the engine).
    const heads: Made[] = [];
    for (const m of this.pending.values()) if (m.awaited && (m.parent === undefined || !this.pending.has(m.parent))) heads.push(m);
    if (heads.length === 0) {
      this.pending.clear();
      return null;
    }
    heads.sort((a, b) => a.step - b.step);
    const first = heads.slice(0, NAMED_MAX).map((m) => ({
      node: m.node, step: m.step, timeMs: m.timeMs, during: m.during === '' ? `${m.node}'s step ${m.step}` : m.during, site: m.site.replace(/^@/, ''),
    }));
    const h = first[0]!;
    let chained = 0;
    for (const m of this.pending.values()) if (m.parent !== undefined && this.pending.has(m.parent)) chained++;
    const more = heads.length - 1 + chained;
    const where = h.site !== '' ? ` at ${h.site}` : ' (replay with --trace for the file:line)';
    this.pending.clear();
    return {
      actors: [...new Set(first.map((m) => m.node))],
      message: `${h.node}'s hosted code made a promise at step ${h.step} (${h.timeMs}ms), while ${h.during} ran${where}, that never settled: the run is quiescent (no timer, immediate or delivery left), so nothing can settle it` +
        (more > 0 ? `; ${more} more pending (${heads.length} chains)` : ''),
      details: { pending: more + 1, first },
    };
  }
}
