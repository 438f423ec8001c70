import type { Rng } from '../core/rng.js';
import type { Entropy } from '../core/entropy.js';
import { intParam, type StrategyParams } from './params.js';
import type { Choice, DrawStream, MessageSend, Scheduler, SchedulerFactory, StepContext } from '../core/scheduler.js';

/** PCTCP's knobs: bug depth d and the message bound k its change points are drawn within. */
export interface PctcpParams {
  depth: number;
  k: number;
}

/** k counts messages here, not steps: 200 covers a short protocol exchange; explore fits it. */
export const PCTCP_DEFAULTS: Readonly<PctcpParams> = { depth: 3, k: 200 };

const DEPTH_MAX = 16;
const K_MAX = 10_000_000;

export function pctcpParams(params: StrategyParams): PctcpParams {
  return {
    depth: intParam('pctcp', params, 'depth', PCTCP_DEFAULTS.depth, DEPTH_MAX),
    k: intParam('pctcp', params, 'k', PCTCP_DEFAULTS.k, K_MAX),
  };
}

/**
 * PCT for message passing (PCTCP: Ozkan, Majumdar, Niksic, Befrouei, Weissenbacher, OOPSLA
 * 2018). Messages fall into chains of causally related sends: a message extends the chain of the
 * delivery its sender received last, if nothing else extended that chain since; otherwise it
 * starts a chain with a random priority. A higher-priority chain's messages land sooner. d−1
 * change points, drawn among the first k messages, drop the chain of the message sent at that
 * point below every other.
 *
 * In a timed network, priority is realised through the delay, which this strategy picks (it
 * owns the delay draw, within the seed's latency bound): a chain's rank places its messages in
 * the seed's usual delay range, and a demoted chain's messages are held until just after the
 * receiver's next timer fires, or to the longest delay the seed's weather allows. That is how a
 * vote reply comes to land after the candidate's election timeout (akka-raft #45, which DEMi
 * found), a race no strategy that only orders the events due at one instant can produce.
 *
 * Tasks interleave uniformly, as under `random`; among deliveries due at the same instant the
 * highest-priority chain's goes first.
 */
export class PctcpScheduler implements Scheduler {
  readonly name = 'pctcp';
  readonly params: Readonly<Record<string, number>>;
  private readonly sched: Rng;
  private readonly msgs: Rng;
  /** Sorted ascending message numbers (1-based) at which a chain is demoted. */
  private readonly changePoints: number[];
  private nextChange = 0;
  private sent = 0;
  /** Chain of each message label; its priority; the chain's last message. */
  private readonly chainOf = new Map<string, number>();
  private readonly priority: number[] = [];
  private readonly tail: string[] = [];

  constructor(private readonly entropy: Entropy, readonly pctcp: PctcpParams) {
    this.sched = entropy.scheduler;
    this.msgs = entropy.strategy('messages');
    this.params = { depth: pctcp.depth, k: pctcp.k };
    const points: number[] = [];
    for (let i = 0; i < pctcp.depth - 1; i++) points.push(1 + this.msgs.int(pctcp.k));
    this.changePoints = points.sort((a, b) => a - b);
  }

  /** Chains seen so far: the n of the 1/(n·k^(d−1)) bound for this run. */
  get chains(): number {
    return this.priority.length;
  }

  nextStep(steps: readonly Choice[], _ctx: StepContext): number {
    if (steps.length === 1) return 0;
    const i = this.sched.int(steps.length);
    const c = this.chainOf.get(baseLabel(steps[i]!.label));
    if (c === undefined) return i;
    // A delivery was picked: the highest-priority delivery due now goes instead.
    let best = i;
    let bestPrio = this.priority[c]!;
    for (let j = 0; j < steps.length; j++) {
      const cj = this.chainOf.get(baseLabel(steps[j]!.label));
      if (cj !== undefined && this.priority[cj]! > bestPrio) {
        best = j;
        bestPrio = this.priority[cj]!;
      }
    }
    return best;
  }

  messageDelay(m: MessageSend): number {
    const chain = this.chainFor(m);
    this.sent++;
    while (this.nextChange < this.changePoints.length && this.changePoints[this.nextChange]! <= this.sent) {
      // Below every initial priority (all ≥ depth) and below earlier change points.
      this.priority[chain] = this.pctcp.depth - 1 - this.nextChange;
      this.nextChange++;
    }
    const p = this.priority[chain]!;
    if (p < this.pctcp.depth) return this.heldDelay(m);
    // Rank in [0, 1): the highest priorities take the shortest delays.
    const rank = (p - this.pctcp.depth) / 4294967296;
    return m.minMs + Math.round((1 - rank) * (m.typicalMaxMs - m.minMs));
  }

  /** Just past the receiver's next timer, if the bound reaches it; else the bound itself. */
  private heldDelay(m: MessageSend): number {
    const at = m.nextTimerAt(m.nowMs + m.minMs);
    const past = Math.ceil(at - m.nowMs) + 1;
    return Number.isFinite(at) && past <= m.maxMs ? Math.max(m.minMs, past) : m.maxMs;
  }

  private chainFor(m: MessageSend): number {
    const parent = m.cause === null ? undefined : this.chainOf.get(baseLabel(m.cause));
    let chain: number;
    if (parent !== undefined && this.tail[parent] === baseLabel(m.cause!)) {
      chain = parent;
    } else {
      chain = this.priority.length;
      // Initial priorities lie in [depth, depth + 2^32): above every change-point priority.
      this.priority.push(this.pctcp.depth + this.msgs.u32());
      this.tail.push('');
    }
    this.tail[chain] = m.label;
    this.chainOf.set(m.label, chain);
    return chain;
  }

  choose(_kind: string, options: readonly Choice[]): number {
    return this.sched.int(options.length);
  }

  nextU32(stream: DrawStream): number {
    return this.entropy.u32(stream);
  }
}

/** A duplicate (`label+dup`) belongs to its original's chain. */
function baseLabel(label: string): string {
  return label.endsWith('+dup') ? label.slice(0, -4) : label;
}

export function pctcpStrategy(params: StrategyParams): SchedulerFactory {
  const p = pctcpParams(params);
  return (_seed, entropy) => new PctcpScheduler(entropy, p);
}
