import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { UsageError } from '../../core/errors.js';
import { quote } from '../../replay/command.js';
import { EXIT } from '../common.js';

export interface InitArgs {
  path?: string;
  threads?: boolean;
  nodes?: boolean;
  host?: boolean;
}

const EXTENSIONS = ['.ts', '.mts', '.js', '.mjs'];

/**
 * `interleave init [path] [--threads | --nodes]`: writes a commented target file that runs as
 * generated, with a `correct` variant that stays clean and one planted bug that the default
 * `run` catches, then prints what to try next. Never overwrites a file.
 */
export function initCommand(a: InitArgs): number {
  if ([a.threads, a.nodes, a.host].filter((x) => x === true).length > 1) throw new UsageError('give one of --threads, --nodes or --host');
  const kind = a.nodes === true ? 'nodes' : a.host === true ? 'host' : 'threads';
  let path = a.path ?? './my-target.ts';
  if (path.length === 0) throw new UsageError('init needs a file path, e.g. ./my-target.ts');
  if (existsSync(path) && statSync(path).isDirectory()) path = join(path, 'my-target.ts');
  const ext = extname(path);
  if (!EXTENSIONS.includes(ext)) {
    throw new UsageError(`init writes a .ts, .mts, .js or .mjs file, not ${ext === '' ? 'a file without an extension' : ext} (${path})`);
  }
  if (existsSync(path)) throw new UsageError(`${path} already exists: init does not overwrite a file (give another path)`);
  const name = targetName(path);
  // A path the CLI reads as a path (not a bundled name), printed the way a shell takes it.
  const ref = quote(/^(\.{0,2}\/|[A-Za-z]:[\\/])/.test(path) || path.startsWith('/') ? path : `./${path}`);
  const ts = ext === '.ts' || ext === '.mts';
  const scaffold = kind === 'threads' ? threadsTarget(name, ref, ts) : kind === 'host' ? hostTarget(name, ref, ts) : nodesTarget(name, ref, ts);
  mkdirSync(dirname(resolve(path)), { recursive: true });
  try {
    writeFileSync(path, scaffold.text, { flag: 'wx' });
  } catch (e) {
    throw new UsageError(`cannot write ${path}: ${(e as Error).message.split('\n')[0]}`);
  }
  const w = (s: string): void => {
    process.stdout.write(`${s}\n`);
  };
  w(`interleave: wrote ${path}: ${scaffold.about}`);
  w(`  variants: correct (stays clean), ${scaffold.bug} (a planted bug: ${scaffold.kind})`);
  const pkg = ext === '.js' ? typelessPackage(resolve(path)) : null;
  if (pkg !== null) w(`  note: ${pkg} does not say "type": "module", so Node warns each time it loads this file as ESM: add it there, or name the file .mjs`);
  w('next:');
  w(`  npx interleave list ${ref}`);
  w(`  npx interleave run ${ref}                       # every variant, seeds 1..100: ${scaffold.bug} is caught`);
  w(`  npx interleave run ${ref} --variant ${scaffold.bug} --shrink   # the shortest schedule that shows it`);
  w(`  npx interleave replay ${ref} --variant ${scaffold.bug} --seed <N> --trace   # N: a failing seed from run`);
  w(`  npx interleave campaign --target ${ref}          # correct stays clean and ${scaffold.bug} is caught as expected`);
  if (kind === 'host') w(`  npx interleave run ${ref} --real --runs 30         # the same code on Node's own loop: how often the race really fires`);
  return EXIT.ok;
}

/** The nearest package.json above `file` when it does not declare ESM (`"type": "module"`). */
function typelessPackage(file: string): string | null {
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        return (JSON.parse(readFileSync(pkg, 'utf8')) as { type?: unknown }).type === 'module' ? null : pkg;
      } catch {
        return null;
      }
    }
    if (dirname(dir) === dir) return null;
  }
}

/** The file's name as the target's name: `my-target.ts` → `my-target`. */
function targetName(path: string): string {
  const bare = basename(path, extname(path)).replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^-+|-+$/g, '');
  return bare.length > 0 ? bare : 'my-target';
}

