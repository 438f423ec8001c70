import { failText, type CaseRow } from './cases.js';

/**
 * JUnit XML as Jenkins' junit-10.xsd defines it (shipped in harness/report/schemas and checked
 * with xmllint in the tests): one testsuite per target, one testcase per variant (or corpus
 * entry). A failure's message is the kinds and counts, its body the replay commands.
 */
export function junitXml(title: string, rows: readonly CaseRow[], wallMs: number): string {
  const suites = new Map<string, CaseRow[]>();
  for (const r of rows) {
    const list = suites.get(r.suite) ?? [];
    list.push(r);
    suites.set(r.suite, list);
  }
  const failures = rows.filter((r) => !r.ok).length;
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${attr(title)}" tests="${rows.length}" failures="${failures}" errors="0" time="${seconds(wallMs)}">`,
  ];
  for (const [name, cases] of suites) {
    const f = cases.filter((r) => !r.ok).length;
    const s = cases.filter((r) => r.skipped !== undefined).length;
    lines.push(`  <testsuite name="${attr(name)}" tests="${cases.length}" failures="${f}" errors="0" skipped="${s}">`);
    for (const c of cases) lines.push(...testcase(c));
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>');
  return lines.join('\n') + '\n';
}

function testcase(c: CaseRow): string[] {
  const open = `    <testcase classname="${attr(c.suite)}" name="${attr(c.name)}" assertions="${c.runs}"`;
  if (c.ok && c.skipped === undefined) return [`${open}/>`];
  const out = [`${open}>`];
  if (c.skipped !== undefined) out.push(`      <skipped message="${attr(c.skipped)}"/>`);
  if (!c.ok) {
    const message = c.why ?? failText(c);
    const type = Object.keys(c.kinds).sort((a, b) => c.kinds[b]! - c.kinds[a]!)[0] ?? 'violation';
    const body = [failText(c), ...c.replays.map((r) => `replay: ${r}`)];
    if (c.failed > c.replays.length && c.replays.length > 0) body.push(`(the first ${c.replays.length} of ${c.failed}; summary.json lists the rest)`);
    out.push(`      <failure message="${attr(message)}" type="${attr(type)}">${text(body.join('\n'))}</failure>`);
  }
  out.push('    </testcase>');
  return out;
}

function seconds(ms: number): string {
  return (Math.max(0, ms) / 1000).toFixed(3);
}

/** XML 1.0 has no escape for most control characters: they are dropped. */
function clean(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '');
}

function text(s: string): string {
  return clean(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function attr(s: string): string {
  return text(s).replace(/"/g, '&quot;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
}
