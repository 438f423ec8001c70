/**
 * Host mode's global trampolines (allowed: host mode swaps these globals for virtual ones): `setTimeout`/`clearTimeout`, `setInterval`/`clearInterval`,
 * `setImmediate`/`clearImmediate`, `Date`, `performance.now` and `Math.random` route to the (allowed: the globals host mode swaps, named)
 * host run active in this thread, and to the real functions (captured in core/real.ts before
 * any swap) when none is. Installed once per thread, on the first host run, never at import:
 * a thread that runs no host target keeps the real globals. Modules that captured a global at
 * load time (`const { setTimeout } = globalThis`) still see the virtual one, because what they (allowed: a hosted module capturing the virtual trampoline, named)
 * captured is the trampoline.
 */
import { promisify } from 'node:util';
import {
  RealDate, realClearImmediate, realClearInterval, realClearTimeout, realMathRandom, realPerformanceNow,
  realSetImmediate, realSetInterval, realSetTimeout,
} from '../core/real.js';

export type TimerKind = 'timeout' | 'interval' | 'immediate';

/** A virtual timer as hosted code holds it: Node's Timeout/Immediate surface. */
export interface HostTimer {
  ref(): this;
  unref(): this;
  hasRef(): boolean;
  refresh(): this;
  close(): this;
  [Symbol.toPrimitive](): number;
}

/** What the trampolines route to while a host run is active (harness/host/runtime.ts). */
export interface HostClock {
  setTimer(kind: TimerKind, fn: (...args: unknown[]) => void, ms: number, args: unknown[]): HostTimer;
  /** Clears a virtual timer (or the id its toPrimitive gave); false if it is not one of this run's. */
  clearTimer(t: unknown): boolean;
  /** Epoch ms on the acting node's clock. */
  dateNow(): number;
  /** The acting node's virtual ms. */
  perfNow(): number;
  random(): number;
  /** A hosted `console.log` (or info, warn, error, debug): a line of the run's timeline. */
  log(level: ConsoleLevel, args: unknown[]): void;
}

/** The console methods a host run captures: what hosted code prints belongs to its step. */
export const CONSOLE_LEVELS = ['log', 'info', 'warn', 'error', 'debug'] as const;
export type ConsoleLevel = (typeof CONSOLE_LEVELS)[number];

let active: HostClock | null = null;
let installed = false;

/** The host run this thread's trampolines route to (null: the real functions). */
export function setActiveClock(c: HostClock | null): void {
  active = c;
}

export function activeClock(): HostClock | null {
  return active;
}

export function trampolinesInstalled(): boolean {
  return installed;
}

function checkCallback(fn: unknown, what: string): asserts fn is (...args: unknown[]) => void {
  if (typeof fn !== 'function') {
    const e = new TypeError(`The "callback" argument must be of type function. Received ${fn === null ? 'null' : typeof fn} (${what})`);
    (e as { code?: string }).code = 'ERR_INVALID_ARG_TYPE';
    throw e;
  }
}

