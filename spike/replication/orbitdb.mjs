// Engine 2: OrbitDB 4 (@orbitdb/core) on helia 7, sharing a libp2p 3 node
// built by us (tcp + noise + yamux + identify + gossipsub on 127.0.0.1, no
// mDNS, no bootstrap, no DHT, no HTTP gateways), blocks and data in LevelDB
// (blockstore-level, datastore-level). One KeyValueIndexed database per role,
// writable by every replica (IPFSAccessController write ['*']).
// Prints one JSON line of results on stdout (prefixed RESULT).
import { gossipsub } from '@libp2p/gossipsub'
import { createHeliaLight } from 'helia'
import * as dagCbor from '@ipld/dag-cbor'
import { withBitswap } from '@helia/bitswap'
import { LevelBlockstore } from 'blockstore-level'
import { LevelDatastore } from 'datastore-level'
import { createOrbitDB, KeyValueIndexed, IPFSAccessController } from '@orbitdb/core'
import { createHash } from 'node:crypto'
import { makeNode, makeWire, dialThrough, tcpPortOf, dirSize, freshDir, payload, until, percentile, now, rss, rssSampler, sleep, stableStringify, compactLevelDirs, log } from './lib.mjs'

const ROOT = process.env.SPIKE_DIR ?? '/tmp/lanchat-spike-orbitdb'
const N_MAIL = Number(process.env.N_MAIL ?? 10_000)
const N_ACCOUNTS = Number(process.env.N_ACCOUNTS ?? 500)
const N_BEHIND = Number(process.env.N_BEHIND ?? 10_000)
const N_PARTITION = Number(process.env.N_PARTITION ?? 1_000)
const IDLE_MS = Number(process.env.IDLE_MS ?? 60_000)

const b64 = u => Buffer.from(u).toString('base64')

class Replica {
  constructor (name, dir) {
    this.name = name
    this.dir = dir
    this.updates = 0
  }

  /** Open the node, helia on it, OrbitDB, and the database (by name on A, by A's address on B). */
  async open (address) {
    this.node = await makeNode({ pubsub: gossipsub({ allowPublishToZeroTopicPeers: true, emitSelf: false }) })
    // helia 7's createHelia() takes libp2p *options* and builds its own node with
    // the public-network defaults (mDNS, bootstrap, DHT, HTTP gateways): to share
    // lanchat's node we assemble helia by hand and hand it our libp2p instance.
    this.blockstore = new LevelBlockstore(`${this.dir}/blocks`)
    this.datastore = new LevelDatastore(`${this.dir}/data`)
    await this.blockstore.open(); await this.datastore.open()
    const helia = createHeliaLight({
      codecs: [dagCbor], // createHelia() adds it; the light one does not, and OrbitDB pins dag-cbor blocks
      blockstore: this.blockstore,
      datastore: this.datastore
    })
    Object.defineProperty(helia, 'libp2p', { value: this.node, configurable: true, enumerable: true })
    withBitswap(helia)
    await this.node.start()
    await helia.start()
    this.helia = helia
    const t = now()
    this.orbitdb = await createOrbitDB({ ipfs: helia, id: this.name, directory: `${this.dir}/orbitdb` })
    this.db = await this.orbitdb.open(address ?? 'relay', { Database: KeyValueIndexed(), AccessController: IPFSAccessController({ write: ['*'] }) })
    this.loadMs = now() - t
    this.seen = new Set()
    this.db.events.on('update', entry => { this.updates++; this.seen.add(entry.hash) })
    this.db.events.on('error', err => { this.lastError = err.message })
  }

  /** In the log (the entry is stored). */
  async has (hash) { return this.db.log.has(hash) }
  /** Applied: joined into the log and the index updated ('update' is emitted after both). */
  applied (hash) { return this.seen.has(hash) }

  async close () {
    await this.db.close()
    await this.orbitdb.stop()
    await this.helia.stop()
    await this.node.stop()
    await this.blockstore.close(); await this.datastore.close()
  }

  async entries () {
    const out = []
    for await (const { key, value } of this.db.iterator()) out.push([key, createHash('sha256').update(value).digest('hex').slice(0, 16)])
    return out
  }

  async digest () {
    return createHash('sha256').update(stableStringify(await this.entries())).digest('hex').slice(0, 16)
  }

  /** The state the log itself gives (KeyValue's rule: newest entry of a key wins), without the index. */
  async logEntries () {
    const keys = new Set(); const out = []
    for await (const entry of this.db.log.traverse()) {
      const { op, key, value } = entry.payload
      if (keys.has(key)) continue
      keys.add(key)
      if (op === 'PUT') out.push([key, createHash('sha256').update(value).digest('hex').slice(0, 16)])
    }
    return out
  }

  async logDigest () {
    return createHash('sha256').update(stableStringify(await this.logEntries())).digest('hex').slice(0, 16)
  }
}

