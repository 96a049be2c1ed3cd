import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HeadlessNode } from '../helpers/headless-node.js'
import type { Line } from '../helpers/headless-node.js'

const PASSWORD = 'a-long-enough-password'

/** Groups driven through the headless JSON-lines API, every node a real process on loopback (mDNS off). */
describe('group chat across node processes (headless)', () => {
  const nodes: HeadlessNode[] = []
  const users: Record<string, HeadlessNode> = {}
  let bootstrap: string
  let group: string

  const spawn = async (name: string, args: string[]): Promise<HeadlessNode> => {
    const node = await HeadlessNode.spawn({ name, args: ['--no-mdns', '--listen', '/ip4/127.0.0.1/tcp/0', ...args] })
    nodes.push(node)
    return node
  }
  const message = async (node: HeadlessNode, text: string, since = 0): Promise<Line> =>
    node.waitFor(l => l.event === 'group:message' && l.text === text, 30_000, since)
  const changed = async (node: HeadlessNode, check: (l: Line) => boolean, since = 0): Promise<Line> =>
    node.waitFor(l => l.event === 'group:changed' && l.group === group && check(l), 30_000, since)

  beforeAll(async () => {
    const idp = await spawn('idp', ['--role', 'idp,kacls'])
    bootstrap = idp.addr()
    await spawn('relay', ['--role', 'relay', '--peer', bootstrap])
    await Promise.all(['alice', 'bob', 'carol', 'dave'].map(async name => {
      const node = await spawn(name, ['--no-roles', '--peer', bootstrap])
      await node.untilReply('roles', r => r.relay !== null && r.idp !== null && r.kacls !== null, 30_000, 'role holders known')
      await node.call('register', { username: name, password: PASSWORD })
      await node.call('login', { username: name, password: PASSWORD })
      users[name] = node
    }))
  })
  afterAll(async () => {
    await Promise.all(nodes.map(n => n.kill()))
  })

  it('creates a group, fans out, and answers members, history and groups', async () => {
    const { alice, bob, carol } = users as Record<string, HeadlessNode>
    const created = await alice!.call('group.create', { name: 'ops', members: ['bob', 'carol'] })
    group = created.group as string
    expect(created).toMatchObject({ ok: true, name: 'ops', epoch: 1, members: ['alice', 'bob', 'carol'], admins: ['alice'], member: true })
    expect(group).toMatch(/^[0-9a-f]{32}$/)
    for (const n of [bob!, carol!]) expect(await changed(n, l => l.epoch === 1)).toMatchObject({ members: ['alice', 'bob', 'carol'], admins: ['alice'], hash: created.hash })

    const sent = await alice!.call('group.send', { group, text: 'hello ops' })
    expect(sent).toMatchObject({ ok: true, group, conversation: `group:${group}`, status: 'pending' })
    expect(sent.messageId).toMatch(/^[0-9a-f]{32}$/)
    for (const n of [bob!, carol!]) {
      expect(await message(n, 'hello ops')).toMatchObject({ group, from: 'alice', id: sent.messageId, epoch: 1, conversation: `group:${group}`, hlc: sent.hlc })
    }
    await alice!.waitFor(l => l.event === 'group:status' && l.id === sent.messageId && l.status === 'sent', 30_000)
    const { messages } = await bob!.call('group.history', { group })
    expect((messages as Line[]).map(m => [m.from, m.text, m.direction])).toEqual([['alice', 'hello ops', 'in']])
    const mine = await alice!.call('group.history', { group, limit: 10 })
    expect((mine.messages as Line[])[0]).toMatchObject({ text: 'hello ops', direction: 'out', status: 'sent' })
    const members = await carol!.call('group.members', { group })
    expect(members).toMatchObject({ group, epoch: 1, members: ['alice', 'bob', 'carol'], hash: created.hash })
    const { groups } = await bob!.call('groups')
    expect(groups).toMatchObject([{ group, name: 'ops', epoch: 1, member: true }])
    // Every reply's `id` is the command's own.
    for (const reply of [created, sent, members]) expect(typeof reply.id).toBe('number')
  })

  it('invites, promotes, kicks and leaves with events on every member; a joiner reads nothing older', async () => {
    const { alice, bob, carol, dave } = users as Record<string, HeadlessNode>
    const invited = await alice!.call('group.invite', { group, user: 'dave' })
    expect(invited).toMatchObject({ epoch: 2, members: ['alice', 'bob', 'carol', 'dave'], change: 'invite', subject: 'dave' })
    await changed(dave!, l => l.epoch === 2 && l.member === true)
    await dave!.call('group.sync', { group })
    expect((await dave!.call('group.history', { group })).messages).toEqual([])
    const promoted = await alice!.call('group.promote', { group, user: 'bob' })
    expect(promoted).toMatchObject({ epoch: 3, admins: ['alice', 'bob'] })
    await changed(bob!, l => l.epoch === 3)
    const kicked = await bob!.call('group.kick', { group, user: 'carol' })
    expect(kicked).toMatchObject({ epoch: 4, members: ['alice', 'bob', 'dave'] })
    expect(await changed(carol!, l => l.member === false)).toMatchObject({ epoch: 4 })
    expect(await carol!.send('group.send', { group, text: 'hello?' })).toMatchObject({ ok: false, error: { code: 'NOT_MEMBER' } })
    expect(await alice!.call('group.leave', { group })).toMatchObject({ group, left: true })
    const after = await changed(dave!, l => !(l.members as string[]).includes('alice'))
    expect(after).toMatchObject({ epoch: 5, members: ['bob', 'dave'], admins: ['bob'], change: 'leave', subject: 'alice' })
    expect(after.author).not.toBe('alice')
    const since = bob!.mark()
    await dave!.call('group.send', { group, text: 'just us two' })
    await message(bob!, 'just us two', since)
    const aliceHistory = await alice!.call('group.history', { group })
    expect((aliceHistory.messages as Line[]).map(m => m.text)).not.toContain('just us two')
  })

  it('answers bad input with typed errors', async () => {
    const { bob } = users as Record<string, HeadlessNode>
    const unknown = 'cd'.repeat(16)
    expect((await bob!.send('group.send', { group: unknown, text: 'x' })).error).toMatchObject({ code: 'UNKNOWN_GROUP' })
    expect((await bob!.send('group.members', { group: 'nope' })).error).toMatchObject({ code: 'BAD_GROUP' })
    expect((await bob!.send('group.send', { group, text: 'x'.repeat(8001) })).error).toMatchObject({ code: 'BAD_TEXT' })
    expect((await bob!.send('group.send', { group })).error).toMatchObject({ code: 'BAD_PARAMS' })
    expect((await bob!.send('group.create', { name: 'x', members: 'bob' })).error).toMatchObject({ code: 'BAD_PARAMS' })
    expect((await bob!.send('group.kick', { group, user: 'bob' })).error).toMatchObject({ code: 'CANNOT_KICK_SELF' })
    expect((await users.dave!.send('group.kick', { group, user: 'bob' })).error).toMatchObject({ code: 'NOT_ADMIN' })
    expect((await bob!.send('group.invite', { group, user: 'nobody-here' })).error).toMatchObject({ code: 'UNKNOWN_USER' })
  })
})
