import type { TimedEvent } from '../core/timers.js';
import type { Assumptions } from '../core/api.js';
import type { Run } from '../core/run.js';
import type { NetNode } from './node.js';
import type { NetRates, PartitionStyle, ResolvedKnobs } from '../faults/knobs.js';

/** What the nemesis acts on: the network's nodes, links and knobs, and a guess at the leader. */
export interface NemesisNet {
  readonly run: Run;
  readonly nodes: readonly NetNode[];
  readonly knobs: ResolvedKnobs;
  readonly rates: NetRates;
  readonly faultWindowMs: number;
  readonly assumptions: Assumptions | null;
  readonly broken: string[];
  /** Single processes (`sim.process`): no leader to aim at, crashes only where declared. */
  readonly processes: boolean;
  blocked: Uint8Array | null;
  clogs: Float64Array | null;
  crash(node: NetNode): void;
  startMain(node: NetNode): void;
  leaderGuess(): NetNode | null;
}
import { DRAW_DEFAULT } from '../core/scheduler.js';

/**
 * The nemesis: a timed event loop of its own (Jepsen's name). Every nemesisIntervalMs of the
 * fault window it may start a partition, crash a node or pause one, each a recorded draw; it
 * heals, restarts and resumes them later, and at the end of the window it heals everything at
 * once so the quiet period can demand liveness. Its events belong to no node, so a pause
 * never holds them back.
 */
export class Nemesis {
  private tick = 0;
  private partition: { heal: TimedEvent; detail: string } | null = null;

  constructor(private readonly net: NemesisNet) {}

  /** Called once, when the first node is declared. */
  start(): void {
    const { rates, faultWindowMs, knobs } = this.net;
    const active = rates.partition > 0 || rates.crash > 0 || rates.pause > 0 || (rates.delay > 0 && knobs.clogRate > 0);
    if (active && knobs.nemesisIntervalMs < faultWindowMs) this.scheduleTick();
    if (active) this.net.run.timers.add(faultWindowMs, 'nemesis:quiet', () => this.quiet(), null);
  }

  /** `clock-skew`: a node's drift, drawn once for the run (its crystal survives restarts). */
  drawDrift(node: NetNode): void {
    const run = this.net.run;
    const max = this.net.knobs.driftPpmMax;
    if (max === 0 || !run.chance(this.net.rates.clockSkew, 'nemesis')) return;
    const u = run.drawU32('nemesis');
    if (u === DRAW_DEFAULT) return; // a lenient replay's default: the benign end, no drift
    const ppm = (u % (2 * max + 1)) - max;
    node.setDrift(ppm);
    run.recordFault('clock-skew', `${node.id} drifts ${ppm >= 0 ? '+' : ''}${ppm}ppm`);
    const declared = this.net.assumptions?.maxDriftPpm;
    if (declared !== undefined && Math.abs(ppm) > declared) {
      this.net.broken.push(`clock drift of ${ppm}ppm on ${node.id} exceeded the target's declared maxDriftPpm=${declared}`);
    }
  }

  private scheduleTick(): void {
    const at = (this.tick + 1) * this.net.knobs.nemesisIntervalMs;
    if (at >= this.net.faultWindowMs) return;
    this.tick++;
    this.net.run.timers.add(at, `nemesis#${this.tick}`, () => this.act(), null);
  }

  private act(): void {
    const { run, rates } = this.net;
    if (this.partition === null && run.chance(rates.partition, 'nemesis')) this.startPartition();
    if (run.chance(rates.crash, 'nemesis')) {
      // A process crashes only if it declared what a restart means (sim.process's `restart`).
      const n = this.aimed((x) => x.up && (!this.net.processes || x.restart));
      if (n !== null) this.crash(n);
    }
    if (run.chance(rates.pause, 'nemesis')) {
      const n = this.aimed((x) => x.up && !run.pausedGroups.has(x.id));
      if (n !== null) this.pause(n);
    }
    if (rates.delay > 0 && run.chance(this.net.knobs.clogRate, 'nemesis')) this.clog();
    this.scheduleTick();
  }

  /** A crash or pause target: the leader, leaderBiasPct percent of the time, else any node. */
  private aimed(ok: (n: NetNode) => boolean): NetNode | null {
    // Processes have no leader: the weather's leader aiming applies to network nodes only.
    const bias = this.net.processes ? 0 : this.net.knobs.leaderBiasPct;
    if (bias > 0 && (bias >= 100 || this.net.run.drawU32('nemesis') % 100 < bias)) {
      const leader = this.net.leaderGuess();
      if (leader !== null && ok(leader)) return leader;
    }
    return this.pick(ok);
  }

  private pick(ok: (n: NetNode) => boolean): NetNode | null {
    const candidates = this.net.nodes.filter(ok);
    if (candidates.length === 0) return null;
    return candidates[this.net.run.drawU32('nemesis') % candidates.length]!;
  }

