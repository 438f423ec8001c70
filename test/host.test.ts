/**
 * Host mode (harness/host): an unmodified event-driven CommonJS library as a node's program,
 * on virtual timers, clocks and draws. Path targets run in worker threads, as campaigns do;
 * the last tests run host code in this thread too, to check what a thread keeps afterwards.
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { explore } from '../dist/harness/campaign/explore.js';
import { replay } from '../dist/harness/campaign/replay-seed.js';
import { execute, DEFAULT_OPTIONS } from '../dist/harness/engine/execute.js';
import { loadTarget } from '../dist/harness/target/load.js';
import { HOST_EPOCH_MS, trampolinesInstalled } from '../dist/harness/host/index.js';
import { realSetTimeout } from '../dist/harness/core/real.js';
import type { Target } from '../dist/harness/core/api.js';

const fixtures = join(import.meta.dirname, 'fixtures');
const lease = join(fixtures, 'host-lease.ts');
const crash = join(fixtures, 'host-crash.ts');
const cli = join(import.meta.dirname, '..', 'dist', 'harness', 'cli', 'main.js');

t.test('the correct library is silent over 300 seeds; the planted bug is caught within 100', async (t) => {
  const ok = await explore({ target: lease, variant: 'correct', seeds: '1..300', jobs: 2 });
  t.equal(ok.runs, 300);
  t.same(ok.violationsByKind, {}, ok.failures[0]?.replayCommand ?? 'no violation');
  t.ok(ok.steps / ok.runs > 50, `hosted timers and messages are decisions: ${(ok.steps / ok.runs).toFixed(0)} steps a seed`);
  const bug = await explore({ target: lease, variant: 'count-any-reply', seeds: '1..100', jobs: 2 });
  t.ok(bug.firstFailure !== null, 'count-any-reply is caught');
  t.ok((bug.violationsByKind['duplicate-leadership'] ?? 0) > 0, `by duplicate-leadership (${bug.failuresByVariant['count-any-reply']} of 100 seeds)`);
  t.same(Object.keys(bug.violationsByKind), ['duplicate-leadership'], 'and by nothing else (a stopped run rejects no hosted promise unhandled)');
});

t.test('one seed, one run: the same hashes in two processes, and replay agrees', async (t) => {
  const here = await explore({ target: lease, variant: 'correct', seeds: '1..12', hashes: true });
  const script = `import { explore } from ${JSON.stringify(join(import.meta.dirname, '..', 'dist', 'harness', 'campaign', 'explore.js'))};
    const r = await explore({ target: ${JSON.stringify(lease)}, variant: 'correct', seeds: '1..12', hashes: true });
    console.log(JSON.stringify(r.hashes.map((h) => h.hash)));`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 120_000 });
  t.equal(child.status, 0, child.stderr);
  const there = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as string[];
  t.same(there, here.hashes.map((h) => h.hash), 'identical decision hashes in another process');
  t.ok(new Set(there).size >= 10, `${new Set(there).size} distinct hashes over 12 seeds`);
  const one = await replay({ target: lease, variant: 'correct', seed: 5, trace: true });
  t.equal(one.decisionHash, here.hashes[4]!.hash, 'replay --seed 5 gives the campaign\'s hash');
  const timers = one.decisions.filter((d): d is string => typeof d === 'string' && /^n[123]:(setTimeout|setInterval)\([\d.]+\)#\d+$|^n[123]:setImmediate#\d+$/.test(d));
  t.ok(timers.length > 5, `hosted timers are labelled decisions (${timers.slice(0, 3).join(', ')}, …)`);
  t.ok(one.decisions.some((d) => typeof d === 'string' && /^n\d→n\d:vote#\d+$/.test(d)), 'onMessage deliveries are labelled decisions');
  t.notOk(one.decisions.some((d) => typeof d === 'string' && d.includes('@')), 'no call site in a decision');
  t.ok(one.trace!.some((e) => /@[\w-]+\.js:\d+$/.test(e.task)), 'the trace names who armed each timer');
  t.ok(one.trace!.some((e) => /^n\d:(setTimeout|setInterval)\([\d.]+\)#\d+(@[\w.-]+:\d+)?$/.test(e.task) && e.op === 'fire'), 'and fire in the trace');
});

t.test('a crash cancels the node\'s hosted timers; a restart gets fresh modules but keep()\'s object', async (t) => {
  const r = await replay({ target: crash, variant: 'correct', seed: 1, trace: true, fixedWeather: true });
  const trace = r.trace!;
  const text = (e: { result: unknown }): string => JSON.parse(String(e.result)) as string;
  const crashes = trace.filter((e) => e.op === 'crash' && String(e.obj).startsWith('n1 '));
  t.ok(crashes.length >= 2, `n1 crashed ${crashes.length} times`);
  const starts = trace.filter((e) => e.op === 'log' && text(e).startsWith('n1: start'));
  t.equal(starts.length, crashes.length + 1, `n1 started ${starts.length} times`);
  t.same(starts.map(text), starts.map((_e, k) => `n1: start incarnation=${k + 1} kept=${k + 1}`), 'keep() survives every restart');
  for (const c of crashes) {
    const restart = trace.find((e) => e.step > c.step && e.op === 'restart' && String(e.obj).startsWith('n1 '));
    const between = trace.filter((e) => e.step > c.step && (restart === undefined || e.step < restart.step));
    t.notOk(between.some((e) => /^n1:set(Timeout|Interval|Immediate)/.test(e.task)), `no n1 timer fires while it is down (steps ${c.step}–${restart?.step ?? 'end'})`);
  }
  const ticks = trace.filter((e) => e.op === 'log' && text(e).startsWith('n1: tick'));
  t.ok(ticks.length > 10, `${ticks.length} ticks`);
  t.ok(ticks.every((e) => /started=1 instances=1 /.test(text(e))), 'each incarnation has fresh module state (started=1, instances=1)');
  const incs = new Set(ticks.map((e) => /incarnation=(\d+)/.exec(text(e))![1]));
  t.ok(incs.size >= 3, `ticks from ${incs.size} incarnations, timer labels counted per run (${[...new Set(trace.filter((e) => /^n1:set(Timeout|Interval|Immediate)/.test(e.task)).map((e) => e.task))].join(', ')})`);
});

t.test('a pause holds the node\'s hosted timers until it resumes', async (t) => {
  const r = await replay({ target: crash, variant: 'correct', seed: 2, trace: true, fixedWeather: true, faults: { pause: 0.6 } });
  const trace = r.trace!;
  const pauses = trace.filter((e) => e.op === 'pause' && String(e.obj).startsWith('n1 '));
  t.ok(pauses.length >= 1, `n1 paused ${pauses.length} times`);
  for (const p of pauses) {
    const resume = trace.find((e) => e.step > p.step && e.op === 'resume' && String(e.obj).startsWith('n1 '));
    const between = trace.filter((e) => e.step > p.step && (resume === undefined || e.step < resume.step));
    t.notOk(between.some((e) => /^n1:set(Timeout|Interval|Immediate)/.test(e.task)), `no n1 timer fires while it is paused (steps ${p.step}–${resume?.step ?? 'end'})`);
  }
  t.ok(trace.some((e) => /^n1:set(Timeout|Interval|Immediate)/.test(e.task) && e.step > pauses[0]!.step), 'its timers fire again after the pause');
});

t.test('real I/O from hosted code is escaped-simulation, naming the call site', async (t) => {
  for (const [variant, what, line] of [['read-file', 'fs.readFileSync', 3], ['dial', 'net.connect', 4]] as const) {
    const r = await explore({ target: lease, variant, seeds: '1..5' });
    t.equal(r.violationsByKind['escaped-simulation'], 5, `${variant}: every seed`);
    const v = r.failures[0]!.first;
    t.match(v.message, new RegExp(`n1 called ${what.replace('.', '\\.')} at .*host-lease-lib/escape\\.js:${line}\\b`), v.message);
  }
  const real = await explore({ target: lease, variant: 'real-wait', seeds: '1..3' });
  t.equal(real.violationsByKind['escaped-simulation'], 3, 'a real timer (captured before the swap) held at the end: every seed');
  t.match(real.failures[0]!.first.message, /real resources the harness did not create \(Timeout/);
  const ignored = await explore({ target: lease, variant: 'real-wait', seeds: '1..2', ignore: ['escaped-simulation'] });
  t.equal(ignored.runs, 2);
  t.same(ignored.violationsByKind, {}, 'an escape the target ignores is counted, and the run still ends');
});

t.test('a hosted promise rejected unhandled is charged to the step and node that made it, and replays', async (t) => {
  const r = await explore({ target: lease, variant: 'reject', seeds: '1..4', hashes: true });
  t.equal(r.violationsByKind['unhandled-rejection'], 4, 'every seed, counted once');
  const f = r.failures[0]!.first;
  t.same(f.actors, ['n1'], 'n1\'s hosted timer made it');
  // Due at 10 ms on n1's clock, which may drift a little (clock-skew weather); the loop may wake late.
  t.ok(f.timeMs >= 9.9 && f.timeMs < 200, `at the step of that timer (due at 10 ms, run at ${f.timeMs} ms: the loop wakes late)`);
  t.match(f.message, /lease store closed/);
  const again = await replay({ target: lease, variant: 'reject', seed: r.failures[0]!.seed });
  t.equal(again.violations[0]!.step, f.step, 'a replay reports it at the same step');
  t.equal(again.decisionHash, r.hashes[0]!.hash);
});

t.test('run --shrink shrinks a host failure in the main thread, and its schedule replays', async (t) => {
  const dir = t.testdir({});
  const run = spawnSync(process.execPath, [cli, 'run', lease, '--variant', 'count-any-reply', '--seeds', '23,11', '--shrink', '--report-dir', dir, '--quiet'],
    { encoding: 'utf8', timeout: 300_000 });
  t.equal(run.status, 1, run.stderr);
  const m = /schedule: (\S+\.json)/.exec(run.stdout);
  t.ok(m, 'a shrunk schedule was written');
  const steps = /steps (\d+) → (\d+)/.exec(run.stdout);
  t.ok(steps !== null && Number(steps[2]) < Number(steps[1]), `shrunk: ${steps?.[0]}`);
  const rep = spawnSync(process.execPath, [cli, 'replay', '--schedule', m![1]!], { encoding: 'utf8', timeout: 120_000 });
  t.match(rep.stdout, /recorded hash [0-9a-f]+ matches/, 'the schedule replays to its recorded hash');
  t.match(rep.stdout, /duplicate-leadership/);
});

t.test('timers/promises is virtual in hosted code', async (t) => {
  const r = await replay({ target: lease, variant: 'await-timer', seed: 2, trace: true, fixedWeather: true });
  t.equal(r.outcome, 'pass', r.violations[0]?.message ?? '');
  const log = r.trace!.find((e) => e.op === 'log' && String(e.result).includes('waited'));
  // 100 virtual ms, and the fraction of a ms an idle loop wakes late (IDLE_LAG_MS_MAX): never early.
  const at = Number(/^"n1: waited: done at ([\d.]+)"$/.exec(String(log?.result))?.[1]);
  t.ok(at >= 100 && at < 101.5, `await setTimeout(100) resolved 100 virtual ms in, plus the loop's wake lag (${log?.result})`);
});

t.test('require() of an ES module is bad input: exit 2 with one line naming ctx.host.import', async (t) => {
  const r = spawnSync(process.execPath, [cli, 'run', join(fixtures, 'host-esm-require.ts'), '--seeds', '1..2'], { encoding: 'utf8', timeout: 120_000 });
  t.equal(r.status, 2, r.stderr);
  t.equal(r.stderr.trim().split('\n').length, 1, 'one line');
  t.match(r.stderr, /ctx\.host\.require cannot load .*host-esm-lib\/index\.js: it is an ES module \(load it with ctx\.host\.import/);
});

t.test('in one thread, a non-host target after a host target sees the real globals and runs as before', async (t) => {
  const buffer = (await loadTarget('bounded-buffer')).target;
  const opts = { ...DEFAULT_OPTIONS, faults: {} };
  const before = await execute({ target: buffer, variant: 'check-outside-lock', seed: '11', strategy: { name: 'random' }, options: opts });
  t.notOk(trampolinesInstalled(), 'no host target yet: the thread keeps its globals untouched');
  t.equal(setTimeout, realSetTimeout, 'the real setTimeout');
  const hostTarget: Target = (await loadTarget(lease)).target;
  const hosted = await execute({ target: hostTarget, variant: 'correct', seed: '3', strategy: { name: 'random' }, options: { ...DEFAULT_OPTIONS, durationMs: 1_000 } });
  t.equal(hosted.outcome, 'pass');
  t.ok(trampolinesInstalled(), 'the first host run installed the trampolines');
  const after = await execute({ target: buffer, variant: 'check-outside-lock', seed: '11', strategy: { name: 'random' }, options: opts });
  t.equal(after.decisionHash, before.decisionHash, 'the non-host run is unchanged');
  t.ok(Date.now() > HOST_EPOCH_MS + 86_400_000 * 30, 'Date.now() is the real clock outside runs');
  const timer = setTimeout(() => {}, 1);
  t.ok(typeof (timer as { _idleTimeout?: unknown })._idleTimeout === 'number', 'setTimeout makes a real Timeout outside runs');
  clearTimeout(timer);
  t.ok(new Date() instanceof Date && Date.parse('2026-01-01T00:00:00Z') === HOST_EPOCH_MS && Date.UTC(2026, 0, 1) === HOST_EPOCH_MS, 'Date.parse and Date.UTC are the real ones');
  const draws = new Set([Math.random(), Math.random(), Math.random()]);
  t.equal(draws.size, 3, 'Math.random is the real one');
});
