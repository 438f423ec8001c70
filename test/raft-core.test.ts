/**
 * Tests for the pure Raft core (targets/raft/core). The spec is the Raft paper (Ongaro &
 * Ousterhout, "In Search of an Understandable Consensus Algorithm", extended version) plus the
 * lease/stickiness rules of the interleave brief; section numbers below refer to the paper.
 */
import t from 'tap';
import seedrandom from 'seedrandom';
import { RaftNode } from '../targets/raft/core/index.js';
import type { Config, Entry, HardState, Message, Ready } from '../targets/raft/core/index.js';

// ---------------------------------------------------------------------------------------------
// A small deterministic cluster driver: global virtual ticks, seeded faults, per-node disks.
// ---------------------------------------------------------------------------------------------

type Rng = () => number;
type Kind =
  | 'election-safety'
  | 'log-matching'
  | 'state-machine-safety'
  | 'leader-completeness'
  | 'two-leaders-at-once';

interface Violation {
  kind: Kind;
  tick: number;
  detail: string;
}

interface Disk {
  hardState: HardState;
  entries: Entry[];
}

interface InFlight {
  msg: Message;
  at: number;
}

interface Faults {
  loss: number;
  dup: number;
  /** Probability that a message gets up to 12 extra ticks of delay (reordering). */
  reorder: number;
  crash: number;
  restart: number;
  partition: number;
  heal: number;
}

const NO_FAULTS: Faults = { loss: 0, dup: 0, reorder: 0, crash: 0, restart: 0, partition: 0, heal: 0 };

interface Options {
  n: number;
  seed: string;
  config?: Partial<Config>;
  /** Delay every message exactly one tick and deliver in send order. */
  lockstep?: boolean;
  /** Check that no two nodes consider themselves leader at the same instant (needs a lease). */
  checkSingleLeader?: boolean;
}

const BASE = { electionTimeoutMinTicks: 15, electionTimeoutMaxTicks: 30, heartbeatTicks: 5, leaseTicks: 10 };

class Cluster {
  readonly ids: string[];
  readonly rng: Rng;
  readonly nodes = new Map<string, RaftNode | null>();
  readonly disks = new Map<string, Disk>();
  /** What each node's (volatile) state machine applied in this incarnation. */
  readonly applied = new Map<string, Entry[]>();
  readonly violations: Violation[] = [];
  now = 0;
  faults: Faults = NO_FAULTS;
  private net: InFlight[] = [];
  private group = new Map<string, number>();
  private readonly leadersByTerm = new Map<number, string>();
  /** (index, term) -> (data, previous term): the Log Matching Property as a function. */
  private readonly entryIds = new Map<string, { data: string; prevTerm: number }>();
  /** index -> first applied entry, and the lowest term of any node seen applying it. */
  readonly committed = new Map<number, { term: number; data: string; seenInTerm: number }>();
  private readonly checkedLeaders = new Set<string>();
  private proposals = 0;

  constructor(readonly opts: Options) {
    this.ids = Array.from({ length: opts.n }, (_, i) => `n${i + 1}`);
    this.rng = seedrandom.alea(opts.seed);
    for (const id of this.ids) {
      this.disks.set(id, { hardState: { term: 0, vote: null, commit: 0 }, entries: [] });
      this.group.set(id, 0);
      this.start(id);
    }
  }

  int(n: number): number {
    return Math.floor(this.rng() * n);
  }

  private nodeConfig(id: string): Config {
    const r = seedrandom.alea(`${this.opts.seed}-${id}-${this.now}`);
    return { ...BASE, id, peers: this.ids, randomInt: (n) => Math.floor(r() * n), ...this.opts.config };
  }

  /** Restart from the disk: only hardState and entries survive (Figure 2 "persistent state"). */
  start(id: string): void {
    const disk = this.disks.get(id)!;
    const node = new RaftNode(this.nodeConfig(id), { hardState: disk.hardState, entries: disk.entries.slice() });
    this.nodes.set(id, node);
    this.applied.set(id, []);
    this.drain(id);
  }

  crash(id: string): void {
    this.nodes.set(id, null);
  }

  live(): [string, RaftNode][] {
    return [...this.nodes].filter((e): e is [string, RaftNode] => e[1] !== null);
  }

