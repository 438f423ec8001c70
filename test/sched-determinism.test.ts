import t from 'tap';
import { DEFAULT_OPTIONS } from '../dist/harness/engine/execute.js';
import { checkDeterminism } from '../dist/harness/campaign/determinism.js';
import latch from '../dist/targets/condvar/latch/index.js';

// A planted nondeterministic target: it branches on the real Math.random (allowed in tests only).
const planted = {
  name: 'planted-math-random',
  description: 'branches on Math.random',
  variants: ['v'],
  setup(sim: any) {
    const x = sim.shared('x', 0);
    sim.spawn('a', async () => {
      await x.set(1);
      await x.set(2);
      if (Math.random() < 0.5) await sim.yield();
      await x.set(3);
    });
    sim.spawn('b', async () => {
      await x.get();
      await x.get();
    });
  },
};

t.test('checkDeterminism names the first decision where two runs of a seed diverge', async (t) => {
  let found = null;
  for (let i = 0; i < 40 && found === null; i++) {
    const r = await checkDeterminism({ target: planted, variant: 'v', seed: '3', strategy: { name: 'run-to-block' }, options: DEFAULT_OPTIONS });
    if (!r.deterministic) found = r;
  }
  t.ok(found, 'a Math.random branch is caught within 40 tries (each misses with probability 1/2)');
  if (found === null || found.deterministic) return;
  t.match(found.message, /^decision \d+ \(step \d+\) differs: first run .+, second run .+/);
  t.ok(found.first.events.length > 0 && found.second.events.length > 0, 'both runs show the events around it');
  t.ok(found.first.events.some((e) => e.task === 'a'), 'the events name the task');
  t.not(found.first.decisionHash, found.second.decisionHash);
});

t.test('checkDeterminism passes a deterministic target', async (t) => {
  for (const seed of ['1', '2']) {
    const r = await checkDeterminism({ target: latch, variant: 'check-outside-lock', seed, strategy: { name: 'random' }, options: DEFAULT_OPTIONS });
    t.ok(r.deterministic, `seed ${seed}`);
  }
});
