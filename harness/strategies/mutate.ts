import { FAULTS } from '../faults/names.js';
import type { Rng } from '../core/rng.js';
import { DRAW_DEFAULT } from '../core/scheduler.js';
import type { Weather } from '../faults/weather.js';
import type { Flip } from './guided.js';
import type { Decision } from './replay.js';

/** What a guided run is made from: a corpus run's decisions and the environment they ran in. */
export interface Parent {
  seed: string;
  decisions: readonly Decision[];
  /** The run's weather (a drawn or mutated one), when it had one. */
  weather?: Weather;
  /** Its fault rates when it had no weather (fixed weather, --swarm). */
  faults: Readonly<Record<string, number>>;
}

/** One mutated run to make: the decisions to follow, where to depart, and the environment. */
export interface Mutant {
  list: Decision[];
  flip: Flip | null;
  weather?: Weather;
  faults: Record<string, number>;
  /** What was done, for the summary's guided line and a failure's note. */
  what: string;
}

/** Relative weights of the operators (a splice needs a second parent). */
const OPS: readonly (readonly [Op, number])[] = [['step', 3], ['timer', 2], ['draw', 2], ['move', 2], ['rate', 1], ['splice', 1]];
type Op = 'step' | 'timer' | 'draw' | 'move' | 'rate' | 'splice';

/**
 * Perturbs `p` once (ModelFuzz's schedule mutations, on a recorded run):
 * - `step`: from a random decision on, the first step or choice takes another option;
 * - `timer`: the first message delivery from a random point on gives way to a due timer;
 * - `draw`: one recorded draw re-drawn, forced to 0 (every fault yes/no there says yes: a crash,
 *   partition, pause or drop lands at that point) or to the no-fault default;
 * - `move`: a draw that said yes says no, and one a little earlier or later says yes instead
 *   (a crash, pause or partition point moved);
 * - `rate`: one fault kind of the run's weather flipped on or off, or re-rated;
 * - `splice`: the parent's decisions up to a point, then the other parent's.
 */
export function mutate(p: Parent, other: Parent | null, rng: Rng, kinds: readonly string[]): Mutant {
  const list = [...p.decisions];
  const out: Mutant = { list, flip: null, faults: { ...p.faults }, what: '' };
  if (p.weather !== undefined) out.weather = p.weather;
  const op = pickOp(rng, other !== null && other.decisions.length > 0, kinds.length > 0);
  const n = list.length;
  const at = n === 0 ? 0 : rng.int(n);
  switch (op) {
    case 'step':
    case 'timer':
      out.flip = { at, timer: op === 'timer' };
      out.what = `${op === 'timer' ? 'a timer before a message' : 'another step'} from decision ${at}`;
      break;
    case 'draw': {
      const q = nextDraw(list, at);
      if (q < 0) return mutateFlip(out, at);
      const r = rng.u32();
      list[q] = r % 4 < 2 ? 0 : r % 4 === 2 ? DRAW_DEFAULT : rng.u32();
      out.what = `draw ${q} ${list[q] === 0 ? 'forced yes' : list[q] === DRAW_DEFAULT ? 'forced no' : 're-drawn'}`;
      break;
    }
    case 'move': {
      const q = yesDraw(list, at);
      if (q < 0) return mutateFlip(out, at);
      const shift = (1 + rng.int(40)) * (rng.int(2) === 0 ? -1 : 1);
      const to = nthDraw(list, q, shift);
      if (to < 0) return mutateFlip(out, at);
      list[to] = list[q]!;
      list[q] = DRAW_DEFAULT;
      out.what = `the yes at draw ${q} moved to draw ${to}`;
      break;
    }
    case 'rate':
      out.what = rerate(out, kinds, rng);
      break;
    case 'splice': {
      const o = other!.decisions;
      const cut = Math.min(at, o.length);
      list.length = cut;
      for (let i = cut; i < o.length; i++) list.push(o[i]!);
      out.what = `spliced with seed ${other!.seed}'s run at decision ${cut}`;
      break;
    }
  }
  return out;
}

function pickOp(rng: Rng, canSplice: boolean, canRate: boolean): Op {
  const ops = OPS.filter(([o]) => (o !== 'splice' || canSplice) && (o !== 'rate' || canRate));
  let r = rng.int(ops.reduce((a, [, w]) => a + w, 0));
  for (const [o, w] of ops) {
    if (r < w) return o;
    r -= w;
  }
  return 'step';
}

function mutateFlip(out: Mutant, at: number): Mutant {
  out.flip = { at, timer: false };
  out.what = `another step from decision ${at}`;
  return out;
}

function nextDraw(list: readonly Decision[], from: number): number {
  for (let i = from; i < list.length; i++) if (typeof list[i] === 'number') return i;
  for (let i = 0; i < from; i++) if (typeof list[i] === 'number') return i;
  return -1;
}

/** A draw low enough that a fault yes/no there likely said yes (a tenth of the range: most
 * gentle rates sit below it, and a latency or pick draw moved is a mutation too). */
function yesDraw(list: readonly Decision[], from: number): number {
  const low = 0x1999999a;
  for (let k = 0; k < list.length; k++) {
    const i = (from + k) % list.length;
    const d = list[i];
    if (typeof d === 'number' && d < low) return i;
  }
  return -1;
}

/** The draw `shift` draws after (or before) `q`, or -1. */
function nthDraw(list: readonly Decision[], q: number, shift: number): number {
  const dir = shift < 0 ? -1 : 1;
  let left = Math.abs(shift);
  for (let i = q + dir; i >= 0 && i < list.length; i += dir) {
    if (typeof list[i] === 'number' && --left === 0) return i;
  }
  return -1;
}

/** Flips one fault kind on or off, or re-rates it by up to 4× either way; returns what it did. */
function rerate(out: Mutant, kinds: readonly string[], rng: Rng): string {
  const kind = kinds[rng.int(kinds.length)]!;
  const rates = out.weather !== undefined ? { ...out.weather.faults } : out.faults;
  const now = rates[kind];
  let what: string;
  if (now === undefined || now <= 0) {
    rates[kind] = FAULTS[kind]?.rate ?? 0.05;
    what = `${kind} on at ${rates[kind]}`;
  } else if (rng.int(3) === 0) {
    delete rates[kind];
    what = `${kind} off`;
  } else {
    rates[kind] = Math.min(0.5, Math.max(1e-4, now * 2 ** (rng.int(5) - 2)));
    what = `${kind} ${now.toPrecision(2)} → ${rates[kind]!.toPrecision(2)}`;
  }
  if (out.weather !== undefined) out.weather = { ...out.weather, faults: rates };
  return what;
}
