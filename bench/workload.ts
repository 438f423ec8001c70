/**
 * The fixed workloads, written once against a tiny sync interface so that every engine
 * (interleave, fast-check's scheduler, the bare floor) runs the same task code.
 *
 * - `pc`: a bounded buffer (capacity 4) over one mutex and two condvars (not-full, not-empty;
 *   Mesa semantics, so waiters re-check in a loop and `signal` is safe). Half the tasks produce,
 *   half consume; each does `iters` items: lock, [wait, reacquire]*, signal, unlock.
 * - `handoff`: every task just yields `iters` times: pure scheduling cost, nothing else.
 * - `short`: 8 tasks × 10 steps (5 × lock/unlock on one mutex), for whole runs per second.
 */
export interface BenchSync {
  lock(): PromiseLike<void>;
  unlock(): PromiseLike<void>;
  /** cv 0 = not full, 1 = not empty. The caller holds the mutex. */
  wait(cv: 0 | 1): PromiseLike<void>;
  signal(cv: 0 | 1): PromiseLike<void>;
  yield(): PromiseLike<void>;
}

export type TaskBody = () => Promise<void>;

export interface Workload {
  name: string;
  tasks: number;
  /** Items (pc), yields (handoff) or lock/unlock pairs (short) per task. */
  iters: number;
  /** The task bodies of one run, closing over fresh shared state. */
  make(sync: BenchSync): { bodies: TaskBody[]; check(): void };
}

const CAPACITY = 4;

function pc(tasks: number, iters: number): Workload {
  return {
    name: `pc${tasks}`,
    tasks,
    iters,
    make(sync) {
      let count = 0;
      let produced = 0;
      let consumed = 0;
      const producer = async (): Promise<void> => {
        for (let i = 0; i < iters; i++) {
          await sync.lock();
          while (count === CAPACITY) await sync.wait(0);
          count++;
          produced++;
          await sync.signal(1);
          await sync.unlock();
        }
      };
      const consumer = async (): Promise<void> => {
        for (let i = 0; i < iters; i++) {
          await sync.lock();
          while (count === 0) await sync.wait(1);
          count--;
          consumed++;
          await sync.signal(0);
          await sync.unlock();
        }
      };
      const bodies: TaskBody[] = [];
      for (let i = 0; i < tasks; i++) bodies.push(i % 2 === 0 ? producer : consumer);
      const want = (tasks / 2) * iters;
      const check = (): void => {
        if (count !== 0 || produced !== want || consumed !== want) {
          throw new Error(`pc${tasks}: produced ${produced}, consumed ${consumed}, left ${count}; wanted ${want} each`);
        }
      };
      return { bodies, check };
    },
  };
}

function handoff(tasks: number, iters: number): Workload {
  return {
    name: `handoff${tasks}`,
    tasks,
    iters,
    make(sync) {
      let n = 0;
      const body = async (): Promise<void> => {
        for (let i = 0; i < iters; i++) {
          await sync.yield();
          n++;
        }
      };
      const check = (): void => {
        if (n !== tasks * iters) throw new Error(`handoff${tasks}: ${n} yields, wanted ${tasks * iters}`);
      };
      return { bodies: new Array<TaskBody>(tasks).fill(body), check };
    },
  };
}

function short(): Workload {
  return {
    name: 'short8x10',
    tasks: 8,
    iters: 5,
    make(sync) {
      let inside = 0;
      let done = 0;
      const body = async (): Promise<void> => {
        for (let i = 0; i < 5; i++) {
          await sync.lock();
          if (++inside !== 1) throw new Error('short8x10: two tasks inside the mutex');
          inside--;
          done++;
          await sync.unlock();
        }
      };
      const check = (): void => {
        if (done !== 40) throw new Error(`short8x10: ${done} critical sections, wanted 40`);
      };
      return { bodies: new Array<TaskBody>(8).fill(body), check };
    },
  };
}

/** ~1,000 scheduling operations per task: 250 items × (lock, signal, unlock, + waits). */
export const PC_ITERS = 250;
export const HANDOFF_ITERS = 1000;

export const DECISION_WORKLOADS: Workload[] = [
  pc(8, PC_ITERS),
  pc(64, PC_ITERS),
  handoff(8, HANDOFF_ITERS),
  handoff(64, HANDOFF_ITERS),
];
export const SHORT_WORKLOAD: Workload = short();
