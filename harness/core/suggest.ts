/**
 * "Did you mean …": the known names nearest to a mistyped one, for the one-line usage errors
 * (targets, variants, strategies, faults, network knobs, CLI options and commands).
 */

/**
 * Optimal string alignment distance (Damerau–Levenshtein where no substring is edited twice):
 * inserting, deleting or substituting a character, or swapping two adjacent ones, costs 1.
 * So `dorp` → `drop` is 1 (a swap), where plain Levenshtein says 2.
 */
export function editDistance(a: string, b: string): number {
  const m = a.length;
  const n = b.length;
  if (m === 0) return n;
  if (n === 0) return m;
  // Three rolling rows: i-2, i-1 and i.
  let prev2 = new Array<number>(n + 1).fill(0);
  let prev = Array.from({ length: n + 1 }, (_v, j) => j);
  let cur = new Array<number>(n + 1).fill(0);
  for (let i = 1; i <= m; i++) {
    cur[0] = i;
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, prev2[j - 2]! + 1);
      cur[j] = d;
    }
    [prev2, prev, cur] = [prev, cur, prev2];
  }
  return prev[n]!;
}

/** Case, dashes, underscores and spaces do not tell names apart: `pause-ms-max` is `pauseMsMax`. */
function normal(s: string): string {
  return s.toLowerCase().replace(/[-_\s]/g, '');
}

/** How many edits still read as a typo of a name this long: none for 1–2 characters, 1 up to
 * 5, 2 up to 11, then 3. */
function tolerance(length: number): number {
  return length < 3 ? 0 : length < 6 ? 1 : length < 12 ? 2 : 3;
}

/**
 * The known names close enough to `name` to be what was meant, nearest first (ties in the
 * order given, at most three): the same name up to case and separators; else the nearest within
 * a tolerance that grows with the name's length; else the one name that `name` begins.
 * Empty when nothing is close: then a suggestion would be a guess.
 */
export function nearest(name: string, known: Iterable<string>): string[] {
  const names = [...new Set(known)].filter((k) => k !== name && k.length > 0);
  const n = normal(name);
  if (n.length === 0) return [];
  const same = names.filter((k) => normal(k) === n);
  if (same.length > 0) return same.slice(0, 3);
  const limit = tolerance(n.length);
  let best = Infinity;
  let hits: string[] = [];
  for (const k of names) {
    const d = editDistance(n, normal(k));
    if (d > limit || d > best) continue;
    if (d < best) {
      best = d;
      hits = [];
    }
    hits.push(k);
  }
  if (hits.length > 0) return hits.slice(0, 3);
  const prefixed = n.length >= 3 ? names.filter((k) => normal(k).startsWith(n)) : [];
  return prefixed.length === 1 ? prefixed : [];
}

/**
 * `did you mean 'drop'?` (or `'a' or 'b'?`), or '' when no name is near. `show` renders a
 * name (quoted by default; `--${k}` for flags).
 */
export function didYouMean(name: string, known: Iterable<string>, show: (k: string) => string = (k) => `'${k}'`): string {
  const hits = nearest(name, known);
  if (hits.length === 0) return '';
  const list = hits.length === 1 ? show(hits[0]!) : `${hits.slice(0, -1).map(show).join(', ')} or ${show(hits[hits.length - 1]!)}`;
  return `did you mean ${list}?`;
}

/** ` (did you mean 'x'? known: a, b, c)` style parenthesis: the suggestion, when there is one,
 * before what else the message lists. */
export function withSuggestion(name: string, known: Iterable<string>, rest: string, show?: (k: string) => string): string {
  const hint = didYouMean(name, known, show);
  return ` (${hint ? `${hint} ` : ''}${rest})`;
}
