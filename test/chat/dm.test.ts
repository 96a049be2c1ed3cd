import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateIdentityKeyPair } from '../../src/crypto/index.js'
import { DmEnvelope } from '../../src/chat/pb/chat.js'
import { DmTransport } from '../../src/chat/transport.js'
import type { DmSelf } from '../../src/chat/transport.js'
import { TokenVerifier } from '../../src/services/index.js'
import { DEPOSIT, RELAY } from '../../src/services/relay/spec.js'
import { startCluster } from '../helpers/cluster.js'
import type { ChatMessage, MessageStatus } from '../../src/timeline/index.js'
import type { LanchatNode } from '../../src/node.js'
import type { Cluster } from '../helpers/cluster.js'

const PASSWORD = 'a-long-enough-password'
/** A transport's own user, as the node's chat gives it. */
const selfOf = (node: LanchatNode): DmSelf => ({ networkId: node.keys.networkId, user: () => ({ token: node.user.identityToken(), identity: node.user.identity() }) })

/** Resolves when `node` emits `type` with a detail matching `match`. */
async function event<T> (node: LanchatNode, type: 'message' | 'message:status' | 'message:blocked' | 'lobby' | 'presence', match: (d: T) => boolean, timeoutMs = 20_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { reject(new Error(`no ${type} event in ${timeoutMs} ms`)) }, timeoutMs)
    const listener = (evt: Event): void => {
      const detail = (evt as CustomEvent<T>).detail
      if (!match(detail)) return
      clearTimeout(timer)
      node.removeEventListener(type, listener)
      resolve(detail)
    }
    node.addEventListener(type, listener)
  })
}

const status = (id: string, s: MessageStatus) => (d: { id: string, status: MessageStatus }) => d.id === id && d.status === s

