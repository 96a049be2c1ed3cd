import { describe, it, expect } from 'vitest'
import { ed25519, x25519 as nobleX25519 } from '@noble/curves/ed25519.js'
import { hkdf as nobleHkdf } from '@noble/hashes/hkdf.js'
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js'
import {
  BadSignatureError, DecryptError, InMemoryPreKeyStore, MalformedMessageError, PreKeyNotFoundError,
  SessionError, associatedData, createPreKeyBundle, createPreKeyState, decodeInitialMessage, decodePreKeyBundle,
  decryptInitialMessage, deserializePreKeyState, encodePreKeyBundle, encryptMessage, generateIdentityKeyPair,
  initiateSession, isSameSession, respondToSession, rotateSignedPreKey, serializePreKeyState,
  verifyPreKeyBundle
} from '../../src/crypto/index.js'
import type { PreKeyBundle, RandomSource } from '../../src/crypto/index.js'
import { x3dhKdf } from '../../src/crypto/x3dh.js'
import { InitialMessage as InitialMessagePb, PreKeyBundle as PreKeyBundlePb } from '../../src/crypto/pb/x3dh.js'
import { ManualClock, hex, seededRandom, text, toHex, utf8 } from './helpers.js'

const DAY = 24 * 60 * 60 * 1000

function bobWithPreKeys (count = 3, clock?: () => number): { bobId: ReturnType<typeof generateIdentityKeyPair>, store: InMemoryPreKeyStore } {
  const bobId = generateIdentityKeyPair()
  return { bobId, store: new InMemoryPreKeyStore(createPreKeyState(bobId, { oneTimePreKeys: count, clock })) }
}

function firstOneTimeId (store: InMemoryPreKeyStore): number {
  const k = store.state.oneTimePreKeys[0]
  if (k === undefined) throw new Error('no one-time prekey left')
  return k.id
}

