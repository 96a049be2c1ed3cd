/**
 * One download (docs/files.md, "Fetching"): the missing chunks of one file
 * fetched from every source that has them at once (the sender, the relay,
 * members of a group), each chunk checked against the manifest before it is
 * kept. A source that sends a chunk that is not the manifest's, or one it was
 * not asked for, is dropped for the rest of the download and the chunk
 * fetched elsewhere; a source that stalls is dropped and tried again later;
 * one that is away is tried again with backoff. Requests are bounded per
 * source and in all (memory stays flat), chunks are asked for in a random
 * order (members of a group then hold different chunks to give each other),
 * and the last ones are asked of a second source when one is idle (endgame).
 * Pure logic over a SourceDialer and the disk writes it is given.
 */
import { checkedBitmap, clearBit, newBitmap } from './bitmap.js'
import { checkChunk, checkManifest, openChunk } from './chunks.js'
import { FileError } from './errors.js'
import { Requests } from './requests.js'
import type { FileShape } from './chunks.js'
import type { FilesInit } from './constants.js'
import type { SourceDialer, SourceLink } from './index.js'
import type { Asked } from './requests.js'
import type { FileHello } from './pb/files.js'
import type { Logger } from '../logger.js'
import type { PeerIdStr } from '../net/index.js'

export interface DownloadComponents {
  dial: SourceDialer
  /** Where the file may be found now, best first (the sender's nodes, the relay, members') */
  candidates: () => PeerIdStr[]
  /** The hello for a source, with this requester's proof for it */
  hello: (peer: PeerIdStr, manifest: boolean) => FileHello
  /** Writes a verified chunk's plaintext at its place */
  write: (index: number, plaintext: Uint8Array) => Promise<void>
  /** The manifest came and matches the offer's root: keep it */
  keepManifest: (manifest: Uint8Array) => Promise<void>
  /** Chunk `index` (of `bytes` plaintext) is on disk */
  received: (index: number, bytes: number) => void
  clock: () => number
  log: Logger
}

export interface DownloadSpec {
  shape: FileShape
  chunkKey: Uint8Array
  root: Uint8Array
  /** The manifest, when a source gave it already (a resumed download) */
  manifest?: Uint8Array
  /** Chunks already on disk */
  have: Uint8Array
}

export type DownloadInit = Required<Pick<FilesInit, 'sourceWindowBytes' | 'windowBytes' | 'maxSources' | 'stallMs' | 'retryMinMs' | 'retryMaxMs'>>

/** What a download is doing: asking for sources, fetching, or waiting for one to come back. */
export type DownloadPhase = 'connecting' | 'downloading' | 'waiting'

interface Source extends Asked {
  peer: PeerIdStr
  link?: SourceLink
}

/** How often stalls are looked for. */
const STALL_CHECK_MS = 1_000
/** A source that has had nothing to give for this long gives its slot to a candidate not tried yet. */
const ROTATE_MS = 10_000

export class Download {
  readonly count: number
  /** Resolves 'complete' once every chunk is on disk, 'stopped' after stop(); rejects with CORRUPT, DISK_FULL or IO_ERROR */
  readonly finished: Promise<'complete' | 'stopped'>
  private resolve!: (v: 'complete' | 'stopped') => void
  private reject!: (err: Error) => void
  private manifest?: Uint8Array
  private readonly requests: Requests
  private readonly sources = new Map<PeerIdStr, Source>()
  private readonly banned = new Set<PeerIdStr>()
  private readonly backoff = new Map<PeerIdStr, { delay: number, until: number }>()
  private over = false
  private retryTimer?: ReturnType<typeof setTimeout>
  private stallTimer?: ReturnType<typeof setInterval>

  constructor (private readonly spec: DownloadSpec, private readonly c: DownloadComponents, private readonly init: DownloadInit) {
    this.requests = new Requests(spec.shape, spec.have, init, c.clock)
    this.count = this.requests.count
    this.finished = new Promise((resolve, reject) => {
      this.resolve = resolve
      this.reject = reject
    })
    this.finished.catch(() => {})
    if (spec.manifest !== undefined && checkManifest(spec.shape, spec.root, spec.manifest)) this.setManifest(spec.manifest)
  }

  /** Starts looking for sources (and completes at once when nothing is missing). */
  start (): void {
    if (this.requests.missing === 0) {
      this.complete()
      return
    }
    this.stallTimer = setInterval(() => { this.checkStalls() }, STALL_CHECK_MS)
    this.stallTimer.unref?.()
    this.fill()
  }

