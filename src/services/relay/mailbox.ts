/**
 * Store-and-forward mail for offline users, in the store's 'relay' domain
 * (layout in docs/services.md, relay):
 *
 *   mailbox/<to>                     json  { count, bytes, next }   quota and cursor counters
 *   mailbox-from/<to>/<from>         json  { count, bytes }         one sender's share of the mailbox
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
  /** One sender's mail in one mailbox: a sender cannot fill a mailbox for everyone */
  senderMaxMessages: number
  senderMaxBytes: number
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

/** One sender's share of a mailbox. */
interface Share {
  count: number
  bytes: number
}

/** The mailbox counters and each sender's share as a batch of changes leaves them. */
interface Tally {
  box: Counters
  shares: Map<string, Share>
}

type Json = Counters | MailRecord | IdEntry | Share | number

const SEQ_DIGITS = 16
const pad = (n: number): string => String(n).padStart(SEQ_DIGITS, '0')
/** Cursors are the 16-digit sequence numbers of messages. */
const CURSOR = /^\d{16}$/

const boxKey = (to: string): string => `mailbox/${to}`
const shareKey = (to: string, from: string): string => `mailbox-from/${to}/${from}`
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

  private async share (to: string, from: string): Promise<Share> {
    return (await this.json.get(shareKey(to, from)) as Share | undefined) ?? { count: 0, bytes: 0 }
  }

  /** `to`'s counters, to be changed by a batch of deletions. */
  private async tally (to: string): Promise<Tally> {
    return { box: await this.counters(to), shares: new Map() }
  }

  /** The writes that delete one message, and its effect on the counters and its sender's share. */
  private async deletion (to: string, seq: string, record: MailRecord, ops: BatchOp[], tally: Tally): Promise<void> {
    ops.push(
      { type: 'del', sublevel: this.json, key: mailKey(to, seq) },
      { type: 'del', sublevel: this.envelopes, key: envKey(to, seq) },
      { type: 'del', sublevel: this.json, key: idKey(to, record.id) },
      { type: 'del', sublevel: this.json, key: expKey(record.expiresAt, to, seq) }
    )
    tally.box = { ...tally.box, count: tally.box.count - 1, bytes: tally.box.bytes - record.size }
    const share = tally.shares.get(record.from) ?? await this.share(to, record.from)
    // Mail stored before shares were counted has none: a share never goes below zero.
    tally.shares.set(record.from, { count: Math.max(0, share.count - 1), bytes: Math.max(0, share.bytes - record.size) })
  }

  /** Commits deletions (and any other writes) with the new counters and shares. */
  private async commit (to: string, ops: BatchOp[], tally: Tally, before: Counters): Promise<void> {
    ops.push({ type: 'put', sublevel: this.json, key: boxKey(to), value: tally.box })
    for (const [from, share] of tally.shares) {
      ops.push(share.count === 0
        ? { type: 'del', sublevel: this.json, key: shareKey(to, from) }
        : { type: 'put', sublevel: this.json, key: shareKey(to, from), value: share })
    }
    await this.store.batch(ops)
    this.totalBytes += tally.box.bytes - before.bytes
  }

  /** Deletes `to`'s expired mail (called under its lock). */
  private async pruneBox (to: string, now: number): Promise<number> {
    const tally = await this.tally(to)
    const before = tally.box
    const ops: BatchOp[] = []
    for await (const [key, value] of this.json.iterator({ gte: mailPrefix(to), lt: end(mailPrefix(to)) })) {
      const record = value as MailRecord
      if (record.expiresAt <= now) await this.deletion(to, key.slice(mailPrefix(to).length), record, ops, tally)
    }
    if (ops.length === 0) return 0
    await this.commit(to, ops, tally, before)
    return before.count - tally.box.count
  }

  /**
   * Stores a message for `to`, once per id: a second deposit with an id
   * still held (from the same sender) is accepted and changes nothing.
   * QUOTA_EXCEEDED when `to`'s mailbox, the sender's share of it, or the
   * relay is full; ID_CONFLICT when another sender's message holds the id.
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
      let share = await this.share(to, from)
      const size = envelope.byteLength
      const overQuota = (b: Counters): boolean => b.count + 1 > this.limits.maxMessages || b.bytes + size > this.limits.maxBytes
      const overShare = (s: Share): boolean => s.count + 1 > this.limits.senderMaxMessages || s.bytes + size > this.limits.senderMaxBytes
      if (overQuota(box) || overShare(share) || existing !== undefined) {
        // Expired mail counts for nothing: drop it before refusing (and the expired holder of this id).
        if (await this.pruneBox(to, now) > 0) {
          box = await this.counters(to)
          share = await this.share(to, from)
        }
      }
      if (overShare(share)) {
        throw new ServiceError('QUOTA_EXCEEDED', `${from} has as much mail waiting for ${to} as one sender may (${this.limits.senderMaxMessages} messages, ${this.limits.senderMaxBytes} bytes): it is kept and sent once they have fetched some`)
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
          { type: 'put', sublevel: this.json, key: boxKey(to), value: grown },
          { type: 'put', sublevel: this.json, key: shareKey(to, from), value: { count: share.count + 1, bytes: share.bytes + size } }
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
      const tally = await this.tally(to)
      const before = tally.box
      const expired: BatchOp[] = []
      let bytes = 0
      let more = false
      const range = cursor === undefined ? { gte: prefix, lt: end(prefix) } : { gt: prefix + cursor, lt: end(prefix) }
      for await (const [key, value] of this.json.iterator(range)) {
        const seq = key.slice(prefix.length)
        const record = value as MailRecord
        if (record.expiresAt <= now) {
          await this.deletion(to, seq, record, expired, tally)
          continue
        }
        if (picked.length >= limit || (picked.length > 0 && bytes + record.size > budgetBytes)) {
          more = true
          break
        }
        picked.push({ seq, record })
        bytes += record.size
      }
      if (expired.length > 0) await this.commit(to, expired, tally, before)
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
      const tally = await this.tally(to)
      const before = tally.box
      const ops: BatchOp[] = []
      for (const id of new Set(ids)) {
        const entry = await this.json.get(idKey(to, id)) as IdEntry | undefined
        if (entry === undefined) continue
        const seq = pad(entry.seq)
        const record = await this.json.get(mailKey(to, seq)) as MailRecord | undefined
        if (record === undefined) continue
        await this.deletion(to, seq, record, ops, tally)
      }
      if (ops.length === 0) return 0
      await this.commit(to, ops, tally, before)
      return before.count - tally.box.count
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
