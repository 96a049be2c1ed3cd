import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { compareHlc, formatHlc, HybridClock, MAX_HLC_DRIFT_MS, parseHlc } from '../../src/timeline/index.js'

describe('hybrid logical clock', () => {
  it('follows the wall clock and never goes backwards when it does', () => {
    let now = 1000
    const clock = new HybridClock(() => now)
    const a = clock.tick()
    now = 900 // the wall clock stepped back
    const b = clock.tick()
    expect(compareHlc(b, a)).toBeGreaterThan(0)
    now = 2000
    expect(clock.tick()).toEqual({ wall: 2000, counter: 0 })
  })

  it('orders a received message after both the sender stamp and everything local', () => {
    // A remote stamp anywhere from far behind to the drift the clock believes.
    fc.assert(fc.property(fc.nat(1e6), fc.integer({ min: -1e6, max: MAX_HLC_DRIFT_MS }), fc.nat(100), (local, offset, counter) => {
      const remote = Math.max(0, local + offset)
      const clock = new HybridClock(() => local)
      const before = clock.tick()
      const stamp = { wall: remote, counter }
      const after = clock.receive(stamp)
      expect(compareHlc(after, stamp)).toBeGreaterThan(0)
      expect(compareHlc(after, before)).toBeGreaterThan(0)
      expect(compareHlc(clock.tick(), after)).toBeGreaterThan(0)
    }))
  })

  it('does not believe a stamp from a clock far in the future', () => {
    const clock = new HybridClock(() => 1_000_000)
    const t = clock.receive({ wall: 1_000_000 + MAX_HLC_DRIFT_MS + 1, counter: 0 })
    expect(t.wall).toBe(1_000_000)
  })

  it('formats to strings that sort like the clocks', () => {
    fc.assert(fc.property(fc.nat(2 ** 42), fc.nat(0xffff), fc.nat(2 ** 42), fc.nat(0xffff), (w1, c1, w2, c2) => {
      const a = { wall: w1, counter: c1 }
      const b = { wall: w2, counter: c2 }
      expect(Math.sign(formatHlc(a).localeCompare(formatHlc(b)))).toBe(Math.sign(compareHlc(a, b)))
      expect(parseHlc(formatHlc(a))).toEqual(a)
    }))
  })
})
