import type { Target } from '../../core/api.js';
import { BUNDLED } from '../../target/bundled.js';
import { loadTarget } from '../../target/load.js';
import { EXIT } from '../common.js';

const w = (s: string): void => {
  process.stdout.write(`${s}\n`);
};

/**
 * `interleave list`: bundled targets, their variants and what each variant is expected to show.
 * `interleave list <target>`: one target, bundled or a user's file by path.
 */
export async function listCommand(ref?: string): Promise<number> {
  if (ref !== undefined) {
    const { target, bundled } = await loadTarget(ref);
    const group = bundled ? BUNDLED.find((b) => b.name === ref)?.group : undefined;
    show(target, group ?? ref);
    return EXIT.ok;
  }
  for (const b of BUNDLED) show((await loadTarget(b.name)).target, b.group);
  return EXIT.ok;
}

function show(target: Target, where: string): void {
  w(`${target.name}  (${where})${target.description ? `  ${target.description}` : ''}`);
  for (const v of target.variants) {
    const e = target.expect?.[v];
    w(`  ${v}${e ? `  → expect ${e}` : ''}`);
  }
  const knobs = Object.entries(target.workload ?? {});
  if (knobs.length > 0) w(`  workload: ${knobs.map(([k, d]) => `${k} ${d.min}..${d.max} (default ${d.default})`).join(', ')}`);
  if (target.ignore !== undefined && target.ignore.length > 0) w(`  ignores: ${target.ignore.join(', ')}`);
}
