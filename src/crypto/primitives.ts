/**
 * Primitives over node:crypto (OpenSSL), the hot path: X25519, Ed25519,
 * AES-256-GCM, HKDF-SHA256, HMAC-SHA256, SHA-256/512 and randomness.
 * @noble/curves serves only where node:crypto has no API: the X25519 form of
 * an Ed25519 key (RFC 7748 §4.1 birational map).
 *
 * Keys cross this API as raw bytes (32-byte X25519 keys, 32-byte Ed25519
 * public keys and seeds). Parsing them into KeyObjects is cached (keycache.ts).
 */
import * as nodeCrypto from 'node:crypto'
import type { KeyObject } from 'node:crypto'
import { ed25519 } from '@noble/curves/ed25519.js'
import { AES_KEY_LENGTH, GCM_NONCE_LENGTH, GCM_TAG_LENGTH, KEY_LENGTH, SIGNATURE_LENGTH } from './constants.js'
import { checkBytes, checkKey, copyBytes, equalBytes, mapKey, wipe } from './bytes.js'
import type { Bytes } from './bytes.js'
import { DecryptError, InvalidInputError, InvalidKeyError } from './errors.js'
import { LruCache } from './keycache.js'

export type { Bytes }

/** Returns `length` random bytes. Injected where tests need determinism; the default is the OS CSPRNG. */
export type RandomSource = (length: number) => Uint8Array

/** Milliseconds since the Unix epoch. Injected where expiry must be testable. */
export type Clock = () => number

/**
 * Small requests (nonces, keys) are served from a pool refilled by the OS
 * CSPRNG 16 KiB at a time: one call into OpenSSL instead of one per nonce,
 * which was a measurable share of sealing a message. Every byte is used once;
 * callers get copies (randomBytes) or fresh buffers, never the pool itself.
 */
const POOL_BYTES = 16 * 1024
let pool = Buffer.alloc(0)
let poolOffset = 0
export const systemRandom: RandomSource = length => {
  if (length > 256) return nodeCrypto.randomBytes(length)
  if (poolOffset + length > pool.length) {
    pool = nodeCrypto.randomBytes(POOL_BYTES)
    poolOffset = 0
  }
  const out = Buffer.from(pool.subarray(poolOffset, poolOffset + length))
  pool.fill(0, poolOffset, poolOffset + length)
  poolOffset += length
  return out
}
export const systemClock: Clock = () => Date.now()

/** A key pair as raw bytes. For X25519 both halves are 32 bytes. */
export interface X25519KeyPair {
  readonly publicKey: Bytes
  readonly privateKey: Bytes
}

/**
 * A user's identity key IK: Ed25519, `privateKey` being the 32-byte seed of
 * RFC 8032 §5.1.5 and `publicKey` the 32-byte encoded point.
 */
export interface IdentityKeyPair {
  readonly publicKey: Uint8Array
  readonly privateKey: Uint8Array
}

// PKCS #8 (RFC 5208/5958) prefixes of a 32-byte raw private key, OIDs 1.3.101.110 (X25519) and 1.3.101.112 (Ed25519), RFC 8410 §7.
const PKCS8_X25519_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex')
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex')

interface CachedPrivateKey {
  readonly privateKey: Bytes
  readonly keyObject: KeyObject
}

// Sizes: one ratchet key per live session plus prekeys and identities.
const x25519PrivateCache = new LruCache<CachedPrivateKey>(4096)
const ed25519PrivateCache = new LruCache<CachedPrivateKey>(256)
const identityDhCache = new LruCache<{ readonly seed: Bytes, readonly pair: X25519KeyPair }>(256)
const montgomeryCache = new LruCache<Bytes>(4096)

/** Empties every key cache (tests and the cold-cache benchmark). */
export function clearKeyCaches (): void {
  x25519PrivateCache.clear()
  ed25519PrivateCache.clear()
  identityDhCache.clear()
  montgomeryCache.clear()
}

/** Drops one X25519 private key from the cache, by its public key (the ratchet does this when it deletes a key). */
export function forgetX25519PrivateKey (publicKey: Uint8Array): void {
  x25519PrivateCache.delete(mapKey(publicKey))
}

