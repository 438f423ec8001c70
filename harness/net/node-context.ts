import type {
  Broadcaster, CondVar, History, LeadershipEvent, LeadershipRole, Mutex, NodeContext, NodeHost, Op, RaftObservation,
  RecvOptions, Semaphore, Shared, Sim, SpawnOptions, TaskFn,
} from '../core/api.js';
import { BLOCK, type Task } from '../core/task.js';
import type { TimedEvent } from '../core/timers.js';
import type { SimBroadcaster } from '../sync/broadcaster.js';
import { LeadershipChannel } from './leadership-channel.js';
import { checkedKey } from '../cover/abstract-state.js';
import { UsageError } from '../core/errors.js';
import { RunStopped } from '../core/violation.js';
import { shown } from '../check/raft-safety.js';
import type { Run } from '../core/run.js';
import type { NetNode } from './node.js';
import type { NetEvents } from './events.js';

/** What a node's context asks of its network: the run, a way to send, and where its reports go. */
export interface NodeNet {
  readonly run: Run;
  readonly events: NetEvents;
  /** Set once a node signals or reports leadership (the weather line's leader aiming applied). */
  hadLeader: boolean;
  send(from: NetNode, to: string, msg: unknown): void;
}

const handOver = (_t: Task, msg: unknown): unknown => msg;

/**
 * One incarnation of a node: what `main(ctx)` receives. The core primitives come from a
 * Sim scoped to the node (group = id), so a crash abandons them with the node's tasks.
 * The inbox is per incarnation: a restarted node never sees what its predecessor had queued.
 */
export class NodeContextImpl<M = unknown> implements NodeContext<M> {
  readonly id: string;
  readonly incarnation: number;
  readonly leadership: Broadcaster<LeadershipEvent>;
  readonly channel: LeadershipChannel;
  private readonly inbox: M[] = [];
  private readonly waiters: { task: Task; timer: TimedEvent | null }[] = [];
  private readonly inboxName: string;
  /** Host mode: what ctx.host gives the node's program (set by the network when it makes ctx). */
  host: NodeHost<M> | undefined = undefined;
  /** Host mode: ctx.host.onMessage's handler; deliveries go to it instead of the inbox. */
  private handler: ((msg: M) => void) | null = null;

  constructor(
    private readonly net: NodeNet,
    private readonly node: NetNode,
    private readonly sim: Sim,
    leadership: SimBroadcaster<LeadershipEvent>,
  ) {
    this.id = node.id;
    this.incarnation = node.incarnation;
    this.inboxName = `${node.id}/inbox`;
    this.channel = new LeadershipChannel(leadership, net.run, node, net.events);
    this.leadership = this.channel;
  }

  get peers(): readonly string[] {
    return this.node.peers;
  }

  get history(): History {
    return this.sim.history;
  }

  get storage(): DurableStoreView {
    return this.node.store;
  }

  // ---- network ---------------------------------------------------------------------------

  send(to: string, msg: M): void {
    if (!this.acting('send')) return;
    this.net.send(this.node, to, msg);
  }

  recv(options?: RecvOptions): Op<M | undefined> {
    const ms = options?.timeoutMs;
    if (ms !== undefined && !(ms >= 0 && Number.isFinite(ms))) {
      throw new RangeError(`${this.id}.recv: timeoutMs must be a finite number >= 0, got ${ms}`);
    }
    const globalMs = ms === undefined ? -1 : this.node.toGlobalMs(ms);
    return this.net.run.request('recv', this.inboxName, globalMs, null, this.doRecv) as Op<M | undefined>;
  }

  private readonly doRecv = (t: Task, arg: unknown): unknown => {
    if (this.inbox.length > 0) return this.inbox.shift();
    const ms = arg as number;
    if (ms === 0) return undefined;
    const run = this.net.run;
    const w: { task: Task; timer: TimedEvent | null } = { task: t, timer: null };
    this.waiters.push(w);
    run.block(t, `${this.id}.recv()`);
    if (ms > 0) w.timer = run.timers.add(run.clock.now() + ms, `timeout:${t.label}`, () => this.timeout(w), this.id);
    return BLOCK;
  };

  private timeout(w: { task: Task; timer: TimedEvent | null }): void {
    const i = this.waiters.indexOf(w);
    if (i < 0) return;
    this.waiters.splice(i, 1);
    w.task.setOp('recv-timeout', this.inboxName, undefined, null, handOver);
    this.net.run.makeReady(w.task);
  }

  /** Host mode: deliveries from now on call `h` (in the delivery's own step). */
  setMessageHandler(h: (msg: M) => void): void {
    this.handler = h;
  }

