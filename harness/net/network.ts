import type { Assumptions, LeadershipEvent, NodeHost, NodeMain, Sim } from '../core/api.js';
import { errorText, type Run } from '../core/run.js';
import { RunStopped } from '../core/violation.js';
import { TimedEvent } from '../core/timers.js';
import type { SimBroadcaster } from '../sync/broadcaster.js';
import { deepCopy } from './copy.js';
import { extendHash, labelHash } from '../core/hash.js';
import { NodeContextImpl } from './node-context.js';
import { NetEvents } from './events.js';
import { NetNode, type KindCount, type Link } from './node.js';
import { Nemesis } from './nemesis.js';
import { describeWeather, processWeather, type Weather, type WeatherUse } from '../faults/weather.js';
import { DRAW_DEFAULT } from '../core/scheduler.js';
import {
  DEFAULT_FAULT_WINDOW_MS,
  anyRate, readRates, resolveKnobs, type NetRates, type ResolvedKnobs,
} from '../faults/knobs.js';
import type { NetRunOptions } from '../faults/net-options.js';

export type { Assumptions };

/** A message in flight (or its duplicate): its own timed event, one object per message. */
class Delivery extends TimedEvent {
  done = false;

  constructor(
    readonly net: Network,
    label: string,
    /** labelHash(label). */
    hash: number,
    readonly dst: NetNode,
    readonly msg: unknown,
    /** labelHash(`from→to:kind#`): what coverage counts of a delivery. */
    readonly kind: number,
    /** The decision log's key and number for `label` (null for a duplicate: logged by label). */
    key: KindCount | null,
    num: number,
  ) {
    super(label, dst.id, hash, key, num);
  }

  override payload(): unknown {
    return this.msg;
  }

  fire(): void {
    this.done = true;
    const ctx = this.dst.ctx;
    if (!this.dst.up || ctx === null) return;
    this.net.stats.delivered++;
    this.dst.lastDelivered = this.label;
    this.net.run.cover.delivered(this.dst.index, this.kind);
    ctx.deliver(this.msg);
  }
}

export interface NetStats {
  sent: number;
  delivered: number;
  dropped: number;
}

const networks = new WeakMap<Run, Network>();

/** The network of a run, if its target declared nodes. */
export function networkOf(run: Run): Network | undefined {
  return networks.get(run);
}

/** Host mode: makes ctx.host for a node incarnation (harness/host/runtime.ts). */
/** Without atEnd, which the network adds (it runs the hooks). */
export type HostFor = (node: NetNode, ctx: NodeContextImpl) => Omit<NodeHost, 'atEnd'>;

/** Who leads, as far as the detectors know: the term a node leads (-1: none they heard of). */
export interface LeaderOracle {
  leaderTerm(id: string): number;
}

/** The run's network, made when the first node is declared; `attach` then hooks the detectors
 * to it (the engine's, engine/detectors.ts). A target's `sim.process` declarations make one too,
 * in process mode (no network faults): one target declares either kind, never both. */
export function ensureNetwork(run: Run, opts: NetRunOptions, makeSim: (group: string) => Sim, assumptions: Assumptions | null, hostFor: HostFor | null, attach: (net: Network) => void, processes = false): Network {
  let net = networks.get(run);
  if (net === undefined) {
    net = new Network(run, opts, makeSim, assumptions, hostFor, processes);
    networks.set(run, net);
    attach(net);
  } else if (net.processes !== processes) {
    throw new TypeError(`a target declares network nodes (sim.node) or single processes (sim.process), not both: ${processes ? 'sim.process after sim.node' : 'sim.node after sim.process'}`);
  }
  return net;
}

/**
 * The simulated network. Each send becomes a TimedEvent at now + delay, labelled
 * `from→to:kind#n`; events due at one instant are ordered by the scheduler, so which message
 * lands first is a recorded decision. Every fault draw is a recorded draw from the seed.
 */
