/**
 * Limits and timings of role-state replication (docs/replication.md). Every
 * one has a reason beside it; tests and benches override some through
 * ReplicationInit.
 */

/** One protocol for every role: the frames name their doc, and a doc names its role. */
export const REPLICA_PROTOCOL = '/lanchat/replica/1.0.0'

/**
 * A frame carries at most one doc's missing updates: the largest doc is a
 * full mailbox (64 MiB of envelopes, RELAY_DEFAULTS.mailboxMaxBytes) plus the
 * records' overhead.
 */
export const MAX_FRAME_BYTES = 96 * 1024 * 1024

/**
 * Updates to a doc made within this window go out as one frame and are
 * persisted in one LevelDB write on the replica (the spike: 10,000 deposits
 * persisted on the replica at the holder's pace with 5 ms, 272 records/s
 * without; the price is up to 5 ms of lag).
 */
export const BATCH_MS = 5

/**
 * A holder's write waits this long for another eligible node to say it has
 * persisted it; then the write fails retryably (NOT_REPLICATED) while such a
 * node is still live. Under a caller's 10 s deadline (src/services/rpc.ts).
 */
export const DURABLE_TIMEOUT_MS = 5_000

/** How often waiting writes are checked against who is live (a node gone since makes the holder alone). */
export const DURABLE_CHECK_MS = 100

/**
 * A holder answers requests of its role only once it has synced with every
 * live eligible node; one that does not answer is given up on after this long
 * past the warm-up (and the replication status says the holder served before
 * catching up with it).
 */
export const CATCHUP_TIMEOUT_MS = 15_000

/**
 * A request that reaches a holder still catching up is held this long at
 * most, then answered CATCHING_UP (the caller retries): under a caller's
 * 10 s deadline (CALL_TIMEOUT_MS, src/services/rpc.ts), longer than the
 * warm-up plus a sync with a replica in step.
 */
export const HOLD_MS = 6_000

/** At most this many requests of one role are held at once; more are answered CATCHING_UP at once. */
export const MAX_HELD = 256

/**
 * A peer that answered the replica protocol as unsupported is asked again
 * after this long: a node announces itself before its replication has
 * registered the protocol, so the first answer may be "unsupported" from a
 * node that does speak it (an older lanchat is asked again at this pace).
 */
export const UNSUPPORTED_RETRY_MS = 5_000

/**
 * A peer's update that builds on what this node lacks waits this long for it
 * (asked of the peer at once) before its frame fails and the stream ends (the
 * peer's next stream makes up for it): the holder's own wait for a replica
 * (DURABLE_TIMEOUT_MS), so that a write fails for want of its base no later
 * than it would have for want of an answer.
 */
export const BASE_WAIT_MS = 5_000

/**
 * A peer's frame of a role this node's registry does not see it share (it
 * has not heard the peer's announcement yet, or the peer's lease lapsed: one
 * side of a heal sees the other first) waits this long for it, then fails
 * (the stream ends, the peer's next HELLO makes up for it): acknowledged
 * unapplied, the peer would count it as persisted here. As long as a base
 * (BASE_WAIT_MS), and longer than an announce interval (ANNOUNCE_INTERVAL_MS,
 * 3 s), so that a frame that came first is applied once the announcement
 * comes; a peer that keeps sending such frames opens a stream per wait.
 */
export const ROLES_WAIT_MS = 5_000

/** At most this many updates wait for their base at once; more fail their frame (the stream ends). */
export const MAX_WANTING_BASE = 10_000

/** Sessions are checked against the registry's view this often (and on every role change). */
export const RECONCILE_MS = 500

/** A doc is compacted into a new epoch once it has this many deleted records... */
export const COMPACT_MIN_TOMBSTONES = 1_000
/** ...and at least as many deleted records as live ones. */
export const COMPACT_RATIO = 1
/** The holder looks for docs to compact this often. */
export const COMPACT_INTERVAL_MS = 60_000
/** A doc's catalog entry keeps the bases of this many past epochs (a replica further behind carries over everything it has). */
export const KEEP_BASES = 8

/** Persisted updates of a doc are merged into one when a load finds more than this many. */
export const MERGE_PERSISTED_AT = 64
