/**
 * One `--real` run (harness/real/index.ts forks this file once per run): the target's single
 * `sim.process` runs its hosted code on Node's own event loop, with the real globals — real
 * timers, `Date`, `performance.now()`, `Math.random()` — and no simulation at all. A fresh process (allowed: run --real runs on the real globals by design)
 * per run, so no module state leaks from one run into the next. The run ends when the loop has
 * nothing left (Node's `beforeExit`: the workload finished), at the first violation, or after
 * `--duration` real ms; it sends one message to the parent and exits.
 *
 * What the context offers is what the simulated one does for a process: `ctx.host.require` /
 * `import` / `keep` / `atEnd`, `ctx.random()` (Math.random: a real run has no seed), `now()`, (allowed: run --real: a real run has no seed)
 * `log`, `assert`, `invariant` (checked after every callback, through async_hooks, and at the
 * end), `cover` (ignored). The harness's simulated primitives (`spawn`, `sleep`, locks, `recv`)
 * have no meaning on the real loop: calling one is bad input (exit 2).
 */
import { createHook } from 'node:async_hooks';
import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ProcessContext, ProcessMain, ProcessOptions, RunEnd, Sim } from '../core/api.js';
import { UsageError } from '../core/errors.js';
import { hostBaseDir } from '../host/index.js';
import { fixedWorkload } from '../faults/weather.js';
import { loadTarget } from '../target/load.js';
import type { RealChildMessage, RealRunResult, RealViolation } from './types.js';

/** Thrown into the code that failed an assertion, as RunStopped is in the simulation. */
class RealStopped extends Error {}

const [ref, variant, durationArg] = process.argv.slice(2);
const durationMs = Number(durationArg);
const t0 = performance.now(); // allowed: --real measures Node's own clock
const violations: RealViolation[] = [];
const logs: string[] = [];
let done = false;

function send(m: RealChildMessage): void {
  process.send!(m, () => process.exit(0));
}

function usage(message: string): never {
  if (!done) {
    done = true;
    send({ type: 'usage', message });
  }
  throw new RealStopped(message);
}

function elapsed(): number {
  return Math.round((performance.now() - t0) * 1000) / 1000; // allowed: --real measures Node's own clock
}

function errorText(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  return String(e);
}

function violate(kind: string, message: string): void {
  if (done) return;
  violations.push({ kind, message, atMs: elapsed() });
  finish('violation');
}

const hooks: ((end: RunEnd) => void)[] = [];
const invariants: { name: string; fn: () => boolean }[] = [];

function checkInvariants(): void {
  for (const inv of invariants) {
    let ok: boolean;
    try {
      ok = inv.fn();
    } catch (e) {
      if (e instanceof RealStopped) return;
      return violate('invariant', `invariant ${inv.name} threw: ${errorText(e)}`);
    }
    if (!ok) return violate('invariant', `invariant ${inv.name} does not hold`);
  }
}

function finish(end: RealRunResult['end']): void {
  if (done) return;
  if (end !== 'violation') {
    for (const fn of hooks.splice(0)) {
      try {
        fn({ reason: end });
      } catch (e) {
        if (!(e instanceof RealStopped)) violate('uncaught-error', `app's atEnd hook threw: ${errorText(e)}`);
      }
      if (done) return;
    }
    checkInvariants();
    if (done) return;
  }
  done = true;
  const result: RealRunResult = { end: violations.length > 0 ? 'violation' : end, violations, wallMs: elapsed(), logs: logs.slice(0, 200) };
  send({ type: 'result', result });
}

const simOnly = (what: string) => (): never => usage(`--real: ${what} is a simulated primitive, with no meaning on Node's own loop; a target run with --real uses hosted code only (ctx.host, timers, promises)`);

function makeContext(name: string, baseDir: string): ProcessContext {
  const req = createRequire(join(baseDir, '__interleave_real__.js'));
  const kept = new Map<string, unknown>();
  const assert = (cond: unknown, message: string): void => {
    if (cond) return;
    violate('assert', `assertion failed: ${message}`);
    throw new RealStopped('assertion failed');
  };
  const ctx = {
    id: name,
    incarnation: 1,
    host: {
      require: (id: string): unknown => req(id),
      import: (specifier: string): Promise<unknown> => {
        const rel = specifier.startsWith('./') || specifier.startsWith('../') || isAbsolute(specifier);
        const url = rel ? pathToFileURL(resolve(baseDir, specifier)).href : pathToFileURL(req.resolve(specifier)).href;
        return import(url);
      },
      keep: <T>(key: string, make: () => T): T => {
        if (!kept.has(key)) kept.set(key, make());
        return kept.get(key) as T;
      },
      atEnd: (fn: (end: RunEnd) => void): void => {
        if (typeof fn !== 'function') throw new TypeError('host.atEnd: fn must be a function');
        hooks.push(fn);
      },
    },
    now: (): number => elapsed(),
    random: (): number => Math.random(), // allowed: --real runs on Node's own loop, with no seed
    randomInt: (n: number): number => Math.floor(Math.random() * n), // allowed: --real, no seed
    invariant: (n: string, fn: () => boolean): void => {
      invariants.push({ name: n, fn });
    },
    assert,
    log: (message: string): void => {
      logs.push(`${elapsed()}ms ${name}: ${message}`);
    },
    cover: (): void => {},
    currentTask: (): string | null => null,
    spawn: simOnly('ctx.spawn'),
    yield: simOnly('ctx.yield'),
    sleep: simOnly('ctx.sleep (use setTimeout)'), // allowed: run --real's advice to its user, names the real timer, calls none
    mutex: simOnly('ctx.mutex'),
    condvar: simOnly('ctx.condvar'),
    semaphore: simOnly('ctx.semaphore'),
    broadcaster: simOnly('ctx.broadcaster'),
    shared: simOnly('ctx.shared'),
    get history(): never {
      return simOnly('ctx.history (a linearizability history is checked in the simulation)')();
    },
  };
  return ctx as unknown as ProcessContext;
}