type TimerFn = (fn: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => unknown;

function makeSet(kind: 'timeout' | 'interval', real: TimerFn): TimerFn {
  return function set(fn, ms, ...args) {
    const c = active;
    if (c === null) return real(fn, ms, ...args);
    checkCallback(fn, kind === 'timeout' ? 'setTimeout' : 'setInterval'); // allowed: the name a hosted caller misused, for its error message
    return c.setTimer(kind, fn, ms === undefined ? 1 : Number(ms), args);
  };
}

function makeClear(real: (t: never) => void): (t: unknown) => void {
  return function clear(t) {
    const c = active;
    if (c !== null && c.clearTimer(t)) return;
    if (t instanceof VirtualTimerMark) return;
    real(t as never);
  };
}

/** Every virtual timer's class extends this, so a clear outside its run can tell it from a real one. */
export class VirtualTimerMark {}

/**
 * Installs the trampolines in this thread (idempotent). Each one reads `active` per call, so a
 * non-host run in the same thread, and everything outside runs, gets the real behaviour.
 */
export function installTrampolines(): void {
  if (installed) return;
  installed = true;
  const g = globalThis as Record<string, unknown>;
  const setTimeout = makeSet('timeout', realSetTimeout as unknown as TimerFn); // allowed: the virtual setTimeout, falling back to the real one outside a host run
  const setInterval = makeSet('interval', realSetInterval as unknown as TimerFn); // allowed: the virtual setInterval, falling back to the real one outside a host run
  const setImmediate = function setImmediate(fn: (...args: unknown[]) => void, ...args: unknown[]): unknown { // allowed: the virtual setImmediate, falling back to the real one outside a host run
    const c = active;
    if (c === null) return realSetImmediate(fn, ...args); // allowed: outside host runs the trampoline is the real function
    checkCallback(fn, 'setImmediate'); // allowed: the name a hosted caller misused, for its error message
    return c.setTimer('immediate', fn, 0, args);
  };
  // util.promisify(setTimeout) as Node's: a promise resolved with `value` after `ms`. // allowed: the virtual timer, promisified
  Object.defineProperty(setTimeout, promisify.custom, { // allowed: the virtual setTimeout
    value: (ms?: number, value?: unknown) => new Promise((r) => setTimeout(r, ms, value)), // allowed: the virtual setTimeout
  });
  Object.defineProperty(setImmediate, promisify.custom, { // allowed: the virtual setImmediate
    value: (value?: unknown) => new Promise((r) => setImmediate(r, value)), // allowed: the virtual setImmediate
  });
  g['setTimeout'] = setTimeout; // allowed: host mode installs the virtual trampoline
  g['setInterval'] = setInterval; // allowed: host mode installs the virtual trampoline
  g['setImmediate'] = setImmediate; // allowed: host mode installs the virtual trampoline
  g['clearTimeout'] = makeClear(realClearTimeout as (t: never) => void);
  g['clearInterval'] = makeClear(realClearInterval as (t: never) => void);
  g['clearImmediate'] = makeClear(realClearImmediate as (t: never) => void);
  g['Date'] = virtualDate();
  const perf = globalThis.performance;
  Object.defineProperty(perf, 'now', {
    configurable: true, writable: true,
    value: function now(): number {
      const c = active;
      return c === null ? realPerformanceNow() : c.perfNow();
    },
  });
  // A hosted console.* goes to the run's timeline, not the terminal: the replay prints the
  // reported run's lines once (the pilot and check reruns of a seed print nothing).
  for (const level of CONSOLE_LEVELS) {
    const real = console[level].bind(console);
    console[level] = function (...args: unknown[]): void {
      const c = active;
      if (c === null) real(...args);
      else c.log(level, args);
    };
  }
  Math.random = function random(): number { // allowed: host mode's draw from the run's seeded PRNG
    const c = active;
    return c === null ? realMathRandom() : c.random(); // allowed: outside host runs the trampoline is the real function
  };
}

/**
 * `Date` for hosted code: a constructor sharing the real prototype (so `instanceof Date` holds
 * both ways and every method is the real one), whose no-argument construction, `Date()` call
 * and `Date.now()` read the acting node's virtual clock; `parse` and `UTC` are the real ones. (allowed: host mode's virtual Date)
 */
function virtualDate(): DateConstructor {
  const now = (): number => {
    const c = active;
    return c === null ? RealDate.now() : c.dateNow(); // allowed: outside host runs, the real clock
  };
  const VDate = function Date(this: unknown, ...args: unknown[]): unknown {
    if (new.target === undefined) return new RealDate(now()).toString();
    // The prototypes are one: a plain `new Date()` needs no Reflect.construct (a subclass does). // allowed: host mode's virtual Date
    if (new.target === VDate) return args.length === 0 ? new RealDate(now()) : new RealDate(...(args as [number]));
    return Reflect.construct(RealDate, args.length === 0 ? [now()] : args, new.target);
  } as unknown as DateConstructor;
  Object.setPrototypeOf(VDate, RealDate);
  Object.defineProperty(VDate, 'prototype', { value: RealDate.prototype, writable: false });
  Object.defineProperty(VDate, 'now', { value: now, writable: true, configurable: true });
  Object.defineProperty(VDate, 'length', { value: 7 });
  return VDate;
}
