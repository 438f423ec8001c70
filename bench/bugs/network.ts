/**
 * bench:bugs, network section: every network fixture (bench/fixtures/net, written blind before
 * per-seed weather existed) and every Raft variant, under default flags, against the frozen
 * baseline measured on the engine before weather (bench/fixtures/net/baseline.json: the same
 * walk with `--faults all --swarm` and its fixed 1–5 ms latency).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { explore } from '../../harness/campaign/explore.js';
import { fitExplore } from '../../harness/campaign/pilot.js';
import { optionsFor, resolveExplore } from '../../harness/campaign/resolve.js';
import type { StrategySpec } from '../../harness/strategies/index.js';
import { loadTarget } from '../../harness/target/load.js';
import { median, quantile, show, walkNet, type NetCase, type NetWalk } from './net-walk.js';
import { performance } from 'node:perf_hooks';
import { table } from './table.js';

export const NET_FIXTURES = 'bench/fixtures/net';
/** BENCH_NET_BASES / BENCH_NET_CAP / BENCH_NET_CASES (comma-separated case names) narrow a
 * measurement on a loaded machine; the published tables say which were used. */
const BASES = Number(process.env['BENCH_NET_BASES'] ?? 30);
const CAP = Number(process.env['BENCH_NET_CAP'] ?? 1_000);
const ONLY = process.env['BENCH_NET_CASES']?.split(',').filter((x) => x.length > 0) ?? null;
/** Distinct abstract states are compared after this many seeds (1..N), per strategy. */
const STATES_AFTER = Number(process.env['BENCH_NET_STATES_AFTER'] ?? 1_000);
const AIM_MEDIAN = 50;
const AIM_P90 = 300;
const AIM_RATIO = 10;
/** The portfolio's aim on cases that need a timer race or a reordered reply: at most half random's median. */
const AIM_ORDER = 2;
/**
 * Cases whose trigger is a message landing late or out of order (bench/fixtures/net/README.md's
 * "what exposes it", and Raft's reordered appends and Figure 8), chosen before measuring.
 */
const ORDER_CASES = new Set(['vote-count-replies/count-replies', 'vote-forgotten/forget-vote', 'stale-overwrite/no-version-check',
  'retry-twice/no-dedup', 'raft/skip-prev-log-check', 'raft/commit-old-term']);

interface Baseline {
  flags: Record<string, unknown>;
  cap: number;
  walks: NetWalk[];
}

export async function networkCases(): Promise<NetCase[]> {
  const refs = [...readdirSync(NET_FIXTURES).filter((f) => f.endsWith('.ts')).sort().map((f) => `./${NET_FIXTURES}/${f}`), 'raft'];
  const out: NetCase[] = [];
  for (const ref of refs) {
    const { target } = await loadTarget(ref);
    for (const variant of target.variants) {
      const kind = target.expect?.[variant];
      if (variant !== 'correct' && kind !== undefined && kind !== 'pass') out.push({ ref, variant, kind });
    }
  }
  return out;
}

function readBaseline(): Baseline | null {
  try {
    return JSON.parse(readFileSync(`${NET_FIXTURES}/baseline.json`, 'utf8')) as Baseline;
  } catch {
    return null;
  }
}

const caseName = (c: NetCase): string => `${c.ref.replace(`./${NET_FIXTURES}/`, '').replace(/\.ts$/, '')}/${c.variant}`;

/** The strategy a default run fits for this case (the portfolio), and its pctcp member alone. */
export async function fitted(c: NetCase): Promise<{ portfolio: Required<StrategySpec>; pctcp: Required<StrategySpec> }> {
  const r = await resolveExplore({ target: c.ref, variant: c.variant });
  await fitExplore(r, { target: c.ref });
  const p = optionsFor(r, c.variant).strategy;
  return { portfolio: p, pctcp: { name: 'pctcp', params: { depth: Number(p.params['pctcpDepth']), k: Number(p.params['pctcpK']) } } };
}

