/**
 * Where hosted code called into host mode (`pool.js:123`): the first stack frame outside this
 * folder (the trampolines, the runtime) and outside Node's own. A stack costs microseconds, so
 * callers read it only while a whole trace is recorded (replay --trace), for the trace and
 * messages: never for a label, a decision key or a hash.
 */
import { fileURLToPath } from 'node:url';

/** This folder, built (dist/harness/host/) and as a source map names it (harness/host/): frames
 * in it are the harness's, not the caller's. */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const HOST_DIRS = [`${ROOT}dist/harness/host/`, `${ROOT}harness/host/`];

/** `@file:line` of the hosted caller, or '' when none is on the stack. */
export function callSite(): string {
  const stack = new Error().stack ?? '';
  for (const line of stack.split('\n').slice(1)) {
    const m = /\(?((?:file:\/\/)?[^()\s]+):(\d+):\d+\)?\s*$/.exec(line);
    if (m === null) continue;
    const file = m[1]!;
    if (file.startsWith('node:') || HOST_DIRS.some((d) => file.includes(d))) continue;
    return `@${file.slice(file.lastIndexOf('/') + 1)}:${m[2]}`;
  }
  return '';
}