interface Scaffold {
  text: string;
  about: string;
  bug: string;
  kind: string;
}

/** TypeScript text when `ts`, else nothing (or the JavaScript alternative). */
function typed(ts: boolean): (tsText: string, jsText?: string) => string {
  return (tsText, jsText = '') => (ts ? tsText : jsText);
}

const RULES = ` * The rules of a target: all run state lives inside setup() (state at module level would leak
 * from one seed into the next); every operation on a sim object (lock, wait, get, set, recv, …)
 * is awaited at once; no real timers, I/O or unseeded randomness (use sim.sleep and sim.random).
 * interleave's docs/targets.md lists the whole sim API, docs/detectors.md every detector.`;

function header(ts: boolean): string {
  return ts
    ? `// Types only, for your editor (npm install --save-dev interleave): a type import vanishes at
// run time, so this file runs as it is from anywhere.
`
    : `// The JSDoc types (import('interleave')) are for your editor: this file imports nothing, so
// it runs as it is from anywhere.
`;
}

function threadsTarget(name: string, ref: string, ts: boolean): Scaffold {
  const t = typed(ts);
  const text = `/**
 * ${name}: a one-slot mailbox, scaffolded by \`interleave init --threads\`. Make it your own.
 *
 * Two senders each post LETTERS letters into a slot that holds one; two receivers take them out.
 * All four share one mutex and one condition variable, \`changed\`, broadcast on every change of
 * the slot. interleave runs the four threads under a seeded scheduler: each seed is one
 * interleaving, the same on every machine, and a failing seed replays exactly.
 *
 * Variants (\`run\` explores each; \`--variant\` picks some):
 * - \`correct\`: a waiter re-checks its condition in a loop after every wake-up, as it must: a
 *   broadcast wakes every waiter, and another thread may reach the slot first.
 * - \`if-not-while\`: the planted bug. A receiver checks the slot once (\`if\`), so after a wake-up
 *   it may take from a slot that another receiver has just emptied. The sim.assert below
 *   catches it.
 *
 * Try:
 *   npx interleave run ${ref}
 *   npx interleave replay ${ref} --variant if-not-while --seed <N> --trace
 *
${RULES}
 */
${header(ts)}${t(`import type { Sim, Target } from 'interleave';\n\n`)}const LETTERS = 3; // per sender; the two receivers take as many in all

${t('', `/** @type {import('interleave').Target} */\n`)}const target = {
  name: '${name}',
  description: 'a one-slot mailbox: two senders, two receivers, one mutex, one condition variable',
  variants: ['correct', 'if-not-while'],
  // What \`interleave campaign --target ${ref}\` expects of each variant: 'pass' or the kind of
  // violation that must be found.
  expect: { correct: 'pass', 'if-not-while': 'assert' },
${t('', `  /** @param {import('interleave').Sim} sim */
`)}  setup(sim${t(': Sim')}, { variant }) {
    const m = sim.mutex('m');
    const changed = sim.condvar('changed');
    const slot = sim.shared('slot', ''); // '' while empty, else the letter in it

    for (const who of ['alice', 'bob']) {
      sim.spawn(\`sender-\${who}\`, async () => {
        for (let i = 1; i <= LETTERS; i++) {
          await m.lock();
          while ((await slot.get()) !== '') await changed.wait(m); // wait for an empty slot
          await slot.set(\`\${who}-\${i}\`);
          await changed.broadcast();
          await m.unlock();
        }
      });
    }

    for (const who of ['receiver-1', 'receiver-2']) {
      sim.spawn(who, async () => {
        for (let i = 1; i <= LETTERS; i++) {
          await m.lock();
          if (variant === 'if-not-while') {
            if ((await slot.get()) === '') await changed.wait(m); // BUG: checked once, not re-checked
          } else {
            while ((await slot.get()) === '') await changed.wait(m);
          }
          const letter = await slot.get();
          sim.assert(letter !== '', \`\${who} woke up and took from an empty slot\`);
          await slot.set('');
          await changed.broadcast();
          await m.unlock();
        }
      });
    }
  },
}${t(' satisfies Target')};

export default target;
`;
  return { text, about: 'threads, a one-slot mailbox (mutex + condition variable)', bug: 'if-not-while', kind: 'assert' };
}

