/**
 * Loading a target finishes before its first run: real work a module (or its loader: tsx's IPC
 * connect and file reads) starts as it loads and does not await would otherwise complete in the
 * middle of a worker's first host run, where the promise ledger and the escape check charged it
 * to the node that acted last (`init --host`'s starter, `correct`, seed 1: never-settled in about
 * one run of four under load). The fixture keeps 200 sequential real reads going after it loads.
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadTarget } from '../dist/harness/target/load.js';
import { realWorkInFlight } from '../dist/harness/core/real.js';

const root = resolve(import.meta.dirname, '..');
const fixture = join(root, 'test/fixtures/host-load-io.ts');

t.test('loadTarget returns once the real work the module started has ended', async (t) => {
  const loaded = await loadTarget(fixture);
  t.equal(loaded.target.name, 'host-load-io');
  t.same(realWorkInFlight(), [], 'no file read, connect or immediate still in flight');
});

t.test('a module\'s load-time reads are charged to no run: the correct variant is clean in workers', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'interleave-load-'));
  for (const jobs of ['1', '2']) {
    const r = spawnSync(process.execPath, [join(root, 'dist/harness/cli/main.js'), 'run', fixture, '--seeds', '1..20', '--jobs', jobs, '--report-dir', dir],
      { encoding: 'utf8', timeout: 300_000 });
    t.equal(r.status, 0, `--jobs ${jobs}: ${r.stdout}${r.stderr}`);
    t.match(r.stdout, /violations by kind: none/);
    t.notMatch(r.stdout, /never-settled|escaped-simulation/);
  }
});
