import { afterEach, describe, expect, it } from 'vitest'
import { FakeNet, statusOf, textsFrom, until } from './harness.js'

describe('DM statuses and keys', () => {
  let net: FakeNet
  afterEach(async () => { await net.stop() })

  it('raises the status to read when the contact reads (a read receipt)', async () => {
    net = new FakeNet()
    const alice = await net.add('alice')
    const bob = await net.add('bob')
    const sent = await Promise.all(['one', 'two'].map(async t => alice.dm.send('bob', t)))
    await until(() => sent.every(s => statusOf(alice, s.id) === 'delivered'))
    expect(await bob.dm.markRead('alice')).toEqual({ read: 2 })
    await until(() => sent.every(s => statusOf(alice, s.id) === 'read'))
    expect((await alice.timeline.history('bob')).map(m => m.status)).toEqual(['read', 'read'])
    expect((await bob.timeline.history('alice')).map(m => m.read)).toEqual([true, true])
    // Nothing new to read: no receipt.
    const frames = net.frames.length
    expect(await bob.dm.markRead('alice')).toEqual({ read: 0 })
    expect(net.frames.length).toBe(frames)
  })

  it('holds messages for a contact whose key changed until the user trusts the new key', async () => {
    net = new FakeNet()
    const alice = await net.add('alice')
    const bob = await net.add('bob')
    await alice.dm.send('bob', 'hello')
    await until(() => textsFrom(bob, 'alice').length === 1)
    // bob registers again (a new phone): a new identity key, a new node.
    await bob.dm.stop()
    const bob2 = await net.add('bob')
    await bob2.dm.send('alice', 'it is me, new phone')
    await until(() => textsFrom(alice, 'bob').length === 1)
    expect(alice.messages.find(m => m.from === 'bob')?.keyChanged).toBe(true)
    const held = await alice.dm.send('bob', 'are you still you?')
    await until(() => alice.blocked.length > 0)
    expect(alice.blocked).toEqual([{ id: held.id, conversation: 'bob', reason: 'KEY_CHANGED' }])
    expect(statusOf(alice, held.id)).toBeUndefined()
    expect(bob2.messages).toEqual([])
    const known = await alice.dm.trust('bob')
    expect(known).toMatchObject({ username: 'bob', verified: true })
    await until(() => statusOf(alice, held.id) === 'delivered')
    expect(textsFrom(bob2, 'alice')).toEqual(['are you still you?'])
    // Reported once, not again when delivered.
    expect(alice.blocked).toHaveLength(1)
  })
})
