/**
 * Primitives over node:crypto (OpenSSL), the hot path: X25519 and Ed25519
 * here; randomness (random.ts) and the symmetric primitives (symmetric.ts:
 * AES-256-GCM, HKDF-SHA256, HMAC-SHA256, SHA-256/512) re-exported.
 * @noble/curves serves only where node:crypto has no API: the X25519 form of
 * an Ed25519 key (RFC 7748 §4.1 birational map).
 *
 * Keys cross this API as raw bytes (32-byte X25519 keys, 32-byte Ed25519
 * public keys and seeds). Parsing them into KeyObjects is cached (keycache.ts).
 */
import * as nodeCrypto from 'node:crypto'
import type { KeyObject } from 'node:crypto'
import { ed25519 } from '@noble/curves/ed25519.js'
import { KEY_LENGTH, SIGNATURE_LENGTH } from './constants.js'
import { checkBytes, checkKey, copyBytes, equalBytes, mapKey } from './bytes.js'
import type { Bytes } from './bytes.js'
import { InvalidKeyError } from './errors.js'
import { LruCache } from './keycache.js'
import { randomBytes, systemRandom } from './random.js'
import type { RandomSource } from './random.js'

export type { Bytes }
export * from './random.js'
export * from './symmetric.js'

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
