/**
 * arcadedb-phase2: a 3-node Raft-replicated page store whose locally-originated writes are applied
 * in two phases, modelled on ArcadeDB's HA layer.
 *
 * Bug report: ArcadeData/arcadedb issue #5407,
 *   https://github.com/ArcadeData/arcadedb/issues/5407
 *   "HA: leader crash between Raft commit and phase-2 apply permanently loses a locally-originated
 *   write".
 *
 * The bug: for a write that originates on the leader, the local page write is "phase 2", which runs
 * after Raft has replicated and committed the entry. When the entry commits, the leader's state
 * machine skips the data apply (the write is local, phase 2 will do it) but still durably advances
 * its persisted applied index past the entry. If the leader crashes after the commit and before
 * phase 2 wrote the page, it restarts believing the entry applied (its applied index says so) and
 * never applies it again: the restarted old leader permanently lacks a write the other replicas hold.
 *
 * The model: nodes n1..n3 run Raft (persistent term, vote and log, synced before any reply; a §8
 * no-op on election; heartbeats). A leader originates a write every WRITE_EVERY_MS, for
 * the whole run. A committed entry is applied to the page store (`page:<index>` in ctx.storage),
 * together with the persisted applied index, in one synced batch; followers apply every entry so.
 * For an entry the leader originated in this incarnation, phase 2 (a task that takes
 * PAGE_WRITE_MS of disk time) writes the page once the entry is committed.
 * - `correct`: the state machine stops at a locally-originated entry whose phase 2 is pending and
 *   leaves the applied index before it; phase 2 writes the page and advances the applied index in
 *   one synced batch, then the state machine goes on. A crash in between leaves the entry
 *   unapplied, and the restarted node applies it from its log (its phase 2 died with it).
 * - `buggy` (the published bug): the state machine skips the page write of a locally-originated
 *   entry but advances and syncs the applied index past it at once; phase 2 writes the page later.
 *   A crash of the leader between the commit and phase 2 (the default weather's `crash` fault,
 *   nothing aimed at it) restarts it with the applied index past a page it never wrote.
 *
 * Checks: the Raft reporting contract (ctx.observe after every change of term, role, commit index
 * or log, with a log of `${term}:${cmd}` digests; ctx.applied for every page written, re-applies
 * after a restart included), so the harness checks election safety, log matching, leader
 * completeness, state-machine safety and liveness; and the node's own durability rule, asserted
 * whenever a node starts: every index up to its persisted applied index has its page on disk.
 * The buggy variant fails that assertion on the restart of an old leader that crashed inside the
 * window ("n1 restarted with applied index 7 but no page for entry 7").
 */
import type { NodeContext, Target } from 'interleave';

type Entry = { term: number; cmd: string; origin: string };
type Msg =
  | { type: 'vote'; from: string; term: number; lastIndex: number; lastTerm: number }
  | { type: 'voteResp'; from: string; term: number; granted: boolean }
  | { type: 'append'; from: string; term: number; prevIndex: number; prevTerm: number; entries: Entry[]; commit: number }
  | { type: 'appendResp'; from: string; term: number; success: boolean; match: number };

const NODES = ['n1', 'n2', 'n3'];
const HEARTBEAT_MS = 50;
const ELECTION_MIN_MS = 150;
const ELECTION_SPREAD_MS = 150;
const WRITE_EVERY_MS = 100;
const PAGE_WRITE_MS = 2;

const target = {
  name: 'arcadedb-phase2',
  description: 'ArcadeDB HA #5407: a leader crash between Raft commit and phase-2 apply loses a local write',
  variants: ['correct', 'buggy'],
  expect: { correct: 'pass', buggy: 'assert' },
  // No leader lease and no signalLeadership: plain Raft, observed.
  ignore: ['leadership-overlap'],
  setup(sim, { variant }) {
    const buggy = variant === 'buggy';
    for (const id of NODES) sim.node<Msg>(id, (ctx) => node(ctx, buggy, (n) => sim.randomInt(n)));
  },
} satisfies Target;

export default target;

const digest = (e: Entry): string => `${e.term}:${e.cmd}`;

