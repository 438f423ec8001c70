import type { Entry } from '../core/index.js';

/** What the safety checkers compare: an entry's term and content (the no-op has no data). */
export function digestOf(e: Entry): string {
  return `${e.term}:${e.data === '' ? 'noop' : e.data}`;
}
