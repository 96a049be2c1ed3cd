/**
 * The registry's view: the last announcement heard from every other node,
 * when it arrived, and who is live and settled as this node observes it
 * (docs/roles.md). Written to the store so a restarted node knows the
 * network before it hears it again.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import type { RegistryRecord } from './announcement.js'
import type { PeerIdStr, Role } from './election.js'
import type { KV, Store } from '../../store/index.js'
import type { Logger } from '../logger.js'
import type { LanchatLibp2p } from '../net/index.js'
import type { PeerId } from '@libp2p/interface'

export interface Entry {
  record: RegistryRecord
  /** Local clock when the announcement arrived */
  lastSeen: number
}

interface StoredEntry {
  record: Omit<RegistryRecord, 'roleKeys'> & { roleKeys: Partial<Record<Role, string>> }
  lastSeen: number
}

export interface RegistryViewComponents {
  libp2p: Pick<LanchatLibp2p, 'getConnections' | 'hangUp' | 'dial'>
  store: Store
  log: Logger
}

export class RegistryView {
  private readonly entries = new Map<PeerIdStr, Entry>()
  private readonly dirty = new Set<PeerIdStr>()
  /** When each live node became live, as this node observed it (for settling) */
  private readonly liveSince = new Map<PeerIdStr, number>()
  /** Peer ids parsed once */
  private readonly ids = new Map<PeerIdStr, PeerId>()
  /** When a silent connection to a node was last closed */
  private readonly recycled = new Map<PeerIdStr, number>()
  /** Live nodes whose last connection closed, being dialled again: live until that dial ends (see redial) */
  private readonly redialling = new Map<PeerIdStr, AbortController>()
  /** The registry's sublevel: the entries are under `peer/` */
  private readonly kv: KV<StoredEntry | number>

  constructor (
    private readonly components: RegistryViewComponents,
    private readonly leaseMs: number,
    private readonly settleMs: number,
    private readonly redialMs: number
  ) {
    this.kv = components.store.sublevel<StoredEntry | number>('registry', 'json')
  }

  /** A node's last announcement, and when it arrived. */
  get (peerId: PeerIdStr): Entry | undefined {
    return this.entries.get(peerId)
  }

  /** Every node heard of, live or not. */
  all (): IterableIterator<Entry> {
    return this.entries.values()
  }

  /** Keeps a newer announcement (the caller checked it), to be persisted. */
  set (record: RegistryRecord, now: number): void {
    this.entries.set(record.peerId, { record, lastSeen: now })
    this.dirty.add(record.peerId)
  }

  /**
   * The announcements of the nodes live now. Notes when each became live
   * (and forgets it of those that are not): what settling is counted from.
   */
  live (now: number): RegistryRecord[] {
    const out: RegistryRecord[] = []
    for (const { record, lastSeen } of this.entries.values()) {
      if (!this.isLive(record.peerId, lastSeen, now)) {
        this.liveSince.delete(record.peerId)
        continue
      }
      if (!this.liveSince.has(record.peerId)) this.liveSince.set(record.peerId, now)
      out.push(record)
    }
    return out
  }

  /** Settled: live, as this node observed it (what it says of itself counts for nothing), for long enough. */
  isSettled (peerId: PeerIdStr, now: number): boolean {
    const since = this.liveSince.get(peerId)
    return since !== undefined && now - since >= this.settleMs
  }

  /**
   * Live: announcing within its lease, and connected to this node (a record with no node behind it counts for
   * nothing), or being dialled again after its last connection closed (see redial).
   */
  isLive (peerId: PeerIdStr, lastSeen: number, now: number): boolean {
    if (now - lastSeen >= this.leaseMs) return false
    return this.components.libp2p.getConnections(this.idOf(peerId)).length > 0 || this.redialling.has(peerId)
  }