function nodesTarget(name: string, ref: string, ts: boolean): Scaffold {
  const t = typed(ts);
  const text = `/**
 * ${name}: a counter service on a simulated network, scaffolded by \`interleave init --nodes\`.
 * Make it your own.
 *
 * Clients c1 and c2 each send REQUESTS \`increment\` requests to server s, one at a time, and
 * send a request again (same id) when its answer does not come within TIMEOUT_MS. Each seed
 * draws its own weather: lost, duplicated, delayed and reordered messages, partitions, crashes
 * and restarts (a node's storage survives as last synced), pauses and clock drift. The same seed
 * gives the same run on every machine, and a failing seed replays exactly.
 *
 * Variants (\`run\` explores each; \`--variant\` picks some):
 * - \`correct\`: the server keeps, per client, the last request id it applied, in the same synced
 *   write as the counter, and answers a request it has seen again without applying it twice.
 * - \`no-dedup\`: the planted bug. The server applies every increment it receives, so a retry
 *   after a lost or slow answer, or a duplicated message, counts twice. The ctx.assert below
 *   catches it.
 *
 * Try:
 *   npx interleave run ${ref}
 *   npx interleave replay ${ref} --variant no-dedup --seed <N> --trace
 *
 * ctx.recv() returns the message alone, with no sender: put the sender in the message.
${RULES}
 */
${header(ts)}${t(`import type { NodeContext, Target } from 'interleave';\n\n`)}${t(`type Msg =
  | { type: 'increment'; client: string; id: number; amount: number }
  | { type: 'result'; id: number };
`, `/**
 * @typedef {{ type: 'increment', client: string, id: number, amount: number } | { type: 'result', id: number }} Msg
 * @typedef {import('interleave').NodeContext<Msg>} Ctx
 */
`)}
const REQUESTS = 3; // per client
const TIMEOUT_MS = 200; // a client sends again after this long without an answer
const STOP_AT_MS = 10_000; // virtual time after which clients give up and the server stops

${t('', `/** @type {import('interleave').Target} */\n`)}const target = {
  name: '${name}',
  description: 'a counter service: clients retry increments, the server must not apply one twice',
  variants: ['correct', 'no-dedup'],
  // What \`interleave campaign --target ${ref}\` expects of each variant: 'pass' or the kind of
  // violation that must be found.
  expect: { correct: 'pass', 'no-dedup': 'assert' },
  setup(sim, { variant }) {
    // The check's own record of the requests applied (client#id → amount). It lives here, in
    // setup, outside every node, so no crash can erase it.
    const applied = new Map${t('<string, number>')}();
    sim.node${t('<Msg>')}('s', ${t('', '/** @param {Ctx} ctx */ ')}(ctx) => server(ctx, applied, variant === 'correct'));
    for (const c of ['c1', 'c2']) sim.node${t('<Msg>')}(c, ${t('', '/** @param {Ctx} ctx */ ')}(ctx) => client(ctx));
  },
}${t(' satisfies Target')};

export default target;

${t('', '/** @param {Ctx} ctx */\n')}async function client(ctx${t(': NodeContext<Msg>')})${t(': Promise<void>')} {
  // Progress is on disk: a client that crashed and restarted sends the request it was waiting
  // for again (same id, same amount) rather than a new one.
  for (let id = ${t(`(ctx.storage.get<number>('done') ?? 0)`, `Number(ctx.storage.get('done') ?? 0)`)} + 1; id <= REQUESTS; id++) {
    for (;;) {
      if (ctx.now() > STOP_AT_MS) return;
      ctx.send('s', { type: 'increment', client: ctx.id, id, amount: id });
      const m = await ctx.recv({ timeoutMs: TIMEOUT_MS }); // undefined on the timeout: send again
      if (m?.type === 'result' && m.id === id) break;
    }
    ctx.storage.set('done', id);
    ctx.storage.sync();
  }
}

${t('', `/**
 * @param {Ctx} ctx
 * @param {Map<string, number>} applied
 * @param {boolean} dedup
 */
`)}async function server(ctx${t(': NodeContext<Msg>')}, applied${t(': Map<string, number>')}, dedup${t(': boolean')})${t(': Promise<void>')} {
  while (ctx.now() < STOP_AT_MS + 1_000) {
    const m = await ctx.recv({ timeoutMs: 1_000 });
    if (m?.type !== 'increment') continue;
    const last = ${t(`ctx.storage.get<Record<string, number>>('last') ?? {}`, `/** @type {Record<string, number>} */ (ctx.storage.get('last') ?? {})`)}; // client → last id applied
    if (dedup && m.id <= (last[m.client] ?? 0)) {
      ctx.send(m.client, { type: 'result', id: m.id }); // seen before: answer again, apply nothing
      continue;
    }
    const counter = ${t(`(ctx.storage.get<number>('counter') ?? 0)`, `Number(ctx.storage.get('counter') ?? 0)`)} + m.amount;
    ctx.storage.set('counter', counter);
    ctx.storage.set('last', { ...last, [m.client]: m.id });
    ctx.storage.sync(); // durable before the answer goes out
    applied.set(\`\${m.client}#\${m.id}\`, m.amount);
    let sum = 0;
    for (const amount of applied.values()) sum += amount;
    ctx.assert(counter === sum, \`counter is \${counter} after \${m.client}#\${m.id}, but the distinct requests applied add up to \${sum}\`);
    ctx.send(m.client, { type: 'result', id: m.id });
  }
}
`;
  return { text, about: 'nodes, a counter service whose clients retry (sim.node, ctx.send/recv, storage)', bug: 'no-dedup', kind: 'assert' };
}

