/**
 * A LAN in a box (../shared/LAN-TESTING.md): one network namespace holds a
 * bridge (the switch), each host is a namespace with a veth cable to it.
 * Names carry a random suffix so parallel runs never collide; `destroy()`
 * removes everything, and an exit hook does it too if a test run dies first.
 */
import { execFile, execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { promisify } from 'node:util'

const run = promisify(execFile)

export interface Host {
  /** Namespace name, for `ip netns exec` / HeadlessNode.spawn({ netns }) */
  ns: string
  /** The host's address on the LAN */
  ip: string
  /** Its interface inside the namespace */
  dev: string
}

export interface Lan {
  hosts: Host[]
  /** Unplugs a host's cable (partition) */
  cut: (host: Host) => Promise<void>
  /** Plugs it back in */
  heal: (host: Host) => Promise<void>
  /**
   * Splits the switch in two (a two-sided partition): the ports of `side`
   * move to a second bridge in the switch namespace, the others stay on the
   * first. Each side is a LAN of its own (mDNS included); nothing crosses.
   */
  split: (side: Host[]) => Promise<void>
  /** Puts every port back on the first bridge: one LAN again */
  join: () => Promise<void>
  destroy: () => Promise<void>
}

const live = new Set<string>()
let hooked = false

async function ip (...args: string[]): Promise<void> {
  await run('ip', args)
}

/**
 * Whether this machine can build namespace LANs (root and iproute2). The
 * reason is meant to be printed by the suites that skip.
 */
export async function netnsSupport (): Promise<{ ok: true } | { ok: false, reason: string }> {
  if (process.platform !== 'linux') return { ok: false, reason: 'network namespaces need Linux' }
  if (process.getuid?.() !== 0) return { ok: false, reason: 'network namespaces need root (run the suite as root)' }
  const probe = `lc-probe-${randomBytes(3).toString('hex')}`
  try {
    await ip('netns', 'add', probe)
    await ip('netns', 'del', probe)
    return { ok: true }
  } catch (err) {
    return { ok: false, reason: `cannot create a network namespace (is iproute2 installed? apt-get install -y iproute2): ${(err as Error).message.split('\n')[0]}` }
  }
}

export async function createLan (hostCount: number, subnet = '10.99.0'): Promise<Lan> {
  const id = randomBytes(3).toString('hex')
  const sw = `lc-${id}-sw`
  const hosts: Host[] = []
  if (!hooked) {
    hooked = true
    process.once('exit', () => {
      for (const ns of live) {
        try { execFileSync('ip', ['netns', 'del', ns]) } catch {}
      }
    })
  }
  const addNs = async (ns: string): Promise<void> => {
    await ip('netns', 'add', ns)
    live.add(ns)
  }
  const destroy = async (): Promise<void> => {
    for (const ns of [...hosts.map(h => h.ns), sw]) {
      if (!live.has(ns)) continue
      live.delete(ns)
      await ip('netns', 'del', ns).catch(() => {})
    }
  }
  try {
    await addNs(sw)
    await ip('-n', sw, 'link', 'add', 'br0', 'type', 'bridge')
    await ip('-n', sw, 'link', 'set', 'br0', 'up')
    for (let i = 1; i <= hostCount; i++) {
      const host: Host = { ns: `lc-${id}-h${i}`, ip: `${subnet}.${i}`, dev: 'eth0' }
      await addNs(host.ns)
      hosts.push(host)
      await ip('link', 'add', 'eth0', 'netns', host.ns, 'type', 'veth', 'peer', 'name', `port${i}`, 'netns', sw)
      await ip('-n', sw, 'link', 'set', `port${i}`, 'master', 'br0')
      await ip('-n', sw, 'link', 'set', `port${i}`, 'up')
      await ip('-n', host.ns, 'addr', 'add', `${host.ip}/24`, 'dev', 'eth0')
      await ip('-n', host.ns, 'link', 'set', 'eth0', 'up')
      await ip('-n', host.ns, 'link', 'set', 'lo', 'up')
      await ip('-n', host.ns, 'route', 'add', '224.0.0.0/4', 'dev', 'eth0') // multicast for mDNS
    }
  } catch (err) {
    await destroy()
    throw err
  }
  const port = (host: Host): string => {
    const i = hosts.indexOf(host)
    if (i === -1) throw new Error(`${host.ns} is not a host of this LAN`)
    return `port${i + 1}`
  }
  let moved: string[] = []
  const split = async (side: Host[]): Promise<void> => {
    if (moved.length > 0) throw new Error('the LAN is split already: join it first')
    const ports = side.map(port)
    // A bridge without STP forwards on a port as soon as it is enslaved: no forwarding delay to wait out.
    await ip('-n', sw, 'link', 'add', 'br1', 'type', 'bridge').catch(() => {}) // there from an earlier split
    await ip('-n', sw, 'link', 'set', 'br1', 'up')
    for (const p of ports) await ip('-n', sw, 'link', 'set', p, 'master', 'br1')
    moved = ports
  }
  const join = async (): Promise<void> => {
    for (const p of moved) await ip('-n', sw, 'link', 'set', p, 'master', 'br0')
    moved = []
  }
  return {
    hosts,
    cut: async host => { await ip('-n', host.ns, 'link', 'set', host.dev, 'down') },
    heal: async host => { await ip('-n', host.ns, 'link', 'set', host.dev, 'up') },
    split,
    join,
    destroy
  }
}
