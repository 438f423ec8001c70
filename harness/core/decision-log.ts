/**
 * Something a run's choices are labelled by, kept for the whole run (a task, a message kind on
 * a link, a task's sleep timer): the log records it by number and spells its label only at the
 * end. `label` is the whole label, or the prefix a choice's number is appended to.
 */
export interface LabelKey {
  readonly label: string;
  /** Its index in the log that last recorded it, -1 before (set by DecisionLog). */
  logId: number;
}

/** A choice's code is -1 - (key id + (number + 1) × ID_SPAN): ids below ID_SPAN, exact in a double. */
const ID_SPAN = 2 ** 21;
/** Numbers past this (a billion messages of one kind on one link) are logged by their label. */
const NUM_MAX = 2 ** 30;
/** Codes at or below this name an entry of the side list of labels. */
const OTHER_BASE = -(2 ** 52);

/** Spent code buffers, reused by the next run in this thread: a run's list is spelled out when it
 * ends, so its buffer is free then. Allocating a fresh Float64Array per run costs a short run
 * more than its whole log. Buffers above POOL_MAX_ENTRIES are left to the collector. */
const pool: Float64Array[] = [];
const POOL_SIZE = 4;
const POOL_MAX_ENTRIES = 2 ** 20;
const FIRST_ENTRIES = 1024;

/**
 * The run's decision list, one number per decision: a draw is its value; a choice is its key's
 * id and number, as a negative code. A Raft run of 20,000 steps used to push a freshly built
 * label string (`n1→n2:append#41`) per delivery into one long array, which kept every label alive
 * for the whole run and made the collector promote them (profile: the push was two thirds of
 * `decide`'s own time). The list is spelled out once, when the run ends (`finish`). The codes
 * live in a Float64Array that grows by doubling: a plain array of such numbers cost ten times
 * as much per push (1.5 ms against 0.15 ms for 20,000).
 */
export class DecisionLog {
  private codes: Float64Array = pool.pop() ?? new Float64Array(FIRST_ENTRIES);
  private n = 0;
  private readonly keys: LabelKey[] = [];
  private readonly others: string[] = [];

  get length(): number {
    return this.n;
  }

  /** A drawn number: a u32, or a delay's offset. */
  draw(v: number): void {
    this.push(v);
  }

  private push(code: number): void {
    if (this.n === this.codes.length) {
      if (this.codes === SPENT) throw new Error('decision logged after the run ended');
      const grown = new Float64Array(this.n * 2);
      grown.set(this.codes);
      this.codes = grown;
    }
    this.codes[this.n++] = code;
  }

  /** A choice labelled `key.label`, or `key.label + num` when num >= 0. */
  keyed(key: LabelKey, num: number): void {
    let id = key.logId;
    // A key logged by an earlier run's log carries that log's id: checked, so it is re-numbered.
    if (id < 0 || this.keys[id] !== key) {
      id = this.keys.length;
      if (id >= ID_SPAN) return this.label(num < 0 ? key.label : key.label + String(num));
      key.logId = id;
      this.keys.push(key);
    }
    if (num >= NUM_MAX) return this.label(key.label + String(num));
    this.push(-1 - id - (num + 1) * ID_SPAN);
  }

  /** A choice by its whole label. */
  label(label: string): void {
    this.push(OTHER_BASE - this.others.length);
    this.others.push(label);
  }

  /** The list as RunResult.decisions has it (labels spelled out, draws as numbers); the log
   * is spent after it (its buffer goes back to the pool). */
  finish(): (string | number)[] {
    const codes = this.codes;
    const n = this.n;
    const out: (string | number)[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const c = codes[i]!;
      if (c >= 0) {
        out[i] = c;
      } else if (c > -1 - ID_SPAN) {
        // A key without a number (a task's step): the common case, kept to integer arithmetic.
        out[i] = this.keys[-1 - c]!.label;
      } else if (c <= OTHER_BASE) {
        out[i] = this.others[OTHER_BASE - c]!;
      } else {
        const m = -1 - c;
        const key = this.keys[m % ID_SPAN]!;
        const num = Math.floor(m / ID_SPAN) - 1;
        out[i] = num < 0 ? key.label : key.label + String(num);
      }
    }
    this.spend();
    return out;
  }

  /** Spends the log without spelling it (a passing run whose list nobody reads): an empty list. */
  discard(): (string | number)[] {
    this.spend();
    return [];
  }

  private spend(): void {
    const codes = this.codes;
    if (codes !== SPENT && codes.length <= POOL_MAX_ENTRIES && pool.length < POOL_SIZE) pool.push(codes);
    this.codes = SPENT;
    this.n = 0;
  }
}

/** A spent log's buffer: a push after finish() fails loudly instead of writing into a pooled one. */
const SPENT = new Float64Array(0);
