/** Internal invariant check: a failure is a bug in the core (or a caller breaking the contract). */
export function invariant(cond: unknown, msg: string): asserts cond {
  if (!cond) throw new Error(`raft invariant: ${msg}`);
}
