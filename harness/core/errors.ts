/** Bad input from a user: the CLI prints the message alone and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * A fault of the harness, not of the input or of a target's run: the CLI prints its message (one
 * line, naming the seed and the worker when it happened in a seed run), writes `detail` (the stack
 * of the thread it happened in) into the report directory, and exits 3.
 */
export class InternalError extends Error {
  constructor(message: string, readonly detail?: string) {
    super(message);
    this.name = 'InternalError';
  }
}

/** `file:line`, `file:line:col` or `node:internal/…:line`: how a loader's SyntaxError stack begins. */
const LOCATION = /^\S+:\d+(:\d+)?$/;
/** `TypeError: …`, `SyntaxError: …`, `Error [ERR_X]: …`, `RangeError`… */
const NAMED = /^([A-Z][A-Za-z0-9_$]*)?(Error|Exception)\b.*/;

/**
 * The line of an error's text (a message or a whole stack) that says what went wrong. A stack
 * Node writes for a syntax or loader error starts with the place (`/…/run.js:6`), then the source
 * line, a caret, and only then `SyntaxError: …`: that line is taken, not the place.
 */
export function messageLine(text: string): string {
  const lines = text.split('\n').map((l) => l.trim());
  const first = lines[0] ?? '';
  if (!LOCATION.test(first) && first !== '') return first;
  return lines.find((l) => NAMED.test(l)) ?? lines.find((l) => l !== '' && !LOCATION.test(l) && !l.startsWith('at ')) ?? first;
}

/** Where an error happened: the place a loader's stack begins with, or its first `at` frame. */
export function firstFrame(text: string): string | null {
  const lines = text.split('\n').map((l) => l.trim());
  if (LOCATION.test(lines[0] ?? '')) return lines[0]!;
  // The first frame outside Node's own code (node:internal/…), where there is one.
  const frames = lines.filter((l) => l.startsWith('at ')).map((l) => l.slice(3));
  return frames.find((f) => !/\(node:|^node:/.test(f)) ?? frames[0] ?? null;
}
