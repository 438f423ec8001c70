/**
 * The liferaft adapter: how an unmodified @markwylde/liferaft node becomes the program of a
 * `sim.node` in host mode. It is the worked example of README "Host mode: writing an adapter":
 *
 * - **Create a node**: a fresh module instance of the library per incarnation
 *   (`ctx.host.require`), so a restart starts from the library's own initial state (liferaft keeps
 *   term and vote in memory only); the log store (memdown) is kept across crashes (`ctx.host.keep`).
 * - **Transport**: liferaft talks request/reply (`write(packet, reply)`). Each request becomes a
 *   message to the peer and each reply a second message back, both exposed to every fault; a
 *   request whose reply does not come within `REQUEST_TIMEOUT_MS` is answered with an error, as a
 *   real transport's timeout would.
 * - **Events → detectors**: `leader` and a step-down feed `signalLeadership` (duplicate
 *   leadership), every state or term change feeds `observe` (election safety), and with the log,
 *   every write and truncation of the store feeds `observe`'s log and every commit `applied`
 *   (log matching, leader completeness, state-machine safety, liveness).
 *
 * The adapter runs as hosted code: its `setTimeout`/`setInterval` are the node's virtual timers. // allowed: hosted code, whose timers are virtual
 */
import type { NodeContext, NodeHost } from '../../harness/core/api.js';
import type {
  LiferaftClass, LiferaftEntry, LiferaftLogClass, LiferaftNode, LiferaftPacket, LiferaftWrite,
} from './liferaft.js';

/** On the wire: a request or the reply to one. `type` names the message kind in labels. */
export interface Wire {
  type: string;
  from: string;
  rid: number;
  reply: boolean;
  packet: LiferaftPacket | null;
}

/** The adapter's switches: the log, the client, and the planted transport bugs. */
export interface Plan {
  /** Give liferaft its log (memdown) and a client that proposes while it leads. */
  withLog: boolean;
  /** A vote request whose reply timed out is answered as if the vote were granted. */
  timedOutVoteCounts: boolean;
  /** Every reply is delivered twice to liferaft (a transport that retries without dedup). */
  replyTwice: boolean;
}

/** liferaft's own defaults, written out: the timing the library was designed for. */
export const ELECTION_MIN_MS = 150;
export const ELECTION_MAX_MS = 300;
export const HEARTBEAT_MS = 50;
/** A transport gives up on a reply after the shortest election timeout. */
export const REQUEST_TIMEOUT_MS = ELECTION_MIN_MS;
/** The client proposes a command this often while its node leads. */
export const PROPOSE_EVERY_MS = 100;

/** `ctx.host`, which a `host: true` target's nodes always have. */
function hostOf<M>(ctx: NodeContext<M>): NodeHost<M> {
  const host = ctx.host;
  if (host === undefined) throw new Error('the liferaft target needs host mode (host: true)');
  return host;
}

/** Message kinds as labels show them: liferaft's types with spaces (`append ack`) dashed. */
function kindOf(packet: LiferaftPacket | null, reply: boolean): string {
  if (packet === null) return 'ack';
  const t = String(packet.type).replace(/\s+/g, '-');
  return reply && t === 'append' ? 'append-reply' : t;
}

/** What a real transport does to a packet: liferaft sometimes answers with a Promise (a stale term
 * in its `data` handler writes `raft.packet(...)` without `await`), which a wire carries as `{}`.
 * Everything else is copied by the network itself, as a wire would. */
function serialized(p: LiferaftPacket): LiferaftPacket {
  return typeof (p as { then?: unknown }).then === 'function' ? ({} as LiferaftPacket) : p;
}

function roleOf(raft: LiferaftNode, Raft: LiferaftClass): string {
  return (Raft.states[raft.state] ?? 'stopped').toLowerCase();
}

export function liferaftNodeMain(ctx: NodeContext<Wire>, plan: Plan): void {
  const host = hostOf(ctx);
  const Raft = host.require('@markwylde/liferaft') as LiferaftClass;
  const options: Record<string, unknown> = {
    address: ctx.id,
    'election min': ELECTION_MIN_MS,
    'election max': ELECTION_MAX_MS,
    heartbeat: HEARTBEAT_MS,
  };
  // What the store holds, as digests: kept with the store, so a restarted node's observations
  // start from the entries its predecessor wrote (without the log, it stays empty).
  let shadow: string[] = [];
  let raft: LiferaftNode | null = null;
  const observe = (): void => {
    if (raft === null) return;
    const log = raft.log;
    ctx.observe({
      term: raft.term,
      role: roleOf(raft, Raft),
      commitIndex: log === null ? 0 : Math.min(log.committedIndex, shadow.length),
      lastLogIndex: log === null ? 0 : shadow.length,
      ...(log === null ? {} : { log: shadow.slice() }),
    });
  };
  if (plan.withLog) {
    const Log = host.require('@markwylde/liferaft/log.js') as LiferaftLogClass;
    const memdown = host.require('memdown') as () => unknown;
    // One store per node for the whole run: what the node wrote survives its crashes.
    const kept = host.keep('memdown', () => ({ store: memdown(), shadow: [] as string[] }));
    shadow = kept.shadow;
    options['adapter'] = () => kept.store;
    options['Log'] = observedLog(Log, ctx, shadow, observe);
  }
  raft = new Raft(options);
  const node = raft;
  node.on('error', () => {}); // liferaft reports stale terms and timeouts as errors: expected traffic.
  let leading = false;
  node.on('leader', () => {
    leading = true;
    ctx.signalLeadership('leader', node.term);
  });
  node.on('state change', () => {
    if (leading && node.state !== Raft.LEADER) {
      leading = false;
      ctx.signalLeadership('follower', node.term);
    }
    observe();
  });
  node.on('term change', observe);
  connect(ctx, node, plan, Raft);
  if (plan.withLog) propose(ctx, node, Raft);
}

