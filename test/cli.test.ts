// The CLI as users run it: by path, from another directory, with bad input.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const cli = join(root, 'dist/harness/cli/main.js');
const work = mkdtempSync(join(tmpdir(), 'interleave-cli-'));

function run(args: string[], cwd = work): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

// A user's target, outside the repository, that imports nothing.
const userTarget = join(work, 'handoff.ts');
writeFileSync(userTarget, `
export default {
  name: 'handoff',
  description: 'one waiter, one setter',
  variants: ['correct', 'buggy'],
  setup(sim: any, { variant }: { variant: string }) {
    const m = sim.mutex('m'); const cv = sim.condvar('cv'); const ready = sim.shared('ready', false);
    sim.spawn('waiter', async () => {
      if (variant === 'buggy') {
        if (!(await ready.get())) { await m.lock(); await cv.wait(m); await m.unlock(); }
      } else {
        await m.lock(); while (!(await ready.get())) await cv.wait(m); await m.unlock();
      }
    });
    sim.spawn('setter', async () => { await m.lock(); await ready.set(true); await cv.signal(); await m.unlock(); });
  },
};
`);
writeFileSync(join(work, 'not-a-target.js'), 'export default { name: "x", variants: [] };\n');
writeFileSync(join(work, 'syntax-error.ts'), 'export default {{{\n');
writeFileSync(join(work, 'corrupt.json'), '{"format":"interleave-schedule","version":1');

t.test('a user target by path: correct stays clean, buggy is caught, exit codes 0 and 1', async (t) => {
  const ok = run(['run', './handoff.ts', '--variant', 'correct', '--seeds', '1..300', '--report-dir', 'rep']);
  t.equal(ok.code, 0, ok.err);
  t.match(ok.out, /violations by kind: none/);
  const bad = run(['run', './handoff.ts', '--variant', 'buggy', '--seeds', '1..100', '--report-dir', 'rep']);
  t.equal(bad.code, 1, bad.err);
  t.match(bad.out, /lost-wakeup/);
  t.match(bad.out, /first failing seed: buggy seed \d+/);
  const cmd = /replay: (npx interleave replay .*)/.exec(bad.out)?.[1];
  t.ok(cmd, 'a replay command is printed');
  t.match(cmd!, /--variant buggy --seed \d+/);
});

t.test('reports: summary.json, summary.md and one JSON per failing seed with the documented fields', async (t) => {
  const r = run(['run', './handoff.ts', '--variant', 'buggy', '--seeds', '1..20', '--report-dir', 'rep2']);
  t.equal(r.code, 1);
  const dirs = readdirSync(join(work, 'rep2'));
  t.equal(dirs.length, 1);
  const dir = join(work, 'rep2', dirs[0]!);
  const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
  t.equal(summary.harness.name, 'interleave');
  const tgt = summary.targets[0];
  t.equal(tgt.target, 'handoff');
  t.ok(tgt.failures.length > 0);
  t.ok(existsSync(join(dir, 'summary.md')));
  const f = JSON.parse(readFileSync(join(dir, tgt.failures[0].file), 'utf8'));
  for (const k of ['harness', 'target', 'variant', 'seed', 'strategy', 'violations', 'decisionHash', 'traceWindow', 'replayCommand', 'faultLog']) {
    t.ok(k in f, `failure report has ${k}`);
  }
  t.equal(f.violations[0].kind, 'lost-wakeup');
  t.ok(f.traceWindow.length > 0);
});

t.test('the same seed gives the same decision hash in two separate processes', async (t) => {
  const hashes = [1, 2].map(() => {
    const r = run(['replay', 'bounded-buffer', '--variant', 'check-outside-lock', '--seed', '7']);
    return /decision-hash: ([0-9a-f]+)/.exec(r.out)?.[1];
  });
  t.ok(hashes[0]);
  t.equal(hashes[0], hashes[1]);
  // 42 and '42' are one seed: seeds are canonicalised once.
  const a = /decision-hash: (\w+)/.exec(run(['replay', 'latch', '--variant', 'correct', '--seed', '42']).out)?.[1];
  const b = /decision-hash: (\w+)/.exec(run(['replay', 'latch', '--variant', 'correct', '--seed', '042']).out)?.[1];
  t.equal(a, b);
});

t.test('replay --trace prints the timeline', async (t) => {
  const r = run(['replay', './handoff.ts', '--variant', 'buggy', '--seed', '2', '--trace']);
  t.match(r.out, /step\s+time\s+task\s+operation/);
  t.match(r.out, /waiter\s+get ready/);
});

