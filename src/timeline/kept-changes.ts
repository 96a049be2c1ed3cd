/**
 * Changes that came before the message they change: an edit, deletion or
 * reaction that overtook its target on the network, or names one this node
 * never gets (a group message from before this user joined). Each is kept,
 * sealed, as a/<conversation part>/<target>/<hlc>/<id> until its target
 * comes, then applied to it and dropped. A deletion kept drops the edits of
 * the same sender kept before it, and an edit that comes after it is not
 * kept: no text is kept for a message its author deleted.
 */
import type { Change } from './changes.js'
import type { SealedStore } from '../sealed-store.js'
import type { BatchOp } from '../../store/index.js'

/** Changes kept by the write being prepared (not in the store yet), by `${ck}/${target}`, with their keys. */
export type KeptInBatch = Map<string, Array<[string, Change]>>

export class KeptChanges {
  /** `${ck}/${target}` of every kept change: a message arriving with one of these ids gets its changes */
  private targets?: Set<string>

  constructor (private readonly store: SealedStore) {}

  /** The targets of kept changes (read once, keys only). */
  private async all (): Promise<Set<string>> {
    if (this.targets === undefined) {
      const set = new Set<string>()
      for await (const key of this.store.keys('a/')) {
        const [, ck, target] = key.split('/')
        if (ck !== undefined && target !== undefined) set.add(`${ck}/${target}`)
      }
      this.targets ??= set
    }
    return this.targets
  }

  /** Writes keeping a change whose target is not here yet. */
  async keep (ck: string, change: Change, batch: KeptInBatch): Promise<BatchOp[]> {
    const ops: BatchOp[] = []
    if (change.kind === 'edit' || change.kind === 'delete') {
      for (const [key, c] of await this.read(ck, change.target, batch)) {
        if (c.from !== change.from || c.fromKey !== change.fromKey) continue
        // Deleted already: an edit has nothing left to change.
        if (change.kind === 'edit' && c.kind === 'delete') return ops
        if (change.kind === 'delete' && c.kind === 'edit') ops.push(this.store.del(key))
      }
    }
    const key = `a/${ck}/${change.target}/${change.hlc}/${change.id}`
    ops.push(this.store.put(key, change))
    const slot = `${ck}/${change.target}`
    batch.set(slot, [...(batch.get(slot) ?? []), [key, change]])
    ;(await this.all()).add(slot)
    return ops
  }

  /** The changes kept for a message that has come (oldest first), and the writes that drop them. */
  async take (ck: string, id: string, batch: KeptInBatch): Promise<{ changes: Change[], ops: BatchOp[] }> {
    const targets = await this.all()
    if (!targets.has(`${ck}/${id}`)) return { changes: [], ops: [] }
    const kept = await this.read(ck, id, batch)
    targets.delete(`${ck}/${id}`)
    return { changes: kept.map(([, c]) => c), ops: kept.map(([key]) => this.store.del(key)) }
  }

  /** Stored changes for a target, then those of the write being prepared. */
  private async read (ck: string, target: string, batch: KeptInBatch): Promise<Array<[string, Change]>> {
    const out: Array<[string, Change]> = []
    for await (const [key, c] of this.store.entries<Change>(`a/${ck}/${target}/`)) {
      // An id with a '/' in it would share the prefix: only this target's changes.
      if (c.target === target) out.push([key, c])
    }
    return [...out, ...(batch.get(`${ck}/${target}`) ?? [])]
  }
}
