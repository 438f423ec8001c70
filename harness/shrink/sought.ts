import { UsageError } from '../core/errors.js';
import { signatureOf } from '../core/signature.js';
import type { Violation } from '../core/violation.js';

/**
 * Which failures a shrink may end on (`--shrink-same`): `signature`, the default, only the
 * original's (core/signature.ts: the same assertion, the same error, the same condvar…);
 * `kind`, any failure of its kind, as the shrinker did before signatures, for a user who wants
 * the shortest failure of the kind whatever it is.
 */
export type ShrinkSame = 'signature' | 'kind';

export const SHRINK_SAME: readonly ShrinkSame[] = ['signature', 'kind'];

/** `--shrink-same`: absent is `signature`. */
export function parseShrinkSame(text: string | undefined): ShrinkSame {
  if (text === undefined) return 'signature';
  const v = SHRINK_SAME.find((s) => s === text);
  if (v === undefined) throw new UsageError(`--shrink-same ${JSON.stringify(text)}: give signature (the default: the same failure) or kind (any failure of its kind)`);
  return v;
}

/**
 * The failure every accepted candidate must show first: its kind, and its signature unless any
 * failure of the kind will do (null). Plain data: it crosses to the shrink's worker threads.
 */
export interface Sought {
  kind: string;
  signature: string | null;
}

export function soughtOf(v: Violation, same: ShrinkSame): Sought {
  return { kind: v.kind, signature: same === 'kind' ? null : signatureOf(v) };
}

/** Whether a run whose first violation is `v` (none: it passed) shows the failure sought. */
export function shows(v: Violation | undefined, s: Sought): boolean {
  return v !== undefined && v.kind === s.kind && (s.signature === null || signatureOf(v) === s.signature);
}

/** The same for a candidate's kind and signature, computed where it ran (jobs.ts). */
export function showsAs(kind: string | null, signature: string | null, s: Sought): boolean {
  return kind === s.kind && (s.signature === null || signature === s.signature);
}
