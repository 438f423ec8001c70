import { Gate, Task, type ReadyFn } from './task.js';
import type { Choice } from './scheduler.js';

/**
 * The runnable tasks, in the order they became runnable (the options' order is part of every
 * decision). A contender whose gate is closed (a held mutex, an empty semaphore) stands aside in
 * its gate and is merged back, by arrival, when the gate opens; so while no node is paused
 * `list` is itself the task part of the options: due timers are appended for one decision, then
 * dropped, and a step costs no scan of the runnable tasks.
 */
export class Runnable {
  readonly list: Task[] = [];
  /** Tasks in `list` that belong to a network node. */
  grouped = 0;
  /** The options of a decision while some node is paused (`scan`), and where each sits in `list`. */
  readonly options: Choice[] = [];
  readonly optionPos: number[] = [];
  /** Where the task that parked last sits in `options` after `scan`, or -1. */
  scannedCurrent = -1;
  /** Arrival counter for Task.seq. */
  private seq = 0;
  /** One gate per ready predicate (primitives register theirs with `gate`). */
  private readonly gates = new Map<ReadyFn, Gate>();
  /** Gates whose primitive announced a change since the last decision. */
  readonly dirtyGates: Gate[] = [];
  /** Gates of predicates nobody registered: asked again before every decision. */
  readonly polledGates: Gate[] = [];

  /** `t` became runnable with its pending op: it joins `list`, or its gate if that is closed. */
  enqueue(t: Task): void {
    t.seq = this.seq++;
    const ready = t.opReady;
    if (ready !== null) {
      // A task mostly contends for the same mutex again: its last gate saves the map lookup.
      const last = t.lastGate;
      const g = last !== null && last.ready === ready ? last : this.gates.get(ready) ?? this.unannouncedGate(ready);
      t.lastGate = g;
      // A gate with contenders knows its answer (or is dirty, and all of them move together
      // before the next decision); an idle one may be stale, so it is asked now.
      if (g.contenders.length === 0) g.open = ready(t, t.opArg);
      g.contenders.push(t);
      t.gate = g;
      if (!g.open) return;
    }
    this.list.push(t);
    if (t.group !== null) this.grouped++;
  }

  /**
   * The gate of a primitive's ready predicate. The primitive calls `gateChanged` whenever the
   * predicate's answer may have changed (a mutex's owner, a semaphore's count): that is what
   * lets its contenders stand aside instead of being asked on every step.
   */
  gate(ready: ReadyFn): Gate {
    let g = this.gates.get(ready);
    if (g === undefined) {
      g = new Gate(ready, true);
      this.gates.set(ready, g);
    }
    return g;
  }

  private unannouncedGate(ready: ReadyFn): Gate {
    const g = new Gate(ready, false);
    this.gates.set(ready, g);
    this.polledGates.push(g);
    return g;
  }

  /** The gate's predicate may have a new answer: its contenders are sorted out before the next decision. */
  gateChanged(g: Gate): void {
    if (g.dirty || g.contenders.length === 0) return;
    g.dirty = true;
    this.dirtyGates.push(g);
  }

  /** Asks each changed gate again; contenders of one that opened merge back by arrival, those
   * of one that closed leave `list`. Either way their relative order is kept. */
  settleGates(): void {
    const dirty = this.dirtyGates;
    const polled = this.polledGates;
    for (let k = 0; k < dirty.length; k++) this.settle(dirty[k]!);
    while (dirty.length > 0) dirty.pop();
    for (let k = 0; k < polled.length; k++) this.settle(polled[k]!);
  }

  private settle(g: Gate): void {
    g.dirty = false;
    const c = g.contenders;
    if (c.length === 0) return;
    const open = g.ready(c[0]!, c[0]!.opArg);
    if (open === g.open) return;
    g.open = open;
    const r = this.list;
    if (open) {
      // Merge from the back: both lists are in arrival order.
      let i = r.length - 1;
      let j = c.length - 1;
      let w = r.length + c.length - 1;
      for (let k = 0; k < c.length; k++) r.push(c[0]!);
      while (j >= 0) {
        if (i >= 0 && r[i]!.seq > c[j]!.seq) r[w--] = r[i--]!;
        else r[w--] = c[j--]!;
      }
      for (let k = 0; k < c.length; k++) if (c[k]!.group !== null) this.grouped++;
    } else {
      let w = 0;
      for (let k = 0; k < r.length; k++) {
        const t = r[k]!;
        if (t.gate === g) {
          if (t.group !== null) this.grouped--;
          continue;
        }
        r[w++] = t;
      }
      while (r.length > w) r.pop();
    }
  }

  /** Takes the task at `k` of `list` to run it: in-order removal (no splice, which allocates
   * the removed-elements array), and out of its gate. */
  dequeueAt(k: number): void {
    const r = this.list;
    const t = r[k]!;
    if (t.group !== null) this.grouped--;
    if (t.gate !== null) this.leave(t);
    const last = r.length - 1;
    for (; k < last; k++) r[k] = r[k + 1]!;
    r.pop();
  }

  /** `t` stops contending at its gate (it runs, or its node crashed). */
  leave(t: Task): void {
    const c = t.gate!.contenders;
    t.gate = null;
    const i = c.indexOf(t);
    const last = c.length - 1;
    for (let k = i; k < last; k++) c[k] = c[k + 1]!;
    c.pop();
  }

  /** Where `parked` (the task that parked last) stands in `list`, or -1. It was enqueued last,
   * so it is the last entry unless it sleeps, stands aside at a closed gate, or a step since
   * woke others. */
  indexOf(parked: Task | null): number {
    const t = parked;
    if (t === null || t.state !== 'ready' || (t.gate !== null && !t.gate.open)) return -1;
    const r = this.list;
    const n = r.length - 1;
    return n >= 0 && r[n] === t ? n : r.lastIndexOf(t);
  }

  /** Fills `options` with the tasks of nodes not paused (and `scannedCurrent` with where
   * `parked` landed); true if one belongs to a node. */
  scan(paused: ReadonlySet<string>, parked: Task | null): boolean {
    const opts = this.options;
    const pos = this.optionPos;
    const list = this.list;
    // Overwrite in place and trim with pop: `length = 0` is a slow runtime call on every step.
    let n = 0;
    let current = -1;
    let nodeBusy = false;
    for (let k = 0; k < list.length; k++) {
      const t = list[k]!;
      if (t.group !== null && paused.has(t.group)) continue;
      if (t === parked) current = n;
      if (t.group !== null) nodeBusy = true;
      pos[n] = k;
      opts[n++] = t;
    }
    while (opts.length > n) opts.pop();
    this.scannedCurrent = current;
    return nodeBusy;
  }

  /** A task of a held group is waiting to run, or to pass its gate. */
  anyHeld(held: (t: Task) => boolean): boolean {
    if (this.list.some(held)) return true;
    for (const g of this.gates.values()) if (!g.open && g.contenders.some(held)) return true;
    return false;
  }

  /** A crashed node's tasks leave `list` (abandoned, never resumed), keeping the others' order. */
  dropGroup(group: string): void {
    const r = this.list;
    let w = 0;
    for (let k = 0; k < r.length; k++) if (r[k]!.group !== group) r[w++] = r[k]!;
    while (r.length > w) r.pop();
    this.grouped = 0;
    for (const t of r) if (t.group !== null) this.grouped++;
  }
}
