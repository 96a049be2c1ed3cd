import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import {
  CryptoError, DecryptError, DuplicateMessageError, MalformedMessageError, MaxSkipExceededError, MessageKeyExpiredError,
  SessionError, aesGcmDecrypt, confirmSession, countSkippedKeys, decryptMessage, deserializeSession, encryptMessage, expireSkippedKeys, listSkippedKeys,
  serializeSession
} from '../../src/crypto/index.js'
import type { SessionState } from '../../src/crypto/index.js'
import { deriveMessageKeys, initResponderSession, kdfChainKey } from '../../src/crypto/ratchet.js'
import { RatchetHeader, RatchetMessage } from '../../src/crypto/pb/session.js'
import { InitialMessage } from '../../src/crypto/pb/x3dh.js'
import { ManualClock, establish, hex, text, toHex, utf8 } from './helpers.js'

/** Encrypts each text in turn from `session`; returns the wire messages and the final state. */
function sendAll (session: SessionState, texts: string[], clock?: () => number): { session: SessionState, messages: Uint8Array[] } {
  const messages: Uint8Array[] = []
  for (const t of texts) {
    const r = encryptMessage(session, utf8(t), { clock })
    session = r.session
    messages.push(r.message)
  }
  return { session, messages }
}

/** Asserts that decrypting `message` throws `kind` and that the session's bytes are unchanged. */
function expectRejected (session: SessionState, message: Uint8Array, kind: new (...args: never[]) => CryptoError, options = {}): CryptoError {
  const before = toHex(serializeSession(session))
  let caught: unknown
  try {
    decryptMessage(session, message, options)
  } catch (err) {
    caught = err
  }
  expect(caught).toBeInstanceOf(kind)
  expect(toHex(serializeSession(session))).toBe(before)
  return caught as CryptoError
}

function flipBit (bytes: Uint8Array, bit: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(bytes)
  out[bit >> 3] = (out[bit >> 3] as number) ^ (1 << (bit & 7))
  return out
}

describe('KDF_CK and message keys', () => {
  // libsignal's test vector for chain keys (rust/protocol/src/ratchet/keys.rs, "test_chain_key_derivation").
  const seed = hex('8ab72d6f4cc5ac0d387eaf463378ddb28edd07385b1cb01250c715982e7ad48f')

  it('matches libsignal\'s chain-key vector: next chain key = HMAC(seed, 0x02)', () => {
    expect(toHex(kdfChainKey(seed).chainKey)).toBe('28e8f8fee54b801eef7c5cfb2f17f32c7b334485bbb70fac6ec10342a246d15d')
  })

  it('matches libsignal\'s message keys: HKDF over HMAC(seed, 0x01), "WhisperMessageKeys", 80 bytes', () => {
    const keys = deriveMessageKeys(kdfChainKey(seed).messageKey)
    expect(toHex(keys.cipherKey)).toBe('bf51e9d75e0e31031051f82a2491ffc084fa298b7793bd9db620056febf45217')
    expect(toHex(keys.macKey)).toBe('c6c77d6a73a354337a56435e34607dfe48e3ace14e77314dc6abc172e7a7030b')
    expect(toHex(keys.iv)).toBe('afa8207986b692a116d4b40bbff72d6c')
  })

  it('is what encryptMessage uses: the ciphertext opens with keys derived by the tested functions', async () => {
    const { alice } = await establish()
    const { session, message } = encryptMessage(alice, utf8('proof'))
    const wire = RatchetMessage.decode(message)
    const keys = deriveMessageKeys(kdfChainKey(alice.sendingChainKey as Uint8Array).messageKey)
    const ad = new Uint8Array([...alice.associatedData, ...wire.header])
    expect(text(aesGcmDecrypt(keys.cipherKey, keys.iv.subarray(0, 12), wire.ciphertext, ad))).toBe('proof')
    expect(toHex(session.sendingChainKey as Uint8Array)).toBe(toHex(kdfChainKey(alice.sendingChainKey as Uint8Array).chainKey))
  })
})

