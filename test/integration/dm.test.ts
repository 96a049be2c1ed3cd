import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort, HeadlessNode } from '../helpers/headless-node.js'
import type { Line } from '../helpers/headless-node.js'

const PASSWORD = 'a-long-enough-password'

/** Three role nodes and users' nodes as real processes on loopback (mDNS off). */
describe('one-to-one chat across node processes', () => {
  const nodes: HeadlessNode[] = []
  let relayPort: number
  let relay: HeadlessNode
  let idp: HeadlessNode
  let bootstrap: string

  const spawn = async (name: string, args: string[], dataDir?: string): Promise<HeadlessNode> => {
    const node = await HeadlessNode.spawn({ name, dataDir, args: ['--no-mdns', ...args] })
    nodes.push(node)
    return node
  }
  const startRelay = async (dataDir?: string): Promise<HeadlessNode> =>
    spawn('relay', ['--listen', `/ip4/127.0.0.1/tcp/${relayPort}`, '--role', 'relay', ...(dataDir === undefined ? [] : ['--peer', bootstrap])], dataDir)
  const client = async (name: string, dataDir?: string): Promise<HeadlessNode> => {
    const node = await spawn(name, ['--listen', '/ip4/127.0.0.1/tcp/0', '--no-roles', '--peer', bootstrap], dataDir)
    await node.untilReply('roles', r => r.relay !== null && r.idp !== null, 20_000, 'relay and idp known')
    return node
  }
  const loggedIn = async (name: string, register: boolean, dataDir?: string): Promise<HeadlessNode> => {
    const node = await client(name, dataDir)
    if (register) await node.call('register', { username: name, password: PASSWORD })
    await node.call('login', { username: name, password: PASSWORD })
    return node
  }
  const message = (node: HeadlessNode, id: string, since = 0): Promise<Line> =>
    node.waitFor(l => l.event === 'message' && l.id === id, 30_000, since)
  const status = (node: HeadlessNode, id: string, s: string, since = 0): Promise<Line> =>
    node.waitFor(l => l.event === 'message:status' && l.id === id && l.status === s, 30_000, since)

  beforeAll(async () => {
    relayPort = await freePort()
    idp = await spawn('idp', ['--listen', '/ip4/127.0.0.1/tcp/0', '--role', 'idp,kacls'])
    bootstrap = idp.addr()
    relay = await startRelay()
    await relay.call('status')
  })
  afterAll(async () => {
    await Promise.all(nodes.map(n => n.kill()))
  })

  it('sends both ways between two processes, with delivery states as events', async () => {
    const alice = await loggedIn('alice', true)
    const bob = await loggedIn('bob', true)
    const sent = await alice.call('send', { to: 'bob', text: 'hello from a process' })
    expect(sent).toMatchObject({ ok: true, status: 'pending', conversation: 'bob' })
    expect(await message(bob, sent.messageId as string)).toMatchObject({ from: 'alice', conversation: 'alice', text: 'hello from a process' })
    await status(alice, sent.messageId as string, 'delivered')
    const reply = await bob.call('send', { to: 'alice', text: 'and back' })
    await message(alice, reply.messageId as string)
    const { messages } = await alice.call('history', { with: 'bob' })
    expect((messages as Line[]).map(m => [m.text, m.direction])).toEqual([['hello from a process', 'out'], ['and back', 'in']])
    const { conversations } = await bob.call('conversations')
    expect(conversations).toMatchObject([{ conversation: 'alice', unread: 1 }])
    await bob.call('read', { with: 'alice' })
    await status(alice, sent.messageId as string, 'read')
    expect((await alice.send('send', { to: 'bob' })).error).toMatchObject({ code: 'BAD_PARAMS' })
    await alice.stop()
    await bob.stop()
  })

  it('keeps a message through a sender crash, a relay restart and an offline recipient', async () => {
    const alice = await loggedIn('carol', true)
    const bob = await loggedIn('dave', true)
    const hello = await alice.call('send', { to: 'dave', text: 'first contact' })
    await message(bob, hello.messageId as string)
    const bobDir = bob.dataDir
    await bob.stop()
    await relay.stop()

    // dave and the relay are gone: the message can only wait in carol's outbox. carol is killed right after send replied.
    const sent = await alice.call('send', { to: 'dave', text: 'survives everything' })
    expect(sent.status).toBe('pending')
    await alice.kill('SIGKILL')

    relay = await startRelay(relay.dataDir)
    const carol = await client('carol', alice.dataDir)
    expect(await carol.waitFor(l => l.event === 'login:required')).toMatchObject({ username: 'carol', reason: 'restarted' })
    await carol.call('login', { username: 'carol', password: PASSWORD })
    // With dave away, carol's restarted node puts it in the relay's mailbox...
    await status(carol, sent.messageId as string, 'sent')
    // ...which the relay keeps across its own restart.
    await relay.stop()
    relay = await startRelay(relay.dataDir)

    const dave = await client('dave', bobDir)
    const arrived = message(dave, sent.messageId as string)
    await dave.call('login', { username: 'dave', password: PASSWORD })
    expect(await arrived).toMatchObject({ text: 'survives everything', from: 'carol' })
    await status(carol, sent.messageId as string, 'delivered')
    const { messages } = await dave.call('history', { with: 'carol' })
    expect((messages as Line[]).filter(m => m.text === 'survives everything')).toHaveLength(1)
    // Each relay restart moves the role to the live replica (the idp node is eligible for relay) and back, and each new
    // holder holds requests until it has caught up (docs/replication.md, "Failover"): 21-36 s alone; the time limit
    // leaves room for a 2-core machine shared with other suites.
  }, 150_000)
})
