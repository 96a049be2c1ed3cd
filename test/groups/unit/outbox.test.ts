/**
 * The group outbox, with fakes (fakes.ts): what the relay refuses for good
 * fails, what fails for now is retried with a doubling backoff.
 */
import { describe, expect, it } from 'vitest'
import { ServiceError } from '../../../src/services/index.js'
import { useFakeLan, settle, until } from './fakes.js'

describe('group outbox (member side, with fakes)', () => {
  const lan = useFakeLan()

  // No poll in the way of the timings below.
  const init = { pollIntervalMs: 3_600_000 }
  const posts = (user: string): number[] => lan().calls.filter(c => c.user === user && c.method === 'post').map(c => c.at)

  it('retries a post that fails with a doubling backoff until the relay has it: sent', async () => {
    const { group, members: [alice, bob] } = await lan().crew(['alice', 'bob'], init)
    let failures = 3
    lan().fault = (user, method) => user === 'alice' && method === 'post' && failures-- > 0 ? new ServiceError('UNAVAILABLE', 'the relay holder did not answer') : undefined
    const t0 = Date.now()
    const { id } = await alice!.groups.send(group, 'eventually')
    await until('sent', () => alice!.statuses.some(s => s.id === id && s.status === 'sent'))
    // Posted 100 ms after (the linger), then after 1, 2 and 4 s.
    expect(posts('alice').map(at => at - t0)).toEqual([100, 1_100, 3_100, 7_100])
    expect((await alice!.groups.history(group)).find(m => m.id === id)?.status).toBe('sent')
    expect(bob!.messages.map(m => m.text)).toEqual(['eventually'])
    // Sent is the end of it.
    await settle(60_000)
    expect(posts('alice')).toHaveLength(4)
    expect(alice!.statuses).toEqual([{ id, status: 'sent', code: undefined }])
  })

  it('fails a message the relay refuses for good, and sends the next one', async () => {
    const { group, members: [alice] } = await lan().crew(['alice', 'bob'], init)
    lan().refusePost = (user, env) => user === 'alice' && env.seq === 1 ? 'NOT_MEMBER' : undefined
    const refused = await alice!.groups.send(group, 'refused')
    await until('failed', () => alice!.statuses.some(s => s.id === refused.id))
    expect(alice!.statuses).toEqual([{ id: refused.id, status: 'failed', code: 'NOT_MEMBER' }])
    expect((await alice!.groups.history(group)).find(m => m.id === refused.id)?.status).toBe('failed')
    const ok = await alice!.groups.send(group, 'fine')
    await until('sent', () => alice!.statuses.some(s => s.id === ok.id && s.status === 'sent'))
    await settle(60_000)
    // Nothing was posted again: the refused one left the outbox.
    expect(posts('alice')).toHaveLength(2)
  })

  it('a refusal that may pass later is retried like a failure', async () => {
    const { group, members: [alice] } = await lan().crew(['alice', 'bob'], init)
    let refusals = 2
    lan().refusePost = user => user === 'alice' && refusals-- > 0 ? 'RATE_LIMITED' : undefined
    const t0 = Date.now()
    const { id } = await alice!.groups.send(group, 'later')
    await until('sent', () => alice!.statuses.some(s => s.id === id && s.status === 'sent'))
    expect(posts('alice').map(at => at - t0)).toEqual([100, 1_100, 3_100])
    expect(alice!.statuses).toEqual([{ id, status: 'sent', code: undefined }])
  })
})
