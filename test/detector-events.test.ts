// The detectors listen to events; they need no network. This test emits a node's events into a
// NetEvents hub by hand, with the detectors attached as the engine attaches them (safety first,
// then leadership), and checks what they find, what they stay silent on, and the leader oracle
// the nemesis asks.
import t from 'tap';
import { NetEvents } from '../dist/harness/net/events.js';
import { RaftSafetyChecker } from '../dist/harness/check/raft-safety.js';
import { LeadershipChecker } from '../dist/harness/check/leadership.js';
import { leaderOracle } from '../dist/harness/check/leader-oracle.js';

/** Just enough of a run for the detectors: a step count, a clock, and a record of findings. */
class FakeRun {
  step = 0;
  readonly current = null;
  readonly found: string[] = [];
  readonly clock = { now: (): number => this.step };
  get finished(): boolean {
    return this.found.length > 0;
  }
  violate(v: { kind: string }): boolean {
    this.found.push(v.kind);
    return true;
  }
  abort(e: Error): void {
    this.found.push(`usage: ${e.message}`);
  }
}

function attached(): { run: FakeRun; events: NetEvents; oracle: { leaderTerm(id: string): number }; told: string[] } {
  const run = new FakeRun();
  const safety = new RaftSafetyChecker(run, () => '');
  const leadership = new LeadershipChecker(run as never, 500, () => '', () => false);
  const events = new NetEvents(run);
  events.listen(safety);
  events.listen(leadership);
  const told: string[] = [];
  events.listen({ signal: (n, role, term) => told.push(`${n.id} ${role} ${term}`), crashed: (n) => told.push(`${n.id} crashed`) });
  return { run, events, oracle: leaderOracle(leadership, safety), told };
}

const n1 = { id: 'n1', incarnation: 1, up: true };
const n2 = { id: 'n2', incarnation: 1, up: true };

t.test('two leaders of one term: found, and the listeners after the finding are not told', async (t) => {
  const { run, events, told } = attached();
  run.step++;
  events.signal(n1, 'leader', 1);
  run.step++;
  events.signal(n2, 'leader', 1);
  t.equal(run.found[0], 'duplicate-leadership', 'the leadership detector finds it');
  t.same(told, ['n1 leader 1'], 'the signal that ended the run reached no later listener');
});

t.test('a signal whose term went down: Raft safety, attached first, finds it', async (t) => {
  const { run, events, told } = attached();
  run.step++;
  events.observe(n1, { role: 'follower', term: 5, commitIndex: 0, lastLogIndex: 0 });
  run.step++;
  events.signal(n1, 'leader', 3);
  t.same(run.found, ['report-contract'], 'the term went down within one incarnation');
  t.same(told, [], 'no later listener heard the signal');
});

t.test('a clean hand-over of leadership: silent, and the oracle follows it', async (t) => {
  const { run, events, oracle, told } = attached();
  run.step++;
  events.signal(n1, 'leader', 1);
  t.equal(oracle.leaderTerm('n1'), 1, 'n1 leads term 1');
  t.equal(oracle.leaderTerm('n2'), -1, 'n2 leads nothing');
  run.step++;
  events.signal(n1, 'follower', 2);
  run.step++;
  events.signal(n2, 'leader', 2);
  t.equal(oracle.leaderTerm('n1'), -1, 'n1 stepped down');
  t.equal(oracle.leaderTerm('n2'), 2, 'n2 leads term 2');
  run.step++;
  events.crashed(n2);
  t.equal(oracle.leaderTerm('n2'), -1, 'a crash ends its leadership');
  run.step++;
  events.observe(n1, { role: 'leader', term: 3, commitIndex: 0, lastLogIndex: 0 });
  t.equal(oracle.leaderTerm('n1'), 3, 'without a signal, an observation as leader names the term');
  t.same(run.found, [], 'no finding');
  t.same(told, ['n1 leader 1', 'n1 follower 2', 'n2 leader 2', 'n2 crashed'], 'every listener heard every event');
});

t.test('an application that differs at one index: found from applied events alone', async (t) => {
  const { run, events } = attached();
  run.step++;
  events.applied(n1, 1, 'a', 1);
  run.step++;
  events.applied(n2, 1, 'a', 1);
  t.same(run.found, [], 'the same entry twice is fine');
  run.step++;
  events.applied(n2, 2, 'b', 1);
  run.step++;
  events.applied(n1, 2, 'c', 1);
  t.same(run.found, ['state-machine-safety'], 'two entries at index 2');
});
