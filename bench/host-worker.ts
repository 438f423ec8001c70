/**
 * The worker half of bench/host.ts: host mode runs only in worker threads, so both contenders
 * run here, in alternating rounds, and the thread reports seeds/s for each. interleave runs the
 * bundled liferaft target (3 nodes, `as-is`, every check on) through `execute`, exactly as a
 * campaign's worker does; the peer is bench/host-baseline.ts, the fake-timers host.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { execute, DEFAULT_OPTIONS } from '../harness/engine/execute.js';
import { resolveFaults } from '../harness/faults/names.js';
import { loadTarget } from '../harness/target/load.js';
import { fakeTimersSeed } from './host-baseline.js';

export interface HostBenchInput {
  targetPath: string;
  virtualMs: number;
  roundMs: number;
  rounds: number;
}

export interface HostBenchOutput {
  interleave: { seeds: number; ms: number; steps: number; failed: number };
  baseline: { seeds: number; ms: number };
  heapAfterMiB: number;
}

async function main(input: HostBenchInput): Promise<HostBenchOutput> {
  const { target } = await loadTarget(input.targetPath);
  // The same faults the baseline draws: delays, drops and duplicates, at fixed rates.
  const options = { ...DEFAULT_OPTIONS, durationMs: input.virtualMs, faults: resolveFaults(['drop', 'duplicate', 'delay']), livenessMs: 0 };
  const out: HostBenchOutput = { interleave: { seeds: 0, ms: 0, steps: 0, failed: 0 }, baseline: { seeds: 0, ms: 0 }, heapAfterMiB: 0 };
  let seed = 0;
  const ours = async (): Promise<void> => {
    const r = await execute({ target, variant: 'as-is', seed: `bench-${seed++}`, strategy: { name: 'random' }, options });
    out.interleave.seeds++;
    out.interleave.steps += r.steps;
    if (r.outcome !== 'pass') out.interleave.failed++;
  };
  const theirs = async (): Promise<void> => {
    await fakeTimersSeed(`bench-${seed++}`, 3, input.virtualMs);
    out.baseline.seeds++;
  };
  for (let w = 0; w < 5; w++) {
    await ours();
    await theirs();
  }
  out.interleave = { seeds: 0, ms: 0, steps: 0, failed: 0 };
  out.baseline = { seeds: 0, ms: 0 };
  for (let r = 0; r < input.rounds; r++) {
    for (const [side, fn] of [['interleave', ours], ['baseline', theirs]] as const) {
      const t0 = performance.now();
      do await fn();
      while (performance.now() - t0 < input.roundMs);
      out[side].ms += performance.now() - t0;
    }
  }
  out.heapAfterMiB = process.memoryUsage().heapUsed / 1048576;
  return out;
}

if (parentPort !== null && (workerData as { hostBench?: HostBenchInput } | null)?.hostBench !== undefined) {
  const port = parentPort;
  main((workerData as { hostBench: HostBenchInput }).hostBench).then(
    (o) => port.postMessage({ ok: o }),
    (e: unknown) => port.postMessage({ error: e instanceof Error ? e.stack ?? e.message : String(e) }),
  );
}
