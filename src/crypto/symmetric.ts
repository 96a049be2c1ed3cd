/**
 * Symmetric primitives over node:crypto (OpenSSL): SHA-256/512, HMAC-SHA256,
 * HKDF-SHA256 and AES-256-GCM, raw and as a sealed box with a random nonce.
 */
import * as nodeCrypto from 'node:crypto'
import { AES_KEY_LENGTH, GCM_NONCE_LENGTH, GCM_TAG_LENGTH } from './constants.js'
import { checkBytes, wipe } from './bytes.js'
import type { Bytes } from './bytes.js'
import { DecryptError, InvalidInputError, InvalidKeyError } from './errors.js'
import { randomBytes, systemRandom } from './random.js'
import type { RandomSource } from './random.js'

export function sha256 (data: Uint8Array): Bytes {
  return nodeCrypto.hash('sha256', data, 'buffer')
}

export function sha512 (data: Uint8Array): Bytes {
  return nodeCrypto.hash('sha512', data, 'buffer')
}

export function hmacSha256 (key: Uint8Array, data: Uint8Array): Bytes {
  return nodeCrypto.createHmac('sha256', key).update(data).digest()
}

/** HKDF-SHA256 (RFC 5869): extract with `salt`, expand with `info` to `length` bytes (at most 255 * 32). */
export function hkdf (ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Bytes {
  checkBytes(ikm, 'ikm')
  checkBytes(salt, 'salt')
  checkBytes(info, 'info')
  if (!Number.isInteger(length) || length < 1 || length > 255 * 32) {
    throw new InvalidInputError('length', 'must be an integer from 1 to 8160 (RFC 5869 §2.3: L <= 255 * HashLen)')
  }
  return new Uint8Array(nodeCrypto.hkdfSync('sha256', ikm, salt, info, length))
}

// ---------------------------------------------------------------- AES-256-GCM

function checkAeadInputs (key: Uint8Array, nonce: Uint8Array, associatedData: Uint8Array | undefined): void {
  checkBytes(key, 'key')
  checkBytes(nonce, 'nonce')
  if (key.byteLength !== AES_KEY_LENGTH) throw new InvalidKeyError('key', `must be ${AES_KEY_LENGTH} bytes (AES-256)`)
  if (nonce.byteLength !== GCM_NONCE_LENGTH) throw new InvalidInputError('nonce', `must be ${GCM_NONCE_LENGTH} bytes`)
  if (associatedData !== undefined) checkBytes(associatedData, 'associatedData')
}

/**
 * AES-256-GCM encryption (NIST SP 800-38D) with a 96-bit nonce and a 128-bit
 * tag. Returns ciphertext || tag. A (key, nonce) pair must never be reused.
 */
export function aesGcmEncrypt (key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, associatedData?: Uint8Array): Bytes {
  checkAeadInputs(key, nonce, associatedData)
  checkBytes(plaintext, 'plaintext')
  const cipher = nodeCrypto.createCipheriv('aes-256-gcm', key, nonce, { authTagLength: GCM_TAG_LENGTH })
  if (associatedData !== undefined && associatedData.byteLength > 0) cipher.setAAD(associatedData)
  const body = cipher.update(plaintext)
  cipher.final()
  const tag = cipher.getAuthTag()
  const out = new Uint8Array(body.byteLength + GCM_TAG_LENGTH)
  out.set(body, 0)
  out.set(tag, body.byteLength)
  return out
}

/** AES-256-GCM decryption of ciphertext || tag. Throws DECRYPT_FAILED, and returns nothing, unless the tag verifies. */
export function aesGcmDecrypt (key: Uint8Array, nonce: Uint8Array, ciphertext: Uint8Array, associatedData?: Uint8Array): Bytes {
  checkAeadInputs(key, nonce, associatedData)
  checkBytes(ciphertext, 'ciphertext')
  if (ciphertext.byteLength < GCM_TAG_LENGTH) throw new DecryptError('ciphertext is shorter than the authentication tag')
  const bodyLength = ciphertext.byteLength - GCM_TAG_LENGTH
  const decipher = nodeCrypto.createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: GCM_TAG_LENGTH })
  decipher.setAuthTag(ciphertext.subarray(bodyLength))
  if (associatedData !== undefined && associatedData.byteLength > 0) decipher.setAAD(associatedData)
  const body = decipher.update(ciphertext.subarray(0, bodyLength))
  try {
    decipher.final()
  } catch {
    wipe(body)
    throw new DecryptError()
  }
  return body
}

/**
 * AEAD with a random nonce, for keys that encrypt many messages (KACLS key
 * wrapping, file chunks): returns nonce (12) || ciphertext || tag (16).
 * Random 96-bit nonces stay safe for up to 2^32 messages per key (SP 800-38D §8.3).
 */
export function seal (key: Uint8Array, plaintext: Uint8Array, associatedData?: Uint8Array, random: RandomSource = systemRandom): Bytes {
  const nonce = randomBytes(GCM_NONCE_LENGTH, random)
  const body = aesGcmEncrypt(key, nonce, plaintext, associatedData)
  const out = new Uint8Array(GCM_NONCE_LENGTH + body.byteLength)
  out.set(nonce, 0)
  out.set(body, GCM_NONCE_LENGTH)
  return out
}

/** Opens what seal() made. Throws DECRYPT_FAILED on any alteration. */
export function open (key: Uint8Array, sealed: Uint8Array, associatedData?: Uint8Array): Bytes {
  checkBytes(sealed, 'sealed')
  if (sealed.byteLength < GCM_NONCE_LENGTH + GCM_TAG_LENGTH) throw new DecryptError('sealed box is too short')
  return aesGcmDecrypt(key, sealed.subarray(0, GCM_NONCE_LENGTH), sealed.subarray(GCM_NONCE_LENGTH), associatedData)
}

