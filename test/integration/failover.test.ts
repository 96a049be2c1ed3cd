import { createHash, randomBytes } from 'node:crypto'
import { readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort, HeadlessNode, tempDir } from '../helpers/headless-node.js'
import type { Line } from '../helpers/headless-node.js'

const PASSWORD = 'a-long-enough-password'
type Role = 'relay' | 'idp' | 'kacls'

/**
 * Issue 14, "Acknowledged means durable": five nodes eligible for every role
 * (so every one of them is a replica of every role) and four users' nodes,
 * real processes on 127.0.0.1 with mDNS off. Right after each kind of
 * acknowledged write the holder that acknowledged it is SIGKILLed and its
 * data directory deleted; the next holder has the record.
 */
describe('failover after a holder is lost for good, across node processes', () => {
  const eligible: HeadlessNode[] = []
  const users = new Map<string, HeadlessNode>()
  const all: HeadlessNode[] = []
  let bootstrap: string

  const spawn = async (name: string, args: string[], dataDir?: string): Promise<HeadlessNode> => {
    const node = await HeadlessNode.spawn({ name, dataDir, args: ['--no-mdns', '--listen', `/ip4/127.0.0.1/tcp/${await freePort()}`, ...args] })
    all.push(node)
    return node
  }
  const peersArgs = (): string[] => eligible.flatMap(n => ['--peer', n.addr()])
  const user = async (name: string, register: boolean, dataDir?: string): Promise<HeadlessNode> => {
    const node = await spawn(name, ['--no-roles', ...peersArgs()], dataDir)
    await node.untilReply('roles', r => r.relay !== null && r.idp !== null && r.kacls !== null, 60_000, 'every role held')
    if (register) await retry(node, 'register', { username: name, password: PASSWORD })
    await retry(node, 'login', { username: name, password: PASSWORD })
    users.set(name, node)
    return node
  }
  /** A call retried while the role it needs is moving (the next holder catches up before it serves). */
  const retry = async (node: HeadlessNode, cmd: string, params: Record<string, unknown> = {}): Promise<Line> => {
    for (let attempt = 1; ; attempt++) {
      const reply = await node.send(cmd, params, 40_000)
      if (reply.ok === true) return reply
      const code = (reply.error as { code?: string } | undefined)?.code ?? ''
      if (attempt >= 60 || !['UNAVAILABLE', 'NOT_HOLDER', 'NOT_REPLICATED', 'TIMEOUT'].includes(code)) {
        throw new Error(`${node.name}: ${cmd} failed: ${JSON.stringify(reply.error)}`)
      }
      await new Promise(resolve => setTimeout(resolve, 500))
    }
  }
  const holderOf = async (role: Role): Promise<HeadlessNode> => {
    const r = await users.get('alice')!.call('roles')
    const peerId = (r[role] as { peerId: string } | null)?.peerId
    const node = eligible.find(n => n.peerId === peerId)
    if (node === undefined) throw new Error(`no live eligible node holds ${role}: ${JSON.stringify(r)}`)
    return node
  }
  /** SIGKILL, then the data directory goes: the holder is lost for good. */
  const destroy = async (node: HeadlessNode): Promise<void> => {
    await node.kill('SIGKILL')
    await rm(node.dataDir, { recursive: true, force: true })
    eligible.splice(eligible.indexOf(node), 1)
  }
  /** Waits until every user sees a new holder of `role` among the live eligible nodes. */
  const failedOver = async (role: Role, gone: HeadlessNode): Promise<void> => {
    for (const node of users.values()) {
      if (node.proc.exitCode !== null || node.proc.signalCode !== null) continue
      await node.untilReply('roles', r => {
        const id = (r[role] as { peerId: string } | null)?.peerId
        return id !== undefined && id !== gone.peerId && eligible.some(n => n.peerId === id)
      }, 60_000, `${role} failed over`)
    }
  }
  const status = async (node: HeadlessNode, id: string, s: string, since = 0): Promise<Line> =>
    node.waitFor(l => l.event === 'message:status' && l.id === id && l.status === s, 60_000, since)

  beforeAll(async () => {
    for (let i = 1; i <= 5; i++) {
      const node = await spawn(`r${i}`, ['--eligible', 'relay,idp,kacls', ...(i === 1 ? [] : ['--peer', bootstrap])])
      bootstrap ??= node.addr()
      eligible.push(node)
    }
    await user('alice', true)
    await user('bob', true)
    await user('carol', true)
  }, 240_000)

  afterAll(async () => {
    await Promise.all(all.map(n => n.kill()))
  })

  it('keeps a registration acknowledged just before the idp holder died: the user and existing users log in', async () => {
    const idp = await holderOf('idp')
    const dave = await spawn('dave', ['--no-roles', ...peersArgs()])
    await dave.untilReply('roles', r => r.idp !== null, 60_000, 'idp known')
    await retry(dave, 'register', { username: 'dave', password: PASSWORD })
    await destroy(idp)
    users.set('dave', dave)
    await failedOver('idp', idp)
    expect((await retry(dave, 'login', { username: 'dave', password: PASSWORD })).username).toBe('dave')
    expect((await retry(users.get('bob')!, 'login', { username: 'bob', password: PASSWORD })).username).toBe('bob')
  }, 240_000)

  it('keeps a KEK rotated just before the kacls holder died', async () => {
    const kacls = await holderOf('kacls')
    const before = await kacls.call('kacls.status')
    const rotated = await kacls.call('kacls.rotate')
    await destroy(kacls)
    await failedOver('kacls', kacls)
    const next = await holderOf('kacls')
    const after = await next.untilReply('kacls.status', s => s.kekVersions === (before.kekVersions as number) + 1, 60_000, 'both KEKs on the next holder')
    expect(after.kekVersion).toBe(rotated.kekVersion)
  }, 240_000)

  it('keeps a group commit and the posts acknowledged just before the relay holder died: a member away gets all 5, in order', async () => {
    const alice = users.get('alice')!
    const carol = users.get('carol')!
    const created = await retry(alice, 'group.create', { name: 'ops', members: ['bob', 'carol'] })
    const group = created.group as string
    await carol.untilReply('groups', r => (r.groups as Line[]).some(g => g.group === group), 60_000, 'carol in the group')
    const carolDir = carol.dataDir
    await carol.stop()
    users.delete('carol')
    const since = alice.mark()
    const texts = [1, 2, 3, 4, 5].map(i => `post ${i} while carol is away`)
    for (const text of texts) {
      const sent = await retry(alice, 'group.send', { group, text })
      await alice.waitFor(l => l.event === 'group:status' && l.id === sent.messageId && l.status === 'sent', 60_000, since)
    }
    const relay = await holderOf('relay')
    await destroy(relay)
    await failedOver('relay', relay)
    const back = await user('carol', false, carolDir)
    await retry(back, 'group.sync', { group })
    const posts = async (): Promise<unknown[]> => ((await back.call('group.history', { group })).messages as Line[]).map(m => m.text).filter(t => texts.includes(t as string))
    for (const deadline = Date.now() + 60_000; (await posts()).length < 5 && Date.now() < deadline;) await new Promise(resolve => setTimeout(resolve, 200))
    expect(await posts()).toEqual(texts)
    // New posts reach everyone.
    const bob = users.get('bob')!
    const mark = bob.mark()
    await retry(alice, 'group.send', { group, text: 'after the failover' })
    await bob.waitFor(l => l.event === 'group:message' && l.text === 'after the failover', 60_000, mark)
  }, 300_000)

  it('keeps mail deposited for an offline user, and the one-time prekey handed out for it, just before the relay holder died', async () => {
    const alice = users.get('alice')!
    const bob = users.get('bob')!
    const dave = users.get('dave')!
    const bobDir = bob.dataDir
    const daveDir = dave.dataDir
    await bob.stop()
    await dave.stop()
    users.delete('bob')
    users.delete('dave')
    const since = alice.mark()
    const texts = [1, 2, 3].map(i => `mail ${i} for bob`)
    const ids: string[] = []
    for (const text of texts) {
      const sent = await retry(alice, 'send', { to: 'bob', text })
      ids.push(sent.messageId as string)
      await status(alice, sent.messageId as string, 'sent', since)
    }
    // First contact with dave while he is away: his bundle (and a one-time prekey) from the relay, then the deposit.
    const first = await retry(alice, 'send', { to: 'dave', text: 'first contact with dave' })
    await status(alice, first.messageId as string, 'sent', since)
    const relay = await holderOf('relay')
    await destroy(relay)
    await failedOver('relay', relay)

    const bobBack = await spawn('bob', ['--no-roles', ...peersArgs()], bobDir)
    const arrived = Promise.all(ids.map(async id => bobBack.waitFor(l => l.event === 'message' && l.id === id, 90_000)))
    await bobBack.waitFor(l => l.event === 'login:required', 60_000)
    await retry(bobBack, 'login', { username: 'bob', password: PASSWORD })
    await arrived
    const { messages } = await bobBack.call('history', { with: 'alice' })
    expect((messages as Line[]).map(m => m.text).filter(t => texts.includes(t as string))).toEqual(texts)

    const daveBack = await spawn('dave', ['--no-roles', ...peersArgs()], daveDir)
    const first2 = daveBack.waitFor(l => l.event === 'message' && l.id === first.messageId, 90_000)
    await daveBack.waitFor(l => l.event === 'login:required', 60_000)
    await retry(daveBack, 'login', { username: 'dave', password: PASSWORD })
    expect(await first2).toMatchObject({ text: 'first contact with dave', from: 'alice' })
  }, 300_000)

  it('keeps a file uploaded to the relay for a user away, its sender gone too, when the relay holder is lost right after', async () => {
    let alice = users.get('alice')!
    const carol = users.get('carol')!
    // One eligible node is left: a new one joins and is the relay's replica, which takes the role over.
    const newcomer = await spawn('r6', ['--eligible', 'relay,idp,kacls', ...peersArgs()])
    eligible.push(newcomer)
    await alice.untilReply('roles', r => ((r.relay as { replicas?: Array<{ peerId: string, behind: number, synced: boolean }> | null }).replicas ?? [])
      .some(x => x.peerId === newcomer.peerId && x.synced && x.behind === 0), 60_000, 'the newcomer in step on relay')
    // A session first (a node stopped right after its login may not have left its prekeys at the relay).
    const hello = await retry(alice, 'send', { to: 'carol', text: 'a file follows' })
    await carol.waitFor(l => l.event === 'message' && l.id === hello.messageId, 60_000)
    const carolDir = carol.dataDir
    await carol.stop()
    users.delete('carol')
    await alice.untilReply('users', r => (r.users as Array<{ username: string, online: boolean }>).some(u => u.username === 'carol' && !u.online), 45_000, 'carol offline')
    const path = join(await tempDir('lanchat-failover-'), 'plan.bin')
    const data = randomBytes(3_000_000)
    await writeFile(path, data)
    const since = alice.mark()
    const sent = await retry(alice, 'file.send', { to: 'carol', path })
    expect(sent.relay).toBe('uploading')
    // Every chunk acknowledged by the holder (so stored by another relay-eligible node too), and the offer in carol's mailbox.
    await alice.untilReply('files', r => (r.files as Line[]).some(f => f.file === sent.file && f.relay === 'uploaded'), 60_000, 'the relay holds the file')
    await status(alice, sent.messageId as string, 'sent', since)
    // The sender goes (it would upload again to a new holder), then the holder is lost for good.
    const relay = await holderOf('relay')
    const aliceDir = alice.dataDir
    await alice.stop()
    users.delete('alice')
    await destroy(relay)
    const back = await user('carol', false, carolDir)
    // From the start of its output: the download may be done before the call returns.
    const got = await back.waitFor(l => (l.event === 'file:done' || l.event === 'file:failed') && l.id === sent.file, 120_000, 0)
    expect(got.event).toBe('file:done')
    expect(createHash('sha256').update(await readFile(got.path as string)).digest('hex')).toBe(createHash('sha256').update(data).digest('hex'))
    alice = await user('alice', false, aliceDir)
  }, 300_000)

  it('unwraps epoch keys of old and new KEK versions after the kacls holder is lost: a member away reads both', async () => {
    const alice = users.get('alice')!
    // One eligible node is left: a new one joins, catches up on its own, and is the replica that takes over.
    const newcomer = await spawn('r7', ['--eligible', 'relay,idp,kacls', ...peersArgs()])
    eligible.push(newcomer)
    await alice.untilReply('roles', r => ((r.kacls as { replicas?: Array<{ peerId: string, behind: number, synced: boolean }> | null }).replicas ?? [])
      .some(x => x.peerId === newcomer.peerId && x.synced && x.behind === 0), 60_000, 'the newcomer in step on kacls')
    // carol is away for all of it: she has unwrapped none of the group's epoch keys.
    const carol = users.get('carol')!
    const carolDir = carol.dataDir
    await carol.stop()
    users.delete('carol')
    const created = await retry(alice, 'group.create', { name: 'archive', members: ['carol'] })
    const group = created.group as string
    const post = async (text: string): Promise<void> => {
      const since = alice.mark()
      const sent = await retry(alice, 'group.send', { group, text })
      await alice.waitFor(l => l.event === 'group:status' && l.id === sent.messageId && l.status === 'sent', 60_000, since)
    }
    await post('under the old KEK')
    // A new KEK, then a new epoch (bob joins) whose key is wrapped under it.
    const kacls = await holderOf('kacls')
    const before = await kacls.call('kacls.status')
    // The newcomer holds every KEK once the holder sealed a lockbox of each to it (at once when it is a replica in step).
    await newcomer.untilReply('kacls.status', st => st.kekVersions === before.kekVersions, 30_000, 'every KEK sealed to the newcomer')
    await kacls.call('kacls.rotate')
    await retry(alice, 'group.invite', { group, user: 'bob' })
    await post('under the new KEK')
    await destroy(kacls)
    await failedOver('kacls', kacls)
    // Both KEKs listed and both opened (a lockbox to the new holder for each): keksNotHeld says it has none it cannot open.
    expect(await (await holderOf('kacls')).call('kacls.status')).toMatchObject({ kekVersions: (before.kekVersions as number) + 1, keksNotHeld: 0 })
    const back = await user('carol', false, carolDir)
    await retry(back, 'group.sync', { group })
    const texts = ['under the old KEK', 'under the new KEK']
    const read = async (): Promise<unknown[]> => ((await back.call('group.history', { group })).messages as Line[]).map(m => m.text).filter(t => texts.includes(t as string))
    for (const deadline = Date.now() + 60_000; (await read()).length < 2 && Date.now() < deadline;) await new Promise(resolve => setTimeout(resolve, 200))
    expect(await read()).toEqual(texts)
  }, 300_000)
})
