#!/usr/bin/env node
// Seeds to the first failure for every network case, on the build in <dist> (this one's, or an
// older clone's for the frozen baseline), with the flags given as JSON. Writes JSON to stdout.
//   node scripts/net-walk.mjs <dist> '<flags json>' <bases> <cap> <budget-ms-per-case> [refs...]
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
const [dist, flagsJson, bases, cap, budget, ...refs] = process.argv.slice(2);
const root = resolve(dist);
const { explore } = await import(join(root, 'harness/campaign/explore.js'));
const { loadTarget } = await import(join(root, 'target/load.js').replace('/target/', '/harness/target/'));
const { walkNet } = await import(resolve('dist/bench/bugs/net-walk.js'));
const fixtures = readdirSync('bench/fixtures/net').filter((f) => f.endsWith('.ts')).sort().map((f) => `./bench/fixtures/net/${f}`);
const list = refs.length > 0 ? refs : [...fixtures, 'raft'];
const flags = JSON.parse(flagsJson);
const out = [];
for (const ref of list) {
  const { target } = await loadTarget(ref);
  for (const variant of target.variants) {
    if (variant === 'correct') continue;
    const kind = target.expect?.[variant];
    const w = await walkNet(explore, { ref, variant, kind }, flags, Number(bases), Number(cap), 2, Number(budget));
    out.push(w);
    process.stderr.write(`${ref} ${variant}: ${JSON.stringify(w.counts)} (${(w.ms / 1000).toFixed(0)} s)\n`);
  }
}
process.stdout.write(JSON.stringify({ flags, bases: Number(bases), cap: Number(cap), walks: out }, null, 1) + '\n');
