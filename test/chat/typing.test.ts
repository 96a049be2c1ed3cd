import { describe, expect, it } from 'vitest'
import { TYPING_REPEAT_MS, TypingFilter } from '../../src/chat/typing.js'

describe('typing indicators from contacts (TypingFilter)', () => {
  it('lets through a change at once, and a contact still typing at most once per TYPING_REPEAT_MS', () => {
    let now = 1_000_000
    const filter = new TypingFilter(() => now)
    expect(filter.admit('bob', true)).toBe(true)
    // A flood of frames saying the same: no more events.
    let passed = 0
    for (let i = 0; i < 10_000; i++) if (filter.admit('bob', true)) passed++
    expect(passed).toBe(0)
    // Stopped: told at once; said again: nothing new.
    expect(filter.admit('bob', false)).toBe(true)
    expect(filter.admit('bob', false)).toBe(false)
    expect(filter.admit('bob', true)).toBe(true)
    now += TYPING_REPEAT_MS - 1
    expect(filter.admit('bob', true)).toBe(false)
    now += 1
    // Still typing: told again, so the indicator does not lapse while the contact types.
    expect(filter.admit('bob', true)).toBe(true)
    // Each contact on its own.
    expect(filter.admit('carol', true)).toBe(true)
  })

  it('remembers a bounded number of contacts', () => {
    const filter = new TypingFilter(() => 0)
    for (let i = 0; i < 5_000; i++) filter.admit(`user${i}`, true)
    expect((filter as unknown as { last: Map<string, unknown> }).last.size).toBeLessThanOrEqual(1_000)
    // The oldest were forgotten: a frame from one of them counts as new.
    expect(filter.admit('user0', true)).toBe(true)
    expect(filter.admit('user4999', true)).toBe(false)
  })
})
