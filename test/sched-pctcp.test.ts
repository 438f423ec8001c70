import t from 'tap';
import { spawnSync } from 'node:child_process';
import { explore } from '../dist/harness/campaign/explore.js';
import { replay } from '../dist/harness/campaign/replay-seed.js';
import { portfolioMember, PORTFOLIO } from '../dist/harness/strategies/portfolio.js';
import { pctcpParams } from '../dist/harness/strategies/pctcp.js';
import { runDecisions } from '../dist/harness/replay/run-decisions.js';
import { fitStrategies } from '../dist/harness/campaign/fit.js';

const LATE = './test/fixtures/late-reply.ts';
const LATCH = './test/fixtures/sched-latch-init.ts';
/** A LAN with a rare heavy tail: the latency bound reaches past a's 40 ms timeout, a typical reply does not. */
const TAIL = { fixedWeather: true, faults: [] as string[], net: { tailRate: 0.001, tailMsMax: 300 } };

t.test('pctcp params: defaults and validation', async (t) => {
  t.same(pctcpParams({}), { depth: 3, k: 200 });
  t.same(pctcpParams({ depth: '2', k: 9 }), { depth: 2, k: 9 });
  t.throws(() => pctcpParams({ k: 0 }), { name: 'UsageError', message: /pctcp: k must be an integer/ });
});