export class Network {
  readonly nodes: NetNode[] = [];
  readonly knobs: ResolvedKnobs;
  readonly rates: NetRates;
  readonly faultWindowMs: number;
  readonly stats: NetStats = { sent: 0, delivered: 0, dropped: 0 };
  /** Declared assumptions the run's draws broke, as sentences. */
  readonly broken: string[] = [];
  /** When faults stop and liveness is judged: the fault window's end, or 0 for a calm network. */
  readonly quietStartMs: number;
  /** Who leads, as the detectors know it (the engine attaches them): the nemesis aims at it. */
  leaders: LeaderOracle | null = null;
  readonly nemesis: Nemesis;
  /** What the nodes do, for the detectors that listen. */
  readonly events: NetEvents;
  /** blocked[from * n + to] while a partition cuts that direction. */
  blocked: Uint8Array | null = null;
  /** clogs[from * n + to]: the virtual time that direction stays clogged until (null: none yet). */
  clogs: Float64Array | null = null;
  private clogged = 0;
  private readonly byId = new Map<string, NetNode>();
  private sealed = false;
  /** The longest one-way delay drawn so far, in ms (for the broken-assumption note). */
  private longestDelayMs = 0;
  /** The latency bound after the fault window. */
  private readonly quietDelayMaxMs: number;
  /** The longest delay this seed's weather can give a message in the fault window: the bound
   * a strategy that owns delays (pctcp) picks within. Exp's tail is cut at its 99.9th percentile. */
  private readonly ceilingMs: number;

  /** A node signalled or reported leadership: the nemesis had a leader to aim at. */
  hadLeader = false;

  /** The weather this run applied (process mode filters the drawn one); undefined without weather. */
  appliedWeather: Weather | undefined;
  private readonly weather: Weather | undefined;

  constructor(
    readonly run: Run,
    opts: NetRunOptions,
    private readonly makeSim: (group: string) => Sim,
    readonly assumptions: Assumptions | null,
    private readonly hostFor: HostFor | null = null,
    /** Process mode (`sim.process`): no links, no network fault, crashes only where declared. */
    readonly processes = false,
  ) {
    const o = opts;
    this.knobs = resolveKnobs(o.net, assumptions);
    this.rates = readRates(o.faults);
    this.weather = o.weather;
    this.appliedWeather = o.weather;
    if (processes) {
      // One process has no network: the network's faults are never drawn (nor is drift: one
      // clock has nothing to drift against). Pauses stay; crashes are decided at seal(), once
      // every process has said whether it restarts.
      const r = this.rates;
      r.drop = r.duplicate = r.reorder = r.delay = r.partition = r.loseUnsynced = r.clockSkew = 0;
    }
    this.faultWindowMs = o.faultWindowMs ?? DEFAULT_FAULT_WINDOW_MS;
    this.events = new NetEvents(run);
    const k = this.knobs;
    const caps = [assumptions?.maxOneWayDelayMs ?? Infinity, k.quietDelayMaxMs > 0 ? k.quietDelayMaxMs : Infinity];
    this.quietDelayMaxMs = Math.max(1, Math.min(...caps));
    this.ceilingMs = Math.max(k.oneWayDelayMaxMs, k.latencyExpMeanMs > 0 ? Math.ceil(k.latencyExpMeanMs * Math.log(1000)) : 0,
      k.tailRate > 0 ? k.tailMsMax : 0) + ((this.rates.delay ?? 0) > 0 ? k.delayMsMax : 0);
    // A network slower than the quiet period's is weather too: liveness is judged after it calms.
    const slow = k.oneWayDelayMaxMs > this.quietDelayMaxMs || k.latencyExpMeanMs > 0 || k.tailRate > 0;
    this.quietStartMs = anyRate(this.rates) || slow ? this.faultWindowMs : 0;
    this.nemesis = new Nemesis(this);
    if (o.weather !== undefined && !processes) run.recordFault('weather', describeWeather(o.weather));
    run.checkers.push({ atEnd: (reason) => this.runEndHooks(reason) });
  }