describe('one-to-one chat between in-process nodes', () => {
  let cluster: Cluster
  let alice: LanchatNode
  let bob: LanchatNode

  async function user (name: string, register = true): Promise<LanchatNode> {
    const node = cluster.nodes.get(name) ?? await cluster.add({ name })
    if (register) await node.register(name, PASSWORD)
    await node.login(name, PASSWORD)
    return node
  }

  beforeAll(async () => {
    cluster = await startCluster([{ name: 'relay', roles: ['relay'] }, { name: 'idp', roles: ['idp'] }, { name: 'kacls', roles: ['kacls'] }])
    alice = await user('alice')
    bob = await user('bob')
  })
  afterAll(async () => { await cluster?.stop() })

  it('delivers both ways, straight to the node, with pending -> delivered -> read', async () => {
    const arrived = event<ChatMessage>(bob, 'message', m => m.text === 'hello bob')
    const sent = await alice.send('bob', 'hello bob')
    expect(sent.status).toBe('pending')
    const delivered = event(alice, 'message:status', status(sent.id, 'delivered'))
    const m = await arrived
    expect(m).toMatchObject({ id: sent.id, conversation: 'alice', from: 'alice', text: 'hello bob', direction: 'in' })
    await delivered
    const read = event(alice, 'message:status', status(sent.id, 'read'))
    expect(await bob.markRead('alice')).toEqual({ read: 1 })
    await read
    expect((await alice.history('bob')).find(x => x.id === sent.id)?.status).toBe('read')

    const back = event<ChatMessage>(alice, 'message', x => x.text === 'hi alice')
    await bob.send('alice', 'hi alice')
    await back
    const history = await alice.history('bob')
    expect(history.map(x => x.text)).toEqual(['hello bob', 'hi alice'])
  })

  it('refuses bad input without storing anything', async () => {
    await expect(alice.send('alice', 'me')).rejects.toMatchObject({ code: 'BAD_RECIPIENT' })
    await expect(alice.send('bob', '   ')).rejects.toMatchObject({ code: 'BAD_TEXT' })
    await expect(alice.send('bob', 'x'.repeat(8001))).rejects.toMatchObject({ code: 'BAD_TEXT' })
    await expect(alice.send('no such user!', 'hi')).rejects.toMatchObject({ code: 'BAD_USERNAME' })
    expect((await alice.history('bob')).every(m => m.text !== 'me')).toBe(true)
  })

  it('delivers 1,000 messages in a burst exactly once and in order', async () => {
    const texts = Array.from({ length: 1000 }, (_, i) => `burst ${i}`)
    const seen: string[] = []
    const listener = (evt: CustomEvent<ChatMessage>): void => { if (evt.detail.text.startsWith('burst ')) seen.push(evt.detail.text) }
    bob.addEventListener('message', listener)
    const last = event<ChatMessage>(bob, 'message', m => m.text === 'burst 999', 60_000)
    for (const t of texts) await alice.send('bob', t)
    await last
    bob.removeEventListener('message', listener)
    expect(seen).toEqual(texts)
    const stored = (await bob.history('alice', 1000)).filter(m => m.text.startsWith('burst ')).map(m => m.text)
    expect(stored).toEqual(texts)
  })

  it('keeps the order of sends made before and after a session with a new contact exists', async () => {
    // Wave 1 is stored before any session exists; wave 2 comes once the first
    // of wave 1 is delivered, while most of wave 1 still waits to be encrypted.
    const erin = await user('erin')
    const wave1 = Array.from({ length: 2000 }, (_, i) => `wave1 ${i}`)
    const wave2 = Array.from({ length: 1500 }, (_, i) => `wave2 ${i}`)
    const seen: string[] = []
    const listener = (evt: CustomEvent<ChatMessage>): void => { if (evt.detail.text.startsWith('wave')) seen.push(evt.detail.text) }
    erin.addEventListener('message', listener)
    const last = event<ChatMessage>(erin, 'message', m => m.text === 'wave2 1499', 120_000)
    const first = event(alice, 'message:status', (d: { status: MessageStatus, conversation: string }) => d.status === 'delivered' && d.conversation === 'erin')
    await Promise.all(wave1.map(async t => alice.send('erin', t)))
    await first
    await Promise.all(wave2.map(async t => alice.send('erin', t)))
    await last
    erin.removeEventListener('message', listener)
    expect(seen).toEqual([...wave1, ...wave2])
  }, 180_000)

  it('goes through the relay when the recipient is offline, and is delivered when it returns', async () => {
    const carol = await user('carol')
    // carol knows alice, then goes away.
    await carol.send('alice', 'before I go')
    await event(alice, 'message', (m: ChatMessage) => m.text === 'before I go')
    const dir = await cluster.remove('carol')
    const sent = await alice.send('carol', 'while you were out')
    await event(alice, 'message:status', status(sent.id, 'sent'))
    const delivered = event(alice, 'message:status', status(sent.id, 'delivered'), 30_000)
    const back = await cluster.add({ name: 'carol', dataDir: dir })
    const arrived = event<ChatMessage>(back, 'message', m => m.id === sent.id, 30_000)
    await back.login('carol', PASSWORD)
    expect((await arrived).text).toBe('while you were out')
    await delivered
  })

  it('shows a replayed envelope once, and refuses one replayed by another user', async () => {
    const mallory = await user('mallory')
    // bob is away: alice's message waits in the relay's mailbox, where the relay's disk holds the envelope.
    const bobDir = await cluster.remove('bob')
    const sent = await alice.send('bob', 'captured')
    await event(alice, 'message:status', status(sent.id, 'sent'))
    const relayDisk = cluster.get('relay').store.sublevel('relay', 'bytes')
    const [raw] = await relayDisk.values({ gt: 'mail-env/bob/', lt: 'mail-env/bob/\xff' }).all()
    const captured = DmEnvelope.decode(raw!)
    expect(captured.id).toBe(sent.id)

    // mallory replays it through the relay (the relay records mallory as the sender) and straight to bob's node.
    await mallory.rpc.call(RELAY, DEPOSIT, { to: 'bob', id: 'replay-1', envelope: DmEnvelope.encode(captured) }, { identityToken: mallory.user.identityToken() })
    bob = await cluster.add({ name: 'bob', dataDir: bobDir })
    const arrived = event<ChatMessage>(bob, 'message', m => m.id === sent.id, 30_000)
    await bob.login('bob', PASSWORD)
    await arrived
    // bob came back on another port: the direct sends below go to where it is now.
    for (const node of [mallory, alice]) await node.network.libp2p.dial(bob.network.libp2p.getMultiaddrs())
    const verifier = new TokenVerifier({ registry: mallory.roles, bindings: mallory.bindings, networkId: mallory.keys.networkId })
    const sender = (node: LanchatNode): DmTransport => new DmTransport(node.network.libp2p, verifier, { onEnvelopes: async () => ({ acks: [], rejects: [] }), onBundleRequest: async () => new Uint8Array() }, selfOf(node))
    const direct = await sender(mallory).send(bob.network.peerId, mallory.user.identityToken(), [captured])
    expect(direct.rejects[0]?.code).toBe('IMPERSONATION')
    // alice's own node sending it again: acknowledged as already had, not shown again.
    const again = await sender(alice).send(bob.network.peerId, alice.user.identityToken(), [captured])
    expect(again.acks).toEqual([captured.id])
    // bob has taken (and acknowledged) everything in its mailbox, mallory's replay included.
    for (const deadline = Date.now() + 20_000; (await relayDisk.keys({ gt: 'mail-env/bob/', lt: 'mail-env/bob/\xff' }).all()).length > 0;) {
      if (Date.now() > deadline) throw new Error('bob never emptied its mailbox')
      await new Promise(resolve => setTimeout(resolve, 50))
    }
    expect((await bob.history('alice', 1000)).filter(m => m.text === 'captured')).toHaveLength(1)
    expect(await bob.history('mallory')).toEqual([])
  })

  it('sends without the X3DH fields once the recipient\'s node acknowledged a message of the session', async () => {
    await user('frank')
    const first = await alice.send('frank', 'first, straight to you')
    await event(alice, 'message:status', status(first.id, 'delivered'))
    // frank went away: the next message waits at the relay, where its envelope can be looked at.
    const dir = await cluster.remove('frank')
    const sent = await alice.send('frank', 'second, through the relay')
    await event(alice, 'message:status', status(sent.id, 'sent'))
    const relayDisk = cluster.get('relay').store.sublevel('relay', 'bytes')
    const [raw] = await relayDisk.values({ gt: 'mail-env/frank/', lt: 'mail-env/frank/\xff' }).all()
    expect(DmEnvelope.decode(raw!)).toMatchObject({ id: sent.id, initial: false })
    const back = await cluster.add({ name: 'frank', dataDir: dir })
    const arrived = event<ChatMessage>(back, 'message', m => m.id === sent.id, 30_000)
    await back.login('frank', PASSWORD)
    expect((await arrived).text).toBe('second, through the relay')
  })

  it('verifies a stream\'s token again when a later frame brings another one', async () => {
    const heidi = await user('heidi')
    const verifier = new TokenVerifier({ registry: alice.roles, bindings: alice.bindings, networkId: alice.keys.networkId })
    const transport = new DmTransport(alice.network.libp2p, verifier, { onEnvelopes: async () => ({ acks: [], rejects: [] }), onBundleRequest: async () => new Uint8Array() }, selfOf(alice))
    const envelope = (id: string, from: string): DmEnvelope => ({ id, from, to: 'bob', body: new Uint8Array([1]), initial: false })
    // Taken as alice's, then refused for its content (it is no ratchet message), not for who sent it.
    const first = await transport.send(bob.network.peerId, alice.user.identityToken(), [envelope('token-1', 'alice')])
    expect(first.rejects).toEqual([expect.objectContaining({ id: 'token-1' })])
    expect(['MALFORMED_MESSAGE', 'NO_SESSION']).toContain(first.rejects[0]!.code)
    // The same token is not sent again; another one is checked, and heidi's was issued to another node.
    const second = await transport.send(bob.network.peerId, heidi.user.identityToken(), [envelope('token-2', 'heidi')])
    expect(second).toEqual({ acks: [], rejects: [expect.objectContaining({ id: 'token-2', code: 'TOKEN_WRONG_PEER' })] })
    await transport.stop()
  })

  it('blocks sending when a contact\'s key changes, until the user trusts it', async () => {
    const dave = await user('dave')
    await alice.send('dave', 'hi dave')
    await event(dave, 'message', (m: ChatMessage) => m.text === 'hi dave')
    // The directory now names another key for dave (a re-registration, or a compromised idp).
    const idp = cluster.get('idp')
    const users = idp.store.sublevel<{ identityKey: string }>('idp', 'json')
    const record = (await users.get('dave'))!
    await users.put('dave', { ...record, identityKey: Buffer.from(generateIdentityKeyPair().publicKey).toString('hex') })
    const verify = await alice.verify('dave')
    expect(verify.keyChanged).toBe(true)
    expect(verify.safetyNumber).toMatch(/^(\d{5} ){11}\d{5}$/)
    const sent = await alice.send('dave', 'are you still you?')
    await event(alice, 'message:blocked', (d: { id: string, reason: string }) => d.id === sent.id && d.reason === 'KEY_CHANGED')
    const trusted = await alice.trust('dave')
    expect(trusted).toEqual({ username: 'dave', verified: true })
    expect((await alice.verify('dave')).keyChanged).toBe(false)
    await users.put('dave', record)
  })
})

