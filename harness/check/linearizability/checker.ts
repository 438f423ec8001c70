import {
  UNKNOWN, type CheckBudget, type CheckResult, type LinearizabilityViolation, type Model, type Operation,
  type OpInput, type OpOutput, type WindowOp,
} from './types.js';

/** Steps between two calls of the caller's `expired`: a clock read per step would cost more than the step. */
const EXPIRY_CHECK_EVERY = 1024;

/**
 * Wing & Gong's search with Lowe's memoisation, as Porcupine does it: operations are call and
 * return entries in one list; the search linearizes the first call whose model step is legal
 * and whose (linearized set, state) pair is new, lifting its entries out of the list, and backs
 * up when it meets a return (that operation had to be linearized by then). A model that
 * partitions is checked one partition at a time (Horn & Kroening's P-compositionality).
 */
export function checkOperations<S>(model: Model<S>, ops: readonly Operation[], budget: CheckBudget = {}): CheckResult {
  const parts = partitionOps(model, ops);
  const counter = { steps: 0 };
  let unknown: string | undefined;
  for (const [key, part] of parts) {
    const r = checkPartition(model, part, budget, counter);
    if (r.kind === 'violation') {
      const violation = { ...r.violation, ...(model.partition !== undefined ? { partition: key } : {}) };
      return { verdict: 'not-linearizable', steps: counter.steps, partitions: parts.size, violation };
    }
    if (r.kind === 'unknown') unknown ??= r.reason;
    // After one partition ran out of budget the rest still run: one of them may prove a violation.
    if (r.kind === 'unknown' && budgetGone(budget, counter)) break;
  }
  if (unknown !== undefined) return { verdict: 'unknown', steps: counter.steps, partitions: parts.size, reason: unknown };
  return { verdict: 'linearizable', steps: counter.steps, partitions: parts.size };
}

function partitionOps<S>(model: Model<S>, ops: readonly Operation[]): Map<string, Operation[]> {
  const parts = new Map<string, Operation[]>();
  for (const op of ops) {
    const key = model.partition?.(op.input) ?? '';
    let list = parts.get(key);
    if (list === undefined) parts.set(key, (list = []));
    list.push(op);
  }
  return parts;
}

function budgetGone(budget: CheckBudget, counter: { steps: number }): boolean {
  return (budget.maxSteps !== undefined && counter.steps >= budget.maxSteps) || budget.expired?.() === true;
}

type PartitionOutcome =
  | { kind: 'ok' }
  | { kind: 'unknown'; reason: string }
  | { kind: 'violation'; violation: Omit<LinearizabilityViolation, 'partition'> };

/** The doubly linked entry list over typed arrays: node 0 is the head sentinel, node 2i+1 is
 * operation i's call entry and 2i+2 its return; -1 ends the list. */
interface EntryList {
  next: Int32Array;
  prev: Int32Array;
}

function buildList(ops: readonly Operation[]): EntryList {
  const n = ops.length;
  const order: number[] = [];
  for (let i = 0; i < n; i++) order.push(2 * i + 1, 2 * i + 2);
  const time = (e: number): number => (e % 2 === 1 ? ops[(e - 1) / 2]!.call : ops[(e - 2) / 2]!.ret);
  // Calls before returns at equal times (only infinite returns tie): equal times are concurrent.
  order.sort((a, b) => time(a) - time(b) || (a % 2 === b % 2 ? a - b : a % 2 === 1 ? -1 : 1));
  const next = new Int32Array(2 * n + 1).fill(-1);
  const prev = new Int32Array(2 * n + 1).fill(-1);
  let last = 0;
  for (const e of order) {
    next[last] = e;
    prev[e] = last;
    last = e;
  }
  return { next, prev };
}

