import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HeadlessNode } from '../helpers/headless-node.js'
import type { Line } from '../helpers/headless-node.js'

const PASSWORD = 'a-long-enough-password'

/**
 * What people expect of a messenger, through the headless API of real node
 * processes on loopback (mDNS off): unknown recipients refused, replies,
 * edits, deletions, reactions, message info, search, typing indicators, and
 * who holds each role by user and host.
 */
describe('message kinds and the rest, across node processes', () => {
  const nodes: HeadlessNode[] = []
  let idp: HeadlessNode
  let alice: HeadlessNode
  let bob: HeadlessNode

  const spawn = async (name: string, args: string[]): Promise<HeadlessNode> => {
    const node = await HeadlessNode.spawn({ name, args: ['--no-mdns', '--listen', '/ip4/127.0.0.1/tcp/0', ...args] })
    nodes.push(node)
    return node
  }
  const user = async (name: string, args: string[] = []): Promise<HeadlessNode> => {
    const node = await spawn(name, ['--no-roles', '--peer', idp.addr(), ...args])
    await node.untilReply('roles', r => r.relay !== null && r.idp !== null && r.kacls !== null, 30_000, 'roles known')
    await node.call('register', { username: name, password: PASSWORD })
    await node.call('login', { username: name, password: PASSWORD })
    return node
  }
  const event = async (node: HeadlessNode, name: string, check: (l: Line) => boolean, since = 0): Promise<Line> =>
    node.waitFor(l => l.event === name && check(l), 30_000, since)

  beforeAll(async () => {
    idp = await spawn('idp', ['--role', 'idp,kacls'])
    await spawn('relay', ['--role', 'relay', '--peer', idp.addr()])
    ;[alice, bob] = await Promise.all([user('alice'), user('bob')])
    await alice.untilReply('users', r => (r.users as Line[]).some(u => u.username === 'bob' && u.online === true), 30_000, 'bob online')
    await bob.untilReply('users', r => (r.users as Line[]).some(u => u.username === 'alice' && u.online === true), 30_000, 'alice online')
  }, 120_000)
  afterAll(async () => {
    await Promise.all(nodes.map(n => n.kill()))
  })

  it('refuses a message to a user who does not exist, and leaves no conversation behind', async () => {
    const reply = await alice.send('send', { to: 'zed', text: 'anyone there?' })
    expect(reply).toMatchObject({ ok: false, error: { code: 'UNKNOWN_USER' } })
    expect((reply.error as { message: string }).message).toMatch(/no user zed is registered/)
    const { conversations } = await alice.call('conversations')
    expect((conversations as Line[]).map(c => c.conversation)).not.toContain('zed')
  })

  it('replies, edits, reacts and deletes; both sides see the same history, with info and search', async () => {
    const q = await alice.call('send', { to: 'bob', text: 'Lunch at the café at noon?' })
    await event(bob, 'message', l => l.id === q.messageId)
    const since = bob.mark()
    const r = await bob.call('reply', { with: 'alice', message: q.messageId, text: 'yes, see you there' })
    const replied = await event(alice, 'message', l => l.id === r.messageId)
    expect(replied).toMatchObject({ kind: 'reply', replyTo: q.messageId, quote: { from: 'alice', text: 'Lunch at the café at noon?' } })
    await alice.call('edit', { with: 'bob', message: q.messageId, text: 'Lunch at the café at one?' })
    await event(bob, 'message:updated', l => l.id === q.messageId && l.change === 'edit', since)
    await bob.call('react', { with: 'alice', message: q.messageId, emoji: '👍' })
    await event(alice, 'message:updated', l => l.id === q.messageId && l.change === 'reaction')
    const oops = await alice.call('send', { to: 'bob', text: 'my password is hunter2' })
    await event(bob, 'message', l => l.id === oops.messageId)
    await alice.call('delete', { with: 'bob', message: oops.messageId })
    await event(bob, 'message:updated', l => l.id === oops.messageId && l.change === 'delete')
    // Not bob's to edit.
    expect(await bob.send('edit', { with: 'alice', message: q.messageId, text: 'forged' })).toMatchObject({ ok: false, error: { code: 'NOT_AUTHOR' } })
    for (const [node, other] of [[alice, 'bob'], [bob, 'alice']] as const) {
      const { messages } = await node.call('history', { with: other }) as { messages: Line[] }
      expect(messages.map(m => m.deleted === true ? '(deleted)' : m.text)).toEqual(['Lunch at the café at one?', 'yes, see you there', '(deleted)'])
      expect(messages[0]).toMatchObject({ edited: expect.any(Number), reactions: { '👍': ['bob'] } })
      const found = await node.call('search', { query: 'CAFE one' }) as { messages: Line[] }
      expect(found.messages.map(m => m.id)).toEqual([q.messageId])
      expect((await node.call('search', { query: 'hunter2' })).messages).toEqual([])
    }
    const read = alice.mark()
    await bob.call('read', { with: 'alice' })
    await event(alice, 'message:status', l => l.id === q.messageId && l.status === 'read', read)
    const info = await alice.call('info', { with: 'bob', message: q.messageId }) as { message: Line }
    expect(info.message).toMatchObject({ status: 'read', edits: [expect.objectContaining({ text: 'Lunch at the café at noon?' })] })
    const times = info.message.times as Record<string, number>
    expect(times.read).toBeGreaterThanOrEqual(times.delivered!)
    // The page that starts at a message (where a search result jumps to).
    const from = await alice.call('history', { with: 'bob', from: replied.hlc }) as { messages: Line[] }
    expect(from.messages[0]?.id).toBe(r.messageId)
  })

  it('tells a contact that the user is typing, on the DM stream, and stores nothing', async () => {
    const since = bob.mark()
    expect(await alice.call('typing', { to: 'bob' })).toMatchObject({ sent: true })
    expect(await event(bob, 'typing', () => true, since)).toMatchObject({ username: 'alice', conversation: 'alice', typing: true })
    await alice.call('typing', { to: 'bob', typing: false })
    await event(bob, 'typing', l => l.typing === false, since)
    const { conversations } = await bob.call('conversations')
    expect((conversations as Line[]).find(c => c.conversation === 'alice')?.lastText).not.toMatch(/typing/)
  })
})
