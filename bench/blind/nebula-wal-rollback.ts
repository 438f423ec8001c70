/**
 * nebula-wal-rollback: a 3-node Raft in the style of Nebula Graph's RaftPart, whose in-memory last
 * log id (lastLogId) and write-ahead log (WAL) are kept apart.
 *
 * Bug report: vesoft-inc/nebula PR #2419, https://github.com/vesoft-inc/nebula/pull/2419
 *
 * The bug (two faults, both in `buggy`):
 * (a) a node rejects a vote request from the candidate it already voted for in the same term (a
 *     request retried after a timeout, its first answer lost or late);
 * (b) a leader that steps down to follower (on voting for a higher-term candidate, or on hearing a
 *     higher term) does not roll its WAL back to its in-memory lastLogId, so the WAL keeps the
 *     uncommitted entry that leader was replicating while lastLogId does not count it. The two
 *     disagree, every later WAL append at lastLogId + 1 fails, and the node can never follow (a
 *     follower whose appends fail) or lead (a "fake leader" that cannot replicate) until it restarts.
 * The published timing: machine1 leads term N and sends log N to machines 2 and 3; machine3 misses
 * it and starts an election for N+1; machine1, whose lastLogId does not count the unacknowledged
 * entry yet, votes for machine3 and steps down without rolling back.
 *
 * The model: as in Nebula, a leader writes a new entry to its WAL at lastLogId + 1 and replicates
 * it, one entry in flight at a time; lastLogId (and the commit index) move only when a quorum has
 * it. Votes compare the candidate's last log (id, term) with the voter's in-memory
 * lastLogId/lastLogTerm. A follower appends when the leader's prev id equals its lastLogId, and
 * rolls its WAL back when the prev id is below it. A WAL append must be at the WAL's own last id
 * + 1 (Nebula's FileBasedWal refuses a gap or an overlap). Candidates resend vote requests every
 * VOTE_RETRY_MS until their election timeout. Leaders propose an entry every PROPOSE_EVERY_MS.
 * - `correct`: a voter grants a retried request of the candidate it voted for; a leader stepping
 *   down rolls the WAL back to lastLogId.
 * - `buggy`: (a) and (b) above, under the default weather (nothing aimed at the bug).
 *
 * Checks: the Raft reporting contract (ctx.observe with the WAL as the log, `${term}:${cmd}`
 * digests; ctx.applied for every applied entry), so election safety, log matching, leader
 * completeness, state-machine safety and liveness are checked by the harness; and ctx.assert that
 * a WAL append never fails (in Nebula it is an error, "append logs to WAL failed"): `buggy` trips
 * it when a node whose WAL and lastLogId disagree follows or leads.
 */
import type { NodeContext, Target } from 'interleave';

type Entry = { term: number; cmd: string };
type Msg =
  | { type: 'vote'; from: string; term: number; lastId: number; lastTerm: number }
  | { type: 'voteResp'; from: string; term: number; granted: boolean }
  | { type: 'append'; from: string; term: number; prevId: number; prevTerm: number; entries: Entry[]; commit: number }
  | { type: 'appendResp'; from: string; term: number; success: boolean; lastId: number };

const NODES = ['n1', 'n2', 'n3'];
const HEARTBEAT_MS = 50;
const ELECTION_MIN_MS = 150;
const ELECTION_SPREAD_MS = 150;
const VOTE_RETRY_MS = 30;
const PROPOSE_EVERY_MS = 100;

