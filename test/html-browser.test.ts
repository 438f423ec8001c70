// The HTML space-time report in a real browser: Debian's chromium driven by playwright-core
// (never `playwright install`: CI runs as root on a closed network). Skips, saying so, when
// chromium is missing; fails instead under CI=true, where .ci/run installs it.
import t, { type Test } from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { replay, type RunResult } from '../dist/harness/index.js';
import { buildView, renderPage } from '../dist/harness/report/html/index.js';
import { findLinks } from '../dist/harness/report/html/links.js';

const CHROMIUM = '/usr/bin/chromium';
const CLI = new URL('../dist/harness/cli/main.js', import.meta.url).pathname;
const FIVE = new URL('../dist/targets/raft/five.js', import.meta.url).pathname;
const LEASE = new URL('./fixtures/host-lease.ts', import.meta.url).pathname;
const SHOTS = resolve('.tap/screenshots');

const run = (target: string, variant: string, seed: number, extra: Record<string, unknown> = {}): Promise<RunResult & { replayCommand: string }> =>
  replay({ target, variant, seed, trace: true, inline: true, strategy: { name: 'random' }, ...extra });

interface Opened { page: Page; requests: string[]; errors: string[]; ms: number }

async function open(browser: Browser, file: string, viewport = { width: 1500, height: 1000 }): Promise<Opened> {
  const page = await browser.newPage({ viewport });
  const requests: string[] = [];
  const errors: string[] = [];
  page.on('request', (r) => { requests.push(r.url()); });
  page.on('pageerror', (e) => { errors.push(String(e)); });
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') errors.push(m.text()); });
  const t0 = performance.now();
  await page.goto(pathToFileURL(file).href);
  await page.waitForSelector('body[data-ready="1"]');
  return { page, requests, errors, ms: performance.now() - t0 };
}

async function shot(t: Test, page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  const path = join(SHOTS, `${name}.png`);
  await page.screenshot({ path });
  t.comment(`screenshot: ${path}`);
}

function onlyFile(t: Test, o: Opened): void {
  const other = o.requests.filter((u) => !u.startsWith('file:'));
  t.same(other, [], 'no request other than file:');
  t.same(o.errors, [], 'no console error (a blocked fetch would show here)');
}

const heads = (page: Page): Promise<string[]> => page.$$eval('.lane-head', (els) => els.map((e) => e.getAttribute('data-col') ?? ''));

if (!existsSync(CHROMIUM)) {
  if (process.env['CI'] === 'true') t.fail(`${CHROMIUM} is missing: .ci/run installs it (apt-get install -y chromium)`);
  else t.plan(0, `no ${CHROMIUM} (apt-get install -y chromium): the HTML report was not checked in a browser`);
} else {
  await main();
}

