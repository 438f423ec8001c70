/**
 * A deep copy for what crosses the network or reaches the disk. Plain objects, arrays and
 * primitives (the usual message and record shapes) are copied by hand, several times faster
 * than structuredClone, which still handles everything else (Map, Set, Date, typed arrays) and
 * anything nested deeper than MAX_DEPTH (a cycle, most likely). Class instances lose their
 * prototype either way, as they would over a wire.
 */
const MAX_DEPTH = 64;

export function deepCopy<T>(v: T): T {
  return copyAt(v, 0);
}

function copyAt<T>(v: T, depth: number): T {
  if (typeof v !== 'object' || v === null) return v;
  if (depth > MAX_DEPTH) return structuredClone(v);
  if (Array.isArray(v)) {
    const out = new Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = copyAt(v[i], depth + 1);
    return out as T;
  }
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return structuredClone(v);
  const out: Record<string, unknown> = {};
  for (const k in v) out[k] = copyAt((v as Record<string, unknown>)[k], depth + 1);
  return out as T;
}
