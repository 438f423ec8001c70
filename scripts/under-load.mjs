#!/usr/bin/env node
/**
 * `npm run test:under-load`: the tests that send signals, resume, launch, watch and restart
 * workers, run with two CPU-burning processes per core beside them, as on a shared CI runner.
 * They synchronise on what the processes write, so load may slow them but never fail them;
 * the watchdog's stall limit is sized for the load (INTERLEAVE_TEST_STALL_MS). The exit code is
 * tap's.
 */
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';

const FILES = [
  'test/no-loss.test.ts', // signals at points of the journal, --resume
  'test/launcher.test.ts', // SIGINT and SIGKILL to the launcher
  'test/internal-error.test.ts', // workers that die, load retries, --resume --debug
  'test/runaway.test.ts', // the watchdog
  'test/parallel.test.ts', // worker pools
  'test/run-budget.test.ts', // --time, --until-fail, resume of a budgeted run
];

const burners = [];
for (let i = 0; i < 2 * availableParallelism(); i++) {
  burners.push(spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
}
const stopBurners = () => { for (const b of burners) b.kill('SIGKILL'); };
process.on('exit', stopBurners);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { stopBurners(); process.exit(128 + (sig === 'SIGINT' ? 2 : 15)); });

console.log(`# under load: ${burners.length} CPU burners beside ${FILES.length} test files`);
const tap = spawn(process.execPath, ['node_modules/.bin/tap', ...FILES], {
  stdio: 'inherit',
  env: { ...process.env, INTERLEAVE_TEST_STALL_MS: '3000' },
});
tap.on('exit', (code, signal) => {
  stopBurners();
  process.exit(code ?? (signal === null ? 1 : 128));
});
