/**
 * Receiving files (docs/files.md, "Fetching" and "Resuming"): a download per
 * accepted offer, its verified chunks written into the part file, made
 * durable and recorded every flushIntervalMs (a restart resumes from them),
 * the whole file checked against the offer's SHA-256 before it gets its
 * name. What is received is served on to other members while it arrives.
 */
import { mkdir, open } from 'node:fs/promises'
import { toHex } from '../crypto/index.js'
import { isCode } from '../errors.js'
import { KeyedLock } from '../lock.js'
import { groupOfConversation } from '../timeline/index.js'
import { checkedBitmap, hasBit, newBitmap, setBit, clearBit, countBits } from './bitmap.js'
import { checkChunk, chunkCount, chunkLength, fetchProof, sealChunkParts, sealedLength } from './chunks.js'
import { Download } from './download.js'
import { FileError } from './errors.js'
import { Meter } from './meter.js'
import { freeBytes as statfsFree, ioError, PartFile, readExactly } from './part-file.js'
import { libp2pSources } from './source.js'
import type { Sealed } from './chunks.js'
import type { FilesContext, Live } from './context.js'
import type { ServedFile, SourceDialer } from './index.js'
import type { PeerIdStr } from '../net/index.js'

/** Room left on the disk beyond the file itself, at accept. */
const DISK_MARGIN = 16 * 1024 * 1024

export class Incoming {
  private readonly dial: SourceDialer
  private readonly freeBytes: (dir: string) => Promise<number>
  /** Flushes of one download run one after another, so none records after a later one, or after the end */
  private readonly flushes = new KeyedLock()

  constructor (private readonly ctx: FilesContext) {
    this.dial = ctx.c.dial ?? libp2pSources(ctx.c.libp2p, ctx.init.helloTimeoutMs)
    this.freeBytes = ctx.c.freeBytes ?? statfsFree
  }

  /** DISK_FULL when the downloads directory has no room for what is left of the file. */
  async checkRoom (l: Live): Promise<void> {
    const left = l.r.size - (l.have === undefined ? 0 : countBits(l.have, chunkCount(l.r.size, l.r.chunkSize)) * l.r.chunkSize)
    let free: number
    try {
      await mkdir(this.ctx.init.downloadsDir, { recursive: true })
      free = await this.freeBytes(this.ctx.init.downloadsDir)
    } catch (err) {
      throw ioError(err, `cannot use ${this.ctx.init.downloadsDir}`)
    }
    if (free < left + DISK_MARGIN) {
      throw new FileError('DISK_FULL', `${l.r.name} needs ${left} more bytes in ${this.ctx.init.downloadsDir}, which has ${free} free: free some space, then accept it again`)
    }
  }

  /** Starts (or resumes) the download of an accepted offer. */
  async start (l: Live): Promise<void> {
    const { ctx } = this
    if (l.download !== undefined) return
    const { part, fresh } = await PartFile.open(ctx.init.downloadsDir, l.r.id)
    l.part = part
    const count = chunkCount(l.r.size, l.r.chunkSize)
    const stored = fresh ? undefined : await ctx.records.bitmap(l.r.id)
    l.have = (stored === undefined ? undefined : checkedBitmap(stored, count)) ?? newBitmap(count)
    await ctx.manifest(l)
    let done = 0
    for (let i = 0; i < count; i++) if (hasBit(l.have, i)) done += chunkLength(l.shape, i)
    l.meter = new Meter(l.r.size, done, ctx.clock)
    l.r.state = 'downloading'
    await ctx.save(l)
    const download = new Download({ shape: l.shape, chunkKey: l.keys.chunkKey, root: l.root, manifest: l.manifest, have: l.have }, {
      dial: this.dial,
      candidates: () => this.candidates(l),
      hello: (peer, manifest) => ({ file: l.id as Uint8Array<ArrayBuffer>, proof: fetchProof(l.keys, ctx.c.networkId, l.id, ctx.c.libp2p.peerId.toString(), peer) as Uint8Array<ArrayBuffer>, manifest }),
      write: async (index, plaintext) => { await part.write(index * l.r.chunkSize, plaintext) },
      keepManifest: async manifest => {
        l.manifest = manifest
        await ctx.records.store.write([ctx.records.putManifest(l.r.id, manifest)])
      },
      received: (index, bytes) => {
        setBit(l.have!, index)
        l.unrecorded += bytes
        for (const w of l.watchers) w()
      },
      clock: ctx.clock,
      log: ctx.log
    }, ctx.init)
    l.download = download
    l.flushTimer = setInterval(() => { void this.flush(l).catch(err => { ctx.log('recording progress of %s failed: %s', l.r.id, (err as Error).message) }) }, ctx.init.flushIntervalMs)
    l.flushTimer.unref?.()
    download.start()
    void this.run(l, download)
  }

