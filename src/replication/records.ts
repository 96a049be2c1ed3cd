/**
 * What a replicated doc holds: a Y.Map of record key -> sealed value. Every
 * value is sealed (AES-256-GCM) under a key of its role, with the doc's name
 * and the record's key as associated data, so a value altered on the way, or
 * moved under another key or into another doc, does not open. An update from
 * a peer is inspected before Yjs sees it: every value it inserts must open
 * under its own key, or the whole update is refused (docs/replication.md,
 * "Refused replicas").
 *
 * The role key is derived from the network's at-rest key: it protects the
 * records on the wire (besides noise) and at rest (the disk alone does not
 * give them away), not against a node with the passphrase. Secrets (KEKs) go
 * further, in lockboxes sealed to one node's role key (lockbox.ts).
 */
import * as Y from 'yjs'
import { hkdf, open, seal, transcript } from '../crypto/index.js'
import type { Role } from '../roles/index.js'

/** The root map of every doc. */
export const ROOT = 'r'

const RECORD_LABEL = 'lanchat/replica/record/v1'
const utf8 = new TextEncoder()

/** The key sealing a role's records: HKDF-SHA256(atRestKey, info = "lanchat/replica/record-key/v1/<role>"). */
export function recordKey (atRestKey: Uint8Array, role: Role): Uint8Array {
  return hkdf(atRestKey, new Uint8Array(0), utf8.encode(`lanchat/replica/record-key/v1/${role}`), 32)
}

function recordAd (doc: string, key: string): Uint8Array {
  return transcript(RECORD_LABEL, doc, key)
}

export function sealRecord (k: Uint8Array, doc: string, key: string, value: Uint8Array): Uint8Array {
  return seal(k, value, recordAd(doc, key))
}

/** The value of a sealed record, or undefined when it does not open (altered, moved, or another network's). */
export function openRecord (k: Uint8Array, doc: string, key: string, sealed: Uint8Array): Uint8Array | undefined {
  try {
    return open(k, sealed, recordAd(doc, key))
  } catch {
    return undefined
  }
}

export type Refusal = 'tampered' | 'malformed' | 'unsealable' | 'missing'

export interface Insert {
  key: string
  /** The value as opened */
  value: Uint8Array
}

/**
 * ok: the update may be applied; `needs` is, per Yjs client, the clock the
 * doc must reach for every struct and deletion of the update to be in it
 * (below that, Yjs keeps part of it pending: its base is missing here).
 */
export type Inspection = { ok: true, inserts: Insert[], needs: StateVector } | { ok: false, reason: Refusal, detail: string }

type Struct = Y.Item | Y.GC | { id: Y.ID, length: number }
type UpdateDeletes = ReturnType<typeof Y.decodeUpdate>['ds']

/**
 * Checks an update before it is applied to `doc`: it decodes, inserts only
 * binary values into the root map, and each value opens under its key. The
 * key of an overwrite is not in the update itself (Yjs infers it from the
 * value it overwrites): it is found through that value, in the update or in
 * the doc. An update that depends on what the doc does not have yet is
 * 'missing' (the session asks for a full diff instead).
 */
export function inspectUpdate (update: Uint8Array, doc: Y.Doc, name: string, k: Uint8Array): Inspection {
  let structs: Struct[]
  let ds: UpdateDeletes
  try {
    const decoded = Y.decodeUpdate(update)
    structs = decoded.structs as Struct[]
    ds = decoded.ds
  } catch (err) {
    return { ok: false, reason: 'malformed', detail: `the update does not decode: ${(err as Error).message}` }
  }
  const byClient = new Map<number, Struct[]>()
  for (const s of structs) {
    const list = byClient.get(s.id.client) ?? []
    list.push(s)
    byClient.set(s.id.client, list)
  }
  const local = (id: Y.ID): Struct | undefined => byClient.get(id.client)?.find(s => id.clock >= s.id.clock && id.clock < s.id.clock + s.length)
  const keyOf = (item: Y.Item, depth: number): string | null | undefined => {
    if (depth > 10_000) return undefined
    if (item.parentSub !== null) return item.parentSub
    const ref = item.origin ?? item.rightOrigin
    if (ref === null) return null
    const found = local(ref)
    if (found instanceof Y.Item) return keyOf(found, depth + 1)
    if (found !== undefined) return null
    if (Y.getState(doc.store, ref.client) <= ref.clock) return undefined
    const there = Y.getItem(doc.store, ref) as Y.Item | Y.GC
    return there instanceof Y.Item ? there.parentSub : null
  }
  const inserts: Insert[] = []
  for (const s of structs) {
    if (!(s instanceof Y.Item)) continue
    if (typeof s.parent === 'string' && s.parent !== ROOT) return { ok: false, reason: 'malformed', detail: `an item of a type other than the root map (${s.parent})` }
    if (s.parent !== null && typeof s.parent !== 'string') return { ok: false, reason: 'malformed', detail: 'a nested type' }
    if (s.content instanceof Y.ContentDeleted) continue
    if (!(s.content instanceof Y.ContentBinary)) return { ok: false, reason: 'malformed', detail: `a value that is not sealed bytes (${s.content.constructor.name})` }
    const key = keyOf(s, 0)
    if (key === undefined) return { ok: false, reason: 'missing', detail: 'the update builds on records this node does not have yet' }
    if (key === null) return { ok: false, reason: 'malformed', detail: 'a value outside the root map' }
    const value = openRecord(k, name, key, s.content.content)
    if (value === undefined) return { ok: false, reason: 'tampered', detail: `the value of ${key} in ${name} does not open under its key` }
    inserts.push({ key, value })
  }
  return { ok: true, inserts, needs: needsOf(structs, ds) }
}

/** Per client, the clock past the update's last struct and last deletion (a Skip, a gap in a merged update, needs nothing). */
function needsOf (structs: Struct[], ds: UpdateDeletes): StateVector {
  const needs: StateVector = new Map()
  const need = (client: number, clock: number): void => { if (clock > (needs.get(client) ?? 0)) needs.set(client, clock) }
  for (const s of structs) if (!(s instanceof Y.Skip)) need(s.id.client, s.id.clock + s.length)
  for (const [client, ranges] of ds.clients) for (const r of ranges) need(client, r.clock + r.len)
  return needs
}

/** Whether a doc holds everything an update needs (Inspection's `needs`): nothing of it is pending in Yjs. */
export function holds (doc: Y.Doc, needs: StateVector): boolean {
  for (const [client, clock] of needs) if (Y.getState(doc.store, client) < clock) return false
  return true
}

/** A state vector as a map (Yjs encodes it as bytes). */
export type StateVector = Map<number, number>

export function decodeSv (bytes: Uint8Array): StateVector {
  return Y.decodeStateVector(bytes)
}

/** How many operations `b` has that `a` lacks. */
export function missingOps (a: StateVector | undefined, b: StateVector): number {
  let n = 0
  for (const [client, clock] of b) n += Math.max(0, clock - (a?.get(client) ?? 0))
  return n
}

/** The ID of the item holding a key's current value (undefined: no value). */
export function itemOf (map: Y.Map<Uint8Array>, key: string): Y.ID | undefined {
  const item = (map as unknown as { _map: Map<string, Y.Item> })._map.get(key)
  return item === undefined || item.deleted ? undefined : item.id
}

/** Records deleted in a doc (Yjs keeps a small tombstone for each until the doc's next epoch). */
export function tombstones (doc: Y.Doc): number {
  let n = 0
  for (const ranges of Y.createDeleteSetFromStructStore(doc.store).clients.values()) for (const r of ranges) n += r.len
  return n
}
