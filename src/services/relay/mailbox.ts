/**
 * Store-and-forward mail for offline users, in the store's 'relay' domain
 * (layout in docs/services.md, relay):
 *
 *   mailbox/<to>                     json  { count, bytes, next }   quota and cursor counters
 *   mail/<to>/<seq>                  json  MailRecord               one message, seq = 16 digits
 *   mail-env/<to>/<seq>              bytes the envelope
 *   mail-id/<to>/<id>                json  { seq, from }            dedupe index
 *   mail-exp/<expiresAt>/<to>/<seq>  json  1                        expiry index, 16-digit ms
 *
 * Every change to a mailbox is one atomic batch, made under that mailbox's
 * lock, so counters and records never disagree and a deposit is on disk
 * before it is acknowledged.
 */
import { ServiceError } from '../errors.js'
import { KeyedLock } from '../../lock.js'
import type { BatchOp, KV, Store } from '../../../store/index.js'

export interface MailboxLimits {
  maxMessages: number
  maxBytes: number
  /** All mailboxes together */
  relayMaxBytes: number
  ttlMs: number
}

/** A message as stored (the envelope is kept apart, as raw bytes). */
export interface MailRecord {
  id: string
  from: string
  depositedAt: number
  expiresAt: number
  size: number
}

export interface Mail {
  id: string
  from: string
  envelope: Uint8Array<ArrayBuffer>
  depositedAt: number
  expiresAt: number
  cursor: string
}

export interface FetchResult {
  messages: Mail[]
  more: boolean
  /** Cursor of the last message returned, or the one given when none was */
  cursor: string
}

interface Counters {
  count: number
  bytes: number
  /** The next message's sequence number: never reused, so cursors stay valid */
  next: number
}

interface IdEntry {
  seq: number
  from: string
}

type Json = Counters | MailRecord | IdEntry | number

const SEQ_DIGITS = 16
const pad = (n: number): string => String(n).padStart(SEQ_DIGITS, '0')
/** Cursors are the 16-digit sequence numbers of messages. */
const CURSOR = /^\d{16}$/

const boxKey = (to: string): string => `mailbox/${to}`
const mailPrefix = (to: string): string => `mail/${to}/`
const mailKey = (to: string, seq: string): string => `mail/${to}/${seq}`
const envKey = (to: string, seq: string): string => `mail-env/${to}/${seq}`
const idKey = (to: string, id: string): string => `mail-id/${to}/${id}`
const expKey = (expiresAt: number, to: string, seq: string): string => `mail-exp/${pad(expiresAt)}/${to}/${seq}`
/** The first key after every key that starts with `prefix` (prefixes here end in '/', and '0' follows '/'). */
const end = (prefix: string): string => prefix.slice(0, -1) + '0'

export function isCursor (value: string): boolean {
  return CURSOR.test(value)
}

export class Mailbox {
  private readonly store: Store
  private readonly json: KV<Json>
  private readonly envelopes: KV<Uint8Array>
  private readonly limits: MailboxLimits
  private readonly clock: () => number
  private readonly lock = new KeyedLock()
  /** Envelope bytes held in every mailbox: loaded by open(), then kept in step with each batch */
  private totalBytes = 0

  constructor (store: Store, limits: MailboxLimits, clock: () => number) {
    this.store = store
    this.json = store.sublevel<Json>('relay', 'json')
    this.envelopes = store.sublevel('relay', 'bytes')
    this.limits = limits
    this.clock = clock
  }

  /** Loads the relay-wide byte count from the mailbox counters. */
  async open (): Promise<void> {
    let total = 0
    for await (const [, value] of this.json.iterator({ gte: 'mailbox/', lt: end('mailbox/') })) total += (value as Counters).bytes
    this.totalBytes = total
  }

  /** Waits for every mailbox operation under way. */
  async idle (): Promise<void> {
    await this.lock.idle()
  }

  private async counters (to: string): Promise<Counters> {
    return (await this.json.get(boxKey(to)) as Counters | undefined) ?? { count: 0, bytes: 0, next: 1 }
  }

