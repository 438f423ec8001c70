/**
 * The fixed timing of the Raft target (issue 3), so that figures compare across runs: a tick is
 * 10 virtual ms; heartbeats every 5 ticks; election timeouts drawn from [15, 30) ticks; the
 * leader's lease 10 ticks, shorter than the smallest election timeout, so a quorum that acked
 * the lease still refuses votes for 5 ticks after it ends.
 */
export const TICK_MS = 10;
export const HEARTBEAT_TICKS = 5;
export const ELECTION_MIN_TICKS = 15;
export const ELECTION_MAX_TICKS = 30;
export const LEASE_TICKS = 10;
/** Swarmkit's WaitForLeader polls the raft status this often. */
export const WAIT_FOR_LEADER_POLL_MS = 50;

/**
 * The margins `correct` declares. A follower refuses votes for at least 140 ms after its last
 * contact (15 ticks, and contact can fall just after a tick); the leader gives up its lease at
 * most 100 ms after the send that a quorum acknowledged. A pause of the old leader delays its
 * IsFollower by up to its length and drift stretches the 100 ms: 100 × 1.002 + 25 + a few ms of
 * scheduling stays below 140 × 0.998.
 */
export const MAX_DRIFT_PPM = 2_000;
export const MAX_PAUSE_MS = 25;
/** Liveness needs a message to cross well within a heartbeat (measured with every message at one
 * constant delay, no faults, 40 seeds: 20 ms passes all, 25 ms fails 23, 30 ms fails all), so
 * the target promises liveness only up to 15 ms. Slower networks are drawn inside the fault
 * window, where only safety is judged. */
export const MAX_ONE_WAY_DELAY_MS = 15;
