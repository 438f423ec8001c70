/**
 * Host mode's benchmark (issue 15): seeds/s of a 3-node liferaft cluster run for 3 virtual
 * seconds with faults, in host mode, beside a hand-written host on @sinonjs/fake-timers running
 * the same cluster, both measured in one worker thread in alternating rounds. The aim is 10×.
 */
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import type { HostBenchInput, HostBenchOutput } from './host-worker.js';
import type { Section, SectionOutput } from './section.js';

const VIRTUAL_MS = 3_000;

function inWorker(input: HostBenchInput): Promise<HostBenchOutput> {
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL('./host-worker.js', import.meta.url), { workerData: { hostBench: input } });
    w.once('message', (m: { ok?: HostBenchOutput; error?: string }) => {
      void w.terminate();
      if (m.ok !== undefined) resolve(m.ok);
      else reject(new Error(m.error));
    });
    w.once('error', reject);
  });
}

export const section: Section = {
  title: 'Host mode: liferaft, 3 nodes, 3 virtual s with drops, duplicates and delays',
  async run(): Promise<SectionOutput> {
    const targetPath = fileURLToPath(new URL('../targets/liferaft/index.js', import.meta.url));
    const o = await inWorker({ targetPath, virtualMs: VIRTUAL_MS, roundMs: 2_000, rounds: 3 });
    const ours = o.interleave.seeds / (o.interleave.ms / 1000);
    const theirs = o.baseline.seeds / (o.baseline.ms / 1000);
    const ratio = ours / theirs;
    const lines = [
      'contender                          seeds   seeds/s   steps/seed',
      `interleave host mode (checked)  ${String(o.interleave.seeds).padStart(8)} ${ours.toFixed(1).padStart(9)} ${Math.round(o.interleave.steps / Math.max(1, o.interleave.seeds)).toString().padStart(12)}`,
      `fake-timers host (unchecked)    ${String(o.baseline.seeds).padStart(8)} ${theirs.toFixed(1).padStart(9)}`,
      `ratio ${ratio.toFixed(2)}×; ${o.interleave.failed} interleave runs found a violation; worker heap after: ${o.heapAfterMiB.toFixed(0)} MiB`,
    ];
    return {
      lines,
      aims: [{ label: 'host-mode liferaft seeds/s ≥ 10× a fake-timers host', met: ratio >= 10, detail: `${ratio.toFixed(2)}× (${ours.toFixed(1)} vs ${theirs.toFixed(1)} seeds/s)` }],
    };
  },
};
