/**
 * The replay window (src/chat/groups/replay-window.ts): pure functions over
 * a value, checked with properties.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { EMPTY_WINDOW, mark, seen } from '../../../src/chat/groups/replay-window.js'
import type { ReplayWindow } from '../../../src/chat/groups/replay-window.js'

/** Small windows, so that properties reach past their edge. */
const SIZE = 16

/** Marks each seq not seen yet, in order, as a receiver does. */
const receive = (seqs: number[], size = SIZE, from: ReplayWindow = EMPTY_WINDOW): ReplayWindow =>
  seqs.reduce((w, s) => seen(w, s, size) ? w : mark(w, s, size), from)

/** The seqs in [lo, hi] the window takes as seen. */
const seenSet = (w: ReplayWindow, lo: number, hi: number): number[] => {
  const out: number[] = []
  for (let s = lo; s <= hi; s++) if (seen(w, s, SIZE)) out.push(s)
  return out
}

describe('the replay window', () => {
  /** Seqs within one window (each at least once), received in two orders, with some repeated. */
  const twoOrders = fc.integer({ min: 1, max: 1_000 }).chain(base =>
    fc.uniqueArray(fc.integer({ min: base, max: base + SIZE - 1 }), { minLength: 1, maxLength: SIZE }).chain(distinct =>
      fc.subarray(distinct).chain(repeats => {
        const a = [...distinct, ...repeats]
        const b = [...distinct, ...repeats, ...repeats]
        return fc.record({
          distinct: fc.constant(distinct),
          orderA: fc.shuffledSubarray(a, { minLength: a.length }),
          orderB: fc.shuffledSubarray(b, { minLength: b.length })
        })
      })))

  it('gives the same seen set for any order and duplication of seqs within the window', () => {
    fc.assert(fc.property(twoOrders, ({ distinct, orderA, orderB }) => {
      const a = receive(orderA)
      const b = receive(orderB)
      const hi = Math.max(...distinct) + SIZE
      expect(seenSet(a, 1, hi)).toEqual(seenSet(b, 1, hi))
      // What was received is seen; the seqs between that were not, are not.
      const got = new Set(distinct)
      for (let s = Math.min(...distinct); s <= hi; s++) expect(seen(a, s, SIZE)).toBe(got.has(s))
    }))
  })

  it('refuses a seq older than the window, whatever came before', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: 4 * SIZE }), { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 4 * SIZE }), (seqs, old) => {
      const w = receive(seqs)
      fc.pre(old < w.max - SIZE)
      expect(seen(w, old, SIZE)).toBe(true)
    }))
  })

  it('never takes a seq above the highest as seen, and remembers at most `size` gaps', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: 4 * SIZE }), { maxLength: 60 }), seqs => {
      const w = receive(seqs)
      for (let s = w.max + 1; s <= w.max + SIZE; s++) expect(seen(w, s, SIZE)).toBe(false)
      expect(w.missing.size).toBeLessThanOrEqual(SIZE)
      for (const s of w.missing) expect(s).toBeGreaterThanOrEqual(w.max - SIZE)
    }))
  })

  it('leaves the window it is given as it was', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: 100 }), { maxLength: 30 }), fc.integer({ min: 1, max: 140 }), (seqs, next) => {
      const w = receive(seqs)
      const before = { max: w.max, missing: [...w.missing].sort((x, y) => x - y) }
      if (!seen(w, next, SIZE)) mark(w, next, SIZE)
      expect({ max: w.max, missing: [...w.missing].sort((x, y) => x - y) }).toEqual(before)
    }))
  })

  it('keeps gaps: a seq skipped over is taken when it comes late, and only once', () => {
    let w = receive([1, 2, 5])
    expect([3, 4].map(s => seen(w, s, SIZE))).toEqual([false, false])
    w = mark(w, 4, SIZE)
    expect(seen(w, 4, SIZE)).toBe(true)
    expect(seen(w, 3, SIZE)).toBe(false)
    // A jump of more than the window: what it jumped over beyond the window is refused.
    w = receive([40], SIZE, w)
    expect(seen(w, 3, SIZE)).toBe(true)
    expect(seen(w, 40 - SIZE, SIZE)).toBe(false)
    expect(seen(w, 40 - SIZE - 1, SIZE)).toBe(true)
  })
})
