import { describe, it, expect } from 'vitest'
import * as signal from '@signalapp/libsignal-client'
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js'
import {
  formatFingerprint, formatSafetyNumber, generateIdentityKeyPair, identityFingerprint, safetyNumber
} from '../../src/crypto/index.js'
import { fingerprintDigits } from '../../src/crypto/fingerprint.js'
import { hex, toHex, utf8 } from './helpers.js'

describe('identity fingerprint', () => {
  it('is SHA-256 of the raw Ed25519 public key', () => {
    const key = hex('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a')
    expect(toHex(identityFingerprint(key))).toBe(toHex(nobleSha256(key)))
    expect(formatFingerprint(identityFingerprint(key)).split(' ')).toHaveLength(16)
  })
})

describe('safety number', () => {
  const alice = generateIdentityKeyPair()
  const bob = generateIdentityKeyPair()

  it('is 60 digits and the same on both sides', () => {
    const a = safetyNumber({ identityKey: alice.publicKey, username: 'alice' }, { identityKey: bob.publicKey, username: 'bob' })
    const b = safetyNumber({ identityKey: bob.publicKey, username: 'bob' }, { identityKey: alice.publicKey, username: 'alice' })
    expect(a).toMatch(/^\d{60}$/)
    expect(b).toBe(a)
    expect(formatSafetyNumber(a)).toMatch(/^(\d{5} ){11}\d{5}$/)
  })

  it('changes when either key changes, or a username changes', () => {
    const base = safetyNumber({ identityKey: alice.publicKey, username: 'alice' }, { identityKey: bob.publicKey, username: 'bob' })
    const newBob = generateIdentityKeyPair()
    const changed = safetyNumber({ identityKey: alice.publicKey, username: 'alice' }, { identityKey: newBob.publicKey, username: 'bob' })
    expect(changed).not.toBe(base)
    // Alice's half is unchanged; Bob's half differs.
    const halves = (s: string): string[] => [s.slice(0, 30), s.slice(30)]
    expect(halves(changed).filter(h => halves(base).includes(h))).toHaveLength(1)
    expect(safetyNumber({ identityKey: alice.publicKey, username: 'alice' }, { identityKey: bob.publicKey, username: 'bob2' })).not.toBe(base)
  })

  it('follows Signal\'s numeric fingerprint exactly (cross-checked with libsignal, 5200 iterations)', () => {
    for (let i = 0; i < 3; i++) {
      const a = signal.PrivateKey.generate().getPublicKey()
      const b = signal.PrivateKey.generate().getPublicKey()
      const idA = utf8(`alice-${i}`)
      const idB = utf8(`bob-${i}`)
      const theirs = signal.Fingerprint.new(5200, 2, idA, a, idB, b).displayableFingerprint().toString()
      const x = fingerprintDigits(a.serialize(), idA, 5200)
      const y = fingerprintDigits(b.serialize(), idB, 5200)
      expect(x <= y ? x + y : y + x).toBe(theirs)
    }
  })
})