  leaders(): [string, RaftNode][] {
    return this.live().filter(([, n]) => n.role === 'leader');
  }

  violate(kind: Kind, detail: string): void {
    this.violations.push({ kind, tick: this.now, detail });
  }

  has(kind: Kind): boolean {
    return this.violations.some((v) => v.kind === kind);
  }

  /** Act on every Ready in the order the contract demands: persist, send, apply, advance. */
  drain(id: string): void {
    const node = this.nodes.get(id);
    if (!node) return;
    while (node.hasReady()) {
      const rd = node.ready();
      this.persist(id, rd);
      for (const msg of rd.messages) this.enqueue(msg);
      this.apply(id, node, rd.committedEntries);
      node.advance(rd);
    }
    this.observe(id, node);
  }

  private persist(id: string, rd: Ready): void {
    const disk = this.disks.get(id)!;
    if (rd.hardState) disk.hardState = { ...rd.hardState };
    if (rd.entries.length === 0) return;
    disk.entries.length = rd.entries[0]!.index - 1;
    for (const e of rd.entries) {
      const prevTerm = e.index === 1 ? 0 : disk.entries[e.index - 2]!.term;
      disk.entries.push({ ...e });
      // Reference: §5.3 Log Matching. An (index, term) pair names one entry and one predecessor.
      const key = `${e.index}:${e.term}`;
      const seen = this.entryIds.get(key);
      if (!seen) this.entryIds.set(key, { data: e.data, prevTerm });
      else if (seen.data !== e.data || seen.prevTerm !== prevTerm)
        this.violate('log-matching', `${id} wrote ${key} after term ${prevTerm}, known after term ${seen.prevTerm}`);
    }
  }

  private apply(id: string, node: RaftNode, entries: readonly Entry[]): void {
    const sm = this.applied.get(id)!;
    for (const e of entries) {
      sm.length = Math.min(sm.length, e.index - 1);
      if (sm.length !== e.index - 1) throw new Error(`${id} applied ${e.index} after ${sm.length}`);
      sm.push(e);
      // Reference: §5.4.3 State Machine Safety: one entry per index, on every server.
      const c = this.committed.get(e.index);
      if (!c) this.committed.set(e.index, { term: e.term, data: e.data, seenInTerm: node.term });
      else if (c.term !== e.term || c.data !== e.data)
        this.violate('state-machine-safety', `${id} applied ${e.index}:${e.term}:${e.data}, others ${c.term}:${c.data}`);
      else c.seenInTerm = Math.min(c.seenInTerm, node.term);
    }
  }

  private observe(id: string, node: RaftNode): void {
    if (this.opts.checkSingleLeader && this.leaders().length > 1)
      this.violate('two-leaders-at-once', this.leaders().map(([l, n]) => `${l}@${n.term}`).join(' '));
    if (node.role !== 'leader') return;
    // Reference: §5.2 Election Safety: at most one leader per term.
    const known = this.leadersByTerm.get(node.term);
    if (known === undefined) this.leadersByTerm.set(node.term, id);
    else if (known !== id) this.violate('election-safety', `term ${node.term}: ${known} and ${id}`);
    const key = `${id}@${node.term}`;
    if (this.checkedLeaders.has(key)) return;
    this.checkedLeaders.add(key);
    // Reference: §5.4 Leader Completeness: an entry committed in term T is in every later leader's
    // log. seenInTerm is >= the committing term, so this never blames a stale leader.
    for (const [i, c] of this.committed) {
      if (c.seenInTerm >= node.term) continue;
      const e = node.entryAt(i);
      if (!e || e.term !== c.term || e.data !== c.data)
        this.violate('leader-completeness', `${id} leader of ${node.term} lacks ${i}:${c.term}`);
    }
  }

  private enqueue(msg: Message): void {
    if (this.opts.lockstep) {
      this.net.push({ msg, at: this.now + 1 });
      return;
    }
    const f = this.faults;
    if (this.rng() < f.loss) return;
    const delay = 1 + this.int(2) + (this.rng() < f.reorder ? this.int(12) : 0);
    this.net.push({ msg, at: this.now + delay });
    if (this.rng() < f.dup) this.net.push({ msg, at: this.now + delay + this.int(8) });
  }

  isolate(groups: Map<string, number>): void {
    this.group = groups;
  }

