/**
 * `npm run soak:host`: host mode's memory must stay flat however many seeds one thread runs
 * (issue 15: fresh module instances per node incarnation and per seed, nothing kept between
 * runs). It runs the host fixture test/fixtures/host-lease.ts (an unmodified event-driven
 * CommonJS lease election, 3 nodes, 3 virtual s, per-seed weather) for N seeds in this one
 * thread (inline: the thread a campaign's worker would be), and samples the heap after a full
 * GC at every 5%. The aim: the heap grows less than 10% from the 10–20% mark to the end.
 *
 *   node --expose-gc dist/bench/soak-host.js [--seeds N] [--variant correct]
 *   node --expose-gc --experimental-vm-modules dist/bench/soak-host.js --target esm   (test/fixtures/host-esm.ts)
 *   ... --bare   (a plain loop of execute(): what the runs retain, without the campaign's bookkeeping)
 */
import { join } from 'node:path';
import { execute, DEFAULT_OPTIONS } from '../harness/engine/execute.js';
import { explore } from '../harness/campaign/explore.js';
import { loadTarget } from '../harness/target/load.js';

const gc = (globalThis as { gc?: () => void }).gc;
const mib = (b: number): string => `${(b / 1048576).toFixed(1)} MiB`;

function arg(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at < 0 ? fallback : process.argv[at + 1] ?? fallback;
}

async function main(): Promise<void> {
  if (gc === undefined) throw new Error('run with node --expose-gc (npm run soak:host does)');
  const seeds = Number(arg('seeds', '20000'));
  if (!Number.isSafeInteger(seeds) || seeds < 20) throw new Error('--seeds needs an integer >= 20');
  const variant = arg('variant', 'correct');
  // --target esm: the ES module fixture (ctx.host.import; run node with --experimental-vm-modules).
  const which = arg('target', 'lease');
  if (which !== 'lease' && which !== 'esm') throw new Error('--target is lease or esm');
  const target = join(import.meta.dirname, '..', '..', 'test', 'fixtures', which === 'esm' ? 'host-esm.ts' : 'host-lease.ts');
  const every = Math.floor(seeds / 20);
  const samples: { at: number; heap: number }[] = [];
  gc();
  const start = process.memoryUsage().heapUsed;
  // allowed: wall time of the soak itself, outside every run
  const t0 = performance.now();
  const sample = (i: number): void => {
    if ((i + 1) % every !== 0) return;
    gc!();
    samples.push({ at: (i + 1) / seeds, heap: process.memoryUsage().heapUsed });
    // As it goes: a long soak shows its trend before it ends.
    console.log(`  ${i + 1} seeds: heap after gc ${mib(samples.at(-1)!.heap)} (${((performance.now() - t0) / 1000).toFixed(0)} s)`); // allowed: wall time of the soak itself
  };
  // --bare: a plain loop of execute() (fixed weather, random strategy), without the campaign's
  // bookkeeping (its set of distinct hashes grows until 65,536): what the runs alone retain.
  const r = process.argv.includes('--bare') ? await bareLoop(target, variant, seeds, sample) : await explore({
    target, variant, seeds: `1..${seeds}`, inline: true, onResult: (_res, i) => sample(i),
  });
  const s = (performance.now() - t0) / 1000; // allowed: see above
  const floor = (xs: { heap: number }[]): number => Math.min(...xs.map((x) => x.heap));
  const early = floor(samples.filter((x) => x.at >= 0.1 && x.at <= 0.2 + 1e-9));
  const late = floor(samples.slice(-3));
  const growth = (late - early) / early;
  console.log(`interleave soak (host mode) — node ${process.version}, one thread`);
  console.log(`${which === 'esm' ? 'host-esm' : 'host-lease'} ${variant}: ${r.runs} seeds in ${s.toFixed(0)} s (${(r.runs / s).toFixed(0)} seeds/s, ${(r.steps / r.runs).toFixed(0)} steps a seed), ${Object.values(r.failuresByVariant).reduce((a, b) => a + b, 0)} failing`);
  console.log(`  heap after gc: before ${mib(start)}; ${samples.map((x) => `${Math.round(x.at * 100)}% ${mib(x.heap)}`).join(', ')}`);
  console.log(`  retained heap (floor of three samples) ${mib(early)} at 10–20%, ${mib(late)} at 90–100%: growth ${(growth * 100).toFixed(1)}% (aim < 10%): ${growth < 0.1 ? 'met' : 'MISSED'}`);
  if (growth >= 0.1) process.exitCode = 1;
}

async function bareLoop(file: string, variant: string, seeds: number, sample: (i: number) => void): Promise<{ runs: number; steps: number; failuresByVariant: Record<string, number> }> {
  const target = (await loadTarget(file)).target;
  const options = { ...DEFAULT_OPTIONS, durationMs: target.defaults?.durationMs ?? DEFAULT_OPTIONS.durationMs, ignore: new Set(target.ignore ?? []) };
  let steps = 0;
  let failing = 0;
  for (let i = 0; i < seeds; i++) {
    const res = await execute({ target, variant, seed: String(i + 1), strategy: { name: 'random' }, options });
    steps += res.steps;
    if (res.outcome !== 'pass') failing++;
    sample(i);
  }
  return { runs: seeds, steps, failuresByVariant: { [variant]: failing } };
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
