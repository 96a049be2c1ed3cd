/**
 * The replication session with one peer (docs/replication.md, "The sync
 * session"): this node writes its frames on the stream it opened to the
 * peer, and reads the peer's frames on the stream the peer opened. Frames
 * are numbered in the order they are written (1, 2, ...) on each stream; a
 * PERSISTED frame acknowledges, by number, what the peer has persisted of
 * this node's frames, which is what a holder's write waits for. Updates to a
 * doc made within BATCH_MS go out as one frame.
 */
import { lpStream } from '@libp2p/utils'
import * as encoding from 'lib0/encoding'
import * as syncProtocol from 'y-protocols/sync'
import * as Y from 'yjs'
import { createLogger } from '../logger.js'
import { BATCH_MS, MAX_FRAME_BYTES } from './constants.js'
import { ReplicaFrame } from './pb/replica.js'
import type { PeerIdStr } from '../net/index.js'
import type { Role } from '../roles/index.js'
import type { Stream } from '@libp2p/interface'

type Lp = ReturnType<typeof lpStream>

/** What the replication does with a peer's frames. */
export interface SessionHost {
  /** Handles a frame (numbered `n` on the peer's stream); resolves once what it carried is persisted. */
  onFrame: (session: Session, frame: ReplicaFrame, n: number) => Promise<void>
  /** The session has frames to write and no stream to write them on: open one */
  wantOut: (session: Session) => void
  /** The session's streams are gone */
  onClosed: (session: Session) => void
}

interface PendingUpdate {
  doc: string
  epoch: number
  updates: Uint8Array[]
  records: number
  /** Resolved with the number of the frame that carried these updates (0: none was written) */
  sent: Array<(n: number) => void>
}

/** Frames kept for a stream being opened; past this many they are dropped (the next HELLO recovers what they carried). Also how many frames may wait for the peer's roles. */
const MAX_BACKLOG = 10_000

const EMPTY: ReplicaFrame = { kind: ReplicaFrame.Kind.HELLO, docs: [], doc: '', epoch: 0, sync: new Uint8Array(), sv: new Uint8Array(), ack: 0n }

export function frame (fields: Partial<ReplicaFrame>): ReplicaFrame {
  return { ...EMPTY, ...fields } as ReplicaFrame
}

/** A y-protocols sync message (step 1, step 2 or update) as bytes. */
export function syncMessage (write: (enc: encoding.Encoder) => void): Uint8Array<ArrayBuffer> {
  const enc = encoding.createEncoder()
  write(enc)
  return encoding.toUint8Array(enc) as Uint8Array<ArrayBuffer>
}

export class Session {
  private shared = new Set<Role>()
  /** Frames waiting for the registry to see the peer share their role (sharing) */
  private readonly roleWaiters = new Set<() => void>()
  /** Roles the last HELLO this node sent covered */
  helloRoles = new Set<Role>()
  private out?: { lp: Lp, stream: Stream }
  /** How many streams to the peer were opened: frame numbers and acknowledgements belong to one of them */
  outStreams = 0
  opening = false
  /** The peer answered that it does not speak the replica protocol (an older lanchat, or one not started yet): not counted as a replica until it does */
  unsupported = false
  lastOpenFailure = 0
  private writing: Promise<void> = Promise.resolve()
  /** Frames numbered before the stream to write them on was open */
  private backlog: Uint8Array[] = []
  private sent = 0
  /** Highest frame of ours the peer has persisted */
  private acked = 0
  private readonly ackWaiters: Array<{ n: number, resolve: () => void }> = []
  /** Update frames sent and not yet acknowledged: how far behind the peer is */
  private readonly unacked: Array<{ n: number, records: number, at: number }> = []
  private readonly pending = new Map<string, PendingUpdate>()
  private flushTimer?: ReturnType<typeof setTimeout>
  /** Frames read from the peer, and how many of them are fully processed (in order) */
  private received = 0
  private processed = 0
  /** Which stream from the peer frames are numbered on: a frame of an earlier one that finishes late counts for nothing */
  private readStream = 0
  private readonly done = new Set<number>()
  private readonly processedWaiters: Array<{ n: number, resolve: () => void }> = []
  private ackTimer?: ReturnType<typeof setTimeout>
  /** The numbers of the HELLOs this node sent, and the HELLO_DONEs that answered them */
  private hellos = 0
  private readonly answered = new Map<number, Array<{ resolve: () => void, reject: (err: Error) => void }>>()
  /** Whether the peer answered a HELLO of this node (an initial sync was completed with it) */
  synced = false
  /** doc -> the last frame of ours that carried any of it (a write that changed nothing is durable once that one is) */
  readonly docFrames = new Map<string, number>()
  /** Docs the peer sent records of: it has them */
  readonly docsHeld = new Set<string>()
  readonly bytes = { in: 0, out: 0 }
  closed = false
  private readonly log = createLogger('replication:session')

