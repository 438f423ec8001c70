/**
 * What crosses the network or reaches the disk is the receiver's own: a sender that mutates a
 * message after sending it, a receiver that mutates what it got, and a node that mutates what it
 * wrote or read back cannot change what anyone else (or a later incarnation) sees. Issue 12
 * makes the message path cheaper; this pins down what it must keep.
 */
import t from 'tap';
import { execute, DEFAULT_OPTIONS } from '../dist/harness/engine/execute.js';
import type { NodeContext, Target } from '../dist/harness/core/api.js';

type Msg = { type: 'batch'; entries: { i: number; tags: string[] }[] };

interface Probe {
  /** [receiver, JSON of the message as it arrived] */
  seen: [string, string][];
  /** What n1 read back from its disk after each mutation. */
  disk: string[];
}

const fresh = (): Msg => ({ type: 'batch', entries: [{ i: 1, tags: ['a'] }, { i: 2, tags: ['b'] }] });
const PRISTINE = JSON.stringify(fresh());

function aliasTarget(probe: Probe): Target {
  return {
    name: 'net-alias',
    description: 'senders and receivers that mutate messages and stored values',
    variants: ['default'],
    setup(sim) {
      sim.node<Msg>('n1', async (ctx) => {
        const m = fresh();
        ctx.send('n2', m);
        ctx.send('n3', m);
        // The sender reuses its buffer at once, as a careless one does.
        m.entries[0]!.tags.push('sender-mutated');
        m.entries.pop();
        const stored = fresh();
        ctx.storage.set('log', stored);
        stored.entries[0]!.i = 99;
        probe.disk.push(JSON.stringify(ctx.storage.get('log')));
        const read = ctx.storage.get<Msg>('log')!;
        read.entries.length = 0;
        probe.disk.push(JSON.stringify(ctx.storage.get('log')));
        await ctx.sleep(50);
      });
      const receiver = async (ctx: NodeContext<Msg>): Promise<void> => {
        for (;;) {
          const m = await ctx.recv();
          if (m === undefined) continue;
          probe.seen.push([ctx.id, JSON.stringify(m)]);
          // The receiver edits what it got in place (a duplicate must still arrive whole).
          m.entries[0]!.tags.push(`${ctx.id}-mutated`);
          m.entries.length = 0;
        }
      };
      sim.node<Msg>('n2', receiver, { daemon: true });
      sim.node<Msg>('n3', receiver, { daemon: true });
    },
  };
}

t.test('no mutation by a sender, a receiver or a writer reaches anyone else', async (t) => {
  for (let s = 0; s < 20; s++) {
    const probe: Probe = { seen: [], disk: [] };
    const r = await execute({
      target: aliasTarget(probe),
      variant: 'default',
      seed: `alias-${s}`,
      strategy: { name: 'random' },
      // Every message duplicated: the two deliveries of one send must not share an object.
      options: { ...DEFAULT_OPTIONS, durationMs: 200, faults: { duplicate: 1 } },
    });
    t.equal(r.outcome, 'pass', `seed alias-${s} passes`);
    t.same(probe.seen.map(([who]) => who).sort(), ['n2', 'n2', 'n3', 'n3'], `seed alias-${s}: each receiver got the message and its duplicate`);
    for (const [who, json] of probe.seen) t.equal(json, PRISTINE, `seed alias-${s}: ${who} saw the message as sent`);
    t.same(probe.disk, [PRISTINE, PRISTINE], `seed alias-${s}: the disk kept the value as written`);
  }
});

t.test('the check above fails when messages are not copied (it can see aliasing)', async (t) => {
  const probe: Probe = { seen: [], disk: [] };
  await execute({
    target: aliasTarget(probe),
    variant: 'default',
    seed: 'alias-0',
    strategy: { name: 'random' },
    options: { ...DEFAULT_OPTIONS, durationMs: 200, faults: { duplicate: 1 }, net: { copyMessages: false } },
  });
  t.ok(probe.seen.some(([, json]) => json !== PRISTINE), 'with copyMessages off, some receiver saw a mutated message');
});
