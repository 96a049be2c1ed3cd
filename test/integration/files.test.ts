import { createHash, randomBytes } from 'node:crypto'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openStore } from '../../store/index.js'
import { HeadlessNode, tempDir } from '../helpers/headless-node.js'
import type { Line } from '../helpers/headless-node.js'

const PASSWORD = 'a-long-enough-password'
const LOCAL = ['--no-mdns', '--listen', '/ip4/127.0.0.1/tcp/0']
const MB = 1_000_000

/** A file of random bytes in a temporary directory: its path and SHA-256. */
async function randomFile (name: string, size: number): Promise<{ path: string, sha256: string }> {
  const path = join(await tempDir('lanchat-files-'), name)
  const data = randomBytes(size)
  await writeFile(path, data)
  return { path, sha256: createHash('sha256').update(data).digest('hex') }
}

async function sha256Of (path: string): Promise<string> {
  return createHash('sha256').update(await readFile(path)).digest('hex')
}

/** Files between node processes on loopback (mDNS off): role nodes, then users. */
describe('files across node processes', () => {
  const nodes: HeadlessNode[] = []
  let idp: HeadlessNode
  let relay: HeadlessNode

  const spawn = async (name: string, args: string[], dataDir?: string): Promise<HeadlessNode> => {
    const node = await HeadlessNode.spawn({ name, dataDir, args: [...LOCAL, ...args] })
    nodes.push(node)
    return node
  }
  const user = async (name: string, opts: { register?: boolean, dataDir?: string, args?: string[] } = {}): Promise<HeadlessNode> => {
    const node = await spawn(name, ['--no-roles', '--peer', idp.addr(), ...(opts.args ?? [])], opts.dataDir)
    await node.untilReply('roles', r => r.relay !== null && r.idp !== null, 30_000, 'relay and idp known')
    if (opts.register === true) await node.call('register', { username: name, password: PASSWORD })
    await node.call('login', { username: name, password: PASSWORD })
    return node
  }
  const seesOnline = async (node: HeadlessNode, who: string, online = true): Promise<void> => {
    await node.untilReply('users', r => (r.users as Array<{ username: string, online: boolean }>).some(u => u.username === who && u.online === online), 45_000, `${who} ${online ? 'online' : 'offline'}`)
  }
  const event = async (node: HeadlessNode, name: string, file: string, since = 0, timeoutMs = 60_000): Promise<Line> =>
    node.waitFor(l => (l.event === name && l.id === file) || (l.event === 'file:failed' && l.id === file && name !== 'file:failed'), timeoutMs, since)
  /** `to` goes away, then `from` sends it a file: the file, and its id once the relay holds all of it. */
  const sentWhileAway = async (from: HeadlessNode, to: HeadlessNode, name: string, size: number): Promise<{ f: { path: string, sha256: string }, file: string }> => {
    await seesOnline(from, to.name)
    // They have talked (a session): a node stopped right after its login may not have left its prekeys at the relay.
    const hello = await from.call('send', { to: to.name, text: 'hello' })
    await to.waitFor(l => l.event === 'message' && l.id === hello.messageId, 60_000)
    await to.stop()
    await seesOnline(from, to.name, false)
    const f = await randomFile(name, size)
    const since = from.mark()
    const sent = await from.call('file.send', { to: to.name, path: f.path })
    expect(sent.relay).toBe('uploading')
    await from.untilReply('files', r => (r.files as Line[])[0]?.relay === 'uploaded', 60_000, 'the relay holds the file')
    // The offer itself is in the relay's mailbox too (else it waits in the sender's outbox for the sender's return).
    await from.waitFor(l => l.event === 'message:status' && l.id === sent.messageId && l.status === 'sent', 60_000, since)
    return { f, file: sent.file as string }
  }
  const done = async (node: HeadlessNode, file: string, since = 0): Promise<Line> => {
    const line = await event(node, 'file:done', file, since, 90_000)
    expect(line).toMatchObject({ event: 'file:done' })
    return line
  }

  beforeAll(async () => {
    idp = await spawn('idp', ['--role', 'idp,kacls'])
    relay = await spawn('relay', ['--role', 'relay', '--peer', idp.addr()])
  })
  afterAll(async () => {
    await Promise.all(nodes.map(n => n.kill()))
  })

  it('sends a file to a contact online: offered, fetched from the sender, verified and saved under its name, never over another', async () => {
    const alice = await user('alice', { register: true })
    const bob = await user('bob', { register: true })
    await seesOnline(alice, 'bob')
    const f = await randomFile('notes.txt', 3 * MB)
    // A file of that name is in bob's downloads already: it stays, the new one is numbered.
    const downloads = join(bob.dataDir, 'downloads')
    await (await import('node:fs/promises')).mkdir(downloads, { recursive: true })
    await writeFile(join(downloads, 'notes.txt'), 'mine')
    const sent = await alice.call('file.send', { to: 'bob', path: f.path })
    expect(sent).toMatchObject({ direction: 'out', name: 'notes.txt', size: 3 * MB, state: 'sending', conversation: 'bob', sha256: f.sha256 })
    const offer = await event(bob, 'file:offer', sent.file as string)
    expect(offer).toMatchObject({ from: 'alice', conversation: 'alice', name: 'notes.txt', size: 3 * MB, autoAccept: true, messageId: sent.messageId })
    const got = await done(bob, sent.file as string)
    expect(got).toMatchObject({ direction: 'in', sha256: f.sha256, path: join(downloads, 'notes (1).txt') })
    expect(await sha256Of(got.path as string)).toBe(f.sha256)
    expect(await readFile(join(downloads, 'notes.txt'), 'utf8')).toBe('mine')
    // The sender hears that the recipient has it.
    expect(await done(alice, sent.file as string)).toMatchObject({ direction: 'out' })
    // The message shows the file in both histories.
    const { messages } = await bob.call('history', { with: 'alice' })
    expect((messages as Line[]).at(-1)).toMatchObject({ id: sent.messageId, file: { id: sent.file, name: 'notes.txt', size: 3 * MB } })
    expect((await bob.call('files')).files).toMatchObject([{ file: sent.file, state: 'done', bytes: 3 * MB }])
    expect((await alice.call('files')).files).toMatchObject([{ file: sent.file, state: 'delivered' }])
    // Bad requests are refused with codes.
    expect((await alice.send('file.send', { to: 'bob', path: '/nonexistent/file' })).error).toMatchObject({ code: 'NOT_FOUND' })
    expect((await alice.send('file.send', { to: 'alice', path: f.path })).error).toMatchObject({ code: 'BAD_RECIPIENT' })
    expect((await bob.send('file.accept', { file: 99 })).error).toMatchObject({ code: 'UNKNOWN_FILE' })
    await alice.stop()
    await bob.stop()
  })

  it('sends to a contact who is away through the relay, which keeps it after the sender left', async () => {
    const carol = await user('carol', { register: true })
    let dave = await user('dave', { register: true })
    const daveDir = dave.dataDir
    const { f, file } = await sentWhileAway(carol, dave, 'photo.jpg', 4 * MB)
    await carol.stop()
    dave = await user('dave', { dataDir: daveDir })
    const got = await done(dave, file)
    expect(await sha256Of(got.path as string)).toBe(f.sha256)
    await dave.stop()
  })

  it('resumes a download after the receiver is killed, from the chunks it had, not from zero', async () => {
    const erin = await user('erin', { register: true })
    let frank = await user('frank', { register: true })
    await seesOnline(erin, 'frank')
    const f = await randomFile('big.iso', 48 * MB)
    const sent = await erin.call('file.send', { to: 'frank', path: f.path })
    const file = sent.file as string
    // Bigger than the 25 MB frank takes on his own: it waits for him.
    expect(await event(frank, 'file:offer', file)).toMatchObject({ autoAccept: false })
    expect((await frank.call('files')).files).toMatchObject([{ file, state: 'offered' }])
    await frank.call('file.accept', { file: 1 })
    // Killed once some of it is on disk (and recorded: progress is told after the chunks are).
    const some = await frank.waitFor(l => l.event === 'file:progress' && l.id === file && (l.bytes as number) > 4 * MB, 60_000)
    expect(some.bytes).toBeLessThan(48 * MB)
    await frank.kill('SIGKILL')
    frank = await user('frank', { dataDir: frank.dataDir })
    const resumed = await frank.waitFor(l => l.event === 'file:progress' && l.id === file, 60_000)
    expect(resumed.resumedFrom).toBeGreaterThan(0)
    const got = await done(frank, file)
    expect(await sha256Of(got.path as string)).toBe(f.sha256)
    await erin.stop()
    await frank.stop()
  })

  it('resumes after the sender is killed: the receiver keeps what it had, the sender serves the rest once back', async () => {
    let gina = await user('gina', { register: true })
    const hugo = await user('hugo', { register: true, args: ['--auto-accept', '100MB'] })
    await seesOnline(gina, 'hugo')
    const f = await randomFile('video.mp4', 48 * MB)
    const sent = await gina.call('file.send', { to: 'hugo', path: f.path })
    const file = sent.file as string
    await hugo.waitFor(l => l.event === 'file:progress' && l.id === file && (l.bytes as number) > 4 * MB, 60_000)
    await gina.kill('SIGKILL')
    const before = (await hugo.call('files')).files as Line[]
    expect(before[0]?.state).toBe('downloading')
    gina = await user('gina', { dataDir: gina.dataDir })
    const got = await done(hugo, file)
    expect(await sha256Of(got.path as string)).toBe(f.sha256)
    // The sender served only what hugo was missing: some of it (hugo had not all), and less than the whole (sealed: more).
    await gina.untilReply('files', r => (r.files as Line[])[0]?.state === 'delivered', 30_000, 'delivered')
    const served = ((await gina.call('files')).files as Line[])[0]!.served as number
    expect(served).toBeGreaterThan(0)
    expect(served).toBeLessThan(48 * MB)
    await gina.stop()
    await hugo.stop()
  })

  it('after a restart, the sender and a member who has the whole file still serve it to members who accept later', async () => {
    let kim = await user('kim', { register: true })
    let leo = await user('leo', { register: true, args: ['--auto-accept', '100MB'] })
    // mia and ned take nothing on their own: each accepts later, when one source alone is online.
    const mia = await user('mia', { register: true, args: ['--auto-accept', '1MB'] })
    const ned = await user('ned', { register: true, args: ['--auto-accept', '1MB'] })
    for (const who of ['leo', 'mia', 'ned']) await seesOnline(kim, who)
    const group = (await kim.call('group.create', { name: 'media', members: ['leo', 'mia', 'ned'] })).group as string
    await Promise.all([leo, mia, ned].map(async n => n.untilReply('groups', r => (r.groups as Line[]).some(g => g.group === group), 60_000, 'in the group')))
    const f = await randomFile('slides.pdf', 3 * MB)
    const sent = await kim.call('file.send', { group, path: f.path })
    const file = sent.file as string
    // Everyone was online: nothing went to the relay; leo has all of it.
    expect(sent.relay).toBeUndefined()
    await done(leo, file)
    await event(mia, 'file:offer', file)
    await event(ned, 'file:offer', file)
    // Both restart; then only one of them is online while each latecomer accepts.
    const kimDir = kim.dataDir
    const leoDir = leo.dataDir
    await kim.stop()
    await leo.stop()
    kim = await user('kim', { dataDir: kimDir })
    await seesOnline(mia, 'kim')
    await mia.call('file.accept', { file })
    expect(await sha256Of((await done(mia, file)).path as string)).toBe(f.sha256)
    await kim.stop()
    await mia.stop()
    leo = await user('leo', { dataDir: leoDir })
    await seesOnline(ned, 'leo')
    for (const who of ['kim', 'mia']) await seesOnline(ned, who, false)
    await ned.call('file.accept', { file })
    expect(await sha256Of((await done(ned, file)).path as string)).toBe(f.sha256)
    expect(((await leo.call('files')).files as Line[])[0]?.served).toBeGreaterThan(0)
    await Promise.all([leo, ned].map(async n => n.stop()))
  }, 120_000)

  it('drops a source that serves chunks the offer does not name (a tampered relay) and gets them from the sender', async () => {
    let ivy = await user('ivy', { register: true })
    let jack = await user('jack', { register: true })
    const jackDir = jack.dataDir
    const { f, file } = await sentWhileAway(ivy, jack, 'contract.pdf', 3 * MB)
    const ivyDir = ivy.dataDir
    await ivy.stop()
    // The relay's disk is tampered with while it is down: every chunk it holds of the file has a byte flipped.
    const relayDir = relay.dataDir
    await relay.stop()
    const store = await openStore(relayDir)
    const chunks = store.sublevel('relay', 'bytes')
    let tampered = 0
    for await (const [key, value] of chunks.iterator({ gte: `file-chunk/${file}/`, lt: `file-chunk/${file}0` })) {
      const bad = new Uint8Array(value)
      bad[10]! ^= 0xff
      await chunks.put(key, bad)
      tampered++
    }
    await store.close()
    expect(tampered).toBe(12)
    relay = await spawn('relay', ['--role', 'relay', '--peer', idp.addr()], relayDir)
    jack = await user('jack', { dataDir: jackDir })
    // jack fetches from the relay, finds its chunks are not the offer's, drops it.
    await jack.untilReply('files', r => (r.files as Line[])[0]?.badSources === 1, 60_000, 'the relay dropped as a bad source')
    expect((await jack.call('files')).files).toMatchObject([{ file, state: 'downloading', bytes: 0 }])
    ivy = await user('ivy', { dataDir: ivyDir })
    const got = await done(jack, file)
    expect(await sha256Of(got.path as string)).toBe(f.sha256)
    await ivy.stop()
    await jack.stop()
  })
})
