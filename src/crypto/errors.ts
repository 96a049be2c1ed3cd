import { LanchatError } from '../errors.js'

export type CryptoErrorCode =
  | 'INVALID_KEY' | 'INVALID_INPUT' | 'BAD_SIGNATURE' | 'DECRYPT_FAILED' | 'MALFORMED_MESSAGE' | 'MAX_SKIP_EXCEEDED'
  | 'DUPLICATE_MESSAGE' | 'MESSAGE_KEY_EXPIRED' | 'SIGNED_PREKEY_NOT_FOUND' | 'ONE_TIME_PREKEY_NOT_FOUND'
  | 'NO_SENDING_CHAIN' | 'COUNTER_EXHAUSTED' | 'SESSION_CORRUPT' | 'SESSION_MISMATCH' | 'PREKEY_STATE_CORRUPT'
  | TokenErrorCode

/**
 * Errors of the crypto core. Every class has a stable `code`; errors about a
 * particular input carry `field`, the name of that input (e.g. `bundle.signedPreKey`).
 */
export class CryptoError extends LanchatError<CryptoErrorCode> {
  /** The input that was wrong, when there is one. */
  readonly field: string | undefined

  constructor (code: CryptoErrorCode, message: string, field?: string, options?: ErrorOptions) {
    super(code, message, options)
    this.field = field
  }
}

/** A key has the wrong length or encoding, or is a low-order point (code INVALID_KEY). */
export class InvalidKeyError extends CryptoError {
  constructor (field: string, message: string, options?: ErrorOptions) {
    super('INVALID_KEY', `${field}: ${message}`, field, options)
  }
}

/** A non-key input is out of range (code INVALID_INPUT): a username too long, a count below zero. */
export class InvalidInputError extends CryptoError {
  constructor (field: string, message: string) {
    super('INVALID_INPUT', `${field}: ${message}`, field)
  }
}

/** A signature does not verify (code BAD_SIGNATURE): a forged prekey bundle, a tampered record. */
export class BadSignatureError extends CryptoError {
  constructor (field: string, message: string) {
    super('BAD_SIGNATURE', `${field}: ${message}`, field)
  }
}

/**
 * Authenticated decryption failed (code DECRYPT_FAILED): the ciphertext, tag,
 * header or associated data was altered, or the keys do not match. The session
 * is unchanged.
 */
export class DecryptError extends CryptoError {
  constructor (message = 'message failed authentication: it was altered, or was not encrypted for this session') {
    super('DECRYPT_FAILED', message)
  }
}

/** A bytes input could not be decoded or has a bad field (code MALFORMED_MESSAGE). */
export class MalformedMessageError extends CryptoError {
  constructor (field: string, message: string, options?: ErrorOptions) {
    super('MALFORMED_MESSAGE', `${field}: ${message}`, field, options)
  }
}

/**
 * The message would make the receiver skip more than MAX_SKIP message keys
 * (code MAX_SKIP_EXCEEDED, Double Ratchet §3.5). The session is unchanged.
 */
export class MaxSkipExceededError extends CryptoError {
  constructor (needed: number, maxSkip: number) {
    super('MAX_SKIP_EXCEEDED', `message needs ${needed} skipped message keys, more than the limit of ${maxSkip}; it is rejected (a peer this far ahead should start a new session)`)
  }
}

/**
 * The message's key was already used: a replay or a duplicate, or a skipped key
 * that was evicted (code DUPLICATE_MESSAGE). The session is unchanged.
 */
export class DuplicateMessageError extends CryptoError {
  constructor (counter: number) {
    super('DUPLICATE_MESSAGE', `message ${counter} of this chain was already decrypted (replay or duplicate), or its skipped key was evicted`)
  }
}

/** The skipped message key for this message has expired (code MESSAGE_KEY_EXPIRED). The session is unchanged. */
export class MessageKeyExpiredError extends CryptoError {
  constructor (counter: number) {
    super('MESSAGE_KEY_EXPIRED', `the stored key for delayed message ${counter} has expired; the message can no longer be decrypted`)
  }
}

/** A prekey named by an initial message is not in the store (codes SIGNED_PREKEY_NOT_FOUND, ONE_TIME_PREKEY_NOT_FOUND). */
export class PreKeyNotFoundError extends CryptoError {
  constructor (kind: 'signed' | 'one-time', id: number) {
    super(kind === 'signed' ? 'SIGNED_PREKEY_NOT_FOUND' : 'ONE_TIME_PREKEY_NOT_FOUND',
      kind === 'signed'
        ? `signed prekey ${id} is unknown or past its grace period; the sender must fetch a fresh bundle`
        : `one-time prekey ${id} is unknown or already used (a replayed initial message?); the sender must fetch a fresh bundle`,
      kind === 'signed' ? 'signedPreKeyId' : 'oneTimePreKeyId')
  }
}

/**
 * The session cannot do what was asked, or a stored record is unreadable
 * (codes NO_SENDING_CHAIN, COUNTER_EXHAUSTED, SESSION_CORRUPT,
 * SESSION_MISMATCH, PREKEY_STATE_CORRUPT).
 */
export class SessionError extends CryptoError {}

export type TokenErrorCode =
  | 'TOKEN_EXPIRED'
  | 'TOKEN_NOT_YET_VALID'
  | 'TOKEN_BAD_SIGNATURE'
  | 'TOKEN_WRONG_AUDIENCE'
  | 'TOKEN_WRONG_ISSUER'
  | 'TOKEN_WRONG_TYPE'
  | 'TOKEN_MALFORMED'
  | 'TOKEN_CNF_MISMATCH'
  | 'TOKEN_WRONG_RESOURCE'
  | 'TOKEN_INSUFFICIENT_ROLE'

/** A JWT failed verification; `code` says why. */
export class TokenError extends CryptoError {
  declare readonly code: TokenErrorCode

  constructor (code: TokenErrorCode, message: string, field?: string, options?: ErrorOptions) {
    super(code, message, field, options)
  }
}
