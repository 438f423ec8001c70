/**
 * Issue 16's measurement of network shrinking, in candidate runs (deterministic, load-free):
 * `node dist/bench/bugs/shrink-net.js [--runs N] [--jobs J] [variant:seed | target:variant:seed ...]`
 * shrinks each failing seed (of Raft, or of a bundled or file target) with `maxRuns` N (default
 * 1500) on J worker threads (default 1: inline; the result does not depend on J, the wall time
 * does), replays the result strictly under the options it returned, and prints one row each
 * with its schedule's hash and the medians the issue's aims are stated in. Without cases it
 * takes the nine failures of bench/README-bugs.md's table.
 */
import { performance } from 'node:perf_hooks';
import { execute } from '../../harness/engine/execute.js';
import { fitExplore } from '../../harness/campaign/pilot.js';
import { resolveExplore, seedOptions, strategyFor } from '../../harness/campaign/resolve.js';
import { runDecisions } from '../../harness/replay/run-decisions.js';
import { describeChange, shrink } from '../../harness/shrink/index.js';
import { table } from './table.js';

const CASES = [
  'no-lease:1', 'no-lease:41', 'no-lease:44', 'vote-not-persisted:163', 'vote-not-persisted:281',
  'skip-prev-log-check:18', 'skip-prev-log-check:33', 'skip-prev-log-check:41', 'skip-prev-log-check:44',
];

interface Row {
  cells: string[];
  ratio: number;
  faults: number;
  units: number;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

async function measure(c: string, maxRuns: number, jobs: number): Promise<Row> {
  // `variant:seed` of the Raft target, or `target:variant:seed` (a bundled name or a path).
  const parts = c.split(':');
  const [target, variant, seed] = (parts.length === 2 ? ['raft', ...parts] : parts) as [string, string, string];
  const r = await resolveExplore({ target, variant });
  await fitExplore({ ...r, variants: [variant] }, { target, inline: true });
  const base = { target: r.target, variant, seed, strategy: strategyFor(r, variant, seed), options: seedOptions(r, variant, seed) };
  const orig = await execute(base);
  const kind = orig.violations[0]?.kind;
  if (kind === undefined) throw new Error(`${c}: the seed does not fail`);
  const t0 = performance.now();
  const s = await shrink({ ...base, decisions: orig.decisions, kind, maxRuns, jobs, targetRef: target });
  const ms = performance.now() - t0;
  const strict = await runDecisions({ ...base, options: s.options }, s.decisions, { mode: 'strict' });
  const ok = strict.result.violations[0]?.kind === kind && strict.result.decisionHash === s.result.decisionHash;
  const units = s.essentialFaults?.length ?? 0;
  const ratio = s.after.steps / s.before.steps;
  return {
    ratio, faults: s.after.faults, units,
    cells: [
      parts.length === 2 ? variant : `${r.target.name}/${variant}`, kind, seed, `${s.before.steps} → ${s.after.steps}`, `${(ratio * 100).toFixed(0)}%`,
      `${s.before.preemptions} → ${s.after.preemptions}`, `${s.before.faults} → ${s.after.faults}`, String(units),
      s.faultsMinimal ? 'checked' : 'no', String(s.runs), ok ? 'yes' : 'NO', (ms / 1000).toFixed(1), s.result.decisionHash,
      s.lightened.map(describeChange).join(', ') || '-',
    ],
  };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  let maxRuns = 1500;
  let jobs = 1;
  const cases: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--runs') maxRuns = Number(args[++i]);
    else if (args[i] === '--jobs') jobs = Number(args[++i]);
    else cases.push(args[i]!);
  }
  if (!Number.isInteger(maxRuns) || maxRuns < 1) throw new Error(`--runs takes a positive integer, got ${maxRuns}`);
  if (!Number.isInteger(jobs) || jobs < 1) throw new Error(`--jobs takes a positive integer, got ${jobs}`);
  const rows: Row[] = [];
  for (const c of cases.length > 0 ? cases : CASES) rows.push(await measure(c, maxRuns, jobs));
  const header = ['variant', 'kind', 'seed', 'steps', 'after/before', 'preemptions', 'faults', 'units', 'essential', 'runs', 'strict', 's', 'schedule hash', 'lighter workload'];
  for (const l of table(header, rows.map((r) => r.cells))) console.log(l);
  console.log(`\nmedian steps after/before ${(median(rows.map((r) => r.ratio)) * 100).toFixed(0)}% (aim ≤ 30%), ` +
    `median faults after ${median(rows.map((r) => r.faults))} (fault-log entries; aim ≤ 6), median fault units ${median(rows.map((r) => r.units))}`);
}

await main();
