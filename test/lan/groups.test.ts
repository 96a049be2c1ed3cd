import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HeadlessNode } from '../helpers/headless-node.js'
import { createLan, netnsSupport } from '../helpers/netns.js'
import { agreedHolders } from '../helpers/roles.js'
import type { Host, Lan } from '../helpers/netns.js'

const support = await netnsSupport()
if (!support.ok) console.warn(`SKIPPED: LAN group tests in network namespaces: ${support.reason}`)

const PASSWORD = 'a-long-enough-password'

describe.skipIf(!support.ok)('a group across four namespace hosts', () => {
  let lan: Lan
  const nodes: HeadlessNode[] = []
  beforeAll(async () => {
    lan = await createLan(4, '10.96.0')
  })
  afterAll(async () => {
    await Promise.all(nodes.map(n => n.kill()))
    await lan?.destroy()
  })

  it('fans out over the LAN; a host cut off gets what it missed once healed, and what it typed meanwhile goes out', async () => {
    const [h1, h2, h3, h4] = lan.hosts as [Host, Host, Host, Host]
    // Each host has a user; three of them also hold a role (real mDNS discovery, no --peer).
    const spec = [['alice', h1, ['--role', 'relay']], ['bob', h2, ['--role', 'idp']], ['carol', h3, ['--role', 'kacls']], ['dave', h4, ['--no-roles']]] as const
    const [alice, bob, carol, dave] = await Promise.all(spec.map(async ([name, host, args]) =>
      HeadlessNode.spawn({ name, netns: host.ns, args: [...args] })))
    const all = [alice!, bob!, carol!, dave!]
    nodes.push(...all)
    await agreedHolders(all, 30_000)
    for (const [node, name] of [[alice!, 'alice'], [bob!, 'bob'], [carol!, 'carol'], [dave!, 'dave']] as const) {
      await node.call('register', { username: name, password: PASSWORD })
      await node.call('login', { username: name, password: PASSWORD })
    }

    const created = await alice!.call('group.create', { name: 'lan party', members: ['bob', 'carol', 'dave'] })
    const group = created.group as string
    for (const n of [bob!, carol!, dave!]) await n.waitFor(l => l.event === 'group:changed' && l.group === group && l.epoch === 1, 30_000)
    const hello = await alice!.call('group.send', { group, text: 'hello LAN' })
    for (const n of [bob!, carol!, dave!]) await n.waitFor(l => l.event === 'group:message' && l.id === hello.messageId, 30_000)

    // dave's cable is pulled, long enough for the others to drop their connections to it (so nothing waits in a
    // TCP buffer to be retransmitted: what dave missed can only come from the relay). The others keep talking;
    // dave types too.
    await lan.cut(h4)
    const since = dave!.mark()
    const cutAt = Date.now()
    await alice!.until(s => !(s.peers as string[]).includes(dave!.peerId), 45_000, 'alice dropped dave')
    console.log(`LAN: the relay host dropped the cut-off host ${Date.now() - cutAt} ms after the cut`)
    const missed = []
    for (const [node, text] of [[alice!, 'while dave was away 1'], [bob!, 'while dave was away 2'], [carol!, 'while dave was away 3']] as const) {
      const sent = await node.call('group.send', { group, text })
      await node.waitFor(l => l.event === 'group:status' && l.id === sent.messageId && l.status === 'sent', 30_000)
      missed.push(sent.messageId)
    }
    const typed = await dave!.call('group.send', { group, text: 'typed while cut off' })
    expect((await dave!.call('group.history', { group })).messages).toContainEqual(expect.objectContaining({ id: typed.messageId, status: 'pending' }))

    await lan.heal(h4)
    const healedAt = Date.now()
    for (const id of missed) await dave!.waitFor(l => l.event === 'group:message' && l.id === id, 60_000, since)
    console.log(`LAN: the healed member had what it missed ${Date.now() - healedAt} ms after the cable was back`)
    await dave!.waitFor(l => l.event === 'group:status' && l.id === typed.messageId && l.status === 'sent', 60_000, since)
    for (const n of [alice!, bob!, carol!]) await n.waitFor(l => l.event === 'group:message' && l.id === typed.messageId, 60_000)
    const { messages } = await dave!.call('group.history', { group })
    expect((messages as Array<{ text: string }>).map(m => m.text)).toEqual(['hello LAN', 'while dave was away 1', 'while dave was away 2', 'while dave was away 3', 'typed while cut off'])
  })
})
