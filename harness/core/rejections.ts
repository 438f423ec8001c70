/**
 * Rejections a run already charged to one of its steps (host mode: a hosted promise rejected
 * unhandled is reported as that decision's `unhandled-rejection`, since each decision is its own
 * macrotask). The campaign's rejection boundary (explore/boundary.ts), which charges whatever is
 * left to the seed as a whole, skips these, so none is counted twice.
 */
const objects = new WeakSet<object>();
const others = new Set<unknown>();
/** Primitive reasons are rare; past this many the oldest are forgotten. */
const MAX_OTHERS = 1_000;

export function markCharged(reason: unknown): void {
  if ((typeof reason === 'object' && reason !== null) || typeof reason === 'function') {
    objects.add(reason);
    return;
  }
  if (others.size >= MAX_OTHERS) others.clear();
  others.add(reason);
}

export function wasCharged(reason: unknown): boolean {
  if ((typeof reason === 'object' && reason !== null) || typeof reason === 'function') return objects.has(reason);
  return others.has(reason);
}