  healPartition(): void {
    for (const id of this.ids) this.group.set(id, 0);
  }

  private faultStep(): void {
    const f = this.faults;
    for (const id of this.ids) {
      const up = this.nodes.get(id) !== null;
      if (up && this.rng() < f.crash) this.crash(id);
      else if (!up && this.rng() < f.restart) this.start(id);
    }
    if (this.rng() < f.partition) for (const id of this.ids) this.group.set(id, this.int(2));
    else if (this.rng() < f.heal) this.healPartition();
  }

  private deliver(): void {
    const due = this.net.filter((m) => m.at <= this.now);
    this.net = this.net.filter((m) => m.at > this.now);
    if (!this.opts.lockstep) {
      for (let i = due.length - 1; i > 0; i--) {
        const j = this.int(i + 1);
        [due[i], due[j]] = [due[j]!, due[i]!];
      }
    }
    for (const { msg } of due) {
      const node = this.nodes.get(msg.to);
      if (!node || this.group.get(msg.to) !== this.group.get(msg.from)) continue;
      node.step(msg);
      this.drain(msg.to);
    }
  }

  /** Propose to a node that believes it leads; true when accepted. */
  propose(data?: string): boolean {
    for (const [id, node] of this.leaders()) {
      if (node.propose(data ?? `v${++this.proposals}`)) {
        this.drain(id);
        return true;
      }
    }
    return false;
  }

  step(proposeRate = 0): void {
    this.now++;
    this.faultStep();
    for (const [id, node] of this.live()) {
      node.tick();
      this.drain(id);
    }
    if (this.rng() < proposeRate) this.propose();
    this.deliver();
  }

  run(ticks: number, proposeRate = 0): void {
    for (let i = 0; i < ticks; i++) this.step(proposeRate);
  }

  /** Bring everything back: all nodes up, no partition, a reliable network. */
  calm(): void {
    this.faults = NO_FAULTS;
    this.healPartition();
    for (const id of this.ids) if (this.nodes.get(id) === null) this.start(id);
  }

  /** Ticks until every node applied an entry with this data, proposing again when needed; -1 if never. */
  commitEverywhere(data: string, maxTicks: number): number {
    for (let i = 0; i < maxTicks; i++) {
      if (i % 60 === 0) this.propose(data);
      this.step();
      if (this.live().every(([id]) => this.applied.get(id)!.some((e) => e.data === data))) return i;
    }
    return -1;
  }
}

const STORM: Faults = { loss: 0.1, dup: 0.05, reorder: 0.1, crash: 0.004, restart: 0.05, partition: 0.01, heal: 0.05 };

function randomRun(seed: string, n: number, config: Partial<Config>, faults: Faults, ticks: number): Cluster {
  const c = new Cluster({ n, seed, config });
  c.faults = faults;
  c.run(ticks, 0.3);
  return c;
}

function seedsWith(count: number, run: (seed: string) => Cluster, kind: Kind): number {
  let hits = 0;
  for (let i = 0; i < count; i++) if (run(`seed-${i}`).has(kind)) hits++;
  return hits;
}

// ---------------------------------------------------------------------------------------------
// Unit behaviour of a single node, driven by hand.
// ---------------------------------------------------------------------------------------------

function solo(id: string, peers: string[], extra: Partial<Config> = {}, persisted?: ConstructorParameters<typeof RaftNode>[1]) {
  const r = seedrandom.alea(`unit-${id}`);
  return new RaftNode({ ...BASE, id, peers, randomInt: (n) => Math.floor(r() * n), ...extra }, persisted);
}

function flush(node: RaftNode): Ready[] {
  const out: Ready[] = [];
  while (node.hasReady()) {
    const rd = node.ready();
    node.advance(rd);
    out.push(rd);
  }
  return out;
}

function sent(rds: Ready[]): Message[] {
  return rds.flatMap((rd) => [...rd.messages]);
}


t.test('a single node elects itself, appends a no-op and commits it', async (t) => {
  const a = solo('a', ['a']);
  for (let i = 0; i < 30 && a.role !== 'leader'; i++) a.tick();
  t.equal(a.role, 'leader');
  const rds = flush(a);
  // Reference: §5.4.2 / §8: the new leader commits a blank entry of its own term.
  t.same(rds.flatMap((r) => r.committedEntries).map((e) => e.data), ['']);
  t.ok(a.propose('x'));
  t.same(flush(a).flatMap((r) => r.committedEntries).map((e) => [e.index, e.term, e.data]), [[2, 1, 'x']]);
});