  /** Sources may have changed (someone came online, the relay moved): try them now, backoff or not. */
  nudge (): void {
    if (this.over) return
    this.backoff.clear()
    this.fill()
  }

  /** Ends the download (what is on disk stays): `finished` resolves 'stopped'. */
  stop (): void {
    if (this.over) return
    this.end()
    this.resolve('stopped')
  }

  phase (): DownloadPhase {
    const live = [...this.sources.values()].filter(s => s.holds !== undefined)
    if (live.length > 0 && this.manifest !== undefined) return 'downloading'
    return this.sources.size > 0 ? 'connecting' : 'waiting'
  }

  /** Sources connected now. */
  sourceCount (): number {
    return [...this.sources.values()].filter(s => s.link !== undefined).length
  }

  /** Sources dropped for good: they sent what the offer does not name. */
  badSources (): number {
    return this.banned.size
  }

  // ---------------------------------------------------------------- sources

  private fill (): void {
    if (this.over) return
    clearTimeout(this.retryTimer)
    const now = this.c.clock()
    const untried = this.c.candidates().filter(p => !this.sources.has(p) && !this.banned.has(p) && (this.backoff.get(p)?.until ?? 0) <= now)
    for (const peer of untried) {
      // Every slot taken: one given to a source that has had nothing to give for a while goes to a candidate not tried yet.
      if (this.sources.size >= this.init.maxSources && !this.rotate(now)) break
      void this.connect(peer)
    }
    this.scheduleRetry()
  }

  /** Drops a source that has held nothing wanted for ROTATE_MS (a member that has not started); true when one went. */
  private rotate (now: number): boolean {
    for (const src of this.sources.values()) {
      if (src.link === undefined || src.outstanding.size > 0 || now - src.lastChunkAt < ROTATE_MS) continue
      if (src.holds !== undefined && this.requests.hasWanted(src)) continue
      this.drop(src, 'it has had nothing to give for a while: its slot goes to another candidate')
      return true
    }
    return false
  }

  /** While sources are missing, looks again once the first backoff ends (or after the longest). */
  private scheduleRetry (): void {
    if (this.over) return
    clearTimeout(this.retryTimer)
    if (this.sources.size >= this.init.maxSources) return
    const now = this.c.clock()
    const untils = [...this.backoff.values()].map(b => b.until).filter(u => u > now)
    const wait = Math.min(this.init.retryMaxMs, ...untils.map(u => u - now))
    this.retryTimer = setTimeout(() => { this.fill() }, Math.max(wait, 50))
    this.retryTimer.unref?.()
  }

  private async connect (peer: PeerIdStr): Promise<void> {
    const src: Source = { peer, outstanding: new Map(), bytes: 0, lastChunkAt: this.c.clock() }
    this.sources.set(peer, src)
    const current = (): boolean => !this.over && this.sources.get(peer) === src
    try {
      const link = await this.c.dial(peer, this.c.hello(peer, this.manifest === undefined), {
        onHave: holds => { if (current()) this.onHave(src, holds) },
        onManifest: manifest => { if (current()) void this.onManifest(src, manifest) },
        onChunk: (index, data) => { if (current()) void this.onChunk(src, index, data) },
        onRefusal: (code, message, index) => { if (current()) this.onRefusal(src, code, message, index) },
        onClose: err => { if (current()) this.drop(src, err?.message ?? 'the source ended the stream') }
      })
      if (!current()) {
        link.close()
        return
      }
      src.link = link
    } catch (err) {
      if (current()) this.drop(src, (err as Error).message)
    }
  }

  /** Drops a source (what it was asked for goes back in the queue); tried again after a backoff, or never once banned. */
  private drop (src: Source, why: string, ban = false, longBackoff = false): void {
    if (this.sources.get(src.peer) !== src) return
    this.sources.delete(src.peer)
    for (const index of [...src.outstanding.keys()]) this.requests.release(src, index)
    src.link?.close()
    this.c.log('source %s dropped: %s', src.peer, why)
    if (ban) {
      this.banned.add(src.peer)
    } else {
      const prev = this.backoff.get(src.peer)?.delay
      const delay = longBackoff ? this.init.retryMaxMs : Math.min(prev === undefined ? this.init.retryMinMs : prev * 2, this.init.retryMaxMs)
      this.backoff.set(src.peer, { delay, until: this.c.clock() + delay })
    }
    this.pump()
    this.scheduleRetry()
  }

