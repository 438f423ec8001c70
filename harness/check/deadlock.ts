import type { Run } from '../core/run.js';
import type { Task } from '../core/task.js';

/** The mutex a task waits to (re)acquire, if any; set by the sync primitives on the task. */
export interface MutexLike {
  readonly name: string;
  owner: Task | null;
}

export const wantedMutex = new WeakMap<Task, MutexLike>();

/** Follows "waits for mutex held by" edges from `start`; returns the cycle if it closes. */
export function findLockCycle(start: Task, wanted: MutexLike): { task: string; holds: string; wants: string }[] | null {
  const path: { task: string; holds: string; wants: string }[] = [];
  let want: MutexLike | undefined = wanted;
  let waiter: Task = start;
  const seen = new Set<Task>();
  while (want !== undefined && want.owner !== null) {
    const holder: Task = want.owner;
    path.push({ task: waiter.label, holds: '', wants: want.name });
    if (holder === start) return closeCycle(path);
    if (seen.has(holder)) return null;
    seen.add(holder);
    waiter = holder;
    want = holder.pending && (holder.opKind === 'lock' || holder.opKind === 'reacquire') ? wantedMutex.get(holder) : undefined;
  }
  return null;
}

function closeCycle(path: { task: string; holds: string; wants: string }[]): { task: string; holds: string; wants: string }[] {
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
  const waits = stuck.map((t) => `${t.label} waits on ${t.state === 'blocked' ? t.blockedOn : `${t.opObj}.${t.opKind}`}`);
  const held = holders.map((h) => `${h.holder} holds ${h.mutex}`);
  run.violate({
    kind: 'deadlock',
    actors: stuck.map((t) => t.label),
    message: `no task can run: ${waits.join('; ')}${held.length ? `; ${held.join('; ')}` : ''}`,
    details: { waits, held },
  });
}
