import { timingSafeEqual } from 'node:crypto'
import { InvalidInputError, InvalidKeyError, MalformedMessageError } from './errors.js'
import { KEY_LENGTH, MAX_USERNAME_BYTES } from './constants.js'

/** Bytes owned by an ordinary ArrayBuffer (what node:crypto and protons return). */
export type Bytes = Uint8Array<ArrayBuffer>

const utf8 = new TextEncoder()

export function concatBytes (...parts: readonly Uint8Array[]): Bytes {
  let length = 0
  for (const p of parts) length += p.byteLength
  const out = new Uint8Array(length)
  let offset = 0
  for (const p of parts) {
    out.set(p, offset)
    offset += p.byteLength
  }
  return out
}

/** Equality that takes the same time wherever the first difference is (lengths are public). */
export function equalBytes (a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && timingSafeEqual(a, b)
}

/** A copy owned by its own ArrayBuffer, so a caller's later writes cannot change our state. */
export function copyBytes (a: Uint8Array): Bytes {
  return new Uint8Array(a)
}

/** Overwrites secret intermediates we own once they are used ([DR] §6.1 secure deletion, best effort in JS). */
export function wipe (...arrays: ReadonlyArray<Uint8Array | undefined>): void {
  for (const a of arrays) a?.fill(0)
}

export function toBase64Url (bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url')
}

export function toHex (bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')
}

/** The bytes of a hex string (as toHex writes it). */
export function fromHex (hex: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(Buffer.from(hex, 'hex'))
}

/** Bytes as standard base64 (how stored records keep bytes inside JSON). */
export function toBase64 (bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')
}

export function fromBase64 (text: string): Bytes {
  return new Uint8Array(Buffer.from(text, 'base64'))
}

/** The key of a Map that indexes values by bytes (base64 is the cheapest string node makes). */
export function mapKey (bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')
}

/** Checks a key at the API boundary: a Uint8Array of exactly 32 bytes. */
export function checkKey (value: unknown, field: string): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new InvalidKeyError(field, 'must be a Uint8Array')
  if (value.byteLength !== KEY_LENGTH) throw new InvalidKeyError(field, `must be ${KEY_LENGTH} bytes, got ${value.byteLength}`)
  return value
}

/** Checks a key field of a decoded message: 32 bytes, else MALFORMED_MESSAGE naming the field. */
export function checkWireKey (value: Uint8Array | undefined, field: string): Bytes {
  if (value === undefined || value.byteLength !== KEY_LENGTH) {
    throw new MalformedMessageError(field, `must be a ${KEY_LENGTH}-byte key, got ${value === undefined ? 'nothing' : `${value.byteLength} bytes`}`)
  }
  return value as Bytes
}

export function checkBytes (value: unknown, field: string): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new TypeError(`${field} must be a Uint8Array`)
  return value
}

/** A username as bytes: a well-formed, non-empty string of at most MAX_USERNAME_BYTES UTF-8 bytes. */
export function usernameBytes (value: unknown, field: string): Bytes {
  if (typeof value !== 'string' || value.length === 0) throw new InvalidInputError(field, 'must be a non-empty string')
  // Lone surrogates would all encode to U+FFFD: two different names, one AD.
  if (!value.isWellFormed()) throw new InvalidInputError(field, 'must be well-formed Unicode')
  const bytes = utf8.encode(value)
  if (bytes.byteLength > MAX_USERNAME_BYTES) throw new InvalidInputError(field, `must be at most ${MAX_USERNAME_BYTES} UTF-8 bytes`)
  return bytes
}

export function checkUint32 (value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0xffff_ffff) {
    throw new InvalidInputError(field, 'must be an integer from 0 to 2^32 - 1')
  }
  return value
}