  /** A delivery: to the host handler if set, else handed straight to the oldest waiting
   * receiver, else queued. */
  deliver(msg: M): void {
    if (this.handler !== null) {
      this.handler(msg);
      return;
    }
    const w = this.waiters.shift();
    if (w === undefined) {
      this.inbox.push(msg);
      return;
    }
    if (w.timer !== null) this.net.run.timers.cancel(w.timer);
    w.task.setOp('recv', this.inboxName, msg, null, handOver);
    this.net.run.makeReady(w.task);
  }

  /**
   * Whether this incarnation may still act. Elsewhere a crash abandons the node's tasks and an
   * ended run stops them (RunStopped), so nothing stale calls in. Hosted code cannot be abandoned
   * so: promise continuations of a crashed incarnation, or of a run that has ended, still run.
   * Their sends, signals and observations vanish, as a dead process's would, instead of being
   * charged to the node's next life or thrown into the library.
   */
  private acting(what: string): boolean {
    const run = this.net.run;
    if (!run.hosted) {
      run.assertLive(what);
      return true;
    }
    return !run.finished && this.node.up && this.node.incarnation === this.incarnation;
  }

  // ---- detectors -------------------------------------------------------------------------

  signalLeadership(role: LeadershipRole, term: number): void {
    if (!this.acting('signalLeadership')) return;
    // A malformed signal is malformed in every seed: bad input that ends the run (exit 2).
    if (role !== 'leader' && role !== 'follower') return this.usage(`${this.id}.signalLeadership: role must be 'leader' or 'follower', got ${shown(role)}`);
    if (!(Number.isSafeInteger(term) && term >= 0)) return this.usage(`${this.id}.signalLeadership(${shown(role)}): term must be an integer >= 0, got ${shown(term)}`);
    const run = this.net.run;
    if (role === 'leader') this.net.hadLeader = true;
    run.trace.add(run.step, run.clock.now(), this.sim.currentTask() ?? this.id, 'signalLeadership', `${role} term ${term}`, undefined);
    this.net.events.signal(this.node, role, term);
    run.cover.signal(this.node.index, this.node.incarnation, role === 'leader', term);
    this.channel.emit({ role, term }, this.sim.currentTask() ?? this.id);
  }

  observe(state: RaftObservation): void {
    if (!this.acting('observe')) return;
    if (state.role === 'leader') this.net.hadLeader = true;
    this.net.events.observe(this.node, state);
    if (this.net.run.finished) return;
    this.net.run.cover.observe(this.node.index, this.node.incarnation, state.role, state.term, state.commitIndex);
  }

  cover(key: string | number): void {
    this.net.run.cover.cover(checkedKey(key), this.node.index);
  }

  applied(index: number, digest: string | number, term?: number): void {
    if (!this.acting('applied')) return;
    this.net.events.applied(this.node, index, digest, term);
  }

  /** Bad input found mid-run: the run stops and execute() rethrows it (see Run.fatal). */
  private usage(message: string): void {
    const run = this.net.run;
    run.abort(new UsageError(message));
    if (run.current !== null) throw new RunStopped('usage');
  }

  // ---- the core's primitives, owned by the node ------------------------------------------

  spawn(name: string, fn: TaskFn, options?: SpawnOptions): void {
    if (typeof name !== 'string' || name.length === 0) throw new TypeError('spawn: name must be a non-empty string');
    this.sim.spawn(`${this.id}/${name}`, fn, options);
  }

  /** The node's own clock: virtual time scaled by its drift. */
  now(): number {
    return this.node.localNow(this.net.run.clock.now());
  }

  sleep(ms: number): Op<void> {
    if (!(ms >= 0) || !Number.isFinite(ms)) throw new RangeError(`sleep: ms must be a finite number >= 0, got ${ms}`);
    return this.sim.sleep(this.node.toGlobalMs(ms));
  }

  random(): number {
    return this.sim.random();
  }

  randomInt(n: number): number {
    return this.sim.randomInt(n);
  }

  yield(): Op<void> {
    return this.sim.yield();
  }

  mutex(name: string): Mutex {
    return this.sim.mutex(name);
  }

  condvar(name: string): CondVar {
    return this.sim.condvar(name);
  }

  semaphore(name: string, initial: number): Semaphore {
    return this.sim.semaphore(name, initial);
  }

  broadcaster<T>(name: string): Broadcaster<T> {
    return this.sim.broadcaster<T>(name);
  }

  shared<T>(name: string, initial: T): Shared<T> {
    return this.sim.shared<T>(name, initial);
  }

  invariant(name: string, fn: () => boolean): void {
    this.sim.invariant(name, fn);
  }

  assert(cond: unknown, message: string): asserts cond {
    this.sim.assert(cond, message);
  }

  log(message: string): void {
    this.sim.log(`${this.id}: ${message}`);
  }

  currentTask(): string | null {
    return this.sim.currentTask();
  }
}

type DurableStoreView = NetNode['store'];