async function main(): Promise<void> {
  process.on('uncaughtException', (e) => {
    if (e instanceof RealStopped) return;
    violate('uncaught-error', `uncaught exception: ${errorText(e)}`);
  });
  process.on('unhandledRejection', (e) => {
    if (e instanceof RealStopped) return;
    violate('unhandled-rejection', `a promise was rejected and nothing handled it: ${errorText(e)}`);
  });
  let loaded;
  try {
    loaded = await loadTarget(ref!);
  } catch (e) {
    usage(e instanceof Error ? e.message : String(e));
  }
  const target = loaded.target;
  if (target.host !== true) usage(`--real runs a host target (host: true) on Node's own loop: ${target.name} is not one`);
  if (!target.variants.includes(variant!)) usage(`unknown variant '${variant}' of ${target.name} (variants: ${target.variants.join(', ')})`);
  const declared: { name: string; main: ProcessMain }[] = [];
  let nodes = 0;
  const sim = {
    process: (name: string, m: ProcessMain, options?: ProcessOptions): void => {
      if (typeof m !== 'function') throw new TypeError(`process(${name}): main must be a function`);
      void options; // a crash is a fault the real loop never draws: `restart` changes nothing here
      declared.push({ name, main: m });
    },
    node: (): void => {
      nodes++;
    },
    now: (): number => elapsed(),
    random: (): number => Math.random(), // allowed: --real, no seed
    randomInt: (n: number): number => Math.floor(Math.random() * n), // allowed: --real, no seed
    invariant: (n: string, fn: () => boolean): void => {
      invariants.push({ name: n, fn });
    },
    assert: (cond: unknown, message: string): void => {
      if (!cond) {
        violate('assert', `assertion failed: ${message}`);
        throw new RealStopped('assertion failed');
      }
    },
    log: (message: string): void => {
      logs.push(`${elapsed()}ms setup: ${message}`);
    },
    cover: (): void => {},
    currentTask: (): string | null => null,
    spawn: simOnly('sim.spawn'),
    yield: simOnly('sim.yield'),
    sleep: simOnly('sim.sleep'),
    mutex: simOnly('sim.mutex'),
    condvar: simOnly('sim.condvar'),
    semaphore: simOnly('sim.semaphore'),
    broadcaster: simOnly('sim.broadcaster'),
    shared: simOnly('sim.shared'),
    get history(): never {
      return simOnly('sim.history (a linearizability history is checked in the simulation)')();
    },
  } as unknown as Sim;
  const workload = Object.freeze(fixedWorkload(target.workload ?? {}, {}));
  try {
    await target.setup(sim, { variant: variant!, workload });
  } catch (e) {
    if (e instanceof RealStopped) return;
    if (e instanceof UsageError) usage(e.message);
    violate('uncaught-error', `setup threw: ${errorText(e)}`);
    return;
  }
  if (nodes > 0) usage(`--real runs one process on Node's own loop: ${target.name} declares ${nodes} network node${nodes > 1 ? 's' : ''} (sim.node), which only the simulation connects`);
  if (declared.length !== 1) usage(`--real runs a single-process host target: ${target.name} declares ${declared.length} sim.process${declared.length === 1 ? '' : 'es'} (it needs exactly one)`);
  if (invariants.length > 0) createHook({ after: () => { if (!done) checkInvariants(); } }).enable();
  process.on('beforeExit', () => finish('quiescent'));
  setTimeout(() => finish('duration'), durationMs).unref(); // allowed: --real's cap on a run, in real ms
  const p = declared[0]!;
  const ctx = makeContext(p.name, hostBaseDir(target));
  try {
    const ret = p.main(ctx);
    if (ret !== undefined && typeof (ret as Promise<void>).then === 'function') {
      (ret as Promise<void>).then(undefined, (e: unknown) => {
        if (!(e instanceof RealStopped)) violate('uncaught-error', `task ${p.name} threw: ${errorText(e)}`);
      });
    }
  } catch (e) {
    if (!(e instanceof RealStopped)) violate('uncaught-error', `task ${p.name} threw: ${errorText(e)}`);
  }
}

main().catch((e: unknown) => {
  if (e instanceof RealStopped) return;
  if (!done) {
    done = true;
    send({ type: 'error', message: e instanceof Error ? e.stack ?? e.message : String(e) });
  }
});