// ---------------------------------------------------------------- randomness

export function randomBytes (length: number, random: RandomSource = systemRandom): Bytes {
  const out = random(length)
  if (!(out instanceof Uint8Array) || out.byteLength !== length) {
    throw new TypeError(`random source must return ${length} bytes`)
  }
  return copyBytes(out)
}

// ---------------------------------------------------------------- key import

function importPrivateKey (prefix: Buffer, raw: Uint8Array): KeyObject {
  const der = Buffer.concat([prefix, raw])
  try {
    return nodeCrypto.createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })
  } finally {
    der.fill(0)
  }
}

function rawPublicKey (key: KeyObject): Bytes {
  // JWK export: ~2 µs, where a DER export costs ~25 µs.
  const jwk = nodeCrypto.createPublicKey(key).export({ format: 'jwk' })
  if (typeof jwk.x !== 'string') throw new Error('node:crypto exported a public key without x')
  return new Uint8Array(Buffer.from(jwk.x, 'base64url'))
}

function importX25519PublicKey (publicKey: Uint8Array, field: string): KeyObject {
  try {
    return nodeCrypto.createPublicKey({
      key: { kty: 'OKP', crv: 'X25519', x: Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.byteLength).toString('base64url') },
      format: 'jwk'
    })
  } catch (err) {
    throw new InvalidKeyError(field, 'is not an X25519 public key', { cause: err })
  }
}

/**
 * The KeyObject of an X25519 key pair, from the cache when the same private key
 * was seen before. Checks that the public half matches the private half.
 */
function x25519PrivateKeyObject (pair: X25519KeyPair, field: string): KeyObject {
  const id = mapKey(pair.publicKey)
  const hit = x25519PrivateCache.get(id)
  if (hit !== undefined && equalBytes(hit.privateKey, pair.privateKey)) return hit.keyObject
  const keyObject = importPrivateKey(PKCS8_X25519_PREFIX, pair.privateKey)
  if (!equalBytes(rawPublicKey(keyObject), pair.publicKey)) {
    throw new InvalidKeyError(`${field}.publicKey`, 'does not match the private key')
  }
  x25519PrivateCache.set(id, { privateKey: copyBytes(pair.privateKey), keyObject })
  return keyObject
}

// ---------------------------------------------------------------- X25519

/** A fresh X25519 key pair (RFC 7748 §6.1) from 32 random bytes. */
export function generateX25519KeyPair (random: RandomSource = systemRandom): X25519KeyPair {
  const privateKey = randomBytes(KEY_LENGTH, random)
  const keyObject = importPrivateKey(PKCS8_X25519_PREFIX, privateKey)
  const publicKey = rawPublicKey(keyObject)
  x25519PrivateCache.set(mapKey(publicKey), { privateKey: copyBytes(privateKey), keyObject })
  return { publicKey, privateKey }
}

/** X25519(k, 9): the public key of a private key (RFC 7748 §6.1). */
export function x25519PublicKey (privateKey: Uint8Array): Bytes {
  checkKey(privateKey, 'privateKey')
  return rawPublicKey(importPrivateKey(PKCS8_X25519_PREFIX, privateKey))
}

function agree (privateKey: KeyObject, publicKey: KeyObject, field: string): Bytes {
  let shared: Bytes
  try {
    shared = nodeCrypto.diffieHellman({ privateKey, publicKey })
  } catch (err) {
    // OpenSSL refuses an all-zero result (RFC 7748 §6.1's check): a low-order point.
    throw new InvalidKeyError(field, 'is a low-order point (the shared secret would be all zero)', { cause: err })
  }
  let acc = 0
  for (let i = 0; i < shared.byteLength; i++) acc |= shared[i] ?? 0
  if (acc === 0) throw new InvalidKeyError(field, 'is a low-order point (the shared secret would be all zero)')
  return shared
}

/**
 * X25519 Diffie-Hellman (RFC 7748 §6.1). Throws INVALID_KEY, rather than
 * returning 32 zero bytes, when the peer's key is a low-order point.
 */
