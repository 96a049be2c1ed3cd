/**
 * The group domain's limits and labels (docs/groups.md). Changing a label
 * makes every stored state and message unverifiable: add a new version instead.
 */

/** A group's id: 16 random bytes as 32 lower-case hex digits. */
export const GROUP_ID = /^[0-9a-f]{32}$/
/** At most this many members in a group (well under the KACLS's 1024 authorized names). */
export const MAX_GROUP_MEMBERS = 256
/** A group's name: 1 to this many characters of printable text. */
export const MAX_GROUP_NAME_CHARS = 64
/** A group envelope (encoded) is at most this many bytes: an 8,000-character text fits with room to spare. */
export const MAX_GROUP_ENVELOPE_BYTES = 64 * 1024
/** A state's time may be this far ahead of the relay's clock. */
export const MAX_STATE_CLOCK_SKEW_MS = 5 * 60_000
/** An epoch key is 32 random bytes (AES-256 after HKDF). */
export const EPOCH_KEY_BYTES = 32

/** What an identity key signs (transcript labels). */
export const STATE_LABEL = 'lanchat/group/state/v1'
export const LEAVE_LABEL = 'lanchat/group/leave/v1'
export const ENVELOPE_LABEL = 'lanchat/group/envelope/v1'
/** HKDF info label of a sender's message key ("Keys"). */
export const SENDER_KEY_LABEL = 'lanchat/group/sender-key/v1'
/** Label of the AES-GCM associated data of a group message. */
export const MESSAGE_AD_LABEL = 'lanchat/group/message/v1'
