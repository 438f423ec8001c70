// The HTML space-time report's data and page, checked against the replay's own trace (no browser:
// test/html-browser.test.ts drives the page in Chromium).
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { replay, type RunResult } from '../dist/harness/index.js';
import { buildView, renderPage, pickForPage, MAX_VIEW_EVENTS, MAX_VIEWS, VIEWS_PER_KIND, type ViewData } from '../dist/harness/report/html/index.js';
import { findLinks } from '../dist/harness/report/html/links.js';
import { writeRunPage, FULL_TRACE_MAX_STEPS } from '../dist/harness/report/html/run-page.js';

const CLI = new URL('../dist/harness/cli/main.js', import.meta.url).pathname;
const FIVE = new URL('../dist/targets/raft/five.js', import.meta.url).pathname;
const RANDOM = { name: 'random' };

const run = (target: string, variant: string, seed: number, extra: Record<string, unknown> = {}): Promise<RunResult & { replayCommand: string }> =>
  replay({ target, variant, seed, trace: true, inline: true, strategy: RANDOM, ...extra });

/** The view's JSON as the page embeds it. */
function embedded(html: string): ViewData[] {
  const m = /<script type="application\/json" id="views">([\s\S]*?)<\/script>/.exec(html);
  if (m === null) throw new Error('no views block');
  return JSON.parse(m[1]!) as ViewData[];
}

t.test('a lost wakeup: one lane per task, the lost signal woke nobody, its three steps highlighted', async (t) => {
  const r = await run('bounded-buffer', 'check-outside-lock', 2);
  const trace = r.trace!;
  const v = r.violations[0]!;
  t.equal(v.kind, 'lost-wakeup');
  const view = buildView(r, r.replayCommand);
  const tasks = [...new Set(trace.map((e) => e.task).filter((x) => !x.startsWith('timer:')))].sort();
  t.same(view.lanes.map((l) => l.id).sort(), tasks, 'one lane per task, timers in their task\'s lane');
  t.ok(view.lanes.every((l) => l.kind === 'task'));
  const d = v.details as { signal: { step: number; task: string }; staleRead: { step: number }; sleptAtStep: number; waiter: string };
  const steps = view.violations[0]!.steps;
  for (const s of [d.signal.step, d.staleRead.step, d.sleptAtStep, v.step]) t.ok(steps.includes(s), `violation names step ${s}`);
  const lost = trace.find((e) => e.step === d.signal.step && e.op === 'woke');
  t.match(lost, { task: d.signal.task, result: '[]' }, 'the lost signal is traced as waking nobody');
  const wakes = view.links.filter((l) => l.kind === 'wake');
  t.ok(wakes.length > 0, 'signals that woke someone are linked');
  for (const l of wakes) {
    const from = trace[l.from]!;
    const to = trace[l.to!]!;
    t.equal(from.op, 'woke');
    t.ok((JSON.parse(from.result) as string[]).includes(to.task), `${from.task} woke ${to.task}`);
    t.ok(l.to! > l.from);
  }
  const handoffs = view.links.filter((l) => l.kind === 'handoff');
  t.ok(handoffs.length > 0, 'mutex handoffs are linked');
  for (const l of handoffs) {
    const from = trace[l.from]!;
    const to = trace[l.to!]!;
    t.equal(from.op, 'unlock');
    t.ok(['lock', 'reacquire'].includes(to.op));
    t.equal(from.obj, to.obj);
    t.not(from.task, to.task);
  }
  t.equal(view.events.length, trace.length, 'a short run is kept whole');
});

