// Engine 3: automerge-repo 2 (Automerge 3, wasm) with a small libp2p 3
// NetworkAdapter written here (one stream per peer, cbor frames, as the
// repo's own websocket/messagechannel adapters do) and a StorageAdapter on
// the project's `level` 10. One document per role: { records: { id: bytes } }.
// Prints one JSON line of results on stdout (prefixed RESULT).
import { Level } from 'level'
import { lpStream } from '@libp2p/utils'
import { Repo, NetworkAdapter, cbor } from '@automerge/automerge-repo'
import * as A from '@automerge/automerge'
import { createHash } from 'node:crypto'
import { makeNode, makeWire, dialThrough, tcpPortOf, dirSize, freshDir, payload, until, percentile, now, rss, rssSampler, sleep, stableStringify, compactLevelDirs, log, tick as yieldTick } from './lib.mjs'

const PROTOCOL = '/lanchat-spike/automerge-repo/1.0.0'
const ROOT = process.env.SPIKE_DIR ?? '/tmp/lanchat-spike-automerge'
const N_MAIL = Number(process.env.N_MAIL ?? 10_000)
const N_ACCOUNTS = Number(process.env.N_ACCOUNTS ?? 500)
const N_BEHIND = Number(process.env.N_BEHIND ?? 10_000)
const N_PARTITION = Number(process.env.N_PARTITION ?? 1_000)
const IDLE_MS = Number(process.env.IDLE_MS ?? 60_000)
// BURST=1: bulk writes in one turn of the event loop (no yield between writes), as a batch import would do
const tick = process.env.BURST === '1' ? async () => {} : yieldTick

/** automerge-repo NetworkAdapter over libp2p streams: a hello frame, then one cbor frame per repo message. */
class Libp2pAdapter extends NetworkAdapter {
  constructor (node) { super(); this.node = node; this.peers = new Map(); this.ready = false }
  isReady () { return this.ready }
  whenReady () { return Promise.resolve() }
  connect (peerId, peerMetadata) {
    this.peerId = peerId; this.peerMetadata = peerMetadata
    void this.node.handle(PROTOCOL, (stream) => { void this.session(stream) }, { force: true })
    this.ready = true
  }
  async dial (remote) { void this.session(await this.node.dialProtocol(remote, PROTOCOL)) }
  async session (stream) {
    const lp = lpStream(stream, { maxDataLength: 256 * 1024 * 1024 })
    let tx = Promise.resolve()
    const write = bytes => { tx = tx.then(() => lp.write(bytes)).catch(() => {}) }
    write(cbor.encode({ type: 'hello', peerId: this.peerId, peerMetadata: this.peerMetadata }))
    let remote
    try {
      while (true) {
        const msg = cbor.decode((await lp.read()).subarray())
        if (msg.type === 'hello') {
          remote = msg.peerId
          this.peers.set(remote, write)
          this.emit('peer-candidate', { peerId: remote, peerMetadata: msg.peerMetadata ?? {} })
        } else {
          this.emit('message', msg)
        }
      }
    } catch {
    } finally {
      if (remote !== undefined && this.peers.get(remote) === write) {
        this.peers.delete(remote)
        this.emit('peer-disconnected', { peerId: remote })
      }
    }
  }
  send (message) {
    const write = this.peers.get(message.targetId)
    if (write !== undefined) write(cbor.encode(message))
  }
  disconnect () { this.peers.clear(); this.ready = false }
}