t.test('the Ready contract: no input between ready() and advance(); state changes are reported once', async (t) => {
  const a = solo('a', ['a', 'b', 'c']);
  t.notOk(a.propose('x'), 'a follower refuses proposals');
  while (a.role !== 'candidate') a.tick();
  const rd = a.ready();
  t.same(rd.softState, { role: 'candidate', leader: null, term: 1 });
  t.same(rd.hardState, { term: 1, vote: 'a', commit: 0 });
  t.same(rd.messages.map((m) => [m.type, m.to, m.term]), [['vote', 'b', 1], ['vote', 'c', 1]]);
  t.throws(() => a.tick(), /advance/);
  t.throws(() => a.ready(), /advance/);
  a.advance(rd);
  t.notOk(a.hasReady(), 'nothing changed since the last Ready');
});

t.test('votes: once per term, only for up-to-date logs, and they survive a restart', async (t) => {
  // Reference: §5.2 (one vote per term, persisted before answering) and §5.4.1 (election restriction).
  const entries = [{ index: 1, term: 1, data: 'x' }, { index: 2, term: 2, data: 'y' }];
  const b = solo('b', ['a', 'b', 'c'], {}, { hardState: { term: 2, vote: null, commit: 1 }, entries });
  t.equal(b.role, 'follower', 'a restarted node starts as follower');
  t.equal(b.commitIndex, 1);
  t.equal(b.lastIndex, 2);
  b.step({ type: 'vote', from: 'a', to: 'b', term: 3, lastLogIndex: 5, lastLogTerm: 1 });
  let rd = flush(b);
  t.same(sent(rd).map((m) => [m.type, m.term, (m as { granted?: boolean }).granted]), [['vote-resp', 3, false]], 'stale log refused');
  b.step({ type: 'vote', from: 'c', to: 'b', term: 3, lastLogIndex: 2, lastLogTerm: 2 });
  rd = flush(b);
  t.same(rd[0]!.hardState, { term: 3, vote: 'c', commit: 1 }, 'the vote is in the hard state to persist');
  t.equal((sent(rd)[0] as { granted: boolean }).granted, true);
  const again = solo('b', ['a', 'b', 'c'], {}, { hardState: rd[0]!.hardState!, entries });
  again.step({ type: 'vote', from: 'a', to: 'b', term: 3, lastLogIndex: 9, lastLogTerm: 3 });
  t.equal((sent(flush(again))[0] as { granted: boolean }).granted, false, 'no second vote in term 3 after restart');
});

t.test('a follower truncates only on conflict and rejects a mismatched prevLog', async (t) => {
  // Reference: §5.3 (consistency check; delete a conflicting entry and all that follow it).
  const f = solo('f', ['l', 'f', 'g']);
  const e = (index: number, term: number, data: string): Entry => ({ index, term, data });
  const app = (prevLogIndex: number, prevLogTerm: number, entries: Entry[], term = 2): Message => ({
    type: 'append', from: 'l', to: 'f', term, prevLogIndex, prevLogTerm, entries, commit: 0, sentTick: 1, epoch: 0,
  });
  f.step(app(0, 0, [e(1, 1, 'a'), e(2, 1, 'b'), e(3, 2, 'c')]));
  flush(f);
  f.step(app(0, 0, [e(1, 1, 'a')]));
  const resp = sent(flush(f))[0] as { success: boolean; matchIndex: number };
  t.equal(f.lastIndex, 3, 'a reordered shorter append does not erase a longer match');
  t.same([resp.success, resp.matchIndex], [true, 1]);
  f.step(app(3, 3, [e(4, 3, 'd')], 3));
  const rej = sent(flush(f))[0] as { success: boolean; rejectedIndex: number; hintIndex: number };
  t.same([rej.success, rej.rejectedIndex], [false, 3]);
  t.ok(rej.hintIndex < 3, 'the hint moves the leader back');
  f.step(app(1, 1, [e(2, 3, 'B')], 3));
  flush(f);
  t.same([f.lastIndex, f.termAt(2), f.entryAt(3)], [2, 3, undefined], 'conflict truncates the suffix');
});

