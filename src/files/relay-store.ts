/**
 * The relay's chunk store (docs/files.md, "At the relay"): sealed chunks a
 * sender uploaded for recipients who were away, with quotas (the relay, each
 * uploader, each file) and an expiry like mail's. A component of its own in
 * the store's 'relay' domain, so that relay replication can copy it like the
 * mailboxes; its keys:
 *
 *   file/<id>                    json   RelayFileRecord  (uploader, access key, shape, reserved bytes, times)
 *   file-manifest/<id>           bytes  the manifest (SHA-256 of every sealed chunk)
 *   file-chunk/<id>/<index>      bytes  one sealed chunk, index = 8 digits
 *   file-exp/<expiresAt>/<id>    json   1, the expiry index (16-digit ms)
 *
 * `<id>` is the file id in hex. Every change to a file is one atomic batch
 * under that file's lock. It holds nothing anyone can read: the chunks are
 * sealed under a key only the recipients have, the manifest hashes them.
 */
import { prefixEnd } from '../../store/index.js'
import { KeyedLock } from '../lock.js'
import { equalBytes, fromBase64, toBase64 } from '../crypto/index.js'
import { hasBit, newBitmap, setBit } from './bitmap.js'
import { checkChunk, chunkCount } from './chunks.js'
import { CHUNK_TAG_BYTES } from './constants.js'
import { FileError } from './errors.js'
import type { RelayFilesInit } from './constants.js'
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

/** Files whose records and held chunks stay in memory. */
const CACHED_FILES = 64
const pad = (n: number, digits: number): string => String(n).padStart(digits, '0')
const recordKey = (id: string): string => `file/${id}`
const manifestKey = (id: string): string => `file-manifest/${id}`
const chunkPrefix = (id: string): string => `file-chunk/${id}/`
const chunkKey = (id: string, index: number): string => `${chunkPrefix(id)}${pad(index, 8)}`
const expKey = (expiresAt: number, id: string): string => `file-exp/${pad(expiresAt, 16)}/${id}`

/** Sealed bytes of a file of `size` in chunks of `chunkSize`: the plaintext and a tag per chunk. */
export function sealedSize (size: number, chunkSize: number): number {
  return size + chunkCount(size, chunkSize) * CHUNK_TAG_BYTES
}

export class RelayFileStore {
  private readonly json: KV<unknown>
  private readonly bytes: KV<Uint8Array>
  private readonly lock = new KeyedLock()
  /** Reserved bytes, all files together and per uploader: loaded by open(), kept in step with each batch */
  private total = 0
  private readonly perUser = new Map<string, number>()
  /** Files being uploaded or served, by id (their held chunks, so a put need not list the store) */
  private readonly cache = new Map<string, RelayFile>()
  private timer?: ReturnType<typeof setInterval>

  constructor (private readonly store: Store, private readonly limits: Required<RelayFilesInit>, private readonly clock: () => number = Date.now) {
    this.json = store.sublevel<unknown>('relay', 'json')
    this.bytes = store.sublevel('relay', 'bytes')
  }

  /** Loads the quota counters, prunes what expired while the node was down, and prunes every pruneIntervalMs. */
  async start (): Promise<void> {
    this.total = 0
    this.perUser.clear()
    for await (const [, value] of this.json.iterator({ gte: 'file/', lt: prefixEnd('file/') })) {
      const r = value as RelayFileRecord
      this.total += r.reserved
      this.perUser.set(r.uploader, (this.perUser.get(r.uploader) ?? 0) + r.reserved)
    }
    this.timer = setInterval(() => { this.prune().catch(() => {}) }, this.limits.pruneIntervalMs)
    this.timer.unref?.()
    await this.prune()
  }

  async stop (): Promise<void> {
    clearInterval(this.timer)
    this.timer = undefined
    await this.lock.idle()
    this.cache.clear()
  }

  /** Bytes reserved by every upload together, and by one uploader. */
  usage (uploader?: string): number {
    return uploader === undefined ? this.total : this.perUser.get(uploader) ?? 0
  }

  /** A file held here (unexpired), or undefined. */
  async get (id: string): Promise<RelayFile | undefined> {
    const cached = this.cache.get(id)
    if (cached !== undefined) return cached.record.expiresAt > this.clock() ? cached : undefined
    const record = await this.json.get(recordKey(id)) as RelayFileRecord | undefined
    if (record === undefined || record.expiresAt <= this.clock()) return undefined
    const manifest = await this.bytes.get(manifestKey(id))
    if (manifest === undefined) return undefined
    const count = chunkCount(record.size, record.chunkSize)
    const held = newBitmap(count)
    for await (const key of this.bytes.keys({ gte: chunkPrefix(id), lt: prefixEnd(chunkPrefix(id)) })) setBit(held, Number(key.slice(chunkPrefix(id).length)))
    const file: RelayFile = { id, record, accessKey: fromBase64(record.accessKey), count, manifest: new Uint8Array(manifest), held }
    this.remember(file)
    return file
  }

  /** Keeps a file's record and held chunks in memory (the most recent CACHED_FILES). */
  private remember (file: RelayFile): void {
    this.cache.delete(file.id)
    this.cache.set(file.id, file)
    if (this.cache.size > CACHED_FILES) this.cache.delete(this.cache.keys().next().value!)
  }