  /**
   * What the run's target used of its weather, for the weather line reports print (the
   * timeline's step-0 line stays as drawn: the weather, and every draw it made, are unchanged).
   */
  weatherUse(): WeatherUse {
    return { leader: this.hadLeader, storage: this.nodes.some((n) => n.store.written) };
  }

  /** ctx.host.atEnd: each live incarnation's hooks, once, at a run's end without a violation. */
  private runEndHooks(reason: string): void {
    if (reason !== 'quiescent' && reason !== 'duration') return;
    const run = this.run;
    for (const node of this.nodes) {
      const hooks = node.endHooks;
      node.endHooks = [];
      if (!node.up) continue;
      for (const fn of hooks) {
        if (run.finished) return;
        const prev = run.actingGroup;
        run.actingGroup = node.id;
        try {
          fn({ reason });
        } catch (e) {
          if (!(e instanceof RunStopped) && !run.finished) {
            run.violate({ kind: 'uncaught-error', actors: [node.id], message: `${node.id}'s atEnd hook threw: ${errorText(e)}` });
          }
        } finally {
          run.actingGroup = prev;
        }
      }
    }
  }

  declare(id: string, main: NodeMain<unknown>, daemon: boolean, restart = false): void {
    if (typeof id !== 'string' || !/^[A-Za-z0-9_.-]+$/.test(id)) throw new TypeError(`node id must be a non-empty word, got ${String(id)}`);
    if (typeof main !== 'function') throw new TypeError(`node(${id}): main must be a function`);
    if (this.sealed || this.run.current !== null) throw new Error(`node(${id}): nodes are declared in setup, before any task runs`);
    if (this.byId.has(id)) throw new Error(`node(${id}) declared twice`);
    const node = new NetNode(this.nodes.length, id, main, daemon);
    node.restart = restart;
    node.store.onSync = () => this.nemesis.synced(node);
    this.nodes.push(node);
    this.byId.set(id, node);
    if (!this.processes) {
      this.nemesis.drawDrift(node);
      if (this.nodes.length === 1) this.nemesis.start();
    }
    this.startMain(node);
  }

  /** Peers and links are fixed once the first node program runs. */
  private seal(): void {
    if (this.sealed) return;
    this.sealed = true;
    if (this.processes) {
      // Every process is declared now: crashes only if one says what a restart means; the
      // weather line and the result's weather say what applied, not what was drawn.
      const restartable = this.nodes.some((n) => n.restart);
      if (!restartable) this.rates.crash = 0;
      if (this.weather !== undefined) {
        this.appliedWeather = processWeather(this.weather, restartable);
        this.run.recordFault('weather', describeWeather(this.appliedWeather));
      }
      this.nemesis.start();
    }
    const ids = this.nodes.map((n) => n.id);
    for (const n of this.nodes) {
      n.peers = Object.freeze(ids.filter((x) => x !== n.id));
      for (const m of this.nodes) n.links.push({ prefix: `${n.id}→${m.id}:`, counts: new Map(), held: null });
    }
    this.blocked = new Uint8Array(ids.length * ids.length);
  }

  startMain(node: NetNode): void {
    node.incarnation++;
    node.up = true;
    if (node.incarnation > 1) this.run.cover.restarted(node.index, node.incarnation);
    const sim = this.makeSim(node.id);
    const inner = sim.broadcaster<LeadershipEvent>('leadership') as SimBroadcaster<LeadershipEvent>;
    const ctx = new NodeContextImpl<unknown>(this, node, sim, inner);
    node.endHooks = [];
    if (this.hostFor !== null) {
      const atEnd = (fn: (end: { reason: 'quiescent' | 'duration' }) => void): void => {
        if (typeof fn !== 'function') throw new TypeError('host.atEnd: fn must be a function');
        // Only the live incarnation's hooks run: a crashed one's are dropped with it.
        if (node.ctx === ctx && node.up) node.endHooks.push(fn);
      };
      ctx.host = { ...this.hostFor(node, ctx), atEnd };
    }
    node.ctx = ctx;
    this.run.spawn(node.id, () => {
      this.seal();
      return node.main(ctx);
    }, node.daemon, node.id);
  }

