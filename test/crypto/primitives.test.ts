import { readFileSync } from 'node:fs'
import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import { ed25519, x25519 as nobleX25519 } from '@noble/curves/ed25519.js'
import { hkdf as nobleHkdf } from '@noble/hashes/hkdf.js'
import { hmac as nobleHmac } from '@noble/hashes/hmac.js'
import { sha256 as nobleSha256, sha512 as nobleSha512 } from '@noble/hashes/sha2.js'
import {
  DecryptError, InvalidInputError, InvalidKeyError, aesGcmDecrypt, aesGcmEncrypt, ed25519PublicKey, edToX25519PrivateKey,
  edToX25519PublicKey, generateIdentityKeyPair, generateX25519KeyPair, hkdf, hmacSha256, isSmallOrderEd25519PublicKey, open, seal, sha256,
  sha512, sign, verify,
  x25519, x25519PublicKey
} from '../../src/crypto/index.js'
import { clearKeyCaches } from '../../src/crypto/primitives.js'
import { hex, seededRandom, toHex } from './helpers.js'

function vectors<T> (name: string): T {
  return JSON.parse(readFileSync(new URL(`./vectors/${name}`, import.meta.url), 'utf8')) as T
}

interface Rfc7748 {
  scalarMult: Array<{ scalar: string, u: string, output: string }>
  iterated: { start: string, after1: string, after1000: string }
  diffieHellman: Record<'alicePrivate' | 'alicePublic' | 'bobPrivate' | 'bobPublic' | 'shared', string>
}
interface WycheproofX25519 { tests: Array<{ tcId: number, comment: string, flags: string[], public: string, private: string, shared: string, result: string }> }
interface Rfc8032 { tests: Array<{ name: string, secretKey: string, publicKey: string, message: string, signature: string }> }
interface WycheproofEd25519 { tests: Array<{ tcId: number, comment: string, flags: string[], publicKey: string, msg: string, sig: string, result: string }> }
interface Rfc5869 { tests: Array<{ name: string, ikm: string, salt: string, info: string, length: number, prk: string, okm: string }> }
interface WycheproofHkdf { tests: Array<{ tcId: number, flags: string[], ikm: string, salt: string, info: string, size: number, okm: string, result: string }> }
interface WycheproofGcm { tests: Array<{ tcId: number, flags: string[], key: string, iv: string, aad: string, msg: string, ct: string, tag: string, result: string }> }

const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 })

describe('X25519', () => {
  const rfc = vectors<Rfc7748>('rfc7748-x25519.json')

  it('matches the RFC 7748 §5.2 scalar multiplication vectors', () => {
    for (const v of rfc.scalarMult) {
      expect(toHex(x25519(hex(v.scalar), hex(v.u)))).toBe(v.output)
    }
  })

  it('matches the RFC 7748 §5.2 iterated vector after 1 and 1,000 iterations', () => {
    let k = hex(rfc.iterated.start)
    let u = hex(rfc.iterated.start)
    for (let i = 1; i <= 1000; i++) {
      const r = x25519(k, u)
      u = k
      k = r
      if (i === 1) expect(toHex(k)).toBe(rfc.iterated.after1)
    }
    expect(toHex(k)).toBe(rfc.iterated.after1000)
  })

  it('matches the RFC 7748 §6.1 Diffie-Hellman example', () => {
    const v = rfc.diffieHellman
    expect(toHex(x25519PublicKey(hex(v.alicePrivate)))).toBe(v.alicePublic)
    expect(toHex(x25519PublicKey(hex(v.bobPrivate)))).toBe(v.bobPublic)
    expect(toHex(x25519(hex(v.alicePrivate), hex(v.bobPublic)))).toBe(v.shared)
    expect(toHex(x25519(hex(v.bobPrivate), hex(v.alicePublic)))).toBe(v.shared)
  })

  const wp = vectors<WycheproofX25519>('wycheproof-x25519.json')
  it(`passes ${wp.tests.length} Wycheproof cases, rejecting every low-order public key`, () => {
    let rejected = 0
    for (const t of wp.tests) {
      if (t.shared === '0'.repeat(64)) {
        expect(() => x25519(hex(t.private), hex(t.public)), `tcId ${t.tcId}`).toThrow(InvalidKeyError)
        rejected++
      } else {
        expect(toHex(x25519(hex(t.private), hex(t.public))), `tcId ${t.tcId} ${t.comment}`).toBe(t.shared)
      }
    }
    expect(rejected).toBeGreaterThanOrEqual(30)
  })

  it('rejects the all-zero public key with INVALID_KEY naming the field', () => {
    const { privateKey } = generateX25519KeyPair()
    try {
      x25519(privateKey, new Uint8Array(32))
      expect.unreachable()
    } catch (err) {
      expect(err).toBeInstanceOf(InvalidKeyError)
      expect((err as InvalidKeyError).code).toBe('INVALID_KEY')
      expect((err as InvalidKeyError).field).toBe('publicKey')
    }
  })

  it('rejects keys of the wrong length, naming the field', () => {
    expect(() => x25519(new Uint8Array(31), new Uint8Array(32))).toThrow(/privateKey: must be 32 bytes/)
    expect(() => x25519(new Uint8Array(32), new Uint8Array(33))).toThrow(/publicKey: must be 32 bytes/)
  })

  it('agrees with @noble/curves on random keys', () => {
    fc.assert(fc.property(bytes32, bytes32, (a, b) => {
      const pubB = nobleX25519.getPublicKey(b)
      expect(toHex(x25519PublicKey(b))).toBe(toHex(pubB))
      expect(toHex(x25519(a, pubB))).toBe(toHex(nobleX25519.getSharedSecret(a, pubB)))
    }), { numRuns: 50 })
  })

  it('derives the same key pair from the same injected randomness', () => {
    const a = generateX25519KeyPair(seededRandom('k'))
    const b = generateX25519KeyPair(seededRandom('k'))
    expect(toHex(a.publicKey)).toBe(toHex(b.publicKey))
    expect(toHex(x25519PublicKey(a.privateKey))).toBe(toHex(a.publicKey))
  })
})