/** A Log that reports its contents: the store's puts and deletes are mirrored, once done, into
 * the shadow digests (a hole in the store, an entry deleted below others, shows as `none`). */
function observedLog(Log: LiferaftLogClass, ctx: NodeContext<Wire>, shadow: string[], observe: () => void): LiferaftLogClass {
  const digest = (e: LiferaftEntry): string => `t${e.term}:${JSON.stringify(e.command)}`;
  class ObservedLog extends Log {
    constructor(node: unknown, options: { adapter: (path: string) => unknown; path?: string }) {
      super(node, options);
      const db = (this as unknown as { db: StoreOps }).db;
      const put = db.put.bind(db);
      const del = db.del.bind(db);
      db.put = (index, entry) => put(index, entry).then((r) => {
        if (entry.committed) this.committedPuts.set(index, entry);
        while (shadow.length < index - 1) shadow.push('none');
        shadow[index - 1] = digest(entry);
        observe();
        return r;
      });
      db.del = (index) => del(index).then((r) => {
        if (index <= shadow.length) shadow[index - 1] = 'none';
        while (shadow.length > 0 && shadow[shadow.length - 1] === 'none') shadow.pop();
        observe();
        return r;
      });
    }

    /** The entry each index was last written with as committed: what `commit` wrote. Read back
     * from here, not from the store, so the adapter adds no read of its own (a second `get` would
     * throw NotFoundError where a concurrent truncation deleted the entry after the library's put). */
    private readonly committedPuts = new Map<number, LiferaftEntry>();

    override async commit(index: number): Promise<unknown> {
      const r = await super.commit(index);
      const e = this.committedPuts.get(index);
      if (e !== undefined) ctx.applied(index, digest(e), e.term);
      return r;
    }
  }
  return ObservedLog as unknown as LiferaftLogClass;
}

/** The two levelup calls liferaft's Log writes through (promise form: it passes no callback). */
interface StoreOps {
  put(index: number, entry: LiferaftEntry): Promise<unknown>;
  del(index: number): Promise<unknown>;
}

/** Joins every peer through the simulated network: a request and its reply are two messages. */
function connect(ctx: NodeContext<Wire>, raft: LiferaftNode, plan: Plan, Raft: LiferaftClass): void {
  const pending = new Map<number, { reply: (err?: Error, data?: LiferaftPacket) => void; timer: unknown; packet: LiferaftPacket; to: string }>();
  let rid = 0;
  const settle = (id: number, err?: Error, data?: LiferaftPacket): void => {
    const p = pending.get(id);
    if (p === undefined) return; // a late or duplicated reply: the request already settled
    pending.delete(id);
    clearTimeout(p.timer as ReturnType<typeof setTimeout>); // allowed: hosted code: the node's virtual timer
    p.reply(err, data);
    if (plan.replyTwice && data !== undefined) p.reply(err, data);
  };
  for (const peer of ctx.peers) {
    // One error per peer, made once: liferaft only emits it, and without a log every heartbeat
    // goes unanswered, so a fresh Error (and its stack capture) per timeout was a fifth of a run.
    const timedOut = new Error(`no reply from ${peer} within ${REQUEST_TIMEOUT_MS} ms`);
    const write: LiferaftWrite = (packet, reply) => {
      const id = ++rid;
      const timer = setTimeout(() => { // allowed: hosted code: the node's virtual timer
        const p = pending.get(id);
        if (p !== undefined && plan.timedOutVoteCounts && p.packet.type === 'vote') {
          // The planted bug: a lost vote reply read as a granted vote.
          settle(id, undefined, { ...p.packet, type: 'voted', address: peer, state: Raft.FOLLOWER, data: { granted: true } });
        } else {
          settle(id, timedOut);
        }
      }, REQUEST_TIMEOUT_MS);
      pending.set(id, { reply, timer, packet, to: peer });
      ctx.send(peer, { type: kindOf(packet, false), from: ctx.id, rid: id, reply: false, packet: serialized(packet) });
    };
    raft.join(peer, write);
  }
  hostOf(ctx).onMessage((m) => {
    if (m.reply) return settle(m.rid, undefined, m.packet ?? undefined);
    raft.emit('data', m.packet, (answer?: LiferaftPacket) => {
      const packet = answer === undefined ? null : serialized(answer);
      ctx.send(m.from, { type: kindOf(packet, true), from: ctx.id, rid: m.rid, reply: true, packet });
    });
  });
}

/** The client: while this node leads, propose a uniquely named command every PROPOSE_EVERY_MS. */
function propose(ctx: NodeContext<Wire>, raft: LiferaftNode, Raft: LiferaftClass): void {
  let n = 0;
  setInterval(() => { // allowed: hosted code: the node's virtual timer
    if (raft.state !== Raft.LEADER) return;
    n++;
    raft.command({ set: `${ctx.id}.${ctx.incarnation}.${n}` }).catch(() => {});
  }, PROPOSE_EVERY_MS);
}