  /** A crash: tasks abandoned, timers and in-flight deliveries to it cancelled, disk rolled back. */
  crash(node: NetNode): void {
    this.run.abandonGroup(node.id);
    this.run.pausedGroups.delete(node.id);
    if (node.resumeEv !== null) this.run.timers.cancel(node.resumeEv);
    node.resumeEv = null;
    node.up = false;
    node.ctx = null;
    node.lastDelivered = null;
    this.events.crashed(node);
    this.run.cover.crashed(node.index);
  }

  send(from: NetNode, to: string, msg: unknown): void {
    const dst = this.byId.get(to);
    if (dst === undefined || dst === from) throw new TypeError(`${from.id}.send: '${String(to)}' is not a peer (peers: ${from.peers.join(', ')})`);
    const link = from.links[dst.index]!;
    const kind = kindOf(msg);
    let c = link.counts.get(kind);
    if (c === undefined) {
      const prefix = `${link.prefix}${kind}#`;
      c = { n: 0, label: prefix, prefixHash: labelHash(prefix), logId: -1 };
      link.counts.set(kind, c);
    }
    const n = ++c.n;
    const num = String(n);
    const label = c.label + num;
    const hash = extendHash(c.prefixHash, num);
    this.stats.sent++;
    const run = this.run;
    const now = run.clock.now();
    // The timeline shows each send under its label, so a delivery (`fire <label>`) can be matched to it.
    run.trace.add(run.step, now, run.current?.label ?? from.id, 'send', label, '', msg);
    const faulty = now < this.faultWindowMs;
    if (!dst.up || (faulty && this.blocked![from.index * this.nodes.length + dst.index] === 1)) {
      this.stats.dropped++;
      return;
    }
    if (faulty && run.chance(this.rates.drop, 'message')) {
      this.stats.dropped++;
      run.recordFault('drop', label);
      return;
    }
    let delay: number;
    if (faulty && run.ownsDelays) {
      delay = this.strategyDelay(from, dst, label, now);
    } else {
      delay = this.baseDelay(faulty);
      if (faulty && run.chance(this.rates.delay, 'message')) {
        const extra = 1 + (run.drawU32('message') % this.knobs.delayMsMax);
        delay += extra;
        run.recordFault('delay', `${label} +${extra}ms`);
      }
    }
    if (faulty && this.clogs !== null) {
      // A clogged path holds the message until it clears (then in send order, a ms apart).
      const until = this.clogs[from.index * this.nodes.length + dst.index]!;
      if (until > now + delay) delay = until - now + (++this.clogged % 1_000) / 1_000;
    }
    if (delay > this.longestDelayMs) this.longestDelayMs = delay;
    this.dispatch(link, c, n, label, hash, dst, msg, now + delay, faulty);
  }

  private dispatch(link: Link, key: KindCount, n: number, label: string, hash: number, dst: NetNode, msg: unknown, at: number, faulty: boolean): void {
    const run = this.run;
    const kind = key.prefixHash;
    const d = new Delivery(this, label, hash, dst, this.knobs.copyMessages ? deepCopy(msg) : msg, kind, key, n);
    const held = link.held;
    if (held !== null) {
      link.held = null;
      // The held-back message now lands just after this one: the two cross.
      if (!held.done && !held.cancelled) this.reschedule(held, at + 1);
    }
    if (faulty && run.chance(this.rates.reorder, 'message')) {
      link.held = d;
      this.reschedule(d, run.clock.now() + this.knobs.reorderMsMax);
      run.recordFault('reorder', `${label} held back until the next message on its link`);
    } else {
      this.reschedule(d, at);
    }
    if (faulty && run.chance(this.rates.duplicate, 'message')) {
      const later = 1 + (run.drawU32('message') % this.knobs.duplicateMsMax);
      const copy = new Delivery(this, `${label}+dup`, extendHash(hash, '+dup'), dst, this.knobs.copyMessages ? deepCopy(msg) : msg, kind, null, -1);
      this.reschedule(copy, at + later);
      run.recordFault('duplicate', `${label} delivered again ${later}ms later`);
    }
  }