function hostTarget(name: string, ref: string, ts: boolean): Scaffold {
  const t = typed(ts);
  const text = `/**
 * ${name}: a single-process host target, scaffolded by \`interleave init --host\`. Make it your
 * own: replace TimedLock with your library (\`ctx.host.require('your-lib')\` loads it fresh for
 * every run) and the clients with the workload your users put on it.
 *
 * TimedLock is a small lock library of its own with an acquire timeout. It has the shape of a
 * race generic-pool shipped in 3.4.0: a waiter that times out is rejected in its timer, and the
 * queue forgets it later, in a setImmediate (where a promise library that schedules its (allowed: the host starter this writes names the globals host mode virtualizes)
 * continuations through setImmediate would run the clean-up). A release that runs in between (allowed: the host starter this writes names the globals host mode virtualizes)
 * (another timer expiring in the same millisecond) must not hand the lock to that waiter.
 * Four clients take the lock after random millisecond delays (ctx.random(): a recorded draw),
 * hold it a while and release it; a timed-out acquire is an expected outcome.
 *
 * This is host mode (host: true): the code runs unmodified. Inside a run, setTimeout, (allowed: the host starter this writes names the globals host mode virtualizes)
 * setImmediate, Date, performance.now and Math.random are the simulation's (virtual time, the (allowed: the host starter this writes names the globals host mode virtualizes)
 * seed's draws), so each seed is one exact interleaving of timers, immediates and promise
 * continuations, and a failing seed replays.
 *
 * Variants (\`run\` explores each; \`--variant\` picks some):
 * - \`correct\`: release skips the waiters that already timed out.
 * - \`lend-to-gone\`: the planted bug. release hands the lock to the first queued waiter, even
 *   one that gave up: nobody will ever release it, and every later acquire times out. The
 *   end-of-run check (ctx.host.atEnd) catches it: once every client is done, the lock is free.
 *
 * Try:
 *   npx interleave run ${ref}
 *   npx interleave replay ${ref} --variant lend-to-gone --seed <N> --trace
 *   npx interleave run ${ref} --real --runs 30    # the same code on Node's own event loop
 */
${header(ts)}${t(`import type { ProcessContext, Target } from 'interleave';\n\n`)}${t(`interface Waiter {
  resolve: () => void;
  reject: (e: Error) => void;
  gaveUp: boolean;
  timer: ReturnType<typeof setTimeout> | undefined; // allowed: in a host run, the simulation's virtual timer
}

`)}const CLIENTS = 4;
const ROUNDS = 8;
const TIMEOUT_MS = 10; // an acquire gives up after this long

/** A lock whose acquire times out. */
class TimedLock {
  locked = false;
  ${t('private readonly waiters: Waiter[] = [];', '/** @type {{ resolve: () => void, reject: (e: Error) => void, gaveUp: boolean, timer: any }[]} */\n  waiters = [];')}

  constructor(${t('private readonly skipGone: boolean', 'skipGone')}) {${t('', '\n    this.skipGone = skipGone;\n  ')}}

  acquire(timeoutMs${t(': number')})${t(': Promise<void>')} {
    if (!this.locked) {
      this.locked = true;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const w${t(': Waiter')} = { resolve, reject, gaveUp: false, timer: undefined };
      w.timer = setTimeout(() => { // allowed: in a host run, the simulation's virtual timer
        w.gaveUp = true;
        reject(new Error(\`lock not acquired within \${timeoutMs} ms\`));
        // The queue forgets the waiter in a later macrotask, not right now.
        setImmediate(() => { // allowed: in a host run, the simulation's virtual timer
          const i = this.waiters.indexOf(w);
          if (i >= 0) this.waiters.splice(i, 1);
        });
      }, timeoutMs);
      this.waiters.push(w);
    });
  }

  release()${t(': void')} {
    for (;;) {
      const w = this.waiters.shift();
      if (w === undefined) {
        this.locked = false;
        return;
      }
      if (w.gaveUp && this.skipGone) continue; // correct: that waiter is gone
      clearTimeout(w.timer);
      w.resolve(); // the lock passes to w (a no-op if w already gave up: nobody holds it now)
      return;
    }
  }
}

${t('', `/** @type {import('interleave').Target} */\n`)}const target = {
  name: '${name}',
  description: 'a lock with an acquire timeout: a release must not pass the lock to a waiter that gave up',
  variants: ['correct', 'lend-to-gone'],
  // What \`interleave campaign --target ${ref}\` expects of each variant: 'pass' or the kind of
  // violation that must be found.
  expect: { correct: 'pass', 'lend-to-gone': 'assert' },
  host: true,
  setup(sim, { variant }) {
    // One process, no network: no network fault is ever drawn for it.
    sim.process('app', ${t('', '/** @param {import(\'interleave\').ProcessContext} ctx */ ')}(ctx) => app(ctx, variant === 'correct'));
  },
}${t(' satisfies Target')};

export default target;

${t('', `/**
 * @param {import('interleave').ProcessContext} ctx
 * @param {boolean} skipGone
 */
`)}async function app(ctx${t(': ProcessContext')}, skipGone${t(': boolean')})${t(': Promise<void>')} {
  const lock = new TimedLock(skipGone);
  const sleep = (ms${t(': number')})${t(': Promise<void>')} => new Promise((resolve) => setTimeout(resolve, ms)); // allowed: in a host run, the simulation's virtual timer
  const ms = (n${t(': number')})${t(': number')} => Math.floor(ctx.random() * n);
  let holders = 0;
  // Checked when the run is over: every client released what it took, so the lock is free.
  ctx.host${t('!')}.atEnd(() => ctx.assert(!lock.locked && holders === 0, \`the lock is still held with \${holders} holders: a release passed it to a waiter that had timed out\`));
  const client = async ()${t(': Promise<void>')} => {
    for (let i = 0; i < ROUNDS; i++) {
      await sleep(ms(10));
      try {
        await lock.acquire(TIMEOUT_MS);
      } catch {
        continue; // timed out: an expected outcome under contention
      }
      holders++;
      await sleep(1 + ms(10));
      holders--;
      lock.release();
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, client));
}
`;
  return { text, about: 'host, one process: a lock library of its own with an acquire timeout (sim.process, ctx.host.atEnd)', bug: 'lend-to-gone', kind: 'assert' };
}