t.test('a Raft leadership overlap: node lanes, every arrow a send and its delivery, both leaders shaded', async (t) => {
  const r = await run('raft', 'no-lease', 33);
  const trace = r.trace!;
  const v = r.violations[0]!;
  t.equal(v.kind, 'leadership-overlap');
  const view = buildView(r, r.replayCommand);
  t.same(view.lanes.map((l) => l.id), ['n1', 'n2', 'n3', 'nemesis'], 'one lane per node, and the nemesis');
  const laneId = (pos: number): string => view.lanes[view.events.find((e) => e.i === pos)!.lane]!.id;
  const all = findLinks(trace);
  const messages = view.links.filter((l) => l.kind === 'message' || l.kind === 'duplicate');
  t.ok(messages.length > 20, `${messages.length} message arrows`);
  for (const l of messages) {
    const s = trace[l.from]!;
    const d = trace[l.to!]!;
    if (s.op !== 'send' || d.op !== 'fire' || d.task !== (l.kind === 'duplicate' ? `${s.obj}+dup` : s.obj)) {
      t.fail(`arrow ${l.from}→${l.to} is not a send and its delivery: ${JSON.stringify([s, d])}`);
      continue;
    }
    const [src, dst] = s.obj.split(':')[0]!.split('→');
    if (laneId(l.from) !== src || laneId(l.to!) !== dst) t.fail(`arrow ${s.obj} drawn ${laneId(l.from)}→${laneId(l.to!)}`);
  }
  const sends = trace.map((e, i) => [e, i] as const).filter(([e]) => e.op === 'send');
  for (const [e, i] of sends) {
    const ends = all.filter((l) => l.from === i && l.kind !== 'duplicate');
    if (ends.length !== 1) t.fail(`send ${e.obj} has ${ends.length} fates`);
  }
  const dropped = new Set(all.filter((l) => l.kind === 'dropped').map((l) => l.label));
  t.same([...dropped].sort(), r.faultLog.filter((f) => f.fault === 'drop').map((f) => f.detail).sort(), 'dropped arrows are the drop faults');
  const d = v.details as { nodes: string[]; terms: number[]; steps: number[] };
  for (let k = 0; k < 2; k++) {
    const iv = view.leadership.find((l) => view.lanes[l.lane]!.id === d.nodes[k] && l.term === d.terms[k]);
    t.ok(iv, `${d.nodes[k]} is shaded as leader of term ${d.terms[k]}`);
    if (iv === undefined) continue;
    t.match(trace[iv.from], { op: 'signalLeadership', obj: `leader term ${d.terms[k]}`, step: d.steps[k] });
    t.equal(iv.to, null, 'still leading when the run stopped');
  }
  for (const s of d.steps) t.ok(view.violations[0]!.steps.includes(s), `the two leaders' signals (step ${s}) are highlighted`);
  t.ok(all.some((l) => l.kind === 'publish'), 'a leadership publish is linked to the next() that took it');
  for (const l of all.filter((x) => x.kind === 'publish')) {
    t.equal(trace[l.from]!.op, 'reached');
    t.equal(trace[l.to!]!.op, 'next');
  }
});

t.test('a log-matching failure rings the steps that wrote the diverging entries', async (t) => {
  // Seed 24 under the variant's fitted pct is the first log-matching seed of 1..30 (engine 2) (run raft --variant skip-prev-log-check).
  const r = await run('raft', 'skip-prev-log-check', 24, { strategy: { name: 'pct', params: { depth: 3, k: 10000 } }, duration: 10000 });
  const v = r.violations[0]!;
  t.equal(v.kind, 'log-matching');
  const d = v.details as { diffSteps: number[]; sameSteps: number[] };
  t.equal(d.diffSteps.length, 2, 'one step per node for its diverging entry');
  t.equal(d.sameSteps.length, 2, 'and for the entry they agree on after it');
  t.ok([...d.diffSteps, ...d.sameSteps].every((s) => s <= v.step), 'all at or before the violation');
  const view = buildView(r, r.replayCommand);
  for (const s of [...d.diffSteps, ...d.sameSteps]) {
    t.ok(view.violations[0]!.steps.includes(s), `the view rings step ${s}`);
    t.ok(view.events.some((e) => e.step === s), `step ${s} is drawn`);
  }
});

