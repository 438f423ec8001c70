/**
 * `npm run bench:bugs`: how many seeds each strategy needs to find each bundled bug, the same
 * thread bug under fast-check's `fc.scheduler()`, and how much shrinking cuts the failing runs.
 * Prints tables; exits 0 unless something crashes (a missed expectation is data, not an error).
 */
import { performance } from 'node:perf_hooks';
import type { StrategySpec } from '../harness/strategies/index.js';
import { execute } from '../harness/engine/execute.js';
import { fitStrategies, PILOT_SEEDS } from '../harness/campaign/fit.js';
import { bundledCases } from './bugs/cases.js';
import { boundedBufferModel, FC_VERSION, fcSeedsToFailure, latchModel, type FcModel } from './bugs/fc-models.js';
import { measureShrinks, shrinkSummary, shrinkTable } from './bugs/shrink-section.js';
import { summarize, type Walks } from './bugs/stats.js';
import { table } from './bugs/table.js';
import { networkSection } from './bugs/network.js';
import { msPerRun, walkBases, type Case, type Plan, type WalkResult } from './bugs/walk.js';

const BASES = 30;
const CAP = 1_000;
/** run-to-block never preempts: it is the "no exploration" baseline, so a short walk suffices. */
const BASELINE_CAP = 100;
/** Longest a (variant, strategy) cell may keep starting base seeds. */
const CELL_BUDGET_MS = 12_000;
/** Base seeds below which a slow target's plan is not reduced further. */
const MIN_BASES = 10;
/** A run slower than this (ms) makes a target "slow" and its plan smaller. */
const SLOW_RUN_MS = 5;
/** What all slow targets together may spend walking seeds, and shrinking: the bench stays within ~3 minutes. */
const SLOW_WALK_TOTAL_MS = 80_000;
const SLOW_SHRINK_TOTAL_MS = 50_000;
const SHRINK_BASES = 5;
const SLOW_SHRINK_BASES = 2;
const STRATEGIES = 5;
/** PCT's step bound before fitting: what `--strategy pct` used whatever the run's length. */
const OLD_K = 200;
/** Longest one network case may keep starting base seeds (then its bases so far count). */
/** Per (case, strategy): random, pctcp and the portfolio each walk a network case. */
const NET_CASE_BUDGET_MS = 25_000;

/** Progress goes to a terminal only, so a redirected report is just the tables. */
function progress(line: string): void {
  if (process.stderr.isTTY) process.stderr.write(`  ${line}\n`);
}

interface Cell {
  c: Case;
  label: string;
  strategy: StrategySpec;
  plan: Plan;
  w: WalkResult;
}

const key = (c: Case): string => `${c.target.name}/${c.variant}`;

/**
 * 30 bases × 1,000 seeds unless runs are slow (Raft-sized); then fewer bases, then a lower cap,
 * so that a cell's worst case fits its budget. Thread targets always get the full plan: their
 * timing estimate is noisy, and the cell's time budget already bounds an unlucky cell.
 */
function planFor(c: Case, ms: number, slowCases: number, notes: string[]): Plan {
  if (ms <= SLOW_RUN_MS) return { bases: BASES, cap: CAP, budgetMs: CELL_BUDGET_MS, msPerRun: ms };
  const budgetMs = Math.min(CELL_BUDGET_MS, SLOW_WALK_TOTAL_MS / (slowCases * STRATEGIES));
  const bases = Math.max(MIN_BASES, Math.floor(budgetMs / (CAP * ms)));
  const cap = Math.max(20, Math.min(CAP, Math.floor(budgetMs / (bases * ms))));
  notes.push(`${key(c)}: runs take ~${ms.toFixed(1)} ms, so ${bases} base seeds with a cap of ${cap} ` +
    `(not ${BASES} × ${CAP}), a cell stops after ${(budgetMs / 1000).toFixed(1)} s (dropping a base it interrupts), ` +
    `and ${SLOW_SHRINK_BASES} failures are shrunk, not ${SHRINK_BASES}`);
  return { bases, cap, budgetMs, msPerRun: ms };
}

/** Each case's warm run time, measured up front so slow targets can share one time budget. */
async function planAll(cases: readonly Case[], notes: string[]): Promise<Plan[]> {
  const ms: number[] = [];
  for (const c of cases) ms.push(await msPerRun(c));
  const slowCases = ms.filter((m) => m > SLOW_RUN_MS).length;
  return cases.map((c, i) => planFor(c, ms[i]!, slowCases, notes));
}