describe('Ed25519', () => {
  const rfc = vectors<Rfc8032>('rfc8032-ed25519.json')

  it('matches the RFC 8032 §7.1 vectors (public key, deterministic signature, verification)', () => {
    for (const v of rfc.tests) {
      const identity = { privateKey: hex(v.secretKey), publicKey: hex(v.publicKey) }
      expect(toHex(ed25519PublicKey(identity.privateKey)), v.name).toBe(v.publicKey)
      expect(toHex(sign(identity, hex(v.message))), v.name).toBe(v.signature)
      expect(verify(identity.publicKey, hex(v.message), hex(v.signature)), v.name).toBe(true)
    }
  })

  const wp = vectors<WycheproofEd25519>('wycheproof-ed25519.json')
  it(`passes ${wp.tests.length} Wycheproof cases, rejecting malleable and malformed signatures`, () => {
    let invalid = 0
    for (const t of wp.tests) {
      const ok = verify(hex(t.publicKey), hex(t.msg), hex(t.sig))
      expect(ok, `tcId ${t.tcId} ${t.comment}`).toBe(t.result === 'valid')
      if (t.result === 'invalid') invalid++
    }
    expect(invalid).toBeGreaterThan(50)
  })

  it('rejects a signature with S + L (malleability) even though the scalar is the same', () => {
    const identity = generateIdentityKeyPair()
    const msg = new Uint8Array([1, 2, 3])
    const sig = sign(identity, msg)
    const L = 2n ** 252n + 27742317777372353535851937790883648493n
    let s = 0n
    for (let i = 31; i >= 0; i--) s = (s << 8n) | BigInt(sig[32 + i] as number)
    let s2 = s + L
    const forged = new Uint8Array(sig)
    for (let i = 0; i < 32; i++) { forged[32 + i] = Number(s2 & 0xffn); s2 >>= 8n }
    expect(verify(identity.publicKey, msg, sig)).toBe(true)
    expect(verify(identity.publicKey, msg, forged)).toBe(false)
  })

  it('agrees with @noble/curves on random seeds and messages', () => {
    fc.assert(fc.property(bytes32, fc.uint8Array({ maxLength: 200 }), (seed, msg) => {
      const publicKey = ed25519.getPublicKey(seed)
      expect(toHex(ed25519PublicKey(seed))).toBe(toHex(publicKey))
      const sig = sign({ privateKey: seed, publicKey }, msg)
      expect(toHex(sig)).toBe(toHex(ed25519.sign(msg, seed)))
      expect(ed25519.verify(sig, msg, publicKey, { zip215: false })).toBe(true)
      expect(verify(publicKey, msg, ed25519.sign(msg, seed))).toBe(true)
    }), { numRuns: 30 })
  })

  it('refuses to sign with a public key that does not belong to the seed', () => {
    const a = generateIdentityKeyPair()
    const b = generateIdentityKeyPair()
    expect(() => sign({ privateKey: a.privateKey, publicKey: b.publicKey }, new Uint8Array(1))).toThrow(/does not match the private key/)
  })

  it('rejects signatures under a small-order public key, which OpenSSL alone would accept for any message', () => {
    // With A = the neutral element, (R = [s]B, S = s) satisfies [S]B = R + [k]A for every message.
    const neutral = new Uint8Array(32)
    neutral[0] = 1
    const s = 12345n
    const R = ed25519.Point.BASE.multiply(s).toBytes()
    const S = new Uint8Array(32)
    S[0] = Number(s & 0xffn)
    S[1] = Number(s >> 8n)
    const forged = new Uint8Array([...R, ...S])
    expect(isSmallOrderEd25519PublicKey(neutral)).toBe(true)
    expect(verify(neutral, new TextEncoder().encode('any message at all'), forged)).toBe(false)
    // Every small-order encoding, with either sign bit, is refused; ordinary keys are not.
    for (const h of ['0000000000000000000000000000000000000000000000000000000000000000', '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
      'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a', 'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f']) {
      const k = hex(h)
      expect(isSmallOrderEd25519PublicKey(k)).toBe(true)
      k[31] = (k[31] as number) | 0x80
      expect(isSmallOrderEd25519PublicKey(k)).toBe(true)
    }
    expect(isSmallOrderEd25519PublicKey(generateIdentityKeyPair().publicKey)).toBe(false)
  })

  it('returns false, not an exception, for signatures of the wrong length', () => {
    const a = generateIdentityKeyPair()
    expect(verify(a.publicKey, new Uint8Array(1), new Uint8Array(63))).toBe(false)
    expect(verify(a.publicKey, new Uint8Array(1), new Uint8Array(65))).toBe(false)
  })
})

