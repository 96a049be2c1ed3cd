import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import * as encoding from 'lib0/encoding'
import * as syncProtocol from 'y-protocols/sync'
import * as Y from 'yjs'
import { openMemoryStore } from '../../store/index.js'
import { inspectUpdate, recordKey, Replication, sealRecord } from '../../src/replication/index.js'
import { ReplicaFrame } from '../../src/replication/pb/replica.js'
import { frame, Session } from '../../src/replication/session.js'

const DOC = 'relay/t/mail'
const K = recordKey(new Uint8Array(32).fill(3), 'relay')
const OTHER = recordKey(new Uint8Array(32).fill(4), 'relay')
const utf8 = new TextEncoder()

/** A writer's updates: each a new record or the deletion of one of its own (mail and history are unions of unique ids). */
interface Op { writer: number, key: string, del: boolean }

function updatesOf (ops: Op[]): Uint8Array[] {
  const writers = new Map<number, Y.Doc>()
  const out: Uint8Array[] = []
  for (const op of ops) {
    let doc = writers.get(op.writer)
    if (doc === undefined) {
      doc = new Y.Doc()
      writers.set(op.writer, doc)
    }
    const map = doc.getMap<Uint8Array>('r')
    const key = `${op.writer}/${op.key}`
    const before = Y.encodeStateVector(doc)
    if (op.del) {
      if (!map.has(key)) continue
      map.delete(key)
    } else {
      map.set(key, sealRecord(K, DOC, key, utf8.encode(`value of ${key}`)))
    }
    out.push(Y.encodeStateAsUpdate(doc, before))
  }
  return out
}

/** The records a doc holds, opened, sorted. */
function stateOf (doc: Y.Doc): Array<[string, string]> {
  return [...doc.getMap<Uint8Array>('r').entries()].map(([k, v]): [string, string] => [k, Buffer.from(v).toString('hex')]).sort()
}

/** Applies updates as a replica does: each inspected first; one that builds on what is missing waits for the rest. */
function replay (updates: Uint8Array[]): Y.Doc {
  const doc = new Y.Doc()
  let pending = [...updates]
  for (let round = 0; pending.length > 0 && round <= updates.length; round++) {
    const later: Uint8Array[] = []
    for (const u of pending) {
      const inspection = inspectUpdate(u, doc, DOC, K)
      if (inspection.ok) Y.applyUpdate(doc, u)
      else if (inspection.reason === 'missing') later.push(u)
      else throw new Error(`refused: ${inspection.detail}`)
    }
    pending = later
  }
  return doc
}

const ops = fc.array(fc.record({ writer: fc.integer({ min: 0, max: 3 }), key: fc.constantFrom('a', 'b', 'c', 'd', 'e'), del: fc.boolean() }), { minLength: 1, maxLength: 30 })

