/** Internal invariant check: a failure is a bug in the core (or a caller breaking the contract). */
export function invariant(cond: unknown, msg: string): asserts cond {
  if (!cond) fail(msg);
}

/** The failure of an invariant whose message has values in it: hot paths write
 * `if (!cond) fail(\`...\`)` so the message is built only when it fails. */
export function fail(msg: string): never {
  throw new Error(`raft invariant: ${msg}`);
}
