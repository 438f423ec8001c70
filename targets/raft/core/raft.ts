import { fail, invariant } from './assert.js';
import { resolveConfig, type Resolved } from './config.js';
import { RaftLog } from './log.js';
import type {
  AppendRequest,
  AppendResponse,
  Config,
  Entry,
  HardState,
  Heartbeat,
  HeartbeatResponse,
  Message,
  PersistedState,
  Ready,
  Role,
  SoftState,
  VoteRequest,
  VoteResponse,
} from './types.js';

/** The leader's view of one follower (Figure 2, "Volatile state on leaders"). */
interface Progress {
  /** Highest index known replicated; only ever grows within a term. */
  match: number;
  /** Next index to send; always in [match + 1, lastIndex + 1]. */
  next: number;
  /** Latest of our own ticks whose send this peer acknowledged: the lease evidence. */
  ackedTick: number;
}

const NEVER = Number.NEGATIVE_INFINITY;


/**
 * A Raft node as a pure state machine in the style of etcd-io/raft's RawNode. Inputs: tick(),
 * step(msg), propose(data). Output: ready() batches the caller persists, sends and applies, then
 * acknowledges with advance(rd). Between ready() and advance() the node accepts no input.
 */
export class RaftNode {
  private readonly cfg: Resolved;
  private readonly log: RaftLog;
  private curTerm: number;
  private votedFor: string | null;
  private curRole: Role = 'follower';
  private curLeader: string | null = null;
  /** Local tick counter; volatile, only ever compared with itself. */
  private now = 0;
  private electionElapsed = 0;
  private heartbeatElapsed = 0;
  private electionTimeout = 0;
  private readonly votes = new Map<string, boolean>();
  private campaignTick = 0;
  private readonly progress = new Map<string, Progress>();
  /** When we last heard from a leader or granted a vote, and to whom: gates higher-term votes. */
  private stickyTick = NEVER;
  private stickyTo: string | null = null;
  private msgs: Message[] = [];
  private prevSoft: SoftState;
  private prevHard: HardState;
  private pending: Ready | null = null;

  constructor(config: Config, persisted?: PersistedState) {
    this.cfg = resolveConfig(config);
    const hs = persisted?.hardState ?? { term: 0, vote: null, commit: 0 };
    invariant(hs.term >= 0 && (hs.vote === null || config.peers.includes(hs.vote)), 'persisted hard state');
    this.log = new RaftLog(persisted?.entries ?? [], hs.commit, persisted?.applied ?? 0, !this.cfg.safetyBugs);
    if (!(this.log.lastTerm() <= hs.term)) fail(`log term ${this.log.lastTerm()} above persisted term ${hs.term}`);
    this.curTerm = hs.term;
    this.votedFor = hs.vote;
    this.prevHard = { ...hs };
    this.prevSoft = { role: 'follower', leader: null, term: hs.term };
    this.resetElectionTimer();
    // We cannot know whether we acked a leader (or granted a vote) just before a crash, so a
    // fresh start is treated as such a contact: without this a restart would void the lease.
    if (this.cfg.sticky) this.stickyTick = 0;
  }

  // ---- read-only views for observers ----

  get id(): string {
    return this.cfg.id;
  }
  get role(): Role {
    return this.curRole;
  }
  get term(): number {
    return this.curTerm;
  }
  get vote(): string | null {
    return this.votedFor;
  }
  get leader(): string | null {
    return this.curLeader;
  }
  get commitIndex(): number {
    return this.log.committed;
  }
  get appliedIndex(): number {
    return this.log.applied;
  }
  get lastIndex(): number {
    return this.log.lastIndex();
  }
  termAt(i: number): number | undefined {
    return this.log.termAt(i);
  }
  entryAt(i: number): Entry | undefined {
    return this.log.entryAt(i);
  }

  // ---- inputs ----

  tick(): void {
    this.assertAdvanced('tick');
    this.now++;
    if (this.curRole === 'leader') this.tickLeader();
    else this.tickElection();
  }

  /** Returns false unless this node is the leader; the entry is only durable once committed. */
  propose(data: string): boolean {
    this.assertAdvanced('propose');
    invariant(data !== '', "empty data is reserved for the leader's no-op");
    if (this.curRole !== 'leader') return false;
    this.log.appendNew(this.curTerm, data);
    this.broadcastAppend();
    this.maybeCommit();
    return true;
  }

