/**
 * Host mode: unmodified event-driven CommonJS code as a node's program (targets with
 * `host: true`). See docs/host-mode.md; runtime.ts is one run, trampolines.ts the
 * globals, loader.ts the private require, stubs.ts the built-ins that would escape.
 */
import { dirname } from 'node:path';
import type { Target } from '../core/api.js';
import type { Run } from '../core/run.js';
import { networkOf, type HostFor } from '../net/network.js';
import { HostRun } from './runtime.js';
import type { LoopWeather } from '../faults/loop-weather.js';

export { HostRun, HOST_EPOCH_MS, HOST_PERF_ORIGIN_MS } from './runtime.js';
export { trampolinesInstalled } from './trampolines.js';

/** Target object → the file it was loaded from (harness/target/load.ts records it). */
const files = new WeakMap<object, string>();

/** Records where a target was loaded from: its host code resolves from that directory. */
export function recordTargetFile(target: object, file: string): void {
  files.set(target, file);
}

/** The directory ctx.host.require resolves from: the target file's (of the target, or of the
 * one it derives from: the shrinker wraps targets with Object.create), else the working directory. */
export function hostBaseDir(target: Target): string {
  for (let o: object | null = target; o !== null; o = Object.getPrototypeOf(o) as object | null) {
    const f = files.get(o);
    if (f !== undefined) return dirname(f);
  }
  return process.cwd();
}

/** The end of the last host run started in this thread: the next one waits for it. */
let turn: Promise<void> = Promise.resolve();

/**
 * Makes `run` a host run of `target` (before setup): its sim's nodes get ctx.host. A host run
 * spans many macrotasks and the trampolines serve one run at a time, so host runs started
 * together in one thread (the shrinker starts a sweep's candidates at once) take turns; each
 * is the same run it would be alone. Call `release` once the run has ended.
 */
export async function attachHost(run: Run, sim: { hostFor: HostFor | null }, target: Target, loop?: LoopWeather): Promise<{ host: HostRun; release: () => void }> {
  const prev = turn;
  let release!: () => void;
  turn = new Promise<void>((r) => (release = r));
  await prev;
  const host = new HostRun(run, hostBaseDir(target), (id) => networkOf(run)?.nodes.find((n) => n.id === id), loop);
  run.useHost(host);
  sim.hostFor = host.hostFor;
  try {
    host.activate();
  } catch (e) {
    release();
    throw e;
  }
  return { host, release };
}