  // ---- partitions ------------------------------------------------------------------------

  private startPartition(): void {
    const { run, nodes, knobs } = this.net;
    const n = nodes.length;
    if (n < 2) return;
    const cut = new Uint8Array(n * n);
    const style = knobs.partitionStyle;
    let detail: string;
    const shape = style === 'mixed' ? run.drawU32('nemesis') % 3 : -1;
    if (shape < 0) detail = this.shaped(cut, style === 'mixed' ? 'symmetric' : style);
    else if (shape === 0) detail = this.split(cut);
    else {
      const a = run.drawU32('nemesis') % n;
      const inbound = shape === 2 || run.drawU32('nemesis') % 2 === 0;
      const outbound = shape === 2 || !inbound;
      for (let b = 0; b < n; b++) {
        if (b === a) continue;
        if (outbound) cut[a * n + b] = 1;
        if (inbound) cut[b * n + a] = 1;
      }
      const id = nodes[a]!.id;
      detail = shape === 2 ? `${id} isolated` : inbound ? `one-way: nothing reaches ${id}` : `one-way: ${id} reaches nobody`;
    }
    this.net.blocked = cut;
    const ms = knobs.nemesisIntervalMs + (knobs.partitionMsMax > 0 ? run.drawU32('nemesis') % knobs.partitionMsMax : 0);
    const heal = run.timers.add(run.clock.now() + ms, `nemesis:heal#${this.tick}`, () => this.heal(), null);
    this.partition = { heal, detail };
    run.recordFault('partition', `${detail} for ${ms}ms`);
  }

