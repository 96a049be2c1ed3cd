import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HeadlessNode } from '../helpers/headless-node.js'
import { createLan, netnsSupport } from '../helpers/netns.js'
import type { Lan } from '../helpers/netns.js'

const support = await netnsSupport()
if (!support.ok) console.warn(`SKIPPED: LAN tests in network namespaces: ${support.reason}`)

/** Issue 18, item 3: a mistyped passphrase makes a network of one; the node says other networks' nodes are around. */
describe.skipIf(!support.ok)('other lanchat networks on the LAN (real mDNS in network namespaces)', () => {
  let lan: Lan
  const nodes: HeadlessNode[] = []

  beforeAll(async () => {
    lan = await createLan(4, '10.98.0')
  })
  afterAll(async () => {
    await Promise.all(nodes.map(n => n.kill()))
    await lan?.destroy()
  })

  it('tells a node with another passphrase how many nodes of another network it hears, and shows no stale role holder after a restart', async () => {
    const [h1, h2, h3, h4] = lan.hosts as [typeof lan.hosts[0], typeof lan.hosts[0], typeof lan.hosts[0], typeof lan.hosts[0]]
    const members = await Promise.all([h1, h2, h3].map((h, i) => HeadlessNode.spawn({ name: `member${i + 1}`, netns: h.ns })))
    nodes.push(...members)
    // The fourth first joins with the right passphrase and learns the role holders...
    let lone = await HeadlessNode.spawn({ name: 'lone', netns: h4.ns })
    nodes.push(lone)
    await lone.untilReply('roles', r => r.relay !== null && r.idp !== null && r.kacls !== null, 30_000, 'holders known')
    await lone.stop()
    // ...then comes back on the same data directory with a mistyped passphrase: a network of its own.
    lone = await HeadlessNode.spawn({ name: 'lone-again', netns: h4.ns, dataDir: lone.dataDir, passphrase: 'correct horse battery stapel' })
    nodes.push(lone)
    const told = await lone.waitFor(l => l.event === 'lan:foreign' && l.nodes === 3, 30_000)
    expect(told).toMatchObject({ networks: 1, message: '3 lanchat nodes of another network are on this LAN: is the passphrase or the network name different?' })
    const status = await lone.call('status')
    expect(status).toMatchObject({ peers: [], foreign: { nodes: 3, networks: 1 } })
    // The registry counts only connected nodes: no holder it knew from before shows.
    const roles = await lone.call('roles')
    for (const r of ['relay', 'idp', 'kacls']) expect([null, lone.peerId]).toContain((roles[r] as { peerId: string } | null)?.peerId ?? null)
    // The members hear one node of another network.
    await members[0]!.until(s => (s.foreign as { nodes: number }).nodes === 1, 30_000, 'the lone node heard')
  })
})
