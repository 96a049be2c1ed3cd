import { afterEach, describe, expect, it } from 'vitest'
import { decodeInitialMessage, toHex } from '../../../src/crypto/index.js'
import { RatchetHeader, RatchetMessage } from '../../../src/crypto/pb/session.js'
import { FakeNet, outboxKeys, textsFrom, until } from './harness.js'
import type { DmEnvelope } from '../../../src/chat/pb/chat.js'

/** Where an envelope sits in its sender's chains: the ratchet key (hex) and the message number (Double Ratchet §3.1 header). */
function chainPosition (env: DmEnvelope): { chain: string, n: number } {
  const message = env.initial ? decodeInitialMessage(env.body).message : env.body
  const header = RatchetHeader.decode(RatchetMessage.decode(message).header)
  return { chain: toHex(header.ratchetKey), n: header.counter }
}

describe('DM order', () => {
  let net: FakeNet
  afterEach(async () => { await net.stop() })

  it('delivers a burst of 1,000 sends exactly once and in order, and empties the outbox', async () => {
    net = new FakeNet()
    const alice = await net.add('alice')
    const bob = await net.add('bob')
    const texts = Array.from({ length: 1000 }, (_, i) => `burst ${i}`)
    const sent = await Promise.all(texts.map(async t => alice.dm.send('bob', t)))
    expect(sent.every(s => s.status === 'pending' && s.conversation === 'bob')).toBe(true)
    await until(() => alice.statuses.filter(s => s.status === 'delivered').length === 1000)
    expect(textsFrom(bob, 'alice')).toEqual(texts)
    expect(new Set(bob.messages.map(m => m.id)).size).toBe(1000)
    expect((await bob.timeline.history('alice', 2000)).map(m => m.text)).toEqual(texts)
    expect((await alice.timeline.history('bob', 2000)).map(m => [m.text, m.status])).toEqual(texts.map(t => [t, 'delivered']))
    expect(await outboxKeys(alice)).toEqual([])
  })

  it('keeps the order of sends made before a session exists and after, and encrypts them in that order', async () => {
    net = new FakeNet()
    // Small rounds, so most of wave 1 waits unencrypted while wave 2 is sent.
    const alice = await net.add('alice', { init: { sendFrame: 8, framesInFlight: 2 } })
    const bob = await net.add('bob')
    const release = net.hold()
    const wave1 = Array.from({ length: 150 }, (_, i) => `wave1 ${i}`)
    const wave2 = Array.from({ length: 150 }, (_, i) => `wave2 ${i}`)
    await Promise.all(wave1.map(async t => alice.dm.send('bob', t)))
    // The first round has a session now, and its frames wait on the wire.
    await until(() => net.waiting > 0)
    await Promise.all(wave2.map(async t => alice.dm.send('bob', t)))
    release()
    await until(() => textsFrom(bob, 'alice').length === 300)
    expect(textsFrom(bob, 'alice')).toEqual([...wave1, ...wave2])
    // Every envelope came after the ones before it in its chain: encrypted in send order.
    const positions = net.frames.filter(f => f.from === 'alice').flatMap(f => f.envelopes.map(chainPosition))
    expect(positions).toHaveLength(300)
    expect(new Set(positions.map(p => p.chain)).size).toBe(1)
    expect(positions.map(p => p.n)).toEqual(positions.map((_, i) => i))
  })
})