  /** The writes that delete one message, and its effect on the counters. */
  private deletion (to: string, seq: string, record: MailRecord, ops: BatchOp[], box: Counters): void {
    ops.push(
      { type: 'del', sublevel: this.json, key: mailKey(to, seq) },
      { type: 'del', sublevel: this.envelopes, key: envKey(to, seq) },
      { type: 'del', sublevel: this.json, key: idKey(to, record.id) },
      { type: 'del', sublevel: this.json, key: expKey(record.expiresAt, to, seq) }
    )
    box.count--
    box.bytes -= record.size
  }

  /** Commits deletions (and any other writes) with the new counters. */
  private async commit (to: string, ops: BatchOp[], box: Counters, before: Counters): Promise<void> {
    ops.push({ type: 'put', sublevel: this.json, key: boxKey(to), value: box })
    await this.store.batch(ops)
    this.totalBytes += box.bytes - before.bytes
  }

  /** Deletes `to`'s expired mail (called under its lock). */
  private async pruneBox (to: string, now: number): Promise<number> {
    const before = await this.counters(to)
    const box = { ...before }
    const ops: BatchOp[] = []
    for await (const [key, value] of this.json.iterator({ gte: mailPrefix(to), lt: end(mailPrefix(to)) })) {
      const record = value as MailRecord
      if (record.expiresAt <= now) this.deletion(to, key.slice(mailPrefix(to).length), record, ops, box)
    }
    if (ops.length === 0) return 0
    await this.commit(to, ops, box, before)
    return before.count - box.count
  }

  /**
   * Stores a message for `to`, once per id: a second deposit with an id
   * still held (from the same sender) is accepted and changes nothing.
   * QUOTA_EXCEEDED when `to`'s mailbox or the relay is full; ID_CONFLICT
   * when another sender's message holds the id.
   */
  async deposit (to: string, from: string, id: string, envelope: Uint8Array, kept?: { depositedAt: number, expiresAt: number }): Promise<{ stored: boolean }> {
    return this.lock.run(to, async () => {
      const now = this.clock()
      const existing = await this.json.get(idKey(to, id)) as IdEntry | undefined
      if (existing !== undefined) {
        const record = await this.json.get(mailKey(to, pad(existing.seq))) as MailRecord | undefined
        if (record !== undefined && record.expiresAt > now) {
          if (existing.from !== from) throw new ServiceError('ID_CONFLICT', `${to} already holds a message with id ${id} from another sender: send it with a new id`)
          return { stored: false }
        }
      }
      let box = await this.counters(to)
      const size = envelope.byteLength
      const overQuota = (b: Counters): boolean => b.count + 1 > this.limits.maxMessages || b.bytes + size > this.limits.maxBytes
      if (overQuota(box) || existing !== undefined) {
        // Expired mail counts for nothing: drop it before refusing (and the expired holder of this id).
        if (await this.pruneBox(to, now) > 0) box = await this.counters(to)
      }
      if (overQuota(box)) {
        throw new ServiceError('QUOTA_EXCEEDED', `the mailbox of ${to} is full (at most ${this.limits.maxMessages} messages and ${this.limits.maxBytes} bytes): try again once they have fetched their mail`)
      }
      if (this.totalBytes + size > this.limits.relayMaxBytes) {
        throw new ServiceError('QUOTA_EXCEEDED', `the relay holds as much mail as it may (${this.limits.relayMaxBytes} bytes): try again later`)
      }
      const seq = pad(box.next)
      // Mail handed over from another relay keeps its times (and so its expiry).
      const record: MailRecord = { id, from, depositedAt: kept?.depositedAt ?? now, expiresAt: kept?.expiresAt ?? now + this.limits.ttlMs, size }
      const grown: Counters = { count: box.count + 1, bytes: box.bytes + size, next: box.next + 1 }
      // Reserved before the write, so concurrent deposits to other mailboxes see it.
      this.totalBytes += size
      try {
        await this.store.batch([
          { type: 'put', sublevel: this.json, key: mailKey(to, seq), value: record },
          { type: 'put', sublevel: this.envelopes, key: envKey(to, seq), value: envelope },
          { type: 'put', sublevel: this.json, key: idKey(to, id), value: { seq: box.next, from } },
          { type: 'put', sublevel: this.json, key: expKey(record.expiresAt, to, seq), value: 1 },
          { type: 'put', sublevel: this.json, key: boxKey(to), value: grown }
        ])
      } catch (err) {
        this.totalBytes -= size
        throw err
      }
      return { stored: true }
    })
  }

