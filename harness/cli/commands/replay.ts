import type { ArgumentsCamelCase } from 'yargs';
import { replay } from '../../explore/explore.js';
import { UsageError } from '../../sched/index.js';
import { EXIT, type RunFlags } from '../common.js';

export interface ReplayArgs extends RunFlags {
  target: string;
  trace?: boolean;
}

/** `interleave replay`: one seed again, with its timeline on request and its decision hash. */
export async function replayCommandRun(a: ArgumentsCamelCase<ReplayArgs>): Promise<number> {
  if (a.seed === undefined) throw new UsageError('replay needs --seed N');
  if (a.variant === undefined) throw new UsageError('replay needs --variant v');
  const r = await replay({
    target: a.target, variant: a.variant, seed: String(a.seed), strategy: a.strategy,
    faults: a.faults, faultRates: a['fault-rate'], durationMs: a.duration, maxSteps: a['max-steps'],
    ignore: a.ignore, trace: a.trace === true,
  });
  const w = (s: string): void => {
    process.stdout.write(s + '\n');
  };
  if (r.trace) {
    w(`${'step'.padStart(6)} ${'time'.padStart(8)}  ${'task'.padEnd(16)} operation`);
    for (const e of r.trace) {
      const res = e.result === '' ? '' : ` → ${e.result}`;
      w(`${String(e.step).padStart(6)} ${(e.timeMs + 'ms').padStart(8)}  ${e.task.padEnd(16)} ${e.op}${e.obj ? ` ${e.obj}` : ''}${res}`);
    }
  }
  w(`target: ${r.target}  variant: ${r.variant}  seed: ${r.seed}  strategy: ${r.strategy.name}`);
  w(`end: ${r.end} after ${r.steps} steps, ${r.timeMs} ms virtual`);
  for (const v of r.violations) w(`violation: ${v.kind} at step ${v.step} (${v.timeMs} ms) [${v.actors.join(', ')}]: ${v.message}`);
  if (r.faultLog.length > 0) w(`faults: ${r.faultLog.length} (${[...new Set(r.faultLog.map((f) => f.fault))].join(', ')})`);
  w(`decision-hash: ${r.decisionHash}`);
  return r.violations.length > 0 ? EXIT.violations : EXIT.ok;
}
