import { createHash, randomBytes } from 'node:crypto'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HeadlessNode, tempDir } from '../helpers/headless-node.js'
import { createLan, netnsSupport } from '../helpers/netns.js'
import { agreedHolders } from '../helpers/roles.js'
import type { Host, Lan } from '../helpers/netns.js'
import type { Line } from '../helpers/headless-node.js'

const support = await netnsSupport()
if (!support.ok) console.warn(`SKIPPED: LAN file tests in network namespaces: ${support.reason}`)

const PASSWORD = 'a-long-enough-password'
const SIZE = 64_000_000

describe.skipIf(!support.ok)('a file to a group across four namespace hosts', () => {
  let lan: Lan
  const nodes: HeadlessNode[] = []
  beforeAll(async () => {
    lan = await createLan(4, '10.95.0')
  })
  afterAll(async () => {
    await Promise.all(nodes.map(n => n.kill()))
    await lan?.destroy()
  })

  it('reaches every member; a host cut off mid-transfer completes once its cable is back, keeping what it had', async () => {
    const t0 = Date.now()
    const [h1, h2, h3, h4] = lan.hosts as [Host, Host, Host, Host]
    // Each host has a user (real mDNS discovery, no --peer); members take files up to 100 MB on their own.
    const spec = [['alice', h1, ['--role', 'relay']], ['bob', h2, ['--role', 'idp']], ['carol', h3, ['--role', 'kacls']], ['dave', h4, ['--no-roles']]] as const
    const all = await Promise.all(spec.map(async ([name, host, args]) =>
      HeadlessNode.spawn({ name, netns: host.ns, args: [...args, '--auto-accept', '100MB'] })))
    nodes.push(...all)
    const [alice, bob, carol, dave] = all as [HeadlessNode, HeadlessNode, HeadlessNode, HeadlessNode]
    await agreedHolders(all, 30_000)
    for (const [node, name] of [[alice, 'alice'], [bob, 'bob'], [carol, 'carol'], [dave, 'dave']] as const) {
      await node.call('register', { username: name, password: PASSWORD })
      await node.call('login', { username: name, password: PASSWORD })
    }
    const created = await alice.call('group.create', { name: 'film club', members: ['bob', 'carol', 'dave'] })
    const group = created.group as string
    for (const n of [bob, carol, dave]) await n.waitFor(l => l.event === 'group:changed' && l.group === group && l.epoch === 1, 30_000)
    for (const n of [bob, carol, dave]) {
      await alice.untilReply('users', r => (r.users as Array<{ username: string, online: boolean }>).some(u => u.username === n.name && u.online), 30_000, `${n.name} online`)
    }

    const dir = await tempDir('lanchat-lan-file-')
    const data = randomBytes(SIZE)
    const sha256 = createHash('sha256').update(data).digest('hex')
    await writeFile(join(dir, 'film.mkv'), data)
    console.log(`LAN: ${Date.now() - t0} ms to start four nodes, register, log in and make the group`)
    const sent = await alice.call('file.send', { group, path: join(dir, 'film.mkv') }, 60_000)
    const file = sent.file as string
    // Every member is online: nothing for the relay (alice holds it anyway).
    expect(sent).toMatchObject({ conversation: `group:${group}`, size: SIZE, state: 'sending' })

    // dave's cable is pulled once some of the file is on his disk.
    const some = await dave.waitFor(l => l.event === 'file:progress' && l.id === file && (l.bytes as number) > 0, 90_000)
    await lan.cut(h4)
    const cutAt = Date.now()
    const daveSince = dave.mark()
    console.log(`LAN: dave cut off with ${some.bytes as number} of ${SIZE} bytes`)
    for (const n of [bob, carol]) {
      const done = await n.waitFor(l => (l.event === 'file:done' || l.event === 'file:failed') && l.id === file, 120_000)
      expect(done).toMatchObject({ event: 'file:done', sha256 })
      expect(createHash('sha256').update(await readFile(done.path as string)).digest('hex')).toBe(sha256)
    }
    const cutFor = Date.now() - cutAt
    console.log(`LAN: bob and carol had the file ${cutFor} ms after dave was cut`)
    const during = (await dave.call('files')).files as Line[]
    expect(during[0]).toMatchObject({ file, state: 'downloading' })
    expect(during[0]!.bytes as number).toBeLessThan(SIZE)

    await lan.heal(h4)
    const healedAt = Date.now()
    const done = await dave.waitFor(l => (l.event === 'file:done' || l.event === 'file:failed') && l.id === file, 120_000, daveSince)
    expect(done).toMatchObject({ event: 'file:done', sha256 })
    expect(createHash('sha256').update(await readFile(done.path as string)).digest('hex')).toBe(sha256)
    console.log(`LAN: cut for ${cutFor} ms; dave had the file ${Date.now() - healedAt} ms after the cable was back`)
    // What dave had before the cut was kept: the transfer went on from there, never from zero.
    const after = dave.lines.slice(daveSince).filter(l => l.event === 'file:progress' && l.id === file).map(l => l.bytes as number)
    expect(after.every(b => b >= (some.bytes as number))).toBe(true)
  }, 300_000)
})
