// Engine 1: Yjs 13 + y-protocols sync over a libp2p 3 stream (tcp + noise +
// yamux on 127.0.0.1, through a byte-counting proxy), persisted with
// y-leveldb on the project's `level` 10. One Y.Doc per role ("relay"), one
// Y.Map of sealed records (opaque 300-byte Uint8Arrays) keyed by record id.
// YJS_BATCH_MS=5 merges the updates of 5 ms into one frame and one put.
// Prints one JSON line of results on stdout (prefixed RESULT).
import { Level } from 'level'
import { lpStream } from '@libp2p/utils'
import * as Y from 'yjs'
import * as syncProtocol from 'y-protocols/sync'
import * as encoding from 'lib0/encoding'
import * as decoding from 'lib0/decoding'
import { LeveldbPersistence } from 'y-leveldb'
import { createHash } from 'node:crypto'
import { makeNode, makeWire, dialThrough, tcpPortOf, dirSize, freshDir, payload, until, percentile, now, rss, rssSampler, sleep, stableStringify, compactLevelDirs, log, tick as yieldTick } from './lib.mjs'

const PROTOCOL = '/lanchat-spike/yjs-sync/1.0.0'
const DOC = 'relay'
const ROOT = process.env.SPIKE_DIR ?? '/tmp/lanchat-spike-yjs'
const N_MAIL = Number(process.env.N_MAIL ?? 10_000)
const N_ACCOUNTS = Number(process.env.N_ACCOUNTS ?? 500)
const N_BEHIND = Number(process.env.N_BEHIND ?? 10_000)
const N_PARTITION = Number(process.env.N_PARTITION ?? 1_000)
const IDLE_MS = Number(process.env.IDLE_MS ?? 60_000)
// BURST=1: bulk writes in one turn of the event loop (no yield between writes), as a batch import would do
const tick = process.env.BURST === '1' ? async () => {} : yieldTick
// YJS_BATCH_MS=5: merge the updates of 5 ms into one frame and one LevelDB write (lanchat's session, not the engine)
const BATCH_MS = Number(process.env.YJS_BATCH_MS ?? 0)

class Replica {
  constructor (name, dir) {
    this.name = name
    this.dir = dir
    this.sessions = new Set()
    this.lastPersist = Promise.resolve()
    this.persistErrors = 0
  }

  async open () {
    this.persistence = new LeveldbPersistence(this.dir, { Level })
    const t = now()
    this.doc = await this.persistence.getYDoc(DOC)
    this.loadMs = now() - t
    this.map = this.doc.getMap('records')
    this.doc.on('update', (update, origin) => {
      if (BATCH_MS > 0) { this.batch(update, origin); return }
      // every update, local or remote, is persisted, then forwarded to the other sessions
      this.lastPersist = this.persistence.storeUpdate(DOC, update).then(clock => { if (clock == null) this.persistErrors++ })
      for (const s of this.sessions) if (s !== origin) s.send(msg => syncProtocol.writeUpdate(msg, update))
    })
    this.node = await makeNode()
    await this.node.handle(PROTOCOL, (stream) => { void this.session(stream) }, { force: true })
    await this.node.start()
  }

  /** Dial `other` through `wire` and run a sync session on a new stream. */
  async connect (other, wire) {
    await dialThrough(this.node, other.node, wire)
    const stream = await this.node.dialProtocol(other.node.peerId, PROTOCOL)
    void this.session(stream)
  }

  async session (stream) {
    const lp = lpStream(stream, { maxDataLength: 256 * 1024 * 1024 })
    let tx = Promise.resolve()
    const s = {
      send: (write) => {
        const enc = encoding.createEncoder()
        write(enc)
        const bytes = encoding.toUint8Array(enc)
        tx = tx.then(() => lp.write(bytes)).catch(() => {})
      }
    }
    this.sessions.add(s)
    s.send(enc => syncProtocol.writeSyncStep1(enc, this.doc))
    try {
      while (true) {
        const frame = await lp.read()
        const decoder = decoding.createDecoder(frame.subarray())
        const reply = encoding.createEncoder()
        syncProtocol.readSyncMessage(decoder, reply, this.doc, s)
        if (encoding.length(reply) > 0) {
          const bytes = encoding.toUint8Array(reply)
          tx = tx.then(() => lp.write(bytes)).catch(() => {})
        }
      }
    } catch {
      // stream ended (partition, peer stopped)
    } finally {
      this.sessions.delete(s)
    }
  }

  /**
   * YJS_BATCH_MS > 0: updates of the last few milliseconds are merged (Y.mergeUpdates) into one
   * LevelDB put and one frame per session: what lanchat's session would do (not part of the engine).
   */
  batch (update, origin) {
    this.pending ??= []
    this.pending.push({ update, origin })
    if (this.flushing === undefined) {
      let done
      this.flushing = new Promise(resolve => { done = resolve })
      this.lastPersist = this.flushing
      setTimeout(() => {
        const items = this.pending; this.pending = []; this.flushing = undefined
        const merged = Y.mergeUpdates(items.map(i => i.update))
        const p = this.persistence.storeUpdate(DOC, merged).then(clock => { if (clock == null) this.persistErrors++ })
        for (const s of this.sessions) {
          const mine = items.filter(i => i.origin !== s).map(i => i.update)
          if (mine.length === 0) continue
          const u = mine.length === items.length ? merged : Y.mergeUpdates(mine)
          s.send(msg => syncProtocol.writeUpdate(msg, u))
        }
        p.then(done)
      }, BATCH_MS)
    }
  }

