/**
 * The relay's chunk store (docs/files.md, "At the relay"): sealed chunks a
 * sender uploaded for recipients who were away, with quotas (the relay, each
 * uploader, each file) and an expiry like mail's.
 *
 * Which files the relay keeps is replicated state: one doc, `relay/files`
 * (docs/replication.md), a record per file,
 *
 *   f/<id>    header RelayFileRecord (uploader, access key, shape, reserved bytes, times) and the manifest
 *
 * held by every relay-eligible node, which materializes it in the store's
 * 'relay' domain. The chunks are not in the doc (they can weigh gigabytes):
 * every relay-eligible node copies them by (file, index) over the file
 * protocol, each checked against the manifest (src/files/mirror.ts). Keys:
 *
 *   file/<id>                    json   RelayFileRecord  (materialized from the doc)
 *   file-manifest/<id>           bytes  the manifest (SHA-256 of every sealed chunk)
 *   file-chunk/<id>/<index>      bytes  one sealed chunk, index = 8 digits
 *   file-exp/<expiresAt>/<id>    json   1, the expiry index (16-digit ms)
 *
 * `<id>` is the file id in hex. A record deleted in the doc (its uploader
 * removed it, it expired) takes its chunks with it, on every node. Changes to
 * the doc and chunk writes run under the doc's lock, so a chunk never
 * outlives its record. It holds nothing anyone can read: the chunks are
 * sealed under a key only the recipients have, the manifest hashes them.
 */
import { prefixEnd } from '../../store/index.js'
import { packRecord, unpackRecord } from '../replication/index.js'
import { equalBytes, fromBase64, toBase64 } from '../crypto/index.js'
import { hasBit, newBitmap, setBit } from './bitmap.js'
import { checkChunk, chunkCount } from './chunks.js'
import { CHUNK_TAG_BYTES } from './constants.js'
import { FileError } from './errors.js'
import type { RelayFilesInit } from './constants.js'
import type { Change, Replication } from '../replication/index.js'
import type { BatchOp, KV, Store } from '../../store/index.js'

/** What the relay keeps about one uploaded file (its stored format). */
export interface RelayFileRecord {
  uploader: string
  /** base64 of the Ed25519 access key requesters prove the offer with */
  accessKey: string
  size: number
  chunkSize: number
  /** Sealed bytes of the whole file: what the quotas count from the start of the upload */
  reserved: number
  createdAt: number
  expiresAt: number
}

/** A file as the relay holds it: its record, its manifest, which chunks are here. */
export interface RelayFile {
  id: string
  record: RelayFileRecord
  accessKey: Uint8Array
  count: number
  manifest: Uint8Array
  /** Bit i (MSB first) set when chunk i is here */
  held: Uint8Array
}

export interface UploadStart {
  id: string
  uploader: string
  accessKey: Uint8Array
  size: number
  chunkSize: number
  manifest: Uint8Array
}

export const FILES_DOC = 'relay/files'
/** Files whose records and held chunks stay in memory. */
const CACHED_FILES = 64
const pad = (n: number, digits: number): string => String(n).padStart(digits, '0')
const docKey = (id: string): string => `f/${id}`
const recordKey = (id: string): string => `file/${id}`
const manifestKey = (id: string): string => `file-manifest/${id}`
const chunkPrefix = (id: string): string => `file-chunk/${id}/`
const chunkKey = (id: string, index: number): string => `${chunkPrefix(id)}${pad(index, 8)}`
const expKey = (expiresAt: number, id: string): string => `file-exp/${pad(expiresAt, 16)}/${id}`

/** Sealed bytes of a file of `size` in chunks of `chunkSize`: the plaintext and a tag per chunk. */
export function sealedSize (size: number, chunkSize: number): number {
  return size + chunkCount(size, chunkSize) * CHUNK_TAG_BYTES
}

/** A doc record: its header and manifest, undefined when it does not parse (a peer's records are sealed and checked first). */
function decodeFile (bytes: Uint8Array): { record: RelayFileRecord, manifest: Uint8Array } | undefined {
  const packed = unpackRecord(bytes)
  const r = packed?.header as RelayFileRecord | null | undefined
  if (r === undefined || r === null || typeof r.uploader !== 'string' || typeof r.accessKey !== 'string' || !Number.isSafeInteger(r.size) ||
    !Number.isSafeInteger(r.chunkSize) || !Number.isSafeInteger(r.reserved) || !Number.isSafeInteger(r.expiresAt)) return undefined
  return { record: r, manifest: packed!.body }
}

