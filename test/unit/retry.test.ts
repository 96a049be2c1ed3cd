import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { RetryLoop } from '../../src/retry.js'
import type { RoundResult } from '../../src/retry.js'

describe('RetryLoop', () => {
  beforeEach(() => { vi.useFakeTimers() })
  afterEach(() => { vi.useRealTimers() })

  /** A loop whose rounds answer from a script and record when they ran. */
  function scripted (answers: RoundResult[]): { loop: RetryLoop, runs: number[] } {
    const runs: number[] = []
    const loop = new RetryLoop<string>(async () => {
      runs.push(Date.now())
      return answers.shift() ?? 'done'
    }, { retryMinMs: 1_000, retryMaxMs: 4_000 })
    return { loop, runs }
  }

  it('retries a failed round with a doubling backoff up to the maximum, reset by a success', async () => {
    const { loop, runs } = scripted(['retry', 'retry', 'retry', 'retry', 'done', 'retry', 'done'])
    const t0 = Date.now()
    loop.soon('a')
    await vi.advanceTimersByTimeAsync(20_000)
    expect(runs.slice(0, 5).map(t => t - t0)).toEqual([0, 1_000, 3_000, 7_000, 11_000])
    loop.soon('a')
    await vi.advanceTimersByTimeAsync(5_000)
    // After a success the next failure waits the minimum again.
    expect(runs.slice(5).map(t => t - runs[5]!)).toEqual([0, 1_000])
    await loop.stop()
  })

  it('runs once more after the round under way when asked during it, and at once on more', async () => {
    let release!: () => void
    let calls = 0
    const loop = new RetryLoop<string>(async () => {
      calls++
      if (calls === 1) await new Promise<void>(resolve => { release = resolve })
      return calls === 2 ? 'more' : 'done'
    }, { retryMinMs: 1_000, retryMaxMs: 4_000 })
    loop.soon('a')
    loop.soon('a')
    loop.soon('a')
    expect(calls).toBe(1)
    release()
    await vi.advanceTimersByTimeAsync(0)
    expect(calls).toBe(3)
    await loop.stop()
  })

  it('keeps keys apart, and runs a delayed round only when none is under way or due', async () => {
    const seen: string[] = []
    const loop = new RetryLoop<string>(async key => { seen.push(key); return 'done' }, { retryMinMs: 1_000, retryMaxMs: 4_000 })
    loop.later('a', 100)
    loop.later('a', 50)
    loop.soon('b')
    await vi.advanceTimersByTimeAsync(99)
    expect(seen).toEqual(['b'])
    await vi.advanceTimersByTimeAsync(1)
    expect(seen).toEqual(['b', 'a'])
    await loop.stop()
  })

  it('runs nothing after stop, and a retry timer pending at stop never fires', async () => {
    const { loop, runs } = scripted(['retry'])
    loop.soon('a')
    await vi.advanceTimersByTimeAsync(0)
    await loop.stop()
    loop.soon('a')
    await vi.advanceTimersByTimeAsync(10_000)
    expect(runs).toHaveLength(1)
  })

  it('treats a round that throws as failed', async () => {
    let calls = 0
    const loop = new RetryLoop<string>(async () => { calls++; if (calls === 1) throw new Error('boom'); return 'done' }, { retryMinMs: 1_000, retryMaxMs: 4_000 })
    loop.soon('a')
    await vi.advanceTimersByTimeAsync(999)
    expect(calls).toBe(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(calls).toBe(2)
    await loop.stop()
  })

  it('cancels one key: its retry never runs, nor a round asked for while one ran; other keys go on', async () => {
    let release: () => void = () => {}
    const runs: string[] = []
    const loop = new RetryLoop<string>(async key => {
      runs.push(key)
      if (key === 'b' && runs.filter(k => k === 'b').length === 1) await new Promise<void>(resolve => { release = resolve })
      return 'retry'
    }, { retryMinMs: 1_000, retryMaxMs: 4_000 })
    loop.soon('a')
    loop.soon('b')
    loop.soon('c')
    await vi.advanceTimersByTimeAsync(0)
    loop.cancel('a')
    // b is under way; asked again, then cancelled: neither the rerun nor its retry follows.
    loop.soon('b')
    loop.cancel('b')
    release()
    await vi.advanceTimersByTimeAsync(10_000)
    expect(runs.filter(k => k === 'a')).toHaveLength(1)
    expect(runs.filter(k => k === 'b')).toHaveLength(1)
    expect(runs.filter(k => k === 'c').length).toBeGreaterThan(2)
    // A cancelled key can be asked for again.
    loop.soon('a')
    await vi.advanceTimersByTimeAsync(0)
    expect(runs.filter(k => k === 'a')).toHaveLength(2)
    await loop.stop()
  })
})
