/**
 * Durability of a holder's writes (docs/replication.md, "The sync session"):
 * a write made `durable` waits until a replica has persisted a frame that
 * carried it (PERSISTED), or until no replica is live (the holder is alone);
 * it fails NOT_REPLICATED when a replica is live and none persisted it in
 * time. Counts how writes ended and how long the first replica took.
 */
import { ReplicationError } from './errors.js'
import type { ReplicaDoc } from './doc.js'
import type { Replicas } from './replicas.js'
import type { Session } from './session.js'
import type { ReplicationStatus } from './types.js'
import type { Role } from '../roles/index.js'

/** A durable write waiting for a replica to persist it. */
interface Waiter {
  doc: string
  role: Role
  since: number
  settled: boolean
  /** Waiting for one replica (persistedBy), on the stream a frame went out on: not a write, so not counted */
  at?: { session: Session, stream: number }
  resolve: () => void
  reject: (err: Error) => void
}

const LAG_SAMPLES = 10_000

export class Durability {
  private readonly waiters = new Set<Waiter>()
  private readonly writes = { replicated: 0, alone: 0, failed: 0 }
  private readonly lags: number[] = []

  constructor (private readonly replicas: Replicas, private readonly timeoutMs: number, private readonly clock: () => number) {}

  /** Resolves once a replica persisted the frames `queued` (or one with the doc's whole state), or none is live. */
  async wait (d: ReplicaDoc, queued: Array<Promise<{ session: Session, n: number }>>): Promise<void> {
    if (this.replicas.replicasOf(d.role).length === 0) {
      this.writes.alone++
      return
    }
    const since = this.clock()
    const { promise, resolve, reject } = Promise.withResolvers<void>()
    const waiter: Waiter = { doc: d.name, role: d.role, since, settled: false, resolve, reject }
    this.waiters.add(waiter)
    if (queued.length === 0) {
      // Nothing new went out (a retried write that found its record there): durable once a replica has the doc.
      for (const s of this.replicas.openSessions(d.role)) {
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

  /**
   * Resolves once the replica of `session` persisted frame `n` of ours (a
   * doc's whole state); fails NOT_REPLICATED when its stream goes first, it is
   * no replica any more, or it does not answer in time.
   */
  async waitAt (d: ReplicaDoc, session: Session, n: number): Promise<void> {
    const { promise, resolve, reject } = Promise.withResolvers<void>()
    const waiter: Waiter = { doc: d.name, role: d.role, since: this.clock(), settled: false, resolve, reject, at: { session, stream: session.outStreams } }
    this.waiters.add(waiter)
    void session.whenAcked(n).then(() => { this.settle(waiter) })
    return promise
  }

  /** A frame with a doc's whole state went out on `session` as frame `n`: it carries every write waiting on the doc. */
  cover (session: Session, doc: string, n: number): void {
    if (n === 0) return
    session.docFrames.set(doc, n)
    for (const w of this.waiters) {
      if (w.doc !== doc || w.settled || (w.at !== undefined && w.at.session !== session)) continue
      void session.whenAcked(n).then(() => { this.acked(w) })
    }
  }

  /** Writes whose replicas all went away are the holder's alone now; writes nobody persisted in time fail. */
  check (): void {
    const now = this.clock()
    // Once per role a tick, not once per waiting write (a burst of deposits waits together).
    const alone = new Map<Role, boolean>()
    for (const w of this.waiters) {
      if (w.at !== undefined) {
        this.checkAt(w, w.at, now)
        continue
      }
      const none = alone.get(w.role) ?? this.replicas.replicasOf(w.role).length === 0
      alone.set(w.role, none)
      if (none) {
        this.writes.alone++
        this.settle(w)
      } else if (now - w.since > this.timeoutMs) {
        this.writes.failed++
        this.settle(w, new ReplicationError('NOT_REPLICATED', `no other node eligible for ${w.role} persisted this write within ${this.timeoutMs} ms; it is kept on this node and replicated when one answers: try again`))
      }
    }
  }

  /** A wait for one replica fails once its stream is gone, it is no replica, or it took too long. */
  private checkAt (w: Waiter, at: NonNullable<Waiter['at']>, now: number): void {
    const { session } = at
    let why: string | undefined
    if (!session.open || session.outStreams !== at.stream) why = `the replica stream to ${session.peer} closed before it said it persisted ${w.doc}`
    else if (!this.replicas.replicasOf(w.role).includes(session.peer)) why = `${session.peer} is no longer a live replica of ${w.role}`
    else if (now - w.since > this.timeoutMs) why = `${session.peer} did not say it persisted ${w.doc} within ${this.timeoutMs} ms`
    if (why !== undefined) this.settle(w, new ReplicationError('NOT_REPLICATED', `${why}: try again`))
  }

  /** The node is stopping: every waiting write fails. */
  stop (): void {
    for (const w of this.waiters) this.settle(w, new ReplicationError('REPLICA_CLOSED', 'the node is stopping'))
  }

  /** How writes ended, and the lag from a write to its first replica's PERSISTED (the last LAG_SAMPLES). */
  status (): Pick<ReplicationStatus, 'writes' | 'lag'> {
    const sorted = [...this.lags].sort((a, b) => a - b)
    const pct = (p: number): number => sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!
    return { writes: { ...this.writes }, lag: { p50: pct(0.5), p99: pct(0.99), samples: sorted.length } }
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
}
