// Shared harness of the replication spike (issue 14): libp2p 3 nodes built as
// src/net/network.ts builds them (tcp + noise + yamux, loopback allowed, no
// mDNS, no bootstrap), a byte-counting TCP proxy between replica A and B (the
// "wire": it counts every byte and a partition is made by closing it), and
// small measuring helpers. Loopback only: every address is 127.0.0.1.
import { createServer, connect } from 'node:net'
import { readdir, stat, rm, mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import { tcp } from '@libp2p/tcp'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'

/** A libp2p 3 node on 127.0.0.1 as lanchat builds it (minus pnet: the pre-shared key gate costs the same for every engine). */
export async function makeNode (services = {}, extra = {}) {
  return createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionManager: { allow: ['/ip4/127.0.0.0/ipcidr/8'] },
    peerDiscovery: [],
    services: { identify: identify(), ...services },
    ...extra
  })
}

/**
 * A TCP proxy on 127.0.0.1 in front of `target` (host, port): A dials the
 * proxy, so every byte between A and B crosses it and is counted, and
 * `cut()` is a real partition (both sockets destroyed, no goodbye).
 */
export async function makeWire (targetPort) {
  const sockets = new Set()
  let bytes = 0
  let open = true
  const server = createServer(client => {
    if (!open) { client.destroy(); return }
    const upstream = connect(targetPort, '127.0.0.1')
    sockets.add(client); sockets.add(upstream)
    client.on('data', d => { bytes += d.length })
    upstream.on('data', d => { bytes += d.length })
    client.pipe(upstream); upstream.pipe(client)
    const end = () => { client.destroy(); upstream.destroy(); sockets.delete(client); sockets.delete(upstream) }
    client.on('error', end); upstream.on('error', end); client.on('close', end); upstream.on('close', end)
  })
  await new Promise(resolve => server.listen(0, '127.0.0.1', resolve))
  const port = server.address().port
  return {
    port,
    get bytes () { return bytes },
    /** Partition: drop every connection and refuse new ones. */
    cut () { open = false; for (const s of sockets) s.destroy(); sockets.clear() },
    heal () { open = true },
    async close () { this.cut(); await new Promise(resolve => server.close(resolve)) }
  }
}

/** Dial node B through the wire. */
export async function dialThrough (a, b, wire) {
  const ma = multiaddr(`/ip4/127.0.0.1/tcp/${wire.port}/p2p/${b.peerId.toString()}`)
  return a.dial(ma)
}

export function tcpPortOf (node) {
  const ma = node.getMultiaddrs().find(m => m.toString().includes('/tcp/'))
  return Number(ma.toString().split('/tcp/')[1].split('/')[0])
}

export async function dirSize (path) {
  let total = 0
  let entries
  try { entries = await readdir(path, { withFileTypes: true }) } catch { return 0 }
  for (const e of entries) {
    const p = join(path, e.name)
    if (e.isDirectory()) total += await dirSize(p)
    else if (e.isFile()) total += (await stat(p)).size
  }
  return total
}

export async function freshDir (path) {
  await rm(path, { recursive: true, force: true })
  await mkdir(path, { recursive: true })
  return path
}

/** A sealed record stand-in: `size` random (incompressible) bytes. */
export const payload = (size = 300) => new Uint8Array(randomBytes(size))

export const sleep = ms => new Promise(resolve => setTimeout(resolve, ms))

/** Resolve when `cond()` is true, polling every `every` ms; reject after `timeout` ms. */
export async function until (cond, { timeout = 600_000, every = 5, what = 'condition' } = {}) {
  const start = Date.now()
  while (!(await cond())) {
    if (Date.now() - start > timeout) throw new Error(`timed out after ${timeout} ms waiting for ${what}`)
    await sleep(every)
  }
}

export function percentile (values, p) {
  const s = [...values].sort((x, y) => x - y)
  if (s.length === 0) return NaN
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil(p / 100 * s.length) - 1))
  return s[i]
}

export const now = () => performance.now()
export const mib = n => (n / 1048576).toFixed(2)
export const rss = () => process.memoryUsage().rss

/** Peak RSS sampler. */
export function rssSampler (every = 100) {
  let peak = rss()
  const t = setInterval(() => { peak = Math.max(peak, rss()) }, every)
  t.unref()
  return { get peak () { return Math.max(peak, rss()) }, stop () { clearInterval(t) } }
}

export function stableStringify (entries) {
  return JSON.stringify([...entries].sort((x, y) => x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0))
}

/**
 * Compact every LevelDB under `root` (a directory holding a CURRENT file):
 * open it raw, compact the whole key range, close. Run on closed stores only,
 * so that "disk after compaction" is what the data costs, not LevelDB's lag.
 */
export async function compactLevelDirs (root) {
  const { Level } = await import('level')
  const { existsSync } = await import('node:fs')
  const dirs = []
  const walk = async p => {
    if (existsSync(join(p, 'CURRENT'))) { dirs.push(p); return }
    let entries
    try { entries = await readdir(p, { withFileTypes: true }) } catch { return }
    for (const e of entries) if (e.isDirectory()) await walk(join(p, e.name))
  }
  await walk(root)
  for (const d of dirs) {
    const db = new Level(d, { keyEncoding: 'buffer', valueEncoding: 'buffer' })
    await db.open()
    await db.compactRange(Buffer.alloc(0), Buffer.alloc(64, 0xff))
    await db.close()
  }
  return dirs.length
}

/** Progress on stderr (stdout carries the RESULT line). */
export const log = (...a) => console.error(new Date().toISOString().slice(11, 19), ...a)

/** Let the event loop run between two writes, as deposits arriving one by one from the network would. */
export const tick = () => new Promise(resolve => setImmediate(resolve))
