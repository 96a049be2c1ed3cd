/**
 * Every constant of the crypto core, with the specification it comes from.
 * docs/crypto.md explains each construction; change nothing here without
 * changing it there (and bumping the version of what it affects).
 *
 * Specifications cited:
 * - [X3DH]   Signal, "The X3DH Key Agreement Protocol", revision 1, 2016-11-04.
 * - [DR]     Signal, "The Double Ratchet Algorithm", revision 1, 2016-11-20
 *            (revision 3, 2025, keeps §3 and renumbers §5/§6 as §7/§8).
 * - [libsignal] Signal's reference implementation (rust/protocol), for the
 *            message-key layout and the numeric fingerprint.
 * - RFC 7748 (X25519), RFC 8032 (Ed25519), RFC 5869 (HKDF), RFC 7638 (JWK
 *   thumbprint), RFC 7800 (cnf), RFC 8725 (JWT best practices), NIST SP 800-38D (GCM).
 */

const utf8 = new TextEncoder()

/** Length of every X25519 and Ed25519 key, public or private (RFC 7748 §5, RFC 8032 §5.1.5). */
export const KEY_LENGTH = 32

/** Ed25519 signature length (RFC 8032 §5.1.6). */
export const SIGNATURE_LENGTH = 64

/** AES-256-GCM: 256-bit key, 96-bit nonce, 128-bit tag (NIST SP 800-38D §5.2.1.1, §5.2.1.2). */
export const AES_KEY_LENGTH = 32
export const GCM_NONCE_LENGTH = 12
export const GCM_TAG_LENGTH = 16

/**
 * Encode(PK) type bytes ([X3DH] §2.2: "some single-byte constant to represent the
 * type of curve, followed by little-endian encoding of the u-coordinate").
 * 0x05 is libsignal's Curve25519 type. Our identity keys are Ed25519 (signing
 * natively instead of XEdDSA), so they get their own type byte: an encoded
 * identity key can never be confused with an encoded X25519 key.
 */
export const KEY_TYPE_X25519 = 0x05
export const KEY_TYPE_ED25519 = 0xed

/** [X3DH] §2.2: F = 32 0xFF bytes before the key material when the curve is X25519 (domain separation from XEdDSA). */
export const X3DH_F: Uint8Array = new Uint8Array(32).fill(0xff)

/** [X3DH] §2.2: HKDF salt = a zero-filled byte sequence of the hash output length (SHA-256: 32). */
export const X3DH_SALT: Uint8Array = new Uint8Array(32)

/** [X3DH] §2.1 "info": an ASCII string identifying the application. */
export const X3DH_INFO: Uint8Array = utf8.encode('lanchat/x3dh/v1')

/**
 * Prefix of the message the identity key signs to certify a signed prekey:
 * Sig(IK, SPK_SIGNATURE_CONTEXT || Encode(SPK)). [X3DH] §3.2 signs Encode(SPK)
 * alone; the identity key of lanchat also signs tokens and group envelopes, so
 * a context label keeps those signatures from ever being reusable as one another.
 */
export const SPK_SIGNATURE_CONTEXT: Uint8Array = utf8.encode('lanchat/x3dh/signed-prekey/v1\0')

/** [X3DH] §3.3: AD carries both identities; we append both usernames, each prefixed by its UTF-8 length (2 bytes, big endian). */
export const MAX_USERNAME_BYTES = 256

/** [DR] §5.2 (rev. 3 §7.2): KDF_RK = HKDF-SHA256(salt = RK, ikm = DH output, info = application-specific). */
export const ROOT_KDF_INFO: Uint8Array = utf8.encode('lanchat/ratchet/root/v1')

/** [DR] §5.2: KDF_CK = HMAC-SHA256(CK, 0x01) for the message key and HMAC-SHA256(CK, 0x02) for the next chain key. */
export const MESSAGE_KEY_SEED: Uint8Array = Uint8Array.of(0x01)
export const CHAIN_KEY_SEED: Uint8Array = Uint8Array.of(0x02)

/**
 * [DR] §5.2 ENCRYPT: HKDF over the message key with a zero salt (32 bytes) gives
 * 80 bytes: cipher key (32) || MAC key (32) || IV (16). The label and layout are
 * libsignal's (rust/protocol, `MessageKeys::derive_keys`) so that libsignal's
 * published chain-key vector checks our real derivation. We use AES-256-GCM
 * with the cipher key and the first 12 bytes of the IV as the nonce; the MAC key
 * is unused (GCM's tag authenticates) but kept so the layout stays libsignal's.
 */
export const MESSAGE_KEY_INFO: Uint8Array = utf8.encode('WhisperMessageKeys')
export const MESSAGE_KEY_SALT: Uint8Array = new Uint8Array(32)
export const MESSAGE_KEY_MATERIAL_LENGTH = 80

/**
 * [DR] §3.5 MAX_SKIP: the most message keys one message may make the receiver
 * skip in one chain. A message needing more is rejected (MAX_SKIP_EXCEEDED).
 * [DR] §3.2 leaves the value to the application; 1000 tolerates a 1,000-message reorder.
 */
export const DEFAULT_MAX_SKIP = 1000

/** [DR] §6.4 (rev. 3 §8.4): store skipped message keys with a count limit; the oldest go first. */
export const DEFAULT_MAX_SKIPPED_KEYS = 2000

/** [DR] §6.4: and delete them after some time. 14 days outlives a relay mailbox's usual holding time. */
export const DEFAULT_SKIPPED_KEY_TTL_MS = 14 * 24 * 60 * 60 * 1000

/** Version of SessionRecord and PreKeyStateRecord (pb/), bumped on any incompatible change. */
export const SESSION_RECORD_VERSION = 1
export const PREKEY_STATE_VERSION = 1

/** Counters are uint32 on the wire ([DR] §3.1 HEADER: PN and N). */
export const MAX_COUNTER = 0xffff_ffff

/** [X3DH] §3.2: Bob replaces his signed prekey periodically (one week here). */
export const DEFAULT_SIGNED_PREKEY_ROTATION_MS = 7 * 24 * 60 * 60 * 1000

/**
 * [X3DH] §3.2: "Bob may keep the private key corresponding to the previous
 * signed prekey around for some period of time, to handle messages using it
 * that have been delayed in transit." Two weeks, for relay mailboxes.
 */
export const DEFAULT_SIGNED_PREKEY_GRACE_MS = 14 * 24 * 60 * 60 * 1000

/** One-time prekeys generated per batch ([X3DH] §3.2 leaves the count to the application). */
export const DEFAULT_ONE_TIME_PREKEY_BATCH = 100

/** JWT lifetimes fixed by DESIGN.md: identity token 24 h, authorization token 1 h. */
export const IDENTITY_TOKEN_TTL_S = 24 * 60 * 60
export const AUTHORIZATION_TOKEN_TTL_S = 60 * 60

/** Clock skew tolerated on exp and iat, in seconds (RFC 7519 §4.1.4 allows "some small leeway"). */
export const DEFAULT_CLOCK_SKEW_S = 60

/** Explicit JWT types (RFC 8725 §3.11), so one kind of token is never accepted as another. */
export const IDENTITY_TOKEN_TYPE = 'lanchat-id+jwt'
export const AUTHORIZATION_TOKEN_TYPE = 'lanchat-authz+jwt'

/**
 * Safety numbers ([libsignal] NumericFingerprintGenerator, as in the Signal
 * apps): version 0 as two bytes, 5200 iterations of SHA-512, 30 digits per party.
 */
export const FINGERPRINT_VERSION = 0
export const FINGERPRINT_ITERATIONS = 5200
