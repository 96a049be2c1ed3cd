/**
 * Limits, labels and defaults of the KACLS (docs/services.md, "kacls").
 * Changing a label or the blob layout makes every wrapped key unreadable:
 * bump BLOB_VERSION instead and keep reading the old one.
 */

/** Request frames to /lanchat/kacls/1.0.0 are at most this long (TOO_LARGE otherwise). */
export const MAX_REQUEST_BYTES = 64 * 1024
/** Reply frames: a key and up to 1024 names fit with room to spare. */
export const MAX_RESPONSE_BYTES = 64 * 1024

/** A data-encryption key is 16 to 64 bytes (an AES-128 key up to an AES-256 key with a MAC key beside it). */
export const MIN_KEY_BYTES = 16
export const MAX_KEY_BYTES = 64
/** At most this many usernames may be authorized on one wrapped key. */
export const MAX_AUTHORIZED = 1024
/** A resource is 1 to 512 UTF-8 bytes of printable text. */
export const MAX_RESOURCE_BYTES = 512
/** The caller's stated reason is 0 to 256 characters of printable text. */
export const MAX_REASON_CHARS = 256

/** AES-256-GCM with a 96-bit nonce and a 128-bit tag (NIST SP 800-38D §5.2.1.1, §5.2.1.2), as crypto's seal() makes. */
export const GCM_NONCE_LENGTH = 12
export const GCM_TAG_LENGTH = 16

/** First byte of every wrapped key: the layout below, under AD_LABEL. */
export const BLOB_VERSION = 1
/** version (1) || KEK id (uint32 BE, 4) || nonce (12), then ciphertext || tag (16). */
export const HEADER_BYTES = 1 + 4 + GCM_NONCE_LENGTH
export const MIN_WRAPPED_BYTES = HEADER_BYTES + GCM_TAG_LENGTH
/**
 * The largest payload a valid wrap makes: key (tag, length, 64 bytes), 1024
 * usernames and the wrapper's, each at most 32 bytes (tag, length, name).
 * Anything longer is not ours.
 */
export const MAX_PAYLOAD_BYTES = 2 + MAX_KEY_BYTES + (MAX_AUTHORIZED + 1) * (2 + 32)
export const MAX_WRAPPED_BYTES = HEADER_BYTES + MAX_PAYLOAD_BYTES + GCM_TAG_LENGTH

/** Associated data of a wrapped key: AD_LABEL || version || KEK id || resource (UTF-8). */
export const AD_LABEL = 'lanchat/kacls/wrap/v1'
/** HKDF info deriving the KEK sealing key from NetworkKeys.atRestKey. */
export const KEK_SEAL_INFO = 'lanchat/kacls/kek-seal/v1'
/** Associated data of a sealed KEK: KEK_RECORD_LABEL || version (uint32 BE). */
export const KEK_RECORD_LABEL = 'lanchat/kacls/kek/v1'
/** A KEK is 32 random bytes (AES-256). */
export const KEK_BYTES = 32
/** KEK ids are uint32; version 0 means "no KEK yet". */
export const MAX_KEK_VERSION = 0xffff_ffff

/**
 * Refusals per peer (every refused wrap, unwrap and rewrap counts): this many
 * free, then each further one locks the peer out for twice as long as the last
 * (from LOCKOUT_BASE_MS up to LOCKOUT_MAX_MS). Forgotten after LOCKOUT_WINDOW_MS
 * without a refusal. Requests turned away while locked out are not audited.
 */
export const REFUSALS_FREE = 20
export const LOCKOUT_BASE_MS = 1_000
export const LOCKOUT_MAX_MS = 5 * 60_000
export const LOCKOUT_WINDOW_MS = 10 * 60_000

/** status needs no token: a burst of 20 per peer, then 5 a second. */
export const STATUS_BURST = 20
export const STATUS_PER_SECOND = 5

/** audit() pages: 100 records by default, at most 1000. */
export const DEFAULT_AUDIT_PAGE = 100
export const MAX_AUDIT_PAGE = 1000
