/**
 * `npm run bench`: runs every section in turn and prints its table, then whether each aim from
 * the issues is met. A missed aim is reported, not a failure: the process exits non-zero only
 * when a section crashes.
 *
 * Adding a benchmark is one module exporting `section: Section` (see section.ts), listed in
 * SECTIONS or, for the Raft one, simply present as bench/raft.ts (compiled to dist/bench/raft.js).
 */
import { performance } from 'node:perf_hooks';
import { section as threads } from './threads.js';
import { section as supervise } from './supervise.js';
import { section as ab } from './ab.js';
import type { Aim, Section } from './section.js';

const SECTIONS: Section[] = [threads, supervise];
/** After the optional sections: the A/B against another build (BENCH_BASELINE). */
const LAST: Section[] = [ab];

/** Optional sections, loaded when their module exists. */
const OPTIONAL = ['./raft.js', './host.js'];

async function optionalSections(): Promise<Section[]> {
  const out: Section[] = [];
  for (const spec of OPTIONAL) {
    let mod: { section?: Section };
    try {
      mod = (await import(spec)) as { section?: Section };
    } catch (e) {
      const missing = (e as { code?: string }).code === 'ERR_MODULE_NOT_FOUND' && String((e as Error).message).includes(spec.slice(2));
      if (missing) continue;
      throw e;
    }
    if (mod.section === undefined) throw new Error(`bench module ${spec} exports no 'section'`);
    out.push(mod.section);
  }
  return out;
}

async function main(): Promise<void> {
  const t0 = performance.now();
  console.log(`interleave bench — node ${process.version}, ${process.platform}/${process.arch}`);
  const aims: Aim[] = [];
  for (const s of [...SECTIONS, ...(await optionalSections()), ...LAST]) {
    console.log(`\n## ${s.title}\n`);
    const out = await s.run();
    for (const l of out.lines) console.log(l);
    aims.push(...out.aims);
  }
  console.log('\n## Aims\n');
  for (const a of aims) console.log(`${a.met ? 'met   ' : 'MISSED'}  ${a.label}: ${a.detail}`);
  const missed = aims.filter((a) => !a.met).length;
  console.log(`\n${aims.length - missed}/${aims.length} aims met; bench took ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
