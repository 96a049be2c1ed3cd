/**
 * Replies, edits, deletions and reactions in a group (member side, with
 * fakes): the same epoch keys, signatures, replay windows and outbox as text;
 * a change that arrives before its target is kept and applied when it comes.
 */
import { describe, expect, it } from 'vitest'
import { TopicValidatorResult } from '@libp2p/gossipsub'
import { sealGroupMessage, senderKey } from '../../../src/groups/index.js'
import { SealedStore } from '../../../src/sealed-store.js'
import { encodeBody, formatHlc, groupConversation } from '../../../src/timeline/index.js'
import { useFakeLan, finish, until } from './fakes.js'
import { sealedKeys } from '../../helpers/sealed.js'
import type { GroupTopicHandler } from '../../../src/groups/index.js'
import type { MessageUpdate } from '../../../src/timeline/index.js'

describe('group message kinds (member side, with fakes)', () => {
  const lan = useFakeLan()

  it('applies an edit that came live before its target, once the target comes from the relay', async () => {
    const { group, members: [alice, bob] } = await lan().crew(['alice', 'bob'], { pollIntervalMs: 3_600_000 })
    // The original never reaches bob live: only the relay has it.
    lan().hub.drop = (to, message) => to === bob!.user.peer && message.envelope !== undefined && message.envelope.seq === 1
    const original = await finish(alice!.groups.send(group, 'meet at 5'))
    await finish(alice!.groups.send(group, 'meet at 6', { kind: 'edit', target: original.id }))
    await until('alice has both at the relay', () => alice!.statuses.filter(s => s.status === 'sent').length === 2)
    expect(await bob!.timeline.history(groupConversation(group))).toEqual([])
    lan().hub.drop = undefined
    await finish(bob!.groups.sync(group))
    const [m] = await bob!.timeline.history(groupConversation(group))
    expect(m).toMatchObject({ id: original.id, text: 'meet at 6', edits: [expect.objectContaining({ text: 'meet at 5' })] })
    // The message event carries the message as it is now.
    expect(bob!.messages).toEqual([expect.objectContaining({ id: original.id, text: 'meet at 6' })])
  })

  it('aggregates reactions of several members, quotes replies, and refuses an edit of another member\'s message', async () => {
    const { group, members: [alice, bob, carol] } = await lan().crew(['alice', 'bob', 'carol'])
    const conv = groupConversation(group)
    const q = await finish(alice!.groups.send(group, 'pizza?'))
    await until('everyone has it', async () => (await carol!.timeline.history(conv)).length === 1 && (await bob!.timeline.history(conv)).length === 1)
    await finish(bob!.groups.send(group, '', { kind: 'reaction', target: q.id, emoji: '🍕' }))
    await finish(carol!.groups.send(group, '', { kind: 'reaction', target: q.id, emoji: '🍕' }))
    await finish(carol!.groups.send(group, 'yes please', { kind: 'reply', replyTo: q.id }))
    await expect(finish(bob!.groups.send(group, 'pasta?', { kind: 'edit', target: q.id }))).rejects.toMatchObject({ code: 'NOT_AUTHOR' })
    await until('alice sees both reactions and the reply', async () => {
      const h = await alice!.timeline.history(conv)
      return h.length === 2 && h[0]?.reactions?.['🍕']?.length === 2
    })
    const h = await alice!.timeline.history(conv)
    expect(h[0]).toMatchObject({ text: 'pizza?', reactions: { '🍕': ['bob', 'carol'] } })
    expect(h[1]).toMatchObject({ from: 'carol', kind: 'reply', quote: { from: 'alice', text: 'pizza?' } })
  })

  it('refuses an edit or deletion a member signs for another member\'s message (NOT_AUTHOR), and keeps nothing of it', async () => {
    const { group, members: [alice, bob] } = await lan().crew(['alice', 'bob'])
    const conv = groupConversation(group)
    const q = await finish(alice!.groups.send(group, 'the plan stands'))
    await until('bob has it', async () => (await bob!.timeline.history(conv)).length === 1)
    const updates: MessageUpdate[] = []
    alice!.groups.addEventListener('message:updated', evt => { updates.push(evt.detail) })
    // bob's node checks nothing (hostile or buggy): it seals an edit of alice's message under its own name.
    const forged = (seq: number, kind: 'edit' | 'delete'): ReturnType<typeof sealGroupMessage> =>
      sealGroupMessage(lan().networkId, senderKey(bob!.groups.heldKey(group, 1)!, group, 1, 'bob'),
        { group, epoch: 1, sender: 'bob', seq, hlc: formatHlc({ wall: Date.now(), counter: 0 }) },
        { id: (kind === 'edit' ? 'e1' : 'd1').repeat(16), text: kind === 'edit' ? 'the plan is off' : '', sentAt: Date.now(), body: new Uint8Array(encodeBody({ kind, target: q.id })!) }, bob!.user.identity)
    await expect(alice!.groups.receive(forged(100, 'edit'), 'relay')).rejects.toMatchObject({ code: 'NOT_AUTHOR' })
    // On the topic it is invalid for everyone: not passed on, its sender scored down (the validator's answer).
    const { onTopic } = (alice!.groups as unknown as { receiver: { onTopic: GroupTopicHandler } }).receiver
    expect(await onTopic({ envelope: forged(101, 'delete') }, group, 'peer', false)).toBe(TopicValidatorResult.Reject)
    expect((await alice!.timeline.history(conv)).map(m => [m.text, m.deleted])).toEqual([['the plan stands', undefined]])
    expect(updates).toEqual([])
    expect(await sealedKeys(new SealedStore(alice!.user.store, alice!.user.dataKey, 'chat'), 'a/')).toEqual([])
  })
})