t.test('a 5-node Raft failure of 20,000 steps is windowed; the page is bounded and deterministic', async (t) => {
  const r = await run(FIVE, 'correct', 2, { maxSteps: 20_000 });
  t.equal(r.steps, 20_000);
  t.ok(r.trace!.length > MAX_VIEW_EVENTS * 3, `${r.trace!.length} timeline lines`);
  const view = buildView(r, r.replayCommand);
  t.ok(view.events.length <= MAX_VIEW_EVENTS, `${view.events.length} lines kept`);
  t.equal(view.totalEvents, r.trace!.length);
  t.same(view.lanes.map((l) => l.id), ['n1', 'n2', 'n3', 'n4', 'n5', 'nemesis']);
  const tail = view.events.filter((e) => e.i >= view.tailFrom);
  t.equal(tail.length, r.trace!.length - view.tailFrom, 'the tail is whole');
  t.equal(tail.at(-1)!.i, r.trace!.length - 1, 'up to the last line');
  t.ok(view.events.some((e) => e.step === r.violations[0]!.step), 'the violation step is kept');
  const early = view.events.filter((e) => e.i < view.tailFrom);
  t.ok(early.every((e) => view.tasks[e.task] === 'nemesis' || ['signalLeadership', 'start'].includes(e.op) || view.violations[0]!.steps.includes(e.step)), 'only key lines from before the tail');
  const signals = r.trace!.filter((e) => e.op === 'signalLeadership').length;
  t.equal(view.events.filter((e) => e.op === 'signalLeadership').length, signals, 'every leadership signal is kept');
  const html = renderPage([view], view.title);
  t.comment(`page size for a 20,000-step 5-node Raft run: ${(html.length / 1024).toFixed(0)} KiB (${view.events.length} of ${view.totalEvents} lines)`);
  t.ok(html.length < 1.5 * 1024 * 1024, 'under 1.5 MiB');
  const again = await run(FIVE, 'correct', 2, { maxSteps: 20_000 });
  t.equal(renderPage([buildView(again, again.replayCommand)], view.title), html, 'the same seed gives the same page, byte for byte');
});

