/**
 * Rounds of work per key (a contact's outbox, a group's), one at a time,
 * retried with exponential backoff: the one loop behind every outbox.
 *
 * `soon(key)` runs a round now, or right after the one under way (even when
 * that one failed); a round answers 'more' (run again at once), 'retry'
 * (failed: again after a backoff that doubles from retryMinMs to retryMaxMs,
 * reset by the next success),
 * or 'done' / 'wait' (nothing more until someone asks). `later(key, ms)`
 * runs one after a delay unless one is under way or already due.
 */
export type RoundResult = 'done' | 'more' | 'retry' | 'wait'

export interface RetryLoopInit {
  /** The first retry comes this long after a failed round... */
  retryMinMs: number
  /** ...doubling up to this long. */
  retryMaxMs: number
}

interface KeyState {
  running?: Promise<void>
  again: boolean
  failures: number
  timer?: ReturnType<typeof setTimeout>
}

export class RetryLoop<K = string> {
  private readonly keys = new Map<K, KeyState>()
  private stopped = false

  constructor (private readonly round: (key: K) => Promise<RoundResult>, private readonly init: RetryLoopInit) {}

  /** Runs a round for `key` now, or once more right after the one under way. */
  soon (key: K): void {
    if (this.stopped) return
    const k = this.state(key)
    if (k.running !== undefined) {
      k.again = true
      return
    }
    clearTimeout(k.timer)
    k.timer = undefined
    k.running = this.run(key, k)
  }

  /** Runs a round for `key` in `ms`, unless one is under way or already due. */
  later (key: K, ms: number): void {
    if (this.stopped) return
    const k = this.state(key)
    if (k.running !== undefined || k.timer !== undefined) return
    k.timer = setTimeout(() => { k.timer = undefined; this.soon(key) }, ms)
  }

  /** The delay before the next retry after `failures` failed rounds in a row. */
  backoff (failures: number): number {
    return Math.min(this.init.retryMaxMs, this.init.retryMinMs * 2 ** Math.min(Math.max(failures - 1, 0), 20))
  }

  /**
   * Forgets `key`: no retry or round asked for runs (a round under way
   * finishes; its caller stops it if it must).
   */
  cancel (key: K): void {
    const k = this.keys.get(key)
    if (k === undefined) return
    clearTimeout(k.timer)
    k.timer = undefined
    k.again = false
    this.keys.delete(key)
  }

  /** Clears every timer and waits for the rounds under way; nothing runs after. */
  async stop (): Promise<void> {
    this.stopped = true
    for (const k of this.keys.values()) clearTimeout(k.timer)
    await Promise.allSettled([...this.keys.values()].map(async k => k.running))
  }

  private state (key: K): KeyState {
    let k = this.keys.get(key)
    if (k === undefined) {
      k = { again: false, failures: 0 }
      this.keys.set(key, k)
    }
    return k
  }

  private async run (key: K, k: KeyState): Promise<void> {
    let result: RoundResult
    try {
      result = await this.round(key)
    } catch {
      // A round reports its own failures; one that throws anyway is retried.
      result = 'retry'
    }
    k.running = undefined
    // Stopped, or cancelled while the round ran: nothing follows.
    if (this.stopped || this.keys.get(key) !== k) return
    if (result === 'retry') {
      k.failures++
      // Asked for during the failed round (a contact came back, say): that round runs at once; the backoff is for the next failure.
      if (k.again) {
        k.again = false
        this.soon(key)
        return
      }
      k.timer = setTimeout(() => { k.timer = undefined; this.soon(key) }, this.backoff(k.failures))
      return
    }
    k.failures = 0
    if (result === 'more' || k.again) {
      k.again = false
      this.soon(key)
    }
  }
}