  /** One named partition shape (the weather's `partitionStyle`). */
  private shaped(cut: Uint8Array, style: PartitionStyle): string {
    const { run, nodes } = this.net;
    const n = nodes.length;
    const isolate = (a: number, inbound: boolean, outbound: boolean): void => {
      for (let b = 0; b < n; b++) {
        if (b === a) continue;
        if (outbound) cut[a * n + b] = 1;
        if (inbound) cut[b * n + a] = 1;
      }
    };
    switch (style) {
      case 'symmetric':
        return this.split(cut);
      case 'one-way': {
        const a = run.drawU32('nemesis') % n;
        const inbound = run.drawU32('nemesis') % 2 === 0;
        isolate(a, inbound, !inbound);
        return inbound ? `one-way: nothing reaches ${nodes[a]!.id}` : `one-way: ${nodes[a]!.id} reaches nobody`;
      }
      case 'leader': {
        const leader = this.net.leaderGuess();
        const a = leader !== null ? leader.index : run.drawU32('nemesis') % n;
        isolate(a, true, true);
        return `${nodes[a]!.id} isolated (${leader !== null ? 'the leader' : 'no leader known'})`;
      }
      case 'minority': {
        const order = this.shuffled(n);
        const size = 1 + (n >= 5 ? run.drawU32('nemesis') % Math.floor((n - 1) / 2) : 0);
        const minority = new Set(order.slice(0, size));
        for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) if (minority.has(a) !== minority.has(b)) cut[a * n + b] = 1;
        return `minority {${[...minority].sort((x, y) => x - y).map((i) => nodes[i]!.id).join(',')}} cut off`;
      }
      case 'ring': {
        if (n < 4) {
          const a = run.drawU32('nemesis') % n;
          isolate(a, true, true);
          return `${nodes[a]!.id} isolated (a ring needs 4 nodes)`;
        }
        // Each node reaches only its two neighbours on a random ring: every node sees a
        // majority of 5, but no two see the same one (Jepsen's majorities-ring).
        const order = this.shuffled(n);
        const pos = new Array<number>(n);
        order.forEach((node, i) => { pos[node] = i; });
        for (let a = 0; a < n; a++) {
          for (let b = 0; b < n; b++) {
            const d = Math.abs(pos[a]! - pos[b]!);
            if (a !== b && d !== 1 && d !== n - 1) cut[a * n + b] = 1;
          }
        }
        return `ring ${order.map((i) => nodes[i]!.id).join('-')}`;
      }
      default: {
        const a = run.drawU32('nemesis') % n;
        isolate(a, true, true);
        return `${nodes[a]!.id} isolated`;
      }
    }
  }

  /** A seeded permutation of 0..n-1 (Fisher–Yates on fault draws). */
  private shuffled(n: number): number[] {
    const out = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = this.net.run.drawU32('nemesis') % (i + 1);
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  }

  /** Symmetric: every node draws a side; an empty side takes one node from the other. */
  private split(cut: Uint8Array): string {
    const { run, nodes } = this.net;
    const n = nodes.length;
    const side = nodes.map(() => run.drawU32('nemesis') % 2);
    const ones = side.reduce((a, b) => a + b, 0);
    if (ones === 0 || ones === n) side[run.drawU32('nemesis') % n] = ones === 0 ? 1 : 0;
    for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) if (side[a] !== side[b]) cut[a * n + b] = 1;
    const group = (s: number): string => nodes.filter((_, i) => side[i] === s).map((x) => x.id).join(',');
    return `symmetric {${group(0)}} | {${group(1)}}`;
  }

  private heal(): void {
    const p = this.partition;
    if (p === null) return;
    this.partition = null;
    this.net.run.timers.cancel(p.heal);
    this.net.blocked = new Uint8Array(this.net.nodes.length ** 2);
    this.net.run.recordFault('heal', `partition healed (${p.detail})`);
  }

  /** One direction of one link clogs for Exp(clogMsMean) ms (at most 10× the mean). */
  private clog(): void {
    const { run, nodes, knobs } = this.net;
    const n = nodes.length;
    if (n < 2 || knobs.clogMsMean <= 0) return;
    const a = run.drawU32('nemesis') % n;
    const b = (a + 1 + (run.drawU32('nemesis') % (n - 1))) % n;
    const u = run.drawU32('nemesis');
    const ms = Math.min(10 * knobs.clogMsMean, Math.max(1, Math.round(-knobs.clogMsMean * Math.log((u + 1) / 4294967296))));
    const clogs = (this.net.clogs ??= new Float64Array(n * n));
    clogs[a * n + b] = Math.max(clogs[a * n + b]!, run.clock.now() + ms);
    run.recordFault('clog', `${nodes[a]!.id}→${nodes[b]!.id} clogged for ${ms}ms`);
  }

  // ---- crashes and pauses ----------------------------------------------------------------

  /** A node synced: within the window, it may crash at once after (the step that synced ends
   * first: what it sent is sent, what it kept in memory is lost). */
  synced(node: NetNode): void {
    const { run, rates, knobs } = this.net;
    if (knobs.syncCrashRate <= 0 || rates.crash <= 0 || !node.up || run.clock.now() >= this.net.faultWindowMs) return;
    if (!run.chance(knobs.syncCrashRate, 'nemesis')) return;
    const incarnation = node.incarnation;
    run.timers.add(run.clock.now(), `nemesis:sync-crash:${node.id}#${incarnation}`, () => {
      if (node.up && node.incarnation === incarnation) this.crash(node);
    }, null);
  }

  private crash(node: NetNode): void {
    const { run, rates, knobs } = this.net;
    const unsynced = node.store.unsyncedWrites();
    this.net.crash(node);
    run.recordFault('crash', `${node.id} crashed (incarnation ${node.incarnation}, ${unsynced} unsynced writes)`);
    let keep = unsynced;
    if (unsynced > 0 && run.chance(rates.loseUnsynced, 'nemesis')) {
      keep = run.drawU32('nemesis') % unsynced;
      run.recordFault('lose-unsynced', `${node.id} lost the last ${unsynced - keep} of ${unsynced} unsynced writes`);
    }
    node.store.crash(keep);
    const down = 1 + (knobs.crashDownMsMax > 0 ? run.drawU32('nemesis') % knobs.crashDownMsMax : 0);
    node.restartEv = run.timers.add(run.clock.now() + down, `nemesis:restart:${node.id}#${node.incarnation}`, () => this.restart(node), null);
  }

  private restart(node: NetNode): void {
    if (node.up) return;
    if (node.restartEv !== null) this.net.run.timers.cancel(node.restartEv);
    node.restartEv = null;
    this.net.startMain(node);
    this.net.run.recordFault('restart', `${node.id} restarted (incarnation ${node.incarnation})`);
  }

  private pause(node: NetNode): void {
    const { run, knobs } = this.net;
    const ms = 1 + (knobs.pauseMsMax > 0 ? run.drawU32('nemesis') % knobs.pauseMsMax : 0);
    run.pausedGroups.add(node.id);
    node.resumeEv = run.timers.add(run.clock.now() + ms, `nemesis:resume:${node.id}#${this.tick}`, () => this.resume(node), null);
    run.recordFault('pause', `${node.id} paused for ${ms}ms`);
    const declared = this.net.assumptions?.maxPauseMs;
    if (declared !== undefined && ms > declared) {
      this.net.broken.push(`pause of ${ms}ms on ${node.id} exceeded the target's declared maxPauseMs=${declared}`);
    }
  }

  private resume(node: NetNode): void {
    if (node.resumeEv !== null) this.net.run.timers.cancel(node.resumeEv);
    node.resumeEv = null;
    if (!this.net.run.pausedGroups.delete(node.id)) return;
    this.net.run.recordFault('resume', `${node.id} resumed`);
  }

  /** End of the fault window: heal, resume and restart everything; no fault fires after. */
  private quiet(): void {
    this.net.run.recordFault('quiet', `fault window closed at ${this.net.faultWindowMs}ms`);
    this.heal();
    this.net.clogs = null;
    for (const n of this.net.nodes) {
      if (n.resumeEv !== null) this.resume(n);
      if (!n.up) this.restart(n);
    }
  }
}
