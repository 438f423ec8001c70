import { checkOperations } from './checker.js';
import { HistoryError, pairEvents } from './pair.js';
import type { CheckBudget, CheckResult, HistoryEvent, Model, Operation } from './types.js';

/**
 * Checks a history of events against a model: pairs them, makes sure the model knows every
 * operation (a refusal is bad input, named by its line), then searches for a linearization.
 */
export function checkEvents<S>(model: Model<S>, events: readonly HistoryEvent[], budget: CheckBudget = {}, lines?: readonly number[]): { result: CheckResult; ops: Operation[] } {
  const ops = pairEvents(events, model as Model, lines);
  for (const op of ops) {
    try {
      model.step(model.init(), op.input, op.output);
    } catch (e) {
      throw new HistoryError(op.line ?? op.call + 1, (e as Error).message);
    }
  }
  return { result: checkOperations(model, ops, budget), ops };
}
