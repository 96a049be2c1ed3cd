/**
 * The KEKs as a replicated doc (docs/replication.md, "kacls"): public facts
 * about each KEK, and the KEK itself only in lockboxes, one per node eligible
 * for kacls, sealed to that node's kacls role key (src/replication/lockbox.ts).
 * A node never sees a KEK it has no lockbox for, and a node not eligible for
 * kacls never holds the doc at all.
 *
 *   doc kacls/keks
 *     k/<id, 8 hex>/<creator>                { version, createdAt, creator }
 *     b/<id, 8 hex>/<creator>/<recipient>    lockbox: the KEK sealed to the recipient's kacls role key
 *
 * A box to this node is opened as it comes (a box that does not open is
 * refused, the whole update with it, and counted), and the KEK is kept in the
 * node's own store sealed at rest (kek.ts). Any node holding a KEK seals a
 * box to each live eligible node that lacks one, so a node that becomes
 * eligible gets every KEK without anyone's help but the replication's.
 */
import { transcript } from '../../crypto/index.js'
import { openBox, sealTo } from '../../replication/index.js'
import { kekStoreKey } from './kek.js'
import type { KekRing, UsableKek } from './kek.js'
import type { PeerIdStr } from '../../net/index.js'
import type { Change, Refusal, Replication } from '../../replication/index.js'
import type { RoleRegistry } from '../../roles/index.js'
import type { BatchOp, KV } from '../../../store/index.js'
import type { Logger } from '../../logger.js'
import type { KekRecord } from './kek.js'

export const KEKS_DOC = 'kacls/keks'
const BOX_LABEL = 'lanchat/kacls/kek-box/v1'

interface KekMeta { version: number, createdAt: number, creator: string }

const hex8 = (id: number): string => id.toString(16).padStart(8, '0')
const metaKey = (k: { version: number, creator: string }): string => `k/${hex8(k.version)}/${k.creator}`
const boxKey = (k: { version: number, creator: string }, recipient: PeerIdStr): string => `b/${hex8(k.version)}/${k.creator}/${recipient}`
const utf8 = new TextEncoder()
const text = new TextDecoder()

export type KekRegistry = Pick<RoleRegistry, 'self' | 'roleKey' | 'publicRoleKey' | 'livePeers'>

export class ReplicatedKeks {
  constructor (
    private readonly replication: Replication,
    private readonly ring: KekRing,
    private readonly kv: KV<KekRecord>,
    private readonly registry: KekRegistry,
    private readonly networkId: string,
    private readonly log: Logger
  ) {
    ring.creator = registry.self
    ring.publish = async kek => { await this.publish(kek) }
    replication.define({
      prefix: KEKS_DOC,
      role: 'kacls',
      materialize: (_doc, changes) => this.materialize(changes),
      check: (_doc, key, value) => this.check(key, value)
    })
  }

  private ad (version: number, creator: string, recipient: PeerIdStr): Uint8Array {
    return transcript(BOX_LABEL, this.networkId, String(version), creator, recipient)
  }

  /** Parses b/<id>/<creator>/<recipient>. */
  private static box (key: string): { version: number, creator: string, recipient: string } | undefined {
    const [kind, id, creator, recipient] = key.split('/')
    if (kind !== 'b' || id === undefined || creator === undefined || recipient === undefined) return undefined
    const version = parseInt(id, 16)
    return Number.isInteger(version) && version > 0 ? { version, creator, recipient } : undefined
  }

  private openMine (box: { version: number, creator: string, recipient: string }, value: Uint8Array): Uint8Array | undefined {
    const key = this.registry.roleKey('kacls')
    if (key === undefined) return undefined
    try {
      return openBox(key.raw.subarray(0, 32), value, this.ad(box.version, box.creator, box.recipient))
    } catch {
      return undefined
    }
  }

