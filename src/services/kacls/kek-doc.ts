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
 * box to each kacls-eligible node that lacks one the moment that node is a
 * replica in step with it (the replication's replica:live), and counts the
 * node as owed the KEK until the node itself says it persisted the doc with
 * the box (Replication.persistedBy); the KACLS retries on a timer until then.
 * So a node that becomes eligible gets every KEK without anyone's help but
 * the replication's, and the roles view shows it behind until it has them.
 */
import { transcript } from '../../crypto/index.js'
import { openBox, sealTo } from '../../replication/index.js'
import { kekStoreKey } from './kek.js'
import type { KekRing, UsableKek } from './kek.js'
import type { PeerIdStr } from '../../net/index.js'
import type { Change, Owed, Refusal, Replication } from '../../replication/index.js'
import type { Role, RoleRegistry } from '../../roles/index.js'
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

/** A KEK as the confirmations name it: id and creator. */
const kekId = (k: { version: number, creator: string }): string => `${hex8(k.version)}/${k.creator}`

export class ReplicatedKeks {
  /** Per node: the KEKs it said it persisted a lockbox of (a PERSISTED of a frame with the doc's whole state) */
  private readonly confirmed = new Map<PeerIdStr, Set<string>>()
  /** Per node owed KEKs: since when (the roles view's age of what it lacks) */
  private readonly owedSince = new Map<PeerIdStr, number>()
  private readonly sharing = new Map<PeerIdStr, Promise<number>>()
  private stopped = true

  constructor (
    private readonly replication: Replication,
    private readonly ring: KekRing,
    private readonly kv: KV<KekRecord>,
    private readonly registry: KekRegistry,
    private readonly networkId: string,
    private readonly log: Logger,
    private readonly clock: () => number = Date.now
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

  /**
   * A new KEK: its facts and a box to every eligible node, acknowledged once
   * another eligible node has them; each live one is owed it until it says it
   * persisted its own box (the ring takes the KEK once this returns: the
   * confirmations follow it).
   */
  private async publish (kek: UsableKek): Promise<void> {
    const meta: KekMeta = { version: kek.version, createdAt: kek.createdAt, creator: kek.creator }
    await this.replication.mutate(KEKS_DOC, tx => {
      tx.put(metaKey(kek), utf8.encode(JSON.stringify(meta)))
      for (const r of this.recipients()) tx.put(boxKey(kek, r.peerId), sealTo(r.key, kek.key, this.ad(kek.version, kek.creator, r.peerId)))
    }, { durable: true })
    if (!this.stopped) setImmediate(() => { void this.shareAll() })
  }

  /** Starts sealing to each kacls-eligible node the moment it is a replica in step, and counting what it is owed. */
  start (): void {
    this.stopped = false
    this.replication.addEventListener('replica:live', this.onLive)
    this.replication.owe('kacls', peer => this.owed(peer))
  }

  stop (): void {
    this.stopped = true
    this.replication.removeEventListener('replica:live', this.onLive)
  }

  private readonly onLive = (evt: CustomEvent<{ peer: PeerIdStr, roles: Role[] }>): void => {
    if (evt.detail.roles.includes('kacls')) void this.shareWith(evt.detail.peer).catch(() => {})
  }

  /** The KEKs this node holds that the doc lists (published): the ones it seals to others. */
  private held (): UsableKek[] {
    const doc = this.replication.docs.get(KEKS_DOC)
    return doc === undefined ? [] : this.ring.usable().filter(k => doc.has(metaKey(k)))
  }

  /** KEKs this node holds that `peer` has not said it persisted a lockbox of, and since when it is owed them. */
  owed (peer: PeerIdStr): Owed {
    const confirmed = this.confirmed.get(peer)
    const records = this.held().filter(k => confirmed?.has(kekId(k)) !== true).length
    if (records === 0) {
      this.owedSince.delete(peer)
      return { records, since: 0 }
    }
    let since = this.owedSince.get(peer)
    if (since === undefined) {
      since = this.clock()
      this.owedSince.set(peer, since)
    }
    return { records, since }
  }

  /** Makes sure every live kacls-eligible node has every KEK this node holds (the backstop of the replica:live event). */
  async shareAll (): Promise<void> {
    const owed = this.registry.livePeers().filter(p => p.eligible.includes('kacls') && this.owed(p.peerId).records > 0)
    await Promise.all(owed.map(async p => this.shareWith(p.peerId).catch(() => 0)))
  }

  /**
   * Seals every KEK this node holds to `peer` (a kacls-eligible node) that it
   * has no lockbox for, and waits until `peer` itself says it persisted the doc
   * with them (Replication.persistedBy: not any replica, this one); until then
   * it is owed them (the roles view counts them as behind), and shareAll tries
   * again. Resolves with how many KEKs it newly has.
   */
  async shareWith (peer: PeerIdStr): Promise<number> {
    let running = this.sharing.get(peer)
    if (running === undefined) {
      running = this.share(peer).finally(() => { this.sharing.delete(peer) })
      this.sharing.set(peer, running)
    }
    return running
  }

  private async share (peer: PeerIdStr): Promise<number> {
    const key = this.registry.publicRoleKey(peer, 'kacls')
    const confirmed = this.confirmed.get(peer) ?? new Set<string>()
    const owed = this.held().filter(k => !confirmed.has(kekId(k)))
    if (this.stopped || key === undefined || owed.length === 0) return 0
    let sealed = 0
    await this.replication.mutate(KEKS_DOC, tx => {
      for (const kek of owed) {
        if (tx.has(boxKey(kek, peer))) continue
        tx.put(boxKey(kek, peer), sealTo(key, kek.key, this.ad(kek.version, kek.creator, peer)))
        sealed++
      }
    })
    if (sealed > 0) this.log('sealed %d KEK lockboxes to %s', sealed, peer.slice(-8))
    try {
      await this.replication.persistedBy(peer, KEKS_DOC)
    } catch (err) {
      this.log('%s has not said it persisted its KEK lockboxes (tried again): %s', peer.slice(-8), (err as Error).message)
      throw err
    }
    // Each had a lockbox to it in the frame it persisted (this node wrote those that were missing, before it went out).
    for (const kek of owed) confirmed.add(kekId(kek))
    this.confirmed.set(peer, confirmed)
    this.log('%s persisted a lockbox of each of the %d KEKs this node holds', peer.slice(-8), confirmed.size)
    return owed.length
  }

  /** KEKs the doc lists that this node cannot open (no lockbox to it has come yet): what it would answer KEK_UNAVAILABLE for. */
  notHeld (): number {
    const doc = this.replication.docs.get(KEKS_DOC)
    if (doc === undefined) return 0
    let n = 0
    for (const key of doc.keys('k/')) {
      const [, id, creator] = key.split('/')
      const version = parseInt(id ?? '', 16)
      if (!this.ring.candidates(version).some(k => k.creator === creator && k.key !== null)) n++
    }
    return n
  }

  /** Whether the doc lists a KEK with this id (made by a kacls node, whether or not it was sealed to this one). */
  lists (version: number): boolean {
    const doc = this.replication.docs.get(KEKS_DOC)
    return doc !== undefined && doc.keys(`k/${hex8(version)}/`).length > 0
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