  /** Schedules a new delivery, or moves a pending one (never a delivered or cancelled one: the
   * callers check). */
  private reschedule(d: TimedEvent, at: number): void {
    if (d.seq >= 0) this.run.timers.cancel(d);
    this.run.timers.schedule(d, at);
  }

  /**
   * The delay a message-ordering strategy picks, anywhere up to the weather's ceiling: it stands
   * in for the latency draw and the delay fault both. A delay past the usual range is logged as
   * a `delay` fault, so the fault log still says which messages were held back.
   */
  private strategyDelay(from: NetNode, dst: NetNode, label: string, now: number): number {
    const lo = this.knobs.oneWayDelayMinMs;
    if (this.ceilingMs <= lo) return lo;
    const timers = this.run.timers;
    const d = this.run.drawDelay({
      label, from: from.id, to: dst.id, cause: from.lastDelivered, nowMs: now,
      minMs: lo, typicalMaxMs: this.knobs.oneWayDelayMaxMs, maxMs: this.ceilingMs,
      nextTimerAt: (after) => timers.nextOf(dst.id, after, (ev) => !ev.label.includes('→')),
    });
    if (d > this.knobs.oneWayDelayMaxMs) this.run.recordFault('delay', `${label} held ${d}ms by the strategy`);
    return d;
  }

  /**
   * A message's one-way delay: U(min, max), or max(that, Exp(mean)) under a jittery network, or
   * rarely a heavy-tail delay up to tailMsMax. After the fault window it is bounded by the
   * target's maxOneWayDelayMs (and quietDelayMaxMs). Every draw maps a lenient replay's default
   * (all ones) to the short end, so a shrunk run drifts towards a calm network.
   */
  private baseDelay(faulty: boolean): number {
    const { oneWayDelayMinMs: lo, oneWayDelayMaxMs: hi, latencyExpMeanMs: mean, tailRate, tailMsMax } = this.knobs;
    const run = this.run;
    let d = lo;
    if (hi !== lo) {
      const u = run.drawU32('latency');
      // All ones is a lenient replay's default draw: the short end, like every other draw here.
      d = u === DRAW_DEFAULT ? lo : lo + (u % (hi - lo + 1));
    }
    if (mean > 0) d = Math.max(d, Math.round(-mean * Math.log((run.drawU32('latency') + 1) / 4294967296)));
    if (tailRate > 0 && tailMsMax > hi && run.chance(tailRate, 'latency')) {
      d = hi + Math.floor((1 - run.drawU32('latency') / 4294967296) * (tailMsMax - hi));
    }
    return faulty ? d : Math.min(d, this.quietDelayMaxMs);
  }

  /** Appends the broken declared assumptions to a violation's message. */
  note(): string {
    const broken = [...this.broken];
    const declared = this.assumptions?.maxOneWayDelayMs;
    if (declared !== undefined && this.longestDelayMs > declared) {
      broken.push(`a one-way delay of ${this.longestDelayMs}ms (inside the fault window) exceeded the target's declared maxOneWayDelayMs=${declared}`);
    }
    if (broken.length === 0) return '';
    return `; the run broke the target's declared assumptions: ${broken.join('; ')}`;
  }

  /** The node that leads now, as far as the detectors know: the up node of the highest term
   * the leader oracle names (none without detectors attached). */
  leaderGuess(): NetNode | null {
    const leaders = this.leaders;
    if (leaders === null) return null;
    let best: NetNode | null = null;
    let bestTerm = -1;
    for (const n of this.nodes) {
      if (!n.up) continue;
      const term = leaders.leaderTerm(n.id);
      if (term > bestTerm) {
        best = n;
        bestTerm = term;
      }
    }
    return best;
  }
}

function kindOf(msg: unknown): string {
  if (typeof msg === 'object' && msg !== null) {
    const t = (msg as { type?: unknown }).type;
    if (typeof t === 'string' && t.length > 0) return t;
  }
  return 'msg';
}