describe('Double Ratchet', () => {
  it('round-trips in both directions with a DH ratchet step at every turn', async () => {
    let { alice, bob } = await establish()
    for (let i = 0; i < 5; i++) {
      const a = encryptMessage(alice, utf8(`a${i}`))
      alice = a.session
      const d = decryptMessage(bob, a.message)
      bob = d.session
      expect(text(d.plaintext)).toBe(`a${i}`)
      const b = encryptMessage(bob, utf8(`b${i}`))
      bob = b.session
      const e = decryptMessage(alice, b.message)
      alice = e.session
      expect(text(e.plaintext)).toBe(`b${i}`)
      expect(toHex(alice.receivingRatchetKey as Uint8Array)).toBe(toHex(bob.sendingRatchetKey.publicKey))
    }
  })

  it('serializes to bytes and back without change', async () => {
    const { alice, bob } = await establish({ confirmed: false })
    for (const s of [alice, bob]) {
      const bytes = serializeSession(s)
      expect(toHex(serializeSession(deserializeSession(bytes)))).toBe(toHex(bytes))
    }
    // Including skipped keys of two chains.
    const { alice: a2, bob: b2 } = await establish()
    let bob2 = b2
    const first = sendAll(a2, ['0', '1', '2'])
    bob2 = decryptMessage(bob2, first.messages[2] as Uint8Array).session
    const reply = encryptMessage(bob2, utf8('r'))
    const alice2 = decryptMessage(first.session, reply.message).session
    const second = sendAll(alice2, ['3', '4'])
    bob2 = decryptMessage(reply.session, second.messages[1] as Uint8Array).session
    expect(bob2.skippedKeys.length).toBe(2)
    const bytes = serializeSession(bob2)
    const back = deserializeSession(bytes)
    expect(listSkippedKeys(back).map(k => k.counter)).toEqual([0, 1, 0])
    expect(toHex(serializeSession(back))).toBe(toHex(bytes))
  })

  it('does not alias the bytes it was loaded from', async () => {
    const { bob } = await establish()
    const bytes = serializeSession(bob)
    const loaded = deserializeSession(bytes)
    bytes.fill(0)
    expect(toHex(serializeSession(loaded))).toBe(toHex(serializeSession(bob)))
  })

  it('decrypts messages out of order, within a chain and across DH steps', async () => {
    let { alice, bob } = await establish()
    const s1 = sendAll(alice, ['m0', 'm1', 'm2', 'm3'])
    alice = s1.session
    for (const i of [2, 0, 3]) {
      const d = decryptMessage(bob, s1.messages[i] as Uint8Array)
      bob = d.session
      expect(text(d.plaintext)).toBe(`m${i}`)
    }
    // Bob replies; Alice ratchets and sends a new chain; Bob gets the new chain before the old m1.
    const r = encryptMessage(bob, utf8('reply'))
    bob = r.session
    alice = decryptMessage(alice, r.message).session
    const s2 = sendAll(alice, ['n0', 'n1'])
    let d = decryptMessage(bob, s2.messages[1] as Uint8Array)
    bob = d.session
    expect(text(d.plaintext)).toBe('n1')
    d = decryptMessage(bob, s1.messages[1] as Uint8Array)
    bob = d.session
    expect(text(d.plaintext)).toBe('m1')
    d = decryptMessage(bob, s2.messages[0] as Uint8Array)
    bob = d.session
    expect(text(d.plaintext)).toBe('n0')
    expect(countSkippedKeys(bob)).toBe(0)
  })

  it('keeps going when a message is lost forever, keeping its key until it expires', async () => {
    const clock = new ManualClock()
    let { alice, bob } = await establish({ clock: clock.read })
    const s = sendAll(alice, ['lost', 'kept1', 'kept2'], clock.read)
    alice = s.session
    bob = decryptMessage(bob, s.messages[1] as Uint8Array, { clock: clock.read }).session
    bob = decryptMessage(bob, s.messages[2] as Uint8Array, { clock: clock.read }).session
    expect(listSkippedKeys(bob).map(k => k.counter)).toEqual([0])
    // The conversation continues in both directions.
    const r = encryptMessage(bob, utf8('still here'), { clock: clock.read })
    expect(text(decryptMessage(alice, r.message, { clock: clock.read }).plaintext)).toBe('still here')
    // After the TTL, the next operation deletes the lost message's key, as does an idle sweep.
    clock.advance(1000)
    const next = encryptMessage(r.session, utf8('x'), { clock: clock.read, skippedKeyTtlMs: 500 })
    expect(countSkippedKeys(next.session)).toBe(0)
    expect(expireSkippedKeys(r.session, { clock: clock.read, skippedKeyTtlMs: 2000 })).toBe(r.session)
    expect(countSkippedKeys(expireSkippedKeys(r.session, { clock: clock.read, skippedKeyTtlMs: 500 }))).toBe(0)
  })

  it('rejects a replayed message', async () => {
    let { alice, bob } = await establish()
    const m = encryptMessage(alice, utf8('once'))
    alice = m.session
    bob = decryptMessage(bob, m.message).session
    const err = expectRejected(bob, m.message, DuplicateMessageError)
    expect(err.code).toBe('DUPLICATE_MESSAGE')
  })

  it('rejects a replayed out-of-order message whose skipped key was used', async () => {
    let { alice, bob } = await establish()
    const s = sendAll(alice, ['0', '1'])
    alice = s.session
    bob = decryptMessage(bob, s.messages[1] as Uint8Array).session
    bob = decryptMessage(bob, s.messages[0] as Uint8Array).session
    expectRejected(bob, s.messages[0] as Uint8Array, DuplicateMessageError)
  })

  it('rejects a replay from an earlier chain after the ratchet moved on, leaving the state unchanged', async () => {
    let { alice, bob } = await establish()
    const old = encryptMessage(alice, utf8('old'))
    alice = old.session
    bob = decryptMessage(bob, old.message).session
    const r = encryptMessage(bob, utf8('r'))
    bob = r.session
    alice = decryptMessage(alice, r.message).session
    const n = encryptMessage(alice, utf8('new'))
    bob = decryptMessage(bob, n.message).session
    expectRejected(bob, old.message, DecryptError)
  })

  describe('rejects tampering with no state change', () => {
    it('in the header (counter, previous counter, ratchet key)', async () => {
      const { alice, bob } = await establish()
      const m = encryptMessage(alice, utf8('hi')).message
      const wire = RatchetMessage.decode(m)
      const header = RatchetHeader.decode(wire.header)
      const variants = [
        { ...header, counter: header.counter + 1 },
        { ...header, previousCounter: header.previousCounter + 1 },
        { ...header, ratchetKey: flipBit(header.ratchetKey, 3) }
      ]
      for (const h of variants) {
        const forged = RatchetMessage.encode({ header: RatchetHeader.encode(h), ciphertext: wire.ciphertext })
        expectRejected(bob, forged, DecryptError)
      }
      // And every single bit of the encoded header.
      for (let bit = 0; bit < wire.header.length * 8; bit++) {
        const forged = RatchetMessage.encode({ header: flipBit(wire.header, bit), ciphertext: wire.ciphertext })
        expectRejected(bob, forged, CryptoError)
      }
    })

    it('in the ciphertext and in the tag', async () => {
      const { alice, bob } = await establish()
      const m = encryptMessage(alice, utf8('a message of some length')).message
      const wire = RatchetMessage.decode(m)
      const tagStart = (wire.ciphertext.length - 16) * 8
      for (const bit of [0, 9, tagStart - 1, tagStart, tagStart + 77, wire.ciphertext.length * 8 - 1]) {
        const forged = RatchetMessage.encode({ header: wire.header, ciphertext: flipBit(wire.ciphertext, bit) })
        expectRejected(bob, forged, DecryptError)
      }
      const truncated = RatchetMessage.encode({ header: wire.header, ciphertext: wire.ciphertext.subarray(0, 10) })
      expectRejected(bob, truncated, MalformedMessageError)
      expectRejected(bob, m.subarray(0, m.length - 3), MalformedMessageError)
    })

    it('and the untouched message still decrypts afterwards', async () => {
      const { alice, bob } = await establish()
      const m = encryptMessage(alice, utf8('intact')).message
      const wire = RatchetMessage.decode(m)
      expectRejected(bob, RatchetMessage.encode({ header: wire.header, ciphertext: flipBit(wire.ciphertext, 5) }), DecryptError)
      expect(text(decryptMessage(bob, m).plaintext)).toBe('intact')
    })
  })

  it('rejects a jump past MAX_SKIP and accepts one of exactly MAX_SKIP', async () => {
    let { alice, bob } = await establish()
    const s = sendAll(alice, Array.from({ length: 12 }, (_, i) => String(i)))
    alice = s.session
    const err = expectRejected(bob, s.messages[11] as Uint8Array, MaxSkipExceededError, { maxSkip: 10 })
    expect(err.code).toBe('MAX_SKIP_EXCEEDED')
    const ok = decryptMessage(bob, s.messages[10] as Uint8Array, { maxSkip: 10 })
    expect(text(ok.plaintext)).toBe('10')
    expect(countSkippedKeys(ok.session)).toBe(10)
  })

  it('rejects a jump past MAX_SKIP in the previous chain (header PN)', async () => {
    let { alice, bob } = await establish()
    const s = sendAll(alice, Array.from({ length: 6 }, (_, i) => String(i)))
    alice = s.session
    // Bob never saw these; Alice receives a reply and starts a new chain whose header says PN = 6.
    const r = encryptMessage(bob, utf8('r'))
    bob = r.session
    alice = decryptMessage(alice, r.message).session
    const n = encryptMessage(alice, utf8('n'))
    expectRejected(bob, n.message, MaxSkipExceededError, { maxSkip: 5 })
    expect(text(decryptMessage(bob, n.message, { maxSkip: 6 }).plaintext)).toBe('n')
  })

  it('refuses a skipped key once expired, without changing the state', async () => {
    const clock = new ManualClock()
    let { alice, bob } = await establish({ clock: clock.read })
    const s = sendAll(alice, ['late', 'early'], clock.read)
    alice = s.session
    bob = decryptMessage(bob, s.messages[1] as Uint8Array, { clock: clock.read }).session
    clock.advance(60_000)
    const err = expectRejected(bob, s.messages[0] as Uint8Array, MessageKeyExpiredError, { clock: clock.read, skippedKeyTtlMs: 60_000 })
    expect(err.code).toBe('MESSAGE_KEY_EXPIRED')
    // One millisecond younger, it would have decrypted.
    const younger = decryptMessage(bob, s.messages[0] as Uint8Array, { clock: () => clock.now - 1, skippedKeyTtlMs: 60_000 })
    expect(text(younger.plaintext)).toBe('late')
  })

  it('evicts the oldest skipped keys beyond the count limit', async () => {
    let { alice, bob } = await establish()
    const s = sendAll(alice, Array.from({ length: 9 }, (_, i) => String(i)))
    alice = s.session
    bob = decryptMessage(bob, s.messages[8] as Uint8Array, { maxSkippedKeys: 5 }).session
    expect(listSkippedKeys(bob).map(k => k.counter)).toEqual([3, 4, 5, 6, 7])
    expectRejected(bob, s.messages[2] as Uint8Array, DuplicateMessageError, { maxSkippedKeys: 5 })
    expect(text(decryptMessage(bob, s.messages[3] as Uint8Array, { maxSkippedKeys: 5 }).plaintext)).toBe('3')
  })

  it('sends initial messages until the first reply, then plain ratchet messages', async () => {
    const { alice, bob } = await establish({ confirmed: false })
    expect(alice.pendingPreKey).toBeDefined()
    const again = encryptMessage(alice, utf8('still initial'))
    expect(again.initial).toBe(true)
    const reply = encryptMessage(bob, utf8('reply'))
    expect(reply.initial).toBe(false)
    const after = decryptMessage(alice, reply.message)
    expect(after.session.pendingPreKey).toBeUndefined()
    expect(encryptMessage(after.session, utf8('x')).initial).toBe(false)
  })

  it('sends plain ratchet messages once confirmed, which the responder opens, initial ones in flight included', async () => {
    const { alice, bob } = await establish({ confirmed: false })
    const inFlight = encryptMessage(alice, utf8('sent before the ack'))
    expect(inFlight.initial).toBe(true)
    const confirmed = confirmSession(inFlight.session)
    expect(confirmed.pendingPreKey).toBeUndefined()
    expect(confirmSession(confirmed)).toBe(confirmed)
    const plain = encryptMessage(confirmed, utf8('after the ack'))
    expect(plain.initial).toBe(false)
    // bob has the session from alice's first message: the plain one opens, and the initial one still in flight too.
    const opened = decryptMessage(bob, plain.message)
    expect(text(opened.plaintext)).toBe('after the ack')
    const late = decryptMessage(opened.session, InitialMessage.decode(inFlight.message).message)
    expect(text(late.plaintext)).toBe('sent before the ack')
  })

  it('refuses to send from a responder session that has received nothing', async () => {
    const { bob } = await establish()
    const fresh = initResponderSession({
      sharedSecret: new Uint8Array(32),
      ratchetKeyPair: bob.sendingRatchetKey,
      associatedData: bob.associatedData,
      remoteIdentityKey: bob.remoteIdentityKey,
      remoteUsername: 'alice',
      baseKey: bob.baseKey
    })
    expect(() => encryptMessage(fresh, utf8('x'))).toThrow(SessionError)
    expect(() => encryptMessage(fresh, utf8('x'))).toThrow(/NO_SENDING_CHAIN|cannot send/)
  })

  it('refuses corrupt session bytes, naming the field', async () => {
    const { bob } = await establish()
    const bytes = serializeSession(bob)
    expect(() => deserializeSession(bytes.subarray(0, 20))).toThrow(SessionError)
    const wrongVersion = new Uint8Array([0x08, 0x63, ...bytes.subarray(2)])
    expect(() => deserializeSession(wrongVersion)).toThrow(/version/)
  })

  it('keeps both sides in agreement over long random conversations with reordering, drops and replays', async () => {
    type Action =
      | { kind: 'send', from: 0 | 1, size: number }
      | { kind: 'deliver', to: 0 | 1, pick: number }
      | { kind: 'drop', to: 0 | 1, pick: number }
      | { kind: 'replay', to: 0 | 1, pick: number }
      | { kind: 'reload', who: 0 | 1 }
    const side = fc.constantFrom<0 | 1>(0, 1)
    const action: fc.Arbitrary<Action> = fc.oneof(
      { weight: 4, arbitrary: fc.record({ kind: fc.constant('send' as const), from: side, size: fc.nat(300) }) },
      { weight: 4, arbitrary: fc.record({ kind: fc.constant('deliver' as const), to: side, pick: fc.nat() }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('drop' as const), to: side, pick: fc.nat() }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('replay' as const), to: side, pick: fc.nat() }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('reload' as const), who: side }) }
    )
    await fc.assert(fc.asyncProperty(fc.array(action, { minLength: 20, maxLength: 250, size: 'max' }), async actions => {
      const pair = await establish()
      const sessions: SessionState[] = [pair.alice, pair.bob]
      // In flight towards each side, and already delivered to each side.
      const inFlight: Array<Array<{ message: Uint8Array, plaintext: string }>> = [[], []]
      const delivered: Uint8Array[][] = [[], []]
      let n = 0
      const deliver = (to: 0 | 1, index: number): void => {
        const [item] = inFlight[to]!.splice(index, 1)
        if (item === undefined) return
        const r = decryptMessage(sessions[to]!, item.message)
        expect(text(r.plaintext)).toBe(item.plaintext)
        sessions[to] = r.session
        delivered[to]!.push(item.message)
      }
      for (const a of actions) {
        if (a.kind === 'send') {
          const plaintext = `${n++}:${'x'.repeat(a.size)}`
          const r = encryptMessage(sessions[a.from]!, utf8(plaintext))
          sessions[a.from] = r.session
          inFlight[a.from === 0 ? 1 : 0]!.push({ message: r.message, plaintext })
        } else if (a.kind === 'deliver') {
          if (inFlight[a.to]!.length > 0) deliver(a.to, a.pick % inFlight[a.to]!.length)
        } else if (a.kind === 'drop') {
          if (inFlight[a.to]!.length > 0) inFlight[a.to]!.splice(a.pick % inFlight[a.to]!.length, 1)
        } else if (a.kind === 'replay') {
          const old = delivered[a.to]!
          if (old.length > 0) expectRejected(sessions[a.to]!, old[a.pick % old.length]!, CryptoError)
        } else {
          sessions[a.who] = deserializeSession(serializeSession(sessions[a.who]!))
        }
      }
      // Everything still in flight decrypts, in any order.
      for (const to of [0, 1] as const) {
        while (inFlight[to]!.length > 0) deliver(to, inFlight[to]!.length - 1)
      }
      // And the two sides can still talk.
      const last = encryptMessage(sessions[0]!, utf8('end'))
      expect(text(decryptMessage(sessions[1]!, last.message).plaintext)).toBe('end')
    }), { numRuns: 100 })
  })
})
