/**
 * One host run: the virtual timers, clocks and draws hosted code reaches through the
 * trampolines, each node incarnation's module instances, what `keep` holds across restarts, and
 * the run's hops (model (b): each decision in its own real macrotask, so the real nextTick and
 * microtask queues drain in between). Everything here belongs to one run: dropped at its end,
 * nothing a hosted module made survives into the next.
 */
import type { NodeHost } from '../core/api.js';
import { UsageError } from '../core/errors.js';
import type { LabelKey } from '../core/decision-log.js';
import { extendHash, labelHash } from '../core/hash.js';
import { realSetImmediate } from '../core/real.js';
import { executionAsyncId } from 'node:async_hooks';
import { format } from 'node:util';
import { markCharged } from '../core/rejections.js';
import { errorText, type Run, type RunHost } from '../core/run.js';
import { CallbackEvent } from '../core/timers.js';
import { CALM_LOOP, type LoopWeather } from '../faults/loop-weather.js';
import { NodeLoop, type LoopItem } from './loop.js';
import { callSite } from './call-site.js';
import { PromiseLedger, type Running } from './unsettled.js';
import { RunStopped } from '../core/violation.js';
import type { NetNode } from '../net/node.js';
import type { NodeContextImpl } from '../net/node-context.js';
import { EsmInstances } from './esm.js';
import { ModuleInstances } from './loader.js';
import { hostedBuiltin, setEscapeHandler } from './stubs.js';
import {
  VirtualTimerMark, activeClock, installTrampolines, setActiveClock, trampolinesInstalled, type ConsoleLevel, type HostClock, type HostTimer, type TimerKind,
} from './trampolines.js';

/** `Date.now()` at virtual time 0 of every host run (2026-01-01T00:00:00Z): constant, so the (allowed: host mode's virtual Date)
 * same seed reads the same dates anywhere. */
export const HOST_EPOCH_MS = 1_767_225_600_000;

/** `performance.now()` when a hosted process's virtual clock reads 0: the ms Node spends from
 * the process's start (`performance.timeOrigin`, lib/internal/perf/utils.js `now()`) to the
 * first line of user code (bootstrap and module loading; 25–60 ms for `node -e` on Node 20
 * here). A fraction, as hrtime gives, so no reading is a whole ms. */
export const HOST_PERF_ORIGIN_MS = 31.25;

/** Resource kinds that are the harness's own plumbing, never a hosted escape: the worker's
 * port to its supervisor, which comes and goes with console output and results. */
const OWN_RESOURCES = new Set(['MessagePort']);

/** A hosted node across its incarnations within one run. */
interface HostNode {
  readonly net: NetNode | null;
  /** `n2:` (empty for timers armed outside any node). */
  readonly prefix: string;
  readonly kept: Map<string, unknown>;
  /** Decision-log keys by label prefix (`n2:setTimeout(40)#`, `n2:io#`) with their hashes;
   * a callback's number is appended. */
  readonly keys: Map<string, { key: LabelKey; hash: number }>;
  /** Callbacks numbered per node and run, across incarnations. */
  count: number;
  /** This incarnation's event loop. */
  loop: NodeLoop;
}

class VirtualTimer extends VirtualTimerMark implements HostTimer, LoopItem {
  refed = true;
  cleared = false;
  id = 0;
  start = 0;
  msecs = 0;
  readonly ev: CallbackEvent;

  constructor(
    readonly host: HostRun,
    readonly kind: TimerKind,
    readonly fn: (...args: unknown[]) => void,
    readonly args: unknown[],
    /** The delay as given (on the node's own clock). */
    readonly after: number,
    readonly loop: NodeLoop,
    label: string,
    hash: number,
    key: LabelKey,
    num: number,
  ) {
    super();
    this.ev = new CallbackEvent(label, () => loop.fire(this), loop.group, hash, key, num);
  }

  run(): void {
    this.host.fire(this);
  }

  ref(): this {
    this.refed = true;
    return this;
  }

  unref(): this {
    this.refed = false;
    return this;
  }

  hasRef(): boolean {
    return this.refed;
  }

  /** Re-armed `msecs` from now, at the end of its list (also after it fired, as Node's). */
  refresh(): this {
    if (!this.cleared && this.kind !== 'immediate' && !this.loop.dead) this.loop.arm(this, this.msecs);
    return this;
  }

  close(): this {
    this.host.clear(this);
    return this;
  }

  [Symbol.toPrimitive](): number {
    return this.host.idOf(this);
  }
}

