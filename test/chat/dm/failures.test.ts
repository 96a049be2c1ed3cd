import { afterEach, describe, expect, it, vi } from 'vitest'
import { DmEnvelope } from '../../../src/chat/pb/chat.js'
import { toBase64 } from '../../../src/crypto/index.js'
import { FakeNet, outboxKeys, statusOf, textsFrom, until } from './harness.js'

/** Retries come quickly in the tests that are not about the backoff itself. */
const QUICK = { retryMinMs: 5, retryMaxMs: 20 }

describe('DM delivery failures', () => {
  let net: FakeNet
  afterEach(async () => {
    vi.useRealTimers()
    await net.stop()
  })

  it('retries a failed delivery with a doubling backoff, and delivers once the link works again', async () => {
    net = new FakeNet()
    const alice = await net.add('alice')
    const bob = await net.add('bob')
    const first = await alice.dm.send('bob', 'first')
    await until(() => statusOf(alice, first.id) === 'delivered')
    // Frames to bob's node fail, and the relay is unreachable: every round fails.
    net.failing = true
    net.relay.down = true
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] })
    const t0 = Date.now()
    const second = await alice.dm.send('bob', 'second')
    await vi.advanceTimersByTimeAsync(20_000)
    // Rounds at once, then after 1, 2, 4 and 8 s (RETRY_MIN_MS doubling).
    expect(net.relay.deposits.filter(d => d.id === second.id).map(d => d.at - t0)).toEqual([0, 1_000, 3_000, 7_000, 15_000])
    expect(statusOf(alice, second.id)).toBeUndefined()
    // The link works again: the next retry (16 s after the last) gets through.
    net.failing = false
    await vi.advanceTimersByTimeAsync(10_000)
    expect(textsFrom(bob, 'alice')).toEqual(['first'])
    await vi.advanceTimersByTimeAsync(1_000)
    expect(textsFrom(bob, 'alice')).toEqual(['first', 'second'])
    expect(statusOf(alice, second.id)).toBe('delivered')
    expect(await outboxKeys(alice)).toEqual([])
  })

  it('goes at once when the contact comes back online, without waiting for the retry', async () => {
    net = new FakeNet()
    const alice = await net.add('alice')
    const bob = await net.add('bob')
    net.setOnline(bob, false)
    net.relay.down = true
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] })
    const sent = await alice.dm.send('bob', 'are you there?')
    await vi.advanceTimersByTimeAsync(100)
    net.setOnline(bob, true)
    alice.dm.online('bob')
    await vi.advanceTimersByTimeAsync(100)
    expect(textsFrom(bob, 'alice')).toEqual(['are you there?'])
    expect(statusOf(alice, sent.id)).toBe('delivered')
  })

  it('delivers after a restart what was stored before it, encrypted or not, the same bytes and in order', async () => {
    net = new FakeNet()
    let alice = await net.add('alice', { init: QUICK })
    const bob = await net.add('bob')
    // Stored before any session exists: not encrypted yet.
    net.setOnline(bob, false)
    net.relay.down = true
    await alice.dm.send('bob', 'one')
    alice = await net.restart(alice, { init: QUICK })
    // Encrypted when stored (a session is in memory), then lost with the node.
    net.setOnline(bob, true)
    await until(() => textsFrom(bob, 'alice').length === 1)
    net.setOnline(bob, false)
    await Promise.all(['two', 'three'].map(async t => alice.dm.send('bob', t)))
    const stored = new Map<string, string | undefined>()
    for await (const [, entry] of alice.sealed.entries<{ id: string, envelope?: string }>('o/')) stored.set(entry.id, entry.envelope)
    expect([...stored.values()].every(e => e !== undefined)).toBe(true)
    alice = await net.restart(alice, { init: QUICK })
    net.setOnline(bob, true)
    alice.dm.online('bob')
    await until(() => textsFrom(bob, 'alice').length === 3)
    expect(textsFrom(bob, 'alice')).toEqual(['one', 'two', 'three'])
    // What was encrypted before the restart goes as it was stored: the ratchet does not move twice for it.
    const resent = net.frames.filter(f => f.from === 'alice').flatMap(f => f.envelopes).filter(e => stored.has(e.id))
    expect(resent.map(e => toBase64(DmEnvelope.encode(e)))).toEqual([...stored.values()])
    await until(() => alice.statuses.filter(s => s.status === 'delivered').length === 2)
    expect(await outboxKeys(alice)).toEqual([])
  })

  it('starts a new session and encrypts again, in order, when the contact lost its session (NO_SESSION)', async () => {
    net = new FakeNet()
    const alice = await net.add('alice', { init: QUICK })
    let bob = await net.add('bob')
    await alice.dm.send('bob', 'one')
    await until(() => textsFrom(bob, 'alice').length === 1)
    // bob's node lost its session with alice (restored from an old backup, say).
    await bob.sealed.write([bob.sealed.del(`s/${bob.sealed.name('alice')}`)])
    bob = await net.restart(bob)
    const texts = Array.from({ length: 20 }, (_, i) => `after ${i}`)
    await Promise.all(texts.map(async t => alice.dm.send('bob', t)))
    await until(() => textsFrom(bob, 'alice').length === 20)
    expect(textsFrom(bob, 'alice')).toEqual(texts)
    expect(net.frames.flatMap(f => f.rejects).map(r => r.code)).toContain('NO_SESSION')
    // The envelopes that got through start the new session.
    const accepted = net.frames.filter(f => f.from === 'alice' && f.rejects.length === 0).flatMap(f => f.envelopes)
    expect(accepted.at(-20)?.initial).toBe(true)
  })

  it('starts a new session when the contact can no longer decrypt (DECRYPT_FAILED)', async () => {
    net = new FakeNet()
    const alice = await net.add('alice', { init: QUICK })
    let bob = await net.add('bob')
    await alice.dm.send('bob', 'one')
    await until(() => textsFrom(bob, 'alice').length === 1)
    const key = `s/${bob.sealed.name('alice')}`
    const backup = await bob.sealed.get(key)
    // A few turns move both ratchets on (Double Ratchet §3.5)...
    for (const [from, to, text] of [[bob, alice, 'b1'], [alice, bob, 'a1'], [bob, alice, 'b2']] as const) {
      await from.dm.send(to.name, text)
      await until(() => textsFrom(to, from.name).includes(text))
    }
    // ...and bob's node goes back to the session it had before them: it cannot follow alice's chain.
    await bob.sealed.write([bob.sealed.put(key, backup)])
    bob = await net.restart(bob)
    await Promise.all(['two', 'three'].map(async t => alice.dm.send('bob', t)))
    await until(() => textsFrom(bob, 'alice').length === 2)
    expect(textsFrom(bob, 'alice')).toEqual(['two', 'three'])
    expect(net.frames.flatMap(f => f.rejects).map(r => r.code)).toEqual(['DECRYPT_FAILED', 'DECRYPT_FAILED'])
    expect((await bob.timeline.history('alice')).filter(m => m.direction === 'in').map(m => m.text)).toEqual(['one', 'a1', 'two', 'three'])
  })

})
