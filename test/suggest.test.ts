// "Did you mean": the edit distance, the choice of the nearest names, and every usage error that
// names something unknown (target, variant, strategy, fault, network knob, option, command).
import t from 'tap';
import fc from 'fast-check';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { didYouMean, editDistance, nearest } from '../dist/harness/core/suggest.js';
import { explainUnknown } from '../dist/harness/cli/suggest.js';

const root = resolve(import.meta.dirname, '..');
const cli = join(root, 'dist/harness/cli/main.js');

/** Plain Levenshtein (no swaps), the reference the swap-aware distance must never exceed. */
function levenshtein(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_r, i) => Array.from({ length: b.length + 1 }, (_c, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
  }
  return d[a.length]![b.length]!;
}

t.test('editDistance: known values', async (t) => {
  const cases: [string, string, number][] = [
    ['', '', 0], ['', 'abc', 3], ['abc', '', 3], ['drop', 'drop', 0],
    ['dorp', 'drop', 1], // one swap, where Levenshtein says 2
    ['drp', 'drop', 1], ['dropp', 'drop', 1], ['drap', 'drop', 1],
    ['kitten', 'sitting', 3], ['ca', 'abc', 3], // optimal string alignment: no edit of a swapped pair
    ['rnu', 'run', 1], ['sedes', 'seeds', 1],
  ];
  for (const [a, b, d] of cases) t.equal(editDistance(a, b), d, `${a} → ${b}`);
});

t.test('editDistance: a metric-like distance bounded by Levenshtein (fast-check, fixed seed)', async (t) => {
  const word = fc.string({ unit: fc.constantFrom('a', 'b', 'c', 'd', '-'), maxLength: 9 });
  fc.assert(fc.property(word, word, (a, b) => {
    const d = editDistance(a, b);
    return d === editDistance(b, a) && (d === 0) === (a === b) && d <= levenshtein(a, b) && d >= Math.abs(a.length - b.length) && d <= Math.max(a.length, b.length);
  }), { seed: 10, numRuns: 2000 });
  fc.assert(fc.property(word.filter((w) => w.length >= 2), fc.nat(), (w, k) => {
    const i = k % (w.length - 1);
    const swapped = w.slice(0, i) + w[i + 1] + w[i] + w.slice(i + 2);
    return editDistance(w, swapped) <= 1;
  }), { seed: 11, numRuns: 500 });
  t.pass('properties hold');
});

t.test('nearest: typos find their name, unrelated words find nothing', async (t) => {
  const faults = ['spurious', 'drop', 'duplicate', 'reorder', 'delay', 'partition', 'crash', 'lose-unsynced', 'clock-skew', 'pause', 'all', 'none'];
  t.same(nearest('dorp', faults), ['drop']);
  t.same(nearest('crsh', faults), ['crash']);
  t.same(nearest('spurius', faults), ['spurious']);
  t.same(nearest('clock_skew', faults), ['clock-skew'], 'separators do not count');
  t.same(nearest('LoseUnsynced', faults), ['lose-unsynced'], 'nor does case');
  t.same(nearest('parti', faults), ['partition'], 'the one name it begins');
  t.same(nearest('gremlins', faults), [], 'nothing near');
  t.same(nearest('x', ['k', 'y']), [], 'one letter is too short to guess from');
  t.same(nearest('drop', faults), [], 'the name itself is not a suggestion');
  t.same(nearest('pauseMsMx', ['pauseMsMax', 'driftPpmMax']), ['pauseMsMax']);
  t.same(nearest('pause-ms-max', ['pauseMsMax', 'driftPpmMax']), ['pauseMsMax']);
  t.same(nearest('bat', ['cat', 'hat', 'rat', 'mat']), ['cat', 'hat', 'rat'], 'ties in the order given, three at most');
  t.equal(didYouMean('dorp', faults), "did you mean 'drop'?");
  t.equal(didYouMean('bat', ['cat', 'hat']), "did you mean 'cat' or 'hat'?");
  t.equal(didYouMean('sedes', ['seeds'], (o) => `--${o}`), 'did you mean --seeds?');
  t.equal(didYouMean('zzz', faults), '');
});

