import t from 'tap';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeDecisions, encodeDecisions, readScheduleFile } from '../dist/harness/replay/index.js';

t.test('encodeDecisions/decodeDecisions round-trip exactly', async (t) => {
  const lists: (string | number)[][] = [
    [],
    ['producer-1'],
    ['producer-1', 'producer-1', 'producer-1', 'consumer-1', 0, 'consumer-1', 0xffffffff, 0xffffffff],
    ['n1→n2:append#3', 'a,b;c.d*e%f', 'timer:waiter-1', 12345, 'n1→n2:append#3', 0],
  ];
  for (const l of lists) {
    const s = encodeDecisions(l);
    t.same(decodeDecisions(s), l, `round-trip of ${s}`);
    t.equal(encodeDecisions(decodeDecisions(s)), s, 'the encoding is canonical');
    t.notMatch(s, /[\s"']/, 'no spaces or quotes: safe to paste into a shell');
  }
  t.equal(encodeDecisions(['p', 'p', 'p', 'c', 0, 'c', 0xffffffff, 0xffffffff]), 'v1:p,c;0*3.1.x0.1.xffffffff*2', 'the documented example');
});

t.test('decodeDecisions names what is wrong with a corrupt string', async (t) => {
  const cases: [string, RegExp][] = [
    ['p;0', /starting with 'v1:'/],
    ['v2:p;0', /unsupported encoding v2/],
    ['v1:p', /missing ';'/],
    ['v1:p;1', /label index 1 is past the table/],
    ['v1:p;0*1', /repeat count must be at least 2/],
    ['v1:p;x123456789', /bad token/],
    ['v1:%E2%86;0', /not valid percent-encoding/],
    ['v1:p;0..0', /bad token '' at decision 1/],
  ];
  for (const [text, why] of cases) {
    t.throws(() => decodeDecisions(text), { name: 'UsageError', message: why }, text);
  }
});

t.test('readScheduleFile rejects corrupt files with a UsageError naming the file and field', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'interleave-schedule-'));
  const good = {
    format: 'interleave-schedule', version: 1, target: 'latch', variant: 'correct',
    strategy: { name: 'random', params: {} }, options: { durationMs: 60000, maxSteps: 100000, faults: {}, ignore: [] },
    seed: '1', decisions: 'v1:a;0', expect: 'pass', decisionHash: '0123456789abcdef', steps: 1,
  };
  const write = (name: string, body: unknown): string => {
    const p = join(dir, name);
    writeFileSync(p, typeof body === 'string' ? body : JSON.stringify(body));
    return p;
  };
  t.same(readScheduleFile(write('good.json', good)).seed, '1', 'a valid file reads');
  t.throws(() => readScheduleFile(write('a.json', '{ not json')), { name: 'UsageError', message: /a\.json: not a schedule file/ });
  t.throws(() => readScheduleFile(write('b.json', { ...good, version: 2 })), { message: /b\.json: corrupt schedule file: unsupported version 2/ });
  t.throws(() => readScheduleFile(write('c.json', { ...good, expect: 'fail' })), { message: /'expect' must be 'pass' or 'violation:<kind>'/ });
  t.throws(() => readScheduleFile(write('d.json', { ...good, decisions: 'v1:a;7' })), { message: /label index 7/ });
  t.throws(() => readScheduleFile(write('e.json', { ...good, options: { ...good.options, faults: { drop: 2 } } })), { message: /options\.faults\.drop/ });
  t.throws(() => readScheduleFile(join(dir, 'missing.json')), { name: 'UsageError', message: /cannot read schedule file/ });
});