describe('X3DH', () => {
  it('gives both sides the same secret, AD and peer identity (with a one-time prekey)', async () => {
    const aliceId = generateIdentityKeyPair()
    const { bobId, store } = bobWithPreKeys()
    const bundle = createPreKeyBundle(store.state, bobId.publicKey, firstOneTimeId(store))
    const alice = initiateSession({ identity: aliceId, username: 'alice', peerUsername: 'bob', bundle })
    const first = encryptMessage(alice, utf8('hi bob'))
    expect(first.initial).toBe(true)
    const r = await respondToSession({ identity: bobId, username: 'bob', store, message: first.message })
    expect(text(r.plaintext)).toBe('hi bob')
    expect(r.initiator.username).toBe('alice')
    expect(toHex(r.initiator.identityKey)).toBe(toHex(aliceId.publicKey))
    expect(toHex(r.session.associatedData)).toBe(toHex(alice.associatedData))
    expect(toHex(r.session.baseKey)).toBe(toHex(alice.baseKey))
    expect(toHex(alice.associatedData)).toBe(toHex(associatedData(aliceId.publicKey, bobId.publicKey, 'alice', 'bob')))
    expect(alice.remoteUsername).toBe('bob')
    expect(r.session.remoteUsername).toBe('alice')
  })

  it('works without a one-time prekey (three DHs)', async () => {
    const aliceId = generateIdentityKeyPair()
    const { bobId, store } = bobWithPreKeys(0)
    const bundle = createPreKeyBundle(store.state, bobId.publicKey)
    const first = encryptMessage(initiateSession({ identity: aliceId, username: 'alice', peerUsername: 'bob', bundle }), utf8('no opk'))
    expect(decodeInitialMessage(first.message).oneTimePreKeyId).toBeUndefined()
    expect(text((await respondToSession({ identity: bobId, username: 'bob', store, message: first.message })).plaintext)).toBe('no opk')
  })

  it('computes exactly the specified SK, RK and CKs (checked with @noble, from the injected randomness)', () => {
    const aliceSeed = hex('11'.repeat(32))
    const aliceId = { privateKey: aliceSeed, publicKey: new Uint8Array(ed25519.getPublicKey(aliceSeed)) }
    const { bobId, store } = bobWithPreKeys(1)
    const opk = store.state.oneTimePreKeys[0]!
    const spk = store.state.signedPreKey
    const random = seededRandom('x3dh-kat')
    const alice = initiateSession({ identity: aliceId, username: 'alice', peerUsername: 'bob', bundle: createPreKeyBundle(store.state, bobId.publicKey, opk.id), random })

    // Replay the same random stream: EK_A is drawn first, then Alice's first ratchet key.
    const stream = seededRandom('x3dh-kat')
    const ek = stream(32)
    const ratchet = stream(32)
    const ikA = ed25519.utils.toMontgomerySecret(aliceSeed)
    const ikB = ed25519.utils.toMontgomery(bobId.publicKey)
    const km = new Uint8Array([
      ...nobleX25519.getSharedSecret(ikA, spk.keyPair.publicKey),
      ...nobleX25519.getSharedSecret(ek, ikB),
      ...nobleX25519.getSharedSecret(ek, spk.keyPair.publicKey),
      ...nobleX25519.getSharedSecret(ek, opk.keyPair.publicKey)
    ])
    // KDF(KM) = HKDF(F || KM, salt = 32 zero bytes, info), X3DH §2.2.
    const sk = nobleHkdf(nobleSha256, new Uint8Array([...new Uint8Array(32).fill(0xff), ...km]), new Uint8Array(32), utf8('lanchat/x3dh/v1'), 32)
    // RatchetInitAlice: RK, CKs = KDF_RK(SK, DH(DHs, SPK_B)).
    const rk = nobleHkdf(nobleSha256, nobleX25519.getSharedSecret(ratchet, spk.keyPair.publicKey), sk, utf8('lanchat/ratchet/root/v1'), 64)
    expect(toHex(alice.baseKey)).toBe(toHex(nobleX25519.getPublicKey(ek)))
    expect(toHex(alice.sendingRatchetKey.publicKey)).toBe(toHex(nobleX25519.getPublicKey(ratchet)))
    expect(toHex(alice.rootKey)).toBe(toHex(rk.subarray(0, 32)))
    expect(toHex(alice.sendingChainKey!)).toBe(toHex(rk.subarray(32)))
    expect(toHex(x3dhKdf([km]))).toBe(toHex(sk))
  })

  it('rejects a forged bundle signature before computing anything (no randomness drawn)', () => {
    const aliceId = generateIdentityKeyPair()
    const { bobId, store } = bobWithPreKeys()
    const good = createPreKeyBundle(store.state, bobId.publicKey, firstOneTimeId(store))
    const mallory = generateIdentityKeyPair()
    const neutralElement = new Uint8Array(32)
    neutralElement[0] = 1
    const flipped = new Uint8Array(good.signedPreKeySignature)
    flipped[0]! ^= 1
    const forgeries: PreKeyBundle[] = [
      { ...good, signedPreKeySignature: flipped },
      // Mallory's own signed prekey under Bob's identity.
      { ...good, signedPreKey: createPreKeyState(mallory, { oneTimePreKeys: 0 }).signedPreKey.keyPair.publicKey },
      // Bob's signed prekey presented under Mallory's identity.
      { ...good, identityKey: mallory.publicKey },
      // The neutral element as identity key, with a "signature" that satisfies the verification equation for any message.
      { ...good, identityKey: neutralElement, signedPreKeySignature: new Uint8Array([...ed25519.Point.BASE.multiply(7n).toBytes(), 7, ...new Uint8Array(31)]) }
    ]
    for (const bundle of forgeries) {
      let draws = 0
      const random: RandomSource = n => { draws++; return new Uint8Array(n).fill(3) }
      expect(verifyPreKeyBundle(bundle)).toBe(false)
      expect(() => initiateSession({ identity: aliceId, username: 'alice', peerUsername: 'bob', bundle, random })).toThrow(BadSignatureError)
      expect(draws).toBe(0)
    }
    expect(verifyPreKeyBundle(good)).toBe(true)
  })

  it('consumes the one-time prekey once: a replayed initial message is refused', async () => {
    const aliceId = generateIdentityKeyPair()
    const { bobId, store } = bobWithPreKeys(2)
    const id = firstOneTimeId(store)
    const first = encryptMessage(initiateSession({ identity: aliceId, username: 'alice', peerUsername: 'bob', bundle: createPreKeyBundle(store.state, bobId.publicKey, id) }), utf8('x'))
    await respondToSession({ identity: bobId, username: 'bob', store, message: first.message })
    expect(store.state.oneTimePreKeys.map(k => k.id)).not.toContain(id)
    await expect(respondToSession({ identity: bobId, username: 'bob', store, message: first.message })).rejects.toThrow(PreKeyNotFoundError)
    await expect(respondToSession({ identity: bobId, username: 'bob', store, message: first.message })).rejects.toMatchObject({ code: 'ONE_TIME_PREKEY_NOT_FOUND' })
  })

  it('keeps the one-time prekey when the initial message fails to decrypt', async () => {
    const aliceId = generateIdentityKeyPair()
    const { bobId, store } = bobWithPreKeys(1)
    const id = firstOneTimeId(store)
    const first = encryptMessage(initiateSession({ identity: aliceId, username: 'alice', peerUsername: 'bob', bundle: createPreKeyBundle(store.state, bobId.publicKey, id) }), utf8('x'))
    const m = InitialMessagePb.decode(first.message)
    const inner = new Uint8Array(m.message)
    inner[inner.length - 1] = (inner[inner.length - 1] as number) ^ 1
    const before = toHex(serializePreKeyState(store.state))
    await expect(respondToSession({ identity: bobId, username: 'bob', store, message: InitialMessagePb.encode({ ...m, message: inner }) })).rejects.toThrow(DecryptError)
    expect(toHex(serializePreKeyState(store.state))).toBe(before)
    // The genuine message still works.
    expect(text((await respondToSession({ identity: bobId, username: 'bob', store, message: first.message })).plaintext)).toBe('x')
  })

  it('binds identities and usernames: a swapped identity key or username fails to decrypt', async () => {
    const aliceId = generateIdentityKeyPair()
    const carol = generateIdentityKeyPair()
    const { bobId, store } = bobWithPreKeys(1)
    const bundle = createPreKeyBundle(store.state, bobId.publicKey, firstOneTimeId(store))
    const first = encryptMessage(initiateSession({ identity: aliceId, username: 'alice', peerUsername: 'bob', bundle }), utf8('x'))
    const m = InitialMessagePb.decode(first.message)
    await expect(respondToSession({ identity: bobId, username: 'bob', store, message: InitialMessagePb.encode({ ...m, identityKey: carol.publicKey }) })).rejects.toThrow(DecryptError)
    await expect(respondToSession({ identity: bobId, username: 'bob', store, message: InitialMessagePb.encode({ ...m, username: 'carol' }) })).rejects.toThrow(DecryptError)
    // Alice believed she was talking to "bobby": the AD differs, so Bob cannot decrypt.
    const misnamed = encryptMessage(initiateSession({ identity: aliceId, username: 'alice', peerUsername: 'bobby', bundle }), utf8('x'))
    await expect(respondToSession({ identity: bobId, username: 'bob', store, message: misnamed.message })).rejects.toThrow(DecryptError)
  })

  it('rejects a low-order ephemeral key and malformed messages, naming the field', async () => {
    const aliceId = generateIdentityKeyPair()
    const { bobId, store } = bobWithPreKeys(1)
    const first = encryptMessage(initiateSession({ identity: aliceId, username: 'alice', peerUsername: 'bob', bundle: createPreKeyBundle(store.state, bobId.publicKey) }), utf8('x'))
    const m = InitialMessagePb.decode(first.message)
    const lowOrder = InitialMessagePb.encode({ ...m, baseKey: new Uint8Array(32) })
    await expect(respondToSession({ identity: bobId, username: 'bob', store, message: lowOrder })).rejects.toMatchObject({ code: 'INVALID_KEY', field: 'initialMessage.baseKey' })
    await expect(respondToSession({ identity: bobId, username: 'bob', store, message: InitialMessagePb.encode({ ...m, baseKey: new Uint8Array(31) }) }))
      .rejects.toMatchObject({ code: 'MALFORMED_MESSAGE', field: 'initialMessage.baseKey' })
    await expect(respondToSession({ identity: bobId, username: 'bob', store, message: new Uint8Array([0xff, 0xff, 0xff]) })).rejects.toThrow(MalformedMessageError)
    await expect(respondToSession({ identity: bobId, username: 'bob', store, message: InitialMessagePb.encode({ ...m, signedPreKeyId: 999 }) }))
      .rejects.toMatchObject({ code: 'SIGNED_PREKEY_NOT_FOUND' })
  })

  it('decodes bundles strictly, naming the bad field', () => {
    const { bobId, store } = bobWithPreKeys(1)
    const bundle = createPreKeyBundle(store.state, bobId.publicKey, firstOneTimeId(store))
    const bytes = encodePreKeyBundle(bundle)
    const back = decodePreKeyBundle(bytes)
    expect(toHex(encodePreKeyBundle(back))).toBe(toHex(bytes))
    expect(() => decodePreKeyBundle(encodePreKeyBundle({ ...bundle, oneTimePreKey: undefined }).subarray(0, 10))).toThrow(MalformedMessageError)
    const fields = { identityKey: bundle.identityKey, signedPreKeyId: bundle.signedPreKeyId, signedPreKey: bundle.signedPreKey, signedPreKeySignature: bundle.signedPreKeySignature }
    const shortKey = PreKeyBundlePb.encode({ ...fields, signedPreKey: new Uint8Array(31) })
    expect(() => decodePreKeyBundle(shortKey)).toThrow(/bundle\.signedPreKey/)
    const idWithoutKey = PreKeyBundlePb.encode({ ...fields, oneTimePreKeyId: 1 })
    expect(() => decodePreKeyBundle(idWithoutKey)).toThrow(/bundle\.oneTimePreKey/)
    try {
      initiateSession({ identity: generateIdentityKeyPair(), username: 'a', peerUsername: 'b', bundle: { ...bundle, signedPreKey: new Uint8Array(31) } })
      expect.unreachable()
    } catch (err) {
      expect(err).toMatchObject({ code: 'MALFORMED_MESSAGE', field: 'bundle.signedPreKey' })
    }
  })

  it('lets the responder decrypt resent initial messages on the existing session, and only there', async () => {
    const aliceId = generateIdentityKeyPair()
    const { bobId, store } = bobWithPreKeys(2)
    let alice = initiateSession({ identity: aliceId, username: 'alice', peerUsername: 'bob', bundle: createPreKeyBundle(store.state, bobId.publicKey, firstOneTimeId(store)) })
    const m1 = encryptMessage(alice, utf8('one'))
    alice = m1.session
    const m2 = encryptMessage(alice, utf8('two'))
    const r = await respondToSession({ identity: bobId, username: 'bob', store, message: m1.message })
    expect(isSameSession(r.session, decodeInitialMessage(m2.message))).toBe(true)
    expect(text(decryptInitialMessage(r.session, m2.message).plaintext)).toBe('two')
    // Another X3DH run (new base key) is not this session.
    const other = encryptMessage(initiateSession({ identity: aliceId, username: 'alice', peerUsername: 'bob', bundle: createPreKeyBundle(store.state, bobId.publicKey) }), utf8('3'))
    expect(isSameSession(r.session, decodeInitialMessage(other.message))).toBe(false)
    expect(() => decryptInitialMessage(r.session, other.message)).toThrow(SessionError)
    // A replay of m1 on the existing session is a duplicate.
    expect(() => decryptInitialMessage(r.session, m1.message)).toThrow(/DUPLICATE|already decrypted/)
  })

  it('refuses an initial message claiming our own identity', async () => {
    const { bobId, store } = bobWithPreKeys(0)
    const first = encryptMessage(initiateSession({ identity: bobId, username: 'bob', peerUsername: 'bob', bundle: createPreKeyBundle(store.state, bobId.publicKey) }), utf8('x'))
    await expect(respondToSession({ identity: bobId, username: 'bob', store, message: first.message })).rejects.toThrow(MalformedMessageError)
  })
})

