/**
 * Limits and defaults of the relay service (docs/services.md, relay). The
 * RELAY_DEFAULTS are what `new RelayService(components)` uses; any of them
 * can be overridden through the optional `init` argument.
 */

const KiB = 1024
const MiB = 1024 * KiB
const DAY_MS = 24 * 3600_000

/** A request frame larger than this is refused by the framework with TOO_LARGE. */
export const MAX_REQUEST_BYTES = 512 * KiB
/** A reply frame larger than this is refused by the caller. */
export const MAX_RESPONSE_BYTES = 4 * MiB

/** A deposited envelope (opaque ciphertext) is at most this big (TOO_LARGE otherwise). */
export const MAX_ENVELOPE_BYTES = 256 * KiB
/** A message id is 1 to this many characters (code points). */
export const MAX_MESSAGE_ID_CHARS = 128
/** fetch returns at most this many messages at once; `limit: 0` means this many. */
export const MAX_FETCH_LIMIT = 500
/**
 * fetch stops adding messages once their envelopes reach this many bytes, so
 * that a reply stays under MAX_RESPONSE_BYTES (at least one message is always
 * returned: one envelope is far below the reply limit).
 */
export const FETCH_REPLY_BUDGET_BYTES = 3 * MiB + 512 * KiB
/** ack takes at most this many ids at once (also the protobuf decode limit). */
export const MAX_ACK_IDS = 500

/** publishBundle takes at most this many one-time prekeys at once (also the protobuf decode limit). */
export const MAX_PREKEYS_PER_PUBLISH = 200

/** A resource name (for authorize and aclSet) is 1 to this many characters. */
export const MAX_RESOURCE_CHARS = 256
/** A share ACL lists at most this many readers, and as many writers. */
export const MAX_ACL_MEMBERS = 1000
/** The prefix of the resources whose ACL aclSet manages. */
export const SHARE_PREFIX = 'share/'

/** The prefix of group epoch resources (group/<id>/epoch/<n>), whose policy is group membership. */
export const GROUP_PREFIX = 'group/'
/** groupStates returns at most this many states at once (a state is at most ~40 KiB). */
export const MAX_GROUP_STATES_PER_REPLY = 64
/** groupPost takes at most this many envelopes at once (also the protobuf decode limit). */
export const MAX_GROUP_POST = 64
/** groupFetch returns at most this many messages at once; `limit: 0` means this many. */
export const MAX_GROUP_FETCH = 500

export interface RelayInit {
  /** Mail held for one recipient: at most this many messages (default 10,000). */
  mailboxMaxMessages?: number
  /** Mail held for one recipient: at most this many envelope bytes (default 64 MiB). */
  mailboxMaxBytes?: number
  /** Mail from one sender held for one recipient: at most this many messages (default 2,500: a quarter of a mailbox)... */
  mailboxSenderMaxMessages?: number
  /** ...and this many envelope bytes (default 16 MiB), so one sender cannot fill a mailbox for everyone. */
  mailboxSenderMaxBytes?: number
  /** Mail held by the relay for everyone together: at most this many envelope bytes (default 1 GiB). */
  relayMaxBytes?: number
  /** Mail is kept this long, then never returned and deleted (default 7 days). */
  mailTtlMs?: number
  /** Expired mail is pruned this often (default 10 minutes), besides on fetch and on a full mailbox. */
  pruneIntervalMs?: number
  /** One-time prekeys stored per user (default 200). */
  maxOneTimePrekeys?: number
  /** fetchBundle per requesting user: bursts of this many (default 10)... */
  bundleFetchBurst?: number
  /** ...refilled at this rate (default 0.2 a second: 12 a minute). */
  bundleFetchPerSecond?: number
  /** Every method, per user: bursts of this many requests (default 200)... */
  userBurst?: number
  /** ...refilled at this rate (default 50 a second). */
  userPerSecond?: number
  /** Every method, per calling node, before its token is checked: bursts of this many (default 400)... */
  peerBurst?: number
  /** ...refilled at this rate (default 100 a second). */
  peerPerSecond?: number
  /** Group history: at most this many messages kept per group, the oldest dropped first (default 50,000). */
  groupMaxMessages?: number
  /** Group history: at most this many envelope bytes kept per group, the oldest dropped first (default 128 MiB). */
  groupMaxBytes?: number
}

export const RELAY_DEFAULTS: Required<RelayInit> = {
  mailboxMaxMessages: 10_000,
  mailboxMaxBytes: 64 * MiB,
  mailboxSenderMaxMessages: 2_500,
  mailboxSenderMaxBytes: 16 * MiB,
  relayMaxBytes: 1024 * MiB,
  mailTtlMs: 7 * DAY_MS,
  pruneIntervalMs: 10 * 60_000,
  maxOneTimePrekeys: 200,
  bundleFetchBurst: 10,
  bundleFetchPerSecond: 0.2,
  userBurst: 200,
  userPerSecond: 50,
  peerBurst: 400,
  peerPerSecond: 100,
  groupMaxMessages: 50_000,
  groupMaxBytes: 128 * MiB
}
