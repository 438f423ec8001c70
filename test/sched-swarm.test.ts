import t from 'tap';
import { swarmFaults } from '../dist/harness/faults/swarm.js';

t.test('swarmFaults draws a subset of the enabled kinds from the seed', async (t) => {
  const enabled = { spurious: 0.1, drop: 0.05, crash: 0.1, partition: 0.2 };
  t.same(swarmFaults('42', enabled), swarmFaults('42', enabled), 'the same seed draws the same set');
  const sets = new Set<string>();
  let total = 0;
  for (let s = 0; s < 200; s++) {
    const f = swarmFaults(String(s), enabled);
    sets.add(Object.keys(f).sort().join(','));
    for (const [k, r] of Object.entries(f)) {
      total++;
      if (!(k in enabled) || !(r > 0 && r <= enabled[k as keyof typeof enabled])) t.fail(`bad draw ${k}=${r}`);
    }
  }
  t.ok(sets.size >= 12, `200 seeds draw ${sets.size} of the 16 subsets`);
  t.ok(total > 300 && total < 500, `each kind is on about half the time (${total} of 800)`);
});

t.test('a kind draws the same whatever else is enabled', async (t) => {
  const alone = swarmFaults('7', { drop: 0.05 });
  const withOthers = swarmFaults('7', { drop: 0.05, crash: 0.1, spurious: 0.1 });
  t.equal(withOthers['drop'], alone['drop']);
  t.same(swarmFaults('7', ['drop', 'crash'], 0.2), swarmFaults('7', { crash: 0.2, drop: 0.2 }), 'a list of names takes the default rate');
  t.throws(() => swarmFaults('7', { drop: 2 }), { name: 'UsageError' });
});