/** A delivery the loop runs in its poll phase: the node's onMessage handler. */
class IoItem implements LoopItem {
  start = 0;
  msecs = 0;
  readonly ev: CallbackEvent;

  constructor(loop: NodeLoop, label: string, hash: number, key: LabelKey, num: number, readonly run: () => void) {
    this.ev = new CallbackEvent(label, () => loop.fire(this), loop.group, hash, key, num);
  }
}

/** A tiny fixed PRNG for hosted code still draining after its run ended: it records nothing. */
function deadRandom(): () => number {
  let x = 0x9e3779b9;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

export class HostRun implements RunHost, HostClock {
  /** A UsageError hosted code hit (a module not found, no ES module support in the thread): the run's caller rethrows it. */
  fatal: UsageError | null = null;
  private readonly nodes = new Map<string, HostNode>();
  /** Timers armed outside any node's step (setup's hosted code): a loop of their own. */
  private readonly outside: HostNode;
  private readonly ids = new Map<number, VirtualTimer>();
  private nextId = 1;
  private dead = false;
  private readonly deadDraw = deadRandom();
  private baseline = new Map<string, number>();
  /** The callback each node step runs (the loops write it), for never-settled's report. */
  readonly running: Running = { step: -1, label: '', entry: 0 };
  private ledger: PromiseLedger | null = null;

  constructor(
    readonly run: Run,
    /** Where ctx.host.require resolves from: the target file's directory. */
    readonly baseDir: string,
    private readonly nodeOf: (id: string) => NetNode | undefined,
    /** The seed's loop weather (calm without one). */
    private readonly loopWeather: LoopWeather = CALM_LOOP,
  ) {
    this.outside = { net: null, prefix: '', kept: new Map(), keys: new Map(), count: 0, loop: new NodeLoop(run, null, null, loopWeather, this.running) };
  }

  /** Makes this the thread's active host run (installing the trampolines on first use). */
  activate(): void {
    if (!trampolinesInstalled()) {
      installTrampolines();
      process.on('unhandledRejection', onRejection);
    }
    const other = activeClock();
    if (other !== null && other !== this && !(other instanceof HostRun && other.dead)) {
      throw new Error('two host runs at once in one thread: host runs must be awaited one after another');
    }
    setActiveClock(this);
    setEscapeHandler((what, site) => this.escape(what, site));
    this.baseline = countResources();
    this.running.entry = executionAsyncId();
    const ledger = new PromiseLedger(this.run, this.running);
    this.ledger = ledger;
    this.run.checkers.push({
      atEnd: (reason) => {
        // Only a quiescent run proves that nothing can settle them: one cut off by its duration
        // (or a violation) still had work to do.
        const r = reason === 'quiescent' ? ledger.report() : null;
        ledger.stop();
        if (r !== null) this.run.record({ kind: 'never-settled', ...r });
      },
    });
  }

  private deactivate(): void {
    if (activeClock() === this) {
      setActiveClock(null);
      setEscapeHandler(null);
    }
    this.ids.clear();
  }

  // ---- RunHost ---------------------------------------------------------------------------

  hop(fn: () => void): void {
    realSetImmediate(() => {
      if (this.dead) this.deactivate();
      this.running.entry = executionAsyncId();
      fn();
    });
  }

  ended(): void {
    this.dead = true;
    this.ledger?.stop();
  }

  escapes(): string | null {
    const now = countResources();
    const extra: string[] = [];
    for (const [kind, n] of [...now].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
      const more = n - (this.baseline.get(kind) ?? 0);
      if (more > 0) extra.push(more === 1 ? kind : `${kind} ×${more}`);
    }
    if (extra.length === 0) return null;
    return `hosted code holds real resources the harness did not create (${extra.join(', ')}; process.getActiveResourcesInfo()) at ${+this.run.clock.now().toFixed(3)}ms: it reached real I/O or a real timer (a captured real setTimeout, timers/promises, a native handle), which the simulation neither controls nor replays`; // allowed: names real timers in an escape message, calls none
  }

  // ---- nodes -----------------------------------------------------------------------------

  /** ctx.host for one node incarnation (the network calls this as it makes the ctx). */
  readonly hostFor = (net: NetNode, ctx: NodeContextImpl): Omit<NodeHost, 'atEnd'> => {
    const node = this.nodeFor(net.id)!;
    // A new incarnation is a new process: a fresh loop (the old one's events died with the crash).
    if (net.incarnation > 1) {
      node.loop.stop();
      node.loop = new NodeLoop(this.run, net, net.id, this.loopWeather, this.running);
    }
    const instances = new ModuleInstances(hostedBuiltin);
    let esm: EsmInstances | null = null;
    // One ES module loader per incarnation, made at its first import, from ctx.host.import or from
    // an import() in its CommonJS code.
    const importFrom = async (dir: string, specifier: string): Promise<object> => {
      try {
        esm ??= new EsmInstances(instances, hostedBuiltin);
        return await esm.import(dir, specifier);
      } catch (e) {
        if (e instanceof UsageError) this.fatal ??= e;
        throw e;
      }
    };
    instances.importer = importFrom;
    return {
      require: (id: string): unknown => {
        try {
          return instances.require(this.baseDir, id);
        } catch (e) {
          if (e instanceof UsageError) this.fatal ??= e;
          throw e;
        }
      },
      import: (specifier: string): Promise<unknown> => importFrom(this.baseDir, specifier),
      keep: <T>(key: string, make: () => T): T => {
        if (typeof key !== 'string') throw new TypeError(`host.keep: key must be a string, got ${typeof key}`);
        if (node.kept.has(key)) return node.kept.get(key) as T;
        const v = make();
        node.kept.set(key, v);
        return v;
      },
      onMessage: (handler: (msg: unknown) => void): void => {
        if (typeof handler !== 'function') throw new TypeError('host.onMessage: handler must be a function');
        const loop = node.loop;
        ctx.setMessageHandler((msg) => {
          const { label, hash, key, num } = this.labelOf(node, 'io');
          loop.arrive(new IoItem(loop, label, hash, key, num, () => {
            try {
              handler(msg);
            } catch (e) {
              this.uncaught(`${net.id} onMessage handler`, net.id, e);
            }
          }));
        });
      },
    };
  };

  private nodeFor(id: string | null): HostNode | null {
    if (id === null) return null;
    let n = this.nodes.get(id);
    if (n === undefined) {
      const net = this.nodeOf(id);
      if (net === undefined) return null;
      n = { net, prefix: `${id}:`, kept: new Map(), keys: new Map(), count: 0, loop: new NodeLoop(this.run, net, id, this.loopWeather, this.running) };
      this.nodes.set(id, n);
    }
    return n;
  }

  /** The node whose step is running (its code and continuations are what calls in here). */
  private acting(): HostNode | null {
    return this.nodeFor(this.run.actingGroup);
  }

  // ---- HostClock -------------------------------------------------------------------------

  setTimer(kind: TimerKind, fn: (...args: unknown[]) => void, ms: number, args: unknown[]): HostTimer {
    const node = this.acting() ?? this.outside;
    const what = kind === 'immediate' ? 'setImmediate' : `${kind === 'timeout' ? 'setTimeout' : 'setInterval'}(${ms})`; // allowed: names the hosted call in a label
    const { label, hash, key, num } = this.labelOf(node, what);
    const loop = node.loop;
    const t = new VirtualTimer(this, kind, fn, args, ms, loop, label, hash, key, num);
    if (this.run.trace.full !== null) t.ev.site = callSite();
    // A run that has ended, or a node that is down, arms nothing: draining code gets a timer that never fires.
    if (this.dead || this.run.finished || loop.dead || (node.net !== null && !node.net.up)) t.cleared = true;
    else if (kind === 'immediate') loop.immediate(t);
    else loop.arm(t, ms);
    return t;
  }

  /** A callback's label (`n2:setTimeout(40)#7`), decision key and hash: kind and delay, never
   * the call site, so a schedule replays whoever armed it. */
  private labelOf(node: HostNode, what: string): { label: string; hash: number; key: LabelKey; num: number } {
    let k = node.keys.get(what);
    if (k === undefined) {
      const prefix = `${node.prefix}${what}#`;
      k = { key: { label: prefix, logId: -1 }, hash: labelHash(prefix) };
      node.keys.set(what, k);
    }
    const num = ++node.count;
    const n = String(num);
    return { label: k.key.label + n, hash: extendHash(k.hash, n), key: k.key, num };
  }

  /** Runs a timer's callback (its loop chose it); an interval goes back on its list with the
   * start read before the callback (listOnTimeout's `start = getLibuvNow()`). */
  fire(t: VirtualTimer): void {
    const start = t.kind === 'interval' ? t.loop.readNow() : 0;
    try {
      t.fn.apply(t, t.args);
    } catch (e) {
      this.uncaught(`timer ${t.ev.label}`, t.loop.group ?? t.ev.label, e);
    }
    if (t.kind === 'interval' && !t.cleared && !t.loop.dead) t.loop.rearm(t, start);
  }

  clear(t: VirtualTimer): void {
    t.cleared = true;
    if (!this.run.finished) t.loop.disarm(t);
  }

  clearTimer(x: unknown): boolean {
    if (x instanceof VirtualTimer) {
      if (x.host === this) this.clear(x);
      return true;
    }
    if (typeof x === 'number' || typeof x === 'string') {
      const t = this.ids.get(Number(x));
      if (t === undefined) return false;
      this.clear(t);
      return true;
    }
    return false;
  }

  idOf(t: VirtualTimer): number {
    if (t.id === 0) {
      t.id = this.nextId++;
      this.ids.set(t.id, t);
    }
    return t.id;
  }

  dateNow(): number {
    return HOST_EPOCH_MS + Math.floor(this.localNow());
  }

  /** Node's `performance.now()` counts from `performance.timeOrigin`, the process's start, so
   * it is never 0 in user code (libraries read a 0 start as "unset": lru-cache's TTLs do). */
  perfNow(): number {
    return HOST_PERF_ORIGIN_MS + this.localNow();
  }

  /** The acting node's virtual ms (the run's clock outside any node). */
  private localNow(): number {
    const node = this.acting();
    const now = this.run.clock.now();
    return node === null || node.net === null ? now : node.net.localNow(now);
  }

  log(level: ConsoleLevel, args: unknown[]): void {
    // A line printed after the run ended (hosted code still draining) belongs to no step.
    if (this.dead || this.run.finished) return;
    const text = format(...args);
    const run = this.run;
    run.trace.log(run.step, run.clock.now(), run.current?.label ?? run.actingGroup ?? 'setup', level === 'log' || level === 'info' ? text : `${level}: ${text}`);
  }

  random(): number {
    if (this.dead || this.run.finished) return this.deadDraw();
    return this.run.drawU32('user') / 4294967296;
  }

  // ---- failures --------------------------------------------------------------------------

  private uncaught(what: string, actor: string, e: unknown): void {
    if (e instanceof RunStopped || this.run.finished) return;
    this.run.violate({ kind: 'uncaught-error', actors: [actor], message: `${what} threw: ${errorText(e)}` });
  }

  /** A hosted promise rejected unhandled during this (live) run: the current step's violation. */
  chargeRejection(reason: unknown): boolean {
    if (this.dead || this.run.finished) return false;
    markCharged(reason);
    const who = this.run.actingGroup ?? 'setup';
    this.run.violate({
      kind: 'unhandled-rejection',
      actors: [who],
      message: `a promise ${who}'s hosted code made was rejected and nothing handled it: ${errorText(reason)}; handle or await the promise`,
    });
    return true;
  }

  private escape(what: string, site: string): never {
    const who = this.run.actingGroup ?? this.run.current?.label ?? 'setup';
    if (!this.run.finished) {
      const recorded = this.run.violate({
        kind: 'escaped-simulation',
        actors: [who],
        message: `${who} called ${what} at ${site}: real I/O, which the simulation neither controls nor replays (host mode stubs net, fs, http, https, http2, dgram, child_process, tls and worker_threads): route it through ctx.send or ctx.host.keep`,
        details: { call: what, site },
      });
      // Ignored by the target: the run goes on, and the call still does no real I/O.
      if (!recorded) throw new Error(`${what} is real I/O, stubbed in host mode (called at ${site})`);
    }
    throw new RunStopped(`${what} escaped the simulation`);
  }
}

/**
 * Node reports a promise rejected without a handler once the microtasks drain: in a host run,
 * before the next decision's macrotask, so the rejection is charged to the step that made it
 * (and replays and shrinks with it). Hosted code stopped by the harness (a RunStopped thrown
 * into it) rejects its own promises: not a finding. Anything else outside a live host run is
 * left to the campaign's boundary, or ends the process as Node's default does if nobody listens.
 */
function onRejection(reason: unknown): void {
  if (reason instanceof RunStopped) return;
  const c = activeClock();
  if (c instanceof HostRun && c.chargeRejection(reason)) return;
  if (process.listenerCount('unhandledRejection') === 1) throw reason;
}

/** The thread's active resources by kind, less the harness's own plumbing. */
function countResources(): Map<string, number> {
  const m = new Map<string, number>();
  for (const kind of process.getActiveResourcesInfo()) {
    if (OWN_RESOURCES.has(kind)) continue;
    m.set(kind, (m.get(kind) ?? 0) + 1);
  }
  return m;
}
