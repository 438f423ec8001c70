import { readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { UsageError } from '../../core/errors.js';
import { realPerformanceNow } from '../../core/real.js';
import {
  builtinModel, checkEvents, historyPicture, HistoryError, HISTORY_FORMATS, MODELS, parseHistory,
  type CheckBudget, type CheckResult, type HistoryFormat, type Model, type Operation,
} from '../../check/linearizability/index.js';
import { violationText } from '../../check/linearizability/text.js';

/** check-history's own exit codes (the contract): 3 is "no verdict", not an internal error. */
export const HISTORY_EXIT = { linearizable: 0, violation: 1, badInput: 2, unknown: 3 } as const;

export interface CheckHistoryArgs {
  file: string;
  model: string;
  format?: string;
  budget?: string;
  html?: string;
}

/** `interleave check-history --model kv history.jsonl`: one verdict, printed, as an exit code. */
export async function checkHistoryCommand(a: CheckHistoryArgs): Promise<number> {
  const model = await loadModel(a.model);
  const format = a.format === undefined || a.format === 'auto' ? undefined : checkFormat(a.format);
  let text: string;
  try {
    text = readFileSync(a.file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${a.file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const budget = parseHistoryBudget(a.budget ?? '60s');
  const started = realPerformanceNow();
  let result: CheckResult;
  let ops: Operation[];
  try {
    const parsed = parseHistory(text, format);
    ({ result, ops } = checkEvents(model, parsed.events, budget, parsed.lines));
  } catch (e) {
    if (e instanceof HistoryError) {
      process.stderr.write(`interleave: ${a.file}: ${e.message}\n`);
      return HISTORY_EXIT.badInput;
    }
    throw e;
  }
  const ms = Math.round(realPerformanceNow() - started);
  if (a.html !== undefined) writeFileSync(a.html, historyPicture(model as Model<never>, ops, result, `${a.file} against ${model.name}`));
  const tail = `(${result.steps} search steps, ${result.partitions} partition${result.partitions === 1 ? '' : 's'}, ${ms} ms)`;
  if (result.verdict === 'linearizable') {
    process.stdout.write(`linearizable: ${a.file} against ${model.name} ${tail}\n`);
    return HISTORY_EXIT.linearizable;
  }
  if (result.verdict === 'unknown') {
    process.stdout.write(`unknown: ${result.reason} ${tail}\n`);
    return HISTORY_EXIT.unknown;
  }
  process.stdout.write(`not linearizable: ${a.file} against ${model.name} ${tail}\n${violationText(result.violation)}\n`);
  return HISTORY_EXIT.violation;
}

function checkFormat(f: string): HistoryFormat {
  if ((HISTORY_FORMATS as readonly string[]).includes(f)) return f as HistoryFormat;
  throw new UsageError(`--format ${f}: give auto, ${HISTORY_FORMATS.join(', ')}`);
}

/** `60s`, `2m` (a deadline, read from the real clock only here) or `500000steps` (deterministic). */
export function parseHistoryBudget(text: string): CheckBudget {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|steps)$/.exec(text.trim());
  if (m === null || !(Number(m[1]) > 0)) throw new UsageError(`--budget ${JSON.stringify(text)}: give a wall time (30s, 2m, 500ms) or a number of search steps (500000steps)`);
  const n = Number(m[1]);
  if (m[2] === 'steps') return { maxSteps: Math.floor(n) };
  const ms = n * (m[2] === 'ms' ? 1 : m[2] === 's' ? 1000 : 60_000);
  const deadline = realPerformanceNow() + ms;
  return { expired: () => realPerformanceNow() > deadline };
}

/** A built-in model by name, or a module whose default export is a Model (init, step, …). */
async function loadModel(ref: string): Promise<Model> {
  const builtin = builtinModel(ref);
  if (builtin !== undefined) return builtin;
  if (!/[/\\]|\.[cm]?[jt]s$/.test(ref)) throw new UsageError(`unknown model '${ref}': give ${Object.keys(MODELS).join(', ')}, or a path to a module exporting a model`);
  const abs = isAbsolute(ref) ? ref : resolve(process.cwd(), ref);
  let mod: { default?: unknown };
  try {
    mod = /\.[cm]?ts$/.test(abs)
      ? ((await (await import('tsx/esm/api')).tsImport(pathToFileURL(abs).href, import.meta.url)) as { default?: unknown })
      : ((await import(pathToFileURL(abs).href)) as { default?: unknown });
  } catch (e) {
    throw new UsageError(`model ${ref} failed to load: ${(e as Error).message.split('\n')[0]}`);
  }
  let m = mod.default as Partial<Model> & { default?: unknown } | undefined;
  if (m !== undefined && typeof m.step !== 'function' && m.default !== undefined) m = m.default as Partial<Model>;
  if (m === undefined || typeof m.init !== 'function' || typeof m.step !== 'function') throw new UsageError(`model ${ref} must default-export { name, init(), step(state, input, output) }`);
  return { ...m, name: m.name ?? ref } as Model;
}