export function x25519 (privateKey: Uint8Array, publicKey: Uint8Array): Bytes {
  checkKey(privateKey, 'privateKey')
  checkKey(publicKey, 'publicKey')
  return agree(importPrivateKey(PKCS8_X25519_PREFIX, privateKey), importX25519PublicKey(publicKey, 'publicKey'), 'publicKey')
}

/**
 * A prepared peer public key: DH with it several times (the ratchet step does
 * two) parses it once.
 */
export interface PeerKey {
  readonly publicKey: Bytes
  readonly keyObject: KeyObject
}

export function peerKey (publicKey: Uint8Array, field: string): PeerKey {
  return { publicKey: publicKey as Bytes, keyObject: importX25519PublicKey(publicKey, field) }
}

/** DH(pair, peer) with the pair's KeyObject from the cache. Internal to the crypto module. */
export function dh (pair: X25519KeyPair, peer: PeerKey, field: string, pairField = 'keyPair'): Bytes {
  return agree(x25519PrivateKeyObject(pair, pairField), peer.keyObject, field)
}

// ---------------------------------------------------------------- Ed25519

function ed25519PrivateKeyObject (identity: IdentityKeyPair, field: string): KeyObject {
  checkKey(identity.privateKey, `${field}.privateKey`)
  checkKey(identity.publicKey, `${field}.publicKey`)
  const id = mapKey(identity.publicKey)
  const hit = ed25519PrivateCache.get(id)
  if (hit !== undefined && equalBytes(hit.privateKey, identity.privateKey)) return hit.keyObject
  const keyObject = importPrivateKey(PKCS8_ED25519_PREFIX, identity.privateKey)
  if (!equalBytes(rawPublicKey(keyObject), identity.publicKey)) {
    throw new InvalidKeyError(`${field}.publicKey`, 'does not match the private key')
  }
  ed25519PrivateCache.set(id, { privateKey: copyBytes(identity.privateKey), keyObject })
  return keyObject
}

/** The KeyObject of an identity's Ed25519 private key, for jose (tokens.ts). */
export function identitySigningKey (identity: IdentityKeyPair, field = 'identity'): KeyObject {
  return ed25519PrivateKeyObject(identity, field)
}

/** A new identity key IK: an Ed25519 seed from 32 random bytes and its public key (RFC 8032 §5.1.5). */
export function generateIdentityKeyPair (random: RandomSource = systemRandom): { readonly publicKey: Bytes, readonly privateKey: Bytes } {
  const privateKey = randomBytes(KEY_LENGTH, random)
  const keyObject = importPrivateKey(PKCS8_ED25519_PREFIX, privateKey)
  const publicKey = rawPublicKey(keyObject)
  ed25519PrivateCache.set(mapKey(publicKey), { privateKey: copyBytes(privateKey), keyObject })
  return { publicKey, privateKey }
}

/** The Ed25519 public key of a 32-byte seed (RFC 8032 §5.1.5). */
export function ed25519PublicKey (seed: Uint8Array): Bytes {
  checkKey(seed, 'seed')
  return rawPublicKey(importPrivateKey(PKCS8_ED25519_PREFIX, seed))
}

/** Ed25519 signature (RFC 8032 §5.1.6, pure Ed25519, no context). Deterministic. */
export function sign (identity: IdentityKeyPair, message: Uint8Array): Bytes {
  checkBytes(message, 'message')
  return nodeCrypto.sign(null, message, ed25519PrivateKeyObject(identity, 'identity'))
}

/**
 * Encodings, sign bit cleared, of the 8 points of small order of edwards25519
 * and of the non-canonical y = p and y = p + 1 (the list libsodium checks).
 * RFC 8032 verification does not exclude them, and OpenSSL accepts, for any
 * message, a signature (R = [s]B, S = s) under the neutral element as public key.
 */
const SMALL_ORDER_ED25519 = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0100000000000000000000000000000000000000000000000000000000000000',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f'
].map(h => Buffer.from(h, 'hex'))