t.test('leader: duplicated or reordered append responses never move matchIndex back', async (t) => {
  const l = solo('l', ['l', 'f', 'g']);
  while (l.role !== 'candidate') l.tick();
  flush(l);
  l.step({ type: 'vote-resp', from: 'f', to: 'l', term: 1, granted: true });
  flush(l);
  t.equal(l.role, 'leader');
  l.propose('x');
  flush(l);
  const ok = (matchIndex: number): Message => ({
    type: 'append-resp', from: 'f', to: 'l', term: 1, success: true, matchIndex, rejectedIndex: 0, hintIndex: 0, sentTick: 0, epoch: 0,
  });
  l.step(ok(2));
  const rd = flush(l);
  t.equal(l.commitIndex, 2, 'committed once a majority holds a current-term entry');
  t.ok(rd.some((r) => r.hardState?.commit === 2));
  l.step(ok(1));
  l.step(ok(0));
  // A heartbeat carries min(commit, match): had match gone back to 0 it would say 0.
  for (let i = 0; i < 5; i++) l.tick();
  const hb = sent(flush(l)).find((m) => m.type === 'heartbeat' && m.to === 'f') as { commit: number } | undefined;
  t.equal(hb?.commit, 2);
  // Reference: §5.1: a message from an older term is stale and does not demote.
  l.step({ type: 'append-resp', from: 'g', to: 'l', term: 0, success: false, matchIndex: 0, rejectedIndex: 0, hintIndex: 0, sentTick: 0, epoch: 0 });
  t.equal(l.role, 'leader');
  l.step({ type: 'heartbeat-resp', from: 'g', to: 'l', term: 7, sentTick: 0, epoch: 0 });
  t.same([l.role, l.term], ['follower', 7], 'a higher term demotes the leader');
});

// ---------------------------------------------------------------------------------------------
// Safety and progress under faults: the correct configuration (lease on).
// ---------------------------------------------------------------------------------------------

const SAFETY_SEEDS = 300;

for (const n of [3, 5]) {
  t.test(`${n} nodes, ${SAFETY_SEEDS} seeds: Raft safety under loss/dup/reorder/partition/crash, then progress`, async (t) => {
    const failures: string[] = [];
    let maxRecovery = 0;
    for (let s = 0; s < SAFETY_SEEDS; s++) {
      const seed = `seed-${n}-${s}`;
      const config: Partial<Config> = {
        lease: true,
        preVote: s % 2 === 0,
        checkQuorum: s % 3 === 0,
        maxEntriesPerAppend: [1, 3, 64][s % 3]!,
      };
      const c = new Cluster({ n, seed, config, checkSingleLeader: true });
      c.faults = STORM;
      c.run(500, 0.3);
      c.calm();
      // Reference: §5.2 / §9: once the network is reliable, a leader emerges and commits.
      const took = c.commitEverywhere(`final-${s}`, 600);
      maxRecovery = Math.max(maxRecovery, took);
      if (took < 0) failures.push(`${seed}: no commit after faults stopped (leaders ${c.leaders().map(([id]) => id)})`);
      for (const v of c.violations) failures.push(`${seed}: ${v.kind} at ${v.tick}: ${v.detail}`);
      if (c.committed.size < 5) failures.push(`${seed}: only ${c.committed.size} entries committed`);
    }
    t.same(failures.slice(0, 10), [], 'no safety violation, and every seed recovers');
    t.comment(`slowest recovery: ${maxRecovery} ticks`);
  });
}

// ---------------------------------------------------------------------------------------------
// Each bug flag produces its violation.
// ---------------------------------------------------------------------------------------------

t.test('fixedElectionTimeout: identical timers in lockstep split the vote forever', async (t) => {
  // Reference: §5.2: randomized election timeouts are what make split votes rare.
  let bugLeaders = 0;
  let okLeaders = 0;
  const seeds = 20;
  for (let s = 0; s < seeds; s++) {
    for (const bug of [true, false]) {
      const c = new Cluster({ n: 3 + (s % 3), seed: `lock-${s}`, lockstep: true, config: { bugs: { fixedElectionTimeout: bug } } });
      let sawLeader = false;
      for (let i = 0; i < 1000 && !sawLeader; i++) {
        c.step();
        sawLeader = c.leaders().length > 0;
      }
      if (bug && sawLeader) bugLeaders++;
      if (!bug && sawLeader) okLeaders++;
      if (bug) t.ok(c.live().every(([, node]) => node.term > 10), 'the terms keep climbing');
    }
  }
  t.equal(bugLeaders, 0, 'with the bug no seed ever elects a leader');
  t.equal(okLeaders, seeds, 'randomized timeouts elect a leader in every seed');
});

