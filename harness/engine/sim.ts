import type { RunOptions } from './options.js';
import type { Assumptions, Broadcaster, CondVar, History, Mutex, NodeMain, Op, ProcessMain, ProcessOptions, Semaphore, Shared, Sim, SpawnOptions, TaskFn } from '../core/api.js';
import type { Run } from '../core/run.js';
import type { Task } from '../core/task.js';
import { checkedKey } from '../cover/abstract-state.js';
import { RunStopped } from '../core/violation.js';
import { SimMutex } from '../sync/mutex.js';
import { SimCondVar } from '../sync/condvar.js';
import { SimSemaphore } from '../sync/semaphore.js';
import { SimBroadcaster } from '../sync/broadcaster.js';
import { SimShared } from '../sync/shared.js';
import { ensureNetwork, type HostFor } from '../net/network.js';
import { attachNetworkDetectors, lockCycleDetector } from './detectors.js';
import { historyOf } from '../check/linearizability/recorder.js';

/**
 * The object a target's setup receives. It is a thin facade over the Run so that engine
 * internals stay out of a target's reach; the primitives it makes belong to one run only.
 * `group` scopes tasks and primitives to a network node (null for plain thread targets).
 */
export class SimImpl implements Sim {
  readonly mutexes: SimMutex[] = [];
  /** What the mutexes tell of a contended lock: the lock-cycle detector. */
  private readonly lockCycles: (t: Task, m: SimMutex) => void;
  /** The target's declared timing margins (execute sets them): the network names the ones a
   * run broke in its violations. */
  assumptions: Assumptions | null = null;
  /** Host mode: makes each node incarnation's ctx.host (execute sets it for `host: true` targets). */
  hostFor: HostFor | null = null;

  constructor(
    readonly run: Run,
    readonly opts: RunOptions,
    readonly group: string | null = null,
  ) {
    this.lockCycles = lockCycleDetector(run);
  }

  spawn(name: string, fn: TaskFn, options?: SpawnOptions): void {
    if (typeof name !== 'string' || name.length === 0) throw new TypeError('spawn: name must be a non-empty string');
    this.run.spawn(name, fn, options?.daemon === true, this.group);
  }

  now(): number {
    return this.run.clock.now();
  }

  random(): number {
    this.run.assertLive('random');
    return this.run.drawU32('user') / 4294967296;
  }

  randomInt(n: number): number {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`randomInt: n must be an integer >= 1, got ${n}`);
    return Math.floor(this.random() * n);
  }

  yield(): Op<void> {
    return this.run.request('yield', 'sim', undefined, null, null) as Op<void>;
  }

  sleep(ms: number): Op<void> {
    if (!(ms >= 0) || !Number.isFinite(ms)) throw new RangeError(`sleep: ms must be a finite number >= 0, got ${ms}`);
    return this.run.request('sleep', 'sim', ms, null, null) as Op<void>;
  }

  mutex(name: string): Mutex {
    const m = new SimMutex(this.run, this.name(name), this.lockCycles);
    this.mutexes.push(m);
    return m;
  }

  condvar(name: string): CondVar {
    return new SimCondVar(this.run, this.name(name), this.opts.faults['spurious'] ?? 0);
  }

  semaphore(name: string, initial: number): Semaphore {
    return new SimSemaphore(this.run, this.name(name), initial);
  }

  broadcaster<T>(name: string): Broadcaster<T> {
    return new SimBroadcaster<T>(this.run, this.name(name));
  }

  shared<T>(name: string, initial: T): Shared<T> {
    return new SimShared<T>(this.run, this.name(name), initial);
  }

  invariant(name: string, fn: () => boolean): void {
    this.run.addInvariant(this.name(name), fn);
  }

  assert(cond: unknown, message: string): asserts cond {
    if (cond) return;
    const t = this.run.current;
    const recorded = this.run.violate({
      kind: 'assert',
      actors: t ? [t.label] : [],
      message: `assertion failed${t ? ` in ${t.label}` : ''}: ${message}`,
    });
    if (recorded || this.run.finished) throw new RunStopped('assertion failed');
  }

  cover(key: string | number): void {
    this.run.assertLive('cover');
    this.run.cover.cover(checkedKey(key), -1);
  }

  log(message: string): void {
    this.run.trace.log(this.run.step, this.run.clock.now(), this.run.current?.label ?? this.group ?? 'setup', String(message));
  }

  currentTask(): string | null {
    return this.run.current?.label ?? null;
  }

  get history(): History {
    return historyOf(this.run).recorder(this.group);
  }

  node<M = unknown>(id: string, main: NodeMain<M>, options?: SpawnOptions): void {
    const net = ensureNetwork(this.run, this.opts, (g) => new SimImpl(this.run, this.opts, g), this.assumptions, this.hostFor,
      (made) => attachNetworkDetectors(this.run, made, this.opts));
    net.declare(id, main as NodeMain<unknown>, options?.daemon === true);
  }

  /** A single process, no network: a node in process mode (net/network.ts), so crashes,
   * pauses, host mode and the trace work as for nodes; its ctx is a node's. */
  process(name: string, main: ProcessMain, options?: ProcessOptions): void {
    if (options !== undefined && (options === null || typeof options !== 'object')) throw new TypeError(`process(${String(name)}): options must be an object`);
    const restart = options?.restart;
    if (restart !== undefined && restart !== 'rerun') throw new TypeError(`process(${String(name)}): restart must be 'rerun' (run main again from scratch, keeping ctx.host.keep) or absent (never crashes), got ${JSON.stringify(restart)}`);
    const net = ensureNetwork(this.run, this.opts, (g) => new SimImpl(this.run, this.opts, g), this.assumptions, this.hostFor,
      (made) => attachNetworkDetectors(this.run, made, this.opts), true);
    net.declare(name, main as unknown as NodeMain<unknown>, options?.daemon === true, restart === 'rerun');
  }

  /** Node-scoped primitives get the node id as a prefix so labels stay unique in the run. */
  private name(n: string): string {
    if (typeof n !== 'string' || n.length === 0) throw new TypeError('primitive name must be a non-empty string');
    return this.group === null ? n : `${this.group}/${n}`;
  }
}
