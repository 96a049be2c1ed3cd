import { afterEach, describe, expect, it, vi } from 'vitest'
import { createLogger } from '../../src/logger.js'
import { newBitmap, setBit } from '../../src/files/bitmap.js'
import { chunkHash, chunkLength, fileKeys, manifestRoot, sealChunk } from '../../src/files/chunks.js'
import { Download } from '../../src/files/download.js'
import { FileError } from '../../src/files/errors.js'
import type { DownloadInit } from '../../src/files/download.js'
import type { SourceDialer, SourceHandlers } from '../../src/files/index.js'

const KiB = 1024
const id = new Uint8Array(16).fill(3)
const keys = fileKeys(id, new Uint8Array(32).fill(5))
const shape = { id, size: 20 * 16 * KiB + 7, chunkSize: 16 * KiB }
const count = 21
const plains = Array.from({ length: count }, (_, i) => new Uint8Array(chunkLength(shape, i)).map((_, j) => (i * 7 + j) & 0xff))
const sealed = plains.map((p, i) => sealChunk(keys.chunkKey, shape, i, p))
const manifest = Buffer.concat(sealed.map(chunkHash))
const root = manifestRoot(id, manifest)
const init: DownloadInit = { sourceWindowBytes: 64 * KiB, windowBytes: 256 * KiB, maxSources: 8, stallMs: 5_000, retryMinMs: 100, retryMaxMs: 1_000 }

type Behaviour = 'honest' | 'liar' | 'stall' | 'unasked' | 'bad-manifest' | 'not-held' | 'gone'

interface Fake {
  behaviour: Behaviour
  holds?: true | Uint8Array
  /** Every want frame it got */
  wants: number[][]
  /** The most chunk bytes it had asked of it and not sent, at once */
  maxOutstanding: number
  dials: number
}

/** Sources in memory: each peer behaves as told; chunks come on a later turn, as from a network. */
function sources (spec: Record<string, Partial<Fake> & { behaviour: Behaviour }>): { dial: SourceDialer, fakes: Record<string, Fake> } {
  const fakes: Record<string, Fake> = {}
  for (const [peer, s] of Object.entries(spec)) fakes[peer] = { wants: [], maxOutstanding: 0, dials: 0, holds: true, ...s }
  const dial: SourceDialer = async (peer, hello, h: SourceHandlers) => {
    const f = fakes[peer]
    if (f === undefined) throw new Error(`no route to ${peer}`)
    f.dials++
    if (f.behaviour === 'gone') throw new Error('connection refused')
    let outstanding = 0
    let closed = false
    const later = (fn: () => void): void => { setTimeout(() => { if (!closed) fn() }, 1) }
    later(() => {
      h.onHave(f.holds!)
      if (hello.manifest) h.onManifest(f.behaviour === 'bad-manifest' ? Buffer.alloc(manifest.length, 1) : manifest)
    })
    return {
      peer,
      want: indexes => {
        f.wants.push(indexes)
        outstanding += indexes.reduce((n, i) => n + sealed[i]!.length, 0)
        f.maxOutstanding = Math.max(f.maxOutstanding, outstanding)
        for (const i of indexes) {
          later(() => {
            outstanding -= sealed[i]!.length
            if (f.behaviour === 'stall') return
            if (f.behaviour === 'not-held') h.onRefusal('NOT_HELD', 'not here', i)
            else if (f.behaviour === 'liar') h.onChunk(i, Buffer.from(sealed[(i + 1) % count]!))
            else if (f.behaviour === 'unasked') {
              // A chunk it was never asked for (the next one might have been: the order is random).
              const asked = new Set(f.wants.flat())
              const other = [...Array(count).keys()].find(j => !asked.has(j))!
              h.onChunk(other, sealed[other]!)
            }
            else h.onChunk(i, sealed[i]!)
          })
        }
      },
      done: () => {},
      close: () => { closed = true }
    }
  }
  return { dial, fakes }
}

function download (dial: SourceDialer, peers: () => string[], have = newBitmap(count), opts: { manifest?: Uint8Array, write?: (i: number, p: Uint8Array) => Promise<void>, init?: Partial<DownloadInit> } = {}) {
  const disk = new Map<number, Uint8Array>()
  const d = new Download({ shape, chunkKey: keys.chunkKey, root, manifest: opts.manifest, have }, {
    dial,
    candidates: peers,
    hello: (_peer, wantManifest) => ({ file: id as Uint8Array<ArrayBuffer>, proof: new Uint8Array(), manifest: wantManifest }),
    write: opts.write ?? (async (i, p) => { disk.set(i, new Uint8Array(p)) }),
    keepManifest: async () => {},
    received: () => {},
    clock: Date.now,
    log: createLogger('test:download')
  }, { ...init, ...opts.init })
  return { d, disk }
}