t.test('bad input: one clear line and exit 2', async (t) => {
  const cases: [string[], RegExp][] = [
    [['run', 'no-such-target'], /unknown target 'no-such-target'/],
    [['run', 'bounded-buffer', '--variant', 'nope'], /unknown variant 'nope'/],
    [['run', 'bounded-buffer', '--seeds', '10..1'], /reversed/],
    [['run', 'bounded-buffer', '--seeds', '1..x'], /malformed seed/],
    [['run', 'bounded-buffer', '--seeds', 'random:x'], /malformed seed list/],
    [['run', 'bounded-buffer', '--seeds', '-3'], /negative/],
    [['run', 'bounded-buffer', '--seeds', '1-100'], /malformed seed range '1-100': write 1\.\.100/],
    [['run', 'bounded-buffer', '--seeds', '100'], /for seeds 1\.\.100 write --seeds 1\.\.100/],
    [['run', 'bounded-buffer', '--seeds', 'abc'], /malformed seed list 'abc'/],
    [['run', 'bounded-buffer', '--ignore', 'deadlok'], /--ignore deadlok: not a violation kind/],
    [['shrink', 'latch', '--variant', 'check-outside-lock', '--seed', '1', '--out', '/dev/null/x.json'], /not writable/],
    [['replay', 'latch', '--variant', 'correct', '--seed', '1', '--save-schedule', '/dev/null/x.json'], /not writable/],
    [['run', './missing.ts'], /target file not found/],
    [['run', './not-a-target.js'], /does not export a valid target: `setup/],
    [['run', './syntax-error.ts'], /failed to load: .*syntax-error\.ts:1:\d+: ERROR/],
    [['run', 'bounded-buffer', '--report-dir', '/proc/interleave-x'], /report dir .* is not writable/],
    [['replay', '--schedule', 'corrupt.json'], /not a schedule file \(invalid JSON/],
    [['run', 'bounded-buffer', '--faults', 'gremlins'], /unknown fault 'gremlins'/],
    [['run', 'bounded-buffer', '--strategy', 'magic'], /unknown strategy 'magic'/],
    [['frobnicate'], /Unknown argument|give a command/],
  ];
  for (const [args, msg] of cases) {
    const r = run(args);
    t.equal(r.code, 2, `${args.join(' ')} → exit 2 (got ${r.code}: ${r.err})`);
    t.match(r.err, msg, `${args.join(' ')}: message`);
    t.notMatch(r.err, /\n\s+at /, `${args.join(' ')}: no stack trace`);
  }
});

t.test('list names every bundled target and variant', async (t) => {
  const r = run(['list']);
  t.equal(r.code, 0);
  for (const v of ['bounded-buffer', 'check-outside-lock', 'latch', 'wait-unlock-misuse']) t.match(r.out, v);
});

t.test('package.json version matches the version reports carry', async (t) => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const { HARNESS_VERSION } = await import('../dist/harness/version.js');
  t.equal(HARNESS_VERSION, pkg.version);
});

t.test('a schedule of a user target replays from any directory (paths are relative to the schedule file)', async (t) => {
  const out = join(work, 'sched', 'handoff-buggy.json');
  const shr = run(['shrink', './handoff.ts', '--variant', 'buggy', '--seed', '2', '--out', out]);
  t.equal(shr.code, 1, shr.out + shr.err);
  t.match(shr.out, /shrunk lost-wakeup of handoff buggy seed 2/);
  t.equal(JSON.parse(readFileSync(out, 'utf8')).target, '../handoff.ts');
  const rep = run(['replay', '--schedule', out], '/');
  t.equal(rep.code, 1, rep.err);
  t.match(rep.out, /recorded hash \w+ matches/);
});

t.test('a message-passing target from a file outside the repo runs through the CLI with faults', async (t) => {
  // Type-only imports vanish when the file is compiled on the fly, so the copy needs no harness at its new path.
  const src = readFileSync(join(root, 'test/fixtures/net-2pc.ts'), 'utf8');
  writeFileSync(join(work, 'two-phase-commit.ts'), src);
  const ok = run(['run', './two-phase-commit.ts', '--variant', 'correct', '--seeds', '1..40', '--faults', 'all', '--report-dir', 'rep-net']);
  t.equal(ok.code, 0, ok.out + ok.err);
  const bad = run(['run', './two-phase-commit.ts', '--variant', 'send-before-log', '--seeds', '1..60', '--faults', 'crash,drop,delay', '--fault-rate', 'crash=0.5', '--report-dir', 'rep-net']);
  t.equal(bad.code, 1, bad.out + bad.err);
  t.match(bad.out, /state-machine-safety/);
  const cmd = /replay: npx interleave (replay .*)/.exec(bad.out)?.[1];
  t.ok(cmd, 'the failure prints its replay command');
  t.match(cmd!, /--faults crash,delay,drop --fault-rate crash=0\.5/);
  // The printed command, run as printed, reproduces the failure and its hash.
  const args = cmd!.split(' ');
  const r1 = run(args);
  const r2 = run(args);
  t.equal(r1.code, 1);
  t.match(r1.out, /violation: state-machine-safety/);
  t.equal(/decision-hash: (\w+)/.exec(r1.out)?.[1], /decision-hash: (\w+)/.exec(r2.out)?.[1]);
});

t.test('weather on the command line: a user\'s network fixture, its weather printed, pinned, or turned off; bad weather input is exit 2', async (t) => {
  const fixture = join(root, 'bench/fixtures/net/retry-twice.ts');
  const r = run(['run', fixture, '--variant', 'no-dedup', '--seeds', '1..20', '--report-dir', join(work, 'rw')]);
  t.equal(r.code, 1, 'the planted bug is found under plain defaults');
  t.match(r.out, /\n {6}weather: (lockstep|lan|wan|jittery|heavy-tail) /, 'each failure prints its weather');
  const failDir = join(work, 'rw', readdirSync(join(work, 'rw'))[0]!, 'failures');
  const failure = join(failDir, readdirSync(failDir)[0]!);
  const rec = JSON.parse(readFileSync(failure, 'utf8')) as { seed: string; weather: { latency: string }; faultLog: { fault: string }[]; decisionHash: string };
  t.type(rec.weather.latency, 'string', 'the failure file holds the weather');
  t.equal(rec.faultLog[0]!.fault, 'weather', 'as the first fault-log entry');
  const again = run(['replay', fixture, '--variant', 'no-dedup', '--seed', rec.seed]);
  t.match(again.out, new RegExp(`decision-hash: ${rec.decisionHash}`), 'replay --seed draws the same weather');
  const pinned = run(['replay', fixture, '--variant', 'no-dedup', '--seed', rec.seed, '--weather', failure]);
  t.match(pinned.out, new RegExp(`decision-hash: ${rec.decisionHash}`), '--weather with the failure file reproduces it too');
  const calm = run(['run', fixture, '--variant', 'no-dedup', '--seeds', '1..20', '--fixed-weather', '--report-dir', join(work, 'rw2')]);
  t.equal(calm.code, 0, '--fixed-weather with no --faults: a calm network, no failure');
  t.notMatch(calm.out, /weather:/, 'and no weather line');
  const bad = (args: string[], re: RegExp, what: string): void => {
    const b = run(args);
    t.equal(b.code, 2, `${what}: exit 2`);
    t.match(b.err, re, `${what}: one clear line`);
    t.notMatch(b.err, /\n\s+at /, `${what}: no stack`);
  };
  bad(['run', fixture, '--weather', join(work, 'nope.json')], /--weather .*nope\.json: cannot read it/, 'a missing weather file');
  bad(['run', fixture, '--weather', join(work, 'corrupt.json')], /--weather .*cannot read it as JSON/, 'a corrupt weather file');
  bad(['run', fixture, '--net', 'partitionStyle=zigzag'], /partitionStyle must be one of/, 'an unknown partition style');
  bad(['run', 'raft', '--workload', 'nope=1'], /declares no such workload knob/, 'an unknown workload knob');
  bad(['run', fixture, '--fixed-weather', '--weather', failure], /do not mix/, '--fixed-weather with --weather');
  bad(['run', fixture, '--weather', failure, '--net', 'crashDownMsMax=5'], /--weather pins every .*drop --net/, '--net beside --weather');
  writeFileSync(join(work, 'number.json'), '42');
  bad(['run', fixture, '--weather', join(work, 'number.json')], /expected a JSON object/, 'a weather file holding a number');
  writeFileSync(join(work, 'badknob.json'), JSON.stringify({ weather: { latency: 'lan', faults: {}, net: { warp: 9 }, workload: {} } }));
  bad(['run', fixture, '--weather', join(work, 'badknob.json')], /weather\.net\.warp: unknown network knob/, 'a weather with an unknown knob');
  bad(['run', 'raft', '--workload', 'maxEntriesPerAppend=2.5'], /must be an integer/, 'a fractional value for an integer knob');
});

t.test('--jobs past the cores is capped with a one-line note, and the results do not change', async (t) => {
  const r = run(['run', 'latch', '--variant', 'correct', '--seeds', '1..6', '--jobs', '512', '--report-dir', join(work, 'jobs')]);
  t.equal(r.code, 0);
  t.match(r.err, /--jobs 512 capped at \d+, the cores of this machine/);
  t.match(r.out, /correct\s+6\s+0/, 'every seed ran');
});

t.test('a negative seed range is named as such, not taken for a flag', async (t) => {
  const r = run(['run', 'latch', '--seeds', '-5..3']);
  t.equal(r.code, 2);
  t.match(r.err, /malformed seed range '-5\.\.3'/);
  t.notMatch(r.err, /Unknown argument/);
});
