/**
 * The outbox: every message (and receipt) is stored before anything is sent,
 * under `o/<hlc>/<id>` so a restart reads it back in send order, and stays
 * until the contact's node or the relay has it. Sends that come together are
 * stored up to COMMIT_BATCH to a write, encrypted at once when a checked
 * session is in memory. Each contact's queue is delivered in rounds, one at a
 * time, retried with backoff (RetryLoop); the sender does the work of a round.
 */
import { codeOf, isCode } from '../../errors.js'
import { createLogger } from '../../logger.js'
import { RetryLoop } from '../../retry.js'
import { bodyFields, newMessageId } from '../../timeline/index.js'
import { storedBody } from '../outgoing.js'
import type { RoundResult } from '../../retry.js'
import type { SealedStore } from '../../sealed-store.js'
import type { Body, ChatMessage, MessageUpdate, Timeline } from '../../timeline/index.js'
import type { BatchOp } from '../../../store/index.js'
import type { DmDirectory, DmEventTarget, SendResult } from './index.js'
import type { OutgoingAttachment } from '../attachments.js'
import type { AttachedFile } from '../../timeline/index.js'
import type { Sender } from './sender.js'

/** A stored outbox record (its fields are the stored format). */
export interface OutboxEntry {
  id: string
  to: string
  kind: 'text' | 'receipt'
  text?: string
  /** base64 of the encoded MessageBody: a message of another kind than plain text (reply, edit, a file's offer, ...) */
  body?: string
  receipt?: { ids: string[], read: boolean }
  /** The file a file message offers */
  file?: AttachedFile
  sentAt: number
  hlc: string
  /** base64 of the encoded DmEnvelope, set once encrypted: the ratchet has advanced for it */
  envelope?: string
}

/** An entry and its storage key. */
export interface Queued {
  key: string
  entry: OutboxEntry
}

const PREFIX = 'o/'

/** The stored entries in memory: each contact's keys in send (hlc) order. */
export class OutboxQueue {
  private readonly entries = new Map<string, OutboxEntry>()
  private readonly queues = new Map<string, string[]>()

  /** Puts a stored entry in its contact's queue, in hlc order. */
  enqueue (key: string, entry: OutboxEntry): void {
    this.entries.set(key, entry)
    let q = this.queues.get(entry.to)
    if (q === undefined) {
      q = []
      this.queues.set(entry.to, q)
    }
    if (q.length === 0 || q[q.length - 1]! < key) q.push(key)
    else q.splice(q.findIndex(k => k > key), 0, key)
  }

  /** Takes entries out once their deletion is stored. */
  dequeue (peer: string, keys: string[]): void {
    const gone = new Set(keys)
    for (const key of keys) this.entries.delete(key)
    const q = this.queues.get(peer)
    if (q !== undefined) this.queues.set(peer, q.filter(k => !gone.has(k)))
  }

  /** The contact's first `limit` entries, in order. */
  queued (peer: string, limit = Infinity): Queued[] {
    const out: Queued[] = []
    for (const key of this.queues.get(peer) ?? []) {
      if (out.length >= limit) break
      const entry = this.entries.get(key)
      if (entry !== undefined) out.push({ key, entry })
    }
    return out
  }

  size (peer: string): number {
    return this.queues.get(peer)?.length ?? 0
  }

  /** The contact's newest entry. */
  last (peer: string): OutboxEntry | undefined {
    const q = this.queues.get(peer)
    return q === undefined || q.length === 0 ? undefined : this.entries.get(q[q.length - 1]!)
  }

  contacts (): string[] {
    return [...this.queues.keys()]
  }
}

export interface OutboxComponents {
  me: string
  store: SealedStore
  timeline: Timeline
  queue: OutboxQueue
  sender: Pick<Sender, 'encryptNow' | 'encryptPending' | 'deliver'>
  directory: Pick<DmDirectory, 'blocked'>
  events: DmEventTarget
  clock: () => number
}

export interface OutboxInit {
  commitBatch: number
  /** Entries a delivery round takes */
  roundSize: number
  retryMinMs: number
  retryMaxMs: number
}

interface PendingSend {
  text: string
  body?: Body
  attachment?: OutgoingAttachment
  resolve: (r: SendResult) => void
  reject: (err: unknown) => void
}

export class Outbox {
  private readonly c: OutboxComponents
  private readonly init: OutboxInit
  private readonly queue: OutboxQueue
  private readonly pending = new Map<string, PendingSend[]>()
  /** Messages reported held by a changed key, per contact: each is reported once until the user trusts the key */
  private readonly blockedReported = new Map<string, Set<string>>()
  private readonly loop: RetryLoop
  private readonly log = createLogger('chat:outbox')
  private running = false
  /** Contacts heard to be reachable while their round was under way: a failed round is tried again at once */
  private readonly reachableNow = new Set<string>()
  /** Ends the waits for a rate limit when the outbox stops */
  private stopping = new AbortController()

