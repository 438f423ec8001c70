/**
 * `npm run soak`: memory must stay flat however many seeds a campaign runs. It runs a thread
 * target for 1,000,000 seeds and the Raft target for 100,000 (with --check-determinism), in
 * this one process on worker threads, and samples this process's heap after a full GC at every
 * 5% of each phase, plus the process's peak RSS. The aims: the heap grows less than 10% from
 * the 10% mark to the end, and no Raft seed diverges from itself.
 *
 *   node --expose-gc dist/bench/soak.js [--thread-seeds N] [--raft-seeds N] [--jobs N]
 */
import { availableParallelism } from 'node:os';
import { explore } from '../harness/campaign/explore.js';

interface Phase {
  target: string;
  variant: string;
  seeds: number;
  checkDeterminism: boolean;
}

function flag(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  if (at < 0) return fallback;
  const v = Number(process.argv[at + 1]);
  if (!Number.isSafeInteger(v) || v < 20) throw new Error(`--${name} needs an integer >= 20`);
  return v;
}

const gc = (globalThis as { gc?: () => void }).gc;
const mib = (b: number): string => `${(b / 1048576).toFixed(1)} MiB`;

async function phase(p: Phase, jobs: number): Promise<boolean> {
  const samples: { at: number; heap: number }[] = [];
  const every = Math.floor(p.seeds / 20);
  const t0 = performance.now();
  const r = await explore({
    target: p.target, variant: p.variant, seeds: `1..${p.seeds}`, jobs, checkDeterminism: p.checkDeterminism,
    onResult(_res, i) {
      if ((i + 1) % every !== 0) return;
      gc!();
      samples.push({ at: (i + 1) / p.seeds, heap: process.memoryUsage().heapUsed });
    },
  });
  const s = (performance.now() - t0) / 1000;
  // A sample can land while results are in flight; the floor of three neighbouring samples is
  // what the campaign retains, so 10–20% is compared with the last three (90–100%).
  const floor = (xs: { heap: number }[]): number => Math.min(...xs.map((x) => x.heap));
  const early = floor(samples.filter((x) => x.at >= 0.1 && x.at <= 0.2 + 1e-9));
  const late = floor(samples.slice(-3));
  const growth = (late - early) / early;
  const mismatches = r.violationsByKind['nondeterminism'] ?? 0;
  console.log(`${p.target} ${p.variant}: ${r.runs} seeds in ${s.toFixed(0)} s (${(r.runs / s).toFixed(0)} seeds/s), ${Object.values(r.failuresByVariant).reduce((a, b) => a + b, 0)} failing`);
  console.log(`  heap after gc: ${samples.map((x) => `${Math.round(x.at * 100)}% ${mib(x.heap)}`).join(', ')}`);
  console.log(`  retained heap (floor of three samples) ${mib(early)} at 10–20%, ${mib(late)} at 90–100%: growth ${(growth * 100).toFixed(1)}% (aim < 10%): ${growth < 0.1 ? 'met' : 'MISSED'}`);
  if (p.checkDeterminism) console.log(`  --check-determinism mismatches: ${mismatches} (aim 0): ${mismatches === 0 ? 'met' : 'MISSED'}`);
  return growth < 0.1 && mismatches === 0;
}

async function main(): Promise<void> {
  if (gc === undefined) throw new Error('run with node --expose-gc (npm run soak does)');
  const jobs = flag('jobs', availableParallelism());
  const phases: Phase[] = [
    { target: 'bounded-buffer', variant: 'correct', seeds: flag('thread-seeds', 1_000_000), checkDeterminism: false },
    { target: 'raft', variant: 'correct', seeds: flag('raft-seeds', 100_000), checkDeterminism: true },
  ];
  console.log(`interleave soak — node ${process.version}, --jobs ${jobs}`);
  let ok = true;
  for (const p of phases) ok = (await phase(p, jobs)) && ok;
  console.log(`peak RSS of the process (workers included): ${mib(process.resourceUsage().maxRSS * 1024)}`);
  console.log(ok ? 'every aim met' : 'an aim was MISSED');
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
