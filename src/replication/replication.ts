/**
 * Role state replicated to every live node eligible for the role
 * (docs/replication.md). Each role's records live in docs (Yjs docs of
 * sealed records, src/replication/doc.ts), split by natural unit of deletion
 * (a mailbox, a group, ...). The holder writes (mutate); every eligible node
 * keeps every doc of the role, persisted with the service's own layout in
 * one batch (the kind's materialize), and syncs with every other live
 * eligible node (sessions, y-protocols messages). A holder's write is
 * acknowledged once another eligible node has persisted it, or at once when
 * no other eligible node is live (alone, said in the roles view).
 */
import { KeyedLock } from '../lock.js'
import { createLogger } from '../logger.js'
import {
  CATCHUP_TIMEOUT_MS, COMPACT_INTERVAL_MS, COMPACT_MIN_TOMBSTONES, DURABLE_CHECK_MS, DURABLE_TIMEOUT_MS, HOLD_MS, MAX_HELD, RECONCILE_MS,
  REPLICA_PROTOCOL, UNSUPPORTED_RETRY_MS
} from './constants.js'
import { LOCAL, loadDoc, ReplicaDoc, storedDocs } from './doc.js'
import { ReplicationError } from './errors.js'
import { CatchUp } from './catch-up.js'
import { Epochs } from './epochs.js'
import { ReplicaFrame } from './pb/replica.js'
import { decodeSv, inspectUpdate, missingOps, recordKey, sealRecord } from './records.js'
import { frame, Session, syncMessage } from './session.js'
import { WARMUP_MS } from '../roles/index.js'
import { peerIdFromString } from '@libp2p/peer-id'
import { TypedEventEmitter } from 'main-event'
import * as decoding from 'lib0/decoding'
import * as syncProtocol from 'y-protocols/sync'
import * as Y from 'yjs'
import type { Change, DocMeta } from './doc.js'
import type {
  DocKind, ReplicaStatus, ReplicationComponents, ReplicationEvents, ReplicationInit, ReplicationStatus, Tx
} from './types.js'
import type { Refusal } from './records.js'
import type { SessionHost } from './session.js'
import type { PeerIdStr } from '../net/index.js'
import type { ReplicaReport, Role } from '../roles/index.js'
import type { BatchOp, KV, Store } from '../../store/index.js'

interface Waiter {
  doc: string
  role: Role
  since: number
  settled: boolean
  resolve: () => void
  reject: (err: Error) => void
}

const ROLES: readonly Role[] = ['relay', 'idp', 'kacls']
const CATALOG = 'catalog'
const LAG_SAMPLES = 10_000

/** A peer's state vector of a doc from its HELLO (undefined: it has none, or sent one that does not decode). */
function theirSv (listed: { sv: Uint8Array } | undefined): Map<number, number> | undefined {
  if (listed === undefined) return undefined
  try {
    return decodeSv(listed.sv)
  } catch {
    return undefined
  }
}