describe('Ed25519 to X25519', () => {
  it('maps an identity so that DH with its X25519 form works both ways', () => {
    fc.assert(fc.property(bytes32, bytes32, (seedA, seedB) => {
      const pubA = ed25519.getPublicKey(seedA)
      const pubB = ed25519.getPublicKey(seedB)
      const xa = edToX25519PrivateKey(seedA)
      const xb = edToX25519PrivateKey(seedB)
      // The X25519 public key of the converted seed is the converted public key (RFC 7748 §4.1 map).
      expect(toHex(x25519PublicKey(xa))).toBe(toHex(edToX25519PublicKey(pubA)))
      expect(toHex(x25519(xa, edToX25519PublicKey(pubB)))).toBe(toHex(x25519(xb, edToX25519PublicKey(pubA))))
    }), { numRuns: 25 })
  })

  it('gives the same result from the cache as from @noble/curves', () => {
    const { publicKey } = generateIdentityKeyPair()
    clearKeyCaches()
    const cold = edToX25519PublicKey(publicKey)
    const warm = edToX25519PublicKey(publicKey)
    expect(toHex(warm)).toBe(toHex(cold))
    expect(toHex(cold)).toBe(toHex(ed25519.utils.toMontgomery(publicKey)))
  })

  it('rejects bytes that are not an Ed25519 point', () => {
    // y = 2 is not the y-coordinate of any point of edwards25519.
    const notAPoint = new Uint8Array(32)
    notAPoint[0] = 2
    expect(() => edToX25519PublicKey(notAPoint)).toThrow(InvalidKeyError)
  })
})

