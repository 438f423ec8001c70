/**
 * Types for the parts of @markwylde/liferaft 1.4.0 (CommonJS, untyped) the adapter uses.
 * The adapter loads the package through `ctx.host.require`, so these describe values, not an
 * import: nothing here is checked against the package at run time.
 */
export interface LiferaftPacket {
  state: number;
  term: number;
  address: string;
  type: string;
  leader: string;
  data?: unknown;
  last?: { index: number; term: number; committedIndex: number };
}

export type LiferaftWrite = (packet: LiferaftPacket, reply: (err?: Error, data?: LiferaftPacket) => void) => void;

export interface LiferaftEntry {
  index: number;
  term: number;
  committed: boolean;
  command: unknown;
}

export interface LiferaftLog {
  committedIndex: number;
  commit(index: number): Promise<unknown>;
  get(index: number): Promise<LiferaftEntry>;
  getLastInfo(): Promise<{ index: number; term: number; committedIndex: number }>;
}

export interface LiferaftLogClass {
  new (node: unknown, options: { adapter: (path: string) => unknown; path?: string }): LiferaftLog;
  prototype: LiferaftLog;
}

export interface LiferaftNode {
  readonly address: string;
  readonly state: number;
  readonly term: number;
  readonly leader: string;
  readonly log: LiferaftLog | null;
  join(address: string, write: LiferaftWrite): unknown;
  on(event: string, fn: (...args: unknown[]) => void): unknown;
  emit(event: string, ...args: unknown[]): boolean;
  command(command: unknown): Promise<void>;
  end(): boolean;
}

export interface LiferaftClass {
  new (options: Record<string, unknown>): LiferaftNode;
  readonly LEADER: number;
  readonly CANDIDATE: number;
  readonly FOLLOWER: number;
  readonly STOPPED: number;
  readonly states: readonly string[];
}
