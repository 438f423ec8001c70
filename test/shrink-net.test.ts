import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { regress, saveToCorpus } from '../dist/harness/regress/index.js';
import { makeSchedule } from '../dist/harness/replay/index.js';
import { DEFAULT_OPTIONS, execute, type RunResult } from '../dist/harness/engine/execute.js';
import { runDecisions } from '../dist/harness/replay/index.js';
import { shrink } from '../dist/harness/shrink/index.js';
import { ShrinkPool } from '../dist/harness/shrink/pool.js';
import { loadTarget } from '../dist/harness/target/load.js';
import { twoDrops, NEEDED } from './fixtures/net-two-drops.js';
import { busyClient } from './fixtures/net-busy-client.js';
import { slowAlarm } from './fixtures/net-slow-alarm.js';
import { twoLosses } from './fixtures/net-two-losses.js';
import { syncCrash } from './fixtures/net-sync-crash.js';
import { pingPong } from './fixtures/net-pingpong.js';
import { keyRun, runWithout } from '../dist/harness/replay/keyed.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const FIXTURE = join(ROOT, 'test/fixtures/net-two-drops.ts');
const target = twoDrops();
const options = { ...DEFAULT_OPTIONS, faults: { drop: 0.5 }, faultWindowMs: 2_000, durationMs: 5_000 };
const spec = (seed: string) => ({ target, variant: 'buggy', seed, strategy: { name: 'random' }, options });

/** The first seed whose run loses both needed messages among at least forty drops. */
async function failing(): Promise<RunResult> {
  for (let i = 0; i < 200; i++) {
    const r = await execute(spec(`two-drops:${i}`));
    if (r.violations[0]?.kind === 'assert' && r.faultLog.filter((f) => f.fault === 'drop').length >= 40) return r;
  }
  throw new Error('no failing seed among 200');
}

t.test('two needed drops among fifty: the shrinker keeps exactly those and calls them essential', async (t) => {
  const r = await failing();
  const drops = r.faultLog.filter((f) => f.fault === 'drop').length;
  t.ok(drops >= 40, `the failing run drew ${drops} drops`);
  const s = await shrink({ ...spec(r.seed), decisions: r.decisions, kind: 'assert', maxRuns: 400 });
  const want = NEEDED.map((n) => `n1→n2:data#${n}`);
  t.same(s.essentialFaults?.map((f) => `${f.fault} ${f.detail}`), want.map((l) => `drop ${l}`), 'exactly the two drops remain');
  t.comment(`${s.runs} runs, complete ${s.complete}, ${s.before.steps} → ${s.after.steps} steps`);
  t.equal(s.faultsMinimal, true, 'each was tried away alone and the violation was lost');
  t.equal(s.result.faultLog.filter((f) => f.fault === 'drop').length, 2, 'the shrunk run drops nothing else');
  const again = await runDecisions(spec(r.seed), s.decisions, { mode: 'strict' });
  t.equal(again.result.violations[0]?.kind, 'assert', 'the shrunk decisions replay strictly to the violation');
  t.equal(again.result.decisionHash, s.result.decisionHash);
});

t.test('shrinking is deterministic for a given run budget, even when the budget stops it', async (t) => {
  const r = await failing();
  for (const maxRuns of [60, 250]) {
    const a = await shrink({ ...spec(r.seed), decisions: r.decisions, kind: 'assert', maxRuns });
    const b = await shrink({ ...spec(r.seed), decisions: r.decisions, kind: 'assert', maxRuns });
    t.equal(a.runs, b.runs, `${maxRuns} runs: the same candidates`);
    t.equal(a.result.decisionHash, b.result.decisionHash, `${maxRuns} runs: the same schedule`);
    t.same(a.essentialFaults, b.essentialFaults, `${maxRuns} runs: the same faults`);
    t.equal(a.complete, false, `${maxRuns} runs: stopped by the budget, and says so`);
  }
});