  /**
   * Starts (or resumes) an upload: the whole file's sealed size is reserved
   * against the quotas at once (QUOTA_EXCEEDED, and nothing kept, when it
   * does not fit). The same uploader with the same manifest resumes, and is
   * told what is here already; anyone else gets FORBIDDEN.
   */
  async begin (u: UploadStart): Promise<RelayFile> {
    return this.lock.run(u.id, async () => {
      const existing = await this.get(u.id)
      if (existing !== undefined) {
        if (existing.record.uploader !== u.uploader || !equalBytes(existing.manifest, u.manifest) || !equalBytes(existing.accessKey, u.accessKey)) {
          throw new FileError('FORBIDDEN', 'another upload holds this file id at the relay')
        }
        return existing
      }
      const reserved = sealedSize(u.size, u.chunkSize)
      const { maxBytes, userMaxBytes, fileMaxBytes, ttlMs } = this.limits
      if (reserved > fileMaxBytes) throw new FileError('QUOTA_EXCEEDED', `the relay keeps files of at most ${fileMaxBytes} bytes; this one is ${reserved} sealed`)
      if (this.usage(u.uploader) + reserved > userMaxBytes) {
        throw new FileError('QUOTA_EXCEEDED', `${u.uploader} has ${this.usage(u.uploader)} bytes of files at the relay, of at most ${userMaxBytes}: try again once some have expired`)
      }
      if (this.total + reserved > maxBytes) throw new FileError('QUOTA_EXCEEDED', `the relay holds as many file bytes as it may (${maxBytes}): try again later`)
      const now = this.clock()
      const record: RelayFileRecord = { uploader: u.uploader, accessKey: toBase64(u.accessKey), size: u.size, chunkSize: u.chunkSize, reserved, createdAt: now, expiresAt: now + ttlMs }
      // Reserved before the write, so concurrent uploads see it.
      this.total += reserved
      this.perUser.set(u.uploader, this.usage(u.uploader) + reserved)
      try {
        await this.store.batch([
          { type: 'put', sublevel: this.json, key: recordKey(u.id), value: record },
          { type: 'put', sublevel: this.bytes, key: manifestKey(u.id), value: u.manifest },
          { type: 'put', sublevel: this.json, key: expKey(record.expiresAt, u.id), value: 1 }
        ])
      } catch (err) {
        this.release(u.uploader, reserved)
        throw err
      }
      const count = chunkCount(u.size, u.chunkSize)
      const file: RelayFile = { id: u.id, record, accessKey: u.accessKey, count, manifest: u.manifest, held: newBitmap(count) }
      this.remember(file)
      return file
    })
  }

  /** Stores one sealed chunk of an upload under way: BAD_INDEX, or CORRUPT when it is not the manifest's. */
  async put (id: string, index: number, sealed: Uint8Array): Promise<void> {
    await this.lock.run(id, async () => {
      const file = await this.get(id)
      if (file === undefined) throw new FileError('UNKNOWN_FILE', 'no upload of this file at the relay (expired?)')
      if (!Number.isInteger(index) || index < 0 || index >= file.count) throw new FileError('BAD_INDEX', `chunk ${index} of a file of ${file.count}`)
      if (hasBit(file.held, index)) return
      if (!checkChunk(file.manifest, index, sealed)) throw new FileError('CORRUPT', `chunk ${index} is not the one the manifest names`)
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
    return this.lock.run(id, async () => {
      const record = await this.json.get(recordKey(id)) as RelayFileRecord | undefined
      if (record === undefined) return false
      if (record.uploader !== uploader) throw new FileError('FORBIDDEN', 'only its uploader can remove a file from the relay')
      await this.deleteFile(id, record)
      return true
    })
  }

  /** Deletes every expired file (through the expiry index); returns how many. */
  async prune (): Promise<number> {
    const now = this.clock()
    const expired: string[] = []
    for await (const key of this.json.keys({ gte: 'file-exp/', lt: `file-exp/${pad(now + 1, 16)}` })) {
      const id = key.split('/')[2]
      if (id !== undefined) expired.push(id)
    }
    let pruned = 0
    for (const id of expired) {
      pruned += await this.lock.run(id, async () => {
        const record = await this.json.get(recordKey(id)) as RelayFileRecord | undefined
        if (record === undefined || record.expiresAt > now) return 0
        await this.deleteFile(id, record)
        return 1
      })
    }
    return pruned
  }

  /** Every key of a file, deleted in one batch (under its lock). */
  private async deleteFile (id: string, record: RelayFileRecord): Promise<void> {
    const ops: BatchOp[] = [
      { type: 'del', sublevel: this.json, key: recordKey(id) },
      { type: 'del', sublevel: this.bytes, key: manifestKey(id) },
      { type: 'del', sublevel: this.json, key: expKey(record.expiresAt, id) }
    ]
    for await (const key of this.bytes.keys({ gte: chunkPrefix(id), lt: prefixEnd(chunkPrefix(id)) })) ops.push({ type: 'del', sublevel: this.bytes, key })
    await this.store.batch(ops)
    this.cache.delete(id)
    this.release(record.uploader, record.reserved)
  }

  private release (uploader: string, bytes: number): void {
    this.total -= bytes
    const left = this.usage(uploader) - bytes
    if (left <= 0) this.perUser.delete(uploader)
    else this.perUser.set(uploader, left)
  }
}