  constructor (readonly peer: PeerIdStr, private readonly host: SessionHost, private readonly clock: () => number, private readonly batchMs = BATCH_MS) {}

  get open (): boolean {
    return this.out !== undefined && !this.closed
  }

  /** Roles both nodes may hold, as this node's registry sees it (none: the peer is no live replica in its view) */
  get roles (): Set<Role> {
    return this.shared
  }

  set roles (roles: Set<Role>) {
    this.shared = roles
    for (const wake of [...this.roleWaiters]) wake()
  }

  /**
   * Resolves true once the registry sees the peer share `role` (any role,
   * when undefined): at once if it does; false after `ms`, when the session
   * closes, or when MAX_BACKLOG frames wait already.
   */
  async sharing (role: Role | undefined, ms: number): Promise<boolean> {
    const shares = (): boolean => role === undefined ? this.shared.size > 0 : this.shared.has(role)
    if (shares()) return true
    if (this.closed || this.roleWaiters.size >= MAX_BACKLOG) return false
    return new Promise(resolve => {
      const settle = (ok: boolean): void => {
        clearTimeout(timer)
        this.roleWaiters.delete(wake)
        resolve(ok)
      }
      const wake = (): void => { if (this.closed || shares()) settle(!this.closed) }
      const timer = setTimeout(() => { settle(false) }, ms)
      timer.unref?.()
      this.roleWaiters.add(wake)
    })
  }

  /** A stream to the peer is open: what was numbered meanwhile goes first. */
  attachOut (stream: Stream): void {
    const out = { lp: lpStream(stream, { maxDataLength: MAX_FRAME_BYTES }), stream }
    this.out = out
    this.outStreams++
    // The peer ended it (a frame it could not apply, say): this node opens another at once, not at its next write.
    stream.addEventListener('close', () => { if (!this.closed) this.dropOut(out) }, { once: true })
    for (const bytes of this.backlog.splice(0)) this.write(out, bytes)
  }

  /**
   * Writes a frame, or keeps it until a stream is open; returns its number
   * on the stream (0 when the session is closed). Numbers start again from 1
   * on each new stream, as the peer counts them.
   */
  send (f: ReplicaFrame): number {
    if (this.closed) return 0
    const n = ++this.sent
    const bytes = ReplicaFrame.encode(f)
    this.bytes.out += bytes.byteLength
    const out = this.out
    if (out !== undefined) {
      this.write(out, bytes)
      return n
    }
    if (this.backlog.length >= MAX_BACKLOG) {
      this.log.error('more than %d frames wait for a stream to %s: dropped (the next HELLO makes up for them)', MAX_BACKLOG, this.peer)
      this.backlog = []
      this.sent = 0
      return 0
    }
    this.backlog.push(bytes)
    this.host.wantOut(this)
    return n
  }

  private write (out: { lp: Lp, stream: Stream }, bytes: Uint8Array): void {
    this.writing = this.writing.then(async () => {
      if (this.out !== out) return
      await out.lp.write(bytes)
    }).catch((err: unknown) => {
      this.log('writing to %s failed: %s', this.peer, (err as Error).message)
      this.dropOut(out)
    })
  }

  /** Asks the peer for whatever of a doc this node lacks (y-protocols step 1: the peer answers with the difference). */
  askDifference (doc: string, epoch: number, ydoc: Y.Doc): number {
    return this.send(frame({ kind: ReplicaFrame.Kind.SYNC, doc, epoch, sync: syncMessage(enc => { syncProtocol.writeSyncStep1(enc, ydoc) }) }))
  }

