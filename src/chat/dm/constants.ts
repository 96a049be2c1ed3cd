import { MAX_ENVELOPES_PER_FRAME } from '../transport.js'
import type { ErrorCode } from '../../errors.js'

/** Sends to one contact stored (and, with a session ready, encrypted) in one write at most. */
export const COMMIT_BATCH = 64

/** Retry backoff for a contact's outbox: 1 s doubling to 60 s. */
export const RETRY_MIN_MS = 1_000
export const RETRY_MAX_MS = 60_000

/**
 * Direct delivery sends frames of this many envelopes (the protocol allows up
 * to MAX_ENVELOPES_PER_FRAME), up to FRAMES_IN_FLIGHT of them on the wire at
 * once: smaller frames are answered sooner, so the recipient's work and ours
 * overlap more (measured with `npm run bench -- dm`). A delivery round takes
 * SEND_FRAME x FRAMES_IN_FLIGHT entries of the outbox.
 */
export const SEND_FRAME = Math.min(128, MAX_ENVELOPES_PER_FRAME)
export const FRAMES_IN_FLIGHT = 8

/**
 * A delivery round that could not reach the contact's node puts at most this
 * many entries into the relay's mailbox, then ends: the next round tries the
 * node first again, so a contact that is back gets the rest straight away
 * instead of after the whole round went through the (rate-limited) relay.
 */
export const RELAY_ROUND = 64

/** The relay mailbox is checked (and the prekeys at the relay topped up) this often while logged in. */
export const MAILBOX_POLL_MS = 15_000
/** A failed prekey publication is tried again after this long, doubling up to MAILBOX_POLL_MS. */
export const PREKEY_RETRY_MIN_MS = 1_000
/** Mail taken from the relay per request. */
export const FETCH_BATCH = 200

/** A message id is 1 to this many characters. */
export const MAX_ID_LENGTH = 64
/** Receipts name at most this many message ids (more are ignored). */
export const MAX_RECEIPT_IDS = 1000
/** Sessions kept per contact: the active one, then older ones whose messages may still arrive. */
export const MAX_SESSIONS = 4

/** One-time prekeys kept at the relay; replenished below LOW_WATER (X3DH §3.2). */
export const RELAY_STOCK = 100
export const LOW_WATER = 25
/** Direct one-time prekeys (handed to a peer that asked us) are kept at most this many. */
export const MAX_DIRECT_PREKEYS = 200

/** Rejections after which the contact's session is dropped and a new one started. */
export const RESET_CODES: ReadonlySet<string> = new Set<ErrorCode>([
  'DECRYPT_FAILED', 'MESSAGE_KEY_EXPIRED', 'NO_SESSION', 'SIGNED_PREKEY_NOT_FOUND', 'ONE_TIME_PREKEY_NOT_FOUND', 'SESSION_MISMATCH', 'MALFORMED_MESSAGE'
])
/** Rejections a retry cannot change (the recipient refused what the message says): it leaves the outbox, failed. */
export const FINAL_CODES: ReadonlySet<string> = new Set<ErrorCode>(['NOT_AUTHOR'])
/**
 * Rejections of relayed mail that may pass on a later try: the mail is left at the relay. LOOKUP_FAILED: this node
 * could not ask the directory about the sender (the idp away, or refusing this node's token after a partition).
 */
export const RETRY_LATER_CODES: ReadonlySet<string> = new Set<ErrorCode>(['INTERNAL', 'MAX_SKIP_EXCEEDED', 'LOOKUP_FAILED'])
