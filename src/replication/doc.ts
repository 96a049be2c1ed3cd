/**
 * One replicated doc on this node: a Y.Doc whose root map holds the sealed
 * records, at an epoch (a compaction starts a new one), and how it is kept in
 * the store's 'replica' domain:
 *
 *   m/<doc>                          json   { epoch, seq }   the epoch held, and the next update's number
 *   u/<doc>#<epoch, 10>/<seq, 16>    bytes  a Yjs update, as applied (local or from a peer)
 *
 * Updates are written in the same LevelDB batch as what the doc's records
 * change in the service's own layout (the materialized view), so the two
 * never disagree after a crash. A load merges many small updates into one.
 */
import * as Y from 'yjs'
import { MERGE_PERSISTED_AT } from './constants.js'
import { itemOf, openRecord, ROOT, tombstones } from './records.js'
import { prefixEnd } from '../../store/index.js'
import type { Role } from '../roles/index.js'
import type { BatchOp, KV, Store } from '../../store/index.js'

export interface DocMeta {
  epoch: number
  seq: number
}

/** A record that changed, with its values as opened (undefined: absent). */
export interface Change {
  key: string
  before?: Uint8Array
  after?: Uint8Array
}

const pad = (n: number, digits: number): string => String(n).padStart(digits, '0')
const updatesPrefix = (name: string, epoch: number): string => `u/${name}#${pad(epoch, 10)}/`

export class ReplicaDoc {
  ydoc: Y.Doc
  map: Y.Map<Uint8Array>
  epoch: number
  /** The next persisted update's number */
  private seq: number
  /** Collects what a transaction changed (set while one is applied) */
  private collecting?: Array<{ key: string, action: 'add' | 'update' | 'delete', oldValue?: Uint8Array }>
  /** The update of the last transaction, local or a peer's (what it changed here: what is persisted) */
  lastUpdate?: Uint8Array
  /** A newer epoch being taken over from the peers (docs/replication.md, "Epochs") */
  switching?: { epoch: number, staging: Y.Doc, filled: boolean, timer?: ReturnType<typeof setTimeout> }

  constructor (
    readonly name: string,
    readonly role: Role,
    /** The role's record key */
    readonly k: Uint8Array,
    meta: DocMeta,
    ydoc = new Y.Doc()
  ) {
    this.epoch = meta.epoch
    this.seq = meta.seq
    this.ydoc = ydoc
    this.map = ydoc.getMap<Uint8Array>(ROOT)
    this.attach()
  }

  private attach (): void {
    this.map.observe(event => {
      if (this.collecting === undefined) return
      for (const [key, change] of event.changes.keys) this.collecting.push({ key, action: change.action, oldValue: change.oldValue as Uint8Array | undefined })
    })
    this.ydoc.on('update', (update: Uint8Array, origin: unknown) => {
      // A load re-applies what is on disk already; anything else (this node's write, a peer's update) is persisted.
      if (origin !== LOAD) this.lastUpdate = update
    })
  }

  /** Replaces the Y.Doc (a new epoch: the caller persists it; or the doc as read back, with its next update's number). */
  replace (ydoc: Y.Doc, epoch: number, seq?: number): void {
    this.ydoc.destroy()
    this.ydoc = ydoc
    this.map = ydoc.getMap<Uint8Array>(ROOT)
    this.epoch = epoch
    if (seq !== undefined) this.seq = seq
    this.attach()
  }

  /** A record's value, opened; undefined when absent (or, never expected, when it does not open). */
  get (key: string): Uint8Array | undefined {
    const sealed = this.map.get(key)
    return sealed === undefined ? undefined : openRecord(this.k, this.name, key, sealed)
  }

  has (key: string): boolean {
    return this.map.has(key)
  }

  /** Record keys, sorted, optionally those starting with `prefix`. */
  keys (prefix = ''): string[] {
    const out: string[] = []
    for (const key of this.map.keys()) if (key.startsWith(prefix)) out.push(key)
    return out.sort()
  }

  get size (): number {
    return this.map.size
  }

  tombstones (): number {
    return tombstones(this.ydoc)
  }

  /** The ID of the item holding a record (what carries a record over to a new epoch, docs/replication.md). */
  itemOf (key: string): Y.ID | undefined {
    return itemOf(this.map, key)
  }