/**
 * Runs the section; returns the lines to print. `budgetMs` bounds each (case, strategy) walk.
 * Each case is walked under weather-random (the default before the portfolio), pctcp alone and
 * the portfolio (today's default): explore() with the fitted spec given explicitly, which runs
 * the seeds the default runs without a pilot per chunk of seeds.
 */
export async function networkSection(budgetMs: number, jobs: number): Promise<string[]> {
  const base = readBaseline();
  const rows: string[][] = [];
  const orderRows: string[][] = [];
  const notes: string[] = [];
  let met = 0;
  let cases = 0;
  let orderMet = 0;
  let orderCases = 0;
  const guidedRows: string[][] = [];
  const stateRows: string[][] = [];
  for (const c of await networkCases()) {
    if (ONLY !== null && !ONLY.includes(caseName(c))) continue;
    const f = await fitted(c);
    const walks: NetWalk[] = [];
    for (const strategy of [{ name: 'random', params: {} }, f.pctcp, f.portfolio]) {
      walks.push(await walkNet(explore as never, c, { strategy }, BASES, CAP, jobs, budgetMs));
    }
    const guided = await walkGuided(c, BASES, CAP, jobs, budgetMs);
    const gm = median(guided.counts);
    const pm = median(walks[2]!.counts);
    guidedRows.push([
      caseName(c), c.kind, `${show(pm, CAP)} / ${show(quantile(walks[2]!.counts, 0.9), CAP)} (${walks[2]!.counts.length})`,
      `${show(gm, CAP)} / ${show(quantile(guided.counts, 0.9), CAP)} (${guided.counts.length})`,
      `${(Math.min(pm, CAP + 1) / Math.min(gm, CAP + 1)).toFixed(1)}×`,
      guided.msToFirst.length > 0 ? (median(guided.msToFirst) / 1000).toFixed(1) : '-',
      walks[2]!.msToFirst.length > 0 ? (median(walks[2]!.msToFirst) / 1000).toFixed(1) : '-',
    ]);
    if (STATES_AFTER > 0) {
      const counts: string[] = [];
      for (const strategy of [{ name: 'random', params: {} }, f.pctcp, f.portfolio, { name: 'guided', params: {} }]) {
        const r = await explore({ target: c.ref, variant: c.variant, seeds: `1..${STATES_AFTER}`, strategy, jobs });
        const n = r.states.count();
        counts.push(`${n.estimated ? '≈' : ''}${n.value}`);
      }
      stateRows.push([caseName(c), ...counts]);
    }
    const ms = walks.map((x) => median(x.counts));
    const order = ORDER_CASES.has(caseName(c));
    const orderOk = ms[2]! * AIM_ORDER <= ms[0]!;
    if (order) {
      orderCases++;
      if (orderOk) orderMet++;
    }
    orderRows.push([
      caseName(c), c.kind,
      ...walks.map((x, i) => `${show(ms[i]!, CAP)} / ${show(quantile(x.counts, 0.9), CAP)} (${x.counts.length})`),
      `${(Math.min(ms[0]!, CAP + 1) / ms[2]!).toFixed(1)}×`, order ? (orderOk ? 'met' : 'MISSED') : '-',
    ]);
    const w = walks[2]!;
    const b = base?.walks.find((x) => x.case.ref === c.ref && x.case.variant === c.variant);
    const m = median(w.counts);
    const p = quantile(w.counts, 0.9);
    const bm = b === undefined ? NaN : median(b.counts);
    const ratio = Number.isNaN(bm) ? '-' : `${bm > b!.cap ? '≥' : ''}${(Math.min(bm, b!.cap + 1) / m).toFixed(1)}×`;
    const ok = m <= AIM_MEDIAN && p <= AIM_P90;
    cases++;
    if (ok) met++;
    const secs = w.msToFirst.length > 0 ? (median(w.msToFirst) / 1000).toFixed(2) : '-';
    rows.push([
      c.ref.replace(`./${NET_FIXTURES}/`, '').replace(/\.ts$/, ''), c.variant, c.kind, String(w.counts.length),
      show(m, CAP), show(p, CAP), secs,
      b === undefined ? '-' : `${show(bm, b.cap)} / ${show(quantile(b.counts, 0.9), b.cap)} (${b.counts.length})`,
      ratio, ok ? 'met' : 'MISSED',
    ]);
    walks.forEach((x, i) => {
      if (x.counts.length < BASES) notes.push(`${caseName(c)} ${['random', 'pctcp', 'portfolio'][i]}: time budget ran out after ${x.counts.length} base seeds`);
    });
  }
  return [
    `## Delivery order: seeds to the first failure by strategy, median / p90 (bases), ${BASES} base seeds, cap ${CAP}`,
    '## random = weather-random (the default before); pctcp = the message-order strategy alone, k fitted; portfolio = today\'s default',
    '',
    ...table(['case', 'expected', 'random', 'pctcp', 'portfolio', 'random/portfolio', `aim ≤1/${AIM_ORDER}`], orderRows),
    '',
    `aim met on ${orderMet} of ${orderCases} cases that need a timer race or a reordered reply (portfolio median ≤ random's / ${AIM_ORDER})`,
    '',
    `## Network bugs: seeds to the first failure under default flags (per-seed weather, the portfolio), ${BASES} base seeds, cap ${CAP}`,
    `## baseline: the engine before weather, \`${JSON.stringify(base?.flags ?? {})}\`, 1–5 ms latency (median / p90 (bases))`,
    '',
    ...table(['fixture', 'variant', 'expected', 'bases', 'median', 'p90', 's to 1st', 'baseline', 'fewer seeds', `aim ≤${AIM_MEDIAN}/≤${AIM_P90}`], rows),
    '',
    `aims met: ${met} of ${cases} (median ≤ ${AIM_MEDIAN} and p90 ≤ ${AIM_P90}); the ≥${AIM_RATIO}× aim applies to cases needing concurrency or a timer race.`,
    ...notes.map((n) => `- ${n}`),
    '',
    `## Guided (issue 14): seeds to the first failure, median / p90 (bases), ${BASES} base seeds, cap ${CAP}; wall s to the first, median`,
    '',
    ...table(['case', 'expected', 'portfolio', 'guided', 'portfolio/guided', 'guided s', 'portfolio s'], guidedRows),
    ...(stateRows.length > 0 ? ['', `## Distinct abstract states after seeds 1..${STATES_AFTER}`, '', ...table(['case', 'random', 'pctcp', 'portfolio', 'guided'], stateRows)] : []),
  ];
}

