import { afterEach, describe, expect, it, vi } from 'vitest'
import { Mailbox } from '../../../src/chat/dm/mailbox.js'
import { MAILBOX_POLL_MS, PREKEY_RETRY_MIN_MS } from '../../../src/chat/dm/constants.js'
import type { MailboxComponents } from '../../../src/chat/dm/mailbox.js'

/** A mailbox over a relay with no mail whose prekey publication fails `failures` times, then succeeds. */
function mailbox (failures: number): { box: Mailbox, attempts: number[] } {
  const attempts: number[] = []
  const relay = {
    fetch: async () => ({ messages: [], more: false, cursor: '' }),
    ack: async () => {},
    bundleStatus: async () => ({ published: true, signedPrekeyId: 1, oneTimePrekeys: 100 }),
    publishBundle: async () => {}
  } as unknown as MailboxComponents['relay']
  const prekeys = {
    replenish: async () => {
      attempts.push(Date.now())
      if (attempts.length <= failures) throw new Error('relay busy')
    }
  }
  const box = new Mailbox({ relay, receiver: { receive: async () => {} } as unknown as MailboxComponents['receiver'], prekeys }, { mailboxPollMs: MAILBOX_POLL_MS, fetchBatch: 10 })
  return { box, attempts }
}

describe('mailbox: prekeys at the relay', () => {
  afterEach(() => { vi.useRealTimers() })

  it('tries a failed publication again after a backoff from 1 s, well before the next poll, and stops once it succeeds', async () => {
    vi.useFakeTimers()
    const { box, attempts } = mailbox(3)
    const start = Date.now()
    box.start()
    await vi.advanceTimersByTimeAsync(PREKEY_RETRY_MIN_MS * 7)
    // At start, then 1, 2 and 4 s after each failure: the fourth succeeds.
    expect(attempts.map(t => t - start)).toEqual([0, 1_000, 3_000, 7_000])
    await vi.advanceTimersByTimeAsync(MAILBOX_POLL_MS - PREKEY_RETRY_MIN_MS * 7 - 1)
    expect(attempts).toHaveLength(4)
    // The poll tops the stock up again.
    await vi.advanceTimersByTimeAsync(1)
    expect(attempts).toHaveLength(5)
    await box.stop()
  })

  it('never tries more often than the backoff while the relay keeps failing, and not at all once stopped', async () => {
    vi.useFakeTimers()
    const { box, attempts } = mailbox(Infinity)
    box.start()
    await vi.advanceTimersByTimeAsync(MAILBOX_POLL_MS * 4)
    // 0, 1, 3, 7, 15 (the poll), then every 15 s at most: the poll and the capped backoff coincide or merge.
    expect(attempts.length).toBeLessThanOrEqual(9)
    expect(attempts.length).toBeGreaterThanOrEqual(7)
    await box.stop()
    const n = attempts.length
    await vi.advanceTimersByTimeAsync(MAILBOX_POLL_MS * 2)
    expect(attempts).toHaveLength(n)
  })
})
