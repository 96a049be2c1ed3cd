/**
 * Groups when nodes go away: a member offline catches up from the relay's
 * history; the relay and the KACLS restart (same data directory) in the
 * middle of a conversation and nothing typed is lost.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GroupEnvelope } from '../../src/groups/index.js'
import { startCluster } from '../helpers/cluster.js'
import { collect, event, failure, PASSWORD, reaches, storedEnvelopes, user } from './helpers.js'
import type { LanchatNode } from '../../src/node.js'
import type { Cluster } from '../helpers/cluster.js'

describe('groups across restarts', () => {
  let cluster: Cluster
  let alice: LanchatNode
  let bob: LanchatNode
  let carol: LanchatNode
  let group: string

  const texts = async (node: LanchatNode): Promise<string[]> => (await node.groupHistory(group, 1000)).map(m => m.text)
  /** Restarts a user's node from its data directory and logs it in; `arrivals` are texts it must then receive. */
  const comeBack = async (name: string, dir: string, arrivals: string[]): Promise<{ node: LanchatNode, seen: string[] }> => {
    const node = await cluster.add({ name, dataDir: dir })
    const seen = collect(node, 'group:message')
    const all = Promise.all(arrivals.map(async t => event(node, 'group:message', d => d.text === t, 30_000)))
    await node.login(name, PASSWORD)
    await all
    seen.stop()
    return { node, seen: seen.events.map(e => e.text) }
  }

  beforeAll(async () => {
    cluster = await startCluster([{ name: 'relay', roles: ['relay'] }, { name: 'idp', roles: ['idp'] }, { name: 'kacls', roles: ['kacls'] }])
    alice = await user(cluster, 'alice')
    bob = await user(cluster, 'bob')
    carol = await user(cluster, 'carol')
    const joined = Promise.all([bob, carol].map(n => event(n, 'group:changed', d => d.member)))
    group = (await alice.groupCreate('crew', ['bob', 'carol'])).group
    await joined
  })
  afterAll(async () => { await cluster?.stop() })

  it('an offline member catches up from the relay: each message once, its history in order', async () => {
    const dir = await cluster.remove('carol')
    const missed = ['while you slept 1', 'while you slept 2', 'while you slept 3']
    for (const t of missed) {
      const sent = event(alice, 'group:status', d => d.status === 'sent')
      await alice.groupSend(group, t)
      await sent
    }
    const fromBob = event(alice, 'group:message', d => d.text === 'and from bob')
    await bob.groupSend(group, 'and from bob')
    await fromBob
    const back = await comeBack('carol', dir, [...missed, 'and from bob'])
    carol = back.node
    // Each message announced once. Events come in arrival order (docs/groups.md): the last ones may come live,
    // replayed by gossip to the returning member, before the relay's copies of the earlier ones.
    expect([...back.seen].sort()).toEqual([...missed, 'and from bob'].sort())
    // History is in hlc order.
    expect(await texts(carol)).toEqual([...missed, 'and from bob'])
    // Asking again brings nothing twice.
    await carol.groupSync(group)
    expect(await texts(carol)).toEqual([...missed, 'and from bob'])
  })

  it('keeps a conversation going while the relay restarts; what was sent meanwhile reaches its history', async () => {
    const carolDir = await cluster.remove('carol')
    const relayDir = await cluster.remove('relay')
    // Without the relay, members online still get it over the topic; it stays pending at the sender.
    const live = event(bob, 'group:message', d => d.text === 'the relay is down')
    const statuses = collect(alice, 'group:status')
    const sent = await alice.groupSend(group, 'the relay is down')
    await live
    expect((await alice.groupHistory(group, 1000)).find(m => m.id === sent.id)?.status).toBe('pending')
    expect(statuses.events.filter(e => e.id === sent.id)).toEqual([])
    statuses.stop()
    // The relay comes back: the sender's outbox reaches it.
    const delivered = event(alice, 'group:status', d => d.id === sent.id && d.status === 'sent', 30_000)
    const relay = await cluster.add({ name: 'relay', roles: ['relay'], dataDir: relayDir })
    await delivered
    expect((await storedEnvelopes(relay, group)).map(b => GroupEnvelope.decode(b)).some(e => e.sender === 'alice' && e.hlc === (sent.hlc))).toBe(true)
    // carol, away all along, gets it from the restarted relay.
    const back = await comeBack('carol', carolDir, ['the relay is down'])
    carol = back.node
    expect(back.seen).toEqual(['the relay is down'])
    const after = event(carol, 'group:message', d => d.text === 'relay is back')
    await bob.groupSend(group, 'relay is back')
    await after
  })

  it('a membership change waits for the KACLS; after its restart the new epoch works for everyone', async () => {
    const kaclsDir = await cluster.remove('kacls')
    const refused = await failure(alice.groupPromote(group, 'bob'))
    expect(['UNAVAILABLE', 'NO_HOLDER']).toContain(refused.code)
    expect((await alice.groupMembers(group)).epoch).toBe(1)
    // Messages do not need the KACLS.
    const meanwhile = event(carol, 'group:message', d => d.text === 'no kacls needed')
    await bob.groupSend(group, 'no kacls needed')
    await meanwhile
    await cluster.add({ name: 'kacls', roles: ['kacls'], dataDir: kaclsDir })
    const promoted = await alice.groupPromote(group, 'bob')
    expect(promoted).toMatchObject({ epoch: 2, admins: ['alice', 'bob'] })
    await Promise.all([bob, carol].map(n => reaches(n, group, d => d.epoch === 2)))
    const arrived = Promise.all([alice, bob].map(n => event(n, 'group:message', d => d.text === 'new epoch, new key' && d.epoch === 2)))
    await carol.groupSend(group, 'new epoch, new key')
    await arrived
    expect(carol.groupChat.heldKey(group, 2)).toEqual(alice.groupChat.heldKey(group, 2))
    expect(Buffer.from(alice.groupChat.heldKey(group, 2)!).equals(Buffer.from(alice.groupChat.heldKey(group, 1)!))).toBe(false)
  })
})