t.test('explainUnknown: yargs messages get the nearest option or command', async (t) => {
  const opts = ['help', 'version', 'seeds', 'seed', 'max-steps', 'shrink', 'variant', 'k'];
  const cmds = ['run', 'replay', 'list'];
  t.equal(explainUnknown('Unknown argument: sedes', ['run', 'x', '--sedes', '1..3'], opts, cmds), 'Unknown argument: --sedes (did you mean --seeds?)');
  t.equal(explainUnknown('Unknown argument: sedes', ['run', 'x', '--sedes=1..3'], opts, cmds), 'Unknown argument: --sedes (did you mean --seeds?)');
  t.equal(explainUnknown('Unknown arguments: max-stepz, maxStepz', ['run', 'x', '--max-stepz', '3'], opts, cmds), 'Unknown argument: --max-stepz (did you mean --max-steps?)');
  t.equal(explainUnknown('Unknown argument: shrnk', ['run', 'x', '--no-shrnk'], opts, cmds), 'Unknown argument: --no-shrnk (did you mean --no-shrink?)');
  t.equal(explainUnknown('Unknown arguments: sedes, zzz', ['run', 'x', '--sedes', '1', '--zzz'], opts, cmds), 'Unknown arguments: --sedes (did you mean --seeds?), --zzz');
  t.equal(explainUnknown('Unknown argument: y', ['run', 'x', 'y'], opts, cmds), 'Unknown argument: y', 'a stray positional is left alone');
  t.equal(explainUnknown('Unknown arguments: rnu, x', ['rnu', 'x'], opts, cmds), 'Unknown argument: rnu (did you mean the command run?)');
  t.equal(explainUnknown('Unknown argument: zap', ['zap'], opts, cmds), 'Unknown argument: zap (not a command; commands: run, replay, list)');
  t.equal(explainUnknown('Not enough arguments', ['run'], opts, cmds), 'Not enough arguments', 'other messages pass through');
});

const work = mkdtempSync(join(tmpdir(), 'interleave-suggest-'));
writeFileSync(join(work, 'my-target.ts'), 'export default { name: "m", description: "", variants: ["correct"], setup() {} };\n');

/** The CLI in a child process; several at once, so the cases cost one start-up each in parallel. */
function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [cli, ...args], { cwd: work, encoding: 'utf8', timeout: 60_000 }, (e, out, err) => {
      done({ code: e === null ? 0 : typeof e.code === 'number' ? e.code : -1, out, err });
    });
  });
}

t.test('the CLI: one line, exit 2, the nearest name', async (t) => {
  const cases: [string[], RegExp][] = [
    [['run', 'bounded-bufer'], /^interleave: unknown target 'bounded-bufer' \(did you mean 'bounded-buffer'\? bundled: /],
    [['run', 'raf'], /did you mean 'raft'\?/],
    [['campaign', '--target', 'lacth'], /unknown target 'lacth' \(did you mean 'latch'\?/],
    [['run', 'latch', '--variant', 'corect'], /unknown variant 'corect' of target latch \(did you mean 'correct'\? variants: correct, check-outside-lock\)/],
    [['run', './my-target.ts', '--variant', 'corect'], /unknown variant 'corect' of target m \(did you mean 'correct'\?/],
    [['run', 'latch', '--strategy', 'rnadom'], /unknown strategy 'rnadom' \(did you mean 'random'\? known: /],
    [['run', 'latch', '--strategy', 'run_to_block'], /did you mean 'run-to-block'\?/],
    [['run', 'latch', '--faults', 'dorp'], /unknown fault 'dorp' \(did you mean 'drop'\? known: /],
    [['run', 'latch', '--faults', 'drop,crsh'], /unknown fault 'crsh' \(did you mean 'crash'\?/],
    [['run', 'latch', '--fault-rate', 'spurius=0.1'], /unknown fault 'spurius' in --fault-rate \(did you mean 'spurious'\?/],
    [['run', 'latch', '--net', 'pauseMsMx=400'], /unknown network knob 'pauseMsMx' \(did you mean 'pauseMsMax'\? known: /],
    [['run', 'latch', '--net', 'tailRate=0.1,pause-ms-max=4'], /unknown network knob 'pause-ms-max' \(did you mean 'pauseMsMax'\?/],
    [['run', 'latch', '--sedes', '1..3'], /^interleave: Unknown argument: --sedes \(did you mean --seeds\?\)$/],
    [['replay', 'latch', '--variant', 'correct', '--seed', '1', '--trcae'], /Unknown argument: --trcae \(did you mean --trace\?\)/],
    [['campaign', '--max-sed', '3'], /Unknown argument: --max-sed \(did you mean --max-seeds\?\)/],
    [['list', '--foo'], /^interleave: Unknown argument: --foo$/],
    [['rnu', 'latch'], /^interleave: Unknown argument: rnu \(did you mean the command run\?\)$/],
    [['frobnicate'], /Unknown argument: frobnicate \(not a command; commands: run, /],
    [['run', './my-targt.ts'], /target file not found: \.\/my-targt\.ts \(did you mean \.\/my-target\.ts\?\)/],
    [['run', 'raft.ts'], /target file not found: raft\.ts \(the bundled target is named raft, without an extension\)/],
  ];
  const results = await Promise.all(cases.map(([args]) => run(args)));
  for (const [k, [args, re]] of cases.entries()) {
    const r = results[k]!;
    t.equal(r.code, 2, `${args.join(' ')}: exit 2 (${r.err.trim()})`);
    t.match(r.err.trim(), re, args.join(' '));
    t.equal(r.err.trim().split('\n').length, 1, `${args.join(' ')}: one line`);
    t.equal(r.out, '', `${args.join(' ')}: nothing on stdout`);
  }
  const far = await run(['run', 'latch', '--faults', 'gremlins']);
  t.notMatch(far.err, /did you mean/, 'no guess when nothing is near');
  t.match(far.err, /unknown fault 'gremlins' \(known: /);
});