  private onHave (src: Source, holds: true | Uint8Array): void {
    if (holds === true) {
      src.holds = true
    } else {
      const bitmap = checkedBitmap(holds, this.count)
      if (bitmap === undefined) {
        this.drop(src, 'it sent a bitmap of the wrong length', true)
        return
      }
      src.holds = bitmap
    }
    this.pump()
  }

  private async onManifest (src: Source, manifest: Uint8Array): Promise<void> {
    if (this.manifest !== undefined) return
    if (!checkManifest(this.spec.shape, this.spec.root, manifest)) {
      this.drop(src, 'its manifest is not the offer\'s', true)
      return
    }
    const copy = new Uint8Array(manifest)
    this.setManifest(copy)
    try {
      await this.c.keepManifest(copy)
    } catch (err) {
      this.fail(err)
      return
    }
    this.pump()
  }

  private setManifest (manifest: Uint8Array): void {
    this.manifest = manifest
    this.requests.queueMissing()
  }

  private onRefusal (src: Source, code: string, message: string, index?: number): void {
    if (index === undefined || !src.outstanding.has(index)) {
      // The stream is refused: a source that does not know the file, or will not serve it, is asked again much later.
      this.drop(src, `${code}: ${message}`, false, code === 'FORBIDDEN' || code === 'FILE_CHANGED')
      return
    }
    // A chunk it does not hold after all: asked elsewhere.
    this.requests.release(src, index)
    if (src.holds === true) src.holds = newBitmap(this.count).fill(0xff)
    if (src.holds !== undefined) clearBit(src.holds, index)
    if (code === 'FILE_CHANGED') {
      this.drop(src, `${code}: ${message}`, false, true)
      return
    }
    this.pump()
  }

  private checkStalls (): void {
    const now = this.c.clock()
    for (const src of [...this.sources.values()]) {
      if (src.outstanding.size > 0 && now - src.lastChunkAt > this.init.stallMs) this.drop(src, `no chunk in ${this.init.stallMs} ms`)
    }
    // Every slot taken (no retry is scheduled then): a source with nothing to give may make way for a candidate not tried yet.
    if (this.sources.size >= this.init.maxSources) this.fill()
  }

  // ---------------------------------------------------------------- requests

  /** Asks every source that said what it holds for what it may give now (requests.ts picks it). */
  private pump (): void {
    if (this.over || this.manifest === undefined) return
    for (const src of this.sources.values()) {
      if (src.link === undefined || src.holds === undefined) continue
      const picked = this.requests.pick(src, this.sources.values())
      if (picked.length > 0) src.link.want(picked)
    }
  }

  // ---------------------------------------------------------------- chunks

  private async onChunk (src: Source, index: number, data: Uint8Array): Promise<void> {
    if (!src.outstanding.has(index)) {
      this.drop(src, `it sent chunk ${index}, which it was not asked for`, true)
      return
    }
    src.lastChunkAt = this.c.clock()
    if (this.requests.gotOrWriting(index)) {
      this.requests.release(src, index)
      this.pump()
      return
    }
    if (!checkChunk(this.manifest!, index, data)) {
      this.drop(src, `its chunk ${index} is not the one the manifest names`, true)
      return
    }
    this.backoff.delete(src.peer)
    this.requests.writeStarted(index)
    this.requests.release(src, index)
    let plaintext: Uint8Array
    try {
      // The manifest's own chunk that does not open: the sender sealed it wrong. No source can do better.
      plaintext = openChunk(this.spec.chunkKey, this.spec.shape, index, data)
    } catch (err) {
      this.fail(err)
      return
    }
    this.pump()
    try {
      await this.c.write(index, plaintext)
    } catch (err) {
      this.fail(err)
      return
    }
    if (this.over) return
    this.requests.written(index)
    this.c.received(index, plaintext.byteLength)
    if (this.requests.missing === 0) this.complete()
    else this.pump()
  }

  private complete (): void {
    if (this.over) return
    for (const src of this.sources.values()) src.link?.done()
    this.end()
    this.resolve('complete')
  }

  private fail (err: unknown): void {
    if (this.over) return
    this.end()
    this.reject(err instanceof FileError ? err : new FileError('IO_ERROR', (err as Error).message))
  }

  private end (): void {
    this.over = true
    clearTimeout(this.retryTimer)
    clearInterval(this.stallTimer)
    for (const src of this.sources.values()) src.link?.close()
    this.sources.clear()
  }
}