/**
 * Guided needs its corpus to live across a base's seeds, so a base is one explore() over
 * `b:0 … b:cap-1`, stopped as soon as a run shows the kind (the walk's chunks would each start
 * from an empty corpus). Counted as the walk counts: seeds up to and including the first hit.
 */
export async function walkGuided(c: NetCase, bases: number, cap: number, jobs: number, budgetMs: number, from = 0): Promise<NetWalk> {
  const t0 = performance.now();
  const out: NetWalk = { case: c, counts: [], cap, msToFirst: [], runs: 0, ms: 0 };
  for (let b = from; b < from + bases; b++) {
    if (b > from && performance.now() - t0 > budgetMs) break;
    const tb = performance.now();
    let hit = false;
    const seeds = Array.from({ length: cap }, (_, i) => `${b}:${i}`);
    const r = await explore({
      target: c.ref, variant: c.variant, seeds, strategy: 'guided', jobs,
      onResult: (res) => {
        if (res.violations.some((v) => v.kind === c.kind)) hit = true;
      },
      shouldStop: () => hit,
    });
    const first = r.failures.filter((f) => f.kinds.includes(c.kind)).map((f) => Number(f.seed.split(':')[1])).sort((x, y) => x - y)[0];
    out.runs += r.runs;
    out.counts.push(first === undefined ? cap + 1 : first + 1);
    if (first !== undefined) out.msToFirst.push(performance.now() - tb);
  }
  out.ms = performance.now() - t0;
  return out;
}