async function pair (tag) {
  const a = new Replica('A', await freshDir(`${ROOT}/${tag}-A`))
  await a.open()
  const b = new Replica('B', await freshDir(`${ROOT}/${tag}-B`))
  // B must reach A to fetch the manifest of A's database before it can open it
  const wire = { current: undefined }
  await openB(a, b, wire)
  return { a, b, wire }
}

async function openB (a, b, wire) {
  // B's node is created in open(); connect it to A once it listens, through a counting wire.
  const p = b.open(a.db.address)
  // open() awaits the manifest from A: dial as soon as B's node exists
  await until(() => b.node?.status === 'started', { what: 'B node started' })
  wire.current = await makeWire(tcpPortOf(a.node))
  await dialThrough(b.node, a.node, wire.current)
  await p
  await until(() => a.db.peers.size > 0 && b.db.peers.size > 0, { what: 'heads exchange' })
}

const cpu = () => { const c = process.cpuUsage(); return (c.user + c.system) / 1000 }

async function mailbox () {
  const { a, b, wire } = await pair('mail')
  const keys = Array.from({ length: N_MAIL }, (_, i) => `mail/user${i % 50}/${i.toString().padStart(6, '0')}`)
  let c0 = cpu(); let w0 = wire.current.bytes; let t0 = now()
  let last
  for (const k of keys) last = await a.db.put(k, b64(payload(300)))
  const aWrote = now() - t0
  await until(() => b.has(last), { every: 5, what: 'B has every deposit in its log' })
  const bInLog = now() - t0
  await until(() => b.applied(last), { every: 5, what: 'B has every deposit indexed' })
  const bPersisted = now() - t0
  const depositCpu = cpu() - c0; const depositWire = wire.current.bytes - w0
  const diskAfterDeposit = await dirSize(b.dir)
  c0 = cpu(); w0 = wire.current.bytes; t0 = now()
  for (const k of keys) last = await a.db.del(k)
  const aDeleted = now() - t0
  await until(() => b.has(last), { every: 5, what: 'B has every delete in its log' })
  const bInLogDel = now() - t0
  await until(() => b.applied(last), { every: 5, what: 'B has every delete indexed' })
  const bPersistedDel = now() - t0
  const deleteCpu = cpu() - c0; const deleteWire = wire.current.bytes - w0
  const liveOnB = (await b.entries()).length
  const diskAfterDelete = await dirSize(b.dir)
  const logLength = (await b.db.log.values()).length
  await a.close(); await b.close(); await wire.current.close()
  await compactLevelDirs(b.dir)
  const diskAfterCompact = await dirSize(b.dir)
  return {
    records: N_MAIL, recordBytes: 300,
    deposit: { aWroteMs: aWrote, bInLogMs: bInLog, bPersistedMs: bPersisted, recordsPerSec: N_MAIL / (bPersisted / 1000), cpuMs: depositCpu, wireBytes: depositWire },
    delete: { aDeletedMs: aDeleted, bInLogMs: bInLogDel, bPersistedMs: bPersistedDel, recordsPerSec: N_MAIL / (bPersistedDel / 1000), cpuMs: deleteCpu, wireBytes: deleteWire },
    bStorage: { liveOnB, logEntriesOnB: logLength, diskAfterDeposit, diskAfterDelete, diskAfterCompact },
    lastError: a.lastError ?? b.lastError
  }
}

async function accounts () {
  const { a, b, wire } = await pair('accounts')
  const lags = []
  for (let i = 0; i < N_ACCOUNTS; i++) {
    const t = now()
    const hash = await a.db.put(`account/user${i}`, b64(payload(300)))
    await until(() => b.applied(hash), { every: 0, what: 'B has the account' })
    lags.push(now() - t)
  }
  await a.close(); await b.close(); await wire.current.close()
  return { writes: N_ACCOUNTS, recordBytes: 300, persistedMs: { p50: percentile(lags, 50), p99: percentile(lags, 99), max: Math.max(...lags) } }
}

async function catchUp () {
  const { a, b, wire } = await pair('behind')
  await b.close(); await wire.current.close()
  let last
  for (let i = 0; i < N_BEHIND; i++) last = await a.db.put(`mail/user${i % 50}/${i}`, b64(payload(300)))
  const b2 = new Replica('B', b.dir)
  const c0 = cpu(); const t0 = now()
  await openB(a, b2, wire) // B restarts from its LevelDB and reconnects
  await until(() => b2.has(last), { every: 5, what: 'B caught up (log)' })
  const inLogMs = now() - t0
  await until(() => b2.applied(last), { every: 5, what: 'B caught up (indexed)' })
  const persistedMs = now() - t0
  const res = { behind: N_BEHIND, bReopenMs: b2.loadMs, catchUpInLogMs: inLogMs, catchUpPersistedMs: persistedMs, recordsPerSec: N_BEHIND / (persistedMs / 1000), wireBytes: wire.current.bytes, cpuMs: cpu() - c0, live: (await b2.entries()).length, lastError: a.lastError ?? b2.lastError }
  await a.close(); await b2.close(); await wire.current.close()
  return res
}