  /** Sends a HELLO listing `docs`; resolves once the peer's answer to it has been processed. */
  async hello (docs: ReplicaFrame['docs'], roles: Set<Role>): Promise<void> {
    const id = ++this.hellos
    this.helloRoles = new Set(roles)
    const answered = new Promise<void>((resolve, reject) => { this.answered.set(id, [...(this.answered.get(id) ?? []), { resolve, reject }]) })
    if (this.send(frame({ kind: ReplicaFrame.Kind.HELLO, docs, ack: BigInt(id) })) === 0) {
      this.answered.delete(id)
      throw new Error(`no stream to ${this.peer}`)
    }
    return answered
  }

  /** The peer answered HELLO `id` with frame `n`: once every frame before it is processed, the answer is complete. */
  helloDone (id: number, n: number): void {
    const waiters = this.answered.get(id)
    this.answered.delete(id)
    void this.whenProcessed(n - 1).then(() => {
      this.synced = true
      for (const w of waiters ?? []) w.resolve()
    })
  }

  /**
   * Queues an update of a doc; updates of the same doc within the batch
   * window go out merged in one frame. Resolves with that frame's number.
   */
  async queueUpdate (doc: string, epoch: number, update: Uint8Array, records: number): Promise<number> {
    if (this.closed) return 0
    const key = `${doc}#${epoch}`
    let p = this.pending.get(key)
    if (p === undefined) {
      p = { doc, epoch, updates: [], records: 0, sent: [] }
      this.pending.set(key, p)
    }
    p.updates.push(update)
    p.records += records
    const sent = new Promise<number>(resolve => { p.sent.push(resolve) })
    if (this.flushTimer === undefined) this.flushTimer = setTimeout(() => { this.flush() }, this.batchMs)
    return sent
  }

  flush (): void {
    clearTimeout(this.flushTimer)
    this.flushTimer = undefined
    const batch = [...this.pending.values()]
    this.pending.clear()
    for (const p of batch) {
      const update = p.updates.length === 1 ? p.updates[0]! : Y.mergeUpdates(p.updates)
      const n = this.send(frame({ kind: ReplicaFrame.Kind.SYNC, doc: p.doc, epoch: p.epoch, sync: syncMessage(enc => { syncProtocol.writeUpdate(enc, update) }) }))
      if (n > 0) {
        this.unacked.push({ n, records: p.records, at: this.clock() })
        this.docFrames.set(p.doc, n)
      }
      for (const resolve of p.sent) resolve(n)
    }
  }

  /** Frame `n` of ours carried `records` records the peer lacked (an answer to its HELLO): counted as behind until acknowledged. */
  carried (n: number, records: number): void {
    if (n === 0 || records === 0 || n <= this.acked) return
    this.unacked.push({ n, records, at: this.clock() })
  }

  /**
   * Resolves once the peer has persisted frame `n` of ours; never, if the
   * stream goes first (the next stream numbers its frames from 1 again: its
   * acknowledgements say nothing of this one's).
   */
  async whenAcked (n: number): Promise<void> {
    if (n <= this.acked) return
    return new Promise(resolve => { this.ackWaiters.push({ n, resolve }) })
  }

  private onAck (n: number): void {
    if (n <= this.acked) return
    this.acked = n
    while (this.unacked.length > 0 && this.unacked[0]!.n <= n) this.unacked.shift()
    for (let i = this.ackWaiters.length - 1; i >= 0; i--) {
      const w = this.ackWaiters[i]!
      if (w.n <= n) {
        this.ackWaiters.splice(i, 1)
        w.resolve()
      }
    }
  }

  /** Records sent and not yet persisted by the peer, and the age of the oldest. */
  behind (): { records: number, lagMs: number } {
    const records = this.unacked.reduce((n, u) => n + u.records, 0) + [...this.pending.values()].reduce((n, p) => n + p.records, 0)
    const oldest = this.unacked[0]?.at
    return { records, lagMs: oldest === undefined ? 0 : this.clock() - oldest }
  }

