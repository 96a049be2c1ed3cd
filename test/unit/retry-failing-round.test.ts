import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { RetryLoop } from '../../src/retry.js'

/**
 * Found while chasing the receiver-restart stall (docs/hardening.md), in
 * src/retry.ts (not this work's to change): `soon(key)` while a round is under
 * way asks for one more round right after it, but when that round ends in
 * 'retry' the request is dropped (`again = false`) and the next round waits for
 * the whole backoff, up to retryMaxMs. A contact coming back online during a
 * failing round was not tried until then. The DM outbox now works around it
 * (Outbox.reachable); the group outbox, which shares the loop, does not.
 * Fixed in src/retry.ts: the asked-for round runs at once.
 */
describe('RetryLoop: a soon() during a failing round', () => {
  beforeEach(() => { vi.useFakeTimers() })
  afterEach(() => { vi.useRealTimers() })

  it('runs the round asked for during a failing one at once, not after the backoff', async () => {
    let release!: () => void
    const runs: number[] = []
    const loop = new RetryLoop<string>(async () => {
      runs.push(Date.now())
      if (runs.length === 1) await new Promise<void>(resolve => { release = resolve })
      return runs.length === 1 ? 'retry' : 'done'
    }, { retryMinMs: 30_000, retryMaxMs: 60_000 })
    const t0 = Date.now()
    loop.soon('bob')
    await vi.advanceTimersByTimeAsync(10)
    // Bob is back (a presence event, a frame from his node) while the round is failing.
    loop.soon('bob')
    release()
    await vi.advanceTimersByTimeAsync(1_000)
    expect(runs.map(t => t - t0)).toEqual([0, 10])
    await loop.stop()
  })
})
