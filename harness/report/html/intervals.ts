import type { TraceEvent } from '../../core/trace.js';
import type { Lane } from './lanes.js';

/** A node's leadership, from its `leader term N` signal to its next signal or crash (`to` null:
 * still leading when the run ended). Positions are in the full trace. */
export interface LeadershipInterval {
  lane: number;
  term: number;
  from: number;
  to: number | null;
}

/** A stretch of a fault on a lane (-1: every node lane): a node down, paused, or a partition. */
export interface Band {
  lane: number;
  kind: 'crash' | 'pause' | 'partition';
  from: number;
  to: number | null;
  label: string;
}

const LEADER = /^leader term (\d+)$/;

export function leadershipIntervals(trace: readonly TraceEvent[], laneOf: (i: number) => number): LeadershipInterval[] {
  const out: LeadershipInterval[] = [];
  const open = new Map<number, LeadershipInterval>();
  const close = (lane: number, at: number): void => {
    const iv = open.get(lane);
    if (iv !== undefined) { iv.to = at; open.delete(lane); }
  };
  for (let i = 0; i < trace.length; i++) {
    const e = trace[i]!;
    if (e.op === 'signalLeadership') {
      const lane = laneOf(i);
      close(lane, i);
      const m = LEADER.exec(e.obj);
      if (m !== null) {
        const iv: LeadershipInterval = { lane, term: Number(m[1]), from: i, to: null };
        out.push(iv);
        open.set(lane, iv);
      }
    } else if (e.task === 'nemesis' && e.op === 'crash') {
      close(laneOf(i), i);
    }
  }
  return out;
}

/** Crash → restart and pause → resume per node, partition → heal across all node lanes. */
export function faultBands(trace: readonly TraceEvent[], lanes: readonly Lane[]): Band[] {
  const out: Band[] = [];
  const laneIndex = new Map(lanes.map((l, i) => [l.id, i]));
  const open = new Map<string, Band>();
  const partitions: Band[] = [];
  for (let i = 0; i < trace.length; i++) {
    const e = trace[i]!;
    if (e.task !== 'nemesis') continue;
    const node = e.obj.split(' ', 1)[0] ?? '';
    const lane = laneIndex.get(node);
    switch (e.op) {
      case 'crash':
      case 'pause':
        if (lane !== undefined) {
          const b: Band = { lane, kind: e.op, from: i, to: null, label: `${e.op} ${e.obj}` };
          out.push(b);
          open.set(`${e.op}:${node}`, b);
        }
        break;
      case 'restart':
      case 'resume': {
        const key = `${e.op === 'restart' ? 'crash' : 'pause'}:${node}`;
        const b = open.get(key);
        if (b !== undefined) { b.to = i; open.delete(key); }
        break;
      }
      case 'partition': {
        const b: Band = { lane: -1, kind: 'partition', from: i, to: null, label: `partition ${e.obj}` };
        out.push(b);
        partitions.push(b);
        break;
      }
      case 'heal': {
        const b = partitions.shift();
        if (b !== undefined) b.to = i;
        break;
      }
    }
  }
  return out;
}
