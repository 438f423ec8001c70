import { BUNDLED } from '../../target/bundled.js';
import { loadTarget } from '../../target/load.js';
import { EXIT } from '../common.js';

/** `interleave list`: bundled targets, their variants and what each variant is expected to show. */
export async function listCommand(): Promise<number> {
  for (const b of BUNDLED) {
    const { target } = await loadTarget(b.name);
    process.stdout.write(`${target.name}  (${b.group})  ${target.description}\n`);
    for (const v of target.variants) {
      const e = target.expect?.[v];
      process.stdout.write(`  ${v}${e ? `  → expect ${e}` : ''}\n`);
    }
  }
  return EXIT.ok;
}