t.test('a shrunk network schedule enters the seeds/ corpus and regress replays it', async (t) => {
  const r = await failing();
  const s = await shrink({ ...spec(r.seed), decisions: r.decisions, kind: 'assert', maxRuns: 400 });
  const dir = mkdtempSync(join(tmpdir(), 'interleave-net-seeds-'));
  const file = saveToCorpus(dir, makeSchedule({ targetRef: FIXTURE, result: s.result, options }));
  const rep = await regress({ dir, resolveTarget: async (ref) => (ref === FIXTURE ? target : Promise.reject(new Error(ref))) });
  t.same(rep.entries.map((e) => [e.status, e.hashMatches, e.actual]), [['ok', true, 'violation:assert']], 'replayed strictly to its violation');
  // And through the CLI, which loads the fixture by its path.
  const cli = spawnSync(process.execPath, [join(ROOT, 'dist/harness/cli/main.js'), 'regress', dir], { encoding: 'utf8' });
  t.equal(cli.status, 0, cli.stdout + cli.stderr);
  t.match(cli.stdout, new RegExp(`ok 1 - .*${basename(file)}: violation:assert`));
});

t.test('--shrink-budget: a bad value is a usage error (exit 2), and a run count is honoured', async (t) => {
  const cli = (args: string[]) => spawnSync(process.execPath, [join(ROOT, 'dist/harness/cli/main.js'), ...args], { encoding: 'utf8' });
  for (const bad of ['12x', '0runs', '1.5runs', '-3s', 'runs']) {
    const r = cli(['shrink', 'latch', '--variant', 'check-outside-lock', '--seed', '1', `--shrink-budget=${bad}`]);
    t.equal(r.status, 2, `${bad}: exit 2`);
    t.match(r.stderr, /--shrink-budget .*give seconds of wall time \(60s\) or a number of candidate runs \(2000runs\)/, `${bad}: says what it takes`);
  }
  const out = join(mkdtempSync(join(tmpdir(), 'interleave-budget-')), 's.json');
  const ok = cli(['shrink', 'latch', '--variant', 'check-outside-lock', '--seed', '1', '--shrink-budget', '20runs', '--out', out]);
  t.equal(ok.status, 1, ok.stderr);
  t.match(ok.stdout, /\(2\d candidate runs, stopped by its budget: complete: false\)/, 'stops at about 20 runs and says so');
});

t.test('workload phase: a bug that needs none of the client load shrinks to the calm end of the knob', async (t) => {
  const busy = busyClient();
  const o = { ...DEFAULT_OPTIONS, durationMs: 1_000, workload: { pingEveryMs: 1 } };
  const bspec = { target: busy, variant: 'buggy', seed: 'busy:1', strategy: { name: 'random' }, options: o };
  const r = await execute(bspec);
  t.equal(r.violations[0]?.kind, 'assert', 'the busy run fails');
  const s = await shrink({ ...bspec, decisions: r.decisions, kind: 'assert', maxRuns: 200 });
  t.same(s.lightened, [{ knob: 'pingEveryMs', from: 1, to: 200 }], 'the knob moved to its calm end');
  t.equal(s.options.workload?.['pingEveryMs'], 200, 'and the result replays under it');
  t.ok(s.after.steps * 10 < s.before.steps, `most steps were pings: ${s.before.steps} → ${s.after.steps}`);
  const again = await runDecisions({ ...bspec, options: s.options }, s.decisions, { mode: 'strict' });
  t.equal(again.result.violations[0]?.kind, 'assert', 'strictly under the lighter workload');
  t.equal(again.result.decisionHash, s.result.decisionHash);
  const old = await runDecisions(bspec, s.decisions, { mode: 'strict' });
  t.not(old.result.decisionHash, s.result.decisionHash, 'under the original workload the schedule is another run');
});

t.test('workload phase through the CLI: the schedule file records the lighter workload and replays in another process', async (t) => {
  const cli = (args: string[]) => spawnSync(process.execPath, [join(ROOT, 'dist/harness/cli/main.js'), ...args], { encoding: 'utf8' });
  const out = join(mkdtempSync(join(tmpdir(), 'interleave-workload-')), 's.json');
  const fixture = join(ROOT, 'test/fixtures/net-busy-client.ts');
  const s = cli(['shrink', fixture, '--variant', 'buggy', '--seed', '1', '--fixed-weather', '--workload', 'pingEveryMs=1', '--shrink-budget', '100runs', '--out', out]);
  t.equal(s.status, 1, s.stderr);
  t.match(s.stdout, /lighter workload: pingEveryMs 1 → 200/);
  t.equal(JSON.parse(readFileSync(out, 'utf8')).options.workload.pingEveryMs, 200, 'the file has the new value');
  const rep = cli(['replay', '--schedule', out]);
  t.equal(rep.status, 1, rep.stderr);
  t.match(rep.stdout, /expected: violation:assert, got: violation:assert; recorded hash \w+ matches/, 'replays strictly to its violation');
});

