import { appendFileSync, statSync } from 'node:fs';
import { kindText, type CaseRow } from './cases.js';

/**
 * GitHub Actions workflow commands: one `::error` per (target, variant, kind) that failed the
 * command, at most ANNOTATIONS (GitHub shows no more per step), then one `::notice` for the rest.
 * With $GITHUB_STEP_SUMMARY set, the Markdown summary is appended to the job summary.
 */
export const ANNOTATIONS = 10;
/** GitHub refuses a step summary over 1 MiB; what is appended stays under it. */
export const STEP_SUMMARY_BYTES = 1024 * 1024 - 4096;

export function githubAnnotations(rows: readonly CaseRow[]): string {
  const all: string[] = [];
  for (const r of rows) {
    if (r.ok) continue;
    const kinds = Object.entries(r.kinds).sort((a, b) => b[1] - a[1]);
    if (kinds.length === 0) {
      all.push(command('error', `interleave: ${r.suite} ${r.name}`, r.why ?? 'not as expected'));
      continue;
    }
    for (const [kind, n] of kinds) {
      const what = r.why !== undefined && r.failed <= 1 ? r.why : `${kind} in ${n} of ${r.runs} seeds${r.why !== undefined ? ` (${r.why})` : ''}`;
      const replay = r.replayByKind?.[kind] ?? r.replays[0];
      all.push(command('error', `interleave: ${r.suite} ${r.name}: ${kind}`, `${what}${replay !== undefined ? `; replay: ${replay}` : ''}`));
    }
  }
  const shown = all.slice(0, ANNOTATIONS);
  if (all.length > shown.length) shown.push(command('notice', 'interleave', `${all.length - shown.length} more findings folded (${all.length} in all): see the job summary or summary.json`));
  if (all.length === 0) shown.push(command('notice', 'interleave', `${rows.length} cases as expected: ${kindText(sumKinds(rows))}`));
  return shown.join('\n') + '\n';
}

function sumKinds(rows: readonly CaseRow[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of rows) for (const [k, n] of Object.entries(r.kinds)) out[k] = (out[k] ?? 0) + n;
  return out;
}

/** Appends to the job summary file, if GitHub gave one; returns whether it did. */
export function appendStepSummary(markdown: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const file = env['GITHUB_STEP_SUMMARY'];
  if (file === undefined || file === '') return false;
  let used = 0;
  try {
    used = statSync(file).size;
  } catch {
    used = 0;
  }
  const room = Math.max(0, STEP_SUMMARY_BYTES - used);
  appendFileSync(file, clip(markdown, room));
  return true;
}

function clip(s: string, bytes: number): string {
  if (Buffer.byteLength(s) <= bytes) return s;
  const note = '\n\n…cut to stay under GitHub\'s 1 MiB job summary: see summary.md in the report.\n';
  const keep = Math.max(0, bytes - Buffer.byteLength(note));
  return Buffer.from(s).subarray(0, keep).toString('utf8').replace(/\uFFFD$/, '') + note;
}

/** `::error title=T::message`, with GitHub's escapes for properties and data. */
function command(kind: 'error' | 'notice', title: string, message: string): string {
  return `::${kind} title=${escapeProperty(title)}::${escapeData(message)}`;
}

function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}
