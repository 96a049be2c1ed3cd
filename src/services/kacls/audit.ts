/**
 * The KACLS audit log: one record per wrap, unwrap and rewrap, granted or
 * refused, and per new KEK version. Append-only and unbounded by design (it
 * is an audit log); read newest first in pages. Records live in the `kacls`
 * sublevel under `audit/<sequence, 16 hex digits>`, so key order is append order.
 */
import { ServiceError } from '../errors.js'
import { DEFAULT_AUDIT_PAGE, MAX_AUDIT_PAGE } from './constants.js'
import type { KV } from '../../../store/index.js'
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
const ID = /^[0-9a-f]{16}$/

const idOf = (seq: number): string => seq.toString(16).padStart(16, '0')

export class AuditLog {
  private readonly kv: KV<AuditRecord>
  /** Sequence number of the last record appended (0: none) */
  private last = 0

  constructor (kv: KV<AuditRecord>) {
    this.kv = kv
  }

  /** Finds where the log ends, so appends continue the sequence after a restart. */
  async load (): Promise<void> {
    const [lastKey] = await this.kv.keys({ gte: AUDIT_PREFIX, lt: AUDIT_END, reverse: true, limit: 1 }).all()
    this.last = lastKey === undefined ? 0 : parseInt(lastKey.slice(AUDIT_PREFIX.length), 16)
  }

  /** Records ever appended. */
  get count (): number {
    return this.last
  }

  /** Appends a record; resolves once it is written. The sequence number is taken at once, so concurrent appends never collide. */
  async append (entry: Omit<AuditRecord, 'id'>): Promise<AuditRecord> {
    const id = idOf(++this.last)
    const record: AuditRecord = { id, ...entry }
    await this.kv.put(AUDIT_PREFIX + id, record)
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
