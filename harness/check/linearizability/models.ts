import { UNKNOWN, type Model, type OpInput, type OpOutput } from './types.js';

/** Equal as values: numbers, strings, nil, and arrays or maps of them. */
function same(a: unknown, b: unknown): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

const nil = (v: unknown): unknown => (v === undefined ? null : v);
const isRead = (f: string): boolean => f === 'read' || f === 'get';

function refuse(model: string, input: OpInput): never {
  throw new Error(`model ${model} has no operation ${input.f}`);
}

/** A register: read returns the last write; a read of nothing is nil. */
export const register: Model<unknown> = {
  name: 'register',
  init: () => null,
  step(state, input, output) {
    if (isRead(input.f)) return [output === UNKNOWN || same(nil(output), state), state];
    if (input.f === 'write') return [true, nil(input.value)];
    return refuse('register', input);
  },
  readOnly: (input) => isRead(input.f),
};

/** A register with compare-and-set: `cas [old new]` returns true when it swapped (an `ok` with
 * no value counts as true, as Jepsen's cas-register client reports it) and false when not. */
export const casRegister: Model<unknown> = {
  name: 'cas-register',
  init: () => null,
  step(state, input, output) {
    if (input.f !== 'cas') return register.step(state, input, output);
    if (!Array.isArray(input.value) || input.value.length !== 2) throw new Error(`cas needs [old new], got ${JSON.stringify(input.value)}`);
    const [from, to] = input.value as [unknown, unknown];
    const matches = same(state, nil(from));
    if (output === UNKNOWN) return [true, matches ? nil(to) : state];
    if (output === false) return [!matches, state];
    return [matches, matches ? nil(to) : state];
  },
  readOnly: (input) => isRead(input.f),
};

/** A key-value store: get/put/append per key, one independent register per key; a missing key
 * reads as nil or "" (Porcupine's kv model reads ""), and append concatenates strings. */
export const kv: Model<string | null> = {
  name: 'kv',
  init: () => null,
  step(state, input, output) {
    if (input.f === 'get' || input.f === 'read') {
      if (output === UNKNOWN) return [true, state];
      const got = nil(output);
      return [same(got, state) || (state === null && got === '') || (state === '' && got === null), state];
    }
    if (input.f === 'put' || input.f === 'write') return [true, valueText(input.value)];
    if (input.f === 'append') return [true, `${state ?? ''}${valueText(input.value) ?? ''}`];
    return refuse('kv', input);
  },
  partition: (input) => input.key ?? '',
  readOnly: (input) => isRead(input.f),
  // The value itself: appended strings grow long, and JSON would copy and escape them every step.
  stateKey: (s) => (s === null ? '\u0000nil' : s),
};

function valueText(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** A counter: add (or inc) by a value (default 1), read returns the sum. */
export const counter: Model<number> = {
  name: 'counter',
  init: () => 0,
  step(state, input, output) {
    if (input.f === 'read') return [output === UNKNOWN || same(output, state), state];
    if (input.f === 'add' || input.f === 'inc' || input.f === 'incr') {
      const by = input.value === null || input.value === undefined ? 1 : Number(input.value);
      return [true, state + by];
    }
    return refuse('counter', input);
  },
  readOnly: (input) => input.f === 'read',
};

/** A set: add an element, read returns every element (in any order). State: sorted JSON texts. */
export const set: Model<string[]> = {
  name: 'set',
  init: () => [],
  step(state, input, output) {
    if (input.f === 'add') {
      const e = JSON.stringify(input.value);
      return [true, state.includes(e) ? state : [...state, e].sort()];
    }
    if (input.f === 'read') {
      if (output === UNKNOWN) return [true, state];
      if (!Array.isArray(output)) return [false, state];
      const got = [...new Set(output.map((x) => JSON.stringify(x)))].sort();
      return [same(got, state), state];
    }
    return refuse('set', input);
  },
  stateKey: (s) => s.join(','),
  readOnly: (input) => input.f === 'read',
  describeState: (s) => `#{${s.join(' ')}}`,
};

/** A FIFO queue: enqueue a value; dequeue returns the oldest, or nil when empty. */
export const queue: Model<unknown[]> = {
  name: 'queue',
  init: () => [],
  step(state, input, output) {
    if (input.f === 'enqueue') return [true, [...state, input.value]];
    if (input.f === 'dequeue') {
      if (output === UNKNOWN) return [true, state.slice(1)];
      if (state.length === 0) return [nil(output) === null, state];
      return [same(output, state[0]), state.slice(1)];
    }
    return refuse('queue', input);
  },
};

export const MODELS: Readonly<Record<string, Model<never>>> = {
  register: register as Model<never>,
  'cas-register': casRegister as Model<never>,
  kv: kv as Model<never>,
  counter: counter as Model<never>,
  set: set as Model<never>,
  queue: queue as Model<never>,
};

/** The built-in model of this name, or undefined. */
export function builtinModel(name: string): Model<unknown> | undefined {
  return Object.hasOwn(MODELS, name) ? (MODELS[name] as Model<unknown>) : undefined;
}

export type { OpOutput };
