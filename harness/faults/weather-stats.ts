import { weatherFeatures, type Weather } from './weather.js';

/** variant → weather feature → how many runs drew it, and how many of those failed. */
export type WeatherStats = Record<string, Record<string, { drawn: number; failed: number }>>;

export function countWeather(stats: WeatherStats, variant: string, w: Weather, failed: boolean): void {
  const by = (stats[variant] ??= {});
  for (const f of weatherFeatures(w)) {
    const c = (by[f] ??= { drawn: 0, failed: 0 });
    c.drawn++;
    if (failed) c.failed++;
  }
}

/** Counts add across shards: each run is in exactly one of them. */
export function mergeWeatherStats(parts: readonly (WeatherStats | undefined)[]): WeatherStats {
  const out: WeatherStats = {};
  for (const p of parts) {
    for (const [v, by] of Object.entries(p ?? {})) {
      const o = (out[v] ??= {});
      for (const [f, c] of Object.entries(by)) {
        const t = (o[f] ??= { drawn: 0, failed: 0 });
        t.drawn += c.drawn;
        t.failed += c.failed;
      }
    }
  }
  return sortStats(out);
}

/** Features in a fixed order, so summaries diff well. */
export function sortStats(s: WeatherStats): WeatherStats {
  const out: WeatherStats = {};
  for (const v of Object.keys(s)) out[v] = Object.fromEntries(Object.keys(s[v]!).sort().map((f) => [f, s[v]![f]!]));
  return out;
}

/** summary.md's table: one row per feature, one column per variant with its failed/drawn. */
export function weatherMarkdown(variants: readonly string[], s: WeatherStats): string[] {
  const vs = variants.filter((v) => s[v] !== undefined);
  if (vs.length === 0) return [];
  const features = [...new Set(vs.flatMap((v) => Object.keys(s[v]!)))].sort();
  const lines = ['| weather feature | ' + vs.map((v) => `${v} (failed / drawn)`).join(' | ') + ' |', '|---|' + vs.map(() => '---:').join('|') + '|'];
  for (const f of features) {
    lines.push(`| ${f} | ` + vs.map((v) => {
      const c = s[v]![f];
      return c === undefined ? '—' : `${c.failed} / ${c.drawn}`;
    }).join(' | ') + ' |');
  }
  return lines;
}
