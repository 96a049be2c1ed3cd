import { describe, expect, it } from 'vitest'
import * as encoding from 'lib0/encoding'
import * as syncProtocol from 'y-protocols/sync'
import * as Y from 'yjs'
import { openMemoryStore } from '../../store/index.js'
import { recordKey, Replication, sealRecord } from '../../src/replication/index.js'
import { ReplicaFrame } from '../../src/replication/pb/replica.js'
import { frame, Session } from '../../src/replication/session.js'
import { replicationOver as standaloneOver } from './harness.js'
import type { Store } from '../../store/index.js'

const DOC = 'relay/t/mail'
const AT_REST = new Uint8Array(32).fill(3)
const K = recordKey(AT_REST, 'relay')
const utf8 = new TextEncoder()

const replicationOver = async (store: Store): Promise<Replication> => standaloneOver(store, AT_REST)

/** The store's next `n` batches fail. */
function failBatches (store: Store, n: number): void {
  const batch = store.batch.bind(store)
  let left = n
  store.batch = async ops => {
    if (left-- > 0) throw new Error('disk full')
    await batch(ops)
  }
}

/** What a fresh replication over the store loads of the doc, and what the layout holds. */
async function onDisk (store: Store): Promise<{ doc: string[], layout: string[] }> {
  const again = await replicationOver(store)
  const doc = (await again.open(DOC)).keys()
  await again.stop()
  const layout = await store.sublevel<string>('relay', 'json').keys().all()
  return { doc, layout }
}

function sync (write: (enc: encoding.Encoder) => void): ReplicaFrame {
  const enc = encoding.createEncoder()
  write(enc)
  return frame({ kind: ReplicaFrame.Kind.SYNC, doc: DOC, epoch: 1, sync: encoding.toUint8Array(enc) as Uint8Array<ArrayBuffer> })
}

describe('a change whose batch fails', () => {
  it("leaves nothing of a holder's write, in memory or on disk, and the next write goes on", async () => {
    const store = await openMemoryStore()
    const replication = await replicationOver(store)
    failBatches(store, 1)
    await expect(replication.mutate(DOC, tx => { tx.put('m1', utf8.encode('one')) })).rejects.toThrow('disk full')
    // The caller was told it failed: the doc must not hold it (it would be synced to the replicas, and materialized there only).
    expect((await replication.open(DOC)).keys()).toEqual([])
    await replication.mutate(DOC, tx => { tx.put('m2', utf8.encode('two')) })
    expect((await replication.open(DOC)).keys()).toEqual(['m2'])
    await replication.stop()
    expect(await onDisk(store)).toEqual({ doc: ['m2'], layout: ['m2'] })
    await store.close()
  })

  it("drops a peer's update it could not persist, and takes it again from the peer's whole state", async () => {
    const store = await openMemoryStore()
    const replication = await replicationOver(store)
    const session = new Session('12D3KooWpeer', { onFrame: async () => {}, wantOut: () => {}, onClosed: () => {} }, Date.now)
    session.roles.add('relay')
    const peer = new Y.Doc()
    const map = peer.getMap<Uint8Array>('r')
    const updates: Uint8Array[] = []
    peer.on('update', (u: Uint8Array) => { updates.push(u) })
    map.set('m1', sealRecord(K, DOC, 'm1', utf8.encode('one')) as Uint8Array<ArrayBuffer>)
    map.set('m2', sealRecord(K, DOC, 'm2', utf8.encode('two')) as Uint8Array<ArrayBuffer>)

    failBatches(store, 1)
    await expect(replication.onFrame(session, sync(enc => { syncProtocol.writeUpdate(enc, updates[0]!) }), 1)).rejects.toThrow('disk full')
    // Memory is what the disk holds: nothing of m1 (a doc ahead of its disk would never ask for m1 again, and later updates built on it would not load).
    expect((await replication.open(DOC)).keys()).toEqual([])

    // m2 builds on m1 (the peer's next change): it waits for m1, and nothing of it is persisted meanwhile (nor is its
    // frame done: test/replication/base.test.ts).
    const second = replication.onFrame(session, sync(enc => { syncProtocol.writeUpdate(enc, updates[1]!) }), 2)
    expect((await replication.open(DOC)).keys()).toEqual([])

    // The answer to the next HELLO (the peer's whole state past this node's) brings m1 back, and m2 with it.
    await replication.onFrame(session, sync(enc => { syncProtocol.writeSyncStep2(enc, peer) }), 3)
    await second
    expect((await replication.open(DOC)).keys()).toEqual(['m1', 'm2'])
    session.close()
    await replication.stop()
    expect(await onDisk(store)).toEqual({ doc: ['m1', 'm2'], layout: ['m1', 'm2'] })
    await store.close()
  })
})
