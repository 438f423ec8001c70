/**
 * The child's half of the launcher (cli/main.ts): it is the command, started once more with ES
 * module support; the launcher only forwards signals and the exit code.
 */

/** Set in the relaunched command's environment: it must not start itself again. */
export const RELAUNCHED_ENV = 'INTERLEAVE_RELAUNCHED';

/**
 * In the relaunched command: die with the launcher. Its IPC channel closes only when the launcher
 * is gone (killed, SIGKILL included), and a command left running would go on writing a report
 * directory that a `--resume` may already be reading.
 */
export function dieWithLauncher(): void {
  if (process.env[RELAUNCHED_ENV] !== '1' || process.channel === undefined) return;
  process.on('disconnect', () => process.kill(process.pid, 'SIGKILL'));
  // The channel must not keep the command alive once its work is done.
  process.channel.unref();
}
