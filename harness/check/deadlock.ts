import type { Run } from '../core/run.js';
import type { Task } from '../core/task.js';

/** The mutex a task waits to (re)acquire, if any; set by the sync primitives on the task. */
export interface MutexLike {
  readonly name: string;
  owner: Task | null;
}

type CycleEdge = { task: string; holds: string; wants: string };

/** The mutex a task is waiting to (re)acquire right now, if any. */
function waitsFor(t: Task): MutexLike | null {
  return t.pending && (t.opKind === 'lock' || t.opKind === 'reacquire') ? t.wantedMutex : null;
}

/**
 * Follows "waits for mutex held by" edges from `start`; returns the cycle if it closes. It runs
 * on every contended lock, so it allocates nothing unless the chain is longer than one holder
 * (the visited set) or a cycle is found (the path, rebuilt by walking the same edges again).
 */
export function findLockCycle(start: Task, wanted: MutexLike): CycleEdge[] | null {
  let want: MutexLike | null = wanted;
  let first: Task | null = null;
  let seen: Set<Task> | null = null;
  while (want !== null && want.owner !== null) {
    const holder: Task = want.owner;
    if (holder === start) return cyclePath(start, wanted);
    if (first === null) {
      first = holder;
    } else {
      seen ??= new Set<Task>([first]);
      if (seen.has(holder)) return null;
      seen.add(holder);
    }
    want = waitsFor(holder);
  }
  return null;
}

/** The edges of a cycle findLockCycle found through `start`. */
function cyclePath(start: Task, wanted: MutexLike): CycleEdge[] {
  const path: CycleEdge[] = [];
  let want = wanted;
  let waiter = start;
  for (;;) {
    const holder = want.owner!;
    path.push({ task: waiter.label, holds: '', wants: want.name });
    if (holder === start) return closeCycle(path);
    waiter = holder;
    want = waitsFor(holder)!;
  }
}

function closeCycle(path: CycleEdge[]): CycleEdge[] {
  // Each waiter holds the mutex the previous one wants.
  for (let i = 0; i < path.length; i++) path[i]!.holds = path[(i + path.length - 1) % path.length]!.wants;
  return path;
}

/**
 * At quiescence: non-daemon tasks still blocked with nothing able to wake them. Lists who waits
 * on what and who holds what. Lost wakeups found first replace the deadlock they caused.
 */
export function reportStuckTasks(run: Run, holders: { mutex: string; holder: string }[]): void {
  const stuck = run.liveTasks().filter((t) => !t.daemon);
  if (stuck.length === 0) return;
  const waits = stuck.map((t) => `${t.label} waits on ${t.state === 'blocked' ? t.waitingOn() : `${t.opObj}.${t.opKind}`}`);
  const held = holders.map((h) => `${h.holder} holds ${h.mutex}`);
  run.violate({
    kind: 'deadlock',
    actors: stuck.map((t) => t.label),
    message: `no task can run: ${waits.join('; ')}${held.length ? `; ${held.join('; ')}` : ''}`,
    details: { waits, held },
  });
}
