/**
 * Role state replicated to every live node eligible for the role
 * (docs/replication.md). Each role's records live in docs (Yjs docs of
 * sealed records, src/replication/doc.ts), split by natural unit of deletion
 * (a mailbox, a group, ...). The holder writes (mutate); every eligible node
 * keeps every doc of the role, persisted with the service's own layout in
 * one batch (the kind's materialize), and syncs with every other live
 * eligible node (sessions, y-protocols messages: src/replication/replicas.ts).
 * A holder's write is acknowledged once another eligible node has persisted
 * it, or at once when no other eligible node is live (alone, said in the
 * roles view: src/replication/durability.ts).
 */
import { KeyedLock } from '../lock.js'
import { createLogger } from '../logger.js'
import {
  BASE_WAIT_MS, CATCHUP_TIMEOUT_MS, COMPACT_INTERVAL_MS, COMPACT_MIN_TOMBSTONES, DURABLE_CHECK_MS, DURABLE_TIMEOUT_MS, HOLD_MS, MAX_HELD, RECONCILE_MS, ROLES_WAIT_MS
} from './constants.js'
import { loadDoc, reloadDoc, ReplicaDoc, storedDocs } from './doc.js'
import { CatchUp } from './catch-up.js'
import { Durability } from './durability.js'
import { Epochs } from './epochs.js'
import { ReplicationError } from './errors.js'
import { ReplicaFrame } from './pb/replica.js'
import { recordKey } from './records.js'
import { RemoteUpdates } from './remote.js'
import { Replicas } from './replicas.js'
import { sealInto, stage } from './tx.js'
import { WARMUP_MS } from '../roles/index.js'
import { TypedEventEmitter } from 'main-event'
import * as decoding from 'lib0/decoding'
import * as syncProtocol from 'y-protocols/sync'
import * as Y from 'yjs'
import type { Change, DocMeta } from './doc.js'
import type { DocKind, Owed, ReplicationComponents, ReplicationEvents, ReplicationInit, ReplicationStatus, Tx } from './types.js'
import type { Session } from './session.js'
import type { PeerIdStr } from '../net/index.js'
import type { ReplicaReport, Role } from '../roles/index.js'
import type { BatchOp, KV, Store } from '../../store/index.js'

const ROLES: readonly Role[] = ['relay', 'idp', 'kacls']
const CATALOG = 'catalog'

export class Replication extends TypedEventEmitter<ReplicationEvents> {
  private readonly store: Store
  private readonly raw: KV<Uint8Array>
  private readonly json: KV<DocMeta>
  private readonly keys = new Map<Role, Uint8Array>()
  private readonly kinds: DocKind[] = []
  readonly docs = new Map<string, ReplicaDoc>()
  private readonly opening = new Map<string, Promise<ReplicaDoc>>()
  private stored = new Map<string, DocMeta>()
  readonly lock = new KeyedLock()
  /** What each role's service owes a replica (owe) */
  private readonly debts = new Map<Role, (peer: PeerIdStr) => Owed>()
  private readonly refused: ReplicationStatus['refused'] = { tampered: 0, malformed: 0, unsealable: 0, missing: 0, 'not-eligible': 0 }
  private readonly clock: () => number
  private readonly init: Required<ReplicationInit>
  private readonly log = createLogger('replication')
  readonly epochs: Epochs
  private readonly catchUp: CatchUp
  private readonly replicas: Replicas
  private readonly remote: RemoteUpdates
  /** Internal to the sessions: the writes waiting for a replica (src/replication/durability.ts) */
  readonly durability: Durability
  private timers: Array<ReturnType<typeof setInterval>> = []
  private started = false
  private stopped = false

