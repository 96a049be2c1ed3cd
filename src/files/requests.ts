/**
 * The chunks of one download and who they are asked of (docs/files.md,
 * "Fetching"): each chunk is here, being written, asked of one source or
 * more, or queued in a random order. What to ask of a source next is picked
 * here, within its window and the download's; the streams and the sources'
 * comings and goings are download.ts's.
 */
import { checkedBitmap, countBits, hasBit, newBitmap, setBit } from './bitmap.js'
import { chunkCount, chunkLength } from './chunks.js'
import { CHUNK_TAG_BYTES, MAX_WANT } from './constants.js'
import type { FileShape } from './chunks.js'
import type { FilesInit } from './constants.js'

/** A source as its requests see it. */
export interface Asked {
  /** What it holds: every chunk, or a bitmap; undefined until it says */
  holds?: true | Uint8Array
  /** Chunks asked of it and not received: index -> when asked */
  outstanding: Map<number, number>
  bytes: number
  lastChunkAt: number
}

/** A partial source's chunks are looked for among at most this many queued indexes a round (big files, many members). */
const SCAN_LIMIT = 4096

export class Requests {
  readonly count: number
  /** Chunks on disk */
  readonly have: Uint8Array
  private missingCount: number
  /** Indexes neither here, nor being written, nor asked of anyone: in a random order */
  private queue: number[] = []
  /** index -> how many sources have it outstanding */
  private readonly inFlight = new Map<number, number>()
  private readonly writing = new Set<number>()
  private readonly duplicated = new Set<number>()
  private outstandingBytes = 0

  constructor (
    private readonly shape: FileShape,
    have: Uint8Array,
    private readonly init: Required<Pick<FilesInit, 'sourceWindowBytes' | 'windowBytes'>>,
    private readonly clock: () => number
  ) {
    this.count = chunkCount(shape.size, shape.chunkSize)
    this.have = checkedBitmap(have, this.count) ?? newBitmap(this.count)
    this.missingCount = this.count - countBits(this.have, this.count)
  }

  /** Chunks not on disk yet */
  get missing (): number {
    return this.missingCount
  }

  /** Queues every chunk not here, in a random order (once the manifest says what each chunk is). */
  queueMissing (): void {
    const queue: number[] = []
    for (let i = 0; i < this.count; i++) if (!hasBit(this.have, i)) queue.push(i)
    // Fisher-Yates: members of a group fetch the file in different orders, so each soon has chunks the others lack.
    for (let i = queue.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1))
      const t = queue[i]!
      queue[i] = queue[j]!
      queue[j] = t
    }
    this.queue = queue
  }

  /** Whether a queued chunk is one the source holds. */
  hasWanted (src: Asked): boolean {
    return this.queue.some(i => this.holdsChunk(src, i))
  }

  /** Chunk `index` is on disk or being written: another copy of it is not wanted. */
  gotOrWriting (index: number): boolean {
    return hasBit(this.have, index) || this.writing.has(index)
  }

  /** A verified chunk is being written: asked of nobody any more. */
  writeStarted (index: number): void {
    this.writing.add(index)
  }

  /** A chunk is on disk. */
  written (index: number): void {
    this.writing.delete(index)
    setBit(this.have, index)
    this.missingCount--
  }

  private sealedLength (index: number): number {
    return chunkLength(this.shape, index) + CHUNK_TAG_BYTES
  }

  private holdsChunk (src: Asked, index: number): boolean {
    return src.holds === true || (src.holds !== undefined && hasBit(src.holds, index))
  }

  private ask (src: Asked, index: number): void {
    if (src.outstanding.size === 0) src.lastChunkAt = this.clock()
    src.outstanding.set(index, this.clock())
    const len = this.sealedLength(index)
    src.bytes += len
    this.outstandingBytes += len
    this.inFlight.set(index, (this.inFlight.get(index) ?? 0) + 1)
  }

  /** Takes `index` off a source's requests; back in the queue when nobody else has it coming. */
  release (src: Asked, index: number): void {
    if (!src.outstanding.delete(index)) return
    const len = this.sealedLength(index)
    src.bytes -= len
    this.outstandingBytes -= len
    const left = (this.inFlight.get(index) ?? 1) - 1
    if (left > 0) {
      this.inFlight.set(index, left)
      return
    }
    this.inFlight.delete(index)
    this.duplicated.delete(index)
    if (!hasBit(this.have, index) && !this.writing.has(index)) this.queue.push(index)
  }

  /**
   * Fills a source's window with chunks it holds that are wanted, once a
   * quarter of its window is free: wants go a few chunks to a frame, not one
   * frame per chunk received (each frame costs both ends a trip through the
   * whole stack). The chunks picked are noted as asked of it (none until it
   * says what it holds); `sources` are all of the download's, for the endgame.
   */
  pick (src: Asked, sources: Iterable<Asked>): number[] {
    if (src.holds === undefined) return []
    const batch = Math.max(this.init.sourceWindowBytes / 4, this.sealedLength(0))
    if (src.outstanding.size > 0 && src.bytes > this.init.sourceWindowBytes - batch) return []
    const picked: number[] = []
    const room = (): boolean => picked.length < MAX_WANT && src.outstanding.size + picked.length < MAX_WANT &&
      src.bytes < this.init.sourceWindowBytes && this.outstandingBytes < this.init.windowBytes
    const take = (index: number): void => {
      this.ask(src, index)
      picked.push(index)
    }
    if (src.holds === true) {
      while (room() && this.queue.length > 0) {
        const index = this.queue.pop()!
        if (!hasBit(this.have, index) && !this.writing.has(index) && !this.inFlight.has(index)) take(index)
      }
    } else {
      let scanned = 0
      for (let i = this.queue.length - 1; i >= 0 && room() && scanned < SCAN_LIMIT; i--, scanned++) {
        const index = this.queue[i]!
        if (!hasBit(src.holds, index)) continue
        this.queue[i] = this.queue[this.queue.length - 1]!
        this.queue.pop()
        if (!hasBit(this.have, index) && !this.writing.has(index) && !this.inFlight.has(index)) take(index)
      }
    }
    // Endgame: nothing left to ask for, this source idle: the oldest chunk still coming from another is asked of it too.
    if (picked.length === 0 && src.outstanding.size === 0 && this.queue.length === 0) {
      const candidate = this.oldestInFlight(src, sources)
      if (candidate !== undefined) {
        this.duplicated.add(candidate)
        take(candidate)
      }
    }
    return picked
  }

  private oldestInFlight (src: Asked, sources: Iterable<Asked>): number | undefined {
    let best: number | undefined
    let bestAt = Infinity
    for (const other of sources) {
      if (other === src) continue
      for (const [index, at] of other.outstanding) {
        if (at < bestAt && !this.duplicated.has(index) && !this.writing.has(index) && this.holdsChunk(src, index)) {
          best = index
          bestAt = at
        }
      }
    }
    return best
  }
}