t.test('fault kinds go whole first: every duplicate goes in a handful of candidates, the two needed drops stay', async (t) => {
  const o = { ...options, faults: { drop: 0.5, duplicate: 0.5 } };
  const dspec = (seed: string) => ({ target, variant: 'buggy', seed, strategy: { name: 'random' }, options: o });
  let r: RunResult | null = null;
  for (let i = 0; i < 200 && r === null; i++) {
    const x = await execute(dspec(`two-drops-dup:${i}`));
    if (x.violations[0]?.kind === 'assert') r = x;
  }
  if (r === null) throw new Error('no failing seed among 200');
  const dups = r.faultLog.filter((f) => f.fault === 'duplicate').length;
  t.ok(dups >= 15, `the failing run drew ${dups} duplicates`);
  const s = await shrink({ ...dspec(r.seed), decisions: r.decisions, kind: 'assert', maxRuns: 16 });
  t.equal(s.result.faultLog.filter((f) => f.fault === 'duplicate').length, 0, `no duplicate left after ${s.runs} runs`);
  t.ok(s.result.faultLog.filter((f) => f.fault === 'drop').length >= 2, 'the drops it needs are still there');
  t.equal(s.result.violations[0]?.kind, 'assert');
});

t.test('suffix pass: what belongs to no fault is drawn again, and an earlier way to the violation wins', async (t) => {
  const alarm = slowAlarm();
  const o = { ...DEFAULT_OPTIONS, durationMs: 2_000 };
  const aspec = (seed: string) => ({ target: alarm, variant: 'buggy', seed, strategy: { name: 'random' }, options: o });
  let r: RunResult | null = null;
  for (let i = 0; i < 50 && r === null; i++) {
    const x = await execute(aspec(`alarm:${i}`));
    if (x.violations[0]?.kind === 'assert' && x.violations[0].timeMs >= 600) r = x;
  }
  if (r === null) throw new Error('no late alarm among 50 seeds');
  const s = await shrink({ ...aspec(r.seed), decisions: r.decisions, kind: 'assert', maxRuns: 200 });
  const at = s.result.violations[0]!.timeMs;
  t.ok(at * 3 < r.violations[0]!.timeMs, `the alarm went off at ${Math.round(r.violations[0]!.timeMs)} ms, shrunk at ${Math.round(at)} ms`);
  t.ok(s.after.steps * 3 < s.before.steps, `steps ${s.before.steps} → ${s.after.steps}`);
  const again = await runDecisions(aspec(r.seed), s.decisions, { mode: 'strict' });
  t.equal(again.result.decisionHash, s.result.decisionHash, 'replays strictly');
  t.equal(again.result.violations[0]?.kind, 'assert');
});

const losses = twoLosses();
const lossOptions = { ...DEFAULT_OPTIONS, faults: { drop: 0.02 }, faultWindowMs: 5_000, durationMs: 5_000 };
const lspec = (seed: string) => ({ target: losses, variant: 'buggy', seed, strategy: { name: 'random' }, options: lossOptions });

/** The first seed of the two-losses fixture that fails and drew its first drop after 1 s. */
async function lateLosses(): Promise<RunResult> {
  for (let i = 0; i < 200; i++) {
    const x = await execute(lspec(`losses:${i}`));
    if (x.violations[0]?.kind === 'assert' && (x.faultLog.find((f) => f.fault === 'drop')?.timeMs ?? 0) >= 1_000) return x;
  }
  throw new Error('no seed among 200 whose first drop came after 1 s');
}

t.test('time compression: two drops a second apart come sooner, and the violation with them', async (t) => {
  const r = await lateLosses();
  const first = r.faultLog.find((f) => f.fault === 'drop')!.timeMs;
  const s = await shrink({ ...lspec(r.seed), decisions: r.decisions, kind: 'assert', maxRuns: 300 });
  const drops = s.result.faultLog.filter((f) => f.fault === 'drop');
  t.equal(drops.length, 2, `two drops remain: ${drops.map((f) => `${f.detail} at ${Math.round(f.timeMs)} ms`).join(', ')}`);
  const at = s.result.violations[0]!.timeMs;
  t.ok(at * 2 < first, `the first drop came at ${Math.round(first)} ms; the shrunk run fails at ${Math.round(at)} ms`);
  const again = await runDecisions(lspec(r.seed), s.decisions, { mode: 'strict' });
  t.equal(again.result.decisionHash, s.result.decisionHash, 'replays strictly');
  t.equal(again.result.violations[0]?.kind, 'assert');
});