export class Replication extends TypedEventEmitter<ReplicationEvents> implements SessionHost {
  private readonly store: Store
  private readonly raw: KV<Uint8Array>
  private readonly json: KV<DocMeta>
  private readonly keys = new Map<Role, Uint8Array>()
  private readonly kinds: DocKind[] = []
  readonly docs = new Map<string, ReplicaDoc>()
  private readonly opening = new Map<string, Promise<ReplicaDoc>>()
  private stored = new Map<string, DocMeta>()
  readonly lock = new KeyedLock()
  private readonly sessions = new Map<PeerIdStr, Session>()
  private readonly waiters = new Set<Waiter>()
  private readonly refused: ReplicationStatus['refused'] = { tampered: 0, malformed: 0, unsealable: 0, missing: 0, 'not-eligible': 0 }
  private readonly writes = { replicated: 0, alone: 0, failed: 0 }
  private readonly lags: number[] = []
  private readonly clock: () => number
  private readonly init: Required<ReplicationInit>
  private readonly log = createLogger('replication')
  readonly epochs: Epochs
  private readonly catchUp: CatchUp
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
      maxHeld: init.maxHeld ?? MAX_HELD
    }
    this.epochs = new Epochs(this)
    this.catchUp = new CatchUp(this, this.init, this.clock)
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
    const { libp2p, peers } = this.components
    await libp2p!.handle(REPLICA_PROTOCOL, async (stream, connection) => {
      const session = this.session(connection.remotePeer.toString())
      // It speaks the protocol after all (its handler was not registered yet when this node first dialled it).
      session.unsupported = false
      if (!session.open) this.wantOut(session)
      await session.read(stream)
    }, { maxInboundStreams: 4, runOnLimitedConnection: false })
    peers!.addEventListener('role:changed', this.onRoleChanged)
    this.timers.push(setInterval(() => { this.reconcile() }, RECONCILE_MS))
    this.timers.push(setInterval(() => { this.checkWaiters() }, DURABLE_CHECK_MS))
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
    for (const s of this.sessions.values()) s.close()
    this.sessions.clear()
    for (const w of this.waiters) this.settle(w, new ReplicationError('REPLICA_CLOSED', 'the node is stopping'))
    this.catchUp.stop()
    if (this.networked) await this.components.libp2p!.unhandle(REPLICA_PROTOCOL).catch(() => {})
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
    let changed = false
    const result = await this.lock.run(name, async () => {
      if (d.switching !== undefined) await this.epochs.finishSwitch(d)
      const writes = new Map<string, Uint8Array | null>()
      const extra: BatchOp[] = []
      const tx: Tx = {
        doc: name,
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
      this.log.trace('mutate %s: locked', name)
      const out = await fn(tx)
      this.log.trace('mutate %s: %d writes', name, writes.size)
      d.lastUpdate = undefined
      const changes = d.collect(() => {
        d.ydoc.transact(() => {
          for (const [key, value] of writes) {
            if (value === null) {
              if (d.map.has(key)) d.map.delete(key)
            } else {
              d.map.set(key, sealRecord(d.k, name, key, value) as Uint8Array<ArrayBuffer>)
            }
          }
        }, LOCAL)
      })
      const update = d.lastUpdate
      const kind = this.kindOf(name)
      const ops = changes.length > 0 && kind?.materialize !== undefined ? await kind.materialize(name, changes) : []
      if (update === undefined && extra.length === 0 && ops.length === 0) return out
      try {
        await this.store.batch([...(update === undefined ? [] : d.persistOps(this.raw, this.json, update)), ...extra, ...ops])
      } catch (err) {
        // The doc in memory is ahead of the disk: the next load would miss this change, so the whole doc is written now.
        await this.store.batch(await d.rewriteOps(this.raw, this.json, d.epoch)).catch(() => {})
        throw err
      }
      this.stored.set(name, { epoch: d.epoch, seq: 0 })
      if (changes.length > 0) kind?.committed?.(name, changes)
      if (update !== undefined) {
        changed = true
        queued = this.broadcast(d, update, changes.length, undefined)
      }
      return out
    })
    if (opts.durable === true && (changed || this.networked)) await this.durable(d, queued)
    return result
  }

  /** Sends an update to the sessions of its role (but `except`); each resolves with the frame that carried it. */
  private broadcast (d: ReplicaDoc, update: Uint8Array, records: number, except: Session | undefined): Array<Promise<{ session: Session, n: number }>> {
    const out: Array<Promise<{ session: Session, n: number }>> = []
    for (const s of this.sessions.values()) {
      if (s === except || !s.open || !s.helloRoles.has(d.role)) continue
      out.push(s.queueUpdate(d.name, d.epoch, update, records).then(n => ({ session: s, n })))
    }
    return out
  }

  // ---------------------------------------------------------------- durability

  /** Live nodes eligible for `role` that speak the protocol (the replicas). */
  replicasOf (role: Role): PeerIdStr[] {
    const peers = this.components.peers
    if (peers === undefined) return []
    return peers.livePeers().filter(p => p.eligible.includes(role) && this.sessions.get(p.peerId)?.unsupported !== true).map(p => p.peerId)
  }

  private async durable (d: ReplicaDoc, queued: Array<Promise<{ session: Session, n: number }>>): Promise<void> {
    if (!this.networked) return
    if (this.replicasOf(d.role).length === 0) {
      this.writes.alone++
      return
    }
    const since = this.clock()
    const { promise, resolve, reject } = Promise.withResolvers<void>()
    const waiter: Waiter = { doc: d.name, role: d.role, since, settled: false, resolve, reject }
    this.waiters.add(waiter)
    if (queued.length === 0) {
      // Nothing new went out (a retried write that found its record there): durable once a replica has the doc.
      for (const s of this.sessions.values()) {
        if (!s.open || !s.roles.has(d.role)) continue
        if (s.docsHeld.has(d.name)) {
          this.acked(waiter)
          break
        }
        const n = s.docFrames.get(d.name)
        if (n !== undefined) void s.whenAcked(n).then(() => { this.acked(waiter) })
      }
    }
    for (const q of queued) {
      void q.then(async ({ session, n }) => {
        if (n === 0) return
        await session.whenAcked(n)
        this.acked(waiter)
      })
    }
    return promise
  }

  /** A frame with a doc's whole state went out on `session` as frame `n`: it carries every write waiting on the doc. */
  private coverWaiters (session: Session, doc: string, n: number): void {
    if (n === 0) return
    session.docFrames.set(doc, n)
    for (const w of this.waiters) {
      if (w.doc !== doc || w.settled) continue
      void session.whenAcked(n).then(() => { this.acked(w) })
    }
  }

  private acked (w: Waiter): void {
    if (w.settled) return
    this.writes.replicated++
    this.lags.push(this.clock() - w.since)
    if (this.lags.length > LAG_SAMPLES) this.lags.splice(0, this.lags.length - LAG_SAMPLES)
    this.settle(w)
  }

  private settle (w: Waiter, err?: Error): void {
    if (w.settled) return
    w.settled = true
    this.waiters.delete(w)
    if (err === undefined) w.resolve()
    else w.reject(err)
  }

  /** Writes whose replicas all went away are the holder's alone now; writes nobody persisted in time fail. */
  private checkWaiters (): void {
    const now = this.clock()
    // Once per role a tick, not once per waiting write (a burst of deposits waits together).
    const alone = new Map<Role, boolean>()
    for (const w of this.waiters) {
      const none = alone.get(w.role) ?? this.replicasOf(w.role).length === 0
      alone.set(w.role, none)
      if (none) {
        this.writes.alone++
        this.settle(w)
      } else if (now - w.since > this.init.durableTimeoutMs) {
        this.writes.failed++
        this.settle(w, new ReplicationError('NOT_REPLICATED', `no other node eligible for ${w.role} persisted this write within ${this.init.durableTimeoutMs} ms; it is kept on this node and replicated when one answers: try again`))
      }
    }
  }

  // ---------------------------------------------------------------- sessions

  private session (peer: PeerIdStr): Session {
    let s = this.sessions.get(peer)
    if (s === undefined || s.closed) {
      s = new Session(peer, this, this.clock)
      // Until the registry says which roles are shared, the peer's frames are only those this node may hold.
      s.roles = new Set(this.components.peers?.eligibleRoles() ?? [])
      this.sessions.set(peer, s)
    }
    return s
  }

  readonly onClosed = (s: Session): void => {
    this.log('replica stream to %s closed', s.peer)
  }

  readonly wantOut = (s: Session): void => {
    if (!s.open && !s.opening) void this.openSession(s)
  }

  private readonly onRoleChanged = (evt: CustomEvent<{ role: Role, peerId: PeerIdStr | null }>): void => {
    // A takeover is per tenure: the next time this node holds the role, it syncs again before it answers.
    if (evt.detail.peerId !== this.self) this.catchUp.end(evt.detail.role)
    this.reconcile()
  }

  /** Opens sessions to the live nodes sharing a role with this one, closes the others, says HELLO for new roles. */
  reconcile (): void {
    if (!this.networked || this.stopped) return
    const peers = this.components.peers!
    const mine = peers.eligibleRoles()
    // A role this node holds is caught up on from the start of its tenure, not from its first request.
    for (const role of mine) {
      if (peers.serves(role)) this.catchUp.begin(role)
      else if (this.catchUp.has(role) && peers.holderOf(role) !== this.self) this.catchUp.end(role)
    }
    const live = new Set<PeerIdStr>()
    for (const p of peers.livePeers()) {
      const shared = new Set(mine.filter(r => p.eligible.includes(r)))
      if (shared.size === 0) continue
      live.add(p.peerId)
      const s = this.session(p.peerId)
      s.roles = shared
      if (!s.open) {
        void this.openSession(s)
      } else if ([...shared].some(r => !s.helloRoles.has(r))) {
        void this.hello(s).catch(() => {})
      }
    }
    for (const [peer, s] of this.sessions) {
      if (live.has(peer) || (!s.open && s.roles.size === 0)) continue
      this.log('%s is not a live replica: no more frames to it', peer)
      s.closeOut()
    }
  }

  private async openSession (s: Session): Promise<void> {
    const sinceFailure = this.clock() - s.lastOpenFailure
    if (s.opening || sinceFailure < 1_000 || (s.unsupported && sinceFailure < UNSUPPORTED_RETRY_MS)) return
    s.opening = true
    try {
      const stream = await this.components.libp2p!.dialProtocol(peerIdFromString(s.peer), REPLICA_PROTOCOL, { signal: AbortSignal.timeout(5_000) })
      if (s.closed) {
        stream.abort(new Error('session closed'))
        return
      }
      s.attachOut(stream)
      this.log('replica stream to %s open (%s)', s.peer, [...s.roles].join(', '))
      const t = this.clock()
      void this.hello(s).then(() => { this.log('%s answered the first HELLO in %d ms', s.peer, this.clock() - t) }, () => {})
    } catch (err) {
      s.lastOpenFailure = this.clock()
      if ((err as { name?: string }).name === 'UnsupportedProtocolError') s.unsupported = true
      this.log('opening a replica stream to %s failed: %s', s.peer, (err as Error).message)
    } finally {
      s.opening = false
    }
  }

  /** Lists this node's docs of the roles shared with the peer; resolves once the peer answered. */
  private async hello (s: Session): Promise<void> {
    const roles = new Set(s.roles)
    const docs: ReplicaFrame['docs'] = []
    for (const d of this.docs.values()) {
      if (!roles.has(d.role) || d.switching !== undefined) continue
      docs.push({ name: d.name, epoch: d.epoch, sv: d.stateVector() as Uint8Array<ArrayBuffer> })
    }
    await s.hello(docs, roles)
  }

  /** The peer's frames (SessionHost). */
  async onFrame (s: Session, f: ReplicaFrame, _n: number): Promise<void> {
    this.log.trace('frame %s %s#%d from %s', f.kind, f.doc, f.epoch, s.peer)
    if (f.kind === ReplicaFrame.Kind.HELLO) {
      this.answerHello(s, f)
      return
    }
    if (f.kind !== ReplicaFrame.Kind.SYNC) return
    const kind = this.kindOf(f.doc)
    if (kind === undefined || !s.roles.has(kind.role) || !this.eligible(kind.role)) {
      this.refused['not-eligible']++
      return
    }
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
      const n = s.send(frame({ kind: ReplicaFrame.Kind.SYNC, doc: d.name, epoch: d.epoch, sync: syncMessage(enc => { syncProtocol.writeSyncStep2(enc, d.ydoc, payload) }) }))
      this.coverWaiters(s, d.name, n)
      return
    }
    if (type !== syncProtocol.messageYjsSyncStep2 && type !== syncProtocol.messageYjsUpdate) {
      this.refused.malformed++
      return
    }
    await this.applyRemote(s, kind, f.doc, f.epoch, payload)
  }

  /** Sends the peer what it lacks of every doc of the shared roles (the catalogs first), then HELLO_DONE. */
  private answerHello (s: Session, f: ReplicaFrame): void {
    const theirs = new Map(f.docs.map(d => [d.name, d]))
    const docs = [...this.docs.values()].filter(d => s.roles.has(d.role) && d.switching === undefined)
      .sort((a, b) => Number(b.name.endsWith(`/${CATALOG}`)) - Number(a.name.endsWith(`/${CATALOG}`)))
    for (const d of docs) {
      const t = theirs.get(d.name)
      if (t !== undefined && t.epoch !== d.epoch) continue
      const sv = t?.sv ?? new Uint8Array([0])
      // What the peer lacks, in operations (a record written is one): how far behind it is until it says it persisted them.
      const lacking = missingOps(theirSv(t), decodeSv(d.stateVector()))
      const n = s.send(frame({ kind: ReplicaFrame.Kind.SYNC, doc: d.name, epoch: d.epoch, sync: syncMessage(enc => { syncProtocol.writeSyncStep2(enc, d.ydoc, sv) }) }))
      s.carried(n, lacking)
      this.coverWaiters(s, d.name, n)
    }
    s.send(frame({ kind: ReplicaFrame.Kind.HELLO_DONE, ack: f.ack }))
  }

  /** Applies a peer's update after checking it, with the service's layout writes, then passes it on. */
  private async applyRemote (s: Session, kind: DocKind, name: string, epoch: number, update: Uint8Array): Promise<void> {
    const catalogEpoch = this.epochs.catalogEpoch(kind.role, name)
    if (catalogEpoch !== undefined && epoch < catalogEpoch) return
    const d = this.docs.get(name) ?? await this.open(name)
    await this.lock.run(name, async () => {
      if (d.switching !== undefined && d.switching.epoch === epoch) {
        this.epochs.fill(d, s, update)
        return
      }
      if (epoch !== d.epoch) return
      const inspection = inspectUpdate(update, d.ydoc, name, d.k)
      if (!inspection.ok) {
        this.refused[inspection.reason]++
        this.log('refused an update of %s from %s: %s', name, s.peer, inspection.detail)
        // What it builds on is missing here: ask for the whole difference instead.
        if (inspection.reason === 'missing') s.send(frame({ kind: ReplicaFrame.Kind.SYNC, doc: name, epoch, sync: syncMessage(enc => { syncProtocol.writeSyncStep1(enc, d.ydoc) }) }))
        return
      }
      for (const ins of inspection.inserts) {
        const refusal = kind.check?.(name, ins.key, ins.value)
        if (refusal !== undefined) {
          this.refused[refusal]++
          this.log('refused an update of %s from %s: %s of %s', name, s.peer, refusal, ins.key)
          return
        }
      }
      d.lastUpdate = undefined
      const changes = d.collect(() => { Y.applyUpdate(d.ydoc, update, s) })
      const effective = d.lastUpdate
      s.docsHeld.add(name)
      if (effective === undefined) return
      const ops = changes.length > 0 && kind.materialize !== undefined ? await kind.materialize(name, changes) : []
      await this.store.batch([...d.persistOps(this.raw, this.json, effective), ...ops])
      this.stored.set(name, { epoch: d.epoch, seq: 0 })
      if (changes.length > 0) kind.committed?.(name, changes)
      this.broadcast(d, effective, changes.length, s)
    })
  }

  /** Internal to the epochs: persists, materializes and announces a doc's new epoch (src/replication/epochs.ts). */
  async commitEpoch (d: ReplicaDoc, ydoc: Y.Doc, epoch: number, changes: Change[], carried?: Uint8Array): Promise<void> {
    const old = d.epoch
    d.replace(ydoc, epoch)
    const kind = this.kindOf(d.name)
    const ops = changes.length > 0 && kind?.materialize !== undefined ? await kind.materialize(d.name, changes) : []
    await this.store.batch([...await d.rewriteOps(this.raw, this.json, old), ...ops])
    this.stored.set(d.name, { epoch, seq: 0 })
    if (changes.length > 0) kind?.committed?.(d.name, changes)
    if (carried !== undefined) this.broadcast(d, carried, changes.length, undefined)
    // Requests held while the switch was under way may go on.
    this.catchUp.release(d.role)
  }

  /** Asks every session of a role for a doc's state at an epoch (a doc switching to it). */
  request (role: Role, name: string, epoch: number): number {
    let asked = 0
    for (const s of this.sessions.values()) {
      if (!s.open || !s.roles.has(role)) continue
      if (s.send(frame({ kind: ReplicaFrame.Kind.SYNC, doc: name, epoch, sync: syncMessage(enc => { syncProtocol.writeSyncStep1(enc, new Y.Doc()) }) })) > 0) asked++
    }
    return asked
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

  /** Internal to the catch-up: whether the first exchange with `peer` is complete. */
  syncedWith (peer: PeerIdStr): boolean {
    return this.sessions.get(peer)?.synced === true
  }

  /**
   * Internal to the catch-up: opens a session to `peer` for `role` (retrying
   * while `go` says so) and resolves once the peer answered its HELLO.
   */
  async syncWith (peer: PeerIdStr, role: Role, go: () => boolean, pause: (ms: number) => Promise<void>): Promise<void> {
    const s = this.session(peer)
    s.roles.add(role)
    for (let tries = 0; !s.open && tries < 50 && go(); tries++) {
      await this.openSession(s)
      if (!s.open) await pause(100)
    }
    if (s.open) await this.hello(s)
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
        if (d.role !== role || d.name.endsWith(`/${CATALOG}`)) continue
        docs++
        records += d.size
        dead += d.tombstones()
      }
      const replicas = this.replicasOf(role).map((peerId): ReplicaStatus => {
        const s = this.sessions.get(peerId)
        const state = s === undefined || !s.open ? 'connecting' : s.synced ? 'live' : 'syncing'
        const { records: behind, lagMs } = s?.behind() ?? { records: 0, lagMs: 0 }
        return { peerId, state, behind, lagMs }
      })
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
    const sorted = [...this.lags].sort((a, b) => a - b)
    const pct = (p: number): number => sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!
    let bytesIn = 0
    let bytesOut = 0
    for (const s of this.sessions.values()) {
      bytesIn += s.bytes.in
      bytesOut += s.bytes.out
    }
    return {
      roles,
      refused: { ...this.refused },
      writes: { ...this.writes },
      lag: { p50: pct(0.5), p99: pct(0.99), samples: sorted.length },
      bytes: { in: bytesIn, out: bytesOut }
    }
  }

  /** The replicas of each role this node serves, for the registry's announcement and roles view. */
  reports (): Partial<Record<Role, ReplicaReport[]>> {
    const out: Partial<Record<Role, ReplicaReport[]>> = {}
    for (const role of ROLES) {
      if (!this.eligible(role) || !this.serving(role)) continue
      out[role] = this.replicasOf(role).map(peerId => {
        const s = this.sessions.get(peerId)
        const { records, lagMs } = s?.behind() ?? { records: 0, lagMs: 0 }
        return { role, peerId, behind: records, synced: s?.synced === true && s.open, lagMs }
      })
    }
    return out
  }

  /** Counts a refusal found outside an update's inspection (a service's own check). */
  countRefusal (reason: Refusal): void {
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