t.test('pctcp holds a reply past the requester\'s timer, on two nodes', async (t) => {
  const pctcp = await explore({ target: LATE, variant: 'trusts-order', seeds: '1..10', strategy: 'pctcp', ...TAIL, keepRuns: true });
  t.equal(pctcp.strategyByVariant['trusts-order']!.params['k'], 2, 'k fitted to the two messages a run sends');
  t.equal(pctcp.failuresByVariant['trusts-order'], 10, 'every pctcp seed lands the answer after the timeout');
  t.match(pctcp.failures[0]!.first.message, /after a's 40 ms timeout/);
  // The timeline: a's timeout fires, then the answer is delivered.
  const r = await replay({ target: LATE, variant: 'trusts-order', seed: pctcp.failures[0]!.seed, strategy: 'pctcp', ...TAIL, trace: true });
  const fires = (r.trace ?? []).filter((e) => e.op === 'fire').map((e) => e.task);
  const timeout = fires.findIndex((l) => l.startsWith('timeout:a'));
  const answer = fires.indexOf('b→a:answer#1');
  t.ok(timeout >= 0 && answer > timeout, `timeout fired before the answer landed (fires: ${fires.join(', ')})`);
  t.match(r.faultLog.map((f) => f.detail).join('\n'), /held \d+ms by the strategy/, 'the held message is in the fault log');

  const random = await explore({ target: LATE, variant: 'trusts-order', seeds: '1..40', strategy: 'random', ...TAIL });
  t.equal(random.failuresByVariant['trusts-order'], 0, 'random draws the tail too rarely to see it in 40 seeds');
  const clean = await explore({ target: LATE, variant: 'correct', seeds: '1..60', strategy: 'pctcp', ...TAIL });
  t.equal(clean.failuresByVariant['correct'], 0, 'the correct variant ignores a late answer');
});

t.test('a pctcp run replays strictly from its decisions', async (t) => {
  const res = await explore({ target: LATE, variant: 'trusts-order', seeds: '3', strategy: 'pctcp', ...TAIL, keepRuns: true });
  const run = res.allRuns![0]!;
  const { target } = await import('../dist/harness/target/load.js').then((m) => m.loadTarget(LATE));
  const { seedOptions, resolveExplore } = await import('../dist/harness/campaign/resolve.js');
  const r = await resolveExplore({ target: LATE, variant: 'trusts-order', strategy: 'pctcp', ...TAIL });
  const again = await runDecisions({ target, variant: 'trusts-order', seed: run.seed, strategy: run.strategy, options: seedOptions(r, 'trusts-order', run.seed) }, run.decisions, { mode: 'strict' });
  t.equal(again.result.decisionHash, run.decisionHash);
  t.equal(again.result.violations[0]?.kind, 'assert');
});

t.test('fitted k is the same at --jobs 1 and 2, in every shard, and in replay', async (t) => {
  const one = await explore({ target: LATCH, seeds: '1..12', strategy: 'pct', hashes: true });
  const two = await explore({ target: LATCH, seeds: '1..12', strategy: 'pct', hashes: true, jobs: 2 });
  const shard = await explore({ target: LATCH, seeds: '7..12', strategy: 'pct', hashes: true });
  t.same(two.strategyByVariant, one.strategyByVariant);
  t.same(shard.strategyByVariant, one.strategyByVariant);
  t.same(two.hashes, one.hashes, 'same runs at any --jobs');
  t.same(shard.hashes, one.hashes.slice(one.hashes.length / 2), 'a shard runs its seeds as the whole campaign did');
  const k = one.strategyByVariant[one.variants[0]!]!.params['k'];
  t.ok(typeof k === 'number' && k > 1 && k < 200, `k fitted near the run length, not 200 (got ${k})`);
  for (const f of one.failures) t.match(f.replayCommand, new RegExp(`--k ${one.strategyByVariant[f.variant]!.params['k']}\\b`), 'replay commands carry the fitted k');
  const f = one.failures[0];
  if (f !== undefined) {
    const r = await replay({ target: LATCH, variant: f.variant, seed: f.seed, strategy: 'pct' });
    t.same(r.strategy, one.strategyByVariant[f.variant], 'replay --seed N fits the same k');
    t.equal(r.decisionHash, f.decisionHash);
  }
});

t.test('the fit is a pure function of the pilot', async (t) => {
  const pilot = [
    { variant: 'v', steps: 40, messages: 9, network: true },
    { variant: 'v', steps: 55, messages: 7, network: true },
    { variant: 'w', steps: 1e9, messages: 0, network: true },
  ];
  const fit = fitStrategies({ name: 'auto', params: {} }, ['v', 'w'], pilot);
  t.equal(fit.campaign.name, 'portfolio', 'a network target gets the portfolio');
  t.same(fit.perVariant['v']!.params, { pctDepth: 3, pctcpDepth: 3, pctK: 55, pctcpK: 9 });
  t.equal(fit.perVariant['w']!.params['pctK'], 10_000, 'capped');
  t.equal(fit.perVariant['w']!.params['pctcpK'], 1, 'at least 1');
  t.equal(fitStrategies({ name: 'auto', params: {} }, ['v'], [{ variant: 'v', steps: 9, messages: 0, network: false }]).campaign.name, 'random', 'a thread target keeps random');
  t.same(fitStrategies({ name: 'pct', params: { k: 77 } }, ['v'], pilot).perVariant['v']!.params, { depth: 3, k: 77 }, 'a given k is kept');
});

t.test('the portfolio picks by seed hash: stable across processes, all members used', async (t) => {
  const params = { pctK: 50, pctcpK: 20 };
  const seeds = Array.from({ length: 400 }, (_v, i) => String(i));
  const here = seeds.map((s) => portfolioMember(params, s).name);
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', `
    const { portfolioMember } = await import(${JSON.stringify(new URL('../dist/harness/strategies/portfolio.js', import.meta.url).href)});
    console.log(JSON.stringify(${JSON.stringify(seeds)}.map((s) => portfolioMember(${JSON.stringify(params)}, s).name)));`], { encoding: 'utf8' });
  t.equal(child.status, 0, child.stderr);
  t.same(JSON.parse(child.stdout), here, 'another process picks the same member for every seed');
  const total = PORTFOLIO.reduce((a, m) => a + m.weight, 0);
  for (const m of PORTFOLIO) {
    const share = here.filter((n) => n === m.name).length / seeds.length;
    t.ok(Math.abs(share - m.weight / total) < 0.08, `${m.name} runs ${Math.round(share * 100)}% of seeds (weight ${m.weight}/${total})`);
  }
  t.same(portfolioMember(params, '7'), portfolioMember({ ...params }, '7'));
});

t.test('a network target defaults to the portfolio; replay commands name the member', async (t) => {
  const whole = await explore({ target: LATE, variant: 'trusts-order', seeds: '1..30', ...TAIL, hashes: true });
  t.equal(whole.strategy.name, 'portfolio');
  t.ok(whole.failures.length > 0, 'the portfolio\'s pctcp seeds find the late reply');
  for (const f of whole.failures) {
    t.notMatch(f.replayCommand, /portfolio/);
    t.match(f.replayCommand, /--strategy (pct|pctcp) |^(?!.*--strategy)/);
  }
  const shard = await explore({ target: LATE, variant: 'trusts-order', seeds: '16..30', ...TAIL, hashes: true, jobs: 2 });
  t.same(shard.hashes, whole.hashes.slice(15), 'a shard at --jobs 2 picks the same member per seed');
  const f = whole.failures[0]!;
  const r = await replay({ target: LATE, variant: 'trusts-order', seed: f.seed, ...TAIL });
  t.equal(r.decisionHash, f.decisionHash, 'replay --seed N without --strategy runs the same member');
  t.match(r.replayCommand, /--strategy pctcp/);
  const threads = await explore({ target: LATCH, seeds: '1..3' });
  t.equal(threads.strategy.name, 'random', 'a thread target keeps random');
});
