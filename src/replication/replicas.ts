/**
 * The sessions with the replicas (docs/replication.md, "The sync session"):
 * one per live node that may hold a role this node may hold, opened and
 * closed as the registry sees nodes come and go; the HELLO that lists this
 * node's docs and the answer to a peer's HELLO; updates sent on to the
 * replicas of their role; and how far behind this node each replica is (the
 * status, the registry's reports).
 */
import { createLogger } from '../logger.js'
import { REPLICA_PROTOCOL, ROLES_WAIT_MS, UNSUPPORTED_RETRY_MS } from './constants.js'
import { ReplicaFrame } from './pb/replica.js'
import { decodeSv, missingOps } from './records.js'
import { frame, Session, syncMessage } from './session.js'
import { peerIdFromString } from '@libp2p/peer-id'
import * as syncProtocol from 'y-protocols/sync'
import * as Y from 'yjs'
import type { ReplicaDoc } from './doc.js'
import type { Replication } from './replication.js'
import type { SessionHost } from './session.js'
import type { ReplicaStatus, ReplicationComponents } from './types.js'
import type { PeerIdStr } from '../net/index.js'
import type { ReplicaReport, Role } from '../roles/index.js'

/** A peer's state vector of a doc from its HELLO (undefined: it has none, or sent one that does not decode). */
function theirSv (listed: { sv: Uint8Array } | undefined): Map<number, number> | undefined {
  if (listed === undefined) return undefined
  try {
    return decodeSv(listed.sv)
  } catch {
    return undefined
  }
}

export class Replicas implements SessionHost {
  private readonly sessions = new Map<PeerIdStr, Session>()
  /** The roles each peer was told of as a replica in step (replica:live), since its stream last opened */
  private readonly told = new Map<PeerIdStr, Set<Role>>()
  private readonly log = createLogger('replication')

  constructor (
    private readonly r: Replication,
    private readonly components: Pick<ReplicationComponents, 'libp2p' | 'peers'>,
    private readonly clock: () => number,
    private readonly rolesWaitMs = ROLES_WAIT_MS
  ) {}

  /** Answers the peers' streams (networked only). */
  async start (): Promise<void> {
    await this.components.libp2p!.handle(REPLICA_PROTOCOL, async (stream, connection) => {
      const session = this.session(connection.remotePeer.toString())
      // It speaks the protocol after all (its handler was not registered yet when this node first dialled it).
      session.unsupported = false
      if (!session.open) this.wantOut(session)
      await session.read(stream)
    }, { maxInboundStreams: 4, runOnLimitedConnection: false })
  }

  /** Closes every session (at once), then stops answering streams. */
  async stop (): Promise<void> {
    for (const s of this.sessions.values()) s.close()
    this.sessions.clear()
    if (this.r.networked) await this.components.libp2p!.unhandle(REPLICA_PROTOCOL).catch(() => {})
  }

  /** Live nodes eligible for `role` that speak the protocol (the replicas). */
  replicasOf (role: Role): PeerIdStr[] {
    const peers = this.components.peers
    if (peers === undefined) return []
    return peers.livePeers().filter(p => p.eligible.includes(role) && this.sessions.get(p.peerId)?.unsupported !== true).map(p => p.peerId)
  }

  /** The open sessions with peers that may hold `role`. */
  openSessions (role: Role): Session[] {
    return [...this.sessions.values()].filter(s => s.open && s.roles.has(role))
  }

  /** Sends an update to the sessions of its role (but `except`); each resolves with the frame that carried it. */
  broadcast (d: ReplicaDoc, update: Uint8Array, records: number, except: Session | undefined): Array<Promise<{ session: Session, n: number }>> {
    const out: Array<Promise<{ session: Session, n: number }>> = []
    for (const s of this.sessions.values()) {
      if (s === except || !s.open || !s.helloRoles.has(d.role)) continue
      out.push(s.queueUpdate(d.name, d.epoch, update, records).then(n => ({ session: s, n })))
    }
    return out
  }

