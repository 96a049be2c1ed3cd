/**
 * Key fingerprints for people to compare (DESIGN.md "Identity").
 *
 * - identityFingerprint: SHA-256 of the raw Ed25519 identity key.
 * - safetyNumber: Signal's numeric fingerprint (libsignal
 *   NumericFingerprintGenerator, the "safety number" of the Signal apps), with
 *   lanchat's Encode(IK) as the key and the UTF-8 username as the stable
 *   identifier: for each party, hash = version (2 bytes) || key || id, then
 *   5200 times hash = SHA-512(hash || key); the first 30 bytes make six
 *   5-byte big-endian chunks, each reduced mod 100000 to 5 digits. The two
 *   30-digit halves are concatenated in sorted order, so both sides see the
 *   same 60 digits.
 */
import { createHash } from 'node:crypto'
import { FINGERPRINT_ITERATIONS, FINGERPRINT_VERSION } from './constants.js'
import { checkKey, toHex, usernameBytes } from './bytes.js'
import type { Bytes } from './bytes.js'
import { InvalidInputError } from './errors.js'
import { sha256 } from './primitives.js'
import { encodeIdentityKey } from './x3dh.js'

/** SHA-256 of an Ed25519 identity public key (32 bytes). */
export function identityFingerprint (identityKey: Uint8Array): Bytes {
  checkKey(identityKey, 'identityKey')
  return sha256(identityKey)
}

/** A fingerprint as 16 groups of 4 hex digits, for display. */
export function formatFingerprint (fingerprint: Uint8Array): string {
  return toHex(fingerprint).match(/.{1,4}/g)?.join(' ') ?? ''
}

/**
 * One party's 30 digits. Exported for the cross-check against libsignal (the
 * construction is generic over the key encoding and identifier bytes).
 */
export function fingerprintDigits (encodedKey: Uint8Array, identifier: Uint8Array, iterations: number = FINGERPRINT_ITERATIONS): string {
  if (!Number.isInteger(iterations) || iterations < 1) throw new InvalidInputError('iterations', 'must be a positive integer')
  const version = Uint8Array.of(FINGERPRINT_VERSION >>> 8, FINGERPRINT_VERSION & 0xff)
  let hash: Buffer = Buffer.concat([version, encodedKey, identifier])
  for (let i = 0; i < iterations; i++) {
    hash = createHash('sha512').update(hash).update(encodedKey).digest()
  }
  let digits = ''
  for (let i = 0; i < 6; i++) {
    const chunk = hash.readUIntBE(i * 5, 5) % 100000
    digits += chunk.toString().padStart(5, '0')
  }
  return digits
}

export interface FingerprintParty {
  readonly identityKey: Uint8Array
  readonly username: string
}

/** The 60-digit safety number of two users: the same string on both sides, and different when either key changes. */
export function safetyNumber (local: FingerprintParty, remote: FingerprintParty, iterations: number = FINGERPRINT_ITERATIONS): string {
  const a = fingerprintDigits(encodeIdentityKey(local.identityKey), usernameBytes(local.username, 'local.username'), iterations)
  const b = fingerprintDigits(encodeIdentityKey(remote.identityKey), usernameBytes(remote.username, 'remote.username'), iterations)
  return a <= b ? a + b : b + a
}

/** "12345 67890 ..." : 12 groups of 5 digits, as the Signal apps show it. */
export function formatSafetyNumber (digits: string): string {
  if (!/^\d{60}$/.test(digits)) throw new InvalidInputError('digits', 'must be 60 decimal digits')
  return digits.match(/\d{5}/g)?.join(' ') ?? ''
}
