/**
 * The decision hash: FNV-1a over the decision stream only (never the seed), in two 32-bit lanes
 * so a campaign of thousands of runs does not see accidental collisions.
 */
export function labelHash(label: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** murmur3's 32-bit finalizer: FNV's bits mix poorly (its high bits, and its low bits follow
 * the last character), so a hash that picks a bucket or a register goes through this first. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** labelHash(a + b) from labelHash(a) and b: FNV-1a is a left fold, so a label built from a
 * fixed prefix need not be hashed (or flattened) from its first character every time. */
export function extendHash(h: number, tail: string): number {
  for (let i = 0; i < tail.length; i++) {
    h ^= tail.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export class DecisionHash {
  private a = 0x811c9dc5;
  private b = 0x2545f491;

  /** Mix one 32-bit word: the label hash of a choice, or a drawn value. */
  mix(word: number): void {
    this.a = Math.imul(this.a ^ word, 0x01000193);
    this.b = Math.imul(this.b ^ (word >>> 7) ^ (word << 11), 0x5bd1e995);
    this.b ^= this.b >>> 15;
  }

  hex(): string {
    return (this.a >>> 0).toString(16).padStart(8, '0') + (this.b >>> 0).toString(16).padStart(8, '0');
  }
}