  /** Asks every session of a role for a doc's state at an epoch (a doc switching to it). */
  request (role: Role, name: string, epoch: number): number {
    let asked = 0
    for (const s of this.openSessions(role)) {
      if (s.send(frame({ kind: ReplicaFrame.Kind.SYNC, doc: name, epoch, sync: syncMessage(enc => { syncProtocol.writeSyncStep1(enc, new Y.Doc()) }) })) > 0) asked++
    }
    return asked
  }

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
    // Once a stream is open again, it is told of again.
    this.told.delete(s.peer)
  }

  /**
   * Tells (the replication's replica:live event) of each role the session's
   * peer has newly become a replica of in step with this node: live in the
   * registry's view for it, and its first exchange on this node's stream done.
   * Called when a HELLO is answered and when the sessions are reconciled with
   * the registry's view, whichever comes last.
   */
  private tell (s: Session): void {
    if (!s.open || !s.synced) return
    const told = this.told.get(s.peer) ?? new Set<Role>()
    const roles = [...s.helloRoles].filter(r => !told.has(r) && this.replicasOf(r).includes(s.peer))
    if (roles.length === 0) return
    for (const r of roles) told.add(r)
    this.told.set(s.peer, told)
    this.r.safeDispatchEvent('replica:live', { detail: { peer: s.peer, roles } })
  }

  readonly wantOut = (s: Session): void => {
    if (!s.open && !s.opening) void this.openSession(s)
  }

  /** Opens sessions to the live nodes sharing one of `mine` (this node's eligible roles), closes the others, says HELLO for new roles. */
  reconcile (mine: readonly Role[]): void {
    const live = new Set<PeerIdStr>()
    for (const p of this.components.peers!.livePeers()) {
      const shared = new Set(mine.filter(r => p.eligible.includes(r)))
      if (shared.size === 0) continue
      live.add(p.peerId)
      const s = this.session(p.peerId)
      s.roles = shared
      if (!s.open) {
        void this.openSession(s)
      } else if ([...shared].some(r => !s.helloRoles.has(r))) {
        void this.hello(s).then(() => { this.tell(s) }, () => {})
      } else {
        this.tell(s)
      }
    }
    for (const [peer, s] of this.sessions) {
      if (live.has(peer) || (!s.open && s.roles.size === 0)) continue
      this.log('%s is not a live replica: no more frames to it', peer)
      this.told.delete(peer)
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
      // It speaks the protocol now, whatever an earlier dial (before it had registered it) said.
      s.unsupported = false
      this.log('replica stream to %s open (%s)', s.peer, [...s.roles].join(', '))
      const t = this.clock()
      void this.hello(s).then(() => {
        this.log('%s answered the first HELLO in %d ms', s.peer, this.clock() - t)
        this.tell(s)
      }, () => {})
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
    for (const d of this.r.docs.values()) {
      if (!roles.has(d.role) || d.switching !== undefined) continue
      docs.push({ name: d.name, epoch: d.epoch, sv: d.stateVector() as Uint8Array<ArrayBuffer> })
    }
    await s.hello(docs, roles)
  }

  /** The peer's frames (SessionHost): this answers HELLOs, the replication takes the rest. */
  async onFrame (s: Session, f: ReplicaFrame, n: number): Promise<void> {
    this.log.trace('frame %s %s#%d from %s', f.kind, f.doc, f.epoch, s.peer)
    if (f.kind === ReplicaFrame.Kind.HELLO) {
      // Answered with nothing now (no role shared in this node's view), it would tell the peer it is in step with this node.
      await this.shared(s)
      this.answerHello(s, f)
      return
    }
    await this.r.onFrame(s, f, n)
  }

  /**
   * A peer's frame of `role` (a HELLO: of any role) waits until the registry
   * sees the peer share it: around a heal one side hears the other's
   * announcement first. It fails if that does not come within the wait (the
   * stream ends; the peer's next HELLO makes up for it): acknowledged or
   * answered unapplied, it would be counted as persisted here, or this node
   * as in step with the peer, and never sent again while the stream lasts.
   */
  async shared (s: Session, role?: Role): Promise<void> {
    if (await s.sharing(role, this.rolesWaitMs)) return
    this.r.countRefusal('not-eligible')
    throw new Error(`${s.peer} is not a live replica${role === undefined ? '' : ` of ${role}`} in this node's view within ${this.rolesWaitMs} ms: its frame is not taken`)
  }

  /** Sends the peer what it lacks of every doc of the shared roles (the catalogs first), then HELLO_DONE. */
  private answerHello (s: Session, f: ReplicaFrame): void {
    const theirs = new Map(f.docs.map(d => [d.name, d]))
    const docs = [...this.r.docs.values()].filter(d => s.roles.has(d.role) && d.switching === undefined)
      .sort((a, b) => Number(this.r.isCatalog(b.name)) - Number(this.r.isCatalog(a.name)))
    for (const d of docs) {
      const t = theirs.get(d.name)
      if (t !== undefined && t.epoch !== d.epoch) continue
      const sv = t?.sv ?? new Uint8Array([0])
      // What the peer lacks, in operations (a record written is one): how far behind it is until it says it persisted them.
      const mine = decodeSv(d.stateVector())
      const peerSv = theirSv(t)
      const lacking = missingOps(peerSv, mine)
      s.carried(this.sendState(s, d, sv), lacking)
      // A stream the peer opened again (this node ended the last one: a frame failed, or waited for its base in vain)
      // while this node's own stream was in step: nothing else would bring what this node lacks of the peer's.
      if (s.synced && peerSv !== undefined && missingOps(mine, peerSv) > 0) s.askDifference(d.name, d.epoch, d.ydoc)
    }
    s.send(frame({ kind: ReplicaFrame.Kind.HELLO_DONE, ack: f.ack }))
  }

  /** Sends the peer what it lacks of a doc past its state vector `sv` (SYNC step 2): it carries every write waiting on the doc. */
  sendState (s: Session, d: ReplicaDoc, sv: Uint8Array): number {
    const n = s.send(frame({ kind: ReplicaFrame.Kind.SYNC, doc: d.name, epoch: d.epoch, sync: syncMessage(enc => { syncProtocol.writeSyncStep2(enc, d.ydoc, sv) }) }))
    this.r.durability.cover(s, d.name, n)
    return n
  }

  /**
   * Sends a replica of the doc's role the doc's whole state (under the
   * doc's lock): the frame that carried it, or undefined when the peer is no
   * live replica with a stream open.
   */
  sendWhole (peer: PeerIdStr, d: ReplicaDoc): { session: Session, n: number } | undefined {
    const s = this.sessions.get(peer)
    if (s === undefined || !s.open || !s.helloRoles.has(d.role) || !this.replicasOf(d.role).includes(peer)) return undefined
    const n = this.sendState(s, d, new Uint8Array([0]))
    return n === 0 ? undefined : { session: s, n }
  }

  /** Whether the first exchange with `peer` is complete. */
  syncedWith (peer: PeerIdStr): boolean {
    return this.sessions.get(peer)?.synced === true
  }

  /** Opens a session to `peer` for `role` (retrying while `go` says so) and resolves once the peer answered its HELLO. */
  async syncWith (peer: PeerIdStr, role: Role, go: () => boolean, pause: (ms: number) => Promise<void>): Promise<void> {
    const s = this.session(peer)
    s.roles = new Set([...s.roles, role])
    // Only while it is a live replica: a node that died is live for a moment yet (its redial, docs/roles.md "When a
    // node is gone"), and trying it 50 times held a new holder's requests for 5 s after its predecessor was killed
    // with the other eligible nodes.
    const wanted = (): boolean => go() && this.replicasOf(role).includes(peer)
    for (let tries = 0; !s.open && tries < 50 && wanted(); tries++) {
      await this.openSession(s)
      if (!s.open) await pause(100)
    }
    if (s.open) await this.hello(s)
  }

  /** Each replica of `role`: whether a session is up and in step, and how far behind this node it is. */
  statusOf (role: Role): ReplicaStatus[] {
    return this.replicasOf(role).map((peerId): ReplicaStatus => {
      const s = this.sessions.get(peerId)
      const state = s === undefined || !s.open ? 'connecting' : s.synced ? 'live' : 'syncing'
      const { records: behind, lagMs } = this.behind(s, role, peerId)
      return { peerId, state, behind, lagMs, owed: this.r.owedTo(role, peerId).records }
    })
  }

  /** Each replica of `role`, as the registry announces it. */
  reportOf (role: Role): ReplicaReport[] {
    return this.replicasOf(role).map(peerId => {
      const s = this.sessions.get(peerId)
      const { records, lagMs } = this.behind(s, role, peerId)
      return { role, peerId, behind: records, synced: s?.synced === true && s.open, lagMs }
    })
  }

  /** What a replica lacks: records sent and not yet persisted, and what a service owes it (KEKs it cannot open yet). */
  private behind (s: Session | undefined, role: Role, peer: PeerIdStr): { records: number, lagMs: number } {
    const sent = s?.behind() ?? { records: 0, lagMs: 0 }
    const owed = this.r.owedTo(role, peer)
    if (owed.records === 0) return sent
    return { records: sent.records + owed.records, lagMs: Math.max(sent.lagMs, this.clock() - owed.since) }
  }

  /** Bytes read from and written to every session. */
  bytes (): { in: number, out: number } {
    let bytesIn = 0
    let bytesOut = 0
    for (const s of this.sessions.values()) {
      bytesIn += s.bytes.in
      bytesOut += s.bytes.out
    }
    return { in: bytesIn, out: bytesOut }
  }
}