  async persisted () {
    let p
    do { p = this.lastPersist; await p } while (p !== this.lastPersist)
  }

  async close () {
    await this.persisted()
    await this.node.stop()
    await this.persistence.destroy()
  }

  digest () {
    const entries = []
    this.map.forEach((v, k) => entries.push([k, createHash('sha256').update(v).digest('hex').slice(0, 16)]))
    return createHash('sha256').update(stableStringify(entries)).digest('hex').slice(0, 16)
  }
}

async function pair (tag) {
  const a = new Replica('A', await freshDir(`${ROOT}/${tag}-A`))
  const b = new Replica('B', await freshDir(`${ROOT}/${tag}-B`))
  await a.open(); await b.open()
  const wire = await makeWire(tcpPortOf(b.node))
  await a.connect(b, wire)
  await sleep(200)
  return { a, b, wire }
}

const cpu = () => { const c = process.cpuUsage(); return (c.user + c.system) / 1000 }

async function mailbox () {
  const { a, b, wire } = await pair('mail')
  const keys = Array.from({ length: N_MAIL }, (_, i) => `mail/user${i % 50}/${i.toString().padStart(6, '0')}`)
  // deposit: one transaction per record, as deposits arrive one by one
  let c0 = cpu(); let w0 = wire.bytes; let t0 = now()
  for (const k of keys) { a.map.set(k, payload(300)); await tick() }
  const aWrote = now() - t0
  await until(() => b.map.size === N_MAIL, { what: 'B has every deposit' })
  const bObserved = now() - t0
  await b.persisted()
  const bPersisted = now() - t0
  const depositCpu = cpu() - c0; const depositWire = wire.bytes - w0
  await a.persisted()
  const stateAfterDeposit = Y.encodeStateAsUpdate(b.doc).length
  const diskAfterDeposit = await dirSize(b.dir)
  // acknowledge: delete every record, one transaction each
  c0 = cpu(); w0 = wire.bytes; t0 = now()
  for (const k of keys) { a.map.delete(k); await tick() }
  const aDeleted = now() - t0
  await until(() => b.map.size === 0, { what: 'B has every delete' })
  const bObservedDel = now() - t0
  await b.persisted()
  const bPersistedDel = now() - t0
  const deleteCpu = cpu() - c0; const deleteWire = wire.bytes - w0
  const stateAfterDelete = Y.encodeStateAsUpdate(b.doc).length
  const diskAfterDelete = await dirSize(b.dir)
  // what an "epoch" reset (a new doc holding only the live records) would weigh
  const fresh = new Y.Doc(); const fm = fresh.getMap('records'); b.map.forEach((v, k) => fm.set(k, v))
  const stateOfFreshDoc = Y.encodeStateAsUpdate(fresh).length
  // y-leveldb's flush merges the stored updates into one (what getYDoc does past 500 updates),
  // then LevelDB itself is compacted on the closed store
  await b.persistence.flushDocument(DOC)
  await a.close(); await b.close(); await wire.close()
  await compactLevelDirs(b.dir)
  const diskAfterFlush = await dirSize(b.dir)
  return {
    records: N_MAIL, recordBytes: 300,
    deposit: { aWroteMs: aWrote, bObservedMs: bObserved, bPersistedMs: bPersisted, recordsPerSec: N_MAIL / (bPersisted / 1000), cpuMs: depositCpu, wireBytes: depositWire },
    delete: { aDeletedMs: aDeleted, bObservedMs: bObservedDel, bPersistedMs: bPersistedDel, recordsPerSec: N_MAIL / (bPersistedDel / 1000), cpuMs: deleteCpu, wireBytes: deleteWire },
    bStorage: { stateAfterDeposit, diskAfterDeposit, stateAfterDelete, diskAfterDelete, diskAfterFlushAndCompact: diskAfterFlush, stateOfFreshDocAfterDelete: stateOfFreshDoc, persistErrors: a.persistErrors + b.persistErrors }
  }
}

async function accounts () {
  const { a, b, wire } = await pair('accounts')
  const arrived = new Map()
  b.map.observe(evt => { const t = now(); for (const k of evt.keysChanged) arrived.set(k, t) })
  const observed = []; const persisted = []
  for (let i = 0; i < N_ACCOUNTS; i++) {
    const k = `account/user${i}`
    const t = now()
    a.map.set(k, payload(300))
    await until(() => arrived.has(k), { every: 0, what: `B observes ${k}` })
    observed.push(arrived.get(k) - t)
    await b.persisted()
    persisted.push(now() - t)
  }
  await a.close(); await b.close(); await wire.close()
  const st = v => ({ p50: percentile(v, 50), p99: percentile(v, 99), max: Math.max(...v) })
  return { writes: N_ACCOUNTS, recordBytes: 300, observedMs: st(observed), persistedMs: st(persisted) }
}