  constructor (components: OutboxComponents, init: OutboxInit) {
    this.c = components
    this.init = init
    this.queue = components.queue
    this.loop = new RetryLoop(async peer => this.round(peer), init)
  }

  /** Reads the stored outbox back (after a restart), the clock moved past it. */
  async load (): Promise<void> {
    for await (const [key, entry] of this.c.store.entries<OutboxEntry>(PREFIX)) {
      this.c.timeline.observe(entry.hlc)
      this.queue.enqueue(key, entry)
    }
  }

  /** Starts delivering, what was stored before first. */
  start (): void {
    this.running = true
    this.stopping = new AbortController()
    for (const to of this.queue.contacts()) this.soon(to)
  }

  /**
   * Delivers no more and clears every retry timer. A round under way is not
   * waited for: it ends when the transport and the relay calls are stopped.
   */
  stop (): void {
    this.running = false
    this.stopping.abort()
    void this.loop.stop()
  }

  /** Delivers a contact's outbox now (or right after the round under way). */
  soon (peer: string): void {
    if (this.running) this.loop.soon(peer)
  }

  /**
   * The contact's node is reachable again (it came online, or sent us
   * something directly): what waits goes now, backoff or not, and a round
   * failing meanwhile is tried again at once instead of after its backoff.
   */
  reachable (peer: string): void {
    if (!this.running || this.queue.size(peer) === 0) return
    this.reachableNow.add(peer)
    this.loop.soon(peer)
  }

  /**
   * Stores the message (with concurrent sends to the same contact, up to
   * COMMIT_BATCH to a write), then delivers it in the background.
   */
  async send (peer: string, text: string, body?: Body, attachment?: OutgoingAttachment): Promise<SendResult> {
    return new Promise((resolve, reject) => {
      const item: PendingSend = { text, ...(body !== undefined ? { body } : {}), ...(attachment !== undefined ? { attachment } : {}), resolve, reject }
      const pending = this.pending.get(peer)
      if (pending !== undefined) {
        pending.push(item)
        return
      }
      this.pending.set(peer, [item])
      void this.commit(peer)
    })
  }

  /**
   * Writes the sends waiting for a contact, encrypted already when a checked
   * session is in memory, up to COMMIT_BATCH at a time: the first are on
   * their way while the next are stored.
   */
  private async commit (peer: string): Promise<void> {
    const { timeline, store } = this.c
    await timeline.exclusive(peer, async () => {
      const waiting = this.pending.get(peer) ?? []
      const items = waiting.splice(0, this.init.commitBatch)
      if (waiting.length === 0) this.pending.delete(peer)
      let undo = (): void => {}
      try {
        const made = items.map(item => ({ item, ...this.newEntry(peer, { kind: 'text', text: item.text, ...storedBody(item.body, item.attachment) }) }))
        // Encryption follows the queue's order: while older entries wait to be
        // encrypted (sent before the session existed), new ones wait behind them.
        const last = this.queue.last(peer)
        const ops: BatchOp[] = []
        if (last === undefined || last.envelope !== undefined) {
          const sealed = this.c.sender.encryptNow(peer, made.map(m => m.entry))
          ops.push(...sealed.ops)
          undo = sealed.undo
        }
        for (const { key, entry } of made) ops.push(store.put(key, entry))
        const messages: ChatMessage[] = made.map(({ item, entry: { id, sentAt, hlc } }) =>
          ({ id, conversation: peer, from: this.c.me, to: peer, text: item.text, sentAt, hlc, direction: 'out', status: 'pending', ...bodyFields(item.body), ...(item.attachment !== undefined ? { kind: 'file', file: item.attachment.file } : {}) }))
        const updates: MessageUpdate[] = []
        ops.push(...await timeline.addOps(messages, false, updates))
        await timeline.commit(ops)
        for (const { item, key, entry } of made) {
          this.queue.enqueue(key, entry)
          item.resolve({ id: entry.id, conversation: peer, status: 'pending', hlc: entry.hlc })
        }
        for (const u of updates) this.c.events.dispatchEvent(new CustomEvent('message:updated', { detail: u }))
      } catch (err) {
        undo()
        for (const { reject } of items) reject(err)
      }
    })
    this.soon(peer)
    if (this.pending.has(peer)) void this.commit(peer)
  }

