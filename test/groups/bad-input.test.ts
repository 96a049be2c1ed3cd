/**
 * Bad input to groups, from the API, from the wire and from other users:
 * every refusal is typed, and none changes what members hold.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sealGroupMessage, senderKey } from '../../src/groups/index.js'
import { randomBytes } from '../../src/crypto/index.js'
import { epochResource, signEnvelope, signLeaveRequest, signState } from '../../src/groups/index.js'
import { GroupEnvelope } from '../../src/groups/index.js'
import { AUTHORIZE, GROUP_COMMIT, GROUP_FETCH, GROUP_LEAVE, GROUP_POST, GROUP_STATES, RELAY } from '../../src/services/relay/spec.js'
import { startCluster } from '../helpers/cluster.js'
import { collect, event, failure, reaches, storedEnvelopes, storedState, user } from './helpers.js'
import type { LanchatNode } from '../../src/node.js'
import type { GroupState } from '../../src/groups/index.js'
import type { Cluster } from '../helpers/cluster.js'

describe('bad input to groups', () => {
  let cluster: Cluster
  let relay: LanchatNode
  let alice: LanchatNode
  let bob: LanchatNode
  let mallory: LanchatNode
  let group: string
  const unknown = 'ab'.repeat(16)
  const token = (n: LanchatNode): { identityToken: string } => ({ identityToken: n.user.identityToken() })

  beforeAll(async () => {
    cluster = await startCluster([{ name: 'relay', roles: ['relay'] }, { name: 'idp', roles: ['idp'] }, { name: 'kacls', roles: ['kacls'] }])
    relay = cluster.get('relay')
    alice = await user(cluster, 'alice')
    bob = await user(cluster, 'bob')
    mallory = await user(cluster, 'mallory')
    const joined = event(bob, 'group:changed', d => d.member)
    group = (await alice.groupCreate('team', ['bob'])).group
    await joined
  })
  afterAll(async () => { await cluster?.stop() })

  it('refuses unknown groups, bad names, bad members and bad text, storing nothing', async () => {
    await expect(alice.groupSend(unknown, 'hi')).rejects.toMatchObject({ code: 'UNKNOWN_GROUP' })
    await expect(alice.groupMembers(unknown)).rejects.toMatchObject({ code: 'UNKNOWN_GROUP' })
    await expect(alice.groupHistory(unknown)).rejects.toMatchObject({ code: 'UNKNOWN_GROUP' })
    await expect(alice.groupInvite(unknown, 'bob')).rejects.toMatchObject({ code: 'UNKNOWN_GROUP' })
    await expect(alice.groupSync(unknown)).rejects.toMatchObject({ code: 'UNKNOWN_GROUP' })
    await expect(alice.groupSend('not-a-group', 'hi')).rejects.toMatchObject({ code: 'BAD_GROUP' })
    await expect(alice.groupKick('../../etc', 'bob')).rejects.toMatchObject({ code: 'BAD_GROUP' })
    await expect(alice.groupCreate('', ['bob'])).rejects.toMatchObject({ code: 'BAD_NAME' })
    await expect(alice.groupCreate('x'.repeat(65), ['bob'])).rejects.toMatchObject({ code: 'BAD_NAME' })
    await expect(alice.groupCreate('ok', ['no such user!'])).rejects.toMatchObject({ code: 'BAD_USERNAME' })
    await expect(alice.groupCreate('ok', ['nobody-here'])).rejects.toMatchObject({ code: 'UNKNOWN_USER' })
    await expect(alice.groupSend(group, '')).rejects.toMatchObject({ code: 'BAD_TEXT' })
    await expect(alice.groupSend(group, '   ')).rejects.toMatchObject({ code: 'BAD_TEXT' })
    await expect(alice.groupSend(group, 'x'.repeat(8001))).rejects.toMatchObject({ code: 'BAD_TEXT' })
    expect((await alice.groupSend(group, 'x'.repeat(8000))).status).toBe('pending')
    // mallory is in no group: it knows none of them.
    await expect(mallory.groupSend(group, 'hi')).rejects.toMatchObject({ code: 'UNKNOWN_GROUP' })
    expect(await mallory.groups()).toEqual([])
    expect((await alice.groups()).map(g => g.group)).toEqual([group])
  })

  it('lets only admins invite, kick and promote, and refuses changes that do not apply', async () => {
    await expect(bob.groupKick(group, 'alice')).rejects.toMatchObject({ code: 'NOT_ADMIN' })
    await expect(bob.groupInvite(group, 'mallory')).rejects.toMatchObject({ code: 'NOT_ADMIN' })
    await expect(bob.groupPromote(group, 'bob')).rejects.toMatchObject({ code: 'NOT_ADMIN' })
    await expect(alice.groupInvite(group, 'bob')).rejects.toMatchObject({ code: 'ALREADY_MEMBER' })
    await expect(alice.groupKick(group, 'alice')).rejects.toMatchObject({ code: 'CANNOT_KICK_SELF' })
    await expect(alice.groupKick(group, 'mallory')).rejects.toMatchObject({ code: 'NOT_MEMBER' })
    await expect(alice.groupPromote(group, 'alice')).rejects.toMatchObject({ code: 'ALREADY_ADMIN' })
    expect((await alice.groupMembers(group)).epoch).toBe(1)
  })

  it('refuses forged, tampered and replayed envelopes; a replay shows nothing twice', async () => {
    const arrived = event(bob, 'group:message', d => d.text === 'original')
    const sent = await alice.groupSend(group, 'original')
    await arrived
    const netId = alice.keys.networkId
    const key = alice.groupChat.heldKey(group, 1)!
    const header = { group, epoch: 1, sender: 'alice', seq: 500, hlc: `${Date.now()}.00000` }
    const payload = { id: 'ab'.repeat(16), text: 'forged', sentAt: Date.now() }

    // Signed by mallory in alice's name.
    const forged = sealGroupMessage(netId, senderKey(key, group, 1, 'alice'), header, payload, mallory.user.identity())
    expect(await failure(bob.groupChat.receive(forged))).toMatchObject({ code: 'BAD_SIGNATURE' })
    // mallory posting it to the relay in alice's name, or in her own.
    let { results } = await mallory.rpc.call(RELAY, GROUP_POST, { envelopes: [GroupEnvelope.encode(forged)] }, token(mallory))
    expect(results[0]?.code).toBe('NOT_SENDER')
    const hers = sealGroupMessage(netId, randomBytes(32), { ...header, sender: 'mallory' }, payload, mallory.user.identity())
    ;({ results } = await mallory.rpc.call(RELAY, GROUP_POST, { envelopes: [GroupEnvelope.encode(hers)] }, token(mallory)))
    expect(results[0]?.code).toBe('NOT_MEMBER')
    expect(await failure(bob.groupChat.receive(hers))).toMatchObject({ code: 'NOT_MEMBER' })
    // alice's node posting an envelope with a broken signature.
    ;({ results } = await alice.rpc.call(RELAY, GROUP_POST, { envelopes: [GroupEnvelope.encode(forged)] }, token(alice)))
    expect(results[0]?.code).toBe('BAD_SIGNATURE')

    // alice's real message, captured from the relay's disk.
    const stored = (await storedEnvelopes(relay, group)).map(b => GroupEnvelope.decode(b))
    const original = stored.at(-1)!
    const flipped = new Uint8Array(original.ciphertext)
    flipped[3]! ^= 0x40
    expect(await failure(bob.groupChat.receive({ ...original, ciphertext: flipped }))).toMatchObject({ code: 'BAD_SIGNATURE' })
    // Tampered and signed again by its sender: the AEAD refuses it.
    const resigned = signEnvelope(netId, { ...original, seq: original.seq + 100, ciphertext: flipped }, alice.user.identity())
    expect(await failure(bob.groupChat.receive(resigned))).toMatchObject({ code: 'DECRYPT_FAILED' })
    // The header moved onto another seq: signature and AEAD both refuse.
    expect(await failure(bob.groupChat.receive({ ...original, seq: original.seq + 1 }))).toMatchObject({ code: 'BAD_SIGNATURE' })
    // Replayed as it was: nothing new.
    expect(await bob.groupChat.receive(original)).toBe('duplicate')
    expect(await bob.groupChat.receive(GroupEnvelope.encode(original), 'relay')).toBe('duplicate')
    ;({ results } = await alice.rpc.call(RELAY, GROUP_POST, { envelopes: [GroupEnvelope.encode(original)] }, token(alice)))
    expect(results[0]?.code).toBe('')
    expect((await storedEnvelopes(relay, group)).length).toBe(stored.length)
    expect((await bob.groupHistory(group, 1000)).filter(m => m.id === sent.id)).toHaveLength(1)
    // Malformed bytes.
    expect(await failure(bob.groupChat.receive(new Uint8Array([8, 1, 0xff])))).toMatchObject({ code: 'BAD_ENVELOPE' })
    expect(await failure(bob.groupChat.receive({ ...original, group: unknown }))).toMatchObject({ code: 'UNKNOWN_GROUP' })
  })

  it('the relay refuses states that break the rules, and keeps groups from outsiders', async () => {
    const current = await storedState(relay, group, 1)
    const head = (await relay.store.sublevel<{ hash: string }>('relay', 'json').get(`group-head/${group}`))!
    const next = (fields: Partial<GroupState>): GroupState => ({ ...current, epoch: 2, previous: new Uint8Array(Buffer.from(head.hash, 'hex')), time: Date.now(), ...fields })
    const commit = async (by: LanchatNode, state: GroupState, signer = by): Promise<{ code?: string }> =>
      failure(by.rpc.call(RELAY, GROUP_COMMIT, { state: signState(by.keys.networkId, state, signer.user.identity()) }, token(by)))
    // bob, a member but no admin, making himself admin; or kicking alice (and leaving the group without an admin).
    expect(await commit(bob, next({ author: 'bob', change: 'promote', subject: 'bob', admins: ['alice', 'bob'] }))).toMatchObject({ code: 'NOT_ADMIN' })
    expect(await commit(bob, next({ author: 'bob', change: 'kick', subject: 'alice', members: current.members.filter(m => m.username !== 'alice'), admins: [] }))).toMatchObject({ code: 'BAD_STATE' })
    // mallory, no member, and mallory committing a state in alice's name.
    expect(await commit(mallory, next({ author: 'mallory', change: 'promote', subject: 'bob', admins: ['alice', 'bob'] }))).toMatchObject({ code: 'NOT_MEMBER' })
    expect(await commit(mallory, next({ change: 'promote', subject: 'bob', admins: ['alice', 'bob'] }), mallory)).toMatchObject({ code: 'NOT_AUTHOR' })
    // alice, on a stale previous state.
    expect(await commit(alice, next({ change: 'promote', subject: 'bob', admins: ['alice', 'bob'], previous: new Uint8Array(32) }))).toMatchObject({ code: 'CONFLICT' })
    expect(await commit(alice, next({ change: 'promote', subject: 'bob', admins: ['alice', 'bob'], epoch: 1, previous: new Uint8Array(0) }))).toMatchObject({ code: 'GROUP_EXISTS' })
    // bob leaving with a request signed by mallory.
    const request = signLeaveRequest(bob.keys.networkId, { group, username: 'bob', epoch: 1, time: Date.now() }, mallory.user.identity())
    expect(await failure(bob.rpc.call(RELAY, GROUP_LEAVE, { request }, token(bob)))).toMatchObject({ code: 'BAD_SIGNATURE' })
    expect(await failure(bob.rpc.call(RELAY, GROUP_COMMIT, { state: new Uint8Array([1, 2, 3]) }, token(bob)))).toMatchObject({ code: 'BAD_STATE' })
    // Outsiders see nothing of the group.
    expect(await failure(mallory.rpc.call(RELAY, GROUP_STATES, { group, after: 0 }, token(mallory)))).toMatchObject({ code: 'NOT_MEMBER' })
    expect((await mallory.rpc.call(RELAY, GROUP_FETCH, { group, limit: 0 }, token(mallory))).messages).toEqual([])
    expect(await failure(mallory.rpc.call(RELAY, AUTHORIZE, { resource: epochResource(group, 1), role: 'reader', identityKey: mallory.user.identity().publicKey }, token(mallory)))).toMatchObject({ code: 'FORBIDDEN' })
    expect(await failure(alice.rpc.call(RELAY, AUTHORIZE, { resource: `group/${group}/1`, role: 'reader', identityKey: alice.user.identity().publicKey }, token(alice)))).toMatchObject({ code: 'BAD_REQUEST' })
    expect(await failure(mallory.rpc.call(RELAY, GROUP_STATES, { group: unknown, after: 0 }, token(mallory)))).toMatchObject({ code: 'UNKNOWN_GROUP' })
    expect(await failure(mallory.rpc.call(RELAY, GROUP_FETCH, { group, after: 'x', limit: 0 }, token(mallory)))).toMatchObject({ code: 'BAD_REQUEST' })
    // None of it changed the group.
    expect((await storedState(relay, group, 1)).epoch).toBe(1)
    expect(await relay.store.sublevel('relay', 'bytes').get(`group-state/${group}/0000000002`)).toBeUndefined()
    const changed = collect(bob, 'group:changed')
    await bob.groupSync(group)
    changed.stop()
    expect(changed.events).toEqual([])
    expect(await bob.groupMembers(group)).toMatchObject({ epoch: 1, admins: ['alice'] })
    // And the group still works.
    const ok = event(bob, 'group:message', d => d.text === 'still fine')
    await alice.groupSend(group, 'still fine')
    await ok
    await reaches(bob, group, d => d.epoch === 1)
  })
})