  constructor (private readonly components: ReplicationComponents, init: ReplicationInit = {}) {
    super()
    this.store = components.store
    this.raw = components.store.sublevel('replica', 'bytes')
    this.json = components.store.sublevel<DocMeta>('replica', 'json')
    this.clock = components.clock ?? Date.now
    this.init = {
      durableTimeoutMs: init.durableTimeoutMs ?? DURABLE_TIMEOUT_MS,
      catchUpTimeoutMs: init.catchUpTimeoutMs ?? CATCHUP_TIMEOUT_MS,
      compactMinTombstones: init.compactMinTombstones ?? COMPACT_MIN_TOMBSTONES,
      compactIntervalMs: init.compactIntervalMs ?? COMPACT_INTERVAL_MS,
      warmupMs: init.warmupMs ?? WARMUP_MS,
      holdMs: init.holdMs ?? HOLD_MS,
      maxHeld: init.maxHeld ?? MAX_HELD,
      baseWaitMs: init.baseWaitMs ?? BASE_WAIT_MS,
      rolesWaitMs: init.rolesWaitMs ?? ROLES_WAIT_MS
    }
    this.replicas = new Replicas(this, components, this.clock, this.init.rolesWaitMs)
    this.epochs = new Epochs(this, this.replicas)
    this.remote = new RemoteUpdates(this, this.init.baseWaitMs)
    this.catchUp = new CatchUp(this, this.replicas, this.init, this.clock)
    this.durability = new Durability(this.replicas, this.init.durableTimeoutMs, this.clock)
    for (const role of ROLES) {
      this.kinds.push({ prefix: `${role}/${CATALOG}`, role, committed: (_doc, changes) => { this.epochs.onCatalog(role, changes) } })
    }
  }

  /** Replication with other nodes (false: standalone). */
  get networked (): boolean {
    return this.components.libp2p !== undefined && this.components.peers !== undefined
  }

  get self (): PeerIdStr {
    return this.components.peers?.self ?? 'self'
  }

  /** Declares a kind of doc (services do, before start). */
  define (kind: DocKind): void {
    // A service made again over the same store (a restart in a test) takes the kind over.
    const at = this.kinds.findIndex(k => k.prefix === kind.prefix)
    if (at >= 0) this.kinds.splice(at, 1)
    this.kinds.push(kind)
  }

  kindOf (name: string): DocKind | undefined {
    let best: DocKind | undefined
    for (const k of this.kinds) if (name.startsWith(k.prefix) && (best === undefined || k.prefix.length > best.prefix.length)) best = k
    return best
  }

  /** The roles whose docs this node keeps: every role when standalone. */
  private eligible (role: Role): boolean {
    return this.components.peers === undefined || this.components.peers.eligibleRoles().includes(role)
  }

  recordKey (role: Role): Uint8Array {
    let k = this.keys.get(role)
    if (k === undefined) {
      k = recordKey(this.components.atRestKey, role)
      this.keys.set(role, k)
    }
    return k
  }

  catalogOf (role: Role): string {
    return `${role}/${CATALOG}`
  }

  isCatalog (name: string): boolean {
    return name.endsWith(`/${CATALOG}`)
  }

  async start (): Promise<void> {
    if (this.started) return
    this.started = true
    this.catchUp.start()
    this.stored = await storedDocs(this.json)
    if (!this.networked) return
    // Every doc of an eligible role is in memory: sessions list them all.
    for (const [name] of this.stored) {
      const kind = this.kindOf(name)
      if (kind === undefined || !this.eligible(kind.role)) continue
      await this.open(name)
    }
    await this.replicas.start()
    this.components.peers!.addEventListener('role:changed', this.onRoleChanged)
    this.timers.push(setInterval(() => { this.reconcile() }, RECONCILE_MS))
    this.timers.push(setInterval(() => { this.durability.check() }, DURABLE_CHECK_MS))
    this.timers.push(setInterval(() => { void this.epochs.compactServed() }, this.init.compactIntervalMs))
    for (const t of this.timers) t.unref?.()
    this.reconcile()
  }

