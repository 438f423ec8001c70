/**
 * Targets shipped with interleave, by name. Paths are relative to this compiled file
 * (dist/harness/target/), pointing at dist/targets/.
 */
export const BUNDLED: readonly { name: string; group: string; module: string }[] = [
  { name: 'bounded-buffer', group: 'condvar', module: '../../targets/condvar/bounded-buffer/index.js' },
  { name: 'latch', group: 'condvar', module: '../../targets/condvar/latch/index.js' },
  { name: 'wait-unlock-misuse', group: 'condvar', module: '../../targets/condvar/wait-unlock-misuse/index.js' },
  { name: 'raft', group: 'raft', module: '../../targets/raft/index.js' },
  { name: 'liferaft', group: 'host', module: '../../targets/liferaft/index.js' },
];