  /** Waits for the download's end: the file is finished, or the transfer failed (stopping leaves it resumable). */
  private async run (l: Live, download: Download): Promise<void> {
    let outcome: 'complete' | 'stopped'
    try {
      outcome = await download.finished
    } catch (err) {
      await this.halt(l)
      await this.ctx.failed(l, err).catch(() => {})
      return
    }
    if (outcome === 'stopped') return
    await this.finish(l)
  }

  /** Stops a download's timers and the download; what is on disk is recorded; the part stays. */
  private async halt (l: Live): Promise<void> {
    clearInterval(l.flushTimer)
    l.flushTimer = undefined
    l.download?.stop()
    l.download = undefined
    await this.flush(l).catch(() => {})
  }

  /**
   * Makes the chunks written durable, then records them, then counts them in
   * the progress: what progress says is there survives a crash (a restart
   * resumes from at least that much).
   */
  async flush (l: Live): Promise<void> {
    await this.flushes.run(l.r.id, async () => this.record(l))
  }

  private async record (l: Live): Promise<void> {
    if (l.unrecorded === 0 || l.part === undefined || l.have === undefined) return
    // What is written now: chunks that land during the sync wait for the next flush.
    const have = new Uint8Array(l.have)
    const bytes = l.unrecorded
    l.unrecorded = 0
    try {
      await l.part.sync()
      await this.ctx.records.store.write([this.ctx.records.putBitmap(l.r.id, have)])
    } catch (err) {
      l.unrecorded += bytes
      throw err
    }
    l.meter?.add(bytes)
  }

  /**
   * Every chunk is on disk: checked whole against the offer's SHA-256 and
   * given its name. If the whole does not match, every chunk is checked
   * again: those that do not match are fetched again; if all match, the
   * offer's SHA-256 was wrong (CORRUPT).
   */
  private async finish (l: Live): Promise<void> {
    const { ctx } = this
    await this.halt(l)
    const part = l.part!
    let path: string
    try {
      path = await part.finish(ctx.init.downloadsDir, l.r.name, l.r.size, l.sha256)
    } catch (err) {
      if (!isCode(err, 'CORRUPT')) {
        await ctx.failed(l, err)
        return
      }
      const bad = await this.recheck(l)
      if (bad === 0) {
        await ctx.failed(l, new FileError('CORRUPT', 'every chunk is the offer\'s, yet the file\'s SHA-256 is not the offer\'s: the sender\'s offer is wrong'))
        return
      }
      ctx.log('%d chunks of %s did not match on disk: fetched again', bad, l.r.id)
      await part.close()
      l.part = undefined
      await this.start(l)
      return
    }
    l.part = undefined
    l.r.state = 'done'
    l.r.path = path
    await ctx.save(l, [ctx.records.store.del(`b/${l.r.id}`)])
    for (const w of l.watchers) w()
    ctx.log('received %s as %s', l.r.id, path)
    ctx.emit('file:done', { id: l.r.id, n: l.r.n, direction: 'in', conversation: l.r.conversation, name: l.r.name, size: l.r.size, path, sha256: toHex(l.sha256) })
  }

