import type { NodeMain } from '../core/api.js';
import type { TimedEvent } from '../core/timers.js';
import type { LabelKey } from '../core/decision-log.js';
import { DurableStore } from './storage.js';

/** How many messages of one kind crossed a link, with their label prefix `from→to:kind#` and
 * its hash, so a message's label and hash cost only its number. */
export interface KindCount extends LabelKey {
  n: number;
  /** The prefix `from→to:kind#` (the decision log appends the number to it). */
  readonly label: string;
  readonly prefixHash: number;
}

/** One direction of one link: its label prefix and how often each message kind crossed it. */
export interface Link {
  readonly prefix: string;
  readonly counts: Map<string, KindCount>;
  /** A message held back by `reorder` until the next one on this link is sent. */
  held: (TimedEvent & { done: boolean }) | null;
}

/** Where a delivered message goes: the node's current incarnation. */
export interface NodeInbox {
  deliver(msg: unknown): void;
}

/** A node across its incarnations: its disk, clock and links outlive each crash. */
export class NetNode {
  peers: readonly string[] = [];
  up = true;
  incarnation = 0;
  driftPpm = 0;
  ctx: NodeInbox | null = null;
  /** Pending nemesis events that concern this node (restart, resume). */
  restartEv: TimedEvent | null = null;
  resumeEv: TimedEvent | null = null;
  /** The last message delivered to this node: the causal parent of what it sends next. */
  lastDelivered: string | null = null;
  readonly store: DurableStore;
  readonly links: Link[] = [];
  private rate = 1;

  constructor(
    readonly index: number,
    readonly id: string,
    readonly main: NodeMain<unknown>,
    readonly daemon: boolean,
  ) {
    this.store = new DurableStore(id);
  }

  setDrift(ppm: number): void {
    this.driftPpm = ppm;
    this.rate = 1 + ppm / 1e6;
  }

  /** The node's clock reading at virtual time `ms` (rounded to the µs to stay readable). */
  localNow(ms: number): number {
    return this.rate === 1 ? ms : Math.round(ms * this.rate * 1000) / 1000;
  }

  /** Virtual duration of `ms` on the node's clock: a fast clock fires its timers early. A
   * positive wait never rounds to 0: `recv({ timeoutMs: deadline - now() })` with a sliver left
   * would otherwise poll without time moving, and the user's loop would spin forever. */
  toGlobalMs(ms: number): number {
    if (this.rate === 1) return ms;
    const g = Math.round((ms / this.rate) * 1000) / 1000;
    return ms > 0 ? Math.max(0.001, g) : g;
  }
}
