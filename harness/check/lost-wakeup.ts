import type { Run } from '../core/run.js';
import type { CellRead, SharedCell, SleepInfo, Task, Unheard } from '../core/task.js';
import { renderValue } from '../core/format.js';

/**
 * A lost wakeup, as users mean it and as shuttle, loom and Coyote only call "deadlock": task S
 * sleeps forever on a condvar (or in next() on a subscription), and it missed a wakeup on that
 * object that announced a change to state S had already examined.
 *
 * FreeBSD cv(9) (SEED-NOTES.md, "FreeBSD cv(9)"): the waiter examines the condition and calls
 * cv_wait holding the mutex, which cv_wait releases atomically with going to sleep; the signaller
 * changes the state under the same mutex. So the waiter either examined the state after the
 * change, or was asleep before it and hears the wakeup that follows it (signalled inside the
 * mutex or after it). A wakeup is lost only when the waiter's view of the state the signaller
 * changed is older than the change. The rule keys on that state, not on whatever the waiter
 * read last:
 *
 *   S, asleep forever since step s, lost the wakeup U on its object (a signal that reached no
 *   waiter, or any broadcast or publish; for a subscription, one made before it subscribed) iff
 *   U's task wrote a cell C at step w, its last write of C before U, and S's last read of C came
 *   before it: r < w <= U < s. That read is the stale one the report names, with w.
 *
 * A waiter that re-read C after the write saw the change and is not flagged for that signal,
 * whatever else it read and whenever it read it; nor is one that never read any cell U's task
 * wrote, if it read others: its predicate is on other state, and it sleeps for another reason.
 * Nor, for a condvar, does a read of C count if a condvar woke S after it (cv(9): woken threads
 * re-check the condition in a loop): S evaluated its predicate again since and did not read C,
 * so C did not decide this sleep (a short-circuit `while (paused || count === 0)` that stopped
 * at `paused`).
 * Where one side's state is invisible to the harness (plain variables, not sim.shared cells),
 * the rule falls back to time alone: if U's task wrote no cell, S's last read of any cell must
 * come before U; if S read no cell at all, any U counts. Among several witnesses the report names
 * the latest signal, then the latest stale read.
 *
 * Returns the sleepers it explained, so the deadlock report can leave them out.
 */
export function findLostWakeups(run: Run): Set<Task> {
  const explained = new Set<Task>();
  for (const t of run.liveTasks()) {
    const si = t.sleepInfo;
    if (t.daemon || t.state !== 'blocked' || si === null || si.unheard.length === 0) continue;
    const w = witness(t, si);
    if (w === null) continue;
    report(run, t, si, w);
    explained.add(t);
  }
  return explained;
}

/** Why a sleep was a lost wakeup: the wakeup missed, and the stale read (null: S read nothing). */
interface Witness {
  u: Unheard;
  read: { cell: SharedCell; r: CellRead; writtenAt: number | null } | null;
}

function witness(t: Task, si: SleepInfo): Witness | null {
  // The sleeper has not run since it slept, so its reads are those it slept on.
  const reads = t.reads;
  const last = reads === null ? null : lastRead(reads);
  let best: Witness | null = null;
  for (const u of si.unheard) {
    // A task's own signal was never its to hear.
    if (u.step >= si.step || u.task === t.label) continue;
    if (last === null) {
      best = later(best, { u, read: null });
    } else if (u.wrote.length === 0) {
      if (last.r.step < u.step) best = later(best, { u, read: { ...last, writtenAt: null } });
    } else {
      for (const { cell, step: writtenAt } of u.wrote) {
        const r = reads!.get(cell);
        if (r !== undefined && r.step < writtenAt && (si.kind !== 'condvar' || r.step > t.wokenStep)) {
          best = later(best, { u, read: { cell, r, writtenAt } });
        }
      }
    }
  }
  return best;
}

/** The witness to name: the latest wakeup, then the latest stale read. */
function later(a: Witness | null, b: Witness): Witness {
  if (a === null || b.u.step !== a.u.step) return a === null || b.u.step > a.u.step ? b : a;
  return (b.read?.r.step ?? -1) > (a.read?.r.step ?? -1) ? b : a;
}

function lastRead(reads: ReadonlyMap<SharedCell, CellRead>): { cell: SharedCell; r: CellRead } | null {
  let out: { cell: SharedCell; r: CellRead } | null = null;
  for (const [cell, r] of reads) if (out === null || r.step > out.r.step) out = { cell, r };
  return out;
}

function report(run: Run, t: Task, si: SleepInfo, { u, read }: Witness): void {
  const when = si.kind === 'condvar' ? 'before it slept' : 'before it subscribed';
  const seen = read === null
    // Plain variables are invisible to the harness: sim.shared cells let it name the stale read.
    ? `read no shared state the harness sees (keep the predicate in sim.shared to have its stale read named), ${when}`
    : `last read ${read.cell.name} = ${renderValue(read.r.value)} at step ${read.r.step}, ` +
      (read.writtenAt === null ? when : `before ${u.task} wrote it at step ${read.writtenAt}`);
  const where = si.kind === 'condvar' ? `${si.obj}.wait` : `next() on ${si.obj}`;
  run.record({
    kind: 'lost-wakeup',
    actors: [t.label, u.task],
    message:
      `${t.label} sleeps forever in ${where} (since step ${si.step}): it missed ${u.task}'s ${u.op} on ${si.obj} ` +
      `at step ${u.step}; ${t.label} had ${seen}`,
    details: {
      waiter: t.label, object: si.obj, sleptAtStep: si.step,
      signal: { step: u.step, task: u.task, op: u.op },
      staleRead: read === null ? null : {
        step: read.r.step, object: read.cell.name, value: renderValue(read.r.value),
        // The signaller's write the read missed; null when the signaller wrote no cell the harness sees.
        writtenAtStep: read.writtenAt,
      },
    },
  });
}