  /** A box to this node that does not open is refused before the update is applied. */
  private check (key: string, value: Uint8Array): Refusal | undefined {
    const box = ReplicatedKeks.box(key)
    if (box === undefined || box.recipient !== this.registry.self) return undefined
    return this.openMine(box, value) === undefined ? 'unsealable' : undefined
  }

  /** Boxes to this node: the KEK is opened, kept in the ring and at rest here. */
  private materialize (changes: Change[]): BatchOp[] {
    const doc = this.replication.docs.get(KEKS_DOC)
    const ops: BatchOp[] = []
    for (const c of changes) {
      const box = ReplicatedKeks.box(c.key)
      if (box === undefined || box.recipient !== this.registry.self || c.after === undefined) continue
      const secret = this.openMine(box, c.after)
      if (secret === undefined) continue
      const metaBytes = doc?.get(metaKey(box))
      const meta = metaBytes === undefined ? undefined : JSON.parse(text.decode(metaBytes)) as KekMeta
      const kek: UsableKek = { version: box.version, creator: box.creator, createdAt: meta?.createdAt ?? 0, key: secret }
      if (!this.ring.remember(kek)) continue
      ops.push({ type: 'put', sublevel: this.kv, key: kekStoreKey(kek.version, kek.creator), value: this.ring.record(kek) })
      this.log('holds KEK version %d (made by %s)', kek.version, kek.creator.slice(-8))
    }
    return ops
  }

  /** Nodes a KEK is sealed to: this one and every live node eligible for kacls that announced a kacls key. */
  private recipients (): Array<{ peerId: PeerIdStr, key: Uint8Array }> {
    const out: Array<{ peerId: PeerIdStr, key: Uint8Array }> = []
    for (const peerId of [this.registry.self, ...this.registry.livePeers().filter(p => p.eligible.includes('kacls')).map(p => p.peerId)]) {
      const key = this.registry.publicRoleKey(peerId, 'kacls')
      if (key !== undefined) out.push({ peerId, key })
    }
    return out
  }

  /** A new KEK: its facts and a box to every eligible node, acknowledged once another eligible node has them. */
  private async publish (kek: UsableKek): Promise<void> {
    const meta: KekMeta = { version: kek.version, createdAt: kek.createdAt, creator: kek.creator }
    await this.replication.mutate(KEKS_DOC, tx => {
      tx.put(metaKey(kek), utf8.encode(JSON.stringify(meta)))
      for (const r of this.recipients()) tx.put(boxKey(kek, r.peerId), sealTo(r.key, kek.key, this.ad(kek.version, kek.creator, r.peerId)))
    }, { durable: true })
  }

  /** Seals every KEK this node holds to each live eligible node that has no box for it yet. */
  async shareMissing (): Promise<number> {
    const doc = this.replication.docs.get(KEKS_DOC)
    if (doc === undefined) return 0
    const missing: Array<{ kek: UsableKek, to: { peerId: PeerIdStr, key: Uint8Array } }> = []
    const recipients = this.recipients()
    for (const kek of this.ring.usable()) {
      if (!doc.has(metaKey(kek))) continue
      for (const r of recipients) if (!doc.has(boxKey(kek, r.peerId))) missing.push({ kek, to: r })
    }
    if (missing.length === 0) return 0
    await this.replication.mutate(KEKS_DOC, tx => {
      for (const { kek, to } of missing) if (!tx.has(boxKey(kek, to.peerId))) tx.put(boxKey(kek, to.peerId), sealTo(to.key, kek.key, this.ad(kek.version, kek.creator, to.peerId)))
    })
    this.log('sealed %d KEK lockboxes to nodes that had none', missing.length)
    return missing.length
  }

  /** KEKs of a build before replication (in the store, not in the doc) are published: replicated from now on. */
  async importLegacy (): Promise<number> {
    const doc = await this.replication.open(KEKS_DOC)
    let n = 0
    for (const kek of this.ring.usable()) {
      if (doc.has(metaKey(kek)) || kek.creator !== '') continue
      await this.publish(kek)
      n++
    }
    return n
  }
}
