/**
 * Sweep of the Raft detectors (`npm run test:sweeps`): the stale candidate of
 * test/fixtures/net-stale-candidate.ts (a lower-term leader observed after a higher-term entry
 * was applied) is legal Raft and no detector flags it over 2,000 seeds of drawn weather and
 * workload. Its pinned run is in test/raft-detectors.test.ts.
 */
import t from 'tap';
import { explore } from '../../dist/harness/campaign/explore.js';
import { staleCandidateTarget, staleLeaders, type StaleProbe } from '../fixtures/net-stale-candidate.js';

t.test('the stale candidate, 2,000 seeds of drawn weather and workload: clean sweep', async (t) => {
  const probe: StaleProbe = { runs: [] };
  const r = await explore({ target: staleCandidateTarget(probe), variant: 'correct', seeds: '1..2000' });
  t.equal(r.runs, 2_000);
  t.same(r.violationsByKind, {}, `outcomes: ${r.failures.slice(0, 3).map((f) => `${f.seed} ${f.kinds.join(',')}: ${f.result.violations[0]?.message}`).join('; ')}`);
  const withStale = probe.runs.filter((ev) => staleLeaders(ev).length > 0).length;
  t.comment(`${withStale} runs had a stale leader`);
  t.ok(withStale >= 100, `stale leaders happen in the sweep (${withStale} runs)`);
});