/** automerge-repo StorageAdapter on a LevelDB (keys joined with '/'). */
class LevelStorage {
  constructor (db) { this.db = db; this.closed = false }
  k (key) { return key.join('/') }
  async load (key) { return (await this.db.get(this.k(key))) ?? undefined }
  // a throttled save can fire after repo.flush() + shutdown(): it repeats what flush wrote, so it is dropped once closed
  async save (key, data) { if (!this.closed) await this.db.put(this.k(key), data) }
  async remove (key) { if (!this.closed) await this.db.del(this.k(key)) }
  async loadRange (prefix) {
    const p = this.k(prefix); const out = []
    for await (const [key, value] of this.db.iterator({ gte: p, lt: p + '\xff' })) out.push({ key: key.split('/'), data: value })
    return out
  }
  async removeRange (prefix) {
    const p = this.k(prefix)
    await this.db.clear({ gte: p, lt: p + '\xff' })
  }
}

class Replica {
  constructor (name, dir) { this.name = name; this.dir = dir }
  async open (url) {
    this.db = new Level(this.dir, { valueEncoding: 'view' })
    await this.db.open()
    this.node = await makeNode()
    await this.node.start()
    this.net = new Libp2pAdapter(this.node)
    this.storage = new LevelStorage(this.db)
    this.repo = new Repo({ peerId: `${this.name}-${this.node.peerId.toString().slice(-8)}`, network: [this.net], storage: this.storage, sharePolicy: async () => true })
    if (url === undefined) this.handle = this.repo.create({ records: {} })
  }
  /** Open the document (from storage, else from the connected peers). */
  async find (url) {
    const t = now()
    this.handle = await this.repo.find(url)
    this.loadMs = now() - t
  }
  heads () { return [...this.handle.heads()].sort().join() }
  size () { return Object.keys(this.handle.doc().records).length }
  async persisted () { await this.repo.flush([this.handle.documentId]) }
  async close () {
    if (this.handle !== undefined) await this.persisted()
    await this.repo.shutdown().catch(err => { this.shutdownError = err.message })
    this.storage.closed = true
    await this.node.stop()
    await this.db.close()
  }
  digest () {
    const entries = Object.entries(this.handle.doc().records).map(([k, v]) => [k, createHash('sha256').update(v).digest('hex').slice(0, 16)])
    return createHash('sha256').update(stableStringify(entries)).digest('hex').slice(0, 16)
  }
}

async function connect (a, b) {
  const wire = await makeWire(tcpPortOf(b.node))
  await dialThrough(a.node, b.node, wire)
  await a.net.dial(b.node.peerId)
  await until(() => a.net.peers.size > 0 && b.net.peers.size > 0, { what: 'hello exchanged' })
  return wire
}

async function pair (tag) {
  const a = new Replica('A', await freshDir(`${ROOT}/${tag}-A`))
  const b = new Replica('B', await freshDir(`${ROOT}/${tag}-B`))
  await a.open()
  await b.open()
  const wire = await connect(a, b)
  await b.find(a.handle.url)
  await until(() => b.heads() === a.heads(), { what: 'first sync' })
  return { a, b, wire }
}

const cpu = () => { const c = process.cpuUsage(); return (c.user + c.system) / 1000 }

