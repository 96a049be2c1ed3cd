import { afterEach, describe, expect, it } from 'vitest'
import { addrOf, eventually, records, startMember, stopMember, text, write } from './harness.js'
import type { Member, MemberSpec } from './harness.js'

const members: Member[] = []

async function member (spec: MemberSpec): Promise<Member> {
  const m = await startMember(spec)
  members.push(m)
  return m
}

async function stop (m: Member): Promise<void> {
  members.splice(members.indexOf(m), 1)
  await stopMember(m)
}

afterEach(async () => {
  await Promise.all([...members].map(stopMember))
  members.length = 0
})

/** Waits until `holder` serves `role` with `replica` reported as synced (its initial exchange done). */
async function replicated (holder: Member, replica: Member, role: 'relay' | 'idp' | 'kacls' = 'relay'): Promise<void> {
  await eventually(() => holder.registry.serves(role) && holder.replication.reports()[role]?.some(r => r.peerId === replica.network.peerId && r.synced), `${replica.name} a synced replica of ${holder.name}'s ${role}`)
}

describe('replication', () => {
  it("acknowledges a holder's write only once the replica has persisted it", async () => {
    const a = await member({ name: 'a', pinned: ['relay'], eligible: ['relay'] })
    const b = await member({ name: 'b', eligible: ['relay'], peers: [addrOf(a)] })
    await replicated(a, b)
    for (let i = 0; i < 20; i++) {
      await a.replication.mutate('relay/t/mail', tx => { tx.put(`m${i}`, text(`hello ${i}`)) }, { durable: true })
      // No wait: the acknowledgement means it is on b's disk, in the service's layout.
      expect(await b.materialized('relay').get(`relay/t/mail|m${i}`)).toBe(`hello ${i}`)
    }
    const s = a.replication.status()
    expect(s.writes).toEqual({ replicated: 20, alone: 0, failed: 0 })
    expect(s.lag.samples).toBe(20)
  })

  it("does not count a write as replicated when the replica's batch failed; the replica gets it again", async () => {
    const a = await member({ name: 'a', pinned: ['relay'], eligible: ['relay'], replication: { durableTimeoutMs: 1_500 } })
    const b = await member({ name: 'b', eligible: ['relay'], peers: [addrOf(a)] })
    await replicated(a, b)
    // b's next batch fails (a full disk, say).
    const batch = b.store.batch.bind(b.store)
    let fail = true
    b.store.batch = async ops => {
      if (fail) {
        fail = false
        throw new Error('disk full')
      }
      await batch(ops)
    }
    const write = a.replication.mutate('relay/t/mail', tx => { tx.put('m', text('kept?')) }, { durable: true })
    // Acknowledged only if b has it on disk; b never persisted the frame that carried it, so it is not.
    const outcome = await write.then(() => 'acknowledged', (err: { code?: string }) => err.code)
    if (outcome === 'acknowledged') expect(await b.materialized('relay').get('relay/t/mail|m')).toBe('kept?')
    else expect(outcome).toBe('NOT_REPLICATED')
    // The stream from a ended with the failed frame; a's next HELLO brings b what it lacks.
    await eventually(async () => await b.materialized('relay').get('relay/t/mail|m') === 'kept?', 'b has the record after all')
  })

  it('tells when a live eligible node becomes a replica in step with it (replica:live)', async () => {
    const a = await member({ name: 'a', pinned: ['relay'], eligible: ['relay', 'kacls'] })
    const told: Array<{ peer: string, roles: string[] }> = []
    a.replication.addEventListener('replica:live', evt => { told.push(evt.detail) })
    const b = await member({ name: 'b', eligible: ['kacls'], peers: [addrOf(a)] })
    await eventually(() => told.length > 0, 'a told of b')
    // At that moment b is live in the registry's view and its first exchange is done: a write to b goes straight to it.
    expect(told).toEqual([{ peer: b.network.peerId, roles: ['kacls'] }])
    expect(a.replication.status().roles.kacls?.replicas).toMatchObject([{ peerId: b.network.peerId, state: 'live' }])
  })

  it("waits for the one replica it names to persist a doc (persistedBy), not for any, and fails while that one cannot", async () => {
    const a = await member({ name: 'a', pinned: ['relay'], eligible: ['relay'], replication: { durableTimeoutMs: 1_500 } })
    const c = await member({ name: 'c', eligible: ['relay'], peers: [addrOf(a)] })
    const p = await member({ name: 'p', eligible: ['relay'], peers: [addrOf(a)] })
    await replicated(a, c)
    await replicated(a, p)
    // p's disk fails every batch from now on.
    const batch = p.store.batch.bind(p.store)
    let failing = true
    p.store.batch = async ops => {
      if (failing) throw new Error('disk full')
      await batch(ops)
    }
    // A durable write is acknowledged by c...
    await a.replication.mutate('relay/t/mail', tx => { tx.put('m', text('kept')) }, { durable: true })
    expect(await c.materialized('relay').get('relay/t/mail|m')).toBe('kept')
    // ...but p has not persisted it, and a wait for p says so.
    await expect(a.replication.persistedBy(p.network.peerId, 'relay/t/mail')).rejects.toMatchObject({ code: 'NOT_REPLICATED' })
    expect(await p.materialized('relay').get('relay/t/mail|m')).toBeUndefined()
    // Once p's disk works, a wait for it ends when p has the doc on its disk.
    failing = false
    await eventually(async () => a.replication.persistedBy(p.network.peerId, 'relay/t/mail').then(() => true, () => false), 'p persisted the doc')
    expect(await p.materialized('relay').get('relay/t/mail|m')).toBe('kept')
  })

  it('reports each replica of a role it serves, how far behind it is, and others see the report', async () => {
    const a = await member({ name: 'a', pinned: ['relay'], eligible: ['relay'] })
    const b = await member({ name: 'b', eligible: ['relay'], peers: [addrOf(a)] })
    await replicated(a, b)
    await write(a, 'relay', 'mail', 0, 5)
    expect(a.replication.reports().relay).toEqual([{ role: 'relay', peerId: b.network.peerId, behind: 0, synced: true, lagMs: 0 }])
    expect(a.registry.roles().relay?.replicas).toEqual(a.replication.reports().relay)
    // b reads it in a's announcement; b itself serves nothing, so reports nothing.
    await eventually(() => b.registry.roles().relay?.replicas?.[0]?.peerId === b.network.peerId, "a's report on b")
    expect(b.replication.reports()).toEqual({})
    expect(b.replication.status().roles.relay?.records).toBe(5)
  })

  it('counts a replica catching up as behind until it says it persisted what it lacked', async () => {
    const a = await member({ name: 'a', pinned: ['relay'], eligible: ['relay'] })
    await write(a, 'relay', 'mail', 0, 300)
    const b = await member({ name: 'b', eligible: ['relay'], peers: [addrOf(a)] })
    // The answer to b's HELLO carries 300 records: a counts them as behind from when it sent them until b's PERSISTED.
    await eventually(() => {
      const r = a.replication.reports().relay?.find(p => p.peerId === b.network.peerId)
      return records(b, 'relay') === 300 && r?.behind === 0 && r.synced
    }, 'b caught up')
    expect(b.replication.status().roles.relay?.records).toBe(300)
  })

  it('acknowledges at once when no other eligible node is live, and says it is alone', async () => {
    const a = await member({ name: 'a', pinned: ['relay'], eligible: ['relay'] })
    const b = await member({ name: 'b', eligible: ['idp'], peers: [addrOf(a)] })
    await eventually(() => b.registry.holderOf('relay') === a.network.peerId && a.registry.serves('relay'), 'a serving relay, b sees it')
    await write(a, 'relay', 'mail', 0, 3)
    expect(a.replication.status().writes).toEqual({ replicated: 0, alone: 3, failed: 0 })
    expect(a.replication.status().roles.relay?.alone).toBe(true)
    expect(a.replication.reports().relay).toEqual([])
    expect(a.registry.roles().warnings.some(w => w.startsWith('relay is held by this node') && w.includes('alone'))).toBe(true)
    await eventually(() => b.registry.roles().warnings.some(w => w.startsWith('relay is held by') && w.includes('alone')), 'b warned')
    // b is not eligible for relay: it never received a record.
    expect(records(b, 'relay')).toBe(0)
    expect(b.replication.docs.size).toBe(0)
  })

  it('counts a node as a replica once it speaks the protocol, though it did not when first asked', async () => {
    const a = await member({ name: 'a', pinned: ['relay'], eligible: ['relay'] })
    // b announces itself before its replication is started (as every node does for a moment): a, dialling it, is told
    // the protocol is unsupported, and leaves b out of its replicas.
    const b = await member({ name: 'b', eligible: ['relay'], peers: [addrOf(a)], startReplication: false })
    await eventually(() => a.registry.livePeers().some(p => p.peerId === b.network.peerId) &&
      a.replication.status().roles.relay?.replicas.length === 0, 'a told that b does not speak the protocol')
    // Once b's replication runs, a counts b as a replica again and syncs with it (before: never again).
    await b.replication.start()
    await replicated(a, b)
    await write(a, 'relay', 'mail', 0, 1)
    expect(a.replication.status().writes).toEqual({ replicated: 1, alone: 0, failed: 0 })
    expect(await b.materialized('relay').get('relay/t/mail|k000000')).toBe('v0')
  })

  it('holds requests while it catches up, bounded in time and in number, and lets them through once caught up', async () => {
    // A warm-up of a minute: the node holds relay at once (pinned) but has not caught up for the whole test.
    const a = await member({ name: 'a', pinned: ['relay'], eligible: ['relay'], replication: { warmupMs: 60_000, maxHeld: 2 } })
    expect(a.registry.serves('relay')).toBe(true)
    expect(a.replication.caughtUp('relay')).toBe(false)
    expect(a.replication.status().roles.relay?.caughtUp).toBe(false)
    expect(await a.replication.admit('relay', 50)).toBe(false)
    const held = [a.replication.admit('relay', 60_000), a.replication.admit('relay', 60_000)]
    // A third is turned away at once, not queued.
    expect(await a.replication.admit('relay', 60_000)).toBe(false)
    // Stopping turns the held ones away too (no request left hanging).
    await stop(a)
    expect(await Promise.all(held)).toEqual([false, false])
    // With the warm-up over and no replica live, it is caught up at once and admits.
    const b = await member({ name: 'b', pinned: ['relay'], eligible: ['relay'], replication: { warmupMs: 0 } })
    expect(await b.replication.admit('relay', 5_000)).toBe(true)
    expect(b.replication.caughtUp('relay')).toBe(true)
    expect(b.replication.status().roles.relay?.caughtUp).toBe(true)
  })

  it('a fresh node pinning relay, elected while a replica holds 500 records, has all 500 when it starts serving', async () => {
    const a = await member({ name: 'a', pinned: ['relay'], eligible: ['relay'] })
    // c is a replica of relay and holds idp; once a is gone it holds both, and gives relay up to a node pinning it.
    const c = await member({ name: 'c', eligible: ['relay', 'idp'], peers: [addrOf(a)] })
    await replicated(a, c)
    await write(a, 'relay', 'mail', 0, 500)
    expect(records(c, 'relay')).toBe(500)
    await stop(a)
    await eventually(() => c.registry.serves('relay'), 'c took relay over')
    // b pins relay and knows nothing: it holds the role at once, with c live and 500 records ahead of it.
    const b = await member({ name: 'b', pinned: ['relay'], eligible: ['relay'], peers: [addrOf(c)] })
    expect(b.registry.serves('relay')).toBe(true)
    // A request reaching b now is held until b has caught up: when it goes through, b has everything c had.
    expect(await b.replication.admit('relay', 20_000)).toBe(true)
    expect(b.atGate.relay).toBe(500)
    expect(records(b, 'relay')).toBe(500)
    expect(b.replication.status().roles.relay?.servedBehind).toEqual([])
    // It goes on from there: a write on b is acknowledged by c.
    await eventually(() => !c.registry.serves('relay'), 'c gave relay up')
    await write(b, 'relay', 'mail', 500, 1)
    expect(await c.materialized('relay').get('relay/t/mail|k000500')).toBe('v500')
  })
})