  async stop (): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    for (const t of this.timers) clearInterval(t)
    this.timers = []
    this.epochs.stop()
    this.components.peers?.removeEventListener('role:changed', this.onRoleChanged)
    this.durability.stop()
    this.remote.stop()
    this.catchUp.stop()
    await this.replicas.stop()
    await this.lock.idle()
    for (const d of this.docs.values()) d.ydoc.destroy()
    this.docs.clear()
  }

  // ---------------------------------------------------------------- docs

  /** A doc, loaded from the store or made empty (at the epoch its role's catalog names). */
  async open (name: string): Promise<ReplicaDoc> {
    const have = this.docs.get(name)
    if (have !== undefined) return have
    let opening = this.opening.get(name)
    if (opening === undefined) {
      opening = (async () => {
        const kind = this.kindOf(name)
        if (kind === undefined) throw new Error(`no kind of doc is defined for ${name}`)
        const k = this.recordKey(kind.role)
        const meta = this.stored.get(name) ?? await this.json.get(`m/${name}`)
        const doc = meta === undefined
          ? new ReplicaDoc(name, kind.role, k, { epoch: this.epochs.catalogEpoch(kind.role, name) ?? 1, seq: 0 })
          : await loadDoc(this.store, this.raw, this.json, name, kind.role, k, meta)
        this.docs.set(name, doc)
        return doc
      })().finally(() => { this.opening.delete(name) })
      this.opening.set(name, opening)
    }
    return opening
  }

  /**
   * Changes a doc: `fn` reads and writes its records (checks and writes
   * under the doc's lock, in order with the updates from peers); the change,
   * the service's layout writes for it and `also` are committed in one
   * batch, then sent to the replicas. With `durable`, resolves once another
   * eligible node persisted it, or at once when none is live; throws
   * NOT_REPLICATED when one is live and none did in time.
   */
  async mutate<T> (name: string, fn: (tx: Tx) => T | Promise<T>, opts: { durable?: boolean } = {}): Promise<T> {
    const d = await this.open(name)
    let queued: Array<Promise<{ session: Session, n: number }>> = []
    const result = await this.lock.run(name, async () => {
      if (d.switching !== undefined) await this.epochs.finishSwitch(d)
      const { tx, writes, extra } = stage(d)
      this.log.trace('mutate %s: locked', name)
      const out = await fn(tx)
      this.log.trace('mutate %s: %d writes', name, writes.size)
      d.lastUpdate = undefined
      const changes = sealInto(d, writes)
      const update = d.lastUpdate
      queued = await this.commit(d, this.kindOf(name), changes, {
        docOps: () => update === undefined ? [] : d.persistOps(this.raw, this.json, update),
        also: extra,
        update
      })
      return out
    })
    if (opts.durable === true && this.networked) await this.durability.wait(d, queued)
    return result
  }

  /**
   * A peer's frame of a doc (its session answers HELLOs): a doc's state
   * asked for, or updates; resolves once what it carried is persisted here
   * (src/replication/remote.ts).
   */
  async onFrame (s: Session, f: ReplicaFrame, _n: number): Promise<void> {
    if (f.kind !== ReplicaFrame.Kind.SYNC) return
    const kind = this.kindOf(f.doc)
    // A doc this node never holds (eligibility is its own config, which it announces): refused for good, acknowledged.
    if (kind === undefined || !this.eligible(kind.role)) {
      this.refused['not-eligible']++
      return
    }
    await this.replicas.shared(s, kind.role)
    const decoder = decoding.createDecoder(f.sync)
    let type: number
    let payload: Uint8Array
    try {
      type = decoding.readVarUint(decoder)
      payload = decoding.readVarUint8Array(decoder)
    } catch {
      this.refused.malformed++
      return
    }
    if (type === syncProtocol.messageYjsSyncStep1) {
      const d = this.docs.get(f.doc)
      if (d === undefined || d.epoch !== f.epoch || d.switching !== undefined) return
      this.replicas.sendState(s, d, payload)
      return
    }
    if (type !== syncProtocol.messageYjsSyncStep2 && type !== syncProtocol.messageYjsUpdate) {
      this.refused.malformed++
      return
    }
    await this.remote.apply(s, kind, f.doc, f.epoch, payload)
  }

  /**
   * Resolves once `peer` has persisted everything of doc `name` this node
   * holds now: the doc's whole state goes to it in one frame, and its
   * PERSISTED answers. Throws NOT_REPLICATED when the peer is no live replica
   * with a stream open, its stream goes first, or it does not answer within
   * the durable timeout. What a service that must know one node has its
   * records uses (KEK lockboxes to a node that may take the role).
   */
  async persistedBy (peer: PeerIdStr, name: string): Promise<void> {
    if (!this.networked) throw new ReplicationError('NOT_REPLICATED', 'this node replicates with no other node')
    const d = await this.open(name)
    const sent = await this.lock.run(name, async () => this.replicas.sendWhole(peer, d))
    if (sent === undefined) throw new ReplicationError('NOT_REPLICATED', `${peer} is not a live replica of ${d.role} with a stream open: try again once it is`)
    await this.durability.waitAt(d, sent.session, sent.n)
  }

  /**
   * A service says what it owes each replica of `role` that the replica has
   * not persisted yet (the KACLS: KEKs without a lockbox there): counted as
   * records behind in the status and the roles view until paid.
   */
  owe (role: Role, owed: (peer: PeerIdStr) => Owed): void {
    this.debts.set(role, owed)
  }

  /** Internal to the replicas: what the service of `role` owes `peer`. */
  owedTo (role: Role, peer: PeerIdStr): Owed {
    return this.debts.get(role)?.(peer) ?? { records: 0, since: this.clock() }
  }

  /** Internal to the remote updates: commits a peer's update (under the doc's lock) and passes it on to the other replicas. */
  async commitFrom (s: Session, d: ReplicaDoc, kind: DocKind, changes: Change[], update: Uint8Array): Promise<void> {
    await this.commit(d, kind, changes, { docOps: () => d.persistOps(this.raw, this.json, update), update, except: s })
  }

  /** Internal to the epochs: persists, materializes and announces a doc's new epoch (src/replication/epochs.ts). */
  async commitEpoch (d: ReplicaDoc, ydoc: Y.Doc, epoch: number, changes: Change[], carried?: Uint8Array): Promise<void> {
    const old = d.epoch
    d.replace(ydoc, epoch)
    await this.commit(d, this.kindOf(d.name), changes, { docOps: async () => await d.rewriteOps(this.raw, this.json, old), update: carried })
    // Requests held while the switch was under way may go on.
    this.catchUp.release(d.role)
  }

  /**
   * Commits a change of a doc (under its lock) in one batch: the doc's own
   * writes, the service's layout writes for what changed (the kind's
   * materialize) and `also`; nothing when there is nothing to write. Then
   * the kind is told, and `update` goes on to the replicas (but `except`):
   * the frames that carry it, for a write waiting to be durable.
   */
  private async commit (d: ReplicaDoc, kind: DocKind | undefined, changes: Change[], write: {
    docOps: () => BatchOp[] | Promise<BatchOp[]>
    also?: BatchOp[]
    update: Uint8Array | undefined
    except?: Session
  }): Promise<Array<Promise<{ session: Session, n: number }>>> {
    const ops = changes.length > 0 && kind?.materialize !== undefined ? await kind.materialize(d.name, changes) : []
    const docOps = await write.docOps()
    const also = write.also ?? []
    if (docOps.length === 0 && also.length === 0 && ops.length === 0) return []
    try {
      await this.store.batch([...docOps, ...also, ...ops])
    } catch (err) {
      // The doc in memory is ahead of the disk (and of the layout, written in the same batch): it is read back, so that
      // nothing this node holds, syncs or builds on is missing from what it would load (a peer's update lost so comes again
      // with the next HELLO's answer, which this node's state vector asks for).
      await reloadDoc(d, this.raw, this.json, { epoch: this.epochs.catalogEpoch(d.role, d.name) ?? 1, seq: 0 }).catch((reloadErr: unknown) => {
        this.log.error('%s is ahead of the disk and could not be read back: %s', d.name, (reloadErr as Error).message)
      })
      throw err
    }
    this.stored.set(d.name, { epoch: d.epoch, seq: 0 })
    if (changes.length > 0) kind?.committed?.(d.name, changes)
    return write.update === undefined ? [] : this.replicas.broadcast(d, write.update, changes.length, write.except)
  }

  // ---------------------------------------------------------------- sessions

  private readonly onRoleChanged = (evt: CustomEvent<{ role: Role, peerId: PeerIdStr | null }>): void => {
    // A takeover is per tenure: the next time this node holds the role, it syncs again before it answers.
    if (evt.detail.peerId !== this.self) this.catchUp.end(evt.detail.role)
    this.reconcile()
  }

  /** Begins or ends this node's takeovers as the registry sees the holders, then reconciles the sessions. */
  private reconcile (): void {
    if (!this.networked || this.stopped) return
    const peers = this.components.peers!
    const mine = peers.eligibleRoles()
    // A role this node holds is caught up on from the start of its tenure, not from its first request.
    for (const role of mine) {
      if (peers.serves(role)) this.catchUp.begin(role)
      else if (this.catchUp.has(role) && peers.holderOf(role) !== this.self) this.catchUp.end(role)
    }
    this.replicas.reconcile(mine)
  }

  // ---------------------------------------------------------------- catch-up

  /**
   * Whether this node has caught up on `role` for its tenure: requests that
   * read or write the role's state are answered only then (docs/replication.md,
   * "Failover"; src/replication/catch-up.ts). Standalone, always.
   */
  caughtUp (role: Role): boolean {
    return !this.networked || this.catchUp.caughtUp(role)
  }

  /**
   * Waits until this node has caught up on `role` (see caughtUp), at most
   * `timeoutMs` (default HOLD_MS); false when it has not by then, when
   * MAX_HELD requests of the role are held already, or when the node stops or
   * stops holding the role meanwhile. The holder of a role calls it before it
   * answers a request of the role (src/services/rpc.ts).
   */
  async admit (role: Role, timeoutMs = this.init.holdMs): Promise<boolean> {
    if (!this.networked) return true
    if (!this.started || this.stopped) return false
    return this.catchUp.admit(role, timeoutMs)
  }

  // ---------------------------------------------------------------- status

  status (): ReplicationStatus {
    const roles: ReplicationStatus['roles'] = {}
    const peers = this.components.peers
    for (const role of ROLES) {
      if (!this.eligible(role)) continue
      let docs = 0
      let records = 0
      let dead = 0
      for (const d of this.docs.values()) {
        if (d.role !== role || this.isCatalog(d.name)) continue
        docs++
        records += d.size
        dead += d.tombstones()
      }
      const replicas = this.replicas.statusOf(role)
      roles[role] = {
        docs,
        records,
        tombstones: dead,
        replicas,
        alone: peers !== undefined && peers.serves(role) && replicas.length === 0,
        servedBehind: this.catchUp.late(role),
        caughtUp: peers !== undefined && peers.serves(role) && this.caughtUp(role)
      }
    }
    return { roles, refused: { ...this.refused }, ...this.durability.status(), bytes: this.replicas.bytes() }
  }

  /** The replicas of each role this node serves, for the registry's announcement and roles view. */
  reports (): Partial<Record<Role, ReplicaReport[]>> {
    const out: Partial<Record<Role, ReplicaReport[]>> = {}
    for (const role of ROLES) {
      if (!this.eligible(role) || !this.serving(role)) continue
      out[role] = this.replicas.reportOf(role)
    }
    return out
  }

  /** Counts a refusal found outside an update's inspection (a service's own check, a peer not sharing the role). */
  countRefusal (reason: keyof ReplicationStatus['refused']): void {
    this.refused[reason]++
  }

  /** Whether this node serves `role` now (every role when standalone). */
  serving (role: Role): boolean {
    return this.components.peers === undefined || this.components.peers.serves(role)
  }

  get compactMinTombstones (): number {
    return this.init.compactMinTombstones
  }
}
