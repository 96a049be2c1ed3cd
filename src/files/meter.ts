/**
 * How fast a transfer goes: bytes over the last few seconds, and the time
 * left at that rate (docs/files.md, "Progress").
 */

/** The rate is measured over this window. */
const WINDOW_MS = 5_000

export interface Progress {
  /** Bytes done (in: verified and on disk; out: chunks that left this node at least once) */
  bytes: number
  size: number
  /** Bytes a second over the last few seconds */
  rate: number
  /** Seconds left at that rate (null while there is no rate) */
  eta: number | null
  /** Bytes that were already done when this run of the transfer began (a resumed download) */
  resumedFrom: number
}

export class Meter {
  bytes: number
  readonly resumedFrom: number
  private readonly samples: Array<[number, number]> = []
  /** The bytes when progress was last told */
  told = -1

  constructor (readonly size: number, done: number, private readonly clock: () => number) {
    this.bytes = done
    this.resumedFrom = done
    this.samples.push([clock(), done])
  }

  add (n: number): void {
    this.bytes += n
    const now = this.clock()
    this.samples.push([now, this.bytes])
    while (this.samples.length > 2 && now - this.samples[1]![0] > WINDOW_MS) this.samples.shift()
  }

  rate (): number {
    const now = this.clock()
    const first = this.samples[0]!
    const span = Math.max(now - first[0], 1)
    return Math.round((this.bytes - first[1]) * 1000 / span)
  }

  progress (): Progress {
    const rate = this.rate()
    const left = this.size - this.bytes
    return { bytes: this.bytes, size: this.size, rate, eta: left <= 0 ? 0 : rate > 0 ? Math.ceil(left / rate) : null, resumedFrom: this.resumedFrom }
  }
}