export class RelayFileStore {
  private readonly json: KV<unknown>
  private readonly bytes: KV<Uint8Array>
  /** Reserved bytes, all files together and per uploader: loaded by start(), kept in step with each commit */
  private total = 0
  private readonly perUser = new Map<string, number>()
  /** What the doc's change under way moves the counters by (materialized, counted once committed) */
  private pending: Array<{ uploader: string, bytes: number }> = []
  /** Files being uploaded or served, by id (their held chunks, so a put need not list the store) */
  private readonly cache = new Map<string, RelayFile>()
  /** Committed changes of the doc so far: a file read across one is not cached */
  private changes = 0
  /** Called with the ids of the files a committed change of the doc made or deleted */
  private readonly listeners = new Set<(ids: string[]) => void>()
  private timer?: ReturnType<typeof setInterval>

  constructor (private readonly store: Store, private readonly limits: Required<RelayFilesInit>, readonly replication: Replication, private readonly clock: () => number = Date.now) {
    this.json = store.sublevel<unknown>('relay', 'json')
    this.bytes = store.sublevel('relay', 'bytes')
    replication.define({
      prefix: FILES_DOC,
      role: 'relay',
      materialize: async (_doc, changes) => this.materialize(changes),
      committed: (_doc, changes) => { this.committed(changes) }
    })
  }

  /**
   * Loads the quota counters, files into the doc what an older version kept
   * only in the layout, prunes what expired while the node was down, and
   * prunes every pruneIntervalMs.
   */
  async start (): Promise<void> {
    await this.replication.start()
    this.total = 0
    this.perUser.clear()
    const unfiled: string[] = []
    const doc = await this.replication.open(FILES_DOC)
    for await (const [key, value] of this.json.iterator({ gte: 'file/', lt: prefixEnd('file/') })) {
      const r = value as RelayFileRecord
      this.count(r.uploader, r.reserved)
      const id = key.slice('file/'.length)
      if (!doc.has(docKey(id))) unfiled.push(id)
    }
    if (unfiled.length > 0) {
      await this.replication.mutate(FILES_DOC, async tx => {
        for (const id of unfiled) {
          const record = await this.json.get(recordKey(id)) as RelayFileRecord | undefined
          const manifest = await this.bytes.get(manifestKey(id))
          if (record !== undefined && manifest !== undefined && !tx.has(docKey(id))) tx.put(docKey(id), packRecord(record, manifest))
        }
      })
    }
    this.timer = setInterval(() => { this.prune().catch(() => {}) }, this.limits.pruneIntervalMs)
    this.timer.unref?.()
    await this.prune()
  }

  async stop (): Promise<void> {
    clearInterval(this.timer)
    this.timer = undefined
    await this.replication.lock.idle()
    this.cache.clear()
  }

  /** Bytes reserved by every upload together, and by one uploader. */
  usage (uploader?: string): number {
    return uploader === undefined ? this.total : this.perUser.get(uploader) ?? 0
  }

  /** Calls `fn` with the ids of the files each committed change of the doc made, changed or deleted; returns what stops it. */
  onChange (fn: (ids: string[]) => void): () => void {
    this.listeners.add(fn)
    return () => { this.listeners.delete(fn) }
  }

  /** The ids of the files held here (unexpired). */
  async ids (): Promise<string[]> {
    const now = this.clock()
    const out: string[] = []
    for await (const [key, value] of this.json.iterator({ gte: 'file/', lt: prefixEnd('file/') })) {
      if ((value as RelayFileRecord).expiresAt > now) out.push(key.slice('file/'.length))
    }
    return out
  }

  /** A file held here, waiting up to `ms` for its record to arrive (a peer's doc update under way); undefined when it does not. */
  async wait (id: string, ms: number): Promise<RelayFile | undefined> {
    let arrived!: () => void
    const stop = this.onChange(ids => { if (ids.includes(id)) arrived() })
    let timer: ReturnType<typeof setTimeout> | undefined
    try {
      const file = await this.get(id)
      if (file !== undefined) return file
      await new Promise<void>(resolve => {
        arrived = resolve
        timer = setTimeout(resolve, ms)
      })
      return await this.get(id)
    } finally {
      clearTimeout(timer)
      stop()
    }
  }

