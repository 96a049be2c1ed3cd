/**
 * Groups between in-process nodes (relay, idp and kacls pinned to their own
 * nodes, five users): fanout, and what each membership change lets each
 * member read. The tests share one group and run in order.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { issueAuthorizationToken } from '../../src/crypto/index.js'
import { sealGroupMessage, senderKey } from '../../src/groups/index.js'
import { KACLS, UNWRAP } from '../../src/services/kacls/spec.js'
import { roleSigner } from '../../src/services/keys.js'
import { epochResource } from '../../src/groups/index.js'
import { groupTopics } from '../../src/groups/index.js'
import { GroupEnvelope } from '../../src/groups/index.js'
import { AUTHORIZE, GROUP_FETCH, GROUP_POST, RELAY } from '../../src/services/relay/spec.js'
import { startCluster } from '../helpers/cluster.js'
import { collect, event, failure, reaches, storedEnvelopes, storedState, user } from './helpers.js'
import type { LanchatNode } from '../../src/node.js'
import type { Cluster } from '../helpers/cluster.js'

describe('group membership between in-process nodes', () => {
  let cluster: Cluster
  let relay: LanchatNode
  let alice: LanchatNode
  let bob: LanchatNode
  let carol: LanchatNode
  let dave: LanchatNode
  let erin: LanchatNode
  let group: string

  const fetchedEpochs = async (node: LanchatNode): Promise<number[]> => {
    const { messages } = await node.rpc.call(RELAY, GROUP_FETCH, { group, limit: 500 }, { identityToken: node.user.identityToken() })
    return messages.map(m => GroupEnvelope.decode(m.envelope).epoch)
  }
  const texts = async (node: LanchatNode): Promise<string[]> => (await node.groupHistory(group, 1000)).map(m => m.text)
  const authorize = async (node: LanchatNode, epoch: number): Promise<unknown> =>
    node.rpc.call(RELAY, AUTHORIZE, { resource: epochResource(group, epoch), role: 'reader', identityKey: node.user.identity().publicKey }, { identityToken: node.user.identityToken() })

  beforeAll(async () => {
    cluster = await startCluster([{ name: 'relay', roles: ['relay'] }, { name: 'idp', roles: ['idp'] }, { name: 'kacls', roles: ['kacls'] }])
    relay = cluster.get('relay')
    alice = await user(cluster, 'alice')
    bob = await user(cluster, 'bob')
    carol = await user(cluster, 'carol')
    dave = await user(cluster, 'dave')
    erin = await user(cluster, 'erin')
  })
  afterAll(async () => { await cluster?.stop() })

  it('fans out to every member, once each, with history in order', async () => {
    const others = [bob, carol, dave]
    const joined = Promise.all(others.map(n => event(n, 'group:changed', d => d.epoch === 1 && d.member)))
    const info = await alice.groupCreate('friends', ['bob', 'Carol', 'dave', 'bob'])
    group = info.group
    expect(info).toMatchObject({ name: 'friends', epoch: 1, members: ['alice', 'bob', 'carol', 'dave'], admins: ['alice'], member: true, change: 'create' })
    expect(group).toMatch(/^[0-9a-f]{32}$/)
    expect((await joined).map(d => d.hash)).toEqual([info.hash, info.hash, info.hash])

    const seen = others.map(n => collect(n, 'group:message'))
    const lastArrived = Promise.all(others.map(n => event(n, 'group:message', d => d.text === 'message 9')))
    const sentAll = collect(alice, 'group:status')
    const sent = []
    for (let i = 0; i < 10; i++) sent.push(await alice.groupSend(group, `message ${i}`))
    await lastArrived
    for (const s of seen) {
      s.stop()
      // Once each; events come in arrival order (docs/groups.md): a message can reach a member through the relay after
      // later ones came live (one published before the member's subscription was known, say). History is in order.
      expect(s.events.map(e => e.text).sort()).toEqual(sent.map((_, i) => `message ${i}`).sort())
      expect(s.events.every(e => e.from === 'alice' && e.group === group && e.epoch === 1)).toBe(true)
    }
    for (const n of others) expect(await texts(n)).toEqual(sent.map((_, i) => `message ${i}`))
    // The sender's history holds them too, each sent once the relay has it.
    await vi.waitFor(() => { expect(sentAll.events.filter(e => e.status === 'sent').length).toBeGreaterThanOrEqual(10) }, { timeout: 5_000, interval: 25 })
    sentAll.stop()
    expect(new Set(sentAll.events.filter(e => e.status === 'sent').map(e => e.id))).toEqual(new Set(sent.map(s => s.id)))
    expect((await alice.groupHistory(group, 1000)).map(m => [m.text, m.direction, m.status])).toEqual(sent.map((_, i) => [`message ${i}`, 'out', 'sent']))

    const back = event(alice, 'group:message', d => d.text === 'hi all' && d.from === 'bob')
    await bob.groupSend(group, 'hi all')
    await back
    expect((await alice.groups()).map(g => g.group)).toEqual([group])
  })

  it('a joiner reads nothing from before it joined: no old key reaches it, and the KACLS refuses it', async () => {
    const joined = event(erin, 'group:changed', d => d.group === group && d.member)
    const info = await alice.groupInvite(group, 'erin')
    expect(info).toMatchObject({ epoch: 2, change: 'invite', subject: 'erin', author: 'alice' })
    expect((await joined).epoch).toBe(2)
    await erin.groupSync(group)
    expect(await texts(erin)).toEqual([])
    // erin holds the key of its own epoch, and no earlier one.
    expect(erin.groupChat.heldKey(group, 2)).toEqual(alice.groupChat.heldKey(group, 2))
    expect(erin.groupChat.heldKey(group, 1)).toBeUndefined()
    // The relay will not authorize it for epoch 1, and hands it none of epoch 1's envelopes.
    expect(await failure(authorize(erin, 1))).toMatchObject({ code: 'FORBIDDEN' })
    expect(await fetchedEpochs(erin)).toEqual([])
    // Even with an authorization token for epoch 1 (as a compromised relay could issue), the KACLS refuses:
    // epoch 1's key is bound to epoch 1's members.
    const one = await storedState(relay, group, 1)
    const forged = await issueAuthorizationToken({
      issuer: relay.network.peerId,
      signer: roleSigner(relay.roles.roleKey('relay')!),
      holderKey: erin.user.identity().publicKey,
      subject: 'erin',
      audience: erin.keys.networkId,
      resource: epochResource(group, 1),
      role: 'reader'
    })
    const refused = await failure(erin.rpc.call(KACLS, UNWRAP, { wrapped: one.wrappedKey, resource: epochResource(group, 1), reason: 'test' }, { identityToken: erin.user.identityToken(), authorizationToken: forged }))
    expect(refused.code).toBe('NOT_AUTHORIZED')
    // epoch 1's key unwraps for a member of epoch 1 (the same request from bob is granted).
    const bobs = await bob.rpc.call(KACLS, UNWRAP, { wrapped: one.wrappedKey, resource: epochResource(group, 1), reason: 'test' }, {
      identityToken: bob.user.identityToken(),
      authorizationToken: (await authorize(bob, 1) as { token: string }).token
    })
    expect(bobs.wrappedBy).toBe('alice')
    // An epoch 1 message handed to erin anyway does not open.
    const old = (await storedEnvelopes(relay, group)).find(b => GroupEnvelope.decode(b).epoch === 1)!
    expect(await failure(erin.groupChat.receive(old, 'relay'))).toMatchObject({ code: 'NO_KEY' })

    // erin keeps its key sealed at rest, in the groups domain: its bytes appear nowhere on disk.
    const key = Buffer.from(erin.groupChat.heldKey(group, 2)!)
    const onDisk = [...await erin.store.sublevel('groups', 'bytes').values().all(), ...await erin.store.sublevel('chat', 'bytes').values().all()]
    expect(onDisk.length).toBeGreaterThan(0)
    expect(onDisk.some(v => Buffer.from(v).includes(key) || Buffer.from(v).includes(key.toString('hex')) || Buffer.from(v).includes(key.toString('base64')))).toBe(false)
    expect((await erin.store.sublevel('groups', 'bytes').keys().all()).every(k => k.startsWith('g/'))).toBe(true)

    const welcome = event(erin, 'group:message', d => d.text === 'welcome erin')
    await alice.groupSend(group, 'welcome erin')
    expect((await welcome).epoch).toBe(2)
    expect(await texts(erin)).toEqual(['welcome erin'])
    expect(await fetchedEpochs(erin)).toEqual([2])
  })

  it('a leaver reads nothing sent after it left; another member makes the epoch without it', async () => {
    const gone = [alice, bob, carol, erin].map(n => reaches(n, group, d => !d.members.includes('dave')))
    const out = event(dave, 'group:changed', d => d.group === group && !d.member)
    expect(await dave.groupLeave(group)).toEqual({ group, left: true, epoch: 2 })
    const after = (await Promise.all(gone))[0]!
    expect(after).toMatchObject({ epoch: 3, change: 'leave', subject: 'dave', members: ['alice', 'bob', 'carol', 'erin'] })
    expect(after.author).not.toBe('dave')
    expect((await out).epoch).toBe(3)
    expect(new Set((await Promise.all(gone)).map(d => d.hash)).size).toBe(1)

    const arrived = Promise.all([bob, erin].map(n => event(n, 'group:message', d => d.text === 'after dave')))
    await alice.groupSend(group, 'after dave')
    await arrived
    await dave.groupSync().catch(() => {})
    expect(await texts(dave)).not.toContain('after dave')
    expect(dave.groupChat.heldKey(group, 3)).toBeUndefined()
    expect(await failure(authorize(dave, 3))).toMatchObject({ code: 'FORBIDDEN' })
    expect((await fetchedEpochs(dave)).filter(e => e >= 3)).toEqual([])
    expect(await failure(dave.groupSend(group, 'still here?'))).toMatchObject({ code: 'NOT_MEMBER' })
    // What it read while a member stays in its history.
    expect(await texts(dave)).toContain('message 0')
  })

  it('rejects a kicked member\'s publications', async () => {
    const out = event(carol, 'group:changed', d => d.group === group && !d.member)
    const info = await alice.groupKick(group, 'carol')
    expect(info).toMatchObject({ epoch: 4, change: 'kick', subject: 'carol', members: ['alice', 'bob', 'erin'] })
    await out
    await reaches(bob, group, d => d.epoch === 4)
    await reaches(erin, group, d => d.epoch === 4)
    expect(await failure(carol.groupSend(group, 'let me back'))).toMatchObject({ code: 'NOT_MEMBER' })

    // carol still holds epoch 3's key and signs a message in epoch 3, as if nothing happened.
    const key = carol.groupChat.heldKey(group, 3)!
    const env = sealGroupMessage(carol.keys.networkId, senderKey(key, group, 3, 'carol'),
      { group, epoch: 3, sender: 'carol', seq: 999, hlc: `${Date.now()}.00000` },
      { id: 'ee'.repeat(16), text: 'a kicked member speaks', sentAt: Date.now() }, carol.user.identity())
    expect(await failure(bob.groupChat.receive(env, 'topic'))).toMatchObject({ code: 'REMOVED' })
    const { results } = await carol.rpc.call(RELAY, GROUP_POST, { envelopes: [GroupEnvelope.encode(env)] }, { identityToken: carol.user.identityToken() })
    expect(results[0]?.code).toBe('REMOVED')
    // Published on the topic anyway: nobody shows it (the marker sent after it arrives; it never does).
    const heard = [bob, erin].map(n => collect(n, 'group:message'))
    await groupTopics(carol.network.libp2p).publish(carol.keys.networkId, group, { envelope: env })
    const marker = Promise.all([bob, erin].map(n => event(n, 'group:message', d => d.text === 'marker after the kick')))
    await alice.groupSend(group, 'marker after the kick')
    await marker
    for (const h of heard) {
      h.stop()
      expect(h.events.map(e => e.text)).not.toContain('a kicked member speaks')
    }
    expect(await texts(bob)).not.toContain('a kicked member speaks')
  })

  it('concurrent changes by two admins end in one agreed state on every member', async () => {
    await alice.groupPromote(group, 'bob')
    await reaches(bob, group, d => d.admins.includes('bob'))
    // Both admins change the group at once: one wins the compare-and-swap, the other applies its change again on top.
    const [byAlice, byBob] = await Promise.all([alice.groupInvite(group, 'dave'), bob.groupInvite(group, 'carol')])
    expect(new Set([byAlice.epoch, byBob.epoch])).toEqual(new Set([6, 7]))
    const everyone = [alice, bob, carol, dave, erin]
    const finals = await Promise.all(everyone.map(n => reaches(n, group, d => d.epoch === 7)))
    expect(new Set(finals.map(f => f.hash)).size).toBe(1)
    expect(finals[0]).toMatchObject({ members: ['alice', 'bob', 'carol', 'dave', 'erin'], admins: ['alice', 'bob'] })

    // The two who came back read the new epoch, and still nothing from while they were out.
    const arrived = Promise.all([carol, dave].map(n => event(n, 'group:message', d => d.text === 'all together')))
    await bob.groupSend(group, 'all together')
    await arrived
    await carol.groupSync(group)
    expect(await texts(carol)).not.toContain('marker after the kick')
    expect(await texts(dave)).not.toContain('after dave')
    expect(carol.groupChat.heldKey(group, 4)).toBeUndefined()
  })

  it('the last admin leaving hands admin to another member first; the last member closes the group', async () => {
    const small = await erin.groupCreate('pair', ['carol', 'bob'])
    await reaches(bob, small.group, d => d.member)
    await reaches(carol, small.group, d => d.member)
    await erin.groupLeave(small.group)
    const final = await reaches(carol, small.group, d => !d.members.includes('erin'))
    // epoch 2: erin (still admin) promoted bob, whose name sorts first; epoch 3: erin left.
    expect(final).toMatchObject({ epoch: 3, members: ['bob', 'carol'], admins: ['bob'], change: 'leave', subject: 'erin' })
    expect(await storedState(relay, small.group, 2)).toMatchObject({ change: 'promote', subject: 'bob', author: 'erin' })

    const solo = await dave.groupCreate('solo', [])
    expect(await dave.groupLeave(solo.group)).toMatchObject({ left: true })
    expect(await dave.groupMembers(solo.group)).toMatchObject({ members: [], admins: [], member: false, epoch: 2 })
  })
})
