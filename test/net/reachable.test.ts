import { describe, expect, it } from 'vitest'
import { ADDRESS_REDIAL_MAX_MS, ADDRESS_REDIAL_MS, AddressBudget, plausible } from '../../src/net/reachable.js'

describe('addresses learnt from announcements', () => {
  const lan = ['/ip4/192.168.1.5/tcp/7420']
  const local = ['/ip4/127.0.0.1/tcp/7420']

  it('dials only concrete TCP addresses, and loopback only from a node on loopback itself', () => {
    expect(plausible('/ip4/192.168.1.9/tcp/7420', lan)).toBe(true)
    expect(plausible('/ip6/fe80::1/tcp/7420', lan)).toBe(true)
    for (const bad of ['/ip4/0.0.0.0/tcp/7420', '/ip4/224.0.0.251/tcp/5353', '/ip4/255.255.255.255/tcp/1', '/ip6/::/tcp/1',
      '/ip6/ff02::1/tcp/1', '/ip4/192.168.1.9/udp/7420', '/dns4/example.com/tcp/80', 'not an address']) {
      expect(plausible(bad, lan)).toBe(false)
    }
    expect(plausible('/ip4/127.0.0.1/tcp/9', lan)).toBe(false)
    expect(plausible('/ip4/127.0.0.1/tcp/9', local)).toBe(true)
  })

  it('dials one address at most once per interval whoever names it, backing off while it fails', () => {
    let now = 0
    const budget = new AddressBudget(() => now)
    const a = '/ip4/10.0.0.1/tcp/1'
    expect(budget.take(a)).toBe(true)
    expect(budget.take(a)).toBe(false)
    expect(budget.take('/ip4/10.0.0.2/tcp/1')).toBe(true)
    now += ADDRESS_REDIAL_MS - 1
    expect(budget.take(a)).toBe(false)
    now += 1
    expect(budget.take(a)).toBe(true)
    // Failing: 2, 4, 8... intervals, up to the maximum.
    budget.failed(a)
    now += 2 * ADDRESS_REDIAL_MS - 1
    expect(budget.take(a)).toBe(false)
    now += 1
    expect(budget.take(a)).toBe(true)
    for (let i = 0; i < 20; i++) budget.failed(a)
    now += ADDRESS_REDIAL_MAX_MS
    expect(budget.take(a)).toBe(true)
    budget.succeeded(a)
    now += ADDRESS_REDIAL_MS
    expect(budget.take(a)).toBe(true)
  })
})