t.test('on two worker threads, a budget in runs gives the schedule it gives inline', async (t) => {
  // Two drops (the fault phase and the list passes), and two losses a second apart (time
  // compression and the suffix redraw): each budget stops a different pass partway.
  const late = await lateLosses();
  const drops = await failing();
  const cases = [
    { name: 'two drops', spec: spec(drops.seed), run: drops, ref: FIXTURE, budgets: [60, 250] },
    { name: 'two losses', spec: lspec(late.seed), run: late, ref: join(ROOT, 'test/fixtures/net-two-losses.ts'), budgets: [40, 300] },
  ];
  for (const c of cases) {
    for (const maxRuns of c.budgets) {
      const input = { ...c.spec, decisions: c.run.decisions, kind: 'assert', maxRuns };
      const a = await shrink(input);
      const b = await shrink({ ...input, jobs: 2, targetRef: c.ref });
      t.equal(a.workers, 0, `${c.name}, ${maxRuns} runs: inline by default`);
      t.equal(b.workers, 2, `${c.name}, ${maxRuns} runs: the candidates ran on two workers`);
      t.equal(b.runs, a.runs, `${c.name}, ${maxRuns} runs: the same runs counted`);
      t.equal(b.result.decisionHash, a.result.decisionHash, `${c.name}, ${maxRuns} runs: the same schedule`);
      t.same(b.essentialFaults, a.essentialFaults, `${c.name}, ${maxRuns} runs: the same faults`);
      t.same([b.complete, b.faultsMinimal, b.after], [a.complete, a.faultsMinimal, a.after], `${c.name}, ${maxRuns} runs: the same verdicts and sizes`);
    }
  }
});

t.test('a candidate that never comes back from a worker is stopped there, fails, and the worker is replaced', async (t) => {
  // runaway's spin variant loops forever in seeds whose first draw is below one half.
  const ref = join(ROOT, 'test/fixtures/runaway.ts');
  const { target: runaway } = await loadTarget(ref);
  const base = { target: runaway, variant: 'spin', seed: '1', strategy: { name: 'random' } };
  const pool = new ShrinkPool(base, { targetRef: ref, workers: 2, stallMs: 50 });
  try {
    const options = { ...DEFAULT_OPTIONS, traceWindow: 0 };
    const job = (draw: number) => ({ type: 'list' as const, list: [draw], withOptions: false, options });
    const [spin, calm] = await Promise.all([pool.start(job(0)), pool.start(job(0xffffffff))]);
    t.equal(spin.type === 'list' ? spin.candidate.kind : null, 'stalled', 'the spinning candidate comes back as stalled');
    t.equal(calm.type === 'list' ? calm.candidate.kind : 'x', null, 'the other ran to its end beside it');
    const again = await pool.start(job(0xffffffff));
    t.equal(again.type === 'list' ? again.candidate.kind : 'x', null, 'the pool still runs candidates after replacing the worker');
  } finally {
    await pool.close();
  }
});

