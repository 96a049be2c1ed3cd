/**
 * Group messages on the member side, with fakes (fakes.ts): fan-out,
 * replays, catching up after being away, envelopes that wait for their
 * epoch, and restarts.
 */
import { describe, expect, it } from 'vitest'
import { epochResource, GroupEnvelope, sealGroupMessage, senderKey } from '../../../src/groups/index.js'
import { ServiceError } from '../../../src/services/index.js'
import { useFakeLan, settle, texts, until } from './fakes.js'
import type { Member } from './fakes.js'
import type { GroupId } from '../../../src/groups/index.js'

describe('group messages (member side, with fakes)', () => {
  const lan = useFakeLan()

  const sent = (m: Member): number => m.statuses.filter(s => s.status === 'sent').length
  /** An envelope signed by `m` in its name, as its node would make it (for replays and forgeries). */
  const envelope = (m: Member, group: GroupId, epoch: number, seq: number, id: string, text: string): GroupEnvelope =>
    sealGroupMessage(lan().networkId, senderKey(m.groups.heldKey(group, epoch)!, group, epoch, m.name),
      { group, epoch, sender: m.name, seq, hlc: `${Date.now()}.00000` }, { id, text, sentAt: Date.now() }, m.user.identity)

  it('fans a message out to every member once; history is in hlc order everywhere', async () => {
    // No poll: what arrives comes live, over the topic.
    const { group, members: [alice, bob, carol] } = await lan().crew(['alice', 'bob', 'carol'], { pollIntervalMs: 3_600_000 })
    const all = ['one', 'two', 'three', 'four']
    // One after the other, a few ms apart: messages sent in the same ms by different senders have no order between them.
    for (const [m, text] of [[alice!, 'one'], [bob!, 'two'], [carol!, 'three'], [alice!, 'four']] as const) {
      await m.groups.send(group, text)
      await settle(5)
      // Live from the sender at once, not 100 ms later from the relay.
      for (const other of [alice!, bob!, carol!].filter(o => o !== m)) expect(other.messages.map(e => e.text)).toContain(text)
    }
    await until('everyone has every message, and the relay has them all', async () =>
      (await Promise.all([alice!, bob!, carol!].map(async m => (await texts(m, group)).length === 4))).every(Boolean) &&
      sent(alice!) === 2 && sent(bob!) === 1 && sent(carol!) === 1)
    await settle(1_000)
    for (const m of [alice!, bob!, carol!]) {
      const own = { alice: ['one', 'four'], bob: ['two'], carol: ['three'] }[m.name]!
      // Each message of the others once, and none of its own.
      expect(m.messages.map(e => e.text).sort()).toEqual(all.filter(t => !own.includes(t)).sort())
      expect(await texts(m, group)).toEqual(all)
    }
    // The relay's copies, fetched by everyone, are nothing new.
    for (const m of [alice!, bob!, carol!]) await m.groups.sync()
    for (const m of [alice!, bob!, carol!]) expect(m.messages).toHaveLength(m === alice ? 2 : 3)
    // One copy of each at the relay, each with its own (epoch, sender, seq).
    const held = (await lan().relay.fetch(lan().claims(alice!.user), group, undefined, 500, 1 << 20)).messages.map(x => GroupEnvelope.decode(x.envelope))
    expect(held.map(e => `${e.epoch}/${e.sender}/${e.seq}`).sort()).toEqual(['1/alice/1', '1/alice/2', '1/bob/1', '1/carol/1'])
  })

  it('takes a replayed (epoch, sender, seq) as a duplicate, whatever it carries, also after a restart', async () => {
    const { group, members: [alice, bob] } = await lan().crew(['alice', 'bob'])
    await alice!.groups.send(group, 'original')
    await until('bob has it', () => bob!.messages.length === 1)
    const original = lan().hub.envelopes(group).find(e => e.sender === 'alice')!
    expect(await bob!.groups.receive(original)).toBe('duplicate')
    expect(await bob!.groups.receive(GroupEnvelope.encode(original), 'relay')).toBe('duplicate')
    // Signed by alice, same (epoch, sender, seq), another message: the seen seqs refuse it, not the message id.
    const sameSeq = envelope(alice!, group, 1, original.seq, 'cd'.repeat(16), 'same seq, another message')
    expect(await bob!.groups.receive(sameSeq)).toBe('duplicate')
    // bob's node restarts: the seen seqs were written, and read back.
    await bob!.stop()
    const bob2 = await lan().member('bob')
    expect(await bob2.groups.receive(sameSeq)).toBe('duplicate')
    expect(await bob2.groups.receive(sameSeq, 'relay')).toBe('duplicate')
    // A seq not seen yet is taken (the checks above do not refuse everything).
    expect(await bob2.groups.receive(envelope(alice!, group, 1, original.seq + 5, 'ef'.repeat(16), 'a new one'))).toBe('ok')
    expect(bob2.messages.map(m => m.text)).toEqual(['a new one'])
    expect(await texts(bob2, group)).toEqual(['original', 'a new one'])
  })

  it('a member who was away catches up from the relay after its cursor: each message once, history in hlc order', async () => {
    const { group, members: [alice, bob, carol] } = await lan().crew(['alice', 'bob', 'carol'])
    await alice!.groups.send(group, 'before')
    await until('carol has it', () => carol!.messages.length === 1)
    await carol!.groups.sync(group)
    const cursor = (await lan().relay.fetch(lan().claims(carol!.user), group, undefined, 500, 1 << 20)).cursor
    expect(lan().calls.filter(c => c.user === 'carol' && c.method === 'fetch').at(-1)).toMatchObject({ after: '' })
    await carol!.stop()
    const missed = ['while away 1', 'while away 2', 'while away 3']
    for (const t of missed) await alice!.groups.send(group, t)
    // bob answers once he has read them: his message comes after them in hlc order.
    await until('bob has them', () => bob!.messages.length === 4)
    await bob!.groups.send(group, 'and from bob')
    await until('the relay has them', () => sent(alice!) === 4 && sent(bob!) === 1)
    const since = lan().calls.length
    const back = await lan().member('carol')
    await until('carol has caught up', async () => (await texts(back, group)).length === 5)
    await settle(1_000)
    // From her cursor on, not from the start; each message once.
    expect(lan().calls.slice(since).find(c => c.user === 'carol' && c.method === 'fetch')).toMatchObject({ after: cursor })
    expect(back.messages.map(m => m.text).sort()).toEqual([...missed, 'and from bob'].sort())
    expect(await texts(back, group)).toEqual(['before', ...missed, 'and from bob'])
    // Asking again brings nothing twice.
    await back.groups.sync(group)
    expect(back.messages).toHaveLength(4)
    expect(await texts(back, group)).toEqual(['before', ...missed, 'and from bob'])
  })

  it('holds envelopes of an epoch whose state or key is not here yet, and receives them once it is, in order', async () => {
    const { group, members: [alice, bob, carol] } = await lan().crew(['alice', 'bob', 'carol'])
    // bob hears no pokes: he learns of a new epoch from its first envelope.
    lan().hub.drop = (to, message) => to === bob!.user.peer && message.poke !== undefined
    await alice!.groups.promote(group, 'carol')
    expect(bob!.groups.members(group).epoch).toBe(1)
    // Only bob's copy exists: the relay neither hears nor gets it.
    lan().hub.drop = (to, message) => (to === bob!.user.peer && message.poke !== undefined) || (to === 'peer-relay' && message.envelope !== undefined)
    lan().fault = (user, method) => user === 'alice' && method === 'post' ? new ServiceError('UNAVAILABLE', 'relay away') : undefined
    await alice!.groups.send(group, 'epoch 2')
    // At once: the envelope itself makes bob ask the relay (no waiting for the poll).
    await until('bob read it, once he had epoch 2 and its key', () => bob!.messages.length === 1, 1_000)
    expect(bob!.messages[0]).toMatchObject({ text: 'epoch 2', epoch: 2 })
    expect(bob!.groups.members(group).epoch).toBe(2)
    lan().hub.drop = (to, message) => to === bob!.user.peer && message.poke !== undefined
    lan().fault = undefined

    // Now the KACLS will not unwrap for bob: the envelopes of epoch 3 wait.
    lan().kacls.away = (user, method) => user === 'bob' && method === 'unwrap'
    await alice!.groups.promote(group, 'bob')
    await alice!.groups.send(group, 'epoch 3, first')
    await alice!.groups.send(group, 'epoch 3, second')
    await until('carol has them', () => carol!.messages.filter(m => m.epoch === 3).length === 2)
    await until('bob knows epoch 3', () => bob!.groups.members(group).epoch === 3)
    await settle(3_000)
    expect(bob!.groups.heldKey(group, 3)).toBeUndefined()
    expect(bob!.messages).toHaveLength(1)
    // The KACLS is back: at the next poll the key comes, and what waited is read, in order, once.
    lan().kacls.away = undefined
    await until('bob read them', () => bob!.messages.length === 3, 15_000)
    await settle(1_000)
    expect(bob!.messages.map(m => m.text)).toEqual(['epoch 2', 'epoch 3, first', 'epoch 3, second'])
    expect(await texts(bob!, group)).toEqual(['epoch 2', 'epoch 3, first', 'epoch 3, second'])
  })

  it('a restart reloads the outbox and the seqs: pending messages go out after it, new ones take fresh seqs', async () => {
    const { group, members: [alice, bob] } = await lan().crew(['alice', 'bob'])
    lan().fault = (user, method) => user === 'alice' && method === 'post' ? new ServiceError('UNAVAILABLE', 'relay away') : undefined
    // Encrypted at once (nothing queued) and published; the relay cannot be reached.
    const a1 = await alice!.groups.send(group, 'a1')
    await until('bob has it live', () => bob!.messages.length === 1)
    await settle(5_000)
    expect(alice!.statuses).toEqual([])
    await alice!.stop()
    const again = await lan().member('alice')
    expect((await again.groups.history(group)).map(m => [m.text, m.status])).toEqual([['a1', 'pending']])
    // Queued behind a1: encrypted by a round, under the next seq as read back from the store.
    const a2 = await again.groups.send(group, 'a2')
    await until('bob has a2 live', () => bob!.messages.length === 2)
    lan().fault = undefined
    await until('both sent', () => sent(again) === 2, 40_000)
    expect(again.statuses.map(s => s.id).sort()).toEqual([a1.id, a2.id].sort())
    await again.groups.send(group, 'a3')
    await until('bob has a3', () => bob!.messages.length === 3)
    await settle(1_000)
    // a1 went out again after the restart as the same envelope (seq 1); a2 and a3 took the next seqs.
    const seqs = lan().hub.envelopes(group).filter(e => e.sender === 'alice').map(e => e.seq)
    expect(new Set(seqs)).toEqual(new Set([1, 2, 3]))
    expect(bob!.messages.map(m => m.text)).toEqual(['a1', 'a2', 'a3'])
    expect((await again.groups.history(group)).map(m => [m.text, m.status])).toEqual([['a1', 'sent'], ['a2', 'sent'], ['a3', 'sent']])
  })

  it('a joiner reads nothing from before it joined, and the relay and the KACLS give it nothing older', async () => {
    const { group, members: [alice, bob] } = await lan().crew(['alice', 'bob'])
    await alice!.groups.send(group, 'before dave')
    await until('bob has it', () => bob!.messages.length === 1)
    const dave = await lan().member('dave')
    await alice!.groups.invite(group, 'dave')
    await until('dave holds the key of epoch 2', () => dave.groups.heldKey(group, 2) !== undefined)
    await alice!.groups.send(group, 'with dave')
    await until('dave has it', () => dave.messages.length === 1)
    await dave.groups.sync(group)
    expect(dave.groups.heldKey(group, 1)).toBeUndefined()
    expect(await texts(dave, group)).toEqual(['with dave'])
    // Not authorized for epoch 1 at the relay; the epoch-1 envelope is not his to read.
    const network = lan().network(dave.user)
    await expect(network.relay.authorize(epochResource(group, 1), dave.user.identity.publicKey)).rejects.toMatchObject({ code: 'FORBIDDEN' })
    const old = lan().hub.envelopes(group).find(e => e.epoch === 1)!
    await expect(dave.groups.receive(old, 'relay')).rejects.toMatchObject({ code: 'NO_KEY' })
  })
})
