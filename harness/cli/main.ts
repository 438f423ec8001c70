#!/usr/bin/env node
/**
 * The `interleave` command's entry. A host target written as ES modules needs
 * `vm.SourceTextModule`, which Node defines only under --experimental-vm-modules, and the
 * shrinker, `replay --schedule` and `regress` run candidates in the command's own thread: so a
 * command that may do so starts itself once more with the flag instead of asking the user for
 * NODE_OPTIONS (one more process start, about 40 ms). Seeds of `run` and `campaign` run in worker
 * threads, which get the flag themselves, so those commands run here unless they shrink. Not
 * either when the flag is already on, or when the user gave node flags of their own (a debugger
 * or a profiler would attach to this launcher, not to the run): then the flag, where missing, is
 * named by the one-line error of the ES module loader.
 *
 * The child runs in a process group of its own, so a Ctrl-C or a signal sent to the group
 * reaches it once, forwarded from here, and never twice (a second signal means "quit at once",
 * cli/signals.ts). It dies with this process: an IPC channel closes when this one is killed.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';
import { esmAvailable, VM_MODULES_FLAG } from '../host/esm.js';
import { RELAUNCHED_ENV } from './relaunch.js';
import { holdSignals } from './signals.js';

const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** Commands that may run a host target's seeds in this thread (shrink, replay --schedule, regress). */
function mayRunInline(args: readonly string[]): boolean {
  const cmd = args.find((a) => !a.startsWith('-'));
  if (cmd === 'shrink' || cmd === 'regress' || cmd === 'replay') return true;
  // --resume: the journal holds the flags, --shrink among them perhaps.
  return args.some((a) => /^--(shrink|save-failures|resume)(=|$)/.test(a));
}

function ownNodeFlags(): boolean {
  return process.execArgv.length > 0 || /--inspect|--cpu-prof|--heap-prof/.test(process.env['NODE_OPTIONS'] ?? '');
}

function relaunch(): void {
  const cli = fileURLToPath(new URL('./cli.js', import.meta.url));
  const child = spawn(process.execPath, [VM_MODULES_FLAG, cli, ...args], {
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, [RELAUNCHED_ENV]: '1' },
    // A new console window on Windows: there the child stays in this console's group.
    detached: process.platform !== 'win32',
  });
  // On Windows the console's Ctrl-C reaches the child itself (same console group): forwarding it too
  // would be the second signal that means "quit at once".
  for (const sig of FORWARDED) process.on(sig, () => (sig === 'SIGINT' && process.platform === 'win32' ? undefined : child.kill(sig)));
  child.on('error', (e) => {
    process.stderr.write(`interleave: could not start ${process.execPath}: ${e.message}\n`);
    process.exit(3);
  });
  child.on('exit', (code, signal) => {
    process.exit(code ?? 128 + (signal === null ? 0 : constants.signals[signal]));
  });
}

const args = process.argv.slice(2);
if (!mayRunInline(args) || esmAvailable() || process.env[RELAUNCHED_ENV] === '1' || ownNodeFlags()) {
  // run and campaign keep a signal that comes while they start (signals.ts): it ends them with a report.
  const cmd = args.find((a) => !a.startsWith('-'));
  if ((cmd === 'run' || cmd === 'campaign' || args.includes('--resume')) && !args.includes('--real')) holdSignals();
  await import('./cli.js');
} else relaunch();
