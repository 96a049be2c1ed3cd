import { afterEach, describe, expect, it } from 'vitest'
import { DmEnvelope } from '../../../src/chat/pb/chat.js'
import { FakeNet, statusOf, textsFrom, until } from './harness.js'

describe('DM through the relay mailbox', () => {
  let net: FakeNet
  afterEach(async () => { await net.stop() })

  it('deposits for an offline contact (sent), which is delivered by receipt once the contact fetched it', async () => {
    net = new FakeNet()
    const alice = await net.add('alice')
    const bob = await net.add('bob', { online: false })
    const sent = await alice.dm.send('bob', 'while you were out')
    await until(() => statusOf(alice, sent.id) === 'sent')
    expect(net.relay.held('bob').map(m => [m.from, m.id])).toEqual([['alice', sent.id]])
    // The session was started with bob's bundle from the relay: the envelope carries X3DH.
    expect(DmEnvelope.decode(net.relay.held('bob')[0]!.envelope).initial).toBe(true)
    expect(bob.messages).toEqual([])
    net.setOnline(bob, true)
    await bob.dm.fetchMail()
    expect(textsFrom(bob, 'alice')).toEqual(['while you were out'])
    expect(net.relay.held('bob')).toEqual([])
    await until(() => statusOf(alice, sent.id) === 'delivered')
    expect((await alice.timeline.history('bob')).map(m => m.status)).toEqual(['delivered'])
  })

  it('shows a replayed envelope once, and refuses one replayed by another user', async () => {
    net = new FakeNet()
    const alice = await net.add('alice')
    const bob = await net.add('bob', { online: false })
    const mallory = await net.add('mallory')
    const sent = await alice.dm.send('bob', 'captured')
    await until(() => statusOf(alice, sent.id) === 'sent')
    const captured = DmEnvelope.decode(net.relay.held('bob')[0]!.envelope)
    // alice's copy comes again through the relay (under another mail id), and mallory deposits it as his.
    await net.relay.client('alice').deposit({ to: 'bob', id: 'again', envelope: DmEnvelope.encode(captured) })
    await net.relay.client('mallory').deposit({ to: 'bob', id: 'replay', envelope: DmEnvelope.encode(captured) })
    net.setOnline(bob, true)
    await bob.dm.fetchMail()
    // Both taken off the relay: the copy as already had, mallory's as never to be opened.
    expect(net.relay.held('bob')).toEqual([])
    // Straight to bob's node: mallory's refused, alice's acknowledged as already had.
    const direct = await mallory.link.send(bob.peerId, [captured])
    expect(direct).toEqual({ acks: [], rejects: [expect.objectContaining({ id: captured.id, code: 'IMPERSONATION' })] })
    expect(await alice.link.send(bob.peerId, [captured])).toEqual({ acks: [captured.id], rejects: [] })
    expect(textsFrom(bob, 'alice')).toEqual(['captured'])
    expect((await bob.timeline.history('alice')).map(m => m.text)).toEqual(['captured'])
    expect(await bob.timeline.history('mallory')).toEqual([])
    expect(bob.messages.filter(m => m.from === 'mallory')).toEqual([])
  })

  it('leaves mail at the relay while the directory cannot be asked about its sender, and takes it once it can', async () => {
    // After a partition heals, the idp of now may refuse this node's token (issued on the other side): the lookup of
    // an initial message's sender fails, which says nothing about the message. Before, the mail was dropped as refused.
    net = new FakeNet()
    const alice = await net.add('alice')
    const bob = await net.add('bob', { online: false })
    const sent = await alice.dm.send('bob', 'across the split')
    await until(() => statusOf(alice, sent.id) === 'sent')
    net.setOnline(bob, true)
    for (const code of ['TOKEN_UNKNOWN_ISSUER', 'UNAVAILABLE', 'NO_HOLDER']) {
      net.lookupFails = code
      await bob.dm.fetchMail()
      expect(net.relay.held('bob').map(m => m.id), code).toEqual([sent.id])
      expect(bob.messages, code).toEqual([])
    }
    net.lookupFails = undefined
    await bob.dm.fetchMail()
    expect(textsFrom(bob, 'alice')).toEqual(['across the split'])
    expect(net.relay.held('bob')).toEqual([])
    await until(() => statusOf(alice, sent.id) === 'delivered')
  })

  it('does not show twice a message whose answer was lost: the relay\'s copy is acknowledged by receipt', async () => {
    net = new FakeNet()
    const alice = await net.add('alice')
    const bob = await net.add('bob')
    // bob stores the frame, but alice never hears back: she deposits the same envelope at the relay.
    net.loseAnswers = 1
    const sent = await alice.dm.send('bob', 'said once')
    await until(() => statusOf(alice, sent.id) === 'sent')
    expect(textsFrom(bob, 'alice')).toEqual(['said once'])
    expect(net.relay.held('bob').map(m => m.id)).toEqual([sent.id])
    await bob.dm.fetchMail()
    expect(net.relay.held('bob')).toEqual([])
    await until(() => statusOf(alice, sent.id) === 'delivered')
    expect(textsFrom(bob, 'alice')).toEqual(['said once'])
  })
})
