/**
 * The crypto core of lanchat: primitives, X3DH, the Double Ratchet, tokens and
 * fingerprints. docs/crypto.md documents every construction and this API.
 *
 * No I/O here: stores are interfaces (PreKeyStore), state is values in and out,
 * sessions and prekey states serialize to bytes for the caller to persist.
 */

// Types of the vocabulary
export type { Bytes } from './bytes.js'
export { toHex, fromHex, toBase64, fromBase64, equalBytes, concatBytes } from './bytes.js'
export type { Clock, RandomSource, IdentityKeyPair, X25519KeyPair } from './primitives.js'

// Errors
export {
  CryptoError, InvalidKeyError, InvalidInputError, BadSignatureError, DecryptError, MalformedMessageError,
  MaxSkipExceededError, DuplicateMessageError, MessageKeyExpiredError, PreKeyNotFoundError, SessionError, TokenError
} from './errors.js'
export type { CryptoErrorCode, TokenErrorCode } from './errors.js'

// Constants callers configure against
export {
  DEFAULT_MAX_SKIP, DEFAULT_MAX_SKIPPED_KEYS, DEFAULT_SKIPPED_KEY_TTL_MS, DEFAULT_SIGNED_PREKEY_ROTATION_MS,
  DEFAULT_SIGNED_PREKEY_GRACE_MS, DEFAULT_ONE_TIME_PREKEY_BATCH, IDENTITY_TOKEN_TTL_S, AUTHORIZATION_TOKEN_TTL_S,
  DEFAULT_CLOCK_SKEW_S, MAX_USERNAME_BYTES
} from './constants.js'

// Primitives
export {
  systemClock, systemRandom, randomBytes,
  generateIdentityKeyPair, ed25519PublicKey, sign, verify, safeVerify, isSmallOrderEd25519PublicKey,
  generateX25519KeyPair, x25519PublicKey, x25519, edToX25519PublicKey, edToX25519PrivateKey,
  sha256, sha512, hmacSha256, hkdf,
  aesGcmEncrypt, aesGcmDecrypt, seal, open
} from './primitives.js'

// What a key signs: a label and length-prefixed fields
export { transcript, u32, u64 } from './transcript.js'

// Prekeys (Bob's published material)
export {
  createPreKeyState, generateOneTimePreKeys, removeOneTimePreKey, rotateSignedPreKey, findSignedPreKey, findOneTimePreKey,
  signSignedPreKey, verifySignedPreKey, encodeX25519PublicKey, serializePreKeyState, deserializePreKeyState, InMemoryPreKeyStore
} from './prekeys.js'
export type { PreKeyState, PreKeyStore, SignedPreKey, OneTimePreKey, PreKeyOptions, RotationOptions } from './prekeys.js'

// X3DH
export {
  initiateSession, respondToSession, decryptInitialMessage, isSameSession,
  createPreKeyBundle, encodePreKeyBundle, decodePreKeyBundle, verifyPreKeyBundle, decodeInitialMessage,
  associatedData, encodeIdentityKey
} from './x3dh.js'
export type { PreKeyBundle, InitialMessage, InitiateParams, RespondParams, RespondResult } from './x3dh.js'

// Double Ratchet
export {
  encryptMessage, decryptMessage, confirmSession, serializeSession, deserializeSession, listSkippedKeys, countSkippedKeys, expireSkippedKeys
} from './ratchet.js'
export type {
  SessionState, SkippedMessageKey, SkippedKeyChain, SkippedKeys, PendingPreKey, RatchetLimits, RatchetOptions, EncryptResult, DecryptResult
} from './ratchet.js'

// Tokens
export {
  issueIdentityToken, verifyIdentityToken, issueAuthorizationToken, verifyAuthorizationToken, jwkThumbprint, tokenBoundTo
} from './tokens.js'
export type {
  IdentityTokenClaims, AuthorizationTokenClaims, Confirmation, TokenRole, IssueIdentityTokenParams,
  IssueAuthorizationTokenParams, VerifyTokenParams, VerifyAuthorizationTokenParams
} from './tokens.js'

// Fingerprints
export { identityFingerprint, formatFingerprint, safetyNumber, formatSafetyNumber } from './fingerprint.js'
export type { FingerprintParty } from './fingerprint.js'
