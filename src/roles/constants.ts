import type { Role } from './election.js'

/** The three service roles, in the order the election assigns them. */
export const ROLES: readonly Role[] = ['relay', 'idp', 'kacls']

/** Every node announces itself this often (and at once when its roles change or a peer subscribes). */
export const ANNOUNCE_INTERVAL_MS = 3_000
/** A node is live while its last announcement is younger than this: four missed announcements. */
export const LEASE_MS = 12_000
/**
 * When the last connection to a live node closes, it is dialled again at once and stays live until that dial ends,
 * at most this long: a node that is gone refuses the dial at once (its roles move then), one that lives answers (a
 * connection reset while it lives is a blip, and moves nothing). Bounded by one election interval: a dial that hangs
 * (the node's host unreachable) counts the node as gone after it.
 */
export const REDIAL_MS = ANNOUNCE_INTERVAL_MS
/**
 * A node is settled once it has run this long (by its own clock). Until then it
 * takes no role another live node already holds, so a node that comes and goes
 * cannot make roles flap.
 */
export const SETTLE_MS = 12_000
/**
 * After starting, a node serves no elected role for this long: enough to hear
 * the others' announcements, so a restarted node never answers as a holder
 * for the moment before it learns that someone else holds the role.
 */
export const WARMUP_MS = ANNOUNCE_INTERVAL_MS + 1_500
/**
 * How far an announcement's clock may be from ours. LAN machines without
 * internet often lack NTP; replays are stopped by sequence numbers anyway.
 */
export const MAX_CLOCK_SKEW_MS = 120_000
/** A sealed announcement larger than this is dropped unread. */
export const MAX_ANNOUNCEMENT_BYTES = 8 * 1024
/** Limits on the repeated fields of an announcement. */
export const MAX_ADDRS = 16
/** Replicas a holder reports per role it serves (docs/replication.md, "Replicas in the roles view"). */
export const MAX_REPLICAS_PER_ROLE = 16
/** Replicas in one announcement, all roles together (~100 bytes each: the announcement stays under 8 KiB). */
export const MAX_REPLICAS = MAX_REPLICAS_PER_ROLE * 3
/**
 * A former holder's tenure is kept this long after it ended: the longest life
 * of a token it may have issued (an identity token: 24 h), and the skew.
 */
export const TENURE_KEEP_MS = 24 * 3600_000 + MAX_CLOCK_SKEW_MS
/** The view is written to the store at most this often. */
export const PERSIST_INTERVAL_MS = 5_000
