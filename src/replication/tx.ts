/**
 * The transaction a holder's write sees (Tx, src/replication/types.ts): the
 * doc's records with the write's own staged over them, and the service's
 * own writes for the same batch. Once the write is done, its records are
 * sealed into the doc in one Yjs transaction.
 */
import { LOCAL } from './doc.js'
import { sealRecord } from './records.js'
import type { Change, ReplicaDoc } from './doc.js'
import type { Tx } from './types.js'
import type { BatchOp } from '../../store/index.js'

export interface Staged {
  tx: Tx
  /** key -> the record written, or null: deleted */
  writes: Map<string, Uint8Array | null>
  /** The service's own writes (Tx.also) */
  extra: BatchOp[]
}

/** A transaction over `d`: nothing reaches the doc until sealInto. */
export function stage (d: ReplicaDoc): Staged {
  const writes = new Map<string, Uint8Array | null>()
  const extra: BatchOp[] = []
  const tx: Tx = {
    doc: d.name,
    get: key => writes.has(key) ? writes.get(key) ?? undefined : d.get(key),
    has: key => writes.has(key) ? writes.get(key) !== null : d.has(key),
    keys: (prefix = '') => {
      const all = new Set(d.keys(prefix))
      for (const [key, v] of writes) if (key.startsWith(prefix)) v === null ? all.delete(key) : all.add(key)
      return [...all].sort()
    },
    put: (key, value) => { writes.set(key, value) },
    del: key => { writes.set(key, null) },
    also: ops => { extra.push(...ops) }
  }
  return { tx, writes, extra }
}

/** Seals the staged records into the doc (one transaction, origin LOCAL); returns the records it changed. */
export function sealInto (d: ReplicaDoc, writes: Map<string, Uint8Array | null>): Change[] {
  return d.collect(() => {
    d.ydoc.transact(() => {
      for (const [key, value] of writes) {
        if (value === null) {
          if (d.map.has(key)) d.map.delete(key)
        } else {
          d.map.set(key, sealRecord(d.k, d.name, key, value) as Uint8Array<ArrayBuffer>)
        }
      }
    }, LOCAL)
  })
}