  step(m: Message): void {
    this.assertAdvanced('step');
    if (m.to !== this.cfg.id) fail(`message for ${m.to} stepped into ${this.cfg.id}`);
    if (!(m.from !== this.cfg.id && this.cfg.others.includes(m.from))) fail(`message from non-peer ${m.from}`);
    if (m.term > this.curTerm && !this.adoptHigherTerm(m)) return;
    if (m.term < this.curTerm) {
      this.answerStale(m);
      return;
    }
    this.dispatch(m);
  }

  // ---- output ----

  hasReady(): boolean {
    return (
      this.msgs.length > 0 ||
      this.log.hasUnstable() ||
      this.log.committed > this.log.applied ||
      this.softChanged() ||
      this.hardChanged()
    );
  }

  ready(): Ready {
    invariant(this.pending === null, 'ready() called again before advance()');
    const soft = this.softState();
    const hard = this.hardState();
    const rd: Ready = {
      ...(soft ? { softState: soft } : {}),
      ...(hard ? { hardState: hard } : {}),
      entries: this.log.unstableEntries(),
      messages: this.msgs,
      committedEntries: this.log.nextCommitted(),
    };
    this.msgs = [];
    this.pending = rd;
    return rd;
  }

  /** The caller has persisted, sent and applied everything in rd. */
  advance(rd: Ready): void {
    invariant(rd === this.pending, 'advance() with a Ready that is not the outstanding one');
    if (rd.softState) this.prevSoft = rd.softState;
    if (rd.hardState) this.prevHard = rd.hardState;
    const lastEntry = rd.entries[rd.entries.length - 1];
    if (lastEntry) this.log.stableTo(lastEntry.index);
    const lastApplied = rd.committedEntries[rd.committedEntries.length - 1];
    if (lastApplied) this.log.appliedTo(lastApplied.index);
    this.pending = null;
  }

  // hasReady asks these on every pass of the run loop: compared in place, no object made.
  private softChanged(): boolean {
    const p = this.prevSoft;
    return this.curRole !== p.role || this.curLeader !== p.leader || this.curTerm !== p.term;
  }

  private hardChanged(): boolean {
    const p = this.prevHard;
    return this.curTerm !== p.term || this.votedFor !== p.vote || this.log.committed !== p.commit;
  }

  private softState(): SoftState | undefined {
    const s = { role: this.curRole, leader: this.curLeader, term: this.curTerm };
    const p = this.prevSoft;
    return s.role === p.role && s.leader === p.leader && s.term === p.term ? undefined : s;
  }

  private hardState(): HardState | undefined {
    const h = { term: this.curTerm, vote: this.votedFor, commit: this.log.committed };
    const p = this.prevHard;
    return h.term === p.term && h.vote === p.vote && h.commit === p.commit ? undefined : h;
  }

  private assertAdvanced(what: string): void {
    if (this.pending !== null) fail(`${what}() while a Ready is outstanding: call advance() first`);
  }

  // Each message is written out whole, `from` last: spreading a shared part in (`{ ...base, x }`)
  // cost a Raft run about 7% (profile). The key order is what it was, since reports print it.
  private send(m: Message): void {
    this.msgs.push(m);
  }

  private appendResp(m: AppendRequest, success: boolean, matchIndex: number, rejectedIndex: number, hintIndex: number): void {
    this.send({
      type: 'append-resp', to: m.from, term: this.curTerm, sentTick: m.sentTick, epoch: m.epoch,
      success, matchIndex, rejectedIndex, hintIndex, from: this.cfg.id,
    });
  }

  // ---- timers ----

  private resetElectionTimer(): void {
    const { electionMin, electionMax, bugs } = this.cfg;
    this.electionElapsed = 0;
    if (bugs.fixedElectionTimeout) {
      this.electionTimeout = electionMin;
      return;
    }
    // §5.2: a fresh random draw on every reset is what breaks split votes.
    const r = this.cfg.randomInt(electionMax - electionMin);
    if (!(Number.isInteger(r) && r >= 0 && r < electionMax - electionMin)) fail(`randomInt returned ${r}`);
    this.electionTimeout = electionMin + r;
  }

  private tickElection(): void {
    this.electionElapsed++;
    if (this.electionElapsed < this.electionTimeout) return;
    if (this.cfg.preVote) this.becomePreCandidate();
    else this.becomeCandidate();
  }

  private tickLeader(): void {
    if (this.leaseExpired()) {
      // Same term: stepping down is not evidence of a newer leader.
      this.becomeFollower(this.curTerm, null);
      return;
    }
    this.heartbeatElapsed++;
    if (this.heartbeatElapsed < this.cfg.heartbeatTicks) return;
    this.heartbeatElapsed = 0;
    this.broadcastHeartbeat();
  }

