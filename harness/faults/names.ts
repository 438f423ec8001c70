import { UsageError } from '../core/errors.js';
import { withSuggestion } from '../core/suggest.js';

/**
 * Fault kinds by name, each a probability per opportunity (per wait, per message, per
 * nemesis tick). Off unless named with --faults; --fault-rate name=p tunes one.
 */
export const FAULTS: Readonly<Record<string, { rate: number; about: string }>> = {
  spurious: { rate: 0.1, about: 'a condvar wait returns without a signal (per wait)' },
  drop: { rate: 0.05, about: 'a message is lost (per message)' },
  duplicate: { rate: 0.03, about: 'a message is delivered twice (per message)' },
  reorder: { rate: 0.1, about: 'a message is held back so later ones overtake it (per message)' },
  delay: { rate: 0.05, about: 'a message takes far longer than usual (per message)' },
  partition: { rate: 0.2, about: 'the nemesis splits the network: symmetric, one-way or an isolated node (per nemesis tick)' },
  crash: { rate: 0.1, about: 'the nemesis crashes a node; it restarts later from its storage (per nemesis tick)' },
  'lose-unsynced': { rate: 0.5, about: 'on crash, a suffix of writes not yet synced is lost (per crash)' },
  'clock-skew': { rate: 1, about: 'each node gets its own clock drift (per node, per run)' },
  pause: { rate: 0.1, about: 'the nemesis pauses a node without crashing it, like a GC pause (per nemesis tick)' },
};

export function faultNames(): string[] {
  return Object.keys(FAULTS);
}

/** `--faults a,b` (or `all`) plus `--fault-rate name=p` overrides → name → rate. */
export function resolveFaults(names: readonly string[], rates: readonly string[] = [], base: readonly string[] = []): Record<string, number> {
  const out: Record<string, number> = {};
  for (const b of base) if (FAULTS[b] === undefined) throw new UsageError(`unknown fault '${b}'${withSuggestion(b, faultNames(), `known: ${faultNames().join(', ')}`)}`);
  for (const raw of names) {
    for (const n of raw.split(',').map((x) => x.trim()).filter((x) => x.length > 0)) {
      if (n === 'none') continue;
      if (n === 'all') {
        for (const [k, v] of Object.entries(FAULTS)) out[k] = v.rate;
        continue;
      }
      const f = FAULTS[n];
      if (f === undefined) throw new UsageError(`unknown fault '${n}'${withSuggestion(n, [...faultNames(), 'all', 'none'], `known: ${faultNames().join(', ')}, all, none`)}`);
      out[n] = f.rate;
    }
  }
  for (const r of rates) {
    const m = /^([a-z-]+)=([0-9]*\.?[0-9]+)$/.exec(r.trim());
    if (!m) throw new UsageError(`malformed --fault-rate '${r}': expected name=p with p in [0, 1]`);
    const [, name, p] = m as unknown as [string, string, string];
    if (FAULTS[name] === undefined) throw new UsageError(`unknown fault '${name}' in --fault-rate${withSuggestion(name, faultNames(), `known: ${faultNames().join(', ')}`)}`);
    const v = Number(p);
    if (!(v >= 0 && v <= 1)) throw new UsageError(`--fault-rate ${name}=${p}: p must be in [0, 1]`);
    out[name] = v;
  }
  return out;
}