t.test('skipPrevLogCheck breaks Log Matching in some seeds', async (t) => {
  // Reference: §5.3: the AppendEntries consistency check is what induces Log Matching.
  const cfg = (bug: boolean): Partial<Config> => ({ lease: true, bugs: { skipPrevLogCheck: bug } });
  const seeds = 100;
  const bad = seedsWith(seeds, (seed) => randomRun(seed, 3, cfg(true), STORM, 500), 'log-matching');
  const good = seedsWith(seeds, (seed) => randomRun(seed, 3, cfg(false), STORM, 500), 'log-matching');
  t.ok(bad > 0, `bug: ${bad}/${seeds} seeds violate Log Matching`);
  t.equal(good, 0, 'the same seeds are clean without the bug');
});

/**
 * Figure 8 as a script whose timing comes from the seed: a leader A appends x at index i and
 * dies with it; a leader B of a later term appends its own entry at i and dies; A comes back,
 * wins, pushes (i, x) to the third node C and (with the bug) commits it by counting replicas;
 * A dies before C gets A's current-term entry; B comes back and wins C's vote with its newer
 * last term, overwriting index i. Whether the roles fall this way depends on the seed.
 */
function figure8(seed: string, bug: boolean): Cluster {
  const c = new Cluster({ n: 3, seed, config: { lease: true, maxEntriesPerAppend: 1, bugs: { commitOldTermByCount: bug } } });
  const until = (pred: () => boolean, max: number): boolean => {
    for (let k = 0; k < max && !pred(); k++) c.step();
    return pred();
  };
  const alone = (id: string) => c.isolate(new Map(c.ids.map((x) => [x, x === id ? 1 : 0])));
  const leaderIn = (ids: string[]) => c.leaders().find(([id]) => ids.includes(id))?.[0];
  c.run(80, 0.2);
  const a = leaderIn(c.ids);
  if (!a) return c;
  alone(a);
  c.propose('x');
  const i = c.nodes.get(a)!.lastIndex;
  c.crash(a);
  const others = c.ids.filter((x) => x !== a);
  if (!until(() => leaderIn(others) !== undefined, 300)) return c;
  const b = leaderIn(others)!;
  alone(b);
  c.crash(b);
  c.start(a);
  c.isolate(new Map(c.ids.map((x) => [x, x === b ? 1 : 0])));
  if (!until(() => c.leaders().length > 0, 300) || leaderIn([a]) === undefined) return c;
  const nodeA = c.nodes.get(a)!;
  if (!until(() => nodeA.commitIndex >= i || nodeA.role !== 'leader', 100)) return c;
  // Cut A off before its current-term entry reaches C, then bring B back.
  alone(a);
  c.crash(a);
  c.start(b);
  c.isolate(new Map(c.ids.map((x) => [x, x === a ? 1 : 0])));
  c.run(300, 0.2);
  return c;
}

t.test('commitOldTermByCount commits a Figure 8 entry that is later overwritten', async (t) => {
  // Reference: §5.4.2 and Figure 8: counting replicas of an older-term entry is not enough.
  const seeds = 100;
  const bad = seedsWith(seeds, (seed) => figure8(seed, true), 'state-machine-safety');
  const good = seedsWith(seeds, (seed) => figure8(seed, false), 'state-machine-safety');
  t.ok(bad > 0, `bug: ${bad}/${seeds} seeds violate State Machine Safety`);
  t.equal(good, 0, 'the same scripts are clean without the bug');
});

/**
 * Elect a leader on a healthy network, cut it off alone, and watch until someone else leads.
 * Returns whether the old leader still believed it led at that moment.
 */
