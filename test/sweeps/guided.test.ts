/**
 * Sweep of `--strategy guided` (issue 14; `npm run test:sweeps`): it finds, within a stated number
 * of seeds, a bug random exploration misses over many more, and it is silent on the correct
 * variant. The rest of guided's tests are in test/guided.test.ts.
 */
import t from 'tap';
import { explore } from '../../dist/harness/campaign/explore.js';
import lock from '../fixtures/guided-lock.js';

t.test('guided opens the five-stage lock within 1,000 seeds; random misses it over 3,000', async (t) => {
  const guided = await explore({ target: lock, variant: 'buggy', seeds: '1..1000', strategy: 'guided' });
  t.ok(guided.firstFailure !== null, `guided: first failure at seed ${guided.firstFailure?.seed}`);
  t.equal(guided.failures[0]!.first.kind, 'assert');
  t.equal(guided.states.count().value, 5, 'every stage reached');
  const random = await explore({ target: lock, variant: 'buggy', seeds: '1..3000', strategy: 'random' });
  t.equal(random.firstFailure, null, 'random: no failure in 3,000 seeds');
  t.ok(random.states.count().value < 5, `random reached ${random.states.count().value} of the 5 stages`);
  const correct = await explore({ target: lock, variant: 'correct', seeds: '1..1000', strategy: 'guided' });
  t.equal(correct.failures.length, 0, 'the correct variant: silent over 1,000 guided seeds');
  t.equal(correct.states.count().value, 5, 'while guided reaches the same stages there');
  t.ok(correct.guide !== undefined && correct.guide.entries >= 4, `corpus of ${correct.guide?.entries} entries`);
});
