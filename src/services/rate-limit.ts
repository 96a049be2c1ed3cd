import { ServiceError } from './errors.js'

/** The refusal when a limit is reached: `what` names what came too often. */
export function rateLimited (wait: number, what: string): ServiceError {
  return new ServiceError('RATE_LIMITED', `too many ${what}; try again in ${Math.ceil(wait / 1000)} s`, wait)
}

/**
 * Failure-driven lockouts: after `free` failures for a key (a username, a
 * peer), each further failure locks the key out for twice as long as the
 * previous one, up to `maxLockMs`. Success clears it. In memory: a restart
 * forgets, which is acceptable for a LAN service and keeps nothing on disk.
 */
export interface LockoutInit {
  free: number
  baseLockMs: number
  maxLockMs: number
  /** Failures older than this are forgotten */
  windowMs: number
  clock?: () => number
}

interface Record {
  failures: number
  lastFailure: number
  lockedUntil: number
}

export class Lockout {
  private readonly init: LockoutInit
  private readonly records = new Map<string, Record>()
  private readonly clock: () => number

  constructor (init: LockoutInit) {
    this.init = init
    this.clock = init.clock ?? Date.now
  }

  /** ms until `key` may try again, 0 when it may now. */
  retryAfter (key: string): number {
    const r = this.records.get(key)
    if (r === undefined) return 0
    const now = this.clock()
    if (now - r.lastFailure > this.init.windowMs) {
      this.records.delete(key)
      return 0
    }
    return Math.max(0, r.lockedUntil - now)
  }

  fail (key: string): void {
    const now = this.clock()
    const r = this.records.get(key) ?? { failures: 0, lastFailure: now, lockedUntil: 0 }
    if (now - r.lastFailure > this.init.windowMs) r.failures = 0
    r.failures++
    r.lastFailure = now
    const over = r.failures - this.init.free
    if (over > 0) r.lockedUntil = now + Math.min(this.init.maxLockMs, this.init.baseLockMs * 2 ** (over - 1))
    this.records.set(key, r)
    if (this.records.size > 10_000) this.prune(now)
  }

  succeed (key: string): void {
    this.records.delete(key)
  }

  private prune (now: number): void {
    for (const [key, r] of this.records) if (now - r.lastFailure > this.init.windowMs) this.records.delete(key)
  }
}

/** A token bucket per key: `burst` requests at once, refilled at `perSecond`. */
export class RateLimit {
  private readonly buckets = new Map<string, { tokens: number, at: number }>()
  private readonly clock: () => number

  constructor (private readonly burst: number, private readonly perSecond: number, clock?: () => number) {
    this.clock = clock ?? Date.now
  }

  /** Takes one token for `key`; returns 0, or the ms to wait when none is left. */
  take (key: string): number {
    const now = this.clock()
    const b = this.buckets.get(key) ?? { tokens: this.burst, at: now }
    b.tokens = Math.min(this.burst, b.tokens + (now - b.at) / 1000 * this.perSecond)
    b.at = now
    this.buckets.set(key, b)
    if (this.buckets.size > 10_000) {
      for (const [k, v] of this.buckets) if (v.tokens >= this.burst) this.buckets.delete(k)
    }
    if (b.tokens >= 1) {
      b.tokens -= 1
      return 0
    }
    return Math.ceil((1 - b.tokens) / this.perSecond * 1000)
  }
}