async function mailbox () {
  const { a, b, wire } = await pair('mail')
  const keys = Array.from({ length: N_MAIL }, (_, i) => `mail/user${i % 50}/${i.toString().padStart(6, '0')}`)
  let c0 = cpu(); let w0 = wire.bytes; let t0 = now()
  for (const k of keys) { a.handle.change(d => { d.records[k] = payload(300) }); await tick() }
  const aWrote = now() - t0
  await until(() => b.heads() === a.heads(), { every: 20, what: 'B has every deposit' })
  const bObserved = now() - t0
  await b.persisted()
  const bPersisted = now() - t0
  const depositCpu = cpu() - c0; const depositWire = wire.bytes - w0
  const savedAfterDeposit = A.save(b.handle.doc()).length
  const diskAfterDeposit = await dirSize(b.dir)
  c0 = cpu(); w0 = wire.bytes; t0 = now()
  for (const k of keys) { a.handle.change(d => { delete d.records[k] }); await tick() }
  const aDeleted = now() - t0
  await until(() => b.heads() === a.heads(), { every: 20, what: 'B has every delete' })
  const bObservedDel = now() - t0
  await b.persisted()
  const bPersistedDel = now() - t0
  const deleteCpu = cpu() - c0; const deleteWire = wire.bytes - w0
  const live = b.size()
  const savedAfterDelete = A.save(b.handle.doc()).length
  const diskAfterDelete = await dirSize(b.dir)
  await a.close(); await b.close(); await wire.close()
  await compactLevelDirs(b.dir)
  const diskAfterCompact = await dirSize(b.dir)
  return {
    records: N_MAIL, recordBytes: 300,
    deposit: { aWroteMs: aWrote, bObservedMs: bObserved, bPersistedMs: bPersisted, recordsPerSec: N_MAIL / (bPersisted / 1000), cpuMs: depositCpu, wireBytes: depositWire },
    delete: { aDeletedMs: aDeleted, bObservedMs: bObservedDel, bPersistedMs: bPersistedDel, recordsPerSec: N_MAIL / (bPersistedDel / 1000), cpuMs: deleteCpu, wireBytes: deleteWire },
    bStorage: { live, savedDocAfterDeposit: savedAfterDeposit, savedDocAfterDelete: savedAfterDelete, diskAfterDeposit, diskAfterDelete, diskAfterCompact }
  }
}

async function accounts () {
  const { a, b, wire } = await pair('accounts')
  const observed = []; const persisted = []
  for (let i = 0; i < N_ACCOUNTS; i++) {
    const k = `account/user${i}`
    const t = now()
    a.handle.change(d => { d.records[k] = payload(300) })
    await until(() => b.handle.doc().records[k] !== undefined, { every: 0, what: `B observes ${k}` })
    observed.push(now() - t)
    await b.persisted()
    persisted.push(now() - t)
  }
  await a.close(); await b.close(); await wire.close()
  const st = v => ({ p50: percentile(v, 50), p99: percentile(v, 99), max: Math.max(...v) })
  return { writes: N_ACCOUNTS, recordBytes: 300, observedMs: st(observed), persistedMs: st(persisted) }
}

async function catchUp () {
  const { a, b, wire } = await pair('behind')
  await b.close(); await wire.close()
  for (let i = 0; i < N_BEHIND; i++) { a.handle.change(d => { d.records[`mail/user${i % 50}/${i}`] = payload(300) }); await tick() }
  await a.persisted()
  log('catchUp: A wrote', N_BEHIND)
  const b2 = new Replica('B', b.dir)
  const t0 = now(); const c0 = cpu()
  await b2.open() // B comes back from its own LevelDB
  const wire2 = await connect(a, b2)
  log('catchUp: B reconnected')
  await b2.find(a.handle.url)
  log('catchUp: B found the doc')
  await until(() => b2.heads() === a.heads(), { every: 20, what: 'B caught up' })
  const observed = now() - t0
  await b2.persisted()
  const persistedMs = now() - t0
  const res = { behind: N_BEHIND, bFindMs: b2.loadMs, catchUpObservedMs: observed, catchUpPersistedMs: persistedMs, recordsPerSec: N_BEHIND / (persistedMs / 1000), wireBytes: wire2.bytes, cpuMs: cpu() - c0, live: b2.size() }
  await a.close(); await b2.close(); await wire2.close()
  return res
}

