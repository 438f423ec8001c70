/**
 * The engine's fingerprint: every bundled target × variant × strategy × fault mix, a handful of
 * seeds each, reduced to what a decision change would move (decision hash, outcome, steps,
 * virtual time, and a digest of the violations, trace window and fault log), plus the fitted
 * strategy parameters and the seeds/ corpus replayed with `hashMatches`. Engine work that is
 * meant to be a pure speed-up must leave it bit-identical.
 *
 * Record (only when a change is meant to alter decisions, and say so in the README):
 *   npm run build && FINGERPRINT_RECORD=1 npx tap test/fingerprint.test.ts
 */
import t from 'tap';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { explore } from '../dist/harness/campaign/explore.js';
import { regress } from '../dist/harness/regress/index.js';
import { loadTarget } from '../dist/harness/target/load.js';
import { BUNDLED } from '../dist/harness/target/bundled.js';

const FIXTURE = new URL('./fixtures/fingerprint.json', import.meta.url);
const RECORD = process.env['FINGERPRINT_RECORD'] === '1';

/** `undefined`: the strategy's default for the target (portfolio for Raft, random for threads). */
const STRATEGIES = [undefined, 'random', 'pct', 'pctcp', 'run-to-block'] as const;
/** Per-seed weather (the default), and fixed weather with no faults and with every fault. */
const MIXES = {
  weather: {},
  none: { fixedWeather: true, faults: [] as string[] },
  all: { fixedWeather: true, faults: ['all'] },
} as const;
/** Raft runs take ~20 ms each, liferaft's ~60 ms; thread targets well under 1 ms. */
const SEEDS: Record<string, string> = { raft: '1..4', liferaft: '1..3' };
const THREAD_SEEDS = '1..25';

interface Combo {
  strategy: Record<string, unknown>;
  runs: string[];
}

function digest(x: unknown): string {
  return createHash('sha256').update(JSON.stringify(x)).digest('hex').slice(0, 12);
}

async function fingerprint(): Promise<Record<string, Combo>> {
  const out: Record<string, Combo> = {};
  for (const b of BUNDLED) {
    for (const strategy of STRATEGIES) {
      for (const [mix, opts] of Object.entries(MIXES)) {
        const runs: Record<string, string[]> = {};
        const r = await explore({
          target: b.name,
          inline: true,
          seeds: SEEDS[b.name] ?? THREAD_SEEDS,
          ...(strategy === undefined ? {} : { strategy }),
          ...opts,
          onResult: (res) => {
            const line = [res.seed, res.decisionHash, res.outcome, res.end, res.steps, res.timeMs, res.tasks,
              digest([res.violations, res.traceWindow, res.faultLog, res.strategy, res.messages ?? null])].join(':');
            (runs[res.variant] ??= []).push(line);
          },
        });
        for (const v of r.variants) {
          out[`${b.name}|${v}|${strategy ?? 'default'}|${mix}`] = { strategy: { ...(r.strategyByVariant[v] ?? r.strategy) }, runs: runs[v] ?? [] };
        }
      }
    }
  }
  return out;
}

t.test('decisions, outcomes and traces of every bundled target × variant × strategy × fault mix', async (t) => {
  const now = await fingerprint();
  if (RECORD || !existsSync(FIXTURE)) {
    writeFileSync(FIXTURE, JSON.stringify(now, null, 1) + '\n');
    t.pass(`recorded ${Object.keys(now).length} combinations`);
    return;
  }
  const was = JSON.parse(readFileSync(FIXTURE, 'utf8')) as Record<string, Combo>;
  t.same(Object.keys(now).sort(), Object.keys(was).sort(), 'the same combinations');
  let bad = 0;
  for (const [k, c] of Object.entries(was)) {
    const n = now[k];
    if (n === undefined) continue;
    // One assertion per differing combination, naming its first differing seed.
    if (JSON.stringify(n) !== JSON.stringify(c)) {
      bad++;
      const i = c.runs.findIndex((line, j) => n.runs[j] !== line);
      t.fail(`${k}: ${i < 0 ? 'strategy params differ' : `seed line ${i}: was ${c.runs[i]}, now ${n.runs[i]}`}`);
      if (bad >= 20) break;
    }
  }
  if (bad === 0) t.pass(`${Object.keys(was).length} combinations, ${Object.values(was).reduce((s, c) => s + c.runs.length, 0)} runs identical`);
});

t.test('the seeds/ corpus replays with the recorded decisions', async (t) => {
  const report = await regress({ dir: 'seeds', resolveTarget: async (ref: string) => (await loadTarget(ref)).target });
  t.ok(report.entries.length > 0, 'the corpus has entries');
  for (const e of report.entries) {
    t.ok(e.status === 'ok' && e.hashMatches === true, `${e.path}: ${e.status}${e.hashMatches === true ? '' : ' (hash differs)'} ${e.message}`);
  }
});