  /** Marks a direct conversation read and queues a read receipt for the contact. */
  async markRead (contact: string): Promise<{ read: number }> {
    const { timeline, store } = this.c
    return timeline.exclusive(contact, async () => {
      const { ops, ids } = await timeline.markReadOps(contact)
      const receipt = ids.length > 0 ? this.newEntry(contact, { kind: 'receipt', receipt: { ids, read: true } }) : undefined
      if (receipt !== undefined) ops.push(store.put(receipt.key, receipt.entry))
      await timeline.commit(ops)
      if (receipt !== undefined) {
        this.queue.enqueue(receipt.key, receipt.entry)
        this.soon(contact)
      }
      return { read: ids.length }
    })
  }

  /** Stores and queues a delivery receipt (for mail that came through the relay). */
  async receipt (peer: string, ids: string[]): Promise<void> {
    const { key, entry } = this.newEntry(peer, { kind: 'receipt', receipt: { ids, read: false } })
    await this.c.store.write([this.c.store.put(key, entry)])
    this.queue.enqueue(key, entry)
    this.soon(peer)
  }

  /** The user accepted the contact's key: held messages go out, and are reported again if held again. */
  trusted (peer: string): void {
    this.blockedReported.delete(peer)
    this.soon(peer)
  }

  /** A new outbox entry for a contact, stamped now, and its key (in send order). */
  private newEntry (to: string, fields: Pick<OutboxEntry, 'kind' | 'text' | 'receipt' | 'body' | 'file'>): Queued {
    const hlc = this.c.timeline.stamp()
    const entry: OutboxEntry = { id: newMessageId(), to, sentAt: this.c.clock(), hlc, ...fields }
    return { key: `${PREFIX}${hlc}/${entry.id}`, entry }
  }

  /**
   * One delivery round for a contact: all sent (or held), more to send, or
   * try again later. Only a round that got nothing anywhere is a failure that
   * backs off: one that delivered some and then failed (the relay's rate
   * limit part-way through a drain) goes on, and a rate limit is waited out
   * for as long as the relay says, not doubled round after round (issue 16:
   * a receiver back from a restart waited for a backoff grown to 32 s).
   */
  private async round (peer: string): Promise<RoundResult> {
    this.reachableNow.delete(peer)
    const batch = this.queue.queued(peer, this.init.roundSize)
    if (batch.length === 0) return 'done'
    // Progress: some of the round's entries left the queue (sends stored meanwhile do not hide it).
    const progressed = (): boolean => {
      const left = new Set(this.queue.queued(peer).map(q => q.key))
      return batch.some(b => !left.has(b.key))
    }
    const failed = (): RoundResult => progressed() || this.reachableNow.has(peer) ? 'more' : 'retry'
    try {
      if (await this.c.directory.blocked(peer)) {
        this.reportBlocked(peer)
        return 'done'
      }
      const sending = await this.c.sender.encryptPending(peer, batch)
      if (!await this.c.sender.deliver(peer, sending)) return failed()
      return this.queue.size(peer) === 0 ? 'done' : 'more'
    } catch (err) {
      this.log('delivery to %s failed: %s', peer, (err as Error).message)
      if (isCode(err, 'KEY_CHANGED')) {
        this.reportBlocked(peer)
        return 'done'
      }
      const wait = codeOf(err) === 'RATE_LIMITED' ? (err as { retryAfterMs?: number }).retryAfterMs : undefined
      if (wait !== undefined && wait > 0) {
        await this.pause(Math.min(wait, this.init.retryMaxMs))
        return 'more'
      }
      return failed()
    }
  }

  /** Waits, unless the outbox stops first. */
  private async pause (ms: number): Promise<void> {
    const signal = this.stopping.signal
    if (signal.aborted) return
    await new Promise<void>(resolve => {
      const done = (): void => {
        clearTimeout(timer)
        signal.removeEventListener('abort', done)
        resolve()
      }
      const timer = setTimeout(done, ms)
      signal.addEventListener('abort', done)
    })
  }

  /** Tells the user, once per message, that its messages wait for a changed key to be trusted. */
  private reportBlocked (peer: string): void {
    let reported = this.blockedReported.get(peer)
    if (reported === undefined) {
      reported = new Set()
      this.blockedReported.set(peer, reported)
    }
    for (const { entry } of this.queue.queued(peer)) {
      if (entry.kind !== 'text' || reported.has(entry.id)) continue
      reported.add(entry.id)
      this.c.events.dispatchEvent(new CustomEvent('message:blocked', { detail: { id: entry.id, conversation: peer, reason: 'KEY_CHANGED' } }))
    }
  }
}
