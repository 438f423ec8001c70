import type { Rng } from '../core/rng.js';
import type { Parent } from './mutate.js';

/** A run that reached an abstract state no earlier run had: a parent for guided seeds. */
export interface GuideEntry extends Parent {
  variant: string;
  /** Its abstract states (cover/abstract-state.ts), ascending. */
  states: number[];
}

interface Kept extends GuideEntry {
  /** Times chosen as a parent, and children of it that reached new states. */
  picks: number;
  wins: number;
}

/** Entries kept per variant: past it the one whose states are the most common goes. A Raft run
 * has tens of thousands of decisions, so this bounds a worker's memory to some tens of MB. */
export const MAX_ENTRIES = 128;
/** Children a parent gets at most before the next is chosen (AFL's energy). */
const MAX_ENERGY = 16;
/** One seed in this many runs fresh (random, its own weather), whatever the corpus holds. */
const FRESH_ONE_IN = 4;

/**
 * The guide corpus: per variant, the runs that reached new abstract states, and how often
 * every state was reached. A parent is chosen by novelty, rarest states first: the entry whose
 * rarest state was reached by the fewest runs, fewer picks breaking ties. It then gets energy as
 * in AFL's power schedules — more children the rarer its state, twice that while its children
 * keep finding new states — before the next is chosen.
 */
export class GuideCorpus {
  private readonly entries = new Map<string, Kept[]>();
  private readonly hits = new Map<number, number>();
  private readonly current = new Map<string, { entry: Kept; energy: number }>();

  size(variant?: string): number {
    if (variant !== undefined) return this.entries.get(variant)?.length ?? 0;
    let n = 0;
    for (const l of this.entries.values()) n += l.length;
    return n;
  }

  /** Every state any run reached so far. */
  statesSeen(): number {
    return this.hits.size;
  }

  /** A parent for the next seed of `variant` (and a second one for a splice), or null: run fresh. */
  choose(variant: string, rng: Rng): { parent: GuideEntry; other: GuideEntry | null } | null {
    const list = this.entries.get(variant);
    if (list === undefined || list.length === 0 || rng.int(FRESH_ONE_IN) === 0) return null;
    let cur = this.current.get(variant);
    if (cur === undefined || cur.energy <= 0 || !list.includes(cur.entry)) {
      const entry = this.rarest(list);
      const rare = this.rarity(entry);
      const energy = Math.max(1, Math.min(MAX_ENERGY, Math.ceil(MAX_ENERGY / rare))) * (entry.wins > 0 ? 2 : 1);
      cur = { entry, energy };
      this.current.set(variant, cur);
    }
    cur.energy--;
    cur.entry.picks++;
    const other = list.length > 1 ? list[rng.int(list.length)]! : null;
    return { parent: cur.entry, other: other === cur.entry ? null : other };
  }

  /**
   * Counts a finished run's states; keeps it as an entry when one of them is new (and says so).
   * `parent` is the entry it was made from, credited when its child found something.
   */
  learn(run: GuideEntry, parentSeed: string | null): boolean {
    let novel = false;
    for (const s of run.states) {
      const h = this.hits.get(s);
      if (h === undefined) novel = true;
      this.hits.set(s, (h ?? 0) + 1);
    }
    // A run the caller has no decisions of (another worker's, seen here by its states) is counted, not kept.
    if (!novel || run.decisions.length === 0) return novel;
    if (parentSeed !== null) {
      const p = this.entries.get(run.variant)?.find((e) => e.seed === parentSeed);
      if (p !== undefined) p.wins++;
    }
    this.keep(run);
    return true;
  }

  /** An entry another worker (or an earlier campaign) found: kept, its states counted once. */
  adopt(e: GuideEntry): void {
    for (const s of e.states) if (!this.hits.has(s)) this.hits.set(s, 1);
    this.keep(e);
  }

  /** Every entry, variant by variant in the order they were kept. */
  all(): GuideEntry[] {
    const out: GuideEntry[] = [];
    for (const l of this.entries.values()) for (const e of l) out.push(plain(e));
    return out;
  }

  private keep(run: GuideEntry): void {
    const list = this.entries.get(run.variant) ?? [];
    this.entries.set(run.variant, list);
    list.push({ ...plain(run), picks: 0, wins: 0 });
    if (list.length <= MAX_ENTRIES) return;
    // The most common entry goes: its rarest state is the least rare (more picks breaking ties).
    let worst = 0;
    for (let i = 1; i < list.length; i++) {
      const a = this.rarity(list[i]!);
      const b = this.rarity(list[worst]!);
      if (a > b || (a === b && list[i]!.picks > list[worst]!.picks)) worst = i;
    }
    list.splice(worst, 1);
  }

  /** Runs that reached the entry's rarest state. */
  private rarity(e: Kept): number {
    let min = Infinity;
    for (const s of e.states) {
      const h = this.hits.get(s) ?? 1;
      if (h < min) min = h;
    }
    return min === Infinity ? 1 : min;
  }

  private rarest(list: readonly Kept[]): Kept {
    let best = list[0]!;
    let bestRare = this.rarity(best);
    for (let i = 1; i < list.length; i++) {
      const e = list[i]!;
      const r = this.rarity(e);
      if (r < bestRare || (r === bestRare && e.picks < best.picks)) {
        best = e;
        bestRare = r;
      }
    }
    return best;
  }
}

function plain(e: GuideEntry): GuideEntry {
  const out: GuideEntry = { variant: e.variant, seed: e.seed, decisions: e.decisions, faults: e.faults, states: e.states };
  if (e.weather !== undefined) out.weather = e.weather;
  return out;
}
