/**
 * `npm run bench:fidelity`: is a simulated host run as likely to fail as the same code on Node's
 * own loop? Every fidelity fixture (test/fixtures/fidelity/: published races in npm libraries,
 * buggy and fixed versions pinned as aliased dev dependencies) runs both ways, per variant:
 *
 * - real: `run --real`, N runs on Node's loop, real timers, each in a fresh process;
 * - simulated with no fault flags (`--faults none`: the loop's own nondeterminism only), M seeds;
 * - simulated under the default per-seed weather (plain flags), M seeds;
 *
 * and prints the failure rates side by side with their ratio to the real rate (÷ real), as the
 * other benches print ratios. Issue #27's aims, read off the table: on every fixture whose real
 * rate is above 0, the simulated rate with no fault flags is at least half the real rate; fixed
 * versions stay clean. Flags: --runs N (default 30), --seeds M (default 300), --fixture name
 * (repeatable), --jobs J (simulation workers, default 2; real runs go one at a time).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { explore } from '../harness/campaign/explore.js';
import { runReal } from '../harness/real/index.js';
import { loadTarget } from '../harness/target/load.js';

const ROOT = join(import.meta.dirname, '..', '..');
const DIR = join(ROOT, 'test', 'fixtures', 'fidelity');

function flag(name: string): string[] {
  const out: string[] = [];
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === `--${name}` && argv[i + 1] !== undefined) out.push(argv[++i]!);
    else if (argv[i]!.startsWith(`--${name}=`)) out.push(argv[i]!.slice(name.length + 3));
  }
  return out;
}

const runs = Number(flag('runs')[0] ?? 30);
const seeds = Number(flag('seeds')[0] ?? 300);
const jobs = Number(flag('jobs')[0] ?? 2);
const only = flag('fixture');

interface Rate {
  failed: number;
  of: number;
  kinds: Record<string, number>;
}

function pct(r: Rate): string {
  return `${((100 * r.failed) / r.of).toFixed(1)}% (${r.failed}/${r.of})`;
}

function ratio(sim: Rate, real: Rate): string {
  if (real.failed === 0) return sim.failed === 0 ? '—' : 'real 0';
  return `${((sim.failed / sim.of) / (real.failed / real.of)).toFixed(2)}×`;
}

function kindsText(k: Record<string, number>): string {
  return Object.entries(k).sort((a, b) => b[1] - a[1]).map(([x, n]) => `${x} ${n}`).join(', ');
}

async function simulated(file: string, variant: string, faults: readonly string[] | undefined): Promise<Rate> {
  const r = await explore({ target: file, variant, seeds: `1..${seeds}`, jobs, ...(faults !== undefined ? { faults } : {}) });
  const failed = r.failuresByVariant[variant] ?? 0;
  return { failed, of: failed + (r.passesByVariant[variant] ?? 0), kinds: { ...r.violationsByKind } };
}

async function main(): Promise<void> {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.ts')).sort()
    .filter((f) => only.length === 0 || only.includes(f.replace(/\.ts$/, '')));
  console.log(`# fidelity: real Node loop (${process.version}) vs simulated host runs`);
  console.log(`# real: ${runs} runs per variant, each in a fresh process; simulated: seeds 1..${seeds}, --jobs ${jobs}\n`);
  const rows: string[] = [];
  const aims: string[] = [];
  for (const f of files) {
    const file = join(DIR, f);
    const { target } = await loadTarget(file);
    for (const variant of target.variants) {
      const t0 = performance.now();
      const real = await runReal({ target: file, variants: [variant], runs, durationMs: 60_000 });
      const rv = real.variants[0]!;
      const realRate: Rate = { failed: rv.failed, of: rv.runs, kinds: rv.byKind };
      const t1 = performance.now();
      const none = await simulated(file, variant, ['none']);
      const weather = await simulated(file, variant, undefined);
      const t2 = performance.now();
      rows.push(`| ${target.name} | ${variant} | ${pct(realRate)} | ${pct(none)} | ${ratio(none, realRate)} | ${pct(weather)} | ${ratio(weather, realRate)} |`);
      console.log(`${target.name} ${variant}: real ${pct(realRate)} [${kindsText(realRate.kinds)}] in ${((t1 - t0) / 1000).toFixed(1)} s; ` +
        `simulated --faults none ${pct(none)} [${kindsText(none.kinds)}], default weather ${pct(weather)} [${kindsText(weather.kinds)}] in ${((t2 - t1) / 1000).toFixed(1)} s`);
      const realP = realRate.failed / realRate.of;
      if (realP > 0) aims.push(`${target.name} ${variant}: simulated (--faults none) ≥ half the real rate: ${none.failed / none.of >= realP / 2 ? 'met' : 'MISSED'}`);
      else aims.push(`${target.name} ${variant}: real rate 0; simulated --faults none ${none.failed === 0 ? 'clean (met)' : `fails ${pct(none)}: failures Node did not produce in ${runs} runs (MISSED)`}`);
    }
  }
  console.log('\n| fixture | variant | real | simulated, --faults none | ÷ real | simulated, default weather | ÷ real |');
  console.log('|---|---|---:|---:|---:|---:|---:|');
  for (const r of rows) console.log(r);
  console.log('\naims (issue #27):');
  for (const a of aims) console.log(`- ${a}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
