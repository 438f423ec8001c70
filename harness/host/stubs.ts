/**
 * Built-in modules whose functions reach real I/O are stubbed for hosted code: calling any
 * function on them (or constructing one of their classes) reports `escaped-simulation` with the
 * hosted call site, instead of opening a socket or a file the simulation cannot see. Their
 * other properties (constants) read through. `timers` and `timers/promises` are virtual versions
 * built on the trampolines.
 */
import { createRequire } from 'node:module';
import { relativeToCwd } from '../core/format.js';

/** Built-ins whose functions are stubbed in hosted code. */
export const STUBBED: readonly string[] = [
  'net', 'fs', 'fs/promises', 'http', 'https', 'http2', 'dgram', 'child_process', 'tls', 'worker_threads',
];

const realRequire = createRequire(import.meta.url);

/** Where an escape goes: the active host run reports it (and throws to stop the caller). */
export type EscapeHandler = (what: string, site: string) => never;

let handler: EscapeHandler | null = null;

export function setEscapeHandler(h: EscapeHandler | null): void {
  handler = h;
}

/** The first stack frame outside this file: the hosted code that made the call. */
export function callSite(skip: (...args: never[]) => unknown): string {
  const holder: { stack?: string } = {};
  Error.captureStackTrace(holder, skip);
  const lines = (holder.stack ?? '').split('\n').slice(1);
  for (const l of lines) {
    const m = /\(?((?:file:\/\/)?[^\s()]+):(\d+):(\d+)\)?\s*$/.exec(l.trim());
    if (m !== null && !m[1]!.startsWith('node:')) return relativeToCwd(`${m[1]}:${m[2]}`);
  }
  return 'an unknown call site';
}

const stubs = new Map<string, unknown>();

function stubObject(real: object, path: string): object {
  const fns = new Map<PropertyKey, unknown>();
  return new Proxy(real, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (typeof prop === 'symbol') return v;
      if (typeof v === 'function') {
        let s = fns.get(prop);
        if (s === undefined) {
          const what = `${path}.${prop}`;
          const stub = function escapeStub(): never {
            const site = callSite(stub);
            if (handler === null) throw new Error(`${what} (real I/O) called by hosted code outside a run, at ${site}`);
            return handler(what, site);
          };
          s = stub;
          fns.set(prop, s);
        }
        return s;
      }
      if (v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array)) {
        let s = fns.get(prop);
        if (s === undefined) {
          s = stubObject(v, `${path}.${prop}`);
          fns.set(prop, s);
        }
        return s;
      }
      return v;
    },
  });
}

/** The stub of a stubbed built-in (one per thread: it holds no run state). */
export function stubbedBuiltin(id: string): unknown {
  let s = stubs.get(id);
  if (s === undefined) {
    s = stubObject(realRequire(id) as object, id);
    stubs.set(id, s);
  }
  return s;
}

let timers: unknown = null;

/** `require('timers')` in hosted code: the real module with the trampolines in place of its
 * six timer functions (read from the globals, which are the trampolines once installed). */
function virtualTimers(): unknown {
  if (timers === null) {
    const g = globalThis as Record<string, unknown>;
    const t: Record<string, unknown> = { ...(realRequire('timers') as Record<string, unknown>) };
    for (const k of ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate', 'clearImmediate']) t[k] = g[k]; // allowed: host mode, hands hosted code the thread's (virtual) trampolines
    timers = t;
  }
  return timers;
}

type TimerFn = (fn: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => unknown;
type ClearFn = (t: unknown) => void;

function abortError(signal: AbortSignal): Error {
  return Object.assign(new Error('The operation was aborted'), { name: 'AbortError', code: 'ABORT_ERR', cause: signal.reason as unknown });
}

/** A promise settled by a (trampolined) timer, rejected with an AbortError if `signal` aborts. */
function timerPromise<T>(arm: (done: () => void) => unknown, clear: ClearFn, value: T, signal: AbortSignal | undefined): Promise<T> {
  if (signal?.aborted === true) return Promise.reject(abortError(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      clear(handle);
      reject(abortError(signal!));
    };
    const handle = arm(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(value);
    });
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

let timersPromises: unknown = null;

/**
 * `require('timers/promises')` in hosted code: `setTimeout`, `setImmediate`, `setInterval` (allowed: all virtual; an
 * async iterator) and `scheduler.wait`/`scheduler.yield` on the trampolines, so `await
 * setTimeout(ms)` is a virtual timer of the node (AbortSignal honoured; `ref` ignored; allowed: host mode).
 */
function virtualTimersPromises(): unknown {
  if (timersPromises === null) {
    const g = globalThis as unknown as Record<string, TimerFn & ClearFn>;
    type Opts = { signal?: AbortSignal } | undefined;
    const setTimeout = <T>(ms?: number, value?: T, o?: Opts): Promise<T | undefined> => // allowed: host mode, a virtual timer of the node
      timerPromise((done) => g['setTimeout']!(done, ms), (h) => g['clearTimeout']!(h), value, o?.signal); // allowed: host mode, the trampolines route to the node's virtual clock
    const setImmediate = <T>(value?: T, o?: Opts): Promise<T | undefined> => // allowed: host mode, a virtual immediate of the node
      timerPromise((done) => g['setImmediate']!(done), (h) => g['clearImmediate']!(h), value, o?.signal); // allowed: host mode, the trampoline is the node's virtual immediate
    async function* setInterval<T>(ms?: number, value?: T, o?: Opts): AsyncGenerator<T | undefined> { // allowed: host mode, repeats the virtual setTimeout above
      for (;;) yield await setTimeout(ms, value, o); // allowed: host mode, the virtual setTimeout above
    }
    timersPromises = {
      setTimeout, setImmediate, setInterval, // allowed: host mode, the virtual functions above
      scheduler: { wait: (ms: number, o?: Opts) => setTimeout(ms, undefined, o), yield: () => setImmediate() }, // allowed: host mode, virtual
    };
  }
  return timersPromises;
}

/** A built-in as hosted code gets it. */
export function hostedBuiltin(id: string): unknown {
  if (STUBBED.includes(id)) return stubbedBuiltin(id);
  if (id === 'timers') return virtualTimers();
  if (id === 'timers/promises') return virtualTimersPromises();
  return realRequire(id);
}