  /** Reads the peer's frames until its stream ends. */
  async read (stream: Stream): Promise<void> {
    const lp = lpStream(stream, { maxDataLength: MAX_FRAME_BYTES })
    const current = ++this.readStream
    this.received = 0
    this.processed = 0
    this.done.clear()
    try {
      for (;;) {
        const bytes = (await lp.read()).subarray()
        this.bytes.in += bytes.byteLength
        const n = ++this.received
        let f: ReplicaFrame
        try {
          f = ReplicaFrame.decode(bytes, { limits: { docs: 1_000_000 } })
        } catch (err) {
          this.log('a frame from %s does not decode: %s', this.peer, (err as Error).message)
          this.finished(n)
          continue
        }
        if (f.kind === ReplicaFrame.Kind.PERSISTED) {
          this.onAck(Number(f.ack))
          this.finished(n, false)
          continue
        }
        if (f.kind === ReplicaFrame.Kind.HELLO_DONE) {
          this.helloDone(Number(f.ack), n)
          this.finished(n, false)
          continue
        }
        this.host.onFrame(this, f, n).then(() => { if (this.readStream === current) this.finished(n) }, (err: unknown) => {
          // Not applied or not persisted (a failed batch): neither it nor any frame after it is acknowledged. The
          // stream ends; the peer opens another and its HELLO makes up for what this node lacks.
          this.log.error('a frame from %s failed: %s', this.peer, (err as Error).stack)
          stream.abort(new Error('a replica frame could not be applied'))
        })
      }
    } catch (err) {
      if (!this.closed) this.log('the stream from %s ended: %s', this.peer, (err as Error).message)
    } finally {
      stream.abort(new Error('replica stream ended'))
    }
  }

  /** Frame `n` is processed; acknowledges (within the batch window) what is persisted in order. */
  private finished (n: number, ack = true): void {
    this.done.add(n)
    while (this.done.has(this.processed + 1)) {
      this.done.delete(this.processed + 1)
      this.processed++
    }
    for (let i = this.processedWaiters.length - 1; i >= 0; i--) {
      const w = this.processedWaiters[i]!
      if (w.n <= this.processed) {
        this.processedWaiters.splice(i, 1)
        w.resolve()
      }
    }
    this.log.trace('%s: frame %d done, %d processed in order', this.peer, n, this.processed)
    if (ack && this.ackTimer === undefined) {
      this.ackTimer = setTimeout(() => {
        this.ackTimer = undefined
        const sent = this.send(frame({ kind: ReplicaFrame.Kind.PERSISTED, ack: BigInt(this.processed) }))
        this.log.trace('%s: acknowledged %d (frame %d)', this.peer, this.processed, sent)
      }, this.batchMs)
    }
  }

  private async whenProcessed (n: number): Promise<void> {
    if (n <= this.processed) return
    return new Promise(resolve => { this.processedWaiters.push({ n, resolve }) })
  }

  private dropOut (out: { stream: Stream }): void {
    if (this.out?.stream !== out.stream) return
    this.out = undefined
    // What was in flight is lost with the stream: the next one counts from 1, and its HELLO makes up for it.
    this.sent = 0
    this.acked = 0
    this.ackWaiters.length = 0
    this.unacked.length = 0
    this.backlog = []
    this.docFrames.clear()
    this.synced = false
    this.helloRoles.clear()
    this.unanswered()
    out.stream.abort(new Error('replica stream failed'))
    this.host.onClosed(this)
  }

  /**
   * The peer is no replica now (not live, or no role shared): this node
   * stops writing to it. The session stays, so that the peer's stream keeps
   * being read by it, and a stream is opened again when the peer is back.
   */
  closeOut (): void {
    clearTimeout(this.flushTimer)
    this.flushTimer = undefined
    this.pending.forEach(p => { p.sent.forEach(resolve => { resolve(0) }) })
    this.pending.clear()
    const out = this.out
    if (out !== undefined) this.dropOut(out)
    this.backlog = []
    this.sent = 0
    this.roles = new Set()
  }

  close (): void {
    if (this.closed) return
    this.closed = true
    clearTimeout(this.flushTimer)
    clearTimeout(this.ackTimer)
    this.pending.forEach(p => { p.sent.forEach(resolve => { resolve(0) }) })
    this.pending.clear()
    this.backlog = []
    this.unanswered()
    for (const wake of [...this.roleWaiters]) wake()
    this.out?.stream.abort(new Error('replica session closed'))
    this.out = undefined
  }

  /** The HELLOs waiting for an answer get none: their stream is gone (a catch-up waiting on them goes on). */
  private unanswered (): void {
    const err = new Error(`the replica stream to ${this.peer} closed before it answered`)
    for (const waiters of this.answered.values()) for (const w of waiters) w.reject(err)
    this.answered.clear()
  }
}