  /** True when fewer than a quorum (counting us) acknowledged a send from the last window ticks. */
  private leaseExpired(): boolean {
    const window = this.cfg.stepDownWindow;
    if (window === null) return false;
    let fresh = 1;
    for (const pr of this.progress.values()) if (this.now - pr.ackedTick < window) fresh++;
    return fresh < this.cfg.quorum;
  }

  /** Stickiness: while a leader (or a candidate we voted for) may hold a lease, deny others. */
  private inLease(from: string): boolean {
    if (!this.cfg.sticky) return false;
    if (this.curRole === 'leader') return true;
    return this.stickyTo !== from && this.now - this.stickyTick < this.cfg.electionMin;
  }

  private touchSticky(from: string): void {
    this.stickyTick = this.now;
    this.stickyTo = from;
  }

  // ---- role transitions (§5.2) ----

  private becomeFollower(term: number, leader: string | null): void {
    if (!(term >= this.curTerm)) fail(`becomeFollower to older term ${term} < ${this.curTerm}`);
    if (term > this.curTerm) {
      this.curTerm = term;
      this.votedFor = null;
    }
    this.curRole = 'follower';
    this.curLeader = leader;
    this.progress.clear();
    this.votes.clear();
    this.resetElectionTimer();
  }

  private becomePreCandidate(): void {
    invariant(this.curRole !== 'leader', 'leader cannot pre-campaign');
    // §9.6: ask first whether we could win, without disturbing anyone's term.
    this.curRole = 'precandidate';
    this.curLeader = null;
    this.startPoll('prevote', this.curTerm + 1);
  }

  private becomeCandidate(): void {
    invariant(this.curRole !== 'leader', 'leader cannot campaign');
    this.curTerm++;
    this.votedFor = this.cfg.id;
    this.curRole = 'candidate';
    this.curLeader = null;
    this.campaignTick = this.now;
    this.startPoll('vote', this.curTerm);
  }

  private startPoll(type: 'vote' | 'prevote', term: number): void {
    this.votes.clear();
    this.votes.set(this.cfg.id, true);
    this.resetElectionTimer();
    const lastLogIndex = this.log.lastIndex();
    const lastLogTerm = this.log.lastTerm();
    for (const to of this.cfg.others) this.send({ type, to, term, lastLogIndex, lastLogTerm, from: this.cfg.id });
    this.checkPoll();
  }

  private becomeLeader(): void {
    if (this.curRole !== 'candidate') fail(`only a candidate becomes leader, not ${this.curRole}`);
    invariant(this.votedFor === this.cfg.id, 'a leader voted for itself');
    this.curRole = 'leader';
    this.curLeader = this.cfg.id;
    this.heartbeatElapsed = 0;
    this.progress.clear();
    for (const p of this.cfg.others) {
      // A granted vote acknowledges our campaign message: it is lease evidence from campaignTick.
      const ackedTick = this.votes.get(p) === true ? this.campaignTick : NEVER;
      this.progress.set(p, { match: 0, next: this.log.lastIndex() + 1, ackedTick });
    }
    // §5.4.2 / §8: an entry of our own term is what lets earlier entries commit.
    this.log.appendNew(this.curTerm, '');
    this.broadcastAppend();
    this.maybeCommit();
  }

  // ---- message intake ----

  /** Returns false when the message must be dropped without touching our term. */
  private adoptHigherTerm(m: Message): boolean {
    if ((m.type === 'vote' || m.type === 'prevote') && this.inLease(m.from)) return false;
    // A pre-vote request, or a grant of one, carries a future term nobody has entered yet.
    if (m.type === 'prevote' || (m.type === 'prevote-resp' && m.granted)) return true;
    const fromLeader = m.type === 'append' || m.type === 'heartbeat';
    this.becomeFollower(m.term, fromLeader ? m.from : null);
    return true;
  }

  /** A stale leader or pre-candidate learns our term from the reply and stops (etcd behaviour). */
  private answerStale(m: Message): void {
    if (m.type === 'append' || m.type === 'heartbeat') {
      this.send({ type: 'append-resp', to: m.from, term: this.curTerm, success: false, matchIndex: 0, rejectedIndex: 0, hintIndex: 0, sentTick: m.sentTick, epoch: m.epoch, from: this.cfg.id });
    } else if (m.type === 'prevote') {
      this.send({ type: 'prevote-resp', to: m.from, term: this.curTerm, granted: false, from: this.cfg.id });
    }
  }

