/**
 * Store-and-forward mail for offline users. Each mailbox is a replicated doc
 * (docs/replication.md, "relay"), `relay/mail/<to>`, one record per message:
 *
 *   m/<id>    header { from, depositedAt, expiresAt, ord } and the envelope
 *
 * `ord` orders a mailbox (the fetch cursor): above every ord the mailbox ever
 * had, so a holder that took over after a failover (and caught up first)
 * files new mail after the old. After a partition both sides' mail is in the
 * doc (a union: an id is a key, so a message deposited on both sides is
 * there once) in ord order. The relay reads the layout materialized from the
 * doc on every relay-eligible node, in the store's 'relay' domain (layout in
 * docs/services.md, relay):
 *
 *   mailbox/<to>                     json  { count, bytes, next }   quota and cursor counters
 *   mailbox-from/<to>/<from>         json  { count, bytes }         one sender's share of the mailbox
 *   mail/<to>/<seq>                  json  MailRecord               one message, seq = <ord, 16 digits>-<id>
 *   mail-env/<to>/<seq>              bytes the envelope
 *   mail-id/<to>/<id>                json  { seq, from }            dedupe index
 *   mail-exp/<expiresAt>/<to>/<seq>  json  1                        expiry index, 16-digit ms
 *
 * The id in `seq` keeps two messages apart that two sides of a partition
 * filed under one ord (each counts on from the same `next`): after the heal
 * both are there, in the same order on every node. (A layout written before
 * had `seq` = ord alone; it is still read.)
 *
 * A deposit's checks and its write run under the mailbox doc's lock, in order
 * with what peers send; the layout follows in the same batch.
 */
import { randomInt } from 'node:crypto'
import { ServiceError } from '../errors.js'
import { MAX_MESSAGE_ID_CHARS } from './constants.js'
import { replicationOf } from '../replicated.js'
import { prefixEnd } from '../../../store/index.js'
import { packRecord, unpackRecord } from '../../replication/index.js'
import type { Change, Replication } from '../../replication/index.js'
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
  /** Above every ord the mailbox had: cursors are never reused */
  next: number
}

interface IdEntry {
  /** The message's seq (an ord alone in a layout written before seqs named the id) */
  seq: string | number
  from: string
}

/** One sender's share of a mailbox. */
interface Share {
  count: number
  bytes: number
}

interface Header {
  from: string
  depositedAt: number
  expiresAt: number
  ord: number
}

type Json = Counters | MailRecord | IdEntry | Share | number

export const MAIL_DOCS = 'relay/mail/'
const SEQ_DIGITS = 16
const pad = (n: number): string => String(n).padStart(SEQ_DIGITS, '0')
/** Cursors are the seqs of messages: a 16-digit ord, then the id (as checked on deposit). */
const CURSOR = new RegExp(`^\\d{16}(-[^\\x00-\\x1f\\x7f]{1,${MAX_MESSAGE_ID_CHARS}})?$`, 'u')
/** Where a message is filed: its ord, then its id. */
const seqOf = (ord: number, id: string): string => `${pad(ord)}-${id}`
const seqIn = (entry: IdEntry): string => typeof entry.seq === 'number' ? pad(entry.seq) : entry.seq

const boxKey = (to: string): string => `mailbox/${to}`
const shareKey = (to: string, from: string): string => `mailbox-from/${to}/${from}`
const mailPrefix = (to: string): string => `mail/${to}/`
const mailKey = (to: string, seq: string): string => `mail/${to}/${seq}`
const envKey = (to: string, seq: string): string => `mail-env/${to}/${seq}`
const idKey = (to: string, id: string): string => `mail-id/${to}/${id}`
const expKey = (expiresAt: number, to: string, seq: string): string => `mail-exp/${pad(expiresAt)}/${to}/${seq}`
const recordKey = (id: string): string => `m/${id}`

/** A message record: the header, then the envelope. */
function encodeMail (h: Header, envelope: Uint8Array): Uint8Array {
  return packRecord(h, envelope)
}

function decodeMail (bytes: Uint8Array): { header: Header, envelope: Uint8Array } | undefined {
  const record = unpackRecord(bytes)
  const header = record?.header as Header | null | undefined
  if (header === undefined || header === null || typeof header.from !== 'string' || !Number.isSafeInteger(header.ord) || !Number.isFinite(header.expiresAt)) return undefined
  return { header, envelope: record!.body }
}