async function main(): Promise<void> {
  const dir = t.testdir({});
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update'] });
  t.teardown(() => browser.close());

  t.test('raft leadership overlap: arrows are sends and their deliveries, lanes per node, filter hides a lane', async (t) => {
    const r = await run('raft', 'no-lease', 33);
    const trace = r.trace!;
    const view = buildView(r, r.replayCommand);
    const file = join(dir, 'raft.html');
    writeFileSync(file, renderPage([view], view.title));
    const o = await open(browser, file);
    const { page } = o;
    t.same(await heads(page), ['n1', 'n2', 'n3', 'nemesis'], 'one lane per node, and the nemesis');
    const drawn = await page.evaluate(() => {
      const svg = document.getElementById('diagram')!.getBoundingClientRect();
      const num = (el: Element, a: string): number => Number(el.getAttribute(a));
      const lines = [...document.querySelectorAll('line.link')].map((l) => ({
        kind: l.getAttribute('data-kind')!, from: Number(l.getAttribute('data-from')), to: l.getAttribute('data-to') === '' ? null : Number(l.getAttribute('data-to')),
        x1: svg.left + num(l, 'x1'), y1: num(l, 'y1'), x2: svg.left + num(l, 'x2'), y2: num(l, 'y2'),
      }));
      const marks: Record<string, { x: number; y: number }> = {};
      for (const m of document.querySelectorAll('circle.mark')) marks[m.getAttribute('data-i')!] = { x: svg.left + num(m, 'cx'), y: num(m, 'cy') };
      const centres: Record<string, number> = {};
      for (const h of document.querySelectorAll('.lane-head')) { const b = h.getBoundingClientRect(); centres[h.getAttribute('data-lane')!] = b.left + b.width / 2; }
      return { lines, marks, centres };
    });
    const kept = new Set(view.events.map((e) => e.i));
    const expected = findLinks(trace).filter((l) => (l.kind === 'message' || l.kind === 'duplicate') && kept.has(l.from) && kept.has(l.to!));
    const arrows = drawn.lines.filter((l) => l.kind === 'message' || l.kind === 'duplicate');
    t.equal(arrows.length, expected.length, `${arrows.length} message arrows, one per delivered send in the window`);
    let bad = 0;
    for (const a of arrows) {
      const s = trace[a.from]!;
      const d = trace[a.to!]!;
      const ok = s.op === 'send' && d.op === 'fire' && d.task === (a.kind === 'duplicate' ? `${s.obj}+dup` : s.obj);
      const [src, dst] = s.obj.split(':')[0]!.split('→');
      const at = (x: number, lane: string): boolean => Math.abs(x - drawn.centres[lane]!) < 1;
      const ends = drawn.marks[a.from] !== undefined && drawn.marks[a.to!] !== undefined &&
        Math.abs(drawn.marks[a.from]!.y - a.y1) < 0.5 && Math.abs(drawn.marks[a.to!]!.y - a.y2) < 0.5;
      if (!ok || !at(a.x1, src!) || !at(a.x2, dst!) || !ends) {
        if (bad++ < 5) t.fail(`arrow ${a.from}→${a.to} (${s.op} ${s.obj} → ${d.op} ${d.task}) drawn from x=${a.x1} to x=${a.x2}`);
      }
    }
    t.equal(bad, 0, 'every arrow starts at a send in its sender\'s lane and ends at that message\'s delivery in the receiver\'s');
    const lost = drawn.lines.filter((l) => l.to === null);
    t.ok(lost.every((l) => trace[l.from]!.op === 'send'), 'lost and dropped messages start at a send');

    // Click a send: its details are the trace line's.
    const send = view.events.find((e) => e.op === 'send')!;
    await page.click(`circle.mark[data-i="${send.i}"]`);
    t.equal(await page.textContent('#details [data-field="step"]'), String(trace[send.i]!.step));
    t.equal(await page.textContent('#details [data-field="operation"]'), 'send');
    t.equal(await page.textContent('#details [data-field="object"]'), trace[send.i]!.obj);

    // Leadership shading: both leaders of the overlap.
    const d = r.violations[0]!.details as { nodes: string[]; terms: number[] };
    for (let k = 0; k < 2; k++) t.equal(await page.locator(`rect.leadership[data-lane="${d.nodes[k]}"][data-term="${d.terms[k]}"]`).count(), 1, `${d.nodes[k]} shaded as leader of term ${d.terms[k]}`);
    t.same((await page.$$eval('.lane-head.actor', (hs) => hs.map((h) => h.getAttribute('data-lane')))).sort(), [...r.violations[0]!.actors].sort(), 'the violation\'s nodes are marked');

    await page.click('#jump');
    t.ok(await page.locator('#violation-marker').isVisible(), 'jump to violation shows its marker');
    await shot(t, page, 'raft-leadership-overlap');

    await page.fill('#filter', 'n2');
    t.same(await heads(page), ['n2'], 'filtering by name leaves one lane');
    const xs = await page.$$eval('circle.mark', (ms) => [...new Set(ms.map((m) => m.getAttribute('cx')))]);
    t.equal(xs.length, 1, 'and its marks only');
    await page.fill('#filter', '');
    await page.uncheck('input[data-lane-toggle="0"]');
    t.same(await heads(page), ['n2', 'n3', 'nemesis'], 'unchecking n1 hides its lane');
    await page.check('input[data-lane-toggle="0"]');
    await page.click('.lane-head[data-lane="n1"] button[data-expand]');
    const expanded = await heads(page);
    t.ok(expanded.filter((h) => h.startsWith('n1/')).length >= 4, `n1 expands into its tasks: ${expanded.join(', ')}`);
    const h0 = await page.$eval('#diagram', (s) => Number(s.getAttribute('height')));
    await page.click('#zoom-in');
    t.ok(await page.$eval('#diagram', (s) => Number(s.getAttribute('height'))) > h0, 'zoom stretches the time axis');
    await shot(t, page, 'raft-n1-expanded');
    onlyFile(t, o);
    await page.close();
  });

  t.test('pictures that speak without clicks: labelled arrows and marks, in-flight apart, host timers in their node\'s lane', async (t) => {
    // host-lease count-any-reply seed 3 under the default strategy: a host run of three nodes.
    const file = join(dir, 'host.html');
    const rep = spawnSync(process.execPath, [CLI, 'replay', LEASE, '--variant', 'count-any-reply', '--seed', '3', '--html', file], { encoding: 'utf8', timeout: 120_000 });
    t.equal(rep.status === 0 || rep.status === 1, true, rep.stderr);
    const o = await open(browser, file, { width: 1400, height: 900 });
    const { page } = o;
    t.same(await heads(page), ['n1', 'n2', 'n3', 'nemesis'], 'one lane per node: no lane of its own for a hosted timer');
    const view = JSON.parse(await page.$eval('#views', (s) => s.textContent ?? '')) as { links: { kind: string; label: string; payload?: string }[]; lanes: { id: string }[]; tasks: string[] }[];
    t.ok(view[0]!.tasks.some((x) => /^n\d:set(Timeout|Interval|Immediate)/.test(x)), 'the run has hosted timers');
    const labels = await page.$$eval('text.link-label', (ts) => ts.map((x) => ({ li: Number(x.getAttribute('data-link')), text: x.textContent ?? '' })));
    const messages = view[0]!.links.map((l, li) => ({ ...l, li })).filter((l) => ['message', 'duplicate', 'dropped', 'lost', 'in-flight'].includes(l.kind));
    const drawnLinks = new Set(await page.$$eval('line.link', (ls) => ls.map((l) => Number(l.getAttribute('data-link')))));
    let unlabelled = 0;
    for (const m of messages) {
      if (!drawnLinks.has(m.li)) continue;
      const text = labels.find((x) => x.li === m.li)?.text ?? '';
      const type = m.label.split(':')[1]!.split('#')[0]!;
      if (!text.startsWith(type) || (m.payload !== undefined && !text.includes(m.payload.slice(0, 10)))) {
        if (unlabelled++ < 5) t.fail(`arrow ${m.label} is labelled '${text}'`);
      }
    }
    t.equal(unlabelled, 0, `each of the ${messages.length} message arrows names its type and payload`);
    t.ok(messages.some((m) => m.payload !== undefined), 'payloads are shown');
    t.ok(await page.locator('text.mark-label').count() > 0, 'marks name their operation');
    const sendLabel = await page.$$eval('text.mark-label', (ts) => ts.map((x) => x.textContent ?? '').find((s) => s.startsWith('send ')));
    t.match(sendLabel, /^send n\d→n\d:/);
    const ends = await page.$$eval('text.link-end', (ts) => ts.map((x) => ({ kind: x.getAttribute('class')!.replace('link-end ', ''), mark: x.textContent })));
    t.ok(ends.every((e) => e.mark === (e.kind === 'in-flight' ? '○' : '×')), 'dropped and lost end in ×, still in flight in ○');
    await shot(t, page, 'host-lease-labelled');
    onlyFile(t, o);
    await page.close();
  });

  t.test('a message still in flight at the end is drawn apart from a dropped one', async (t) => {
    // Seed 13 ends with messages in flight; seed 33's partitions and drops lose some.
    const kinds: string[] = [];
    for (const seed of [13, 33]) {
      const r = await run('raft', 'no-lease', seed);
      const view = buildView(r, r.replayCommand);
      const file = join(dir, `raft-${seed}.html`);
      writeFileSync(file, renderPage([view], view.title));
      const o = await open(browser, file);
      kinds.push(...await o.page.$$eval('text.link-end', (ts) => ts.map((x) => `${x.getAttribute('class')}:${x.textContent}`)));
      onlyFile(t, o);
      await o.page.close();
    }
    t.ok(kinds.includes('link-end in-flight:○'), 'an in-flight message ends in ○');
    t.ok(kinds.includes('link-end dropped:×'), 'a dropped one in ×');
    t.ok(kinds.includes('link-end lost:×'), 'a lost one in ×');
    t.ok(kinds.every((k) => k === 'link-end in-flight:○' || /^link-end (dropped|lost):×$/.test(k)), 'no other ends');
  });

  t.test('lost wakeup: one lane per task, the three steps ringed', async (t) => {
    const r = await run('bounded-buffer', 'check-outside-lock', 2);
    const view = buildView(r, r.replayCommand);
    const file = join(dir, 'bb.html');
    writeFileSync(file, renderPage([view], view.title));
    const o = await open(browser, file);
    const tasks = [...new Set(r.trace!.map((e) => e.task).filter((x) => !x.startsWith('timer:')))].sort();
    t.same((await heads(o.page)).sort(), tasks, 'one lane per task');
    const det = r.violations[0]!.details as { signal: { step: number }; staleRead: { step: number }; sleptAtStep: number };
    const ringed = await o.page.$$eval('circle.mark.hl', (ms) => [...new Set(ms.map((m) => Number(m.getAttribute('data-step'))))]);
    for (const s of [det.signal.step, det.staleRead.step, det.sleptAtStep]) t.ok(ringed.includes(s), `step ${s} is ringed`);
    const notes = await o.page.$$eval('text.note', (ns) => ns.map((n) => [Number(n.getAttribute('data-note-step')), n.textContent ?? ''] as const));
    t.match(notes.find(([s]) => s === det.signal.step)?.[1], /signal that no sleeper heard/, 'the lost signal is named');
    t.match(notes.find(([s]) => s === det.staleRead.step)?.[1], /^stale read /, 'the stale read is named');
    t.match(notes.find(([s]) => s === det.sleptAtStep)?.[1], /sleeps forever$/, 'the sleeper is named');
    t.ok(await o.page.locator('line.link.wake').count() > 0, 'signals are drawn to the tasks they woke');
    await o.page.click('#jump');
    await shot(t, o.page, 'lost-wakeup');
    onlyFile(t, o);
    await o.page.close();
  });

  t.test('a run\'s index.html: each failing seed\'s marker and replay command match its failure file', async (t) => {
    const reports = join(dir, 'reports');
    const res = spawnSync(process.execPath, [CLI, 'run', 'bounded-buffer', '--seeds', '1..12', '--report-dir', reports, '--quiet'], { encoding: 'utf8' });
    t.equal(res.status, 1, res.stderr);
    const runDir = join(reports, readdirSync(reports)[0]!);
    const summary = JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8')) as { targets: { failures: { seed: string; variant: string; file: string | null }[] }[] };
    const o = await open(browser, join(runDir, 'index.html'));
    const options = await o.page.$$eval('#seed option', (os) => os.map((x) => x.textContent ?? ''));
    t.ok(options.length > 3, `${options.length} failing seeds in the selector, across variants and kinds`);
    for (let n = 0; n < options.length; n++) {
      await o.page.selectOption('#seed', String(n));
      const seed = await o.page.textContent('[data-meta="seed"]');
      const variant = await o.page.textContent('[data-meta="variant"]');
      const entry = summary.targets[0]!.failures.find((f) => f.seed === seed && f.variant === variant)!;
      const failure = JSON.parse(readFileSync(join(runDir, entry.file!), 'utf8')) as { violations: { step: number; kind: string }[]; replayCommand: string };
      t.equal(Number(await o.page.getAttribute('#violation-marker', 'data-step')), failure.violations[0]!.step, `${variant} seed ${seed}: the marker is at the violation's step`);
      await o.page.click('#violation-marker');
      t.equal(await o.page.textContent('#details [data-field="step"]'), String(failure.violations[0]!.step), `${variant} seed ${seed}: the details give that step`);
      t.equal(await o.page.textContent('#details [data-field="replay"]'), failure.replayCommand, `${variant} seed ${seed}: and the replay command`);
      t.equal(await o.page.textContent('#replay'), failure.replayCommand, 'the header\'s copyable command too');
      t.match(options[n], `${variant} seed ${seed}: ${failure.violations[0]!.kind}`, 'the selector names the seed and its kind');
    }
    await shot(t, o.page, 'run-index');
    onlyFile(t, o);
    await o.page.close();
  });

  t.test('a 5-node Raft failure of 20,000 steps: time to interactive (a measurement)', async (t) => {
    const r = await run(FIVE, 'correct', 2, { maxSteps: 20_000 });
    const view = buildView(r, r.replayCommand);
    const file = join(dir, 'raft5.html');
    const html = renderPage([view], view.title);
    writeFileSync(file, html);
    const o = await open(browser, file);
    const inPage = await o.page.evaluate(() => (window as unknown as { __interleaveReadyMs: number }).__interleaveReadyMs);
    t.comment(`raft-5, ${r.steps} steps, ${view.totalEvents} timeline lines (${view.events.length} kept), page ${(html.length / 1024).toFixed(0)} KiB: interactive ${o.ms.toFixed(0)} ms after navigation (script done at ${inPage.toFixed(0)} ms)`);
    const t0 = performance.now();
    await o.page.click('#jump');
    await o.page.click('#violation-marker');
    t.comment(`jump + details: ${(performance.now() - t0).toFixed(0)} ms`);
    t.equal(await o.page.textContent('#details [data-field="step"]'), String(r.violations[0]!.step));
    t.same(await heads(o.page), ['n1', 'n2', 'n3', 'n4', 'n5', 'nemesis']);
    await shot(t, o.page, 'raft5-20000-steps');
    onlyFile(t, o);
    await o.page.close();
  });
}
