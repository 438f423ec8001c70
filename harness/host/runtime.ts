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
import { markCharged } from '../core/rejections.js';
import { errorText, type Run, type RunHost } from '../core/run.js';
import type { TimedEvent } from '../core/timers.js';
import { RunStopped } from '../core/violation.js';
import type { NetNode } from '../net/node.js';
import type { NodeContextImpl } from '../net/node-context.js';
import { EsmInstances } from './esm.js';
import { ModuleInstances } from './loader.js';
import { hostedBuiltin, setEscapeHandler } from './stubs.js';
import {
  VirtualTimerMark, activeClock, installTrampolines, setActiveClock, trampolinesInstalled, type HostClock, type HostTimer, type TimerKind,
} from './trampolines.js';

/** `Date.now()` at virtual time 0 of every host run (2026-01-01T00:00:00Z): constant, so the (allowed: host mode's virtual Date)
 * same seed reads the same dates anywhere. */
export const HOST_EPOCH_MS = 1_767_225_600_000;

/** Node's bound on a timer's delay: beyond it (or below 1, or not a number) it is 1 ms. */
const TIMEOUT_MAX = 2 ** 31 - 1;

/** Resource kinds that are the harness's own plumbing, never a hosted escape: the worker's
 * port to its supervisor, which comes and goes with console output and results. */
const OWN_RESOURCES = new Set(['MessagePort']);

/** A hosted node across its incarnations within one run. */
interface HostNode {
  readonly net: NetNode;
  readonly kept: Map<string, unknown>;
  /** `n2:timer#` as a decision-log key; the timer's number is appended. */
  readonly timerKey: LabelKey;
  readonly timerHash: number;
  timers: number;
}

class VirtualTimer extends VirtualTimerMark implements HostTimer {
  ev: TimedEvent | null = null;
  refed = true;
  cleared = false;
  id = 0;
  readonly fire = (): void => this.host.fire(this);

  constructor(
    readonly host: HostRun,
    readonly kind: TimerKind,
    readonly fn: (...args: unknown[]) => void,
    readonly args: unknown[],
    /** On the node's own clock. */
    readonly delayMs: number,
    readonly node: HostNode | null,
    readonly label: string,
    readonly hash: number,
    readonly key: LabelKey | null,
    readonly num: number,
  ) {
    super();
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

  /** Re-arms it `delayMs` from now (also after it fired, as Node's). */
  refresh(): this {
    if (!this.cleared && this.kind !== 'immediate') this.host.arm(this);
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
  private readonly globalKey: LabelKey = { label: 'timer#', logId: -1 };
  private readonly globalHash = labelHash('timer#');
  private globalTimers = 0;
  private readonly ids = new Map<number, VirtualTimer>();
  private nextId = 1;
  private dead = false;
  private readonly deadDraw = deadRandom();
  private baseline = new Map<string, number>();

  constructor(
    readonly run: Run,
    /** Where ctx.host.require resolves from: the target file's directory. */
    readonly baseDir: string,
    private readonly nodeOf: (id: string) => NetNode | undefined,
  ) {}

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
      fn();
    });
  }

  ended(): void {
    this.dead = true;
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
  readonly hostFor = (net: NetNode, ctx: NodeContextImpl): NodeHost => {
    const node = this.nodeFor(net.id)!;
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
        ctx.setMessageHandler((msg) => {
          try {
            handler(msg);
          } catch (e) {
            this.uncaught(`${net.id} onMessage handler`, net.id, e);
          }
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
      const label = `${id}:timer#`;
      n = { net, kept: new Map(), timerKey: { label, logId: -1 }, timerHash: labelHash(label), timers: 0 };
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
    const node = this.acting();
    const delay = kind === 'immediate' ? 0 : ms >= 1 && ms <= TIMEOUT_MAX ? ms : 1;
    let t: VirtualTimer;
    if (node !== null) {
      const n = ++node.timers;
      const num = String(n);
      t = new VirtualTimer(this, kind, fn, args, delay, node, node.timerKey.label + num, extendHash(node.timerHash, num), node.timerKey, n);
    } else {
      const n = ++this.globalTimers;
      const num = String(n);
      t = new VirtualTimer(this, kind, fn, args, delay, null, `timer#${num}`, extendHash(this.globalHash, num), this.globalKey, n);
    }
    // A run that has ended arms nothing: hosted code still draining gets a timer that never fires.
    if (this.dead || this.run.finished) t.cleared = true;
    else this.arm(t);
    return t;
  }

  arm(t: VirtualTimer): void {
    if (this.dead || this.run.finished) return;
    const run = this.run;
    if (t.ev !== null) run.timers.cancel(t.ev);
    const global = t.node === null || t.delayMs === 0 ? t.delayMs : t.node.net.toGlobalMs(t.delayMs);
    t.ev = run.timers.add(run.clock.now() + global, t.label, t.fire, t.node === null ? null : t.node.net.id, t.hash, t.key, t.num);
  }

  fire(t: VirtualTimer): void {
    t.ev = null;
    try {
      t.fn.apply(t, t.args);
    } catch (e) {
      this.uncaught(`timer ${t.label}`, t.node?.net.id ?? t.label, e);
    }
    if (t.kind === 'interval' && !t.cleared && t.ev === null) this.arm(t);
  }

  clear(t: VirtualTimer): void {
    t.cleared = true;
    if (t.ev !== null && !t.ev.cancelled && !this.run.finished) this.run.timers.cancel(t.ev);
    t.ev = null;
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
    return HOST_EPOCH_MS + Math.floor(this.perfNow());
  }

  perfNow(): number {
    const node = this.acting();
    const now = this.run.clock.now();
    return node === null ? now : node.net.localNow(now);
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
