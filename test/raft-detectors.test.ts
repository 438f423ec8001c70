/**
 * The Raft detectors (harness/check/raft-safety.ts, leadership.ts; docs/detectors.md) against
 * legal and illegal histories, and the reporting contract of ctx.observe / ctx.applied:
 * - the stale candidate (a lower-term leader observed after a higher-term entry was applied) is
 *   legal Raft: a pinned run of test/fixtures/net-stale-candidate.ts (its 2,000-seed sweep is in
 *   test/sweeps/raft-detectors.test.ts);
 * - a report of the wrong shape is one usage error (exit 2), a term going down is report-contract;
 * - property-based: histories of the pure Raft core (targets/raft/core) under random schedules,
 *   crashes, drops, duplicates and late vote counts flag nothing; the same histories mutated into
 *   illegal ones are flagged by the detector whose rule they break.
 */
import t from 'tap';
import fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execute, DEFAULT_OPTIONS } from '../dist/harness/engine/execute.js';
import type { RunResult } from '../dist/harness/engine/execute.js';
import { explore } from '../dist/harness/campaign/explore.js';
import { RaftSafetyChecker, type CheckerRun } from '../dist/harness/check/raft-safety.js';
import { LeadershipChecker } from '../dist/harness/check/leadership.js';
import type { RaftObservation, Target } from '../dist/harness/core/api.js';
import { RaftNode, type Entry, type HardState, type Message } from '../dist/targets/raft/core/index.js';
import { staleCandidateTarget, staleLeaders, type StaleProbe } from './fixtures/net-stale-candidate.js';
import badReport from './fixtures/net-bad-report.js';

const root = resolve(import.meta.dirname, '..');
const kinds = (r: RunResult): string[] => r.violations.map((v) => v.kind);

function runStale(target: Target, seed: string, workload: Record<string, number>): Promise<RunResult> {
  return execute({ target, variant: 'correct', seed, strategy: { name: 'random' }, options: { ...DEFAULT_OPTIONS, durationMs: 10_000, workload } });
}

t.test('the stale candidate is legal: a lower-term leader after a higher-term entry was applied is not flagged', async (t) => {
  // Pinned: seed 2 under a calm network with n1's first vote record taking 400 ms. n1 collects
  // a grant for term 1, records it while n2 wins term 2 and applies its no-op, then counts and
  // leads term 1. Before the bound on commit terms, leader completeness flagged this run
  // ("n1 became leader of term 1 without entry 1 (2:noop), which n2 applied").
  const probe: StaleProbe = { runs: [] };
  const r = await runStale(staleCandidateTarget(probe), '2', { slowVoteRecordMs: 400 });
  const stale = staleLeaders(probe.runs[0]!);
  t.same(stale, ['n1 led term 1 after an entry of term 2 was applied'], 'the pinned run has the stale leader');
  t.same(kinds(r), [], 'and no detector flags it');
  t.equal(r.end, 'duration');
});

t.test('liveness of a target that observes and never signals: a leader that never commits is flagged', async (t) => {
  // Its correct twin is the sweep in test/sweeps/raft-detectors.test.ts, clean of liveness too; before, an observe-only target
  // could never satisfy the rule (only signalled leaders counted).
  const r = await explore({ target: staleCandidateTarget(), variant: 'never-commits', seeds: '1..5' });
  t.equal(r.failures.length, 5, 'every seed');
  const v = r.failures[0]!.result.violations[0]!;
  t.equal(v.kind, 'liveness');
  t.match(v.message, /^no node observed as leader and applied an entry of its term within livenessMs=3000/);
});

