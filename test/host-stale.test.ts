/**
 * Host mode: hosted continuations that run after their run ended act on nothing. Before, their
 * ctx calls threw RunStopped into the library: an unhandled rejection that, outside a campaign's
 * boundary (a bare `execute` loop, as the bench's worker runs), crashed the process.
 */
import t from 'tap';
import { join } from 'node:path';
import { execute, DEFAULT_OPTIONS } from '../dist/harness/engine/execute.js';
import { loadTarget } from '../dist/harness/target/load.js';

t.test('a continuation after the run ended is dropped, not thrown into the library', async (t) => {
  const { target } = await loadTarget(join(import.meta.dirname, 'fixtures', 'host-stale.ts'));
  const rejections: unknown[] = [];
  const onRejection = (e: unknown): void => {
    rejections.push(e);
  };
  process.on('unhandledRejection', onRejection);
  try {
    for (let seed = 1; seed <= 20; seed++) {
      const r = await execute({ target, variant: 'correct', seed: String(seed), strategy: { name: 'random' }, options: { ...DEFAULT_OPTIONS, durationMs: 1_000, livenessMs: 0, ignore: new Set(['liveness', 'leadership-overlap']) } });
      t.same(r.violations.map((v) => v.kind), ['duplicate-leadership'], `seed ${seed}: the duplicate claim ends the run, nothing else is reported`);
      // Let the drained continuations and any rejection they made surface before checking.
      await new Promise((res) => setImmediate(res));
      await new Promise((res) => setImmediate(res));
    }
  } finally {
    process.off('unhandledRejection', onRejection);
  }
  t.same(rejections.map(String), [], 'no hosted promise was rejected by the harness');
});
