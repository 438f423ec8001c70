import type { ArgumentsCamelCase } from 'yargs';
import { explore, type ExploreResult } from '../../explore/explore.js';
import { ensureWritableDir, newRunDir, writeExploreReport } from '../../report/write.js';
import { BUNDLED } from '../../target/bundled.js';
import { loadTarget } from '../../target/load.js';
import { EXIT, Progress, seedsFromFlags, stamp, wallNow } from '../common.js';

export interface CampaignArgs {
  seeds?: string;
  strategy: string;
  'report-dir': string;
  target?: string[];
}

interface Row {
  target: string;
  variant: string;
  expected: string;
  runs: number;
  failed: number;
  firstSeed: string;
  kinds: string;
  ok: boolean;
}

/**
 * The main job: every bundled target and variant. Correct variants must stay clean and each
 * buggy one must be caught by the detector it is documented to trip. Exit 0 only if all are.
 */
export async function campaignCommand(a: ArgumentsCamelCase<CampaignArgs>, argv: readonly string[]): Promise<number> {
  const { spec, seeds } = seedsFromFlags({ seeds: a.seeds }, '1..300');
  ensureWritableDir(a['report-dir']);
  const names = a.target && a.target.length > 0 ? a.target : BUNDLED.map((b) => b.name);
  const progress = new Progress();
  const t0 = wallNow();
  const results: ExploreResult[] = [];
  const rows: Row[] = [];
  for (const name of names) {
    const { target } = await loadTarget(name);
    const r = await explore({
      target: name, seeds, strategy: a.strategy,
      onResult: (res, i, total) => progress.update(`${name} ${res.variant} seed ${res.seed} ${i + 1}/${total}`),
    });
    results.push(r);
    for (const v of r.variants) rows.push(judge(r, v, target.expect?.[v] ?? (v === 'correct' ? 'pass' : 'violation')));
  }
  progress.done();
  const wallMs = wallNow() - t0;
  const dir = newRunDir(a['report-dir'], 'campaign', stamp());
  writeExploreReport(dir, results, { command: `interleave ${argv.join(' ')}`, seedSpec: spec, seedCount: seeds.length, wallMs, startedAt: stamp() });
  printTable(rows, seeds.length, wallMs);
  process.stdout.write(`report: ${dir}/summary.md\n`);
  return rows.every((r) => r.ok) ? EXIT.ok : EXIT.violations;
}

function judge(r: ExploreResult, variant: string, expected: string): Row {
  const fails = r.failures.filter((f) => f.variant === variant);
  const kinds = [...new Set(fails.flatMap((f) => f.kinds))];
  const ok = expected === 'pass' ? fails.length === 0
    : expected === 'violation' ? fails.length > 0
    : kinds.includes(expected);
  return {
    target: r.target, variant, expected,
    runs: (r.passesByVariant[variant] ?? 0) + fails.length,
    failed: fails.length,
    firstSeed: fails[0]?.seed ?? '—',
    kinds: kinds.join(', ') || '—',
    ok,
  };
}

function printTable(rows: Row[], seeds: number, wallMs: number): void {
  const head = ['target', 'variant', 'expected', 'runs', 'failed', 'first seed', 'found', 'verdict'];
  const body = rows.map((r) => [r.target, r.variant, r.expected, String(r.runs), String(r.failed), r.firstSeed, r.kinds, r.ok ? 'ok' : 'UNEXPECTED']);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  process.stdout.write(`interleave campaign: ${rows.length} variants × ${seeds} seeds in ${(wallMs / 1000).toFixed(1)} s\n`);
  process.stdout.write(line(head) + '\n' + line(widths.map((w) => '-'.repeat(w))) + '\n');
  for (const b of body) process.stdout.write(line(b) + '\n');
  const bad = rows.filter((r) => !r.ok).length;
  process.stdout.write(bad === 0 ? 'every outcome as expected\n' : `${bad} outcome(s) not as expected\n`);
}
