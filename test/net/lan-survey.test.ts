import { describe, expect, it } from 'vitest'
import { foreignMessage, LanSurvey, MAX_FOREIGN_NODES } from '../../src/net/lan-survey.js'
import type { ForeignNetworks } from '../../src/net/lan-survey.js'
import type { QueryPacket, ResponsePacket } from 'multicast-dns'

const OWN = '_lanchat-000000000000._udp.local'
const OTHER = '_lanchat-abcdefabcdef._udp.local'

/** An mDNS answer naming `node` under a service tag (what a lanchat node of that network sends). */
function answer (tag: string, node: string): ResponsePacket {
  return { answers: [{ type: 'PTR', name: tag, data: `${node}.${tag}` }] } as unknown as ResponsePacket
}

// Never started: no socket is opened, the answers are handed in as the socket would.
describe('LanSurvey (answers handed in, no socket)', () => {
  it('counts other networks\' nodes heard within the window, never its own, and tells each change once', () => {
    let now = 0
    const survey = new LanSurvey({ serviceTag: OWN, windowMs: 30_000, clock: () => now })
    const told: ForeignNetworks[] = []
    survey.addEventListener('foreign', evt => { told.push(evt.detail) })
    survey.onResponse(answer(OWN, 'me'))
    survey.onResponse(answer(OTHER, 'n1'))
    survey.onResponse(answer(OTHER, 'n1'))
    survey.onResponse(answer(OTHER, 'n2'))
    survey.onResponse(answer('_http._tcp.local', 'printer'))
    expect(survey.state()).toEqual({ nodes: 2, networks: 1 })
    expect(told).toEqual([{ nodes: 1, networks: 1 }, { nodes: 2, networks: 1 }])
    expect(foreignMessage(survey.state())).toBe('2 lanchat nodes of another network are on this LAN: is the passphrase or the network name different?')
    now = 30_001
    survey.onResponse(answer(OTHER, 'n2'))
    expect(survey.state()).toEqual({ nodes: 1, networks: 1 })
  })

  it('remembers a bounded number of nodes, whatever a host floods the LAN with', () => {
    const survey = new LanSurvey({ serviceTag: OWN, clock: () => 0 })
    for (let i = 0; i < 5_000; i++) survey.onResponse(answer(`_lanchat-${i.toString(16).padStart(12, '0')}._udp.local`, `n${i}`))
    expect(survey.state().nodes).toBe(MAX_FOREIGN_NODES)
  })

  it('asks the LAN only when nobody asked within the interval, and more often while it has no peer', () => {
    let now = 0
    let lonely = false
    const survey = new LanSurvey({ serviceTag: OWN, queryIntervalMs: 10_000, lonelyQueryIntervalMs: 2_000, lonely: () => lonely, clock: () => now })
    const query = (tag: string): QueryPacket => ({ questions: [{ type: 'PTR', name: tag }] }) as unknown as QueryPacket
    // Nothing heard yet: due.
    now = 10_000
    expect(survey.askIfDue()).toBe(true)
    // Its own query stands for the next 7.5 s.
    now = 16_000
    expect(survey.askIfDue()).toBe(false)
    // Another node asked for this network: that one stands for this node's too.
    now = 18_000
    survey.onQuery(query(OWN))
    now = 24_000
    expect(survey.askIfDue()).toBe(false)
    // A query for another service or network counts for nothing.
    survey.onQuery(query(OTHER))
    now = 26_000
    expect(survey.askIfDue()).toBe(true)
    // Alone, it asks every couple of seconds.
    lonely = true
    now = 27_600
    expect(survey.askIfDue()).toBe(true)
    expect(survey.queriesSent).toBe(3)
  })
})
