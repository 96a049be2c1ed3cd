/**
 * Field checks of KACLS requests: each refuses with a typed error naming the
 * field, before anything is decrypted, written or counted as done.
 */
import { CONTROL_CHARS, isPrintable } from '../../text.js'
import { ServiceError } from '../errors.js'
import { canonicalUsername } from '../../usernames.js'
import { MAX_AUTHORIZED, MAX_KEY_BYTES, MAX_REASON_CHARS, MAX_RESOURCE_BYTES, MIN_KEY_BYTES } from './constants.js'

const utf8 = new TextEncoder()

/** A resource: 1 to MAX_RESOURCE_BYTES UTF-8 bytes of well-formed, printable text, compared exactly (no normalization). */
export function checkResource (resource: string): string {
  if (resource.length === 0) throw new ServiceError('BAD_REQUEST', 'resource: name what the key protects, e.g. group/<id>/<epoch>')
  if (!isPrintable(resource)) throw new ServiceError('BAD_REQUEST', 'resource: must be printable, well-formed text')
  if (utf8.encode(resource).byteLength > MAX_RESOURCE_BYTES) throw new ServiceError('BAD_REQUEST', `resource: at most ${MAX_RESOURCE_BYTES} UTF-8 bytes`)
  return resource
}

/** The caller's stated reason: 0 to MAX_REASON_CHARS characters of printable text. */
export function checkReason (reason: string): string {
  if (!isPrintable(reason)) throw new ServiceError('BAD_REQUEST', 'reason: must be printable, well-formed text')
  if ([...reason].length > MAX_REASON_CHARS) throw new ServiceError('BAD_REQUEST', `reason: at most ${MAX_REASON_CHARS} characters`)
  return reason
}

/** A data-encryption key of MIN_KEY_BYTES to MAX_KEY_BYTES bytes. */
export function checkDataKey (key: Uint8Array): Uint8Array {
  if (key.byteLength < MIN_KEY_BYTES || key.byteLength > MAX_KEY_BYTES) {
    throw new ServiceError('BAD_REQUEST', `key: a data-encryption key is ${MIN_KEY_BYTES} to ${MAX_KEY_BYTES} bytes, got ${key.byteLength}`)
  }
  return key
}

/**
 * The canonical authorized list: every name a valid username (BAD_USERNAME
 * naming the first bad one), lower-cased as the idp does, deduplicated,
 * sorted; 1 to MAX_AUTHORIZED names.
 */
export function canonicalAuthorized (names: readonly string[]): string[] {
  if (names.length === 0) throw new ServiceError('BAD_REQUEST', 'authorized: name at least one user (the caller must be one of them)')
  if (names.length > MAX_AUTHORIZED) throw new ServiceError('BAD_REQUEST', `authorized: at most ${MAX_AUTHORIZED} users`)
  const canonical = names.map((name, i) => {
    try {
      return canonicalUsername(name)
    } catch (err) {
      throw new ServiceError('BAD_USERNAME', `authorized[${i}]: ${(err as Error).message}`)
    }
  })
  // Usernames are ASCII (canonicalUsername), so code-unit order is byte order.
  return [...new Set(canonical)].sort()
}

/** A request string as the audit log keeps it whether or not it was valid: bounded, printable, well-formed. */
export function auditText (value: string, maxChars: number): string {
  const chars = [...value.toWellFormed()]
  const kept = chars.slice(0, maxChars).join('').replace(new RegExp(CONTROL_CHARS.source, 'gu'), '\uFFFD')
  return chars.length > maxChars ? `${kept}…` : kept
}