describe('presence and the lobby', () => {
  let cluster: Cluster
  const nodes: LanchatNode[] = []

  beforeAll(async () => {
    cluster = await startCluster([{ name: 'relay', roles: ['relay'] }, { name: 'idp', roles: ['idp'] }, { name: 'kacls', roles: ['kacls'] }])
    for (const name of ['erin', 'frank', 'grace']) {
      const node = await cluster.add({ name })
      await node.register(name, PASSWORD)
      nodes.push(node)
    }
  })
  afterAll(async () => { await cluster?.stop() })

  it('shows who is online, and who went away', async () => {
    const [erin, frank, grace] = nodes as [LanchatNode, LanchatNode, LanchatNode]
    // Announcements come at login and every 10 s; a user not heard from in 35 s is offline (when its goodbye is lost).
    const online = (node: LanchatNode, name: string): Promise<unknown> => event(node, 'presence', (d: { username: string, online: boolean }) => d.username === name && d.online, 30_000)
    const seen = Promise.all([online(erin, 'frank'), online(erin, 'grace')])
    await erin.login('erin', PASSWORD)
    await frank.login('frank', PASSWORD)
    await grace.login('grace', PASSWORD)
    await seen
    expect(erin.users().filter(u => u.online).map(u => u.username)).toEqual(['erin', 'frank', 'grace'])
    expect(erin.users().find(u => u.username === 'frank')?.peers).toEqual([frank.network.peerId])
    const gone = event(erin, 'presence', (d: { username: string, online: boolean }) => d.username === 'grace' && !d.online, 60_000)
    await cluster.remove('grace')
    await gone
    expect(erin.users().find(u => u.username === 'grace')?.online).toBe(false)
  }, 120_000)

  it('posts to the lobby: everyone online sees it once, signed by its sender', async () => {
    const [erin, frank] = nodes as [LanchatNode, LanchatNode]
    const arrived = event<ChatMessage>(frank, 'lobby', m => m.text === 'hello everyone')
    const { id, conversation } = await erin.lobbySend('hello everyone')
    expect(conversation).toBe('#lobby')
    expect(await arrived).toMatchObject({ id, from: 'erin', conversation: '#lobby', text: 'hello everyone' })
    expect((await frank.history('#lobby')).map(m => m.text)).toEqual(['hello everyone'])
    expect((await erin.history('#lobby')).map(m => [m.text, m.direction])).toEqual([['hello everyone', 'out']])
    await expect(erin.lobbySend('')).rejects.toMatchObject({ code: 'BAD_TEXT' })
  })
})