function isolateLeader(seed: string, n: number, lease: boolean) {
  const c = new Cluster({ n, seed, config: { lease: true, bugs: { noLease: !lease } } });
  c.run(60, 0.2);
  const [old] = c.leaders();
  if (!old) return { elected: false, stale: false, newLeaderAfter: -1, stepDownAfter: -1 };
  const [oldId, oldNode] = old;
  const oldTerm = oldNode.term;
  c.isolate(new Map(c.ids.map((id) => [id, id === oldId ? 1 : 0])));
  let stale = false;
  let stepDownAfter = -1;
  for (let i = 1; i <= 200; i++) {
    c.step(0.2);
    if (stepDownAfter < 0 && oldNode.role !== 'leader') stepDownAfter = i;
    const fresh = c.leaders().find(([id, node]) => id !== oldId && node.term > oldTerm);
    if (fresh) {
      stale = oldNode.role === 'leader';
      return { elected: true, stale, newLeaderAfter: i, stepDownAfter };
    }
  }
  return { elected: true, stale, newLeaderAfter: -1, stepDownAfter };
}

t.test('noLease: an isolated leader keeps leading after a newer leader exists; with the lease it has stepped down', async (t) => {
  // Reference: §6.4 / §9.6 (leader leases, disregarding RequestVote while a leader is known).
  const seeds = 60;
  let staleWithBug = 0;
  const problems: string[] = [];
  for (let s = 0; s < seeds; s++) {
    const n = 3 + 2 * (s % 2);
    const bug = isolateLeader(`iso-${s}`, n, false);
    const ok = isolateLeader(`iso-${s}`, n, true);
    if (!bug.elected || !ok.elected) problems.push(`iso-${s}: no initial leader`);
    if (bug.stale) staleWithBug++;
    if (ok.newLeaderAfter < 0) problems.push(`iso-${s}: no new leader with lease`);
    if (ok.stale) problems.push(`iso-${s}: lease holder still leading at ${ok.newLeaderAfter}`);
    if (ok.stepDownAfter < 0 || ok.stepDownAfter > BASE.leaseTicks + 1)
      problems.push(`iso-${s}: stepped down after ${ok.stepDownAfter} ticks`);
  }
  t.same(problems, []);
  t.equal(staleWithBug, seeds, 'without the lease, every isolated leader outlives its successor\'s election');
});

t.test('lease evidence comes only from answers to this start\'s own messages', async (t) => {
  // A late answer to a message a previous life sent carries that life's tick: it must not renew the lease.
  const cfg = { id: 'l', peers: ['l', 'a', 'b'], electionTimeoutMinTicks: 10, electionTimeoutMaxTicks: 20, heartbeatTicks: 2, randomInt: () => 0, lease: true, leaseTicks: 5, epoch: 2 };
  const l = new RaftNode(cfg);
  const drain = (): void => {
    while (l.hasReady()) l.advance(l.ready());
  };
  for (let i = 0; i < 40 && l.role !== 'candidate'; i++) {
    l.tick();
    drain();
  }
  const term = l.term;
  l.step({ type: 'vote-resp', from: 'a', to: 'l', term, granted: true });
  drain();
  t.equal(l.role, 'leader', 'l leads');
  for (let i = 0; i < 8; i++) {
    l.step({ type: 'heartbeat-resp', from: 'a', to: 'l', term, sentTick: l.role === 'leader' ? 1_000 : 0, epoch: 1 });
    drain();
    l.tick();
    drain();
  }
  t.equal(l.role, 'follower', 'answers stamped with a previous epoch do not keep the lease');
  const k = new RaftNode({ ...cfg, epoch: 1 });
  let ticks = 0;
  for (let i = 0; i < 40 && k.role !== 'candidate'; i++) { k.tick(); ticks++; while (k.hasReady()) k.advance(k.ready()); }
  k.step({ type: 'vote-resp', from: 'a', to: 'l', term: k.term, granted: true });
  while (k.hasReady()) k.advance(k.ready());
  for (let i = 0; i < 8; i++) {
    k.step({ type: 'heartbeat-resp', from: 'a', to: 'l', term: k.term, sentTick: ticks, epoch: 1 });
    while (k.hasReady()) k.advance(k.ready());
    k.tick();
    ticks++;
    while (k.hasReady()) k.advance(k.ready());
  }
  t.equal(k.role, 'leader', 'answers to its own messages keep it');
});