  /**
   * The last connection to a node closed. A live node is dialled again at once, and counts as live until the dial
   * ends (at most redialMs). Resolves true when a live node is gone: the dial failed (a process that died has
   * nothing listening at its address, so the dial is refused at once) and it has no connection. False when it is
   * back, was not live, or is already being dialled. A disconnect alone says nothing of the node: a connection can
   * reset while the node lives (and it may see it, or the others not at all), and a role moved on that would
   * stick, the others voting for where it went (docs/roles.md, "When a node is gone").
   */
  async redial (peerId: PeerIdStr, now: number): Promise<boolean> {
    const entry = this.entries.get(peerId)
    if (entry === undefined || now - entry.lastSeen >= this.leaseMs || this.redialling.has(peerId)) return false
    const id = this.idOf(peerId)
    if (this.components.libp2p.getConnections(id).length > 0) return false
    const abort = new AbortController()
    this.redialling.set(peerId, abort)
    // A timer of ours rather than AbortSignal.timeout: the bound is what tests run on fake timers.
    const timer = setTimeout(() => { abort.abort(new Error(`no answer in ${this.redialMs} ms`)) }, this.redialMs)
    try {
      await this.components.libp2p.dial(id, { signal: abort.signal })
      this.components.log('%s: connected again after its connection closed', peerId)
      return false
    } catch (err) {
      // Given up because the registry stops: it elects nothing any more.
      if (this.redialling.get(peerId) !== abort) return false
      this.components.log('%s: its connection closed and dialling it again failed (%s): gone', peerId, (err as Error).message)
      return this.components.libp2p.getConnections(id).length === 0
    } finally {
      clearTimeout(timer)
      if (this.redialling.get(peerId) === abort) this.redialling.delete(peerId)
    }
  }

  /** Gives up every dial started by redial (the registry stops). */
  stopRedialling (): void {
    for (const abort of this.redialling.values()) abort.abort()
    this.redialling.clear()
  }

  private idOf (peerId: PeerIdStr): PeerId {
    let id = this.ids.get(peerId)
    if (id === undefined) {
      id = peerIdFromString(peerId)
      this.ids.set(peerId, id)
    }
    return id
  }

  /**
   * A node we are still connected to whose announcements stopped for a whole
   * lease: after a short network cut the TCP connection can survive while
   * the gossip streams on it did not. Closing it lets the dialer make a fresh
   * one, and the node's announcements flow again.
   */
  recycleSilent (now: number): void {
    for (const [peerId, { lastSeen }] of this.entries) {
      if (now - lastSeen < this.leaseMs || (this.recycled.get(peerId) ?? 0) > lastSeen) continue
      const id = this.idOf(peerId)
      if (this.components.libp2p.getConnections(id).length === 0) continue
      this.recycled.set(peerId, now)
      this.components.log('%s is connected but silent for %d ms: reconnecting', peerId, now - lastSeen)
      void this.components.libp2p.hangUp(id).catch(() => {})
    }
  }

  async load (): Promise<void> {
    for await (const [key, value] of this.kv.iterator({ gt: 'peer/', lt: 'peer/\xff' })) {
      if (typeof value === 'number') continue
      const roleKeys: Partial<Record<Role, Uint8Array>> = {}
      for (const [role, hex] of Object.entries(value.record.roleKeys)) roleKeys[role as Role] = Buffer.from(hex, 'hex')
      this.entries.set(key.slice('peer/'.length), { record: { ...value.record, views: value.record.views ?? {}, hostName: value.record.hostName ?? '', user: value.record.user ?? '', roleKeys }, lastSeen: value.lastSeen })
    }
    this.components.log('loaded %d nodes from the stored view', this.entries.size)
  }

  /** Writes the entries that changed since the last time (kept to retry if the write fails). */
  async persist (): Promise<void> {
    if (this.dirty.size === 0) return
    const ids = [...this.dirty]
    this.dirty.clear()
    const ops = ids.flatMap(peerId => {
      const entry = this.entries.get(peerId)
      if (entry === undefined) return []
      const roleKeys = Object.fromEntries(Object.entries(entry.record.roleKeys).map(([r, k]) => [r, Buffer.from(k).toString('hex')]))
      const value: StoredEntry = { record: { ...entry.record, roleKeys }, lastSeen: entry.lastSeen }
      return [{ type: 'put' as const, key: `peer/${peerId}`, value }]
    })
    try {
      await this.kv.batch(ops)
    } catch (err) {
      for (const id of ids) this.dirty.add(id)
      this.components.log.error('persisting the registry view failed: %s', (err as Error).message)
    }
  }
}