  /** A file held here (unexpired), or undefined. */
  async get (id: string): Promise<RelayFile | undefined> {
    const cached = this.cache.get(id)
    if (cached !== undefined) return cached.record.expiresAt > this.clock() ? cached : undefined
    const changes = this.changes
    const record = await this.json.get(recordKey(id)) as RelayFileRecord | undefined
    if (record === undefined || record.expiresAt <= this.clock()) return undefined
    const manifest = await this.bytes.get(manifestKey(id))
    if (manifest === undefined) return undefined
    const count = chunkCount(record.size, record.chunkSize)
    const held = newBitmap(count)
    for await (const key of this.bytes.keys({ gte: chunkPrefix(id), lt: prefixEnd(chunkPrefix(id)) })) setBit(held, Number(key.slice(chunkPrefix(id).length)))
    const file: RelayFile = { id, record, accessKey: fromBase64(record.accessKey), count, manifest: new Uint8Array(manifest), held }
    // Another read that finished first is the one chunk writes update; a change of the doc meanwhile makes this one stale.
    const raced = this.cache.get(id)
    if (raced !== undefined) return raced
    if (changes !== this.changes) return file
    this.cache.set(id, file)
    if (this.cache.size > CACHED_FILES) this.cache.delete(this.cache.keys().next().value!)
    return file
  }

  /**
   * Starts (or resumes) an upload: the whole file's sealed size is reserved
   * against the quotas at once (QUOTA_EXCEEDED, and nothing kept, when it
   * does not fit). The same uploader with the same manifest resumes, and is
   * told what is here already; anyone else gets FORBIDDEN. Resolves once
   * another relay-eligible node has the record (or none is live).
   */
  async begin (u: UploadStart): Promise<RelayFile> {
    const reserved = sealedSize(u.size, u.chunkSize)
    const { maxBytes, userMaxBytes, fileMaxBytes, ttlMs } = this.limits
    if (reserved > fileMaxBytes) throw new FileError('QUOTA_EXCEEDED', `the relay keeps files of at most ${fileMaxBytes} bytes; this one is ${reserved} sealed`)
    await this.replication.mutate(FILES_DOC, async tx => {
      const existing = await this.get(u.id)
      if (existing !== undefined) {
        if (existing.record.uploader !== u.uploader || !equalBytes(existing.manifest, u.manifest) || !equalBytes(existing.accessKey, u.accessKey)) {
          throw new FileError('FORBIDDEN', 'another upload holds this file id at the relay')
        }
        return
      }
      if (this.usage(u.uploader) + reserved > userMaxBytes) {
        throw new FileError('QUOTA_EXCEEDED', `${u.uploader} has ${this.usage(u.uploader)} bytes of files at the relay, of at most ${userMaxBytes}: try again once some have expired`)
      }
      if (this.total + reserved > maxBytes) throw new FileError('QUOTA_EXCEEDED', `the relay holds as many file bytes as it may (${maxBytes}): try again later`)
      const now = this.clock()
      const record: RelayFileRecord = { uploader: u.uploader, accessKey: toBase64(u.accessKey), size: u.size, chunkSize: u.chunkSize, reserved, createdAt: now, expiresAt: now + ttlMs }
      tx.put(docKey(u.id), packRecord(record, u.manifest))
    }, { durable: true })
    const file = await this.get(u.id)
    if (file === undefined) throw new FileError('UNKNOWN_FILE', 'the upload was removed as it began')
    return file
  }

  /** A file held here and a chunk of it the manifest names: UNKNOWN_FILE, BAD_INDEX, CORRUPT otherwise. */
  async check (id: string, index: number, sealed: Uint8Array): Promise<RelayFile> {
    const file = await this.get(id)
    if (file === undefined) throw new FileError('UNKNOWN_FILE', 'no upload of this file at the relay (expired?)')
    if (!Number.isInteger(index) || index < 0 || index >= file.count) throw new FileError('BAD_INDEX', `chunk ${index} of a file of ${file.count}`)
    if (!checkChunk(file.manifest, index, sealed)) throw new FileError('CORRUPT', `chunk ${index} is not the one the manifest names`)
    return file
  }

  /** Stores one sealed chunk (checked first, see check()); a chunk held already changes nothing. */
  async put (id: string, index: number, sealed: Uint8Array): Promise<void> {
    const checked = await this.check(id, index, sealed)
    if (hasBit(checked.held, index)) return
    await this.replication.lock.run(FILES_DOC, async () => {
      // The record may have gone (or changed) meanwhile: a chunk never outlives it.
      const file = await this.get(id)
      if (file === undefined || !equalBytes(file.manifest, checked.manifest)) throw new FileError('UNKNOWN_FILE', 'the file was removed from the relay')
      if (hasBit(file.held, index)) return
      await this.store.batch([{ type: 'put', sublevel: this.bytes, key: chunkKey(id, index), value: sealed }])
      setBit(file.held, index)
    })
  }

