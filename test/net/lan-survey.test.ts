import { describe, expect, it } from 'vitest'
import { foreignMessage, LanSurvey, MAX_FOREIGN_NODES } from '../../src/net/lan-survey.js'
import type { ForeignNetworks } from '../../src/net/lan-survey.js'
import type { ResponsePacket } from 'multicast-dns'

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
})
