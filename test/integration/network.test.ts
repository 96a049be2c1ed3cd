import { describe, expect, it } from 'vitest'
import { freePort } from '../helpers/headless-node.js'
import { spawnPerTest } from '../helpers/per-test.js'

/** Nodes on 127.0.0.1 with mDNS off, joined by --peer (LAN-TESTING.md). */
const LOCAL = ['--no-mdns', '--listen', '/ip4/127.0.0.1/tcp/0']

describe('nodes over loopback', () => {
  const spawn = spawnPerTest()

  it('connects two nodes given --peer, and both list each other', async () => {
    const a = await spawn({ name: 'a', args: LOCAL })
    const b = await spawn({ name: 'b', args: [...LOCAL, '--peer', a.addr()] })
    await b.connectedTo(a)
    await a.connectedTo(b)
    const status = await a.call('status')
    expect(status.peers).toEqual([b.peerId])
    expect((await b.call('peers')).peers).toEqual([a.peerId])
    expect(await a.waitFor(l => l.event === 'peer:connected')).toMatchObject({ peerId: b.peerId })
  })

  it('keeps its peer id across restarts and is redialled after it comes back', async () => {
    const port = await freePort()
    const listen = ['--no-mdns', '--listen', `/ip4/127.0.0.1/tcp/${port}`]
    const a = await spawn({ name: 'a', args: listen })
    const b = await spawn({ name: 'b', args: [...LOCAL, '--peer', a.addr()] })
    await b.connectedTo(a)

    const since = b.mark()
    expect(await a.stop()).toBe(0)
    await b.waitFor(l => l.event === 'peer:disconnected' && l.peerId === a.peerId, 10_000, since)

    const a2 = await spawn({ name: 'a restarted', dataDir: a.dataDir, args: listen })
    expect(a2.peerId).toBe(a.peerId)
    await b.connectedTo(a2, 30_000)
    await a2.connectedTo(b)
  })

  it('cannot connect to a node with another passphrase', async () => {
    const a = await spawn({ name: 'a', args: LOCAL })
    const intruder = await spawn({ name: 'intruder', passphrase: 'another passphrase entirely', args: [...LOCAL, '--peer', a.addr()] })
    const status = await intruder.until(s => (s.dialing as Array<{ failures: number }>)[0]!.failures >= 2, 30_000, 'two failed dials')
    expect(status.peers).toEqual([])
    expect((status.dialing as Array<{ connected: boolean }>)[0]!.connected).toBe(false)
    expect((await a.call('status')).peers).toEqual([])
    // A node with the right passphrase still gets in.
    const b = await spawn({ name: 'b', args: [...LOCAL, '--peer', a.addr()] })
    await a.connectedTo(b)
    expect((await a.call('status')).peers).toEqual([b.peerId])
  })

  it('connects a chain of three nodes into a network', async () => {
    const a = await spawn({ name: 'a', args: LOCAL })
    const b = await spawn({ name: 'b', args: [...LOCAL, '--peer', a.addr()] })
    const c = await spawn({ name: 'c', args: [...LOCAL, '--peer', a.addr(), '--peer', b.addr()] })
    await c.connectedTo(a)
    await c.connectedTo(b)
    await a.connectedTo(b)
    expect(((await a.call('status')).peers as string[]).sort()).toEqual([b.peerId, c.peerId].sort())
  })
})
