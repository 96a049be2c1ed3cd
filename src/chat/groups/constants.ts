/** Defaults of the member side of groups (docs/groups.md). */
/** The direct stream that tells a member's node to ask the relay about a group. */
export const POKE_PROTOCOL = '/lanchat/group/poke/1.0.0'
/** Seqs below the highest seen, per (epoch, sender), that may still come out of order; older ones are refused as replays. */
export const REPLAY_WINDOW = 1024
/** Seen seqs are written this long after a message, many at once. */
export const WINDOW_SAVE_MS = 250
/** Envelopes waiting for a state or key this node does not have yet, per group. */
export const MAX_PENDING_ENVELOPES = 1000
/** Envelopes posted to the relay at once. */
export const POST_BATCH = 64
/** Messages asked of the relay at once. */
export const FETCH_BATCH = 200

export interface GroupsInit {
  /** The relay is asked about every group this often (default 10 s), besides on pokes, logins and reconnects. */
  pollIntervalMs?: number
  /**
   * A pending leave request is turned into the next epoch by the remaining
   * member ranked first (admins, then the others, by username) at once, the
   * second after this long, and so on (default 2 s), so one of them does it
   * even when others are away, without all of them trying at once.
   */
  leaveStaggerMs?: number
  /**
   * A message published on the topic at once is posted to the relay's history
   * this long after (default 100 ms), with whatever else was sent meanwhile:
   * one request per burst, and the live fanout goes first.
   */
  postLingerMs?: number
  /** Posting to the relay is retried after this long, doubling (default 1 s)... */
  retryMinMs?: number
  /** ...up to this long (default 30 s). */
  retryMaxMs?: number
  /** A membership change that keeps losing the compare-and-swap gives up after this many attempts (default 8). */
  maxChangeAttempts?: number
  /**
   * This user's messages a relay took are kept, the newest this many per
   * group (default 1,000), so that a fork undoing the state they were sealed
   * under can send them again (docs/groups.md, "Forks").
   */
  sentLogMax?: number
}

export const GROUPS_DEFAULTS: Required<GroupsInit> = {
  pollIntervalMs: 10_000,
  leaveStaggerMs: 2_000,
  postLingerMs: 100,
  retryMinMs: 1_000,
  retryMaxMs: 30_000,
  maxChangeAttempts: 8,
  sentLogMax: 1000
}
