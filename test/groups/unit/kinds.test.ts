/**
 * Replies, edits, deletions and reactions in a group (member side, with
 * fakes): the same epoch keys, signatures, replay windows and outbox as text;
 * a change that arrives before its target is kept and applied when it comes.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { groupConversation } from '../../../src/timeline/index.js'
import { FakeLan, finish, until } from './fakes.js'
import type { MessageUpdate } from '../../../src/timeline/index.js'

describe('group message kinds (member side, with fakes)', () => {
  let lan: FakeLan

  beforeEach(async () => {
    vi.useFakeTimers()
    lan = await FakeLan.create()
  })
  afterEach(async () => {
    await lan.stopAll()
    expect(vi.getTimerCount()).toBe(0)
    vi.useRealTimers()
  })

  it('applies an edit that came live before its target, once the target comes from the relay', async () => {
    const { group, members: [alice, bob] } = await lan.crew(['alice', 'bob'], { pollIntervalMs: 3_600_000 })
    const updates: MessageUpdate[] = []
    bob!.groups.addEventListener('message:updated', evt => { updates.push(evt.detail) })
    // The original never reaches bob live: only the relay has it.
    lan.hub.drop = (to, message) => to === bob!.user.peer && message.envelope !== undefined && message.envelope.seq === 1
    const original = await finish(alice!.groups.send(group, 'meet at 5'))
    await finish(alice!.groups.send(group, 'meet at 6', { kind: 'edit', target: original.id }))
    await until('alice has both at the relay', () => alice!.statuses.filter(s => s.status === 'sent').length === 2)
    expect(await bob!.timeline.history(groupConversation(group))).toEqual([])
    lan.hub.drop = undefined
    await finish(bob!.groups.sync(group))
    const [m] = await bob!.timeline.history(groupConversation(group))
    expect(m).toMatchObject({ id: original.id, text: 'meet at 6', edits: [expect.objectContaining({ text: 'meet at 5' })] })
    // The message event carries the message as it is now.
    expect(bob!.messages).toEqual([expect.objectContaining({ id: original.id, text: 'meet at 6' })])
  })

  it('aggregates reactions of several members, quotes replies, and refuses an edit of another member\'s message', async () => {
    const { group, members: [alice, bob, carol] } = await lan.crew(['alice', 'bob', 'carol'])
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
})
