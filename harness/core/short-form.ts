import { types } from 'node:util';

/** How long a message's short form may be in a trace line or on the page. */
export const SHORT_FORM_MAX = 60;

/**
 * A message payload as a person scans it in a trace: `{granted:true,term:3}`, elided to `max`
 * characters. It is read while a run goes on, inside hosted code's world, so it must not run any
 * of the user's code: it reads own data properties only (a getter shows as `get`, a Proxy as
 * `Proxy`, never calls toJSON or toString), so showing a payload cannot change a run. `omitType`
 * leaves out a top-level `type` field already in the message's label.
 */
export function shortForm(v: unknown, max = SHORT_FORM_MAX, omitType = false): string {
  const out = { s: '', max: max + 1 };
  write(v, 0, out, omitType);
  return out.s.length > max ? `${out.s.slice(0, max - 1)}…` : out.s;
}

interface Out { s: string; max: number }

function write(v: unknown, depth: number, out: Out, omitType: boolean): void {
  if (out.s.length > out.max) return;
  if (v === null || v === undefined || typeof v === 'number' || typeof v === 'boolean') { out.s += String(v); return; }
  if (typeof v === 'bigint') { out.s += `${v}n`; return; }
  if (typeof v === 'string') { out.s += JSON.stringify(v.length > out.max ? v.slice(0, out.max) : v); return; }
  if (typeof v === 'symbol') { out.s += 'Symbol'; return; }
  if (typeof v === 'function') { out.s += 'fn'; return; }
  const o = v as object;
  if (types.isProxy(o)) { out.s += 'Proxy'; return; }
  if (ArrayBuffer.isView(o)) { out.s += `${o.constructor.name}(${o.byteLength})`; return; }
  if (o instanceof Map || o instanceof Set) { out.s += `${o instanceof Map ? 'Map' : 'Set'}(${o.size})`; return; }
  if (depth >= 3) { out.s += Array.isArray(o) ? '[…]' : '{…}'; return; }
  if (Array.isArray(o)) {
    out.s += '[';
    for (let i = 0; i < o.length && out.s.length <= out.max; i++) {
      if (i > 0) out.s += ',';
      writeOwn(o, String(i), depth, out);
    }
    out.s += ']';
    return;
  }
  const proto = Object.getPrototypeOf(o) as object | null;
  const ctor = proto === null || proto === Object.prototype ? '' : className(proto);
  out.s += `${ctor}{`;
  let first = true;
  for (const k of Object.keys(o)) {
    if (out.s.length > out.max) break;
    if (omitType && depth === 0 && k === 'type') continue;
    if (!first) out.s += ',';
    first = false;
    out.s += /^[A-Za-z_$][\w$]*$/.test(k) ? `${k}:` : `${JSON.stringify(k)}:`;
    writeOwn(o, k, depth, out);
  }
  out.s += '}';
}

/** One own property's value, without running a getter. */
function writeOwn(o: object, k: string, depth: number, out: Out): void {
  const d = Object.getOwnPropertyDescriptor(o, k);
  if (d === undefined || !('value' in d)) out.s += 'get';
  else write(d.value, depth + 1, out, false);
}

/** The class a prototype belongs to, read as data (a `constructor` getter is not run). */
function className(proto: object): string {
  const d = Object.getOwnPropertyDescriptor(proto, 'constructor');
  const c: unknown = d !== undefined && 'value' in d ? d.value : undefined;
  if (typeof c !== 'function') return '';
  const n = Object.getOwnPropertyDescriptor(c, 'name');
  return n !== undefined && typeof n.value === 'string' ? n.value : '';
}
