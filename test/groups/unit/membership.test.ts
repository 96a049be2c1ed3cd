/**
 * Membership changes on the member side, with fakes (fakes.ts): the
 * compare-and-swap at the relay, removals and leave requests.
 */
import { describe, expect, it, vi } from 'vitest'
import { sealGroupMessage, senderKey } from '../../../src/groups/index.js'
import { useFakeLan, finish, settle, texts, until } from './fakes.js'

describe('group membership (member side, with fakes)', () => {
  const lan = useFakeLan()

  const commits = (user?: string): number => lan().calls.filter(c => c.method === 'commit' && (user === undefined || c.user === user)).length

  it('a change that loses the compare-and-swap is made again on top of the one that won', async () => {
    const { group, members: [alice, bob, carol] } = await lan().crew(['alice', 'bob', 'carol'])
    await alice!.groups.promote(group, 'bob')
    const dave = await lan().member('dave')
    const erin = await lan().member('erin')
    const before = commits()
    // No pokes: the loser learns of the winner's state only by asking the relay again itself.
    lan().hub.drop = (_to, message) => message.poke !== undefined
    // Both made on top of epoch 2, both at the relay at once: one wins, the other is made again on top of it.
    lan().commitBarrier = { count: 2, waiting: [] }
    await finish(Promise.all([alice!.groups.invite(group, 'dave'), bob!.groups.invite(group, 'erin')]))
    expect(commits() - before).toBe(3)
    const everyone = [alice!, bob!, carol!, dave, erin]
    await until('everyone at epoch 4', () => everyone.every(m => m.groups.members(group).epoch === 4 && m.groups.heldKey(group, 4) !== undefined))
    const info = alice!.groups.members(group)
    expect(info.members).toEqual(['alice', 'bob', 'carol', 'dave', 'erin'])
    // Every member applied the same chain: they agree on its hash.
    for (const m of everyone) expect(m.groups.members(group).hash).toBe(info.hash)
    // An author keeps the key it made: it never asks the KACLS for it.
    for (let epoch = 1; epoch <= 4; epoch++) {
      const { author } = (await lan().relay.state(group, epoch))!.state
      expect(lan().calls.filter(c => c.user === author && c.resource === `group/${group}/epoch/${epoch}`)).toEqual([])
    }
    // A change that no longer applies after losing is refused, not forced.
    lan().commitBarrier = { count: 2, waiting: [] }
    const [first, second] = await finish(Promise.allSettled([alice!.groups.promote(group, 'carol'), bob!.groups.promote(group, 'carol')]))
    expect([first.status, second.status].sort()).toEqual(['fulfilled', 'rejected'])
    expect([first, second].find(r => r.status === 'rejected')).toMatchObject({ reason: { code: 'ALREADY_ADMIN' } })
    expect(alice!.groups.members(group)).toMatchObject({ epoch: 5, admins: ['alice', 'bob', 'carol'] })
  })

  it('gives a kicked member nothing newer: no key, no message, and nothing it sends goes out', async () => {
    const { group, members: [alice, bob, carol] } = await lan().crew(['alice', 'bob', 'carol'])
    await alice!.groups.kick(group, 'bob')
    await until('bob knows he was removed', () => !bob!.groups.members(group).member)
    await alice!.groups.send(group, 'after bob')
    await until('carol has it', () => carol!.messages.length === 1)
    await settle(1_000)
    expect(bob!.groups.heldKey(group, 2)).toBeUndefined()
    expect(bob!.messages).toEqual([])
    const fresh = lan().hub.envelopes(group).find(e => e.epoch === 2)!
    await expect(bob!.groups.receive(fresh, 'relay')).rejects.toMatchObject({ code: 'NO_KEY' })
    await expect(bob!.groups.send(group, 'still here?')).rejects.toMatchObject({ code: 'NOT_MEMBER' })
    // What he still publishes with his epoch-1 key, live, is refused by those who saw the removal.
    const late = sealGroupMessage(lan().networkId, senderKey(bob!.groups.heldKey(group, 1)!, group, 1, 'bob'),
      { group, epoch: 1, sender: 'bob', seq: 7, hlc: `${Date.now()}.00000` }, { id: 'ab'.repeat(16), text: 'late', sentAt: Date.now() }, bob!.user.identity)
    await expect(carol!.groups.receive(late, 'topic')).rejects.toMatchObject({ code: 'REMOVED' })
    expect(await texts(carol!, group)).toEqual(['after bob'])
  })

  it('turns a leave request into the next epoch: the first-ranked member at once, the next one after leaveStaggerMs when the first is away', async () => {
    const { group, members: [alice, bob, carol] } = await lan().crew(['alice', 'bob', 'carol'])
    // alice (the admin) is ranked first and away; bob is second.
    await alice!.stop()
    const t0 = Date.now()
    await carol!.groups.leave(group)
    expect(carol!.groups.members(group)).toMatchObject({ leaving: true, member: true })
    await until('bob knows of the request', () => bob!.groups.members(group).pendingLeaves.includes('carol'))
    // Until the epoch without carol exists, bob's message waits in his outbox.
    const waiting = await bob!.groups.send(group, 'after carol asked to leave')
    await vi.advanceTimersByTimeAsync(t0 + 1_900 - Date.now())
    expect(bob!.groups.members(group).epoch).toBe(1)
    expect(lan().hub.envelopes(group)).toEqual([])
    await until('bob made epoch 2', () => bob!.groups.members(group).epoch === 2, 1_000)
    expect(lan().calls.find(c => c.method === 'commit' && c.user === 'bob')!.at - t0).toBe(2_000)
    expect(bob!.groups.members(group)).toMatchObject({ members: ['alice', 'bob'], pendingLeaves: [] })
    await until('carol knows she is out', () => !carol!.groups.members(group).member)
    // bob's message went out in epoch 2, which carol cannot read.
    await until('bob\'s message is at the relay', () => bob!.statuses.some(s => s.id === waiting.id && s.status === 'sent'))
    const env = lan().hub.envelopes(group).find(e => e.sender === 'bob')!
    expect(env.epoch).toBe(2)
    expect(carol!.groups.heldKey(group, 2)).toBeUndefined()
    expect(carol!.messages).toEqual([])
    await expect(carol!.groups.receive(env, 'relay')).rejects.toMatchObject({ code: 'NO_KEY' })
    // alice, back, finds it done, and makes no epoch of her own.
    const back = await lan().member('alice')
    await until('alice has epoch 2 and bob\'s message', () => back.messages.length === 1)
    await settle(5_000)
    expect(back.groups.members(group).epoch).toBe(2)
    expect(commits('alice')).toBe(1)
  })

  it('the first-ranked member makes the epoch at once, and the others make none', async () => {
    const { group, members: [alice, bob, carol] } = await lan().crew(['alice', 'bob', 'carol'], { pollIntervalMs: 3_600_000 })
    await carol!.groups.leave(group)
    await until('everyone left at epoch 2', () => [alice!, bob!].every(m => m.groups.members(group).epoch === 2))
    expect(lan().calls.filter(c => c.method === 'commit').map(c => c.user)).toEqual(['alice', 'alice'])
    // bob's turn (at 2 s) was called off when epoch 2 came: he does not even ask the relay.
    const since = lan().calls.length
    await settle(10_000)
    expect(lan().calls.slice(since).filter(c => c.user === 'bob')).toEqual([])
    expect(commits()).toBe(2)
    expect(bob!.groups.members(group)).toMatchObject({ epoch: 2, members: ['alice', 'bob'] })
  })
})