/** A 32-bit mix of an operation id (splitmix-like): the memo key XORs these as Zobrist hashing does. */
function mix(id: number): number {
  let x = (id + 0x9e3779b9) | 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

function sameBits(a: Uint32Array, b: Uint32Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function contains(bucket: readonly Uint32Array[], bits: Uint32Array): boolean {
  for (let i = 0; i < bucket.length; i++) if (sameBits(bucket[i]!, bits)) return true;
  return false;
}

function checkPartition<S>(model: Model<S>, ops: readonly Operation[], budget: CheckBudget, counter: { steps: number }): PartitionOutcome {
  const n = ops.length;
  const { next, prev } = buildList(ops);
  const bits = new Uint32Array(Math.ceil(n / 32));
  let hash = 0;
  // The memo: state key → hash of the linearized set → the sets met with that state.
  const seen = new Map<string, Map<number, Uint32Array[]>>();
  const keyOf = model.stateKey ?? ((s: S) => JSON.stringify(s) ?? 'undefined');
  const calls: { entry: number; state: S }[] = [];
  const worst = new Worst<S>();
  let state = model.init();
  const twin = infoTwins(ops);
  let entry = next[0]!;
  const lift = (e: number): void => {
    next[prev[e]!] = next[e]!;
    prev[next[e]!] = prev[e]!;
    const r = e + 1;
    next[prev[r]!] = next[r]!;
    if (next[r]! !== -1) prev[next[r]!] = prev[r]!;
  };
  const unlift = (e: number): void => {
    const r = e + 1;
    next[prev[r]!] = r;
    if (next[r]! !== -1) prev[next[r]!] = r;
    next[prev[e]!] = e;
    prev[next[e]!] = e;
  };
  while (next[0] !== -1) {
    if (budget.maxSteps !== undefined && counter.steps >= budget.maxSteps) return { kind: 'unknown', reason: `no verdict within ${budget.maxSteps} search steps` };
    counter.steps++;
    if (counter.steps % EXPIRY_CHECK_EVERY === 0 && budget.expired?.() === true) return { kind: 'unknown', reason: 'no verdict before the deadline' };
    if (entry % 2 === 1) {
      const id = (entry - 1) / 2;
      const op = ops[id]!;
      const t = twin[id]!;
      if (t >= 0 && (bits[t >>> 5]! & (1 << (t & 31))) === 0) {
        entry = next[entry]!;
        continue;
      }
      const [ok, after] = model.step(state, op.input, op.output);
      if (ok) {
        const word = id >>> 5;
        const bit = 1 << (id & 31);
        bits[word]! |= bit;
        const h = (hash ^ mix(id)) >>> 0;
        const sk = keyOf(after);
        let byHash = seen.get(sk);
        if (byHash === undefined) seen.set(sk, (byHash = new Map()));
        const bucket = byHash.get(h);
        if (bucket === undefined || !contains(bucket, bits)) {
          if (bucket === undefined) byHash.set(h, [bits.slice()]);
          else bucket.push(bits.slice());
          calls.push({ entry, state });
          state = after;
          hash = h;
          lift(entry);
          entry = next[0]!;
          continue;
        }
        bits[word]! &= ~bit;
      }
      entry = next[entry]!;
      continue;
    }
    // A return: its operation was not linearized before it, so this branch is dead.
    worst.offer(calls, state, next);
    const top = calls.pop();
    if (top === undefined) return { kind: 'violation', violation: worst.report(model, ops) };
    const id = (top.entry - 1) / 2;
    bits[id >>> 5]! &= ~(1 << (id & 31));
    hash = (hash ^ mix(id)) >>> 0;
    state = top.state;
    unlift(top.entry);
    entry = next[top.entry]!;
  }
  return { kind: 'ok' };
}

/**
 * For each operation of unknown outcome, the previous one (by call) with the same input, or -1.
 * Such twins never return, so whichever of them goes first, the outcomes are the same: the
 * search takes them in call order only, and tries one order of k twins instead of k! orders.
 */
function infoTwins(ops: readonly Operation[]): Int32Array {
  const twin = new Int32Array(ops.length).fill(-1);
  const last = new Map<string, number>();
  const byCall = ops.map((_op, i) => i).filter((i) => ops[i]!.output === UNKNOWN).sort((a, b) => ops[a]!.call - ops[b]!.call);
  for (const i of byCall) {
    const key = JSON.stringify([ops[i]!.input.f, ops[i]!.input.key, ops[i]!.input.value]);
    twin[i] = last.get(key) ?? -1;
    last.set(key, i);
  }
  return twin;
}

/** The dead end to report: the deepest linearized prefix, and at equal depth the fewest
 * operations pending before the first return (the window: no order of them is legal from there). */
class Worst<S> {
  private depth = -1;
  private windowIds: number[] = [];
  private prefix: number[] = [];
  private state: S | undefined;

  offer(calls: readonly { entry: number }[], state: S, next: Int32Array): void {
    if (calls.length < this.depth) return;
    const window: number[] = [];
    for (let e = next[0]!; e !== -1; e = next[e]!) {
      if (e % 2 === 0) break;
      window.push((e - 1) / 2);
    }
    if (calls.length === this.depth && window.length >= this.windowIds.length) return;
    this.depth = calls.length;
    this.windowIds = window;
    this.prefix = calls.map((c) => (c.entry - 1) / 2);
    this.state = state;
  }

  report(model: Model<S>, ops: readonly Operation[]): Omit<LinearizabilityViolation, 'partition'> {
    const window = this.windowIds.map((i) => windowOp(model, ops[i]!));
    const clients = [...new Set(window.map((w) => String(w.process)))];
    return {
      window,
      stateBefore: describeState(model, this.state as S),
      prefix: this.prefix.map((i) => ops[i]!.id),
      clients,
    };
  }
}

export function describeState<S>(model: Model<S>, state: S): string {
  return model.describeState?.(state) ?? JSON.stringify(state) ?? 'undefined';
}

export function describeOperation(model: Model<never>, input: OpInput, output: OpOutput): string {
  if (model.describeOperation !== undefined) return model.describeOperation(input, output);
  const arg = input.value === undefined || input.value === null ? '' : `(${JSON.stringify(input.value)})`;
  const key = input.key !== undefined ? ` ${input.key}` : '';
  const out = output === UNKNOWN ? ' → ?' : output === undefined ? '' : ` → ${JSON.stringify(output)}`;
  return `${input.f}${key}${arg}${out}`;
}

function windowOp<S>(model: Model<S>, op: Operation): WindowOp {
  return {
    id: op.id,
    process: op.process,
    description: describeOperation(model as Model<never>, op.input, op.output),
    ...(op.line !== undefined ? { line: op.line } : {}),
    ...(op.callTime !== undefined ? { callTime: op.callTime } : {}),
    ...(op.retTime !== undefined ? { retTime: op.retTime } : {}),
  };
}