/** True for an Ed25519 public key of small order: no one holds its private key, and signatures under it prove nothing. */
export function isSmallOrderEd25519PublicKey (publicKey: Uint8Array): boolean {
  checkKey(publicKey, 'publicKey')
  const masked = Buffer.from(publicKey)
  masked[31] = (masked[31] as number) & 0x7f
  return SMALL_ORDER_ED25519.some(k => k.equals(masked))
}

/**
 * Ed25519 verification (RFC 8032 §5.1.7, as OpenSSL implements it: S must be
 * below L, encodings canonical), refusing small-order public keys. False for
 * any signature that is not exactly 64 valid bytes or a public key that is not
 * a point.
 */
export function verify (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  checkKey(publicKey, 'publicKey')
  checkBytes(message, 'message')
  checkBytes(signature, 'signature')
  if (signature.byteLength !== SIGNATURE_LENGTH) return false
  if (isSmallOrderEd25519PublicKey(publicKey)) return false
  let key: KeyObject
  try {
    key = nodeCrypto.createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.byteLength).toString('base64url') },
      format: 'jwk'
    })
  } catch {
    return false
  }
  try {
    return nodeCrypto.verify(null, message, key, signature)
  } catch {
    return false
  }
}

/** Ed25519 verification that answers false, never throws, for keys or signatures of the wrong shape (peer input). */
export function safeVerify (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  try {
    return verify(publicKey, message, signature)
  } catch {
    return false
  }
}

// ---------------------------------------------------------------- Ed25519 -> X25519

/**
 * The X25519 form of an Ed25519 public key: u = (1 + y) / (1 - y)
 * (RFC 7748 §4.1), by @noble/curves, which also checks that the bytes decode
 * to a curve point. Results are cached (public data).
 */
export function edToX25519PublicKey (edPublicKey: Uint8Array, field = 'identityKey'): Bytes {
  checkKey(edPublicKey, field)
  const id = mapKey(edPublicKey)
  const hit = montgomeryCache.get(id)
  if (hit !== undefined) return hit
  let u: Uint8Array
  try {
    u = ed25519.utils.toMontgomery(edPublicKey)
  } catch (err) {
    throw new InvalidKeyError(field, 'is not a valid Ed25519 public key', { cause: err })
  }
  const out = copyBytes(u)
  montgomeryCache.set(id, out)
  return out
}

/**
 * The X25519 form of an Ed25519 seed: the clamped first half of SHA-512(seed)
 * (RFC 8032 §5.1.5 steps 1-2), which is the scalar of the Ed25519 key, so
 * X25519(it, 9) is edToX25519PublicKey(the public key).
 */
export function edToX25519PrivateKey (seed: Uint8Array): Bytes {
  checkKey(seed, 'seed')
  return copyBytes(ed25519.utils.toMontgomerySecret(seed))
}

/** The identity's X25519 key pair for X3DH, with its KeyObject cached. */
export function identityDhKeyPair (identity: IdentityKeyPair, field = 'identity'): X25519KeyPair {
  checkKey(identity.privateKey, `${field}.privateKey`)
  checkKey(identity.publicKey, `${field}.publicKey`)
  const id = mapKey(identity.publicKey)
  const hit = identityDhCache.get(id)
  if (hit !== undefined && equalBytes(hit.seed, identity.privateKey)) return hit.pair
  const privateKey = edToX25519PrivateKey(identity.privateKey)
  const keyObject = importPrivateKey(PKCS8_X25519_PREFIX, privateKey)
  const publicKey = rawPublicKey(keyObject)
  // The seed and the public key must belong together, or the peer's DH would not match ours.
  if (!equalBytes(publicKey, edToX25519PublicKey(identity.publicKey, `${field}.publicKey`))) {
    throw new InvalidKeyError(`${field}.publicKey`, 'does not match the private key')
  }
  const pair = { publicKey, privateKey }
  identityDhCache.set(id, { seed: copyBytes(identity.privateKey), pair })
  x25519PrivateCache.set(mapKey(publicKey), { privateKey: copyBytes(privateKey), keyObject })
  return pair
}

// ---------------------------------------------------------------- hashes, MAC, KDF

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