  stateVector (): Uint8Array {
    return Y.encodeStateVector(this.ydoc)
  }

  /** Runs `fn` (a Yjs transaction or update) and returns the records it changed, opened. */
  collect (fn: () => void): Change[] {
    this.collecting = []
    try {
      fn()
      return this.collecting.map(c => ({
        key: c.key,
        before: c.oldValue === undefined ? undefined : openRecord(this.k, this.name, c.key, c.oldValue),
        after: c.action === 'delete' ? undefined : this.get(c.key)
      }))
    } finally {
      this.collecting = undefined
    }
  }

  /** The writes that persist an update of this doc (with the next number, and the new meta). */
  persistOps (raw: KV<Uint8Array>, json: KV<DocMeta>, update: Uint8Array): BatchOp[] {
    const ops: BatchOp[] = [
      { type: 'put', sublevel: raw, key: `${updatesPrefix(this.name, this.epoch)}${pad(this.seq, 16)}`, value: update },
      { type: 'put', sublevel: json, key: `m/${this.name}`, value: { epoch: this.epoch, seq: this.seq + 1 } satisfies DocMeta }
    ]
    this.seq++
    return ops
  }

  /** The writes that replace everything persisted of this doc by its whole state at its (new) epoch. */
  async rewriteOps (raw: KV<Uint8Array>, json: KV<DocMeta>, oldEpoch: number): Promise<BatchOp[]> {
    const ops: BatchOp[] = []
    const prefix = updatesPrefix(this.name, oldEpoch)
    for await (const key of raw.keys({ gte: prefix, lt: prefixEnd(prefix) })) ops.push({ type: 'del', sublevel: raw, key })
    this.seq = 0
    ops.push(...this.persistOps(raw, json, Y.encodeStateAsUpdate(this.ydoc)))
    return ops
  }
}

/** The origin of this node's own transactions. */
export const LOCAL = Symbol('local')
/** The origin of updates read back from the store. */
const LOAD = Symbol('load')

/** The names of the docs kept in a store (every doc with a meta record). */
export async function storedDocs (json: KV<DocMeta>): Promise<Map<string, DocMeta>> {
  const out = new Map<string, DocMeta>()
  for await (const [key, meta] of json.iterator({ gte: 'm/', lt: 'm0' })) out.set(key.slice(2), meta)
  return out
}

/**
 * Loads a doc from its persisted updates (merging them into one when there
 * are many). Every update stored was checked when it came, so it is applied
 * as it is.
 */
export async function loadDoc (store: Store, raw: KV<Uint8Array>, json: KV<DocMeta>, name: string, role: Role, k: Uint8Array, meta: DocMeta): Promise<ReplicaDoc> {
  const doc = new ReplicaDoc(name, role, k, meta)
  const count = await readUpdates(raw, name, meta.epoch, doc.ydoc)
  if (count > MERGE_PERSISTED_AT) await store.batch(await doc.rewriteOps(raw, json, meta.epoch))
  return doc
}

/**
 * Reads a doc back from the store into `d`: a batch that failed left it
 * ahead of the disk, and what a node holds in memory (and syncs, and builds
 * on) must be what it would load. `fresh`: the doc's meta when nothing of it
 * was ever persisted.
 */
export async function reloadDoc (d: ReplicaDoc, raw: KV<Uint8Array>, json: KV<DocMeta>, fresh: DocMeta): Promise<void> {
  const meta = await json.get(`m/${d.name}`) ?? fresh
  const ydoc = new Y.Doc()
  await readUpdates(raw, d.name, meta.epoch, ydoc)
  d.replace(ydoc, meta.epoch, meta.seq)
}

/** Applies a doc's persisted updates of `epoch` to `ydoc`; returns how many there were. */
async function readUpdates (raw: KV<Uint8Array>, name: string, epoch: number, ydoc: Y.Doc): Promise<number> {
  const prefix = updatesPrefix(name, epoch)
  let count = 0
  for await (const update of raw.values({ gte: prefix, lt: prefixEnd(prefix) })) {
    Y.applyUpdate(ydoc, update, LOAD)
    count++
  }
  return count
}

export { pad }