export function isCursor (value: string): boolean {
  return CURSOR.test(value)
}

export class Mailbox {
  private readonly json: KV<Json>
  private readonly envelopes: KV<Uint8Array>
  private readonly limits: MailboxLimits
  private readonly clock: () => number
  private readonly replication: Replication
  /** Envelope bytes held in every mailbox: loaded by open(), then kept in step with each batch */
  private totalBytes = 0
  /** What a mailbox's batch under way changes totalBytes by: counted once the batch is written (committed) */
  private readonly pendingBytes = new Map<string, number>()
  /** Bytes of deposits under way (checked, not yet committed) */
  private reserved = 0

  constructor (store: Store, limits: MailboxLimits, clock: () => number, replication?: Replication) {
    this.json = store.sublevel<Json>('relay', 'json')
    this.envelopes = store.sublevel('relay', 'bytes')
    this.limits = limits
    this.clock = clock
    this.replication = replication ?? replicationOf({ store, keys: { networkId: 'lanchat' } as never, clock })
    this.replication.define({
      prefix: MAIL_DOCS,
      role: 'relay',
      materialize: async (doc, changes) => this.materialize(doc.slice(MAIL_DOCS.length), changes),
      committed: doc => {
        this.totalBytes += this.pendingBytes.get(doc) ?? 0
        this.pendingBytes.delete(doc)
      }
    })
  }

  /** Loads the relay-wide byte count from the mailbox counters. */
  async open (): Promise<void> {
    await this.replication.start()
    let total = 0
    for await (const [, value] of this.json.iterator({ gte: 'mailbox/', lt: prefixEnd('mailbox/') })) total += (value as Counters).bytes
    this.totalBytes = total
  }

  /** Waits for every mailbox operation under way. */
  async idle (): Promise<void> {
    await this.replication.lock.idle()
  }

  private async counters (to: string): Promise<Counters> {
    return (await this.json.get(boxKey(to)) as Counters | undefined) ?? { count: 0, bytes: 0, next: 1 }
  }

  private async share (to: string, from: string): Promise<Share> {
    return (await this.json.get(shareKey(to, from)) as Share | undefined) ?? { count: 0, bytes: 0 }
  }

  /**
   * The layout writes for changed messages of `to`'s mailbox (the holder's
   * deposits and acks, or a peer's): the message's keys, the counters and the
   * shares. A message already in the layout is not counted twice.
   */
  private async materialize (to: string, changes: Change[]): Promise<BatchOp[]> {
    const box = await this.counters(to)
    const before = box.bytes
    const shares = new Map<string, Share>()
    const shareOf = async (from: string): Promise<Share> => shares.get(from) ?? await this.share(to, from)
    const ops: BatchOp[] = []
    for (const c of changes) {
      if (!c.key.startsWith('m/')) continue
      const id = c.key.slice(2)
      const now = c.after === undefined ? undefined : decodeMail(c.after)
      // Where the message was filed, if it was: the id index says (a layout written before filed it by ord alone).
      const entry = c.before === undefined ? undefined : await this.json.get(idKey(to, id)) as IdEntry | undefined
      if (entry !== undefined) {
        const seq = seqIn(entry)
        const held = await this.json.get(mailKey(to, seq)) as MailRecord | undefined
        if (held !== undefined) {
          ops.push(
            { type: 'del', sublevel: this.json, key: mailKey(to, seq) },
            { type: 'del', sublevel: this.envelopes, key: envKey(to, seq) },
            { type: 'del', sublevel: this.json, key: idKey(to, id) },
            { type: 'del', sublevel: this.json, key: expKey(held.expiresAt, to, seq) }
          )
          box.count--
          box.bytes -= held.size
          const s = await shareOf(held.from)
          // Mail stored before shares were counted has none: a share never goes below zero.
          shares.set(held.from, { count: Math.max(0, s.count - 1), bytes: Math.max(0, s.bytes - held.size) })
        }
      }
      if (now !== undefined) {
        const seq = seqOf(now.header.ord, id)
        const size = now.envelope.byteLength
        const record: MailRecord = { id, from: now.header.from, depositedAt: now.header.depositedAt, expiresAt: now.header.expiresAt, size }
        ops.push(
          { type: 'put', sublevel: this.json, key: mailKey(to, seq), value: record },
          { type: 'put', sublevel: this.envelopes, key: envKey(to, seq), value: now.envelope },
          { type: 'put', sublevel: this.json, key: idKey(to, id), value: { seq, from: record.from } },
          { type: 'put', sublevel: this.json, key: expKey(record.expiresAt, to, seq), value: 1 }
        )
        box.count++
        box.bytes += size
        box.next = Math.max(box.next, now.header.ord + 1)
        const s = await shareOf(record.from)
        shares.set(record.from, { count: s.count + 1, bytes: s.bytes + size })
      }
    }
    ops.push({ type: 'put', sublevel: this.json, key: boxKey(to), value: box })
    for (const [from, share] of shares) {
      ops.push(share.count === 0
        ? { type: 'del', sublevel: this.json, key: shareKey(to, from) }
        : { type: 'put', sublevel: this.json, key: shareKey(to, from), value: share })
    }
    this.pendingBytes.set(`${MAIL_DOCS}${to}`, box.bytes - before)
    return ops
  }