describe('HKDF-SHA256 and HMAC-SHA256', () => {
  const rfc = vectors<Rfc5869>('rfc5869-hkdf.json')
  it('matches RFC 5869 appendix A.1-A.3 (PRK through HMAC, OKM through HKDF)', () => {
    for (const v of rfc.tests) {
      expect(toHex(hmacSha256(hex(v.salt), hex(v.ikm))), v.name).toBe(v.prk)
      expect(toHex(hkdf(hex(v.ikm), hex(v.salt), hex(v.info), v.length)), v.name).toBe(v.okm)
    }
  })

  const wp = vectors<WycheproofHkdf>('wycheproof-hkdf-sha256.json')
  it(`passes ${wp.tests.length} Wycheproof cases, refusing output sizes above 255 * 32`, () => {
    for (const t of wp.tests) {
      if (t.result === 'invalid') {
        expect(() => hkdf(hex(t.ikm), hex(t.salt), hex(t.info), t.size), `tcId ${t.tcId}`).toThrow(InvalidInputError)
      } else {
        expect(toHex(hkdf(hex(t.ikm), hex(t.salt), hex(t.info), t.size)), `tcId ${t.tcId}`).toBe(t.okm)
      }
    }
  })

  it('agrees with @noble/hashes on random inputs', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 80 }), fc.uint8Array({ maxLength: 80 }), fc.uint8Array({ maxLength: 40 }), fc.integer({ min: 1, max: 200 }),
      (ikm, salt, info, length) => {
        expect(toHex(hkdf(ikm, salt, info, length))).toBe(toHex(nobleHkdf(nobleSha256, ikm, salt, info, length)))
        expect(toHex(hmacSha256(salt, ikm))).toBe(toHex(nobleHmac(nobleSha256, salt, ikm)))
        expect(toHex(sha256(ikm))).toBe(toHex(nobleSha256(ikm)))
        expect(toHex(sha512(ikm))).toBe(toHex(nobleSha512(ikm)))
      }), { numRuns: 100 })
  })
})

describe('AES-256-GCM', () => {
  const wp = vectors<WycheproofGcm>('wycheproof-aes-gcm.json')
  it(`passes ${wp.tests.length} Wycheproof cases, rejecting every modified tag`, () => {
    let rejected = 0
    for (const t of wp.tests) {
      const sealed = hex(t.ct + t.tag)
      if (t.result === 'valid') {
        expect(toHex(aesGcmEncrypt(hex(t.key), hex(t.iv), hex(t.msg), hex(t.aad))), `tcId ${t.tcId}`).toBe(t.ct + t.tag)
        expect(toHex(aesGcmDecrypt(hex(t.key), hex(t.iv), sealed, hex(t.aad))), `tcId ${t.tcId}`).toBe(t.msg)
      } else {
        expect(() => aesGcmDecrypt(hex(t.key), hex(t.iv), sealed, hex(t.aad)), `tcId ${t.tcId}`).toThrow(DecryptError)
        rejected++
      }
    }
    expect(rejected).toBeGreaterThanOrEqual(20)
  })

  it('rejects a changed bit anywhere in the ciphertext, tag or associated data', () => {
    const key = new Uint8Array(32).fill(7)
    const nonce = new Uint8Array(12).fill(1)
    const ad = new TextEncoder().encode('resource=group/1')
    const ct = aesGcmEncrypt(key, nonce, new TextEncoder().encode('data-encryption key'), ad)
    for (let i = 0; i < ct.length * 8; i += 7) {
      const bad = new Uint8Array(ct)
      bad[i >> 3] = (bad[i >> 3] as number) ^ (1 << (i & 7))
      expect(() => aesGcmDecrypt(key, nonce, bad, ad)).toThrow(DecryptError)
    }
    expect(() => aesGcmDecrypt(key, nonce, ct, new TextEncoder().encode('resource=group/2'))).toThrow(DecryptError)
  })

  it('seals with a random nonce and opens only with the same key and associated data', () => {
    const key = new Uint8Array(32).fill(9)
    const box = seal(key, new Uint8Array([1, 2, 3]), new Uint8Array([4]))
    const again = seal(key, new Uint8Array([1, 2, 3]), new Uint8Array([4]))
    expect(toHex(box)).not.toBe(toHex(again))
    expect(Array.from(open(key, box, new Uint8Array([4])))).toEqual([1, 2, 3])
    expect(() => open(key, box, new Uint8Array([5]))).toThrow(DecryptError)
    expect(() => open(new Uint8Array(32), box, new Uint8Array([4]))).toThrow(DecryptError)
  })

  it('refuses keys and nonces of the wrong size, naming them', () => {
    expect(() => aesGcmEncrypt(new Uint8Array(16), new Uint8Array(12), new Uint8Array(1))).toThrow(/key: must be 32 bytes/)
    expect(() => aesGcmEncrypt(new Uint8Array(32), new Uint8Array(16), new Uint8Array(1))).toThrow(/nonce: must be 12 bytes/)
  })
})
