import type { RunCoverage } from '../core/run.js';
import { fmix32, labelHash } from '../core/hash.js';
import { U32Set } from './u32-set.js';

/**
 * A run's abstract states (issue 14): a coarse picture of the system at the moments it can
 * change, hashed to 32 bits, so runs can be compared by *what they reached* rather than by
 * schedule. Everything is computed from numbers the run already holds, at the points where they
 * change; no strings are built per step.
 *
 * - A target that reports Raft state (`observe`) or leadership (`signalLeadership`): at each such
 *   call, each crash and each restart, the vector over nodes (declaration order) of role, term
 *   behind the highest term (0..3+), commit index behind the leader's (−1..3+, or "no leader"),
 *   incarnation (1..3+) and whether the node last signalled leader; and each leadership event
 *   as (role, term behind the highest, how many nodes then claim to lead).
 * - Any other target: per node, the last three message kinds delivered to it (with their
 *   senders), and which tasks wait at which kind of operation (`wait`, `next`, `recv`,
 *   `acquire`…): the primitives' states.
 * - Either: the target's own features, `ctx.cover(key)`.
 */
export class Coverage implements RunCoverage {
  private readonly raft = new U32Set();
  private readonly flow = new U32Set();
  private readonly own = new U32Set();
  /** The target called observe or signalLeadership: its states are the Raft ones. */
  private raftish = false;
  // Per node, by declaration index.
  private readonly role: number[] = [];
  private readonly term: number[] = [];
  private readonly commit: number[] = [];
  private readonly inc: number[] = [];
  private readonly down: boolean[] = [];
  private readonly leads: boolean[] = [];
  /** Three delivered kind hashes per node, newest last. */
  private readonly window: number[] = [];
  /** XOR over waiting tasks of their wait token; the token of each task by id. */
  private waiting = 0;
  private waiters = 0;
  private readonly token: number[] = [];

  // ---- Raft and leadership -------------------------------------------------------------------

  observe(node: number, incarnation: number, role: string, term: number, commitIndex: number): void {
    this.raftish = true;
    this.grow(node);
    this.role[node] = roleCode(role);
    this.term[node] = term | 0;
    this.commit[node] = commitIndex | 0;
    this.inc[node] = incarnation;
    this.down[node] = false;
    this.raft.add(this.vector());
  }

  signal(node: number, incarnation: number, leader: boolean, term: number): void {
    this.raftish = true;
    this.grow(node);
    this.leads[node] = leader;
    this.inc[node] = incarnation;
    this.down[node] = false;
    if (term > this.term[node]!) this.term[node] = term | 0;
    let claims = 0;
    for (let i = 0; i < this.leads.length; i++) if (this.leads[i] === true && this.down[i] !== true) claims++;
    const behind = Math.min(3, this.maxTerm() - term);
    this.raft.add(fmix32(0x1ead0000 ^ ((leader ? 1 : 0) | (behind << 1) | (Math.min(claims, 3) << 3))));
    this.raft.add(this.vector());
  }

  crashed(node: number): void {
    this.grow(node);
    this.down[node] = true;
    this.leads[node] = false;
    this.role[node] = 0;
    if (this.raftish) this.raft.add(this.vector());
  }

  restarted(node: number, incarnation: number): void {
    this.grow(node);
    this.down[node] = false;
    this.inc[node] = incarnation;
    if (this.raftish) this.raft.add(this.vector());
  }

  // ---- deliveries and waits ------------------------------------------------------------------

  /** A message of `kind` (the hash of `from→to:kind`) reached node `node`. */
  delivered(node: number, kind: number): void {
    if (this.raftish) return;
    const w = this.window;
    const at = node * 3;
    while (w.length < at + 3) w.push(0);
    w[at] = w[at + 1]!;
    w[at + 1] = w[at + 2]!;
    w[at + 2] = kind;
    this.flow.add(fmix32(fmix32(fmix32(w[at]! ^ Math.imul(node + 1, 0x27d4eb2d)) ^ w[at + 1]!) ^ kind));
  }

  /** Task `id` (label hash `label`) now waits in an operation of kind `op`. */
  waits(id: number, label: number, op: string): void {
    if (this.raftish) return;
    const tok = fmix32(label ^ (op.charCodeAt(0) * 31 + op.length) * 0x9e3779b1);
    this.token[id] = tok;
    this.waiting ^= tok;
    this.waiters++;
    this.flow.add(fmix32(this.waiting + this.waiters));
  }

  /** Task `id` stopped waiting. */
  woke(id: number): void {
    const tok = this.token[id];
    if (tok === undefined || tok === 0) return;
    this.token[id] = 0;
    this.waiting ^= tok;
    this.waiters--;
    if (!this.raftish) this.flow.add(fmix32(this.waiting + this.waiters));
  }

  // ---- the target's own ----------------------------------------------------------------------

  /** `ctx.cover(key)`: node -1 for the sim itself. */
  cover(key: string | number, node: number): void {
    const k = typeof key === 'number' ? fmix32((key | 0) ^ 0x6b43a9b5) : labelHash(key);
    this.own.add(fmix32(k + Math.imul(node + 2, 0x165667b1)));
  }

  /** The run's distinct abstract states, ascending. */
  states(): number[] {
    const base = this.raftish ? this.raft.values() : this.flow.values();
    if (this.own.size === 0) return base;
    const all = new Set(base);
    for (const h of this.own.values()) all.add(h);
    return [...all].sort((a, b) => a - b);
  }

  private grow(node: number): void {
    while (this.role.length <= node) {
      this.role.push(0);
      this.term.push(0);
      this.commit.push(0);
      this.inc.push(1);
      this.down.push(false);
      this.leads.push(false);
    }
  }

  private maxTerm(): number {
    let m = 0;
    for (let i = 0; i < this.term.length; i++) if (!this.down[i] && this.term[i]! > m) m = this.term[i]!;
    return m;
  }

  /** The vector over nodes, hashed. */
  private vector(): number {
    const n = this.role.length;
    const max = this.maxTerm();
    // The leader: the up node that last observed itself leader in the highest term among such.
    let leader = -1;
    for (let i = 0; i < n; i++) {
      if (this.down[i] || this.role[i] !== LEADER) continue;
      if (leader < 0 || this.term[i]! > this.term[leader]!) leader = i;
    }
    let h = n;
    for (let i = 0; i < n; i++) {
      let packed: number;
      if (this.down[i]) packed = 0x7ff;
      else {
        const behind = Math.min(3, max - this.term[i]!);
        const lag = leader < 0 ? 5 : Math.max(-1, Math.min(3, this.commit[leader]! - this.commit[i]!)) + 1;
        packed = this.role[i]! | (behind << 3) | (lag << 5) | (Math.min(3, this.inc[i]!) << 8) | ((this.leads[i] ? 1 : 0) << 10);
      }
      h = fmix32((h ^ packed) + 0x9e3779b9);
    }
    return h;
  }
}

const LEADER = 3;

function roleCode(role: string): number {
  switch (role) {
    case 'follower': return 1;
    case 'candidate': case 'pre-candidate': case 'precandidate': return 2;
    case 'leader': return LEADER;
    default: return 4;
  }
}

/** A coverage key is a string or a finite number: anything else is a target bug, said at once. */
export function checkedKey(key: unknown): string | number {
  if (typeof key === 'string' || (typeof key === 'number' && Number.isFinite(key))) return key;
  throw new TypeError(`cover(key): key must be a string or a finite number, got ${typeof key}`);
}