  /** `to`'s expired messages: their ids and what deleting them frees. */
  private async expired (to: string, now: number): Promise<Array<{ id: string, from: string, size: number }>> {
    const out: Array<{ id: string, from: string, size: number }> = []
    for await (const [, value] of this.json.iterator({ gte: mailPrefix(to), lt: prefixEnd(mailPrefix(to)) })) {
      const record = value as MailRecord
      if (record.expiresAt <= now) out.push({ id: record.id, from: record.from, size: record.size })
    }
    return out
  }

  /**
   * Stores a message for `to`, once per id: a second deposit with an id
   * still held (from the same sender) is accepted and changes nothing.
   * QUOTA_EXCEEDED when `to`'s mailbox, the sender's share of it, or the
   * relay is full; ID_CONFLICT when another sender's message holds the id.
   * Resolves once another relay-eligible node has it (or none is live).
   */
  async deposit (to: string, from: string, id: string, envelope: Uint8Array, kept?: { depositedAt: number, expiresAt: number }): Promise<{ stored: boolean }> {
    let reservation = 0
    try {
      return await this.replication.mutate(`${MAIL_DOCS}${to}`, async tx => {
        const now = this.clock()
        const existing = await this.json.get(idKey(to, id)) as IdEntry | undefined
        let expiredHolder = false
        if (existing !== undefined) {
          const record = await this.json.get(mailKey(to, seqIn(existing))) as MailRecord | undefined
          if (record !== undefined && record.expiresAt > now) {
            if (existing.from !== from) throw new ServiceError('ID_CONFLICT', `${to} already holds a message with id ${id} from another sender: send it with a new id`)
            return { stored: false }
          }
          expiredHolder = true
        }
        const box = await this.counters(to)
        const share = await this.share(to, from)
        const size = envelope.byteLength
        const overQuota = (b: Share): boolean => b.count + 1 > this.limits.maxMessages || b.bytes + size > this.limits.maxBytes
        const overShare = (s: Share): boolean => s.count + 1 > this.limits.senderMaxMessages || s.bytes + size > this.limits.senderMaxBytes
        let freed = 0
        if (overQuota(box) || overShare(share) || expiredHolder) {
          // Expired mail counts for nothing: dropped before refusing (and the expired holder of this id).
          for (const e of await this.expired(to, now)) {
            tx.del(recordKey(e.id))
            box.count--
            box.bytes -= e.size
            freed += e.size
            if (e.from === from) {
              share.count--
              share.bytes -= e.size
            }
          }
        }
        if (overShare(share)) {
          throw new ServiceError('QUOTA_EXCEEDED', `${from} has as much mail waiting for ${to} as one sender may (${this.limits.senderMaxMessages} messages, ${this.limits.senderMaxBytes} bytes): it is kept and sent once they have fetched some`)
        }
        if (overQuota(box)) {
          throw new ServiceError('QUOTA_EXCEEDED', `the mailbox of ${to} is full (at most ${this.limits.maxMessages} messages and ${this.limits.maxBytes} bytes): try again once they have fetched their mail`)
        }
        if (this.totalBytes - freed + this.reserved + size > this.limits.relayMaxBytes) {
          throw new ServiceError('QUOTA_EXCEEDED', `the relay holds as much mail as it may (${this.limits.relayMaxBytes} bytes): try again later`)
        }
        // Reserved until committed, so concurrent deposits to other mailboxes see it.
        reservation = size
        this.reserved += size
        // Above every ord this mailbox had, and about the time in microseconds (random below the millisecond).
        const ord = Math.max(now * 1000 + randomInt(1000), box.next)
        const header: Header = { from, depositedAt: kept?.depositedAt ?? now, expiresAt: kept?.expiresAt ?? now + this.limits.ttlMs, ord }
        tx.put(recordKey(id), encodeMail(header, envelope))
        return { stored: true }
      }, { durable: true })
    } finally {
      this.reserved -= reservation
    }
  }

