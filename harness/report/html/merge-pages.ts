import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { copyFileAtomic } from '../../io/atomic.js';
import { makeDirs } from '../../io/dirs.js';
import type { ViewData } from './data.js';
import { pickForPage, writeHtmlReport } from './index.js';
import { linkPageInSummary } from './summary-links.js';

const VIEWS_BLOCK = /<script type="application\/json" id="views">([\s\S]*?)<\/script>/;

/** The views a page embeds (its JSON block), or null for a file that is not one of our pages. */
export function readViews(html: string): ViewData[] | null {
  const m = VIEWS_BLOCK.exec(html);
  if (m === null) return null;
  try {
    const v: unknown = JSON.parse(m[1]!);
    return Array.isArray(v) ? (v as ViewData[]) : null;
  } catch {
    return null;
  }
}

/**
 * merge-reports' pages: each shard's index.html copied as-is to pages/shard-<n>.html, and one
 * index.html over all of them picked as a single run's would be (shrunk schedules first, then
 * the first seeds per variant and kind), so the merged report opens like an unsharded one.
 * Returns the files written.
 */
export function mergePages(dirs: readonly string[], out: string, title: string, failures: readonly { variant: string; seed: string }[]): string[] {
  const written: string[] = [];
  const shrunk: ViewData[] = [];
  const seeds: ViewData[] = [];
  dirs.forEach((dir, n) => {
    const page = join(dir, 'index.html');
    if (!existsSync(page)) return;
    makeDirs(join(out, 'pages'));
    const copy = join(out, 'pages', `shard-${n + 1}.html`);
    copyFileAtomic(page, copy);
    written.push(copy);
    for (const v of readViews(readFileSync(page, 'utf8')) ?? []) (v.label === 'shrunk' ? shrunk : seeds).push(v);
  });
  if (shrunk.length + seeds.length === 0) return written;
  // In the merged summary's order (the seed list's), as the unsharded run would have picked them.
  const rank = new Map(failures.map((f, i) => [`${f.variant}\u0000${f.seed}`, i]));
  const at = (v: ViewData): number => rank.get(`${v.variant}\u0000${v.seed}`) ?? Number.MAX_SAFE_INTEGER;
  seeds.sort((a, b) => at(a) - at(b));
  const kinds = seeds.map((v) => ({ view: v, variant: v.variant, kinds: v.violations.map((x) => x.kind) }));
  const views = [...shrunk, ...pickForPage(kinds).map((k) => k.view)];
  const index = join(out, 'index.html');
  writeHtmlReport(index, views, title);
  linkPageInSummary(out, views);
  written.push(index);
  return written;
}