describe('signed prekey rotation', () => {
  it('does nothing before the rotation interval, returning the same state', () => {
    const clock = new ManualClock()
    const { bobId, store } = bobWithPreKeys(0, clock.read)
    clock.advance(6 * DAY)
    expect(rotateSignedPreKey(store.state, bobId, { clock: clock.read })).toBe(store.state)
  })

  it('rotates after the interval, keeps the previous key for the grace period, then drops it', async () => {
    const clock = new ManualClock()
    const aliceId = generateIdentityKeyPair()
    const { bobId, store } = bobWithPreKeys(2, clock.read)
    const oldBundle = createPreKeyBundle(store.state, bobId.publicKey)
    const oldId = store.state.signedPreKey.id
    const before = serializePreKeyState(store.state)

    clock.advance(7 * DAY)
    const rotated = rotateSignedPreKey(store.state, bobId, { clock: clock.read })
    expect(toHex(serializePreKeyState(store.state))).toBe(toHex(before)) // the input state is untouched
    expect(rotated.signedPreKey.id).not.toBe(oldId)
    expect(rotated.retiredSignedPreKeys.map(k => k.id)).toEqual([oldId])
    expect(verifyPreKeyBundle(createPreKeyBundle(rotated, bobId.publicKey))).toBe(true)
    store.state = rotated

    // A message built on the old bundle, delayed in a mailbox, still opens during the grace period.
    const late = encryptMessage(initiateSession({ identity: aliceId, username: 'alice', peerUsername: 'bob', bundle: oldBundle }), utf8('late'))
    clock.advance(13 * DAY)
    store.state = rotateSignedPreKey(store.state, bobId, { clock: clock.read })
    expect(text((await respondToSession({ identity: bobId, username: 'bob', store, message: late.message })).plaintext)).toBe('late')

    // After the grace period the old key is gone.
    clock.advance(1 * DAY)
    store.state = rotateSignedPreKey(store.state, bobId, { clock: clock.read })
    expect(store.state.retiredSignedPreKeys.map(k => k.id)).not.toContain(oldId)
    const later = encryptMessage(initiateSession({ identity: aliceId, username: 'alice', peerUsername: 'bob', bundle: oldBundle }), utf8('too late'))
    await expect(respondToSession({ identity: bobId, username: 'bob', store, message: later.message })).rejects.toMatchObject({ code: 'SIGNED_PREKEY_NOT_FOUND' })
  })

  it('serializes the prekey state and reads it back', () => {
    const clock = new ManualClock()
    const { bobId, store } = bobWithPreKeys(3, clock.read)
    clock.advance(8 * DAY)
    const state = rotateSignedPreKey(store.state, bobId, { clock: clock.read })
    const bytes = serializePreKeyState(state)
    const back = deserializePreKeyState(bytes)
    expect(toHex(serializePreKeyState(back))).toBe(toHex(bytes))
    expect(back.retiredSignedPreKeys[0]?.retiredAt).toBe(clock.now)
    expect(() => deserializePreKeyState(bytes.subarray(0, 30))).toThrow(SessionError)
  })

  it('refuses a key pair whose public half does not match, naming the field', async () => {
    const aliceId = generateIdentityKeyPair()
    const { bobId, store } = bobWithPreKeys(1)
    const first = encryptMessage(initiateSession({ identity: aliceId, username: 'alice', peerUsername: 'bob', bundle: createPreKeyBundle(store.state, bobId.publicKey) }), utf8('x'))
    const spk = store.state.signedPreKey
    const broken = new InMemoryPreKeyStore({ ...store.state, signedPreKey: { ...spk, keyPair: { ...spk.keyPair, privateKey: new Uint8Array(32).fill(5) } } })
    await expect(respondToSession({ identity: bobId, username: 'bob', store: broken, message: first.message }))
      .rejects.toMatchObject({ code: 'INVALID_KEY', field: 'signedPreKey.publicKey' })
    expect(store.state.oneTimePreKeys).toHaveLength(1)
  })
})