  private dispatch(m: Message): void {
    switch (m.type) {
      case 'vote':
      case 'prevote':
        return this.handleVoteRequest(m);
      case 'vote-resp':
      case 'prevote-resp':
        return this.handleVoteResponse(m);
      case 'append':
        return this.handleAppend(m);
      case 'heartbeat':
        return this.handleHeartbeat(m);
      case 'append-resp':
        return this.handleAppendResponse(m);
      case 'heartbeat-resp':
        return this.handleHeartbeatResponse(m);
    }
  }

  /** §5.2 one vote per term, §5.4.1 only for an at-least-as-up-to-date log. */
  private handleVoteRequest(m: VoteRequest): void {
    const pre = m.type === 'prevote';
    if (!(pre ? m.term >= this.curTerm : m.term === this.curTerm)) fail(`vote request term ${m.term} vs ${this.curTerm}`);
    const canVote =
      this.votedFor === m.from ||
      (this.votedFor === null && this.curLeader === null) ||
      (pre && m.term > this.curTerm);
    const grant = canVote && this.log.isUpToDate(m.lastLogIndex, m.lastLogTerm);
    const type = pre ? 'prevote-resp' : 'vote-resp';
    if (!grant) {
      this.send({ type, to: m.from, term: this.curTerm, granted: false, from: this.cfg.id });
      return;
    }
    if (!pre) {
      // Only a pre-candidate can get here without following: it never voted in this term.
      if (this.curRole === 'precandidate') this.becomeFollower(this.curTerm, null);
      if (this.curRole !== 'follower') fail(`granting a vote as ${this.curRole}`);
      this.votedFor = m.from;
      this.resetElectionTimer();
      this.touchSticky(m.from);
    }
    this.send({ type, to: m.from, term: m.term, granted: true, from: this.cfg.id });
  }

  private handleVoteResponse(m: VoteResponse): void {
    const pre = m.type === 'prevote-resp';
    const expectedRole = pre ? 'precandidate' : 'candidate';
    if (this.curRole !== expectedRole) return;
    // A grant carries the polled term, a refusal the voter's (= ours, higher ones made us follow).
    const pollTerm = pre ? this.curTerm + 1 : this.curTerm;
    if (m.granted ? m.term !== pollTerm : m.term !== this.curTerm) return;
    // First answer wins: a duplicated or reordered response cannot be counted twice.
    if (!this.votes.has(m.from)) this.votes.set(m.from, m.granted);
    this.checkPoll();
  }

  private checkPoll(): void {
    let granted = 0;
    let rejected = 0;
    for (const g of this.votes.values()) g ? granted++ : rejected++;
    invariant(granted + rejected <= this.cfg.others.length + 1, 'more votes than members');
    if (granted >= this.cfg.quorum) {
      if (this.curRole === 'precandidate') this.becomeCandidate();
      else this.becomeLeader();
    } else if (rejected >= this.cfg.quorum) {
      this.becomeFollower(this.curTerm, null);
    }
  }

  /** Any message from the leader of our term: follow it and restart the election clock. */
  private acceptLeader(from: string): void {
    if (this.curRole === 'leader') fail(`two leaders in term ${this.curTerm}: ${this.cfg.id} and ${from}`);
    if (this.curRole !== 'follower') this.becomeFollower(this.curTerm, from);
    if (!(this.curLeader === null || this.curLeader === from)) fail(`leader changed within term ${this.curTerm}`);
    this.curLeader = from;
    this.electionElapsed = 0;
    this.touchSticky(from);
  }

  /** AppendEntries receiver, Figure 2 steps 2-5. */
  private handleAppend(m: AppendRequest): void {
    this.acceptLeader(m.from);
    if (m.prevLogIndex < this.log.committed) {
      // Our committed prefix already matches the leader (Leader Completeness): report it.
      this.appendResp(m, true, this.log.committed, 0, 0);
      return;
    }
    const prevOk = this.cfg.bugs.skipPrevLogCheck
      ? m.prevLogIndex <= this.log.lastIndex()
      : this.log.matchTerm(m.prevLogIndex, m.prevLogTerm);
    if (!prevOk) {
      const hint = this.log.hintBelow(Math.min(m.prevLogIndex - 1, this.log.lastIndex()), m.prevLogTerm);
      invariant(hint < m.prevLogIndex, 'a rejection hint must move the leader back');
      this.appendResp(m, false, 0, m.prevLogIndex, hint);
      return;
    }
    this.log.mergeFrom(m.entries);
    const lastNew = m.prevLogIndex + m.entries.length;
    // Only what this message proved to match may be committed, not a stale tail (step 5).
    this.log.commitTo(Math.min(m.commit, lastNew));
    this.appendResp(m, true, lastNew, 0, 0);
  }

