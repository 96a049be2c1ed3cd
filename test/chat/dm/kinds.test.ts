import { afterEach, describe, expect, it } from 'vitest'
import { FakeNet, outboxKeys, statusOf, textsFrom, until } from './harness.js'
import { sealedKeys } from '../../helpers/sealed.js'
import type { User } from './harness.js'
import type { Body } from '../../../src/timeline/index.js'

/** Sends a body as a node that checks nothing would (a hostile or buggy contact): straight into its outbox. */
async function sendRaw (user: User, to: string, text: string, body: Body): Promise<{ id: string }> {
  const outbox = (user.dm as unknown as { outbox: { send: (peer: string, text: string, body: Body) => Promise<{ id: string }> } }).outbox
  return outbox.send(to, text, body)
}

describe('DM message kinds (replies, edits, deletions, reactions)', () => {
  let net: FakeNet
  afterEach(async () => { await net.stop() })

  it('carries a reply, an edit, a reaction and a deletion through the ratchet; both sides end the same', async () => {
    net = new FakeNet()
    const alice = await net.add('alice')
    const bob = await net.add('bob')
    const question = await alice.dm.send('bob', 'lunch at noon?')
    await until(() => textsFrom(bob, 'alice').length === 1)
    const answer = await bob.dm.send('alice', 'yes, where?', { kind: 'reply', replyTo: question.id })
    await until(() => textsFrom(alice, 'bob').length === 1)
    expect(alice.messages.at(-1)).toMatchObject({ kind: 'reply', replyTo: question.id, quote: { from: 'alice', text: 'lunch at noon?' } })
    await alice.dm.send('bob', 'lunch at one?', { kind: 'edit', target: question.id })
    await bob.dm.send('alice', '', { kind: 'reaction', target: question.id, emoji: '👍' })
    const extra = await alice.dm.send('bob', 'oops, wrong chat')
    await alice.dm.send('bob', '', { kind: 'delete', target: extra.id })
    // Each side hears of every change: its own and the other's.
    await until(() => bob.updates.length === 3 && alice.updates.length === 3)
    for (const [me, other] of [[alice, 'bob'], [bob, 'alice']] as const) {
      const history = await me.timeline.history(other)
      // Edits, reactions and deletions are no messages of their own.
      expect(history.map(m => m.id)).toEqual([question.id, answer.id, extra.id])
      expect(history[0]).toMatchObject({ text: 'lunch at one?', edited: expect.any(Number), reactions: { '👍': ['bob'] } })
      expect(history[1]).toMatchObject({ quote: { from: 'alice', text: 'lunch at one?' } })
      expect(history[2]).toMatchObject({ deleted: true, text: '' })
    }
    // The earlier text is kept on both nodes (locally); only the current one is searched.
    expect((await bob.timeline.history('alice'))[0]?.edits?.map(e => e.text)).toEqual(['lunch at noon?'])
    expect(bob.messages.map(m => m.text)).toEqual(['lunch at noon?', 'oops, wrong chat'])
    expect(bob.updates.map(u => `${u.change} by ${u.by}`)).toEqual(['edit by alice', 'reaction by bob', 'delete by alice'])
    // Unread counts count messages, not changes.
    expect((await bob.timeline.conversations())[0]).toMatchObject({ unread: 2 })
    // The edit went through the outbox like text: acknowledged, nothing left.
    await until(() => statusOf(alice, extra.id) === 'delivered')
    expect(await outboxKeys(alice)).toEqual([])
  })

  it('goes through the relay like text when the contact is away', async () => {
    net = new FakeNet()
    const alice = await net.add('alice')
    const bob = await net.add('bob')
    const first = await alice.dm.send('bob', 'draft')
    await until(() => textsFrom(bob, 'alice').length === 1)
    net.setOnline(bob, false)
    await alice.dm.send('bob', 'final', { kind: 'edit', target: first.id })
    await until(() => net.relay.held('bob').length === 1)
    await bob.dm.fetchMail()
    await until(() => bob.updates.length === 1)
    expect((await bob.timeline.history('alice'))[0]).toMatchObject({ text: 'final' })
  })

  it('refuses to edit or delete another\'s message, or to change one that is not there', async () => {
    net = new FakeNet()
    const alice = await net.add('alice')
    const bob = await net.add('bob')
    const theirs = await bob.dm.send('alice', 'mine, not yours')
    await until(() => textsFrom(alice, 'bob').length === 1)
    await expect(alice.dm.send('bob', 'changed', { kind: 'edit', target: theirs.id })).rejects.toMatchObject({ code: 'NOT_AUTHOR' })
    await expect(alice.dm.send('bob', '', { kind: 'delete', target: theirs.id })).rejects.toMatchObject({ code: 'NOT_AUTHOR' })
    await expect(alice.dm.send('bob', 'x', { kind: 'reply', replyTo: 'no-such-id' })).rejects.toMatchObject({ code: 'UNKNOWN_MESSAGE' })
    await expect(alice.dm.send('bob', '', { kind: 'reaction', target: theirs.id, emoji: 'yes' })).rejects.toMatchObject({ code: 'BAD_EMOJI' })
    expect(await outboxKeys(alice)).toEqual([])
    expect((await alice.timeline.history('bob')).map(m => m.text)).toEqual(['mine, not yours'])
  })

  it('applies no edit or deletion a contact sends for a message that is not theirs', async () => {
    net = new FakeNet()
    const alice = await net.add('alice')
    const bob = await net.add('bob')
    const mine = await alice.dm.send('bob', 'what I said')
    await until(() => textsFrom(bob, 'alice').length === 1)
    await sendRaw(bob, 'alice', 'what bob wants me to have said', { kind: 'edit', target: mine.id })
    await sendRaw(bob, 'alice', '', { kind: 'delete', target: mine.id })
    const marker = await bob.dm.send('alice', 'after the forgeries')
    await until(() => alice.messages.some(m => m.id === marker.id))
    expect((await alice.timeline.history('bob')).map(m => [m.text, m.deleted])).toEqual([['what I said', undefined], ['after the forgeries', undefined]])
    expect(alice.updates).toEqual([])
    // Refused with a reason the sender hears, kept nowhere, and not tried again: bob's outbox empties.
    await until(() => statusOf(bob, marker.id) === 'delivered')
    expect(net.frames.flatMap(f => f.rejects).map(r => r.code)).toEqual(['NOT_AUTHOR', 'NOT_AUTHOR'])
    expect(await sealedKeys(alice.sealed, 'a/')).toEqual([])
    expect(await outboxKeys(bob)).toEqual([])
  })

  it('refuses an edit from whoever holds the author\'s name later, under another identity key', async () => {
    net = new FakeNet()
    const alice = await net.add('alice')
    const bob = await net.add('bob')
    const said = await bob.dm.send('alice', 'said under the first key')
    await until(() => textsFrom(alice, 'bob').length === 1)
    // The name bob bound to a new key (a re-registration): the new key's node sends an edit of the old message.
    const newBob = await net.add('bob')
    await sendRaw(newBob, 'alice', 'rewritten under the new key', { kind: 'edit', target: said.id })
    await until(() => net.frames.some(f => f.rejects.length > 0))
    expect(net.frames.flatMap(f => f.rejects).map(r => r.code)).toEqual(['NOT_AUTHOR'])
    expect((await alice.timeline.history('bob')).map(m => m.text)).toEqual(['said under the first key'])
    expect(alice.updates).toEqual([])
  })

  it('shows a kind it does not know as the text its payload carries (what an older node does with a new kind)', async () => {
    net = new FakeNet()
    const alice = await net.add('alice')
    const bob = await net.add('bob')
    await sendRaw(bob, 'alice', '📊 a poll: pizza or pasta?', { kind: 'poll' })
    await until(() => textsFrom(alice, 'bob').length === 1)
    expect(alice.messages[0]).toMatchObject({ kind: 'poll', text: '📊 a poll: pizza or pasta?' })
  })

  it('refuses a message to a name nobody is registered as, and leaves nothing behind', async () => {
    net = new FakeNet()
    const alice = await net.add('alice')
    await expect(alice.dm.send('zed', 'hello?')).rejects.toMatchObject({ code: 'UNKNOWN_USER' })
    expect(await alice.timeline.conversations()).toEqual([])
    expect(await outboxKeys(alice)).toEqual([])
  })
})
