// harness/core is the engine's floor: it must run without anything above it (net, check, sched,
// explore, cover, report, cli). Types may name them; code may not load them.
import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const core = join(import.meta.dirname, '..', 'harness', 'core');

t.test('harness/core loads nothing from above it', async (t) => {
  const files = readdirSync(core).filter((f) => f.endsWith('.ts'));
  t.ok(files.length > 10, `${files.length} files`);
  const bad: string[] = [];
  for (const f of files) {
    const text = readFileSync(join(core, f), 'utf8');
    for (const m of text.matchAll(/^(?:import|export)\s+(?!type\b)[^;]*?from\s+'(\.\.\/[^']+)'/gms)) bad.push(`${f}: ${m[1]}`);
    for (const m of text.matchAll(/import\(\s*'(\.\.\/[^']+)'\s*\)/g)) bad.push(`${f}: import(${m[1]})`);
  }
  t.same(bad, [], 'every runtime import of core stays inside core');
});