  /** A sealed chunk held here, or undefined. */
  async chunk (id: string, index: number): Promise<Uint8Array | undefined> {
    const value = await this.bytes.get(chunkKey(id, index))
    return value === undefined ? undefined : new Uint8Array(value.buffer, value.byteOffset, value.byteLength)
  }

  /** Deletes a file (its uploader cancelled it): FORBIDDEN for anyone else; false when it was not here. */
  async remove (id: string, uploader: string): Promise<boolean> {
    return this.replication.mutate(FILES_DOC, async tx => {
      const record = await this.json.get(recordKey(id)) as RelayFileRecord | undefined
      if (record === undefined || !tx.has(docKey(id))) return false
      if (record.uploader !== uploader) throw new FileError('FORBIDDEN', 'only its uploader can remove a file from the relay')
      tx.del(docKey(id))
      return true
    }, { durable: true })
  }

  /** Deletes every expired file (through the expiry index); returns how many. */
  async prune (): Promise<number> {
    const now = this.clock()
    const expired: string[] = []
    for await (const key of this.json.keys({ gte: 'file-exp/', lt: `file-exp/${pad(now + 1, 16)}` })) {
      const id = key.split('/')[2]
      if (id !== undefined) expired.push(id)
    }
    if (expired.length === 0) return 0
    return this.replication.mutate(FILES_DOC, async tx => {
      let pruned = 0
      for (const id of expired) {
        const record = await this.json.get(recordKey(id)) as RelayFileRecord | undefined
        if (record === undefined || record.expiresAt > now || !tx.has(docKey(id))) continue
        tx.del(docKey(id))
        pruned++
      }
      return pruned
    })
  }

  /**
   * The layout writes for changed file records (the holder's or a peer's):
   * the record, its manifest and expiry; a deleted record, or one whose
   * manifest changed, takes its chunks with it.
   */
  private async materialize (changes: Change[]): Promise<BatchOp[]> {
    this.pending = []
    const ops: BatchOp[] = []
    for (const c of changes) {
      if (!c.key.startsWith('f/')) continue
      const id = c.key.slice(2)
      const now = c.after === undefined ? undefined : decodeFile(c.after)
      const old = await this.json.get(recordKey(id)) as RelayFileRecord | undefined
      if (old !== undefined) {
        ops.push({ type: 'del', sublevel: this.json, key: expKey(old.expiresAt, id) })
        this.pending.push({ uploader: old.uploader, bytes: -old.reserved })
        const manifest = await this.bytes.get(manifestKey(id))
        if (now === undefined || manifest === undefined || !equalBytes(manifest, now.manifest)) {
          for await (const key of this.bytes.keys({ gte: chunkPrefix(id), lt: prefixEnd(chunkPrefix(id)) })) ops.push({ type: 'del', sublevel: this.bytes, key })
        }
      }
      if (now === undefined) {
        ops.push({ type: 'del', sublevel: this.json, key: recordKey(id) }, { type: 'del', sublevel: this.bytes, key: manifestKey(id) })
        continue
      }
      ops.push(
        { type: 'put', sublevel: this.json, key: recordKey(id), value: now.record },
        { type: 'put', sublevel: this.bytes, key: manifestKey(id), value: now.manifest },
        { type: 'put', sublevel: this.json, key: expKey(now.record.expiresAt, id), value: 1 }
      )
      this.pending.push({ uploader: now.record.uploader, bytes: now.record.reserved })
    }
    return ops
  }

  private committed (changes: Change[]): void {
    for (const p of this.pending) this.count(p.uploader, p.bytes)
    this.pending = []
    const ids = changes.filter(c => c.key.startsWith('f/')).map(c => c.key.slice(2))
    this.changes++
    for (const id of ids) this.cache.delete(id)
    if (ids.length > 0) for (const fn of this.listeners) fn(ids)
  }

  private count (uploader: string, bytes: number): void {
    this.total += bytes
    const left = this.usage(uploader) + bytes
    if (left <= 0) this.perUser.delete(uploader)
    else this.perUser.set(uploader, left)
  }
}