async function partition (run) {
  const { a, b, wire } = await pair(`partition${run}`)
  for (let i = 0; i < 100; i++) a.handle.change(d => { d.records[`shared/${i}`] = payload(300) })
  await until(() => b.heads() === a.heads(), { what: 'shared records' })
  wire.cut()
  await until(() => a.net.peers.size === 0 && b.net.peers.size === 0, { what: 'partition seen' })
  for (let i = 0; i < N_PARTITION; i++) { a.handle.change(d => { d.records[`a/${i}`] = payload(300) }); await tick() }
  for (let i = 0; i < N_PARTITION; i++) { b.handle.change(d => { d.records[`b/${i}`] = payload(300) }); await tick() }
  for (let i = 0; i < 50; i++) { a.handle.change(d => { d.records[`shared/${i}`] = new TextEncoder().encode(`A${i}`) }); b.handle.change(d => { d.records[`shared/${i}`] = new TextEncoder().encode(`B${i}`) }) }
  for (let i = 50; i < 100; i++) { a.handle.change(d => { delete d.records[`shared/${i}`] }); b.handle.change(d => { d.records[`shared/${i}`] = new TextEncoder().encode(`B${i}`) }) }
  await a.persisted(); await b.persisted()
  const w0 = wire.bytes; const t0 = now()
  wire.heal()
  await dialThrough(a.node, b.node, wire)
  await a.net.dial(b.node.peerId)
  await until(() => a.heads() === b.heads(), { every: 10, what: 'convergence' })
  const converged = now() - t0
  const recs = a.handle.doc().records
  let aWins = 0; let bWins = 0; let deleteWins = 0; let updateWins = 0
  for (let i = 0; i < 50; i++) { if (new TextDecoder().decode(recs[`shared/${i}`]).startsWith('A')) aWins++; else bWins++ }
  for (let i = 50; i < 100; i++) { if (recs[`shared/${i}`] !== undefined) updateWins++; else deleteWins++ }
  const res = { run, eachSideWrote: N_PARTITION, convergeMs: converged, wireBytes: wire.bytes - w0, size: a.size(), digestA: a.digest(), digestB: b.digest(), identical: a.digest() === b.digest(), sameIdConflicts: { aWins, bWins }, deleteVsUpdate: { deleteWins, updateWins } }
  await a.close(); await b.close(); await wire.close()
  return res
}

async function idle () {
  const { a, b, wire } = await pair('idle')
  for (let i = 0; i < 100; i++) a.handle.change(d => { d.records[`mail/${i}`] = payload(300) })
  await until(() => b.heads() === a.heads())
  await sleep(2000)
  const w0 = wire.bytes
  await sleep(IDLE_MS)
  const res = { windowMs: IDLE_MS, bytesPerMinute: (wire.bytes - w0) * 60_000 / IDLE_MS }
  await a.close(); await b.close(); await wire.close()
  return res
}

// automerge-repo leaves timers behind a shut-down Repo: a DocHandle.whenReady() of a closed repo rejects 60 s
// later ("withTimeout: timed out after 60000ms") and, unhandled, would end the process. Counted, not fatal.
const lateErrors = []
process.on('unhandledRejection', err => { lateErrors.push(String(err?.message ?? err)); log('unhandled rejection:', String(err?.message ?? err)) })
const sampler = rssSampler()
const out = { engine: 'automerge', versions: {}, node: process.version }
for (const p of ['@automerge/automerge-repo', '@automerge/automerge', 'libp2p', 'level']) {
  out.versions[p] = (await import(`./node_modules/${p}/package.json`, { with: { type: 'json' } })).default.version
}
const only = (process.env.ONLY ?? 'mailbox,accounts,catchUp,partition,idle').split(',')
out.rssStart = rss()
if (only.includes('mailbox')) { log('automerge mailbox'); out.mailbox = await mailbox(); out.rssAfterMailbox = rss() }
if (only.includes('accounts')) { log('automerge accounts'); out.accounts = await accounts() }
if (only.includes('catchUp')) { log('automerge catchUp'); out.catchUp = await catchUp(); out.rssAfterCatchUp = rss() }
if (only.includes('partition')) { log('automerge partition'); out.partition = [await partition(1), await partition(2)] }
if (only.includes('idle')) { log('automerge idle'); out.idle = await idle() }
out.rssPeak = sampler.peak
out.lateErrors = lateErrors
sampler.stop()
console.log('RESULT ' + JSON.stringify(out))
process.exit(0)
