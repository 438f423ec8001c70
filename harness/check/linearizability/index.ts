export { checkOperations, describeOperation, describeState } from './checker.js';
export { pairEvents, HistoryError } from './pair.js';
export { checkEvents } from './check.js';
export { parseHistory, detectFormat, HISTORY_FORMATS, type HistoryFormat, type ParsedHistory } from './parse.js';
export { MODELS, builtinModel, register, casRegister, kv, counter, set, queue } from './models.js';
export { readEdn, type Edn } from './edn.js';
export {
  UNKNOWN, type CheckBudget, type CheckResult, type EventType, type HistoryEvent, type LinearizabilityViolation,
  type Model, type Operation, type OpInput, type OpOutput, type WindowOp,
} from './types.js';
export { violationText, violationLine } from './text.js';
export { historyPicture } from './picture.js';
