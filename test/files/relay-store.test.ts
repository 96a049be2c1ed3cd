import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openMemoryStore } from '../../store/index.js'
import { chunkHash, chunkLength, fileKeys, sealChunk } from '../../src/files/chunks.js'
import { RelayFileStore, sealedSize } from '../../src/files/relay-store.js'
import { hasBit } from '../../src/files/bitmap.js'
import { Replication } from '../../src/replication/index.js'
import type { Store } from '../../store/index.js'
import type { RelayFilesInit } from '../../src/files/constants.js'

const KiB = 1024
const limits: Required<RelayFilesInit> = { maxBytes: 400 * KiB, userMaxBytes: 200 * KiB, fileMaxBytes: 150 * KiB, ttlMs: 60_000, pruneIntervalMs: 3_600_000, copyIntervalMs: 10_000, copyTimeoutMs: 5_000 }

/** A file of `size` bytes sealed in 16 KiB chunks: its upload and its chunks. */
function file (n: number, size: number, uploader = 'alice') {
  const id = new Uint8Array(16).fill(n)
  const keys = fileKeys(id, new Uint8Array(32).fill(n))
  const shape = { id, size, chunkSize: 16 * KiB }
  const count = Math.ceil(size / shape.chunkSize)
  const chunks = Array.from({ length: count }, (_, i) => sealChunk(keys.chunkKey, shape, i, new Uint8Array(chunkLength(shape, i)).fill(i)))
  const manifest = Buffer.concat(chunks.map(chunkHash))
  return { start: { id: Buffer.from(id).toString('hex'), uploader, accessKey: keys.accessKey, size, chunkSize: shape.chunkSize, manifest }, chunks }
}

describe('the relay\'s chunk store', () => {
  let store: Store
  let now: number
  let relay: RelayFileStore
  beforeEach(async () => {
    store = await openMemoryStore()
    now = 1_000_000
    relay = new RelayFileStore(store, limits, new Replication({ store, atRestKey: new Uint8Array(32).fill(7) }), () => now)
    await relay.start()
  })
  afterEach(async () => {
    await relay.stop()
  })

  it('keeps a file\'s chunks as uploaded, and serves them', async () => {
    const f = file(1, 40 * KiB)
    await relay.begin(f.start)
    for (const [i, c] of f.chunks.entries()) await relay.put(f.start.id, i, c)
    const held = await relay.get(f.start.id)
    expect(held?.count).toBe(3)
    expect([0, 1, 2].every(i => hasBit(held!.held, i))).toBe(true)
    expect(Buffer.from((await relay.chunk(f.start.id, 2))!)).toEqual(Buffer.from(f.chunks[2]!))
    expect(relay.usage('alice')).toBe(sealedSize(40 * KiB, 16 * KiB))
  })

  it('resumes an upload for its uploader (telling what it holds), and refuses the id to anyone else', async () => {
    const f = file(2, 40 * KiB)
    await relay.begin(f.start)
    await relay.put(f.start.id, 1, f.chunks[1]!)
    const again = await relay.begin(f.start)
    expect([hasBit(again.held, 0), hasBit(again.held, 1)]).toEqual([false, true])
    await expect(relay.begin({ ...f.start, uploader: 'mallory' })).rejects.toMatchObject({ code: 'FORBIDDEN' })
    await expect(relay.begin({ ...f.start, manifest: Buffer.alloc(f.start.manifest.length) })).rejects.toMatchObject({ code: 'FORBIDDEN' })
  })

  it('takes only the manifest\'s chunks, at indexes the file has', async () => {
    const f = file(3, 40 * KiB)
    await relay.begin(f.start)
    await expect(relay.put(f.start.id, 0, f.chunks[1]!)).rejects.toMatchObject({ code: 'CORRUPT' })
    await expect(relay.put(f.start.id, 3, f.chunks[0]!)).rejects.toMatchObject({ code: 'BAD_INDEX' })
    await expect(relay.put(f.start.id, 2 ** 32, f.chunks[0]!)).rejects.toMatchObject({ code: 'BAD_INDEX' })
    await expect(relay.put('ff'.repeat(16), 0, f.chunks[0]!)).rejects.toMatchObject({ code: 'UNKNOWN_FILE' })
    expect(await relay.chunk(f.start.id, 0)).toBeUndefined()
  })

  it('refuses what exceeds a quota up front: the file, the uploader, the relay', async () => {
    await expect(relay.begin(file(4, 160 * KiB).start)).rejects.toMatchObject({ code: 'QUOTA_EXCEEDED' })
    await relay.begin(file(5, 140 * KiB).start)
    await expect(relay.begin(file(6, 100 * KiB).start)).rejects.toMatchObject({ code: 'QUOTA_EXCEEDED' })
    await relay.begin(file(7, 140 * KiB, 'bob').start)
    await relay.begin(file(8, 100 * KiB, 'carol').start)
    await expect(relay.begin(file(9, 100 * KiB, 'dave').start)).rejects.toMatchObject({ code: 'QUOTA_EXCEEDED' })
  })

  it('forgets a file when it expires, or when its uploader removes it, and frees its quota', async () => {
    const a = file(10, 100 * KiB)
    const b = file(11, 50 * KiB)
    await relay.begin(a.start)
    await relay.put(a.start.id, 0, a.chunks[0]!)
    await expect(relay.remove(a.start.id, 'bob')).rejects.toMatchObject({ code: 'FORBIDDEN' })
    expect(await relay.remove(a.start.id, 'alice')).toBe(true)
    expect(await relay.get(a.start.id)).toBeUndefined()
    expect(await relay.chunk(a.start.id, 0)).toBeUndefined()
    await relay.begin(b.start)
    await relay.put(b.start.id, 0, b.chunks[0]!)
    now += limits.ttlMs
    expect(await relay.get(b.start.id)).toBeUndefined()
    expect(await relay.prune()).toBe(1)
    expect(relay.usage()).toBe(0)
    // Nothing of either is left in the store.
    const left: string[] = []
    for await (const k of store.sublevel('relay', 'bytes').keys()) left.push(k)
    expect(left).toEqual([])
  })

  it('counts what it holds again after a restart', async () => {
    const f = file(12, 100 * KiB)
    await relay.begin(f.start)
    await relay.stop()
    relay = new RelayFileStore(store, limits, new Replication({ store, atRestKey: new Uint8Array(32).fill(7) }), () => now)
    await relay.start()
    expect(relay.usage('alice')).toBe(sealedSize(100 * KiB, 16 * KiB))
    await expect(relay.begin(file(13, 120 * KiB).start)).rejects.toMatchObject({ code: 'QUOTA_EXCEEDED' })
  })
})
