import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HeadlessNode } from '../helpers/headless-node.js'
import { createLan, netnsSupport } from '../helpers/netns.js'
import { agreedHolders, holders } from '../helpers/roles.js'
import type { Lan } from '../helpers/netns.js'

const support = await netnsSupport()
if (!support.ok) console.warn(`SKIPPED: LAN role tests in network namespaces: ${support.reason}`)

describe.skipIf(!support.ok)('roles on a LAN of namespace hosts', () => {
  let lan: Lan
  const nodes: HeadlessNode[] = []
  beforeAll(async () => {
    lan = await createLan(5, '10.98.0')
  })
  afterAll(async () => {
    await Promise.all(nodes.map(n => n.kill()))
    await lan?.destroy()
  })

  it('a plain host sees the three pinned role hosts; a host with another passphrase sees none of them', async () => {
    const [h1, h2, h3, h4, h5] = lan.hosts
    const pinned = await Promise.all(([['relay', h1], ['idp', h2], ['kacls', h3]] as const).map(async ([role, host]) =>
      HeadlessNode.spawn({ name: role, netns: host!.ns, args: ['--role', role] })))
    const plain = await HeadlessNode.spawn({ name: 'plain', netns: h4!.ns })
    const outsider = await HeadlessNode.spawn({ name: 'outsider', netns: h5!.ns, passphrase: 'some other network entirely' })
    nodes.push(...pinned, plain, outsider)

    const agreed = await agreedHolders([...pinned, plain], 20_000)
    expect(agreed).toEqual({ relay: pinned[0]!.peerId, idp: pinned[1]!.peerId, kacls: pinned[2]!.peerId })
    const reply = await plain.call('roles')
    for (const role of ['relay', 'idp', 'kacls']) expect(reply[role]).toMatchObject({ pinned: true })
    expect(reply.warnings).toEqual([])

    const theirs = holders(await outsider.call('roles'))
    for (const n of [...pinned, plain]) expect(theirs).not.toContain(n.peerId)
    const view = await outsider.call('registry')
    expect((view.nodes as Array<{ peerId: string }>).map(n => n.peerId)).toEqual([outsider.peerId])
  })
})
