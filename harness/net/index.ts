/** The simulated network: nodes, messages, faults and the nemesis. */
export { Network, networkOf, type NetStats } from './network.js';
export { NetNode } from './node.js';
export { DurableStore } from './storage.js';
export {
  DEFAULT_NET_KNOBS, DEFAULT_FAULT_WINDOW_MS, DEFAULT_LIVENESS_MS, DEFAULT_EVENT_LATENCY_MS,
  type NetKnobs, type NetRates,
} from '../faults/knobs.js';