  /**
   * `to`'s unexpired mail, oldest first, after `cursor`: at most `limit`
   * messages and about `budgetBytes` of envelopes (at least one message).
   * Expired mail met on the way is deleted.
   */
  async fetch (to: string, limit: number, cursor: string | undefined, budgetBytes: number): Promise<FetchResult> {
    return this.lock.run(to, async () => {
      const now = this.clock()
      const prefix = mailPrefix(to)
      const picked: Array<{ seq: string, record: MailRecord }> = []
      const before = await this.counters(to)
      const box = { ...before }
      const expired: BatchOp[] = []
      let bytes = 0
      let more = false
      const range = cursor === undefined ? { gte: prefix, lt: end(prefix) } : { gt: prefix + cursor, lt: end(prefix) }
      for await (const [key, value] of this.json.iterator(range)) {
        const seq = key.slice(prefix.length)
        const record = value as MailRecord
        if (record.expiresAt <= now) {
          this.deletion(to, seq, record, expired, box)
          continue
        }
        if (picked.length >= limit || (picked.length > 0 && bytes + record.size > budgetBytes)) {
          more = true
          break
        }
        picked.push({ seq, record })
        bytes += record.size
      }
      if (expired.length > 0) await this.commit(to, expired, box, before)
      const envelopes = await this.envelopes.getMany(picked.map(p => envKey(to, p.seq)))
      const messages: Mail[] = []
      picked.forEach((p, i) => {
        const envelope = envelopes[i]
        if (envelope === undefined) return
        messages.push({ id: p.record.id, from: p.record.from, envelope: new Uint8Array(envelope), depositedAt: p.record.depositedAt, expiresAt: p.record.expiresAt, cursor: p.seq })
      })
      return { messages, more, cursor: picked.at(-1)?.seq ?? cursor ?? '' }
    })
  }

  /** Deletes `to`'s messages with these ids; returns how many it held. */
  async ack (to: string, ids: readonly string[]): Promise<number> {
    return this.lock.run(to, async () => {
      const before = await this.counters(to)
      const box = { ...before }
      const ops: BatchOp[] = []
      for (const id of new Set(ids)) {
        const entry = await this.json.get(idKey(to, id)) as IdEntry | undefined
        if (entry === undefined) continue
        const seq = pad(entry.seq)
        const record = await this.json.get(mailKey(to, seq)) as MailRecord | undefined
        if (record === undefined) continue
        this.deletion(to, seq, record, ops, box)
      }
      if (ops.length === 0) return 0
      await this.commit(to, ops, box, before)
      return before.count - box.count
    })
  }

  /** Deletes every expired message (through the expiry index); returns how many. */
  async prune (): Promise<number> {
    const now = this.clock()
    const boxes = new Set<string>()
    for await (const key of this.json.keys({ gte: 'mail-exp/', lt: `mail-exp/${pad(now + 1)}` })) {
      const to = key.split('/')[2]
      if (to !== undefined) boxes.add(to)
    }
    let pruned = 0
    for (const to of boxes) pruned += await this.lock.run(to, async () => this.pruneBox(to, now))
    return pruned
  }

  /** The users with mail here. */
  async recipients (): Promise<string[]> {
    const users: string[] = []
    for await (const [key, value] of this.json.iterator({ gte: 'mailbox/', lt: end('mailbox/') })) {
      if ((value as Counters).count > 0) users.push(key.slice('mailbox/'.length))
    }
    return users
  }

  /** How many messages and bytes `to` holds (expired mail included until pruned). */
  async usage (to: string): Promise<{ count: number, bytes: number }> {
    const { count, bytes } = await this.counters(to)
    return { count, bytes }
  }
}
