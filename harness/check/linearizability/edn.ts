/**
 * The subset of EDN that Jepsen histories use: maps, vectors, lists, sets, keywords, symbols,
 * integers, floats, strings, characters of escape, nil, true and false. Keywords read as strings
 * without their colon (`:read` → "read"); a map reads as a Map keyed by those strings. Tagged
 * literals (`#jepsen.history.Op{…}`) read as the value they tag.
 */
export type Edn = null | boolean | number | string | Edn[] | Map<string, Edn>;

export class EdnError extends Error {
  constructor(readonly column: number, message: string) {
    super(`column ${column}: ${message}`);
    this.name = 'EdnError';
  }
}

const DELIMITERS = new Set([' ', '\t', '\n', '\r', ',', '(', ')', '[', ']', '{', '}', '"', ';']);

export function readEdn(text: string): Edn {
  const r = new Reader(text);
  const v = r.value();
  r.skip();
  if (!r.done()) throw new EdnError(r.at + 1, `unexpected ${JSON.stringify(text[r.at])} after the value`);
  return v;
}

/**
 * A whole-file collection (Knossos's `data/*.edn`: one list or vector of operation maps): each
 * element with the offset where it starts, for line numbers.
 */
export function readEdnElements(text: string): { value: Edn; offset: number }[] {
  const r = new Reader(text);
  r.skip();
  const open = text[r.at];
  if (open !== '[' && open !== '(') throw new EdnError(r.at + 1, 'expected a list or vector of operations');
  const close = open === '[' ? ']' : ')';
  r.at++;
  const out: { value: Edn; offset: number }[] = [];
  for (;;) {
    r.skip();
    if (r.done()) throw new EdnError(r.at + 1, `missing ${close}`);
    if (text[r.at] === close) break;
    const offset = r.at;
    out.push({ value: r.value(), offset });
  }
  r.at++;
  r.skip();
  if (!r.done()) throw new EdnError(r.at + 1, `unexpected ${JSON.stringify(text[r.at])} after the collection`);
  return out;
}

class Reader {
  at = 0;
  constructor(private readonly s: string) {}

  done(): boolean {
    return this.at >= this.s.length;
  }

  skip(): void {
    while (!this.done()) {
      const c = this.s[this.at]!;
      if (c === ';') {
        while (!this.done() && this.s[this.at] !== '\n') this.at++;
      } else if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === ',') this.at++;
      else return;
    }
  }

  value(): Edn {
    this.skip();
    if (this.done()) throw new EdnError(this.at + 1, 'the line ends where a value was expected');
    const c = this.s[this.at]!;
    if (c === '{') return this.map();
    if (c === '[' || c === '(') return this.seq(c === '[' ? ']' : ')');
    if (c === '"') return this.string();
    if (c === '#') return this.dispatch();
    if (c === '}' || c === ']' || c === ')') throw new EdnError(this.at + 1, `unexpected ${c}`);
    return this.atom();
  }

  private dispatch(): Edn {
    this.at++;
    if (this.s[this.at] === '{') {
      return this.seq('}');
    }
    if (this.s[this.at] === '_') {
      this.at++;
      this.value();
      return this.value();
    }
    this.token();
    return this.value();
  }

  private seq(close: string): Edn[] {
    this.at++;
    const out: Edn[] = [];
    for (;;) {
      this.skip();
      if (this.done()) throw new EdnError(this.at + 1, `missing ${close}`);
      if (this.s[this.at] === close) {
        this.at++;
        return out;
      }
      out.push(this.value());
    }
  }

  private map(): Map<string, Edn> {
    const start = this.at + 1;
    const items = this.seq('}');
    if (items.length % 2 !== 0) throw new EdnError(start, 'a map needs an even number of forms');
    const m = new Map<string, Edn>();
    for (let i = 0; i < items.length; i += 2) {
      const k = items[i]!;
      m.set(typeof k === 'string' ? k : JSON.stringify(k), items[i + 1]!);
    }
    return m;
  }

  private string(): string {
    const start = this.at + 1;
    this.at++;
    let out = '';
    for (;;) {
      if (this.done()) throw new EdnError(start, 'unterminated string');
      const c = this.s[this.at++]!;
      if (c === '"') return out;
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = this.s[this.at++];
      const map: Record<string, string> = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\' };
      if (e === undefined || map[e] === undefined) throw new EdnError(this.at, `unknown escape \\${e ?? ''}`);
      out += map[e];
    }
  }

  private token(): string {
    const start = this.at;
    while (!this.done() && !DELIMITERS.has(this.s[this.at]!)) this.at++;
    return this.s.slice(start, this.at);
  }

  private atom(): Edn {
    const start = this.at + 1;
    const t = this.token();
    if (t === 'nil') return null;
    if (t === 'true') return true;
    if (t === 'false') return false;
    if (t.startsWith(':')) {
      if (t.length === 1) throw new EdnError(start, 'a keyword needs a name');
      return t.slice(1);
    }
    if (/^[+-]?\d+N?$/.test(t)) return Number(t.replace(/N$/, ''));
    if (/^[+-]?\d+(\.\d+)?([eE][+-]?\d+)?M?$/.test(t)) return Number(t.replace(/M$/, ''));
    if (/^[A-Za-z*+!_?<>=/.-][\w*+!?<>=/.:#-]*$/.test(t)) return t;
    throw new EdnError(start, `cannot read ${JSON.stringify(t)}`);
  }
}