async function catchUp () {
  const { a, b, wire } = await pair('behind')
  await b.close() // B goes offline (node stopped, store closed)
  for (let i = 0; i < N_BEHIND; i++) { a.map.set(`mail/user${i % 50}/${i}`, payload(300)); await tick() }
  await a.persisted()
  const b2 = new Replica('B', b.dir)
  await b2.open() // B comes back from its own LevelDB
  await wire.close()
  const wire2 = await makeWire(tcpPortOf(b2.node))
  const w0 = wire2.bytes; const c0 = cpu(); const t0 = now()
  await a.connect(b2, wire2)
  await until(() => b2.map.size === N_BEHIND, { what: 'B caught up' })
  const observed = now() - t0
  await b2.persisted()
  const persistedMs = now() - t0
  const res = { behind: N_BEHIND, bReloadMs: b2.loadMs, catchUpObservedMs: observed, catchUpPersistedMs: persistedMs, recordsPerSec: N_BEHIND / (persistedMs / 1000), wireBytes: wire2.bytes - w0, cpuMs: cpu() - c0 }
  await a.close(); await b2.close(); await wire2.close()
  return res
}

async function partition (run) {
  const { a, b, wire } = await pair(`partition${run}`)
  for (let i = 0; i < 100; i++) a.map.set(`shared/${i}`, payload(300))
  await until(() => b.map.size === 100, { what: 'shared records' })
  wire.cut()
  await until(() => a.sessions.size === 0 && b.sessions.size === 0, { what: 'partition seen' })
  // both sides write while apart: disjoint records, plus conflicts on the same ids
  for (let i = 0; i < N_PARTITION; i++) { a.map.set(`a/${i}`, payload(300)); await tick() }
  for (let i = 0; i < N_PARTITION; i++) { b.map.set(`b/${i}`, payload(300)); await tick() }
  for (let i = 0; i < 50; i++) { a.map.set(`shared/${i}`, new TextEncoder().encode(`A${i}`)); b.map.set(`shared/${i}`, new TextEncoder().encode(`B${i}`)) }
  for (let i = 50; i < 100; i++) { a.map.delete(`shared/${i}`); b.map.set(`shared/${i}`, new TextEncoder().encode(`B${i}`)) }
  await a.persisted(); await b.persisted()
  const w0 = wire.bytes; const t0 = now()
  wire.heal()
  await a.connect(b, wire)
  await until(() => a.digest() === b.digest() && a.map.size >= 2 * N_PARTITION, { every: 10, what: 'convergence' })
  const converged = now() - t0
  await a.persisted(); await b.persisted()
  let aWins = 0; let bWins = 0; let deleteWins = 0; let updateWins = 0
  for (let i = 0; i < 50; i++) { const v = new TextDecoder().decode(a.map.get(`shared/${i}`)); if (v.startsWith('A')) aWins++; else bWins++ }
  for (let i = 50; i < 100; i++) { if (a.map.has(`shared/${i}`)) updateWins++; else deleteWins++ }
  const res = { run, eachSideWrote: N_PARTITION, convergeMs: converged, wireBytes: wire.bytes - w0, size: a.map.size, digestA: a.digest(), digestB: b.digest(), identical: a.digest() === b.digest(), sameIdConflicts: { aWins, bWins }, deleteVsUpdate: { deleteWins, updateWins }, clientIds: { a: a.doc.clientID, b: b.doc.clientID } }
  await a.close(); await b.close(); await wire.close()
  return res
}

async function idle () {
  const { a, b, wire } = await pair('idle')
  for (let i = 0; i < 100; i++) a.map.set(`mail/${i}`, payload(300))
  await until(() => b.map.size === 100)
  await sleep(2000)
  const w0 = wire.bytes
  await sleep(IDLE_MS)
  const res = { windowMs: IDLE_MS, bytesPerMinute: (wire.bytes - w0) * 60_000 / IDLE_MS }
  await a.close(); await b.close(); await wire.close()
  return res
}

const sampler = rssSampler()
const out = { engine: BATCH_MS > 0 ? `yjs (batched ${BATCH_MS} ms)` : 'yjs', batchMs: BATCH_MS, burst: process.env.BURST === '1', versions: {}, node: process.version }
for (const p of ['yjs', 'y-protocols', 'y-leveldb', 'lib0', 'libp2p', 'level']) {
  out.versions[p] = (await import(`./node_modules/${p}/package.json`, { with: { type: 'json' } })).default.version
}
out.rssStart = rss()
log('yjs mailbox'); out.mailbox = await mailbox(); out.rssAfterMailbox = rss()
log('yjs accounts'); out.accounts = await accounts()
log('yjs catchUp'); out.catchUp = await catchUp(); out.rssAfterCatchUp = rss()
log('yjs partition'); out.partition = [await partition(1), await partition(2)]
log('yjs idle'); out.idle = await idle()
out.rssPeak = sampler.peak
sampler.stop()
console.log('RESULT ' + JSON.stringify(out))
process.exit(0)
