/**
 * `interleave run <target> --real`: how often a single-process host target fails on Node's own
 * event loop, with real timers and no simulation. Each run is a fresh child process
 * (child.ts), so module state never leaks between runs; runs go one after another, so they do
 * not compete for the CPU (which would change the timings the races depend on). The result is
 * the fidelity baseline the simulated rate is measured against (`npm run bench:fidelity`).
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../core/errors.js';
import { loadTarget } from '../target/load.js';
import type { RealChildMessage, RealRunResult } from './types.js';

export type { RealRunResult, RealViolation } from './types.js';

export interface RealOptions {
  /** A bundled name or a path, as `run` takes it. */
  target: string;
  /** Absent: every variant. */
  variants?: readonly string[];
  runs: number;
  /** Real ms one run may take before it is cut off (its end is then `duration`). */
  durationMs: number;
  /** Called after each run. */
  onRun?: (variant: string, index: number, res: RealRunResult) => void;
  /** Stop early (Ctrl-C). */
  shouldStop?: () => boolean;
}

export interface RealVariantResult {
  variant: string;
  runs: number;
  /** Runs with at least one violation. */
  failed: number;
  /** Runs whose first violation was of each kind. */
  byKind: Record<string, number>;
  /** The first message of each kind, with the run it came from (1-based). */
  examples: Record<string, { run: number; message: string }>;
  /** Runs cut off by --duration. */
  cutOff: number;
  wallMs: number;
}

export interface RealResult {
  target: string;
  node: string;
  variants: RealVariantResult[];
  wallMs: number;
}

const CHILD = fileURLToPath(new URL('./child.js', import.meta.url));

/** Grace beyond --duration before a run that does not end is killed (it reports `duration`). */
const KILL_GRACE_MS = 10_000;

/** One run in a fresh process. */
export function runRealOnce(target: string, variant: string, durationMs: number): Promise<RealRunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = fork(CHILD, [target, variant, String(durationMs)], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], execArgv: [] });
    let stderr = '';
    let settled = false;
    child.stderr!.on('data', (d: Buffer) => {
      if (stderr.length < 20_000) stderr += d.toString();
    });
    const kill = setTimeout(() => { // allowed: a watchdog in real time around a real run
      if (settled) return;
      settled = true;
      child.kill('SIGKILL');
      resolvePromise({ end: 'duration', violations: [], wallMs: durationMs + KILL_GRACE_MS, logs: ['killed: the run outlived --duration'] });
    }, durationMs + KILL_GRACE_MS);
    child.on('message', (m: RealChildMessage) => {
      if (settled) return;
      settled = true;
      clearTimeout(kill);
      if (m.type === 'result') resolvePromise(m.result);
      else if (m.type === 'usage') reject(new UsageError(m.message));
      else reject(new Error(`--real: the run's process failed: ${m.message}`));
    });
    child.on('exit', (code, signal) => {
      if (settled) return;
      settled = true;
      clearTimeout(kill);
      reject(new Error(`--real: the run's process exited (${signal ?? `code ${code}`}) without a result${stderr ? `: ${stderr.trim().split('\n').slice(-5).join(' | ')}` : ''}`));
    });
  });
}

/** N runs of each variant on Node's own loop. Bad input (not a host target, a network target,
 * no single process) is a UsageError before or at the first run. */
export async function runReal(o: RealOptions): Promise<RealResult> {
  if (!(Number.isInteger(o.runs) && o.runs >= 1)) throw new UsageError(`--runs must be an integer >= 1, got ${o.runs}`);
  if (!(Number.isFinite(o.durationMs) && o.durationMs > 0)) throw new UsageError(`--duration must be a number of ms > 0, got ${o.durationMs}`);
  const loaded = await loadTarget(o.target);
  const t = loaded.target;
  if (t.host !== true) throw new UsageError(`--real runs a host target (host: true) on Node's own loop: ${t.name} is not one (its code runs only in the simulation)`);
  const variants = o.variants === undefined || o.variants.length === 0 ? [...t.variants] : [...o.variants];
  for (const v of variants) {
    if (!t.variants.includes(v)) throw new UsageError(`unknown variant '${v}' of ${t.name} (variants: ${t.variants.join(', ')})`);
  }
  const start = Date.now(); // allowed: --real reports real wall time
  const out: RealVariantResult[] = [];
  for (const variant of variants) {
    const vStart = Date.now(); // allowed: --real reports real wall time
    const r: RealVariantResult = { variant, runs: 0, failed: 0, byKind: {}, examples: {}, cutOff: 0, wallMs: 0 };
    for (let i = 0; i < o.runs; i++) {
      if (o.shouldStop?.() === true) break;
      const res = await runRealOnce(o.target, variant, o.durationMs);
      r.runs++;
      if (res.end === 'duration') r.cutOff++;
      const first = res.violations[0];
      if (first !== undefined) {
        r.failed++;
        r.byKind[first.kind] = (r.byKind[first.kind] ?? 0) + 1;
        r.examples[first.kind] ??= { run: i + 1, message: first.message };
      }
      o.onRun?.(variant, i, res);
    }
    r.wallMs = Date.now() - vStart; // allowed: --real reports real wall time
    out.push(r);
  }
  return { target: t.name, node: process.version, variants: out, wallMs: Date.now() - start }; // allowed: --real reports real wall time
}

function pct(n: number, of: number): string {
  return of === 0 ? '—' : `${(Math.round((1000 * n) / of) / 10).toFixed(1)}%`;
}

/** The summary `run --real` prints. */
export function realText(r: RealResult): string {
  const lines: string[] = [];
  const runs = r.variants.reduce((a, v) => a + v.runs, 0);
  lines.push(`interleave: ${r.target} on Node's own loop (${r.node}, real timers, no simulation): ${runs} runs (${r.variants.length} variant${r.variants.length === 1 ? '' : 's'}) in ${(r.wallMs / 1000).toFixed(2)} s, each in a fresh process`);
  const w = Math.max(8, ...r.variants.map((v) => v.variant.length));
  lines.push(`  ${'variant'.padEnd(w)}  ${'runs'.padStart(6)}  ${'failed'.padStart(6)}  ${'rate'.padStart(6)}  kinds`);
  for (const v of r.variants) {
    const kinds = Object.entries(v.byKind).sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n} (${pct(n, v.runs)})`).join(', ');
    lines.push(`  ${v.variant.padEnd(w)}  ${String(v.runs).padStart(6)}  ${String(v.failed).padStart(6)}  ${pct(v.failed, v.runs).padStart(6)}  ${kinds}`);
  }
  const all: Record<string, number> = {};
  for (const v of r.variants) for (const [k, n] of Object.entries(v.byKind)) all[k] = (all[k] ?? 0) + n;
  const kinds = Object.entries(all).sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(', ');
  lines.push(`  violations by kind: ${kinds || 'none'}`);
  for (const v of r.variants) {
    if (v.cutOff > 0) lines.push(`  ${v.variant}: ${v.cutOff} run${v.cutOff === 1 ? '' : 's'} cut off by --duration (not quiescent)`);
    for (const [k, e] of Object.entries(v.examples)) lines.push(`  ✗ ${v.variant} run ${e.run}: ${k}: ${e.message}`);
  }
  lines.push('  a real run has no seed: it cannot be replayed; run the target without --real to find and replay a failing schedule');
  return lines.join('\n') + '\n';
}
