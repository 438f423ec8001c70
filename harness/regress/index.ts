export { corpusFiles, regress, saveToCorpus, type EntryStatus, type RegressEntry, type RegressOptions, type RegressReport } from './regress.js';
export { formatTap, regressExitCode } from './tap.js';
export { rerecordCommand, scheduleFlags } from './command.js';
