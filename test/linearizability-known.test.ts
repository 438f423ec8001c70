// Verdicts published by others (Porcupine's own tests state them: test/fixtures/histories/README.md),
// checked through the library and through `interleave check-history` with its exit codes.
import t from 'tap';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { checkEvents, parseHistory, builtinModel } from '../dist/harness/check/linearizability/index.js';

const dir = new URL('./fixtures/histories/', import.meta.url);
const cli = new URL('../dist/harness/cli/main.js', import.meta.url).pathname;

function check(file: string, model: string) {
  const parsed = parseHistory(readFileSync(new URL(file, dir), 'utf8'));
  return checkEvents(builtinModel(model)!, parsed.events, { maxSteps: 5_000_000 }, parsed.lines).result;
}

t.test('Porcupine etcd_000 (Jepsen, etcd): not linearizable', async (t) => {
  const r = check('porcupine-etcd_000.log', 'cas-register');
  t.equal(r.verdict, 'not-linearizable');
});

t.test('Porcupine etcd_002 (Jepsen, etcd): linearizable', async (t) => {
  t.equal(check('porcupine-etcd_002.log', 'cas-register').verdict, 'linearizable');
});

t.test('Porcupine kv c01-bad: not linearizable, the stale get of key 7 named', async (t) => {
  const r = check('porcupine-kv-c01-bad.edn', 'kv');
  if (r.verdict !== 'not-linearizable') return t.fail(`verdict ${r.verdict}`);
  // By hand: key 7 got "x 0 0 y" appended (line 37), then "x 0 3 y" (line 55); the get of line 59 misses the second.
  t.equal(r.violation.partition, '7');
  t.equal(r.violation.stateBefore, '"x 0 0 yx 0 3 y"');
  t.same(r.violation.window.map((w) => w.line), [59]);
  t.same(r.violation.clients, ['0']);
});

function run(args: string[]) {
  const r = spawnSync(process.execPath, [cli, 'check-history', ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

t.test('check-history exit codes: 0, 1 with the window, 2 with the line, 3 within the budget', async (t) => {
  const ok = run(['--model', 'cas-register', new URL('porcupine-etcd_002.log', dir).pathname]);
  t.equal(ok.code, 0, ok.err);
  t.match(ok.out, /^linearizable/);
  const bad = run(['--model', 'kv', new URL('porcupine-kv-c01-bad.edn', dir).pathname]);
  t.equal(bad.code, 1, bad.err);
  t.match(bad.out, /key "7".*\n.*client 0: get 7 → "x 0 0 y"\s+\(line 59\)/);
  const tmp = mkdtempSync(join(tmpdir(), 'linz-'));
  const broken = join(tmp, 'broken.edn');
  writeFileSync(broken, '{:process 0, :type :invoke, :f :read, :value nil}\n{:process 0, :type :ok, :f :read :value}\n');
  const b = run(['--model', 'register', broken]);
  t.equal(b.code, 2);
  t.match(b.err, /line 2: .*even number/);
  const u = run(['--model', 'cas-register', '--budget', '100steps', new URL('porcupine-etcd_002.log', dir).pathname]);
  t.equal(u.code, 3, u.err);
  t.match(u.out, /^unknown: no verdict within 100 search steps/);
  const m = run(['--model', 'nosuch', broken]);
  t.equal(m.code, 2);
  t.match(m.err, /unknown model 'nosuch'/);
});

t.test('check-history --html draws the window in red and the linearized prefix numbered', async (t) => {
  const tmp = mkdtempSync(join(tmpdir(), 'linz-'));
  const out = join(tmp, 'kv.html');
  const r = run(['--model', 'kv', '--html', out, new URL('porcupine-kv-c01-bad.edn', dir).pathname]);
  t.equal(r.code, 1, r.err);
  const html = readFileSync(out, 'utf8');
  // Only key 7's partition is drawn: its two appends linearized (1., 2.), then the get that misses one.
  t.equal((html.match(/<g class="win/g) ?? []).length, 1, 'one operation in the window');
  t.match(html, /<g class="win"><title>0: get 7 → &#34;x 0 0 y&#34; \(line 59\)<\/title>/);
  t.equal((html.match(/<g class="lin/g) ?? []).length, 3, 'the three operations of the prefix');
  t.notMatch(html, /get 0 →/, 'other keys are left out');
});

t.test('check-history --model with a user model file (.ts and .mjs)', async (t) => {
  const tmp = mkdtempSync(join(tmpdir(), 'linz-'));
  const body = `export default {
  name: 'max',
  init: () => 0,
  // A grow-only register: put keeps the largest value; an output of unknown outcome is a symbol.
  step: (s, input, out) => input.f === 'put' ? [true, Math.max(s, Number(input.value))] : [typeof out === 'symbol' || out === s, s],
};
`;
  writeFileSync(join(tmp, 'max.mjs'), body);
  writeFileSync(join(tmp, 'max.ts'), body.replace('(s, input, out)', '(s: number, input: { f: string; value: unknown }, out: unknown): [boolean, number]'));
  const h = (got: number) => [
    '{"process":0,"type":"invoke","f":"put","value":5}', '{"process":0,"type":"ok","f":"put","value":5}',
    '{"process":0,"type":"invoke","f":"put","value":3}', '{"process":0,"type":"ok","f":"put","value":3}',
    '{"process":1,"type":"invoke","f":"get","value":null}', `{"process":1,"type":"ok","f":"get","value":${got}}`,
  ].join('\n') + '\n';
  writeFileSync(join(tmp, 'good.jsonl'), h(5));
  writeFileSync(join(tmp, 'bad.jsonl'), h(3));
  for (const m of ['max.mjs', 'max.ts']) {
    t.equal(run(['--model', join(tmp, m), join(tmp, 'good.jsonl')]).code, 0, `${m}: 5 is the max`);
    const bad = run(['--model', join(tmp, m), join(tmp, 'bad.jsonl')]);
    t.equal(bad.code, 1, `${m}: 3 is not`);
    t.match(bad.out, /in state 5, no order of this operation is legal:\n\s+client 1: get → 3 {2}\(line 5\)/);
  }
  writeFileSync(join(tmp, 'notamodel.mjs'), 'export default { name: 1 };\n');
  const nm = run(['--model', join(tmp, 'notamodel.mjs'), join(tmp, 'good.jsonl')]);
  t.equal(nm.code, 2);
  t.match(nm.err, /must default-export \{ name, init\(\), step\(state, input, output\) \}/);
});

t.test('Knossos cas-register/bad: rethink-fail-minimal blames the concurrent read of 3, not the later read', async (t) => {
  const r = check('knossos-rethink-fail-minimal.edn', 'cas-register');
  if (r.verdict !== 'not-linearizable') return t.fail(`verdict ${r.verdict}`);
  // The file's own comment: "If we have another operation here, just *after* the nonlinearizable
  // concurrent ops, wgl used to incorrectly infer that this subsequent op is the problem."
  t.ok(r.violation.window.some((w) => w.process === 1 && w.line === 4), 'the read of 3 (invoked on line 4) is in the window');
  t.notOk(r.violation.window.some((w) => w.process === 3), 'the later read of 4 is not');
  t.equal(r.violation.stateBefore, '4', 'the deepest prefix takes the concurrent write of 4 first');
});

t.test('Knossos cas-register/bad: immediate-failure (a read of a value whose write failed)', async (t) => {
  const r = check('knossos-immediate-failure.edn', 'cas-register');
  t.equal(r.verdict, 'not-linearizable');
  if (r.verdict === 'not-linearizable') t.same(r.violation.window.map((w) => w.line), [1]);
});
