import { describe, expect, it } from 'vitest'
import * as encoding from 'lib0/encoding'
import * as syncProtocol from 'y-protocols/sync'
import * as Y from 'yjs'
import { openMemoryStore } from '../../store/index.js'
import { recordKey, Replication, sealRecord } from '../../src/replication/index.js'
import { ReplicaFrame } from '../../src/replication/pb/replica.js'
import { frame, Session } from '../../src/replication/session.js'
import { replicationOver as standaloneOver } from './harness.js'
import type { ReplicationInit } from '../../src/replication/index.js'
import type { Store } from '../../store/index.js'

const DOC = 'relay/t/mail'
const AT_REST = new Uint8Array(32).fill(5)
const K = recordKey(AT_REST, 'relay')
const utf8 = new TextEncoder()

const replicationOver = async (store: Store, init: ReplicationInit = {}): Promise<Replication> => standaloneOver(store, AT_REST, init)

/** What the service's layout holds on disk. */
async function layout (store: Store): Promise<Record<string, string>> {
  return Object.fromEntries(await store.sublevel<string>('relay', 'json').iterator().all())
}

function sync (write: (enc: encoding.Encoder) => void): ReplicaFrame {
  const enc = encoding.createEncoder()
  write(enc)
  return frame({ kind: ReplicaFrame.Kind.SYNC, doc: DOC, epoch: 1, sync: encoding.toUint8Array(enc) as Uint8Array<ArrayBuffer> })
}
const update = (u: Uint8Array): ReplicaFrame => sync(enc => { syncProtocol.writeUpdate(enc, u) })

/** A peer's doc, and each of its updates as it made them. */
function peerDoc (): { doc: Y.Doc, put: (key: string, value: string) => Uint8Array } {
  const doc = new Y.Doc()
  const map = doc.getMap<Uint8Array>('r')
  return {
    doc,
    put: (key, value) => {
      let made: Uint8Array | undefined
      const take = (u: Uint8Array): void => { made = u }
      doc.on('update', take)
      map.set(key, sealRecord(K, DOC, key, utf8.encode(value)) as Uint8Array<ArrayBuffer>)
      doc.off('update', take)
      return made!
    }
  }
}

/** A session with the peer whose frames this node writes are kept (as the peer would read them). */
function sessionWithPeer (): { session: Session, sent: ReplicaFrame[] } {
  const session = new Session('12D3KooWpeer', { onFrame: async () => {}, wantOut: () => {}, onClosed: () => {} }, Date.now)
  session.roles.add('relay')
  const sent: ReplicaFrame[] = []
  const send = session.send.bind(session)
  session.send = f => {
    sent.push(f)
    return send(f)
  }
  return { session, sent }
}

/** Whether `p` has settled by the time the frames handled after it have (they queue behind it on the doc's lock). */
function track (p: Promise<void>): { settled: () => boolean } {
  let settled = false
  p.then(() => { settled = true }, () => { settled = true })
  return { settled: () => settled }
}

const asks = (sent: ReplicaFrame[]): number => sent.filter(f => f.kind === ReplicaFrame.Kind.SYNC && f.doc === DOC && f.sync[0] === syncProtocol.messageYjsSyncStep1).length

describe('an update from a peer that builds on what this node lacks', () => {
  it('is done (so acknowledged) only once what it overwrites has come and all of it is persisted', async () => {
    const store = await openMemoryStore()
    const replication = await replicationOver(store)
    await replication.open(DOC)
    const { session, sent } = sessionWithPeer()
    const peer = peerDoc()
    peer.put('m1', 'one')
    // An overwrite of m1: which record it changes is known only through the value it replaces, which this node lacks.
    const overwrite = peer.put('m1', 'two')
    const other = peerDoc()

    const first = replication.onFrame(session, update(overwrite), 1)
    const waiting = track(first)
    // A later frame, which this node can apply, is applied and persisted meanwhile...
    await replication.onFrame(session, update(other.put('m3', 'three')), 2)
    expect(await layout(store)).toEqual({ m3: 'three' })
    // ...but the overwrite is not: its frame is not done (a PERSISTED would count it as on this node's disk), and the
    // peer was asked for the difference, once.
    expect(waiting.settled()).toBe(false)
    expect(asks(sent)).toBe(1)

    // The peer's answer (its state past this node's) brings the base: the overwrite is applied, persisted, and done.
    await replication.onFrame(session, sync(enc => { syncProtocol.writeSyncStep2(enc, peer.doc, Y.encodeStateVector(new Y.Doc())) }), 3)
    await first
    expect(await layout(store)).toEqual({ m1: 'two', m3: 'three' })
    expect(replication.status().refused.missing).toBe(1)
    session.close()
    await replication.stop()
    await store.close()
  })

  it('is done only once the structs Yjs kept pending are applied and persisted', async () => {
    const store = await openMemoryStore()
    const replication = await replicationOver(store)
    await replication.open(DOC)
    const { session, sent } = sessionWithPeer()
    const peer = peerDoc()
    const m1 = peer.put('m1', 'one')
    // A new record, so the inspection places it; but it comes after m1 in the peer's clock, so Yjs keeps it pending.
    const m2 = peer.put('m2', 'two')

    const first = replication.onFrame(session, update(m2), 1)
    const waiting = track(first)
    await replication.onFrame(session, update(peerDoc().put('m3', 'three')), 2)
    expect(waiting.settled()).toBe(false)
    expect(await layout(store)).toEqual({ m3: 'three' })
    expect(asks(sent)).toBe(1)

    await replication.onFrame(session, update(m1), 3)
    await first
    expect(await layout(store)).toEqual({ m1: 'one', m2: 'two', m3: 'three' })
    session.close()
    await replication.stop()
    // What is on disk loads as it was: m2 was persisted once applied.
    const again = await replicationOver(store)
    expect((await again.open(DOC)).keys()).toEqual(['m1', 'm2', 'm3'])
    await again.stop()
    await store.close()
  })

  it('fails its frame when what it builds on does not come in time, and persists nothing of it', async () => {
    const store = await openMemoryStore()
    const replication = await replicationOver(store, { baseWaitMs: 50 })
    await replication.open(DOC)
    const { session } = sessionWithPeer()
    const peer = peerDoc()
    peer.put('m1', 'one')
    const overwrite = peer.put('m1', 'two')
    // Failed, the frame is never acknowledged: the session ends the stream, and the peer's next one makes up for it.
    await expect(replication.onFrame(session, update(overwrite), 1)).rejects.toThrow('did not come within 50 ms')
    expect(await layout(store)).toEqual({})
    // What it waited for coming later changes nothing for it (it is gone), and is applied as any update.
    await replication.onFrame(session, sync(enc => { syncProtocol.writeSyncStep2(enc, peer.doc, Y.encodeStateVector(new Y.Doc())) }), 2)
    expect(await layout(store)).toEqual({ m1: 'two' })
    session.close()
    await replication.stop()
    await store.close()
  })
})
