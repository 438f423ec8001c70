import { optionsFor, resolveExplore, seedOptions } from '../../harness/campaign/resolve.js';
import { BUNDLED } from '../../harness/target/bundled.js';
import type { Case } from './walk.js';

/**
 * Every buggy variant of every bundled target, with the options `interleave run` would use
 * (the target's default duration, steps, faults and ignores). A target that fails to load, or a
 * variant without an expected violation kind, is skipped with a note rather than failing the bench.
 * `extra` adds targets by name or path (`npm run bench:bugs -- ./my-target.ts`).
 */
export async function bundledCases(notes: string[], extra: readonly string[] = []): Promise<Case[]> {
  const cases: Case[] = [];
  const refs = [...BUNDLED.map((b) => ({ ref: b.name, group: b.group })), ...extra.map((ref) => ({ ref, group: 'extra' }))];
  for (const b of refs) {
    let r: Awaited<ReturnType<typeof resolveExplore>>;
    try {
      r = await resolveExplore({ target: b.ref });
    } catch (e) {
      notes.push(`skipped target ${b.ref}: it failed to load (${(e as Error).message.split('\n')[0]})`);
      continue;
    }
    for (const variant of r.target.variants) {
      if (variant === 'correct') continue;
      const kind = r.target.expect?.[variant];
      if (kind === undefined || kind === 'pass') {
        notes.push(`skipped ${r.target.name}/${variant}: its target names no expected violation kind`);
        continue;
      }
      // Each variant under its own options (a target may set per-variant defaults).
      const resolved = r;
      cases.push({
        ref: b.ref, target: r.target, group: b.group, variant, kind, options: optionsFor(r, variant).options,
        seedOptions: (seed) => seedOptions(resolved, variant, seed),
      });
    }
  }
  return cases;
}
