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
 * resolves once a run that started after it has finished.
 */
export class Rerun {
  private current?: { again: boolean, done: Promise<void> }

  /** `go` says whether another run is still wanted (false once stopped). */
  constructor (private readonly task: () => Promise<void>, private readonly go: () => boolean = () => true) {}

  async request (): Promise<void> {
    if (this.current !== undefined) {
      this.current.again = true
      return this.current.done
    }
    const run = { again: false, done: Promise.resolve() }
    this.current = run
    run.done = (async () => {
      try {
        do {
          run.again = false
          await this.task()
        } while (run.again && this.go())
      } finally {
        this.current = undefined
      }
    })()
    return run.done
  }
}
