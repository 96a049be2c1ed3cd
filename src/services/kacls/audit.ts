/**
 * The KACLS audit log: one record per wrap, unwrap and rewrap, granted or
 * refused, and per new KEK version. Append-only and unbounded by design (it
 * is an audit log); read newest first in pages. Records are replicated to
 * every kacls-eligible node (docs/replication.md), one doc per week
 * (`kacls/audit/<week>`, record key = the record's id), and materialized in
 * the `kacls` sublevel under `audit/<id, 16 hex digits>`, so key order is
 * append order. An id is (ms << 16 | 16 random bits), and above every id seen:
 * two holders on the two sides of a partition (almost surely) make
 * different ones, and both logs merge into one.
 */
import { randomInt } from 'node:crypto'
import { ServiceError } from '../errors.js'
import { DEFAULT_AUDIT_PAGE, MAX_AUDIT_PAGE } from './constants.js'
import type { Change, Replication } from '../../replication/index.js'
import type { BatchOp, KV } from '../../../store/index.js'
import type { PeerIdStr } from '../../net/index.js'

export type AuditOp = 'wrap' | 'unwrap' | 'rewrap' | 'rotate'

export interface AuditRecord {
  /** The record's sequence number, 16 hex digits: the paging cursor */
  id: string
  /** ms since the epoch, by the KACLS's clock */
  time: number
  op: AuditOp
  /** The caller's username from a verified identity token, '' when none was verified */
  user: string
  /** The calling node (authenticated by the connection); the KACLS itself for 'rotate' */
  peer: PeerIdStr
  /** The resource as requested (bounded, control characters replaced), '' when none */
  resource: string
  outcome: 'ok' | 'refused'
  /** 'OK', or the error code the caller got */
  code: string
  /** The caller's stated reason, as given (bounded) */
  reason: string
  /** The KEK version: wrapped under (wrap, rotate), or named by the blob (unwrap, rewrap); 0 when none */
  kekVersion: number
  /** rewrap: the KEK version the key was moved to; 0 otherwise */
  newKekVersion: number
}

export interface AuditPage {
  /** Newest first */
  records: AuditRecord[]
  /** Pass as `before` for the next (older) page; null on the last page */
  next: string | null
}

export const AUDIT_PREFIX = 'audit/'
const AUDIT_END = 'audit0'
/** The number of records, beside them in the same sublevel (outside their range) */
const COUNT_KEY = 'audit-count'
const ID = /^[0-9a-f]{16}$/
export const AUDIT_DOCS = 'kacls/audit/'
const WEEK_MS = 7 * 24 * 3600_000

const utf8 = new TextEncoder()
const text = new TextDecoder()

export class AuditLog {
  private readonly kv: KV<AuditRecord>
  /** The highest id seen (0n: none) */
  private last = 0n
  private records = 0

  constructor (kv: KV<AuditRecord>, private readonly replication: Replication, private readonly clock: () => number) {
    this.kv = kv
    replication.define({ prefix: AUDIT_DOCS, role: 'kacls', materialize: (_doc, changes) => this.materialize(changes) })
  }

  private materialize (changes: Change[]): BatchOp[] {
    const ops: BatchOp[] = []
    const before = this.records
    for (const c of changes) {
      if (!ID.test(c.key)) continue
      if (c.after === undefined) {
        ops.push({ type: 'del', sublevel: this.kv, key: AUDIT_PREFIX + c.key })
        if (c.before !== undefined) this.records--
        continue
      }
      const record = JSON.parse(text.decode(c.after)) as AuditRecord
      ops.push({ type: 'put', sublevel: this.kv, key: AUDIT_PREFIX + c.key, value: { ...record, id: c.key } })
      if (c.before === undefined) this.records++
      const id = BigInt(`0x${c.key}`)
      if (id > this.last) this.last = id
    }
    if (this.records !== before) ops.push({ type: 'put', sublevel: this.kv as unknown as KV<number>, key: COUNT_KEY, value: this.records })
    return ops
  }

  /** Finds where the log ends, so appends continue after it, and how long it is. */
  async load (): Promise<void> {
    const [lastKey] = await this.kv.keys({ gte: AUDIT_PREFIX, lt: AUDIT_END, reverse: true, limit: 1 }).all()
    if (lastKey !== undefined) this.last = BigInt(`0x${lastKey.slice(AUDIT_PREFIX.length)}`)
    const counted = await (this.kv as unknown as KV<number>).get(COUNT_KEY)
    if (typeof counted === 'number') {
      this.records = counted
      return
    }
    // A log written before the count was kept: counted once, and the count kept from now on.
    let n = 0
    for await (const _ of this.kv.keys({ gte: AUDIT_PREFIX, lt: AUDIT_END })) n++
    this.records = n
    await (this.kv as unknown as KV<number>).put(COUNT_KEY, n)
  }

  /** Records in the log. */
  get count (): number {
    return this.records
  }

  /**
   * Appends a record; resolves once it is written here and at another
   * kacls-eligible node (or here alone when none is live). The id is taken
   * at once, so concurrent appends never collide.
   */
  async append (entry: Omit<AuditRecord, 'id'>): Promise<AuditRecord> {
    const stamp = (BigInt(this.clock()) << 16n) | BigInt(randomInt(0x10000))
    this.last = stamp > this.last ? stamp : this.last + 1n
    const id = this.last.toString(16).padStart(16, '0')
    const record: AuditRecord = { id, ...entry }
    const week = Math.floor(entry.time / WEEK_MS)
    await this.replication.mutate(`${AUDIT_DOCS}${week}`, tx => { tx.put(id, utf8.encode(JSON.stringify(record))) }, { durable: true })
    return record
  }

  /** Up to `limit` records older than `before` (an id from a previous page), newest first. */
  async page (limit: number = DEFAULT_AUDIT_PAGE, before?: string): Promise<AuditPage> {
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_AUDIT_PAGE) {
      throw new ServiceError('BAD_REQUEST', `limit: a page is 1 to ${MAX_AUDIT_PAGE} records`)
    }
    if (before !== undefined && !ID.test(before)) throw new ServiceError('BAD_REQUEST', 'before: pass the `next` of a previous page (16 hex digits)')
    const values = await this.kv.values({ gte: AUDIT_PREFIX, lt: before === undefined ? AUDIT_END : AUDIT_PREFIX + before, reverse: true, limit: limit + 1 }).all()
    const records = values.slice(0, limit)
    return { records, next: values.length > limit ? records[records.length - 1]?.id ?? null : null }
  }
}
