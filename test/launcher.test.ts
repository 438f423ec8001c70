/**
 * The command's launcher (harness/cli/main.ts): a command that may run host seeds in its own
 * thread starts itself again with ES module support. Signals sent to the launcher must reach the
 * command once, and a killed launcher must not leave the command running behind it.
 */
import t from 'tap';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const cli = join(import.meta.dirname, '..', 'dist', 'harness', 'cli', 'main.js');
const target = join(import.meta.dirname, 'fixtures', 'host-esm.ts');
const env = { ...process.env, NODE_OPTIONS: '' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts a shrinking run (so relaunched) and waits for its journal; returns the child and its report dir. */
async function started(base: string) {
  const child = spawn(process.execPath, [cli, 'run', target, '--seeds', '1..20000', '--shrink', '--quiet', '--report-dir', base], { stdio: 'ignore', env });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => child.on('exit', (code, signal) => res({ code, signal })));
  for (let k = 0; k < 3000; k++) {
    const made = existsSync(base) ? readdirSync(base) : [];
    if (made.length > 0 && existsSync(join(base, made[0]!, 'journal.jsonl'))) return { child, exited, dir: join(base, made[0]!) };
    await sleep(10);
  }
  throw new Error('no journal after 30 s');
}

/** Processes whose command line names `needle` (Linux: /proc). */
function processesNaming(needle: string): number[] {
  const out: number[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(needle)) out.push(Number(pid));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

t.test('SIGINT to the launcher stops the command once: the report says interrupted, exit 130', async (t) => {
  const run = await started(t.testdir({}));
  await sleep(1000);
  run.child.kill('SIGINT');
  const end = await run.exited;
  t.equal(end.code, 130, 'the command\'s own exit code, passed through');
  const summary = JSON.parse(readFileSync(join(run.dir, 'summary.json'), 'utf8')) as { interrupted?: boolean; signal?: string };
  t.equal(summary.interrupted, true, 'a report of the runs made so far (one signal: not "quit at once")');
  t.equal(summary.signal, 'SIGINT');
});

t.test('SIGKILL to the launcher takes the command with it', { skip: process.platform !== 'linux' && 'reads /proc' }, async (t) => {
  const base = t.testdir({});
  const run = await started(base);
  t.ok(processesNaming(base).length >= 2, 'the launcher and the relaunched command both run');
  run.child.kill('SIGKILL');
  await run.exited;
  let left = processesNaming(base);
  for (let k = 0; k < 100 && left.length > 0; k++) {
    await sleep(100);
    left = processesNaming(base);
  }
  t.same(left, [], 'no process of the run is left');
});