  /** Checks every chunk on disk against the manifest (re-sealed); clears the bad ones. How many were bad. */
  private async recheck (l: Live): Promise<number> {
    let bad = 0
    const count = chunkCount(l.r.size, l.r.chunkSize)
    for (let i = 0; i < count; i++) {
      const plain = await l.part!.read(i * l.r.chunkSize, chunkLength(l.shape, i))
      if (!checkChunk(l.manifest!, i, sealChunkParts(l.keys.chunkKey, l.shape, i, plain))) {
        clearBit(l.have!, i)
        bad++
      }
    }
    await this.ctx.records.store.write([this.ctx.records.putBitmap(l.r.id, l.have!)])
    return bad
  }

  /** Sources may have changed: every download looks again now. */
  nudge (): void {
    for (const l of this.ctx.live.values()) l.download?.nudge()
  }

  /** Stops a download, keeping what is on disk (a restart resumes it). */
  async stop (l: Live): Promise<void> {
    await this.halt(l)
    await l.part?.close()
    l.part = undefined
  }

  /** Stops a download and deletes what it received. */
  async discard (l: Live): Promise<void> {
    await this.halt(l)
    if (l.part === undefined) {
      const opened = await PartFile.open(this.ctx.init.downloadsDir, l.r.id).catch(() => undefined)
      await opened?.part.remove()
    } else {
      await l.part.remove()
    }
    l.part = undefined
    l.have = undefined
  }

  /** Where the file may be now: the sender's nodes, the relay, and in a group every member's nodes. */
  private candidates (l: Live): PeerIdStr[] {
    const { peers, libp2p } = this.ctx.c
    const self = libp2p.peerId.toString()
    const out = [...peers.online(l.r.from)]
    const relay = peers.relay()
    if (relay !== null) out.push(relay)
    const group = groupOfConversation(l.r.conversation)
    if (group !== undefined) {
      for (const member of peers.members(group)) {
        if (member !== this.ctx.c.account.username && member !== l.r.from) out.push(...peers.online(member))
      }
    }
    return [...new Set(out)].filter(p => p !== self)
  }

  /**
   * This node's copy, served on to other members: the chunks on disk (as they
   * arrive), or the whole file once done. A chunk is re-sealed and checked
   * against the manifest before it is sent: a copy changed on disk is not
   * served (NOT_HELD), and a used nonce never seals other bytes.
   */
  serve (l: Live): ServedFile | undefined {
    const { r } = l
    if (r.state === 'failed' || r.state === 'cancelled') return undefined
    const count = chunkCount(r.size, r.chunkSize)
    let fh: Awaited<ReturnType<typeof open>> | undefined
    const readPlain = async (index: number): Promise<Buffer> => {
      if (r.state === 'done') {
        fh ??= await open(r.path!, 'r').catch(err => { throw ioError(err, `cannot read ${r.path!}`) })
        return readExactly(fh, index * r.chunkSize, chunkLength(l.shape, index), r.path!)
      }
      if (l.part === undefined) throw new FileError('NOT_HELD', 'the download was stopped')
      return l.part.read(index * r.chunkSize, chunkLength(l.shape, index))
    }
    // A member that has not started (or accepted) yet holds nothing, and says so as chunks come.
    return {
      accessKey: l.keys.accessKey,
      count,
      manifest: async () => l.manifest,
      holds: () => r.state === 'done' ? true : new Uint8Array(l.have ?? newBitmap(count)),
      read: async index => {
        if (r.state !== 'done' && (l.have === undefined || !hasBit(l.have, index))) throw new FileError('NOT_HELD', `chunk ${index} is not here yet`)
        let sealed: Sealed
        try {
          sealed = sealChunkParts(l.keys.chunkKey, l.shape, index, await readPlain(index))
        } catch {
          throw new FileError('NOT_HELD', `chunk ${index} cannot be read here`)
        }
        if (l.manifest === undefined || !checkChunk(l.manifest, index, sealed)) throw new FileError('NOT_HELD', `chunk ${index} changed on disk here`)
        l.served += sealedLength(sealed)
        return sealed
      },
      watch: fn => {
        l.watchers.add(fn)
        return () => { l.watchers.delete(fn) }
      },
      close: async () => { await fh?.close() }
    }
  }
}