const whole = (disk: Map<number, Uint8Array>): boolean => plains.every((p, i) => disk.get(i) !== undefined && Buffer.from(disk.get(i)!).equals(Buffer.from(p)))

describe('a download', () => {
  afterEach(() => { vi.useRealTimers() })

  it('fetches every chunk from a source, checked, each written once at its place', async () => {
    const { dial, fakes } = sources({ sender: { behaviour: 'honest' } })
    const { d, disk } = download(dial, () => ['sender'])
    d.start()
    expect(await d.finished).toBe('complete')
    expect(whole(disk)).toBe(true)
    expect(fakes.sender!.wants.flat().sort((a, b) => a - b)).toEqual([...Array(count).keys()])
  })

  it('never asks one source for more than its window, nor all for more than theirs', async () => {
    const { dial, fakes } = sources({ a: { behaviour: 'honest' }, b: { behaviour: 'honest' } })
    const { d } = download(dial, () => ['a', 'b'])
    d.start()
    await d.finished
    for (const f of Object.values(fakes)) expect(f.maxOutstanding).toBeLessThanOrEqual(init.sourceWindowBytes + 16 * KiB + 16)
    expect(fakes.a!.wants.flat().length + fakes.b!.wants.flat().length).toBeGreaterThanOrEqual(count)
    expect(fakes.a!.wants.length).toBeGreaterThan(0)
    expect(fakes.b!.wants.length).toBeGreaterThan(0)
  })

  it('asks a source for a few chunks at a time once part of its window is free, not for each chunk received', async () => {
    const { dial, fakes } = sources({ sender: { behaviour: 'honest' } })
    const { d, disk } = download(dial, () => ['sender'], newBitmap(count), { init: { sourceWindowBytes: 128 * KiB } })
    d.start()
    expect(await d.finished).toBe('complete')
    expect(whole(disk)).toBe(true)
    const wants = fakes.sender!.wants
    // The window's worth first, then batches (the last may be what is left).
    expect(wants.length).toBeLessThan(count / 2)
    expect(wants.slice(0, -1).every(w => w.length >= 2)).toBe(true)
  })

  it('resumes: only the chunks not on disk are asked for', async () => {
    const have = newBitmap(count)
    for (let i = 0; i < 15; i++) setBit(have, i)
    const { dial, fakes } = sources({ sender: { behaviour: 'honest' } })
    const { d, disk } = download(dial, () => ['sender'], have, { manifest })
    d.start()
    await d.finished
    expect(fakes.sender!.wants.flat().sort((a, b) => a - b)).toEqual([15, 16, 17, 18, 19, 20])
    expect([...disk.keys()].sort((a, b) => a - b)).toEqual([15, 16, 17, 18, 19, 20])
  })

  it('drops a source that serves a chunk the manifest does not name (for good) and gets it elsewhere', async () => {
    const { dial, fakes } = sources({ liar: { behaviour: 'liar' }, honest: { behaviour: 'honest' } })
    const { d, disk } = download(dial, () => ['liar', 'honest'])
    d.start()
    expect(await d.finished).toBe('complete')
    expect(whole(disk)).toBe(true)
    expect(fakes.liar!.dials).toBe(1)
  })

  it('drops a source that sends a chunk it was not asked for, and one whose manifest is not the offer\'s', async () => {
    const { dial, fakes } = sources({ pushy: { behaviour: 'unasked' }, forger: { behaviour: 'bad-manifest' }, honest: { behaviour: 'honest' } })
    const { d, disk } = download(dial, () => ['forger', 'pushy', 'honest'])
    d.start()
    expect(await d.finished).toBe('complete')
    expect(whole(disk)).toBe(true)
    // Dropped at its first unasked chunk, never asked again.
    expect(fakes.pushy!.dials).toBe(1)
    expect(fakes.pushy!.wants).toHaveLength(1)
    expect(fakes.forger!.dials).toBe(1)
    expect(fakes.forger!.wants).toHaveLength(0)
  })

  it('asks elsewhere for what a source says it does not hold', async () => {
    const { dial } = sources({ empty: { behaviour: 'not-held' }, honest: { behaviour: 'honest' } })
    const { d, disk } = download(dial, () => ['empty', 'honest'])
    d.start()
    expect(await d.finished).toBe('complete')
    expect(whole(disk)).toBe(true)
  })

  it('takes from members only what each holds', async () => {
    const odd = newBitmap(count)
    const even = newBitmap(count)
    for (let i = 0; i < count; i++) setBit(i % 2 === 0 ? even : odd, i)
    const { dial, fakes } = sources({ m1: { behaviour: 'honest', holds: odd }, m2: { behaviour: 'honest', holds: even } })
    const { d, disk } = download(dial, () => ['m1', 'm2'])
    d.start()
    expect(await d.finished).toBe('complete')
    expect(whole(disk)).toBe(true)
    expect(fakes.m1!.wants.flat().every(i => i % 2 === 1)).toBe(true)
    expect(fakes.m2!.wants.flat().every(i => i % 2 === 0)).toBe(true)
  })

  it('gives the slot of a source that has had nothing to give for a while to a candidate not tried yet', async () => {
    vi.useFakeTimers()
    // One slot: a member that has not started (it holds nothing) takes it first.
    const { dial, fakes } = sources({ idle: { behaviour: 'honest', holds: newBitmap(count) }, sender: { behaviour: 'honest' } })
    const { d, disk } = download(dial, () => ['idle', 'sender'], newBitmap(count), { init: { maxSources: 1 } })
    d.start()
    await vi.advanceTimersByTimeAsync(1_000)
    expect(fakes.idle!.dials).toBe(1)
    expect(fakes.sender!.dials).toBe(0)
    for (let i = 0; i < 300 && disk.size < count; i++) await vi.advanceTimersByTimeAsync(100)
    expect(await d.finished).toBe('complete')
    expect(whole(disk)).toBe(true)
    expect(fakes.sender!.dials).toBe(1)
    expect(fakes.idle!.wants).toHaveLength(0)
  })

  it('drops a source that stalls (and tries it again later), and finishes from another', async () => {
    vi.useFakeTimers()
    let peers = ['staller']
    const { dial, fakes } = sources({ staller: { behaviour: 'stall' }, late: { behaviour: 'honest' } })
    const { d, disk } = download(dial, () => peers)
    d.start()
    await vi.advanceTimersByTimeAsync(init.stallMs - 1_000)
    expect(fakes.staller!.wants.length).toBeGreaterThan(0)
    expect(fakes.staller!.dials).toBe(1)
    await vi.advanceTimersByTimeAsync(2_000 + init.retryMinMs)
    // Dropped once it stalled, then dialled again after its backoff.
    expect(fakes.staller!.dials).toBe(2)
    peers = ['staller', 'late']
    d.nudge()
    for (let i = 0; i < 50 && disk.size < count; i++) await vi.advanceTimersByTimeAsync(100)
    expect(await d.finished).toBe('complete')
    expect(whole(disk)).toBe(true)
  })

  it('waits for a source that is away, tries again with backoff, and goes on when nudged', async () => {
    vi.useFakeTimers()
    const { dial, fakes } = sources({ sender: { behaviour: 'gone' } })
    const { d, disk } = download(dial, () => ['sender'])
    d.start()
    await vi.advanceTimersByTimeAsync(3_000)
    expect(d.phase()).toBe('waiting')
    const tries = fakes.sender!.dials
    expect(tries).toBeGreaterThan(1)
    expect(tries).toBeLessThan(10)
    fakes.sender!.behaviour = 'honest'
    d.nudge()
    for (let i = 0; i < 50 && disk.size < count; i++) await vi.advanceTimersByTimeAsync(10)
    expect(await d.finished).toBe('complete')
  })

  it('fails with DISK_FULL when a write finds the disk full, and stops asking', async () => {
    const { dial } = sources({ sender: { behaviour: 'honest' } })
    const full = Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' })
    let writes = 0
    const { d } = download(dial, () => ['sender'], newBitmap(count), {
      write: async () => {
        if (++writes > 3) {
          const { ioError } = await import('../../src/files/part-file.js')
          throw ioError(full, 'cannot write')
        }
      }
    })
    d.start()
    await expect(d.finished).rejects.toMatchObject({ code: 'DISK_FULL' })
  })

  it('fails with CORRUPT when the manifest\'s own chunk does not open (the sender sealed it wrong)', async () => {
    const wrong = sealed.map((c, i) => i === 4 ? sealChunk(fileKeys(id, new Uint8Array(32).fill(6)).chunkKey, shape, 4, plains[4]!) : c)
    const m = Buffer.concat(wrong.map(chunkHash))
    const r = manifestRoot(id, m)
    const dial: SourceDialer = async (peer, _hello, h) => {
      setTimeout(() => { h.onHave(true); h.onManifest(m) }, 1)
      return { peer, want: is => { for (const i of is) setTimeout(() => { h.onChunk(i, wrong[i]!) }, 1) }, done: () => {}, close: () => {} }
    }
    const d = new Download({ shape, chunkKey: keys.chunkKey, root: r, have: newBitmap(count) }, {
      dial, candidates: () => ['sender'], hello: () => ({ file: id as Uint8Array<ArrayBuffer>, proof: new Uint8Array(), manifest: true }),
      write: async () => {}, keepManifest: async () => {}, received: () => {}, clock: Date.now, log: createLogger('test:download')
    }, init)
    d.start()
    const err = await d.finished.then(() => undefined, (e: unknown) => e)
    expect(err).toBeInstanceOf(FileError)
    expect(err).toMatchObject({ code: 'CORRUPT' })
  })
})
