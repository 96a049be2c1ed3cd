import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HeadlessNode } from '../helpers/headless-node.js'
import { createLan, netnsSupport } from '../helpers/netns.js'
import { agreedHolders } from '../helpers/roles.js'
import type { Host, Lan } from '../helpers/netns.js'

const support = await netnsSupport()
if (!support.ok) console.warn(`SKIPPED: LAN chat tests in network namespaces: ${support.reason}`)

const PASSWORD = 'a-long-enough-password'

describe.skipIf(!support.ok)('accounts and direct messages across namespace hosts', () => {
  let lan: Lan
  const nodes: HeadlessNode[] = []
  beforeAll(async () => {
    lan = await createLan(5, '10.97.0')
  })
  afterAll(async () => {
    await Promise.all(nodes.map(n => n.kill()))
    await lan?.destroy()
  })

  it('registers and logs in from plain hosts against pinned role hosts, and delivers a DM across a cut and healed link', async () => {
    const [h1, h2, h3, h4, h5] = lan.hosts as [Host, Host, Host, Host, Host]
    const roles = await Promise.all(([['relay', h1], ['idp', h2], ['kacls', h3]] as const).map(async ([role, host]) =>
      HeadlessNode.spawn({ name: role, netns: host.ns, args: ['--role', role] })))
    const [alice, bob] = await Promise.all([['alice', h4], ['bob', h5]].map(async ([name, host]) =>
      HeadlessNode.spawn({ name: name as string, netns: (host as Host).ns, args: ['--no-roles'] })))
    nodes.push(...roles, alice!, bob!)
    await agreedHolders([...roles, alice!, bob!], 20_000)

    for (const [node, name] of [[alice!, 'alice'], [bob!, 'bob']] as const) {
      expect(await node.call('register', { username: name, password: PASSWORD })).toMatchObject({ username: name })
      expect(await node.call('login', { username: name, password: PASSWORD })).toMatchObject({ loggedIn: true })
    }

    const first = await alice!.call('send', { to: 'bob', text: 'across the LAN' })
    await bob!.waitFor(l => l.event === 'message' && l.id === first.messageId, 20_000)
    await alice!.waitFor(l => l.event === 'message:status' && l.id === first.messageId && l.status === 'delivered', 20_000)

    // bob's cable is pulled: the message waits at the relay, and reaches bob once the cable is back.
    await lan.cut(h5)
    const second = await alice!.call('send', { to: 'bob', text: 'while your link was down' })
    await alice!.waitFor(l => l.event === 'message:status' && l.id === second.messageId && l.status === 'sent', 30_000)
    await lan.heal(h5)
    expect(await bob!.waitFor(l => l.event === 'message' && l.id === second.messageId, 45_000)).toMatchObject({ text: 'while your link was down', from: 'alice' })
    await alice!.waitFor(l => l.event === 'message:status' && l.id === second.messageId && l.status === 'delivered', 30_000)
  })
})
