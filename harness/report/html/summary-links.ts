import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../io/atomic.js';
import type { ViewData } from './data.js';

const HEADING = '## Space-time view';

/** The summary's section pointing into index.html, shrunk schedules first: the page's own order. */
export function pageLinksMarkdown(views: readonly Pick<ViewData, 'id' | 'label' | 'title' | 'violations'>[]): string[] {
  const lines = [HEADING, '',
    '[index.html](index.html) draws each failure below as lanes over virtual time, from a full replay of its seed.' +
    (views.some((v) => v.label === 'shrunk') ? ' Open a shrunk schedule first: it is the shortest story of its bug.' : ''), ''];
  for (const v of views) {
    const kinds = [...new Set(v.violations.map((x) => x.kind))].join(', ');
    const label = v.label === undefined ? '' : `${v.label}: `;
    lines.push(`- [${label}${v.title}${kinds === '' ? '' : ` (${kinds})`}](index.html#${encodeURIComponent(v.id)})`);
  }
  return lines;
}

/**
 * Adds (or replaces) the section linking index.html in `<dir>/summary.md`. The summary is written
 * before the page exists (a page is drawn from replays after the report is final), so the link is
 * added once the page is on disk and never points at a page that is not there.
 */
export function linkPageInSummary(dir: string, views: readonly Pick<ViewData, 'id' | 'label' | 'title' | 'violations'>[]): void {
  const file = join(dir, 'summary.md');
  if (!existsSync(file) || views.length === 0) return;
  const text = readFileSync(file, 'utf8');
  const at = text.indexOf(`\n${HEADING}\n`);
  const head = (at < 0 ? text : text.slice(0, at + 1)).replace(/\n*$/, '\n');
  writeFileAtomic(file, `${head}\n${pageLinksMarkdown(views).join('\n')}\n`);
}
