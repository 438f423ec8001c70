import type { NodeContext, Op, Semaphore } from '../../../harness/core/api.js';
import type { Message } from '../core/index.js';

/** What reaches the Raft state machine: etcd's tickc, recvc and propc. */
export type Input =
  | { readonly kind: 'tick'; readonly n: number }
  | { readonly kind: 'step'; readonly msg: Message }
  | { readonly kind: 'propose'; readonly data: string };

/**
 * How the feeder tasks (ticker, receiver, client) reach the state machine that the run loop
 * owns. While the run loop is busy (a Ready outstanding, or inputs queued) an input is queued
 * and the run loop takes the queue whole before its next Ready, as etcd's node goroutine drains
 * its channels. While it is idle, a tick or a message is stepped in the feeder's own step (the
 * node goroutine's select, inlined) and the run loop is woken only if that produced work: an
 * idle tick then costs no hand-off. The wakeup is a semaphore released once per hand-off, so
 * when the run loop runs relative to the feeders is the scheduler's choice.
 */
export class NodeInputs {
  private items: Input[] = [];
  /** Inputs are queued or a Ready is being handled: the state machine is the run loop's. */
  private busy = false;
  /** A release is outstanding that the run loop has not taken yet. */
  private notified = false;
  private readonly wake: Semaphore;

  constructor(
    ctx: NodeContext<Message>,
    /** Steps a tick or a message into the state machine; true if it produced a Ready. */
    private readonly stepIdle: (x: Input) => boolean,
  ) {
    this.wake = ctx.semaphore('inputs', 0);
  }

  /** A tick or a message: stepped at once when the run loop is idle, else queued. */
  async put(x: Input): Promise<void> {
    if (this.busy) this.items.push(x);
    else if (!this.stepIdle(x)) return;
    this.busy = true;
    await this.notify();
  }

  /** A proposal always goes through the run loop, which reports a refusal to its wait. */
  async enqueue(x: Input): Promise<void> {
    this.items.push(x);
    this.busy = true;
    await this.notify();
  }

  private notify(): Op<void> | undefined {
    if (this.notified) return undefined;
    this.notified = true;
    return this.wake.release();
  }

  /** The run loop sleeps here until a feeder hands it work. */
  wait(): Op<void> {
    return this.wake.acquire();
  }

  /** Called by the run loop once woken: everything queued so far, in order. */
  drain(): Input[] {
    this.notified = false;
    const out = this.items;
    if (out.length > 0) this.items = [];
    return out;
  }

  /** The run loop has no Ready outstanding; true if it may sleep (nothing was queued meanwhile). */
  settle(): boolean {
    if (this.items.length > 0) return false;
    this.busy = false;
    return true;
  }
}