describe('merge of replicated records', () => {
  it('gives the same state whatever the order, with updates duplicated and replayed', () => {
    fc.assert(fc.property(ops, fc.infiniteStream(fc.nat()), fc.array(fc.nat(), { maxLength: 10 }), (list, seeds, dupes) => {
      const updates = updatesOf(list)
      const inOrder = stateOf(replay(updates))
      const shuffled = [...updates]
      for (let i = shuffled.length - 1; i > 0; i--) {
        const j = seeds.next().value % (i + 1)
        ;[shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!]
      }
      // Duplicates anywhere, and the whole set replayed at the end.
      const withDupes = [...shuffled]
      for (const d of dupes) if (updates.length > 0) withDupes.splice(d % (withDupes.length + 1), 0, updates[d % updates.length]!)
      expect(stateOf(replay([...withDupes, ...updates]))).toEqual(inOrder)
      // Two replicas that got the updates in different orders, synced with each other, agree too.
      const a = replay(shuffled)
      const b = replay([...updates].reverse())
      Y.applyUpdate(a, Y.encodeStateAsUpdate(b, Y.encodeStateVector(a)))
      Y.applyUpdate(b, Y.encodeStateAsUpdate(a, Y.encodeStateVector(b)))
      expect(stateOf(a)).toEqual(inOrder)
      expect(stateOf(b)).toEqual(inOrder)
    }), { numRuns: 200 })
  })

  it('refuses an update whose value was altered, moved to another key or doc, or sealed under another key', () => {
    fc.assert(fc.property(fc.string({ minLength: 1, maxLength: 20 }), fc.uint8Array({ minLength: 1, maxLength: 64 }), fc.nat(), (key, value, at) => {
      const make = (k: Uint8Array, doc: string, sealedKey: string, mutate?: (b: Uint8Array) => void): Uint8Array => {
        const d = new Y.Doc()
        const sealed = sealRecord(k, doc, sealedKey, value)
        mutate?.(sealed)
        d.getMap<Uint8Array>('r').set(key, sealed)
        return Y.encodeStateAsUpdate(d)
      }
      const good = inspectUpdate(make(K, DOC, key), new Y.Doc(), DOC, K)
      expect(good.ok && good.inserts.length === 1 && good.inserts[0]!.key === key && Buffer.from(good.inserts[0]!.value).equals(Buffer.from(value))).toBe(true)
      expect(inspectUpdate(make(K, DOC, key, b => { b[at % b.length]! ^= 1 }), new Y.Doc(), DOC, K)).toMatchObject({ ok: false, reason: 'tampered' })
      expect(inspectUpdate(make(K, DOC, `${key}x`), new Y.Doc(), DOC, K)).toMatchObject({ ok: false, reason: 'tampered' })
      expect(inspectUpdate(make(K, 'relay/t/other', key), new Y.Doc(), DOC, K)).toMatchObject({ ok: false, reason: 'tampered' })
      expect(inspectUpdate(make(OTHER, DOC, key), new Y.Doc(), DOC, K)).toMatchObject({ ok: false, reason: 'tampered' })
    }), { numRuns: 100 })
  })

  it('refuses values that are not sealed bytes, nested types and undecodable updates', () => {
    const text = new Y.Doc()
    text.getMap('r').set('k', 'plain text')
    expect(inspectUpdate(Y.encodeStateAsUpdate(text), new Y.Doc(), DOC, K)).toMatchObject({ ok: false, reason: 'malformed' })
    const nested = new Y.Doc()
    nested.getMap('r').set('k', new Y.Map())
    expect(inspectUpdate(Y.encodeStateAsUpdate(nested), new Y.Doc(), DOC, K)).toMatchObject({ ok: false, reason: 'malformed' })
    const otherRoot = new Y.Doc()
    otherRoot.getMap<Uint8Array>('x').set('k', sealRecord(K, DOC, 'k', new Uint8Array([1])))
    expect(inspectUpdate(Y.encodeStateAsUpdate(otherRoot), new Y.Doc(), DOC, K)).toMatchObject({ ok: false, reason: 'malformed' })
    expect(inspectUpdate(new Uint8Array([9, 9, 9, 9]), new Y.Doc(), DOC, K)).toMatchObject({ ok: false, reason: 'malformed' })
  })
})

describe('a replica refusing updates', () => {
  it('counts a tampered or undecodable update from a peer and applies nothing of it', async () => {
    const store = await openMemoryStore()
    const atRestKey = new Uint8Array(32).fill(3)
    const replication = new Replication({ store, atRestKey })
    const written: string[] = []
    replication.define({ prefix: 'relay/t/', role: 'relay', materialize: (_doc, changes) => { written.push(...changes.map(c => c.key)); return [] } })
    await replication.start()
    const session = new Session('12D3KooWpeer', { onFrame: async () => {}, wantOut: () => {}, onClosed: () => {} }, Date.now)
    session.roles.add('relay')
    const sync = (update: Uint8Array): ReplicaFrame => {
      const enc = encoding.createEncoder()
      syncProtocol.writeUpdate(enc, update)
      return frame({ kind: ReplicaFrame.Kind.SYNC, doc: DOC, epoch: 1, sync: encoding.toUint8Array(enc) as Uint8Array<ArrayBuffer> })
    }
    const k = recordKey(atRestKey, 'relay')
    const doc = new Y.Doc()
    const sealed = sealRecord(k, DOC, 'm1', utf8.encode('hello'))
    const tampered = new Uint8Array(sealed)
    tampered[tampered.length - 1]! ^= 1
    doc.getMap<Uint8Array>('r').set('m1', tampered)
    await replication.onFrame(session, sync(Y.encodeStateAsUpdate(doc)), 1)
    await replication.onFrame(session, sync(new Uint8Array([1, 2, 3])), 2)
    const good = new Y.Doc()
    good.getMap<Uint8Array>('r').set('m2', sealRecord(k, DOC, 'm2', utf8.encode('hello')))
    await replication.onFrame(session, sync(Y.encodeStateAsUpdate(good)), 3)
    expect(replication.status().refused).toMatchObject({ tampered: 1, malformed: 1 })
    expect(written).toEqual(['m2'])
    expect((await replication.open(DOC)).keys()).toEqual(['m2'])
    session.close()
    await replication.stop()
    await store.close()
  })
})