async function node(ctx: NodeContext<Msg>, buggy: boolean, randomInt: (n: number) => number): Promise<void> {
  const peers = NODES.filter((p) => p !== ctx.id);
  const st = ctx.storage;
  let term = st.get<number>('term') ?? 0;
  let votedFor = st.get<string>('vote') ?? '';
  const log: Entry[] = [...(st.get<Entry[]>('log') ?? [])];
  let applied = st.get<number>('applied') ?? 0;
  // The durability rule: the applied index never runs ahead of the pages on disk.
  for (let i = 1; i <= applied; i++) {
    ctx.assert(st.get<string>(`page:${i}`) !== undefined,
      `${ctx.id} restarted (incarnation ${ctx.incarnation}) with applied index ${applied} but no page for entry ${i}`);
  }
  let commit = applied;
  let role: 'follower' | 'candidate' | 'leader' = 'follower';
  let votes = new Set<string>();
  const next = new Map<string, number>();
  const match = new Map<string, number>();
  const pending = new Set<number>(); // indexes this incarnation originated, awaiting phase 2
  const phase2Started = new Set<number>();
  let writes = st.get<number>('writes') ?? 0;
  let electionAt = ctx.now() + ELECTION_MIN_MS + randomInt(ELECTION_SPREAD_MS);
  let heartbeatAt = 0;
  let writeAt = 0;

  const lastTerm = (): number => (log.length === 0 ? 0 : log[log.length - 1]!.term);
  const observe = (): void => {
    ctx.observe({ term, role, commitIndex: commit, lastLogIndex: log.length, log: log.map(digest) });
  };
  const persist = (): void => {
    st.set('term', term);
    st.set('vote', votedFor);
    st.set('log', [...log]);
    st.sync();
  };
  const becomeFollower = (t: number): void => {
    if (t > term) { term = t; votedFor = ''; }
    role = 'follower';
    persist();
    observe();
  };
  const writePage = (i: number): void => {
    const e = log[i - 1]!;
    st.set(`page:${i}`, digest(e));
  };
  const phase2 = (i: number): void => {
    if (phase2Started.has(i)) return;
    phase2Started.add(i);
    ctx.spawn(`phase2-${i}`, async () => {
      await ctx.sleep(PAGE_WRITE_MS); // the local page write takes disk time
      const e = log[i - 1]!;
      writePage(i);
      if (!buggy) {
        applied = i; // the state machine stopped before i: advance it now, with the page
        st.set('applied', applied);
      }
      st.sync();
      pending.delete(i);
      ctx.applied(i, digest(e), e.term);
      if (!buggy) applyCommitted();
    });
  };
  const applyCommitted = (): void => {
    while (applied < commit && applied < log.length) {
      const i = applied + 1;
      const e = log[i - 1]!;
      if (e.origin === ctx.id && pending.has(i)) {
        if (!buggy) { phase2(i); return; } // wait for phase 2 to write it
        // The published bug: skip the data (phase 2 will write it), advance the applied index.
        applied = i;
        st.set('applied', applied);
        st.sync();
        phase2(i);
        continue;
      }
      writePage(i);
      applied = i;
      st.set('applied', applied);
      st.sync();
      ctx.applied(i, digest(e), e.term);
    }
  };
  const sendAppend = (p: string): void => {
    const ni = next.get(p) ?? log.length + 1;
    const prevIndex = ni - 1;
    const prevTerm = prevIndex === 0 ? 0 : log[prevIndex - 1]!.term;
    ctx.send(p, { type: 'append', from: ctx.id, term, prevIndex, prevTerm, entries: log.slice(prevIndex, prevIndex + 8), commit });
  };
  const advanceCommit = (): void => {
    for (let n = log.length; n > commit; n--) {
      if (log[n - 1]!.term !== term) break;
      let count = 1;
      for (const p of peers) if ((match.get(p) ?? 0) >= n) count++;
      if (count * 2 > NODES.length) {
        commit = n;
        observe();
        applyCommitted();
        break;
      }
    }
  };
  const appendLocal = (cmd: string, origin: string): void => {
    log.push({ term, cmd, origin });
    persist();
    if (origin === ctx.id) pending.add(log.length);
    observe();
    for (const p of peers) sendAppend(p);
  };

  observe();
  if (commit > 0 || log.length > 0) applyCommitted();

  for (;;) {
    const now = ctx.now();
    if (role === 'leader') {
      if (now >= heartbeatAt) { for (const p of peers) sendAppend(p); heartbeatAt = now + HEARTBEAT_MS; }
      if (now >= writeAt) {
        writes++;
        st.set('writes', writes);
        appendLocal(`w${ctx.id}-${writes}`, ctx.id);
        writeAt = now + WRITE_EVERY_MS;
      }
    } else if (now >= electionAt) {
      term++;
      votedFor = ctx.id;
      role = 'candidate';
      votes = new Set([ctx.id]);
      persist();
      observe();
      for (const p of peers) ctx.send(p, { type: 'vote', from: ctx.id, term, lastIndex: log.length, lastTerm: lastTerm() });
      electionAt = now + ELECTION_MIN_MS + randomInt(ELECTION_SPREAD_MS);
    }
    const wake = role === 'leader' ? Math.min(heartbeatAt, writeAt) : electionAt;
    const m = await ctx.recv({ timeoutMs: Math.max(1, wake - ctx.now()) });
    if (m === undefined) continue;
    if (m.term > term) becomeFollower(m.term);
    switch (m.type) {
      case 'vote': {
        const upToDate = m.lastTerm > lastTerm() || (m.lastTerm === lastTerm() && m.lastIndex >= log.length);
        const granted = m.term === term && (votedFor === '' || votedFor === m.from) && upToDate;
        if (granted) {
          votedFor = m.from;
          persist();
          electionAt = ctx.now() + ELECTION_MIN_MS + randomInt(ELECTION_SPREAD_MS);
        }
        ctx.send(m.from, { type: 'voteResp', from: ctx.id, term, granted });
        break;
      }
      case 'voteResp': {
        if (role !== 'candidate' || m.term !== term || !m.granted) break;
        votes.add(m.from);
        if (votes.size * 2 > NODES.length) {
          role = 'leader';
          for (const p of peers) { next.set(p, log.length + 1); match.set(p, 0); }
          observe(); // report leading before anything it commits is applied
          appendLocal('noop', '');
          heartbeatAt = ctx.now() + HEARTBEAT_MS;
          writeAt = ctx.now();
        }
        break;
      }
      case 'append': {
        if (m.term < term) { ctx.send(m.from, { type: 'appendResp', from: ctx.id, term, success: false, match: 0 }); break; }
        if (role !== 'follower') { role = 'follower'; observe(); }
        electionAt = ctx.now() + ELECTION_MIN_MS + randomInt(ELECTION_SPREAD_MS);
        const ok = m.prevIndex === 0 || (m.prevIndex <= log.length && log[m.prevIndex - 1]!.term === m.prevTerm);
        if (!ok) { ctx.send(m.from, { type: 'appendResp', from: ctx.id, term, success: false, match: Math.min(log.length, m.prevIndex - 1) }); break; }
        let changed = false;
        for (let k = 0; k < m.entries.length; k++) {
          const idx = m.prevIndex + 1 + k;
          const e = m.entries[k]!;
          if (idx <= log.length) {
            if (log[idx - 1]!.term === e.term) continue;
            log.length = idx - 1; // a conflicting (uncommitted) suffix
          }
          log.push(e);
          changed = true;
        }
        if (changed) persist();
        const lastNew = m.prevIndex + m.entries.length;
        const newCommit = Math.max(commit, Math.min(m.commit, lastNew));
        if (changed || newCommit !== commit) { commit = newCommit; observe(); }
        applyCommitted();
        ctx.send(m.from, { type: 'appendResp', from: ctx.id, term, success: true, match: lastNew });
        break;
      }
      case 'appendResp': {
        if (role !== 'leader' || m.term !== term) break;
        if (m.success) {
          match.set(m.from, Math.max(match.get(m.from) ?? 0, m.match));
          next.set(m.from, Math.max(next.get(m.from) ?? 1, m.match + 1));
          advanceCommit();
          if ((next.get(m.from) ?? 1) <= log.length) sendAppend(m.from);
        } else {
          next.set(m.from, Math.max(1, Math.min((next.get(m.from) ?? 1) - 1, m.match + 1)));
          sendAppend(m.from);
        }
        break;
      }
    }
  }
}
