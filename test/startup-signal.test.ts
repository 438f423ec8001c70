/**
 * Nothing slow comes before the journal: the report directory and the journal's header exist
 * while the target is still loading, a signal then ends the run with an interrupted report of no
 * runs (130 / 143) and a journal that --resume finishes; a bad flag still leaves no directory.
 */
import t from 'tap';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { cli, comparable, sleep, summary } from './lib/no-loss.js';

const fixture = resolve(import.meta.dirname, 'fixtures/slow-load.mts');
const ARGS = ['run', fixture, '--seeds', '1..30'];

/** Runs the CLI with the load gate `gate`; resolves at exit with its code and output. */
function start(args: string[], gate: string): { exited: Promise<{ code: number | null; out: string }>; kill: (s: NodeJS.Signals) => void } {
  const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, INTERLEAVE_TEST_GATE: gate } });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (out += b.toString()));
  return { exited: new Promise((res) => child.on('exit', (code) => res({ code, out }))), kill: (s) => child.kill(s) };
}

/** Waits for the run's journal to hold its header line (a generous limit that fails loudly). */
async function headerWritten(base: string): Promise<string> {
  for (let waited = 0; waited < 300_000; waited += 10) {
    const made = existsSync(base) ? readdirSync(base) : [];
    const journal = made.length > 0 ? join(base, made[0]!, 'journal.jsonl') : null;
    if (journal !== null && existsSync(journal) && readFileSync(journal, 'utf8').endsWith('\n')) return join(base, made[0]!);
    await sleep(10);
  }
  throw new Error(`no journal header under ${base} after 5 minutes`);
}

for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
  t.test(`${sig} while the target loads: exit ${code}, a report of no runs, a journal that --resume finishes`, async (t) => {
    const base = t.testdir({});
    const gate = join(base, 'gate');
    const run = start([...ARGS, '--report-dir', join(base, 'cut')], gate);
    const dir = await headerWritten(join(base, 'cut'));
    t.notOk(existsSync(gate), 'the target has not loaded: its gate is shut');
    run.kill(sig);
    const end = await run.exited;
    t.equal(end.code, code, `exit ${code}`) || t.comment(end.out);
    const s = summary(dir);
    t.equal(s['interrupted'], true);
    t.equal(s['signal'], sig);
    t.same(s.targets, [], 'no runs');
    t.equal(readFileSync(join(dir, 'journal.jsonl'), 'utf8').split('\n').length, 2, 'the journal holds its header alone');
    t.match(end.out, /interrupted before any seed ran: continue with {2}npx interleave run --resume /);

    writeFileSync(gate, '');
    const whole = start([...ARGS, '--report-dir', join(base, 'whole')], gate);
    t.equal((await whole.exited).code, 1);
    const resumed = start(['run', '--resume', dir], gate);
    const again = await resumed.exited;
    t.equal(again.code, 1, '--resume finishes it') || t.comment(again.out);
    t.same(comparable(summary(dir)), comparable(summary(join(base, 'whole', readdirSync(join(base, 'whole'))[0]!))), 'the resumed summary is the uninterrupted one');
  });
}

t.test('a load that fails, or a flag the target refuses, leaves no directory', async (t) => {
  const base = t.testdir({ 'broken.mts': 'export default 42;\n', gate: '' });
  const gate = join(base, 'gate');
  const broken = await start(['run', join(base, 'broken.mts'), '--report-dir', join(base, 'a')], gate).exited;
  t.equal(broken.code, 2, 'a broken target: exit 2') || t.comment(broken.out);
  t.same(existsSync(join(base, 'a')) ? readdirSync(join(base, 'a')) : [], [], 'a target that fails to load removes its directory');
  const variant = await start([...ARGS, '--variant', 'nope', '--report-dir', join(base, 'b')], gate).exited;
  t.equal(variant.code, 2, 'an unknown variant: exit 2') || t.comment(variant.out);
  t.match(variant.out, /nope/);
  t.same(existsSync(join(base, 'b')) ? readdirSync(join(base, 'b')) : [], [], 'an unknown variant: no directory');
  const flag = await start([...ARGS, '--shard', '0/2', '--report-dir', join(base, 'c')], gate).exited;
  t.equal(flag.code, 2);
  t.notOk(existsSync(join(base, 'c')) && readdirSync(join(base, 'c')).length > 0, 'a bad flag: no directory');
});
