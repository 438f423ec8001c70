import type { ArgumentsCamelCase } from 'yargs';
import { formatTap, regress, regressExitCode } from '../../regress/index.js';
import { loadTarget } from '../../target/load.js';
import { Interrupt } from '../signals.js';

export interface RegressArgs {
  dir: string;
  accept?: boolean;
}

/** `interleave regress`: replays the corpus, prints TAP, exit 0 when every outcome is as expected. */
export async function regressCommand(a: ArgumentsCamelCase<RegressArgs>): Promise<number> {
  const interrupt = new Interrupt();
  try {
    const report = await regress({ dir: a.dir, accept: a.accept === true, resolveTarget: async (ref) => (await loadTarget(ref)).target, shouldStop: () => interrupt.stopped });
    process.stdout.write(formatTap(report));
    return interrupt.code() ?? regressExitCode(report);
  } finally {
    interrupt.dispose();
  }
}