const target = {
  name: 'nebula-wal-rollback',
  description: 'Nebula PR #2419: retried votes rejected; a stepped-down leader keeps its WAL tail',
  variants: ['correct', 'buggy'],
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
  const wal: Entry[] = [...(st.get<Entry[]>('wal') ?? [])];
  // On start, the in-memory last log id is read from the WAL.
  let lastLogId = wal.length;
  let lastLogTerm = wal.length === 0 ? 0 : wal[wal.length - 1]!.term;
  let commit = 0;
  let applied = 0;
  let role: 'follower' | 'candidate' | 'leader' = 'follower';
  let votes = new Set<string>();
  const nextId = new Map<string, number>();
  const matchId = new Map<string, number>();
  let proposals = 0;
  const newElectionAt = (): number => ctx.now() + ELECTION_MIN_MS + randomInt(ELECTION_SPREAD_MS);
  let electionAt = newElectionAt();
  let voteRetryAt = 0;
  let heartbeatAt = 0;
  let proposeAt = 0;

  const observe = (): void => {
    ctx.observe({ term, role, commitIndex: commit, lastLogIndex: wal.length, log: wal.map(digest) });
  };
  const persist = (): void => {
    st.set('term', term);
    st.set('vote', votedFor);
    st.set('wal', [...wal]);
    st.sync();
  };
  /** FileBasedWal::appendLog: the id must follow the WAL's own last id. */
  const walAppend = (id: number, e: Entry): boolean => {
    if (id !== wal.length + 1) {
      ctx.assert(false, `${ctx.id}: WAL append of log ${id} failed: the WAL's last log id is ${wal.length}, lastLogId is ${lastLogId} (${role}, term ${term})`);
      return false;
    }
    wal.push(e);
    return true;
  };
  const rollbackTo = (id: number): void => {
    if (wal.length > id) wal.length = id;
  };
  const apply = (): void => {
    while (applied < commit) {
      applied++;
      const e = wal[applied - 1]!;
      ctx.applied(applied, digest(e), e.term);
    }
  };
  const stepDown = (t: number): void => {
    const wasLeader = role === 'leader';
    if (t > term) { term = t; votedFor = ''; }
    if (wasLeader && !buggy) rollbackTo(lastLogId); // the fix: drop the uncommitted WAL tail
    role = 'follower';
    persist();
    observe();
  };
  const sendAppend = (p: string): void => {
    const ni = Math.min(nextId.get(p) ?? wal.length + 1, wal.length + 1);
    const prevId = ni - 1;
    const prevTerm = prevId === 0 ? 0 : wal[prevId - 1]!.term;
    ctx.send(p, { type: 'append', from: ctx.id, term, prevId, prevTerm, entries: wal.slice(prevId, prevId + 8), commit });
  };
  const sendVotes = (): void => {
    for (const p of peers) if (!votes.has(p)) ctx.send(p, { type: 'vote', from: ctx.id, term, lastId: lastLogId, lastTerm: lastLogTerm });
  };
  /** A leader writes a new entry at lastLogId + 1, only when nothing is in flight. */
  const propose = (cmd: string): void => {
    if (wal.length !== lastLogId && !buggy) return;
    if (!walAppend(lastLogId + 1, { term, cmd })) return;
    persist();
    observe();
    for (const p of peers) sendAppend(p);
  };
  const leaderCheckQuorum = (): void => {
    const inflight = wal.length;
    if (inflight <= lastLogId) return;
    let count = 1;
    for (const p of peers) if ((matchId.get(p) ?? 0) >= inflight) count++;
    if (count * 2 > NODES.length) {
      lastLogId = inflight;
      lastLogTerm = wal[inflight - 1]!.term;
      commit = lastLogId;
      observe();
      apply();
    }
  };

  observe();

  for (;;) {
    const now = ctx.now();
    if (role === 'leader') {
      if (now >= heartbeatAt) { for (const p of peers) sendAppend(p); heartbeatAt = now + HEARTBEAT_MS; }
      if (now >= proposeAt && wal.length === lastLogId) { proposals++; propose(`${ctx.id}-${term}-${proposals}`); proposeAt = now + PROPOSE_EVERY_MS; }
    } else if (now >= electionAt) {
      term++;
      votedFor = ctx.id;
      role = 'candidate';
      votes = new Set([ctx.id]);
      persist();
      observe();
      sendVotes();
      voteRetryAt = now + VOTE_RETRY_MS;
      electionAt = newElectionAt();
    } else if (role === 'candidate' && now >= voteRetryAt) {
      sendVotes(); // the RPC timed out: ask again, same term
      voteRetryAt = now + VOTE_RETRY_MS;
    }
    const wake = role === 'leader' ? Math.min(heartbeatAt, Math.max(proposeAt, now + 1))
      : role === 'candidate' ? Math.min(electionAt, voteRetryAt) : electionAt;
    const m = await ctx.recv({ timeoutMs: Math.max(1, wake - ctx.now()) });
    if (m === undefined) continue;
    if (m.term > term) stepDown(m.term);
    switch (m.type) {
      case 'vote': {
        const upToDate = m.lastTerm > lastLogTerm || (m.lastTerm === lastLogTerm && m.lastId >= lastLogId);
        const free = buggy ? votedFor === '' : votedFor === '' || votedFor === m.from;
        const granted = m.term === term && role === 'follower' && free && upToDate;
        if (granted) {
          votedFor = m.from;
          persist();
          electionAt = newElectionAt();
        }
        ctx.send(m.from, { type: 'voteResp', from: ctx.id, term, granted });
        break;
      }
      case 'voteResp': {
        if (role !== 'candidate' || m.term !== term || !m.granted) break;
        votes.add(m.from);
        if (votes.size * 2 > NODES.length) {
          role = 'leader';
          for (const p of peers) { nextId.set(p, lastLogId + 1); matchId.set(p, 0); }
          observe(); // report leading before anything it commits is applied
          heartbeatAt = ctx.now();
          proposeAt = ctx.now();
          propose(`noop-${term}`);
        }
        break;
      }
      case 'append': {
        if (m.term < term) { ctx.send(m.from, { type: 'appendResp', from: ctx.id, term, success: false, lastId: lastLogId }); break; }
        if (role !== 'follower') stepDown(m.term);
        electionAt = newElectionAt();
        let ok = false;
        if (m.prevId <= lastLogId && (m.prevId === 0 || wal[m.prevId - 1]?.term === m.prevTerm)) {
          ok = true;
          for (let k = 0; k < m.entries.length; k++) {
            const id = m.prevId + 1 + k;
            const e = m.entries[k]!;
            if (id <= lastLogId) {
              if (wal[id - 1]!.term === e.term) continue; // already have it (a late or duplicated append)
              // Nebula: a conflict below our last id: roll the WAL and lastLogId back before it.
              rollbackTo(id - 1);
              lastLogId = id - 1;
              lastLogTerm = lastLogId === 0 ? 0 : wal[lastLogId - 1]!.term;
            }
            if (!walAppend(id, e)) { ok = false; break; }
            lastLogId = id;
            lastLogTerm = e.term;
          }
          persist();
          if (ok) {
            const newCommit = Math.max(commit, Math.min(m.commit, m.prevId + m.entries.length));
            if (newCommit !== commit) { commit = newCommit; apply(); }
          }
          observe();
        } else if (m.prevId <= lastLogId && m.prevId > commit) {
          // prev term mismatch below our last id: drop from prev on
          rollbackTo(Math.max(commit, m.prevId - 1));
          lastLogId = wal.length;
          lastLogTerm = lastLogId === 0 ? 0 : wal[lastLogId - 1]!.term;
          persist();
          observe();
        }
        ctx.send(m.from, { type: 'appendResp', from: ctx.id, term, success: ok, lastId: lastLogId });
        break;
      }
      case 'appendResp': {
        if (role !== 'leader' || m.term !== term) break;
        if (m.success) {
          matchId.set(m.from, Math.max(matchId.get(m.from) ?? 0, m.lastId));
          nextId.set(m.from, m.lastId + 1);
          leaderCheckQuorum();
        } else {
          nextId.set(m.from, Math.max(1, m.lastId + 1));
        }
        break;
      }
    }
  }
}