/** The k `interleave run --strategy pct` fits for this case: explore's own pilot (campaign/fit.ts), run here. */
async function fittedK(c: Case): Promise<number> {
  const pilot = [];
  for (const seed of PILOT_SEEDS) {
    const r = await execute({ target: c.target, variant: c.variant, seed, strategy: { name: 'random' }, options: c.seedOptions(seed) });
    pilot.push({ variant: c.variant, steps: r.steps, messages: r.messages ?? 0, network: r.network === true });
  }
  return Number(fitStrategies({ name: 'pct', params: {} }, [c.variant], pilot).perVariant[c.variant]!.params['k']);
}

async function strategiesFor(c: Case): Promise<{ label: string; strategy: StrategySpec; baseline: boolean }[]> {
  const k = await fittedK(c);
  return [
    { label: 'random', strategy: { name: 'random' }, baseline: false },
    { label: `pct d=3 k=${OLD_K}`, strategy: { name: 'pct', params: { depth: 3, k: OLD_K } }, baseline: false },
    { label: `pct d=3 k=${k} fit`, strategy: { name: 'pct', params: { depth: 3, k } }, baseline: false },
    { label: `pct d=2 k=${k} fit`, strategy: { name: 'pct', params: { depth: 2, k } }, baseline: false },
    { label: 'run-to-block', strategy: { name: 'run-to-block' }, baseline: true },
  ];
}

/** The fitted-k aim: per thread case, PCT d=3 at the fitted k against k = 200. */
function fitAim(cells: readonly Cell[]): string[] {
  const lines: string[] = [];
  let met = 0;
  let cases = 0;
  for (const c of new Set(cells.map((x) => key(x.c)))) {
    const of = (re: RegExp): Cell | undefined => cells.find((x) => key(x.c) === c && re.test(x.label));
    const old = of(new RegExp(`^pct d=3 k=${OLD_K}$`));
    const fit = of(/^pct d=3 k=\d+ fit$/);
    if (old === undefined || fit === undefined || old.w.basesRun === 0 || fit.w.basesRun === 0) continue;
    const mo = Number(summarize(old.w).median.replace('>', ''));
    const mf = Number(summarize(fit.w).median.replace('>', ''));
    cases++;
    const ok = mf * 2 <= mo;
    if (ok) met++;
    lines.push(`- ${c}: median ${summarize(fit.w).median} at the fitted k vs ${summarize(old.w).median} at k=${OLD_K} (${(mo / mf).toFixed(1)}×) ${ok ? 'met' : 'missed'}`);
  }
  return [`fitted k: median at most half of k=${OLD_K}'s, met on ${met} of ${cases} cases`, ...lines];
}

async function measureCells(cases: readonly Case[], notes: string[]): Promise<Cell[]> {
  const cells: Cell[] = [];
  const plans = await planAll(cases, notes);
  for (const [i, c] of cases.entries()) {
    const plan = plans[i]!;
    for (const s of await strategiesFor(c)) {
      // The baseline's walk is short: a quarter of the budget at most.
      const p = s.baseline ? { ...plan, cap: Math.min(plan.cap, BASELINE_CAP), budgetMs: plan.budgetMs / 4 } : plan;
      const w = await walkBases(c, s.strategy, p);
      if (w.basesRun < p.bases) notes.push(`${key(c)} ${s.label}: time budget ran out after ${w.basesRun} of ${p.bases} base seeds (${w.runs} runs)`);
      cells.push({ c, label: s.label, strategy: s.strategy, plan: p, w });
      if (s.baseline && w.firstFailures.length > 0) {
        const faults = Object.keys(c.options.faults);
        notes.push(`${key(c)}: run-to-block found it — it never preempts, but ` +
          (faults.length > 0 ? `the target's default faults (${faults.join(', ')}) are drawn per seed` : 'the bug needs no preemption'));
      }
      progress(`${key(c)} ${s.label}: ${(w.ms / 1000).toFixed(1)} s`);
    }
  }
  return cells;
}

function seedsTable(cells: readonly Cell[]): string[] {
  const rows = cells.map(({ c, label, w }) => {
    const s = summarize(w);
    const none = w.firstFailures.length === 0;
    return [
      c.target.name, c.variant, c.kind, label, String(w.basesRun),
      none ? `not found within ${w.runs}` : s.median, none ? '' : s.p90, none ? '' : s.capped,
      String(w.runs), (w.ms / 1000).toFixed(1),
    ];
  });
  return table(['target', 'variant', 'expected', 'strategy', 'bases', 'median', 'p90', 'capped', 'runs', 's'], rows);
}

interface FcLine {
  model: FcModel;
  walks: Walks;
  message: string | null;
  path: string | null;
}

