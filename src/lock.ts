/**
 * One critical section at a time per key. LevelDB batches are atomic, but a
 * check and the write that depends on it (a relay quota, a one-time prekey
 * still there, a contact's ratchet session) must not interleave with another
 * request's for the same key; other keys run in parallel.
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<void>>()

  async run<T> (key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve()
    let release!: () => void
    const mine = new Promise<void>(resolve => { release = resolve })
    const tail = previous.then(async () => mine)
    this.tails.set(key, tail)
    await previous
    try {
      return await fn()
    } finally {
      release()
      if (this.tails.get(key) === tail) this.tails.delete(key)
    }
  }

  /** Resolves once every queued and running section has finished. */
  async idle (): Promise<void> {
    while (this.tails.size > 0) await Promise.all([...this.tails.values()])
  }
}

/**
 * A task that runs one at a time, where a request made while it runs makes
 * it run once more afterwards: nothing asked for during a run is missed (a
 * role that moved again while mail was being handed over, say). A request
 * carries a wish for the run (a full sync or not, say); the wishes made
 * during a run are merged into the next one. A request resolves once a run
 * that started after it has finished. The task reports its own failures.
 */
export class Rerun<T = void> {
  private current?: { again: boolean, wish: T, done: Promise<void> }
  private readonly merge: (earlier: T, later: T) => T
  private readonly go: () => boolean

  /** `merge` combines wishes made during one run (the later one by default); `go` says whether to run again (false once stopped). */
  constructor (private readonly task: (wish: T) => Promise<void>, opts: { merge?: (earlier: T, later: T) => T, go?: () => boolean } = {}) {
    this.merge = opts.merge ?? ((_earlier, later) => later)
    this.go = opts.go ?? (() => true)
  }

  async request (wish: T): Promise<void> {
    const run = this.current
    if (run !== undefined) {
      run.wish = run.again ? this.merge(run.wish, wish) : wish
      run.again = true
      return run.done
    }
    const next = { again: false, wish, done: Promise.resolve() }
    this.current = next
    next.done = (async () => {
      try {
        do {
          next.again = false
          await this.task(next.wish)
        } while (next.again && this.go())
      } finally {
        this.current = undefined
      }
    })()
    return next.done
  }

  /** Resolves once the run under way (if any) and its reruns are over. */
  async idle (): Promise<void> {
    await this.current?.done
  }
}