  /**
   * `to`'s unexpired mail, oldest first, after `cursor`: at most `limit`
   * messages and about `budgetBytes` of envelopes (at least one message).
   * Expired mail met on the way is deleted.
   */
  async fetch (to: string, limit: number, cursor: string | undefined, budgetBytes: number): Promise<FetchResult> {
    const now = this.clock()
    const prefix = mailPrefix(to)
    const picked: Array<{ seq: string, record: MailRecord }> = []
    const expired: string[] = []
    let bytes = 0
    let more = false
    const range = cursor === undefined ? { gte: prefix, lt: prefixEnd(prefix) } : { gt: prefix + cursor, lt: prefixEnd(prefix) }
    for await (const [key, value] of this.json.iterator(range)) {
      const seq = key.slice(prefix.length)
      const record = value as MailRecord
      if (record.expiresAt <= now) {
        expired.push(record.id)
        continue
      }
      if (picked.length >= limit || (picked.length > 0 && bytes + record.size > budgetBytes)) {
        more = true
        break
      }
      picked.push({ seq, record })
      bytes += record.size
    }
    if (expired.length > 0) await this.drop(to, expired, now)
    const envelopes = await this.envelopes.getMany(picked.map(p => envKey(to, p.seq)))
    const messages: Mail[] = []
    picked.forEach((p, i) => {
      const envelope = envelopes[i]
      if (envelope === undefined) return
      messages.push({ id: p.record.id, from: p.record.from, envelope: new Uint8Array(envelope), depositedAt: p.record.depositedAt, expiresAt: p.record.expiresAt, cursor: p.seq })
    })
    return { messages, more, cursor: picked.at(-1)?.seq ?? cursor ?? '' }
  }

  /** Deletes these expired messages (still expired when the doc's lock is had). */
  private async drop (to: string, ids: string[], now: number): Promise<number> {
    return this.replication.mutate(`${MAIL_DOCS}${to}`, async tx => {
      let n = 0
      for (const id of ids) {
        const entry = await this.json.get(idKey(to, id)) as IdEntry | undefined
        const record = entry === undefined ? undefined : await this.json.get(mailKey(to, seqIn(entry))) as MailRecord | undefined
        if (record === undefined || record.expiresAt > now || !tx.has(recordKey(id))) continue
        tx.del(recordKey(id))
        n++
      }
      return n
    })
  }

  /** Deletes `to`'s messages with these ids; returns how many it held. Resolves once another relay-eligible node has it. */
  async ack (to: string, ids: readonly string[]): Promise<number> {
    return this.replication.mutate(`${MAIL_DOCS}${to}`, tx => {
      let n = 0
      for (const id of new Set(ids)) {
        if (!tx.has(recordKey(id))) continue
        tx.del(recordKey(id))
        n++
      }
      return n
    }, { durable: true })
  }

  /** Deletes every expired message (through the expiry index); returns how many. */
  async prune (): Promise<number> {
    const now = this.clock()
    const boxes = new Map<string, string[]>()
    for await (const key of this.json.keys({ gte: 'mail-exp/', lt: `mail-exp/${pad(now + 1)}` })) {
      // mail-exp/<expiresAt>/<to>/<seq>: a seq's id may hold '/'.
      const [, , to, ...rest] = key.split('/')
      const seq = rest.join('/')
      if (to === undefined || seq === '') continue
      const record = await this.json.get(mailKey(to, seq)) as MailRecord | undefined
      if (record === undefined) continue
      boxes.set(to, [...(boxes.get(to) ?? []), record.id])
    }
    let pruned = 0
    for (const [to, ids] of boxes) pruned += await this.drop(to, ids, now)
    return pruned
  }

  /** The users with mail here. */
  async recipients (): Promise<string[]> {
    const users: string[] = []
    for await (const [key, value] of this.json.iterator({ gte: 'mailbox/', lt: prefixEnd('mailbox/') })) {
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