async function measureFc(models: readonly FcModel[]): Promise<FcLine[]> {
  const out: FcLine[] = [];
  for (const model of models) {
    const walks: Walks = { counts: [], cap: CAP };
    let first: { message: string | null; path: string | null } = { message: null, path: null };
    for (let b = 0; b < BASES; b++) {
      const r = await fcSeedsToFailure(model, b, CAP);
      walks.counts.push(r.count);
      if (first.message === null && r.message !== null) first = r;
    }
    out.push({ model, walks, ...first });
  }
  return out;
}

function fcTable(lines: readonly FcLine[], cells: readonly Cell[]): string[] {
  const rows: string[][] = [];
  for (const l of lines) {
    const bug = `${l.model.target}/${l.model.variant}`;
    const s = summarize(l.walks);
    rows.push([bug, 'fast-check fc.scheduler()', String(l.walks.counts.length), s.median, s.p90, s.capped, `"${l.message ?? 'never failed'}"`]);
    for (const cell of cells.filter((x) => key(x.c) === bug && x.strategy.name !== 'run-to-block')) {
      const t = summarize(cell.w);
      const v = cell.w.firstFailures[0]?.violations[0];
      const said = v === undefined ? 'not found' : `${v.kind}: ${v.message.length > 70 ? `${v.message.slice(0, 67)}...` : v.message}`;
      rows.push([bug, `interleave ${cell.label}`, String(cell.w.basesRun), t.median, t.p90, t.capped, said]);
    }
  }
  return table(['bug', 'engine', 'bases', 'median', 'p90', 'capped', 'reported as'], rows);
}

function fcNotes(lines: readonly FcLine[]): string[] {
  const paths = lines.map((l) => `${l.model.target}: "${l.path ?? '-'}"`).join(', ');
  return [
    'fast-check: seed = base seed; seeds-to-failure = numRuns of fc.check({ seed, numRuns: ' + `${CAP}` + ' }) at its',
    '  first failure (runs from one seed are one PRNG stream, not independent seeds as in interleave).',
    '  It sees the bug only as a run that did not finish (waitIdle returns with a task pending on a',
    '  promise nobody resolves): no lost-wakeup diagnosis, no missed signal, no stale read. It cannot',
    '  shrink the schedule (fc.scheduler() has no shrinker); its counterexample is the replay path',
    `  plus seed (first failing base: ${paths}).`,
    '  Same task code, same scheduling points (lock, unlock, wait, signal, broadcast, get, set, sleep),',
    '  uniform choice among scheduled promises: the like-for-like comparison is interleave `random`.',
  ];
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const notes: string[] = [];
  console.log(`interleave bench:bugs — node ${process.version}, ${process.platform}/${process.arch}`);
  const args = process.argv.slice(2);
  const netOnly = args.includes('--network');
  if (args.includes('--network') || !args.includes('--threads')) {
    console.log('');
    for (const l of await networkSection(NET_CASE_BUDGET_MS, 1)) console.log(l);
    if (netOnly) return;
  }
  const cases = await bundledCases(notes, args.filter((a) => !a.startsWith('--')));
  const cells = await measureCells(cases, notes);
  console.log(`\n## Seeds to find each bug (${BASES} base seeds b; seeds "b:0", "b:1", … until the first run whose`);
  console.log(`## first violation is the expected kind; cap ${CAP}, run-to-block ${BASELINE_CAP}; ">cap" = not found)\n`);
  for (const l of seedsTable(cells)) console.log(l);
  console.log(`\nk fit = what explore fits with no -k: the longest of ${PILOT_SEEDS.length} pilot runs under random (harness/campaign/fit.ts).`);
  for (const l of fitAim(cells)) console.log(l);
  const fcLines = await measureFc([boundedBufferModel, latchModel]);
  console.log(`\n## The same thread bugs under fast-check ${FC_VERSION} fc.scheduler() (same ${BASES} base seeds)\n`);
  for (const l of fcTable(fcLines, cells)) console.log(l);
  console.log('');
  for (const l of fcNotes(fcLines)) console.log(l);
  const shrinks = await measureShrinks(cells, {
    bases: SHRINK_BASES, slowBases: SLOW_SHRINK_BASES, slowTotalMs: SLOW_SHRINK_TOTAL_MS, slowRunMs: SLOW_RUN_MS,
  });
  console.log(`\n## Shrinking: the first failing seed of the first ${SHRINK_BASES} base seeds (${SLOW_SHRINK_BASES} on slow targets)`);
  console.log('## that found each bug, by the first strategy above that found it; shrink() in worker threads, 2 at a time\n');
  for (const l of shrinkTable(shrinks)) console.log(l);
  console.log('');
  for (const l of shrinkSummary(shrinks)) console.log(l);
  if (notes.length > 0) console.log(`\n## Notes\n\n${notes.map((n) => `- ${n}`).join('\n')}`);
  console.log(`\nbench:bugs took ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