t.test('a crash right after a sync goes with that sync: the drops that only moved it in time go', async (t) => {
  const sc = syncCrash();
  const o = { ...DEFAULT_OPTIONS, faults: { drop: 0.3, crash: 1e-9 }, net: { syncCrashRate: 0.2 }, faultWindowMs: 1_000, durationMs: 1_500 };
  const sspec = (seed: string) => ({ target: sc, variant: 'buggy', seed, strategy: { name: 'random' }, options: o });
  let checked = 0;
  for (let i = 0; i < 400 && checked < 4; i++) {
    const r = await execute(sspec(`sync:${i}`));
    if (r.violations[0]?.kind !== 'assert') continue;
    const crashAt = r.faultLog.find((f) => f.fault === 'crash')!.timeMs;
    const drops = r.faultLog.filter((f) => f.fault === 'drop' && f.timeMs < crashAt).length;
    if (drops < 2) continue;
    checked++;
    const s = await shrink({ ...sspec(r.seed), decisions: r.decisions, kind: 'assert', maxRuns: 300 });
    // Keyed by its time, the crash was lost whenever an earlier drop went, and seed sync:60 kept two
    // drops. A run may need two crashes after syncs (sync:20 under engine 2): each is checked essential.
    const left = s.essentialFaults?.map((f) => f.fault) ?? [];
    t.ok(left.length >= 1 && left.every((f) => f === 'crash'), `seed ${r.seed}: ${drops} drops before the crash; only the crash remains (${left.join(', ')})`);
    t.equal(s.faultsMinimal, true, `seed ${r.seed}: and it was checked essential`);
    const again = await runDecisions(sspec(r.seed), s.decisions, { mode: 'strict' });
    t.equal(again.result.decisionHash, s.result.decisionHash, `seed ${r.seed}: replays strictly`);
  }
  t.equal(checked, 4, 'four failing seeds with at least two drops before the crash');
});

t.test('a seeded try keeps a strategy\'s message delays in their usual range: it gains no held-back message', async (t) => {
  // Under pctcp the strategy picks every delay; a try drawing one afresh up to the ceiling held
  // most new messages back, each a `delay` fault, and every such try was rejected for them
  // (measured before: 24 to 66 held messages against the original's 5).
  const pp = pingPong();
  const o = { ...DEFAULT_OPTIONS, faults: { drop: 0.3, delay: 0.1 }, faultWindowMs: 2_000, durationMs: 3_000, traceWindow: 0 };
  const pspec = { target: pp, variant: 'correct', seed: 'held:1', strategy: { name: 'pctcp', params: { depth: 3, k: 100 } }, options: o };
  const r = await execute(pspec);
  const from = await keyRun(pspec, r.decisions);
  const held = (units: readonly { detail: string }[]) => units.filter((u) => u.detail.endsWith('by the strategy')).length;
  const drops = from.units.filter((u) => u.fault === 'drop');
  t.ok(drops.length >= 10 && held(from.units) > 0, `the run dropped ${drops.length} messages and held ${held(from.units)} back`);
  // Without every other drop, pings and pongs go elsewhere: many sends have no original answer.
  const removed = new Set(drops.filter((_, k) => k % 2 === 1).map((u) => u.key));
  for (const attempt of [1, 2, 3]) {
    const c = await runWithout(pspec, from, removed, attempt, 'held');
    t.ok(held(c.units) <= held(from.units), `try ${attempt}: ${held(c.units)} messages held back by the strategy, the original ${held(from.units)}`);
  }
});

t.test('time compression looks for a quiet stretch at either end of each gap, and after the last fault', async (t) => {
  const { cutSpans } = await import('../dist/harness/shrink/compress.js');
  // A fault at 600 ms and the violation at 1,500 ms: two gaps, [0, 600) and [600, 1500).
  const run = { result: { violations: [{ timeMs: 1_500 }] }, units: [{ timeMs: 600 }] } as unknown as Parameters<typeof cutSpans>[0];
  const spans = cutSpans(run, null);
  t.same(spans[0], { from: 825, to: 1_275 }, 'first the middle half of the widest gap, the one before the violation');
  t.same(spans[1], { from: 150, to: 450 }, 'then the middle half of the other');
  const inGap = (s: { from: number; to: number }, a: number, b: number): boolean => s.from >= a && s.to <= b;
  t.ok(spans.every((s) => inGap(s, 0, 600) || inGap(s, 600, 1_500)), 'no cut straddles the fault');
  t.ok(spans.some((s) => inGap(s, 600, 1_500) && s.from - 600 >= 3 * (1_500 - s.to)), 'a cut that leaves the start of a gap alone (after a fault: its aftermath)');
  t.ok(spans.some((s) => inGap(s, 0, 600) && 600 - s.to >= 3 * s.from), 'a cut that leaves the end of a gap alone (before a fault: what it needs)');
  t.equal(new Set(spans.map((s) => `${s.from}/${s.to}`)).size, spans.length, 'each cut once');
  const ticked = cutSpans(run, 200);
  t.ok(ticked.length > 0 && ticked.every((s) => Math.abs((s.to - s.from) / 200 - Math.round((s.to - s.from) / 200)) < 1e-9), 'with a nemesis, whole ticks');
});
