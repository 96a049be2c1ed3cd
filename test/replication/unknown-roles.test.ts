/**
 * Frames from a peer this node's registry does not (yet) see as a live
 * replica of their role: around a heal one side sees the other before the
 * other sees it. Such a frame must not be acknowledged as persisted (nor a
 * HELLO answered as if nothing were shared): it waits for the registry, and
 * fails when that does not come in time (docs/replication.md, "Partitions").
 */
import { afterEach, describe, expect, it } from 'vitest'
import * as encoding from 'lib0/encoding'
import * as syncProtocol from 'y-protocols/sync'
import * as Y from 'yjs'
import { openMemoryStore } from '../../store/index.js'
import { recordKey, sealRecord } from '../../src/replication/index.js'
import { ReplicaFrame } from '../../src/replication/pb/replica.js'
import { frame, Session } from '../../src/replication/session.js'
import { addrOf, eventually, records, replicationOver, startMember, stopMember, write } from './harness.js'
import type { Member } from './harness.js'
import type { PeerIdStr } from '../../src/net/index.js'
import type { Store } from '../../store/index.js'

const DOC = 'relay/t/mail'
const AT_REST = new Uint8Array(32).fill(7)
const K = recordKey(AT_REST, 'relay')
const utf8 = new TextEncoder()

async function layout (store: Store): Promise<Record<string, string>> {
  return Object.fromEntries(await store.sublevel<string>('relay', 'json').iterator().all())
}

/** A peer's update putting `key`, in a SYNC frame. */
function updateFrame (key: string, value: string): ReplicaFrame {
  const doc = new Y.Doc()
  let made: Uint8Array | undefined
  doc.on('update', (u: Uint8Array) => { made = u })
  doc.getMap<Uint8Array>('r').set(key, sealRecord(K, DOC, key, utf8.encode(value)) as Uint8Array<ArrayBuffer>)
  const enc = encoding.createEncoder()
  syncProtocol.writeUpdate(enc, made!)
  return frame({ kind: ReplicaFrame.Kind.SYNC, doc: DOC, epoch: 1, sync: encoding.toUint8Array(enc) as Uint8Array<ArrayBuffer> })
}

function track (p: Promise<void>): { settled: () => boolean } {
  let settled = false
  p.then(() => { settled = true }, () => { settled = true })
  return { settled: () => settled }
}

/** A session with a peer the registry does not see as sharing any role (closed out, or not heard yet). */
const unknownPeer = (): Session => new Session('12D3KooWpeer', { onFrame: async () => {}, wantOut: () => {}, onClosed: () => {} }, Date.now)

describe("a peer's update of a role the registry does not (yet) see the peer share", () => {
  it('is not done (so not acknowledged) until the registry sees the peer share the role; then it is applied and persisted', async () => {
    const store = await openMemoryStore()
    const replication = await replicationOver(store, AT_REST)
    const session = unknownPeer()
    const first = replication.onFrame(session, updateFrame('m1', 'one'), 1)
    const waiting = track(first)
    await new Promise(resolve => setTimeout(resolve, 50))
    // Done now, it would be acknowledged: the sender would count the write as persisted here, and never send it again.
    expect(waiting.settled()).toBe(false)
    expect(await layout(store)).toEqual({})
    // The registry sees the peer (a live replica of relay): the update is applied, persisted, and only then done.
    session.roles = new Set(['relay'])
    await first
    expect(await layout(store)).toEqual({ m1: 'one' })
    expect(replication.status().refused['not-eligible']).toBe(0)
    session.close()
    await replication.stop()
    await store.close()
  })

  it('fails its frame (the stream ends, nothing persisted) when the registry does not see the peer in time', async () => {
    const store = await openMemoryStore()
    const replication = await replicationOver(store, AT_REST, { rolesWaitMs: 50 })
    const session = unknownPeer()
    await expect(replication.onFrame(session, updateFrame('m1', 'one'), 1)).rejects.toThrow('not a live replica of relay')
    expect(await layout(store)).toEqual({})
    expect(replication.status().refused['not-eligible']).toBe(1)
    session.close()
    await replication.stop()
    await store.close()
  })
})

const members: Member[] = []
afterEach(async () => {
  await Promise.all(members.splice(0).map(stopMember))
})

/** Hides peers from a node's registry view (as if it had not heard their announcements) until shown again. */
function hide (m: Member): Set<PeerIdStr> {
  const hidden = new Set<PeerIdStr>()
  const live = m.registry.livePeers.bind(m.registry)
  m.registry.livePeers = () => live().filter(p => !hidden.has(p.peerId))
  return hidden
}

describe('two replicas of relay healing from a partition, one seeing the other first', () => {
  it('end with every record of both sides', async () => {
    const a = await startMember({ name: 'a', pinned: ['relay'], eligible: ['relay'] })
    members.push(a)
    const b = await startMember({ name: 'b', eligible: ['relay'], peers: [addrOf(a)] })
    members.push(b)
    await eventually(() => a.registry.serves('relay') && a.replication.reports().relay?.some(r => r.peerId === b.network.peerId && r.synced), 'b a synced replica of a')
    await write(a, 'relay', 'both', 0, 2)
    const aSees = hide(a)
    const bSees = hide(b)
    aSees.add(b.network.peerId)
    bSees.add(a.network.peerId)
    // Each side closes its stream to the other (its reconcile), then writes alone: a doc only a has, one only b has.
    await new Promise(resolve => setTimeout(resolve, 1_200))
    await write(a, 'relay', 'onA', 0, 3)
    await write(b, 'relay', 'onB', 0, 4)
    expect(a.replication.status().writes.alone).toBe(3)
    // The heal: b hears a first. Its stream to a opens and says HELLO while a does not see b yet...
    bSees.delete(a.network.peerId)
    await new Promise(resolve => setTimeout(resolve, 1_500))
    // ...then a sees b too.
    aSees.delete(b.network.peerId)
    const held = (): string => [a, b].map(m => `${m.name}: ${[...m.replication.docs.values()].map(d => `${d.name} ${d.size}`).join(', ')}`).join('; ')
    await eventually(() => records(a, 'relay') === 9 && records(b, 'relay') === 9, 'both sides hold all 9 records', 8_000)
      .catch((err: Error) => { throw new Error(`${err.message} (${held()}; refused on a: ${JSON.stringify(a.replication.status().refused)})`) })
    // What b sent before a saw it waited for a's registry: taken then, not refused (and not acknowledged before).
    expect(a.replication.status().refused['not-eligible']).toBe(0)
  })
})
