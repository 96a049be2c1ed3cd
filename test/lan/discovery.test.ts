import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HeadlessNode } from '../helpers/headless-node.js'
import { createLan, netnsSupport } from '../helpers/netns.js'
import type { Lan } from '../helpers/netns.js'

const support = await netnsSupport()
if (!support.ok) console.warn(`SKIPPED: LAN tests in network namespaces: ${support.reason}`)

describe.skipIf(!support.ok)('a LAN of four hosts in network namespaces (real mDNS)', () => {
  let lan: Lan
  const nodes: HeadlessNode[] = []

  beforeAll(async () => {
    lan = await createLan(4)
  })
  afterAll(async () => {
    await Promise.all(nodes.map(n => n.kill()))
    await lan?.destroy()
  })

  it('three hosts find each other by mDNS alone within 10 s; a host with another passphrase connects to none', async () => {
    const [h1, h2, h3, h4] = lan.hosts as [typeof lan.hosts[0], typeof lan.hosts[0], typeof lan.hosts[0], typeof lan.hosts[0]]
    const members = await Promise.all([h1, h2, h3].map((h, i) => HeadlessNode.spawn({ name: `host${i + 1}`, netns: h.ns })))
    // The outsider also knows host 1's address: even dialling it directly gets it nowhere.
    const outsider = await HeadlessNode.spawn({
      name: 'outsider',
      netns: h4.ns,
      passphrase: 'not the network passphrase',
      args: ['--peer', `/ip4/${h1.ip}/tcp/7420`]
    })
    nodes.push(...members, outsider)

    // Within 10 s of all of them running, every member is connected to every other.
    const allRunning = Date.now()
    await Promise.all(members.flatMap(a => members.filter(b => b !== a).map(async b => a.connectedTo(b, 10_000))))
    console.log(`LAN: three hosts fully connected by mDNS ${Date.now() - allRunning} ms after the last one started`)
    for (const m of members) {
      const { peers } = await m.call('status')
      expect((peers as string[]).sort()).toEqual(members.filter(o => o !== m).map(o => o.peerId).sort())
    }

    const status = await outsider.until(s => (s.dialing as Array<{ failures: number }>).some(d => d.failures >= 2), 30_000, 'failed dials')
    expect(status.peers).toEqual([])
    for (const m of members) expect((await m.call('status')).peers).not.toContain(outsider.peerId)
  })
})