  private handleHeartbeat(m: Heartbeat): void {
    this.acceptLeader(m.from);
    // The leader capped commit at our known match, so that prefix is in our log.
    this.log.commitTo(Math.min(m.commit, this.log.lastIndex()));
    this.send({ type: 'heartbeat-resp', to: m.from, term: this.curTerm, sentTick: m.sentTick, epoch: m.epoch, from: this.cfg.id });
  }

  // ---- leader side (§5.3) ----

  private peerProgress(from: string): Progress | undefined {
    if (this.curRole !== 'leader') return undefined;
    const pr = this.progress.get(from);
    if (pr === undefined) fail(`leader has no progress for ${from}`);
    return pr;
  }

  private handleAppendResponse(m: AppendResponse): void {
    const pr = this.peerProgress(m.from);
    if (!pr) return;
    if (m.epoch === this.cfg.epoch) pr.ackedTick = Math.max(pr.ackedTick, m.sentTick);
    if (m.success) {
      if (m.matchIndex > this.log.lastIndex()) {
        // Only possible when a follower committed what we lack, i.e. under a safety bug.
        if (!this.cfg.safetyBugs) fail(`peer matched ${m.matchIndex} beyond our log ${this.log.lastIndex()}`);
        return;
      }
      // Responses can arrive duplicated or out of order: match only moves forward.
      if (m.matchIndex <= pr.match) return;
      pr.match = m.matchIndex;
      pr.next = Math.max(pr.next, pr.match + 1);
      this.maybeCommit();
      if (pr.match < this.log.lastIndex()) this.sendAppend(m.from, pr);
      return;
    }
    // Only a rejection of the probe we are waiting on may move next back.
    if (m.rejectedIndex !== pr.next - 1 || m.rejectedIndex <= pr.match) return;
    pr.next = Math.max(pr.match + 1, Math.min(m.rejectedIndex, m.hintIndex + 1));
    invariant(pr.next <= m.rejectedIndex, 'a rejection must move next back');
    this.sendAppend(m.from, pr);
  }

  private handleHeartbeatResponse(m: HeartbeatResponse): void {
    const pr = this.peerProgress(m.from);
    if (!pr) return;
    if (m.epoch === this.cfg.epoch) pr.ackedTick = Math.max(pr.ackedTick, m.sentTick);
    // Heartbeat responses double as the retry clock for lost appends.
    if (pr.match < this.log.lastIndex()) this.sendAppend(m.from, pr);
  }

  private sendAppend(to: string, pr: Progress): void {
    if (!(pr.next >= pr.match + 1 && pr.next <= this.log.lastIndex() + 1)) fail(`next ${pr.next} out of range`);
    const prevLogIndex = pr.next - 1;
    const prevLogTerm = this.log.termAt(prevLogIndex);
    if (prevLogTerm === undefined) fail(`no term at prevLogIndex ${prevLogIndex}`);
    const entries = this.log.slice(pr.next, pr.next + this.cfg.maxEntriesPerAppend - 1);
    const commit = this.log.committed;
    this.send({ type: 'append', to, term: this.curTerm, prevLogIndex, prevLogTerm, entries, commit, sentTick: this.now, epoch: this.cfg.epoch, from: this.cfg.id });
  }

  private broadcastAppend(): void {
    for (const [to, pr] of this.progress) this.sendAppend(to, pr);
  }

  private broadcastHeartbeat(): void {
    for (const [to, pr] of this.progress) {
      const commit = Math.min(pr.match, this.log.committed);
      this.send({ type: 'heartbeat', to, term: this.curTerm, commit, sentTick: this.now, epoch: this.cfg.epoch, from: this.cfg.id });
    }
  }

  /** §5.3/§5.4.2: commit the highest index on a quorum, but only by counting current-term entries. */
  private maybeCommit(): void {
    invariant(this.curRole === 'leader', 'only a leader counts replicas');
    const matches = [this.log.lastIndex(), ...[...this.progress.values()].map((p) => p.match)];
    matches.sort((a, b) => b - a);
    const n = matches[this.cfg.quorum - 1]!;
    if (n <= this.log.committed) return;
    const ownTerm = this.log.termAt(n) === this.curTerm;
    if (!ownTerm && !this.cfg.bugs.commitOldTermByCount) return;
    this.log.commitTo(n);
    // Tell followers now rather than at the next heartbeat.
    this.broadcastAppend();
  }
}