async function partition (run) {
  const { a, b, wire } = await pair(`partition${run}`)
  let last
  for (let i = 0; i < 100; i++) last = await a.db.put(`shared/${i}`, b64(payload(300)))
  await until(() => b.applied(last), { what: 'shared records' })
  wire.current.cut()
  await until(() => a.node.getConnections().length === 0 && b.node.getConnections().length === 0, { what: 'partition seen' })
  for (let i = 0; i < N_PARTITION; i++) await a.db.put(`a/${i}`, b64(payload(300)))
  for (let i = 0; i < N_PARTITION; i++) await b.db.put(`b/${i}`, b64(payload(300)))
  for (let i = 0; i < 50; i++) { await a.db.put(`shared/${i}`, `A${i}`); await b.db.put(`shared/${i}`, `B${i}`) }
  for (let i = 50; i < 100; i++) { await a.db.del(`shared/${i}`); await b.db.put(`shared/${i}`, `B${i}`) }
  const aHead = (await a.db.log.heads())[0].hash
  const bHead = (await b.db.log.heads())[0].hash
  const t0 = now()
  wire.current.heal()
  await dialThrough(b.node, a.node, wire.current)
  await until(() => a.applied(bHead) && b.applied(aHead), { every: 5, what: 'both logs joined and indexed' })
  const joined = now() - t0
  // give the indexes time to settle, then compare: the index (what get()/iterator() answer) and the log's own rule
  let da, db
  const settle = now()
  try {
    await until(async () => { da = await a.digest(); db = await b.digest(); return da === db }, { every: 200, timeout: 20_000, what: 'index digests equal' })
  } catch {}
  const indexSettleMs = now() - settle
  const [la, lb] = [await a.logDigest(), await b.logDigest()]
  const ea = new Map(await a.entries()); const eb = new Map(await b.entries())
  const logA = new Map(await a.logEntries())
  let aWins = 0; let bWins = 0; let deleteWins = 0; let updateWins = 0
  for (let i = 0; i < 50; i++) { const v = [logA.get(`shared/${i}`)].filter(Boolean).map(h => [null, h])[0]; if (v && v[1] === createHash('sha256').update(`A${i}`).digest('hex').slice(0, 16)) aWins++; else bWins++ }
  for (let i = 50; i < 100; i++) { if (logA.has(`shared/${i}`)) updateWins++; else deleteWins++ }
  let indexVsLogA = 0; for (const [k, v] of logA) if (ea.get(k) !== v) indexVsLogA++
  for (const k of ea.keys()) if (!logA.has(k)) indexVsLogA++
  const res = { run, eachSideWrote: N_PARTITION, convergeMs: joined, wireBytes: wire.current.bytes, indexSizeA: ea.size, indexSizeB: eb.size, logSize: logA.size, indexDigestA: da, indexDigestB: db, indexIdentical: da === db, indexSettleMs, logDigestA: la, logDigestB: lb, logIdentical: la === lb, indexEntriesDifferingFromLogOnA: indexVsLogA, sameIdConflicts: { aWins, bWins }, deleteVsUpdate: { deleteWins, updateWins }, lastError: a.lastError ?? b.lastError }
  await a.close(); await b.close(); await wire.current.close()
  return res
}

async function idle () {
  const { a, b, wire } = await pair('idle')
  let last
  for (let i = 0; i < 100; i++) last = await a.db.put(`mail/${i}`, b64(payload(300)))
  await until(() => b.applied(last))
  await sleep(2000)
  const w0 = wire.current.bytes
  await sleep(IDLE_MS)
  const res = { windowMs: IDLE_MS, bytesPerMinute: (wire.current.bytes - w0) * 60_000 / IDLE_MS }
  await a.close(); await b.close(); await wire.current.close()
  return res
}

const sampler = rssSampler()
const out = { engine: 'orbitdb', versions: {}, node: process.version }
for (const p of ['@orbitdb/core', 'helia', '@helia/bitswap', 'libp2p', '@libp2p/gossipsub', 'blockstore-level', 'datastore-level']) {
  out.versions[p] = (await import(`./node_modules/${p}/package.json`, { with: { type: 'json' } })).default.version
}
const only = (process.env.ONLY ?? 'mailbox,accounts,catchUp,partition,idle').split(',')
out.rssStart = rss()
if (only.includes('mailbox')) { log('orbitdb mailbox'); out.mailbox = await mailbox(); out.rssAfterMailbox = rss() }
if (only.includes('accounts')) { log('orbitdb accounts'); out.accounts = await accounts() }
if (only.includes('catchUp')) { log('orbitdb catchUp'); out.catchUp = await catchUp(); out.rssAfterCatchUp = rss() }
if (only.includes('partition')) { log('orbitdb partition'); out.partition = [await partition(1), await partition(2)] }
if (only.includes('idle')) { log('orbitdb idle'); out.idle = await idle() }
out.rssPeak = sampler.peak
sampler.stop()
console.log('RESULT ' + JSON.stringify(out))
process.exit(0)