t.test('the page is self-contained and its JSON cannot end the script block', async (t) => {
  const r = await run('bounded-buffer', 'check-outside-lock', 2);
  const view = buildView(r, r.replayCommand);
  const hostile: ViewData = { ...view, title: '</script><script>alert(1)</script>', events: view.events.map((e, k) => (k === 0 ? { ...e, obj: '</script><!--' } : e)) };
  const html = renderPage([hostile], 'x');
  t.equal(html.match(/<\/script>/g)!.length, 2, 'only the two real script blocks close');
  t.equal(embedded(html)[0]!.events[0]!.obj, '</script><!--', 'the value survives the round trip');
  t.notMatch(html, /<link\b|<img\b|<iframe\b|\bsrc\s*=|@import|url\((?!#arrow\))|\bfetch\(|XMLHttpRequest|https?:\/\/(?!www\.w3\.org\/2000\/svg)/, 'no external resource, no fetch');
  t.match(html, /Content-Security-Policy" content="default-src 'none'/, 'the page forbids every fetch');
});

t.test('pickForPage keeps the first seeds per (variant, kind), within the cap', async (t) => {
  const fs = Array.from({ length: 40 }, (_, i) => ({ variant: i % 2 === 0 ? 'a' : 'b', kinds: [i % 4 < 2 ? 'x' : 'y'], seed: String(i) }));
  const picked = pickForPage(fs);
  t.equal(picked.length, MAX_VIEWS);
  t.same(picked.slice(0, 4).map((f) => f.seed), ['0', '1', '2', '3']);
  const per = new Map<string, number>();
  for (const f of picked) per.set(`${f.variant}/${f.kinds[0]}`, (per.get(`${f.variant}/${f.kinds[0]}`) ?? 0) + 1);
  t.ok([...per.values()].every((n) => n <= VIEWS_PER_KIND));
});

t.test('CLI: replay --html and run\'s index.html', async (t) => {
  const dir = t.testdir({});
  const out = join(dir, 'bb.html');
  const rep = spawnSync(process.execPath, [CLI, 'replay', 'bounded-buffer', '--variant', 'check-outside-lock', '--seed', '2', '--html', out], { encoding: 'utf8' });
  t.equal(rep.status, 1, rep.stderr);
  t.match(rep.stdout, `html: ${out}`);
  t.notMatch(rep.stdout, /^\s+1\s+0ms/m, 'no timeline printed without --trace');
  const views = embedded(readFileSync(out, 'utf8'));
  t.equal(views.length, 1);
  const printed = /violation: lost-wakeup at step (\d+)/.exec(rep.stdout)!;
  t.equal(views[0]!.violations[0]!.step, Number(printed[1]), 'the page\'s violation is the replay\'s');
  t.match(views[0]!.replayCommand, /interleave replay bounded-buffer --variant check-outside-lock --seed 2/);

  const reports = join(dir, 'reports');
  const res = spawnSync(process.execPath, [CLI, 'run', 'bounded-buffer', '--variant', 'check-outside-lock', '--seeds', '1..20', '--report-dir', reports], { encoding: 'utf8' });
  t.equal(res.status, 1, res.stderr);
  const [runDir] = readdirSync(reports);
  const page = join(reports, runDir!, 'index.html');
  t.ok(existsSync(page), 'run writes index.html');
  t.match(res.stdout, `space-time view: ${page}`);
  const summary = JSON.parse(readFileSync(join(reports, runDir!, 'summary.json'), 'utf8')) as { targets: { failures: { seed: string; kinds: string[]; variant: string; replayCommand: string }[] }[] };
  const failures = summary.targets[0]!.failures;
  const shown = embedded(readFileSync(page, 'utf8'));
  t.same(shown.map((v) => v.seed), pickForPage(failures).map((f) => f.seed), 'the first seeds per (variant, kind)');
  t.same(shown.map((v) => v.replayCommand), pickForPage(failures).map((f) => f.replayCommand), 'each with its replay command');
  t.ok(shown.every((v) => v.label === undefined), 'each view is its seed\'s recorded run');
});

t.test('merge-reports copies the shards\' pages and picks the unsharded run\'s views', async (t) => {
  const dir = t.testdir({});
  const runTo = (out: string, ...extra: string[]): string => {
    const res = spawnSync(process.execPath, [CLI, 'run', 'bounded-buffer', '--seeds', '1..24', '--report-dir', out, '--quiet', ...extra], { encoding: 'utf8' });
    t.equal(res.status, 1, res.stderr);
    return join(out, readdirSync(out)[0]!);
  };
  const whole = runTo(join(dir, 'whole'));
  const s1 = runTo(join(dir, 's1'), '--shard', '1/2');
  const s2 = runTo(join(dir, 's2'), '--shard', '2/2');
  const out = join(dir, 'merged');
  const m = spawnSync(process.execPath, [CLI, 'merge-reports', s1, s2, '--out', out, '--quiet'], { encoding: 'utf8' });
  t.equal(m.status, 1, m.stderr);
  t.equal(readFileSync(join(out, 'pages', 'shard-1.html'), 'utf8'), readFileSync(join(s1, 'index.html'), 'utf8'), 'shard 1\'s page copied as it was');
  t.equal(readFileSync(join(out, 'pages', 'shard-2.html'), 'utf8'), readFileSync(join(s2, 'index.html'), 'utf8'), 'shard 2\'s page copied as it was');
  const key = (v: ViewData): string => `${v.variant} ${v.seed}`;
  const merged = embedded(readFileSync(join(out, 'index.html'), 'utf8')).map(key);
  t.same(merged, embedded(readFileSync(join(whole, 'index.html'), 'utf8')).map(key), 'the merged page shows what one unsharded run would');
  t.ok(merged.length > 3, `${merged.length} views`);
  const md = readFileSync(join(out, 'summary.md'), 'utf8');
  t.equal(summaryLinks(md).length, merged.length, 'the merged summary links every view of the merged page');
});

/** The `index.html#id` links of a summary.md's space-time section, in order. */
function summaryLinks(md: string): string[] {
  const at = md.indexOf('\n## Space-time view\n');
  if (at < 0) return [];
  return [...md.slice(at).matchAll(/\]\(index\.html#([^)]+)\)/g)].map((m) => decodeURIComponent(m[1]!));
}

t.test('campaign writes one page: the first seed of each (target, variant, kind), ids distinct across targets', async (t) => {
  const dir = t.testdir({});
  const res = spawnSync(process.execPath, [CLI, 'campaign', '--target', 'bounded-buffer', '--target', 'latch', '--seeds', '1..10', '--report-dir', dir], { encoding: 'utf8' });
  t.equal(res.status, 0, res.stderr);
  const runDir = join(dir, readdirSync(dir)[0]!);
  t.match(res.stdout, `space-time view: ${join(runDir, 'index.html')}`);
  const views = embedded(readFileSync(join(runDir, 'index.html'), 'utf8'));
  const keys = views.map((v) => `${v.target} ${v.variant} ${v.violations[0]!.kind}`);
  t.equal(new Set(keys).size, keys.length, 'one view per (target, variant, kind)');
  t.ok(keys.includes('latch check-outside-lock lost-wakeup') && keys.includes('bounded-buffer check-outside-lock lost-wakeup'), 'both targets\' check-outside-lock');
  t.equal(new Set(views.map((v) => v.id)).size, views.length, 'every view has an id of its own');
  t.same(summaryLinks(readFileSync(join(runDir, 'summary.md'), 'utf8')), views.map((v) => v.id), 'summary.md links each');
});

t.test('run --shrink leads index.html with the shrunk schedules; replay --schedule --html draws the same run', async (t) => {
  const dir = t.testdir({});
  const reports = join(dir, 'reports');
  const res = spawnSync(process.execPath, [CLI, 'run', 'bounded-buffer', '--variant', 'check-outside-lock', '--seeds', '1..6', '--shrink', '--report-dir', reports], { encoding: 'utf8' });
  t.equal(res.status, 1, res.stderr);
  const runDir = join(reports, readdirSync(reports)[0]!);
  const views = embedded(readFileSync(join(runDir, 'index.html'), 'utf8'));
  const schedules = readdirSync(join(runDir, 'schedules'));
  t.equal(schedules.length, 1, 'one (variant, kind), one shrunk schedule');
  const file = join(runDir, 'schedules', schedules[0]!);
  t.match(views[0], { label: 'shrunk', variant: 'check-outside-lock', replayCommand: `npx interleave replay --schedule ${file}` }, 'the shrunk schedule\'s view comes first');
  t.equal(views[0]!.id, `${views[0]!.variant}-${views[0]!.seed}-shrunk`, 'with an id of its own (index.html#id opens it)');
  t.match(res.stdout, `view: ${join(runDir, 'index.html')}#${views[0]!.id}`, 'the run names it');
  t.ok(views.slice(1).every((v) => v.label === undefined), 'then the seeds');
  t.ok(views[0]!.steps < views.find((v) => v.seed === views[0]!.seed && v.label === undefined)!.steps, 'shorter than its seed\'s run');
  const md = readFileSync(join(runDir, 'summary.md'), 'utf8');
  t.same(summaryLinks(md), views.map((v) => v.id), 'summary.md links every view, the shrunk schedule first');
  t.match(md, /Open a shrunk schedule first/);
  const out = join(dir, 'schedule.html');
  const rep = spawnSync(process.execPath, [CLI, 'replay', '--schedule', file, '--html', out], { encoding: 'utf8' });
  t.equal(rep.status, 1, rep.stderr);
  const [again] = embedded(readFileSync(out, 'utf8'));
  t.same(again!.events, views[0]!.events, 'replay --schedule --html draws the shrunk run');
  t.equal(again!.replayCommand, views[0]!.replayCommand);
  t.same(again!.violations, views[0]!.violations);
});

t.test('a failure too long to trace whole is drawn from its last lines, and says so', async (t) => {
  const dir = t.testdir({});
  const whole = await run('bounded-buffer', 'check-outside-lock', 2);
  const asked: boolean[] = [];
  const f = (step: number, seed: string) => ({ variant: 'check-outside-lock', seed, kinds: ['lost-wakeup'], decisionHash: whole.decisionHash, replayCommand: whole.replayCommand, first: { step } });
  const page = await writeRunPage({
    dir, title: 't',
    failures: [f(FULL_TRACE_MAX_STEPS + 1, '2'), f(127, '2b')],
    replayOne: async (_f, tailOnly) => {
      asked.push(tailOnly);
      return tailOnly ? run('bounded-buffer', 'check-outside-lock', 2, { trace: false, traceWindow: 40 }) : whole;
    },
  });
  t.same(asked, [true, false], 'only the long one is replayed without its whole trace');
  const [tail, full] = embedded(readFileSync(page!, 'utf8'));
  t.equal(tail!.events.length, 40, 'the tail it kept');
  t.equal(tail!.events.at(-1)!.step, whole.trace!.at(-1)!.step, 'up to the end');
  t.equal(tail!.label, 'its last 40 timeline lines only');
  t.equal(full!.label, undefined);
  t.equal(full!.events.length, whole.trace!.length);
});

t.test('shrink --html draws the shrunk schedule, as replay --schedule --html does', async (t) => {
  const dir = t.testdir({});
  const file = join(dir, 'bb.json');
  const page = join(dir, 'shrunk.html');
  const res = spawnSync(process.execPath, [CLI, 'shrink', 'bounded-buffer', '--variant', 'check-outside-lock', '--seed', '2', '--out', file, '--html', page], { encoding: 'utf8' });
  t.equal(res.status, 1, res.stderr);
  t.match(res.stdout, `html: ${page}`);
  const [v] = embedded(readFileSync(page, 'utf8'));
  t.match(v, { label: 'shrunk', variant: 'check-outside-lock', seed: '2', replayCommand: `npx interleave replay --schedule ${file}` });
  t.equal(v!.violations[0]!.kind, 'lost-wakeup');
  const again = join(dir, 'again.html');
  t.equal(spawnSync(process.execPath, [CLI, 'replay', '--schedule', file, '--html', again], { encoding: 'utf8' }).status, 1);
  t.same(embedded(readFileSync(again, 'utf8'))[0]!.events, v!.events, 'the same run as replay --schedule draws');
});

t.test('a message that never arrived says why, as the fault log has it', async (t) => {
  const r = await run('raft', 'no-lease', 13);
  const trace = r.trace!;
  const lost = findLinks(trace).filter((l) => l.kind === 'lost' || l.kind === 'in-flight');
  t.ok(lost.every((l) => (l.kind === 'in-flight') === (l.why === 'still in flight when the run ended')), 'a message still in flight at the end is a kind of its own, not lost');
  const crashes = r.faultLog.filter((f) => f.fault === 'crash' || f.fault === 'restart');
  const downAt = (node: string, step: number): boolean => {
    let down = false;
    for (const f of crashes) if (f.step <= step && f.detail.startsWith(`${node} `)) down = f.fault === 'crash';
    return down;
  };
  const seen = new Set<string>();
  for (const l of lost) {
    const to = l.label.split(':')[0]!.split('→')[1]!;
    const step = trace[l.from]!.step;
    const why = l.why ?? '';
    seen.add(why.replace(/^n\d+ /, ''));
    if (why === `${to} was down when it was sent`) { if (!downAt(to, step)) t.fail(`${l.label}: ${to} was up at step ${step}`); }
    else if (why === `${to} crashed before it arrived`) { if (!crashes.some((f) => f.fault === 'crash' && f.step >= step && f.detail.startsWith(`${to} `))) t.fail(`${l.label}: no crash of ${to} after step ${step}`); }
    else if (why === 'sent while a partition was in force') { if (!r.faultLog.some((f) => f.fault === 'partition' && f.step <= step)) t.fail(`${l.label}: no partition before step ${step}`); }
    else if (why !== 'still in flight when the run ended') t.fail(`${l.label}: ${why}`);
  }
  t.same([...seen].sort(), ['crashed before it arrived', 'sent while a partition was in force', 'still in flight when the run ended', 'was down when it was sent'], 'each reason, on this seed');
});