t.test('a report of the wrong shape is one usage error at the first observe; numbers are digests', async (t) => {
  const cli = spawnSync(process.execPath, [join(root, 'dist/harness/cli/main.js'), 'run', join(root, 'test/fixtures/net-bad-report.ts'),
    '--variant', 'entry-objects', '--seeds', '1..20', '--report-dir', mkdtempSync(join(tmpdir(), 'interleave-raft-detectors-'))], { encoding: 'utf8', timeout: 120_000 });
  t.equal(cli.status, 2, `exit 2 (${cli.stderr})`);
  t.match(cli.stderr, /n1\.observe: log\[0\] \(entry 1\) must be a string or a number, a digest of the entry and its term such as '3:set x', got an object \{"term":1,"data":"set x"\}/);
  t.equal(cli.stderr.trim().split('\n').length, 1, 'one line');
  t.notMatch(cli.stdout, /state-machine-safety|violation/, 'no seed is charged with a violation');

  const shape: Record<string, RegExp> = {
    'fractional-term': /^n1\.observe: term must be an integer >= 0, got 1\.5$/,
    'short-log': /^n1\.observe: log has 2 digests but lastLogIndex is 3/,
    'capital-leader': /^n1\.observe: role "Leader" must be written 'leader'/,
    'object-digest': /^n1\.applied\(1\): digest must be a string or a number.*got an object \{"term":1,"data":"set x"\}$/,
    'zero-index': /^n1\.applied: index must be an integer >= 1 \(the entry's log index, 1-based\), got 0$/,
  };
  for (const [variant, re] of Object.entries(shape)) {
    const run = execute({ target: badReport, variant, seed: '1', strategy: { name: 'random' }, options: DEFAULT_OPTIONS });
    await t.rejects(run, { name: 'UsageError', message: re }, variant);
  }
  const numbers = await execute({ target: badReport, variant: 'number-digests', seed: '1', strategy: { name: 'random' }, options: DEFAULT_OPTIONS });
  t.same(kinds(numbers), [], 'numbers are digests: 101 in the log and "102" applied agree with 101 and 102');
});

t.test('a term that goes down without a crash is report-contract; across a crash it is not', async (t) => {
  const r = await execute({ target: badReport, variant: 'term-down', seed: '1', strategy: { name: 'random' }, options: DEFAULT_OPTIONS });
  t.same(kinds(r), ['report-contract']);
  t.match(r.violations[0]!.message, /n1 reported term 1 \(observe\) after reporting term 2 at step \d+, without a crash in between/);

  const run = new FakeRun();
  const c = new RaftSafetyChecker(run, () => '');
  const obs = (term: number): RaftObservation => ({ term, role: 'follower', commitIndex: 0, lastLogIndex: 0, log: [] });
  c.observe({ id: 'n1', incarnation: 1 }, obs(2));
  c.crashed({ id: 'n1', incarnation: 1 });
  c.observe({ id: 'n1', incarnation: 2 }, obs(1));
  t.same(run.kinds(), [], 'a term lost with unsynced writes, after a crash, is no finding');
  c.signal({ id: 'n1', incarnation: 2 }, 'leader', 0);
  t.same(run.kinds(), ['report-contract'], 'a leader signal reports the current term too');
});

// ---------------------------------------------------------------------------------------------
// Property-based: the pure Raft core as the reference for legal histories.
// ---------------------------------------------------------------------------------------------

interface Recorded {
  kind: string;
  message: string;
}

/** The run a checker needs, without a network: it records what the checkers report. */
class FakeRun implements CheckerRun {
  step = 0;
  readonly current = null;
  readonly recorded: Recorded[] = [];
  fatal: Error | null = null;
  /** LeadershipChecker reads the clock for its intervals. */
  readonly clock = { now: (): number => this.step };

  constructor(private readonly ignore: readonly string[] = []) {}

  violate(v: { kind: string; message: string }): boolean {
    if (this.ignore.includes(v.kind)) return false;
    this.recorded.push({ kind: v.kind, message: v.message });
    return true;
  }

  abort(e: Error): void {
    this.fatal = e;
  }

  kinds(): string[] {
    return this.recorded.map((r) => r.kind);
  }
}

/** What a node reported, in order: the history the checkers are fed. */
type Event =
  | { kind: 'observe'; node: string; inc: number; s: RaftObservation }
  | { kind: 'applied'; node: string; inc: number; index: number; digest: string; term: number }
  | { kind: 'signal'; node: string; inc: number; role: 'leader' | 'follower'; term: number }
  | { kind: 'crash'; node: string; inc: number };

type Action =
  | { t: 'tick' }
  | { t: 'timeout'; n: number }
  | { t: 'deliver'; k: number }
  | { t: 'duplicate'; k: number }
  | { t: 'drop'; k: number }
  | { t: 'propose'; n: number }
  | { t: 'pause'; n: number }
  | { t: 'pause-candidate'; n: number }
  | { t: 'resume'; n: number }
  | { t: 'crash'; n: number };

const digestOf = (e: Entry): string => `${e.term}:${e.data === '' ? 'noop' : e.data}`;

interface SimNode {
  readonly id: string;
  inc: number;
  raft: RaftNode;
  disk: { hardState: HardState; entries: Entry[] };
  digests: string[];
  leading: number | null;
  proposals: number;
  /** Takes no tick and no message, and handles no Ready, until resumed. */
  paused: boolean;
}

/**
 * Drives the pure core (plain Raft, no lease: an old candidate stays a candidate until it hears
 * of a newer term) through `actions`: time passes for every running node, any message in flight
 * lands next (a vote reply can wait while its candidate is paused and be counted on resume,
 * after another node led a higher term), is dropped or duplicated; a node pauses and resumes, or
 * crashes (what it had not persisted is lost: it never sent it, since a Ready is persisted
 * before its messages go out) and restarts from its disk. Each node reports as the contract
 * asks: observe after each Ready, and as leader before it applies anything.
 */
function simulate(size: number, seed: number, preVote: boolean, actions: readonly Action[]): Event[] {
  const ids = Array.from({ length: size }, (_, i) => `n${i + 1}`);
  const events: Event[] = [];
  const pool: Message[] = [];
  let rng = seed >>> 0;
  const randomInt = (n: number): number => {
    rng = (Math.imul(rng, 1664525) + 1013904223) >>> 0;
    return rng % n;
  };
  const make = (id: string, disk: SimNode['disk'], inc: number): RaftNode => new RaftNode({
    id, peers: ids, electionTimeoutMinTicks: 3, electionTimeoutMaxTicks: 7, heartbeatTicks: 1, randomInt, preVote,
    maxEntriesPerAppend: 3, epoch: inc,
  }, { hardState: disk.hardState, entries: disk.entries });
  const nodes: SimNode[] = ids.map((id) => {
    const disk = { hardState: { term: 0, vote: null, commit: 0 }, entries: [] as Entry[] };
    return { id, inc: 1, raft: make(id, disk, 1), disk, digests: [], leading: null, proposals: 0, paused: false };
  });
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const observe = (n: SimNode): void => {
    const r = n.raft;
    events.push({ kind: 'observe', node: n.id, inc: n.inc, s: { term: r.term, role: r.role, commitIndex: r.commitIndex, lastLogIndex: r.lastIndex, log: n.digests.slice() } });
  };
  const handleReady = (n: SimNode): void => {
    const rd = n.raft.ready();
    if (rd.hardState !== undefined) n.disk.hardState = rd.hardState;
    if (rd.entries.length > 0) {
      n.disk.entries.length = rd.entries[0]!.index - 1;
      n.disk.entries.push(...rd.entries);
      n.digests.length = rd.entries[0]!.index - 1;
      for (const e of rd.entries) n.digests.push(digestOf(e));
    }
    pool.push(...rd.messages);
    const soft = rd.softState;
    if (soft !== undefined && soft.role !== 'leader' && n.leading !== null) {
      events.push({ kind: 'signal', node: n.id, inc: n.inc, role: 'follower', term: n.leading });
      n.leading = null;
    }
    if (soft?.role === 'leader') {
      // The contract: leadership is reported before anything this leader commits is applied.
      observe(n);
      n.leading = soft.term;
      events.push({ kind: 'signal', node: n.id, inc: n.inc, role: 'leader', term: soft.term });
    }
    for (const e of rd.committedEntries) events.push({ kind: 'applied', node: n.id, inc: n.inc, index: e.index, digest: digestOf(e), term: e.term });
    n.raft.advance(rd);
    observe(n);
  };
  const settle = (n: SimNode): void => {
    while (!n.paused && n.raft.hasReady()) handleReady(n);
  };
  for (const a of actions) {
    switch (a.t) {
      case 'tick':
        for (const n of nodes) {
          if (n.paused) continue;
          n.raft.tick();
          settle(n);
        }
        break;
      case 'timeout': {
        // One node's clock runs ahead until its election timer fires: more elections, more
        // candidates whose replies can be left waiting.
        const n = nodes[a.n % size]!;
        for (let i = 0; i < 7 && !n.paused; i++) {
          n.raft.tick();
          settle(n);
        }
        break;
      }
      case 'propose': {
        const n = nodes[a.n % size]!;
        if (n.paused) break;
        n.raft.propose(`${n.id}.${n.inc}.${++n.proposals}`);
        settle(n);
        break;
      }
      case 'pause':
        nodes[a.n % size]!.paused = true;
        break;
      case 'pause-candidate': {
        // The stale candidate: paused with its vote requests out, so the replies wait for it.
        const waiting = (x: SimNode): boolean => x.raft.role === 'candidate' &&
          pool.some((m) => m.to === x.id && m.type === 'vote-resp' && m.granted && m.term === x.raft.term);
        const c = nodes.find((x, i) => i >= a.n % size && waiting(x)) ?? nodes.find(waiting);
        if (c !== undefined) c.paused = true;
        break;
      }
      case 'resume': {
        const n = nodes[a.n % size]!;
        if (!n.paused) break;
        n.paused = false;
        settle(n);
        // It drains what queued for it while paused, first in first out: a vote reply sent
        // before the newer term's messages is counted before it hears of that term.
        const inbox = pool.filter((m) => m.to === n.id);
        for (const m of inbox) {
          pool.splice(pool.indexOf(m), 1);
          n.raft.step(m);
          settle(n);
        }
        break;
      }
      case 'deliver':
      case 'duplicate':
      case 'drop': {
        // Only a running node takes a message: a paused one's stay in flight.
        const open = pool.map((m, i) => [m, i] as const).filter(([m]) => !byId.get(m.to)!.paused);
        if (open.length === 0) break;
        const [m, i] = open[a.k % open.length]!;
        if (a.t !== 'duplicate') pool.splice(i, 1);
        if (a.t === 'drop') break;
        const dst = byId.get(m.to)!;
        dst.raft.step(m);
        settle(dst);
        break;
      }
      case 'crash': {
        const n = nodes[a.n % size]!;
        events.push({ kind: 'crash', node: n.id, inc: n.inc });
        n.inc++;
        n.leading = null;
        n.paused = false;
        n.disk = { hardState: n.disk.hardState, entries: n.disk.entries.slice() };
        n.raft = make(n.id, n.disk, n.inc);
        n.digests = n.disk.entries.map(digestOf);
        settle(n);
        break;
      }
    }
  }
  return events;
}

interface Fed {
  safety: FakeRun;
  leadership: FakeRun;
}

/** Feeds a history to fresh checkers, stopping at the first finding (as a run stops). */
function feed(events: readonly Event[]): Fed {
  const safetyRun = new FakeRun();
  // Raft without a lease lets a deposed leader lead on until it hears of the new term (§5.1):
  // overlap is Swarmkit's rule for leased leaders, not a Raft property, so it is not fed here.
  const leaderRun = new FakeRun(['leadership-overlap']);
  const safety = new RaftSafetyChecker(safetyRun, () => '');
  const leadership = new LeadershipChecker(leaderRun as never, 500, () => '', () => false);
  for (const e of events) {
    safetyRun.step++;
    leaderRun.step++;
    const node = { id: e.node, incarnation: e.inc, up: true };
    if (e.kind === 'observe') safety.observe(node, e.s);
    else if (e.kind === 'applied') safety.applied(node, e.index, e.digest, e.term);
    else if (e.kind === 'crash') {
      safety.crashed(node);
      leadership.crashed(node);
    } else {
      safety.signal(node, e.role, e.term);
      leadership.signal(node, e.role, e.term);
    }
    if (safetyRun.recorded.length > 0 || safetyRun.fatal !== null || leaderRun.recorded.length > 0) break;
  }
  return { safety: safetyRun, leadership: leaderRun };
}

const actionArb: fc.Arbitrary<Action> = fc.oneof(
  { weight: 16, arbitrary: fc.record({ t: fc.constant('deliver' as const), k: fc.nat() }) },
  { weight: 6, arbitrary: fc.record({ t: fc.constant('tick' as const) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('propose' as const), n: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('timeout' as const), n: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('drop' as const), k: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('duplicate' as const), k: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('pause' as const), n: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('pause-candidate' as const), n: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('resume' as const), n: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('crash' as const), n: fc.nat() }) },
);

const historyArb = fc.record({
  size: fc.constantFrom(3, 3, 5),
  seed: fc.nat(),
  preVote: fc.boolean(),
  actions: fc.array(actionArb, { minLength: 500, maxLength: 2_500 }),
}).map((h) => ({ ...h, events: simulate(h.size, h.seed, h.preVote, h.actions) }));

const FC = { seed: 2025, numRuns: 300 };

/** How much a history exercises: its leaders, applications and late leaders. */
function stats(events: readonly Event[]): { leaders: number; applied: number; stale: number } {
  let leaders = 0;
  let applied = 0;
  let stale = 0;
  let highestApplied = -1;
  for (const e of events) {
    if (e.kind === 'applied') {
      applied++;
      highestApplied = Math.max(highestApplied, e.term);
    } else if (e.kind === 'signal' && e.role === 'leader') {
      leaders++;
      if (e.term < highestApplied) stale++;
    }
  }
  return { leaders, applied, stale };
}

t.test('legal histories of the pure Raft core: no detector flags any', async (t) => {
  const total = { leaders: 0, applied: 0, stale: 0, histories: 0 };
  fc.assert(fc.property(historyArb, (h) => {
    const s = stats(h.events);
    total.leaders += s.leaders;
    total.applied += s.applied;
    total.stale += s.stale;
    total.histories++;
    const fed = feed(h.events);
    const found = [...fed.safety.recorded, ...fed.leadership.recorded].map((r) => `${r.kind}: ${r.message}`);
    if (fed.safety.fatal !== null) found.push(`usage: ${fed.safety.fatal.message}`);
    if (found.length > 0) throw new Error(found.join('\n'));
  }), FC);
  t.comment(`${total.histories} histories: ${total.leaders} leaders, ${total.applied} applications, ${total.stale} stale leaders`);
  t.ok(total.leaders > total.histories && total.applied > 10 * total.histories, 'the histories elect and commit');
  t.ok(total.stale > 0, 'some leader led a term below an entry already applied');
});

/** Inserts `extra` after position `at` of `events`. */
const inserted = (events: readonly Event[], at: number, ...extra: Event[]): Event[] => [...events.slice(0, at + 1), ...extra, ...events.slice(at + 1)];

/** The highest term anything in `events` reports. */
function maxTerm(events: readonly Event[]): number {
  let m = 0;
  for (const e of events) {
    if (e.kind === 'observe') m = Math.max(m, e.s.term);
    else if (e.kind === 'applied' || e.kind === 'signal') m = Math.max(m, e.term);
  }
  return m;
}

/** The last observation of each node up to (and with) position `at`. */
function lastObservations(events: readonly Event[], at: number): Map<string, Extract<Event, { kind: 'observe' }>> {
  const out = new Map<string, Extract<Event, { kind: 'observe' }>>();
  for (let i = 0; i <= at; i++) {
    const e = events[i]!;
    if (e.kind === 'observe') out.set(e.node, e);
    if (e.kind === 'crash') out.delete(e.node);
  }
  return out;
}

t.test('the same histories made illegal: each is flagged by the detector whose rule it breaks', async (t) => {
  const hits: Record<string, number> = {};
  const hit = (k: string): void => {
    hits[k] = (hits[k] ?? 0) + 1;
  };
  fc.assert(fc.property(historyArb, fc.nat(), fc.nat(), (h, r1, r2) => {
    const ev = h.events;
    const expect = (mutated: Event[], kind: string, what: string): void => {
      const fed = feed(mutated);
      const got = [...fed.safety.recorded, ...fed.leadership.recorded];
      if (got[0]?.kind !== kind) throw new Error(`${what}: expected ${kind}, got ${got.map((g) => `${g.kind}: ${g.message}`).join('; ') || 'nothing'}`);
      hit(kind);
    };

    // Figure 8's outcome (an old-term entry committed by counting replicas, §5.4.2): entry i is
    // applied, then a leader of a term above every term so far holds a different entry there.
    const applies = ev.map((e, i) => [e, i] as const).filter(([e]) => e.kind === 'applied');
    if (applies.length > 0) {
      const [a] = applies[r1 % applies.length]! as readonly [Extract<Event, { kind: 'applied' }>, number];
      const term = maxTerm(ev) + 1;
      const prefix: string[] = [];
      for (let k = 1; k < a.index; k++) {
        const d = ev.find((e) => e.kind === 'applied' && e.index === k) as Extract<Event, { kind: 'applied' }> | undefined;
        prefix.push(d?.digest ?? `${term}:filler-${k}`);
      }
      const log = [...prefix, `${term}:noop`];
      const node = ids(ev)[r2 % ids(ev).length]!;
      const inc = incarnationAtEnd(ev, node);
      expect([...ev, { kind: 'observe', node, inc, s: { term, role: 'leader', commitIndex: 0, lastLogIndex: log.length, log } }],
        'leader-completeness', `a leader of term ${term} without applied entry ${a.index}`);
    }

    // A vote granted twice in a term: a second node observed as leader of that term.
    const leaderObs = ev.map((e, i) => [e, i] as const).filter(([e]) => e.kind === 'observe' && e.s.role === 'leader');
    if (leaderObs.length > 0) {
      const [l, at] = leaderObs[r1 % leaderObs.length]! as readonly [Extract<Event, { kind: 'observe' }>, number];
      const last = lastObservations(ev, at);
      const other = ids(ev).find((id) => id !== l.node && (last.get(id)?.s.term ?? 0) <= l.s.term);
      if (other !== undefined) {
        const inc = incarnationAt(ev, other, at);
        expect(inserted(ev, at, { kind: 'observe', node: other, inc, s: { ...l.s, commitIndex: 0 } }),
          'election-safety', `${other} also leader of term ${l.s.term}`);
      }
    }

    // An entry overwritten below the commit index: a node's committed entry j changes.
    const committed = ev.map((e, i) => [e, i] as const).filter(([e]) => e.kind === 'observe' && Math.min(e.s.commitIndex, e.s.lastLogIndex) >= 1);
    if (committed.length > 0) {
      const [c, at] = committed[r2 % committed.length]! as readonly [Extract<Event, { kind: 'observe' }>, number];
      const upTo = Math.min(c.s.commitIndex, c.s.lastLogIndex);
      const j = 1 + (r1 % upTo);
      const log = [...(c.s.log ?? []).slice(0, j - 1), `${c.s.term}:overwritten`];
      expect(inserted(ev, at, { kind: 'observe', node: c.node, inc: c.inc, s: { ...c.s, commitIndex: j, lastLogIndex: j, log } }),
        'state-machine-safety', `${c.node}'s committed entry ${j} overwritten`);
    }

    // A report that breaks the contract: the same incarnation reports a lower term.
    const termed = ev.map((e, i) => [e, i] as const).filter(([e]) => e.kind === 'observe' && e.s.term >= 1);
    if (termed.length > 0) {
      const [o, at] = termed[r1 % termed.length]! as readonly [Extract<Event, { kind: 'observe' }>, number];
      expect(inserted(ev, at, { kind: 'observe', node: o.node, inc: o.inc, s: { ...o.s, term: o.s.term - 1, role: 'follower' } }),
        'report-contract', `${o.node}'s term going down`);
    }
  }), { ...FC, numRuns: 80 });
  t.comment(`mutations flagged: ${JSON.stringify(hits)}`);
  for (const k of ['leader-completeness', 'election-safety', 'state-machine-safety', 'report-contract']) t.ok((hits[k] ?? 0) >= 40, `${k}: ${hits[k] ?? 0} mutated histories`);
});

t.test('a committed entry changing without a crash is state-machine-safety; after a crash the prefix is re-learnt', async (t) => {
  const run = new FakeRun();
  const c = new RaftSafetyChecker(run, () => '');
  const n1 = { id: 'n1', incarnation: 1 };
  c.observe(n1, { term: 1, role: 'follower', commitIndex: 2, lastLogIndex: 2, log: ['1:a', '1:b'] });
  c.crashed(n1);
  // After a crash the node may report less (lost unsynced writes), and a different uncommitted tail.
  c.observe({ id: 'n1', incarnation: 2 }, { term: 1, role: 'follower', commitIndex: 0, lastLogIndex: 1, log: ['1:a'] });
  c.observe({ id: 'n1', incarnation: 2 }, { term: 2, role: 'follower', commitIndex: 1, lastLogIndex: 2, log: ['1:a', '2:c'] });
  t.same(run.kinds(), []);
  c.observe({ id: 'n1', incarnation: 2 }, { term: 2, role: 'follower', commitIndex: 1, lastLogIndex: 1, log: ['2:x'] });
  t.same(run.kinds(), ['state-machine-safety']);
  t.match(run.recorded[0]!.message, /n1 reported entry 1 committed \(commit index 1 at step \d+\), then 2:x there instead of 1:a, without a crash in between/);
});

function ids(events: readonly Event[]): string[] {
  return [...new Set(events.map((e) => e.node))].sort();
}

function incarnationAt(events: readonly Event[], node: string, at: number): number {
  let inc = 1;
  for (let i = 0; i <= at; i++) {
    const e = events[i]!;
    if (e.node === node) inc = e.kind === 'crash' ? e.inc + 1 : e.inc;
  }
  return inc;
}

function incarnationAtEnd(events: readonly Event[], node: string): number {
  return incarnationAt(events, node, events.length - 1);
}
