/**
 * Sending files (docs/files.md, "Sending" and "At the relay"): the sender's
 * node serves its file to recipients who prove they hold the offer, sealing
 * each chunk as it is asked for and checking it against the manifest first
 * (a file changed since it was offered is not served: FILE_CHANGED), and
 * uploads the sealed chunks to the relay holder when a recipient is away,
 * again to a new holder if the role moves, resuming what the relay has.
 */
import { open } from 'node:fs/promises'
import { toHex } from '../crypto/index.js'
import { RetryLoop } from '../retry.js'
import { groupOfConversation } from '../timeline/index.js'
import { hasBit, newBitmap, setBit } from './bitmap.js'
import { checkChunk, chunkCount, chunkLength, sealChunkParts, sealedLength } from './chunks.js'
import { FileError } from './errors.js'
import { Meter } from './meter.js'
import { ioError, readExactly } from './part-file.js'
import { FINAL } from './records.js'
import { removeFromRelay, uploadToRelay } from './upload.js'
import type { Sealed } from './chunks.js'
import type { FilesContext, Live } from './context.js'
import type { ServedFile } from './index.js'
import type { UploadAs } from './upload.js'
import type { RoundResult } from '../retry.js'
import type { FileHandle } from 'node:fs/promises'

/** Chunks sent to the relay and not acknowledged yet. */
const UPLOAD_WINDOW = 8
/** An upload call (a dial, one frame) gives up after this long. */
const UPLOAD_TIMEOUT_MS = 30_000

export class Outgoing {
  private readonly as: UploadAs
  /** One upload per file at a time, retried with backoff until the relay holds it or refuses it */
  private readonly uploads: RetryLoop<string>

  constructor (private readonly ctx: FilesContext) {
    const { c } = ctx
    this.uploads = new RetryLoop(async id => this.uploadRound(id), { retryMinMs: ctx.init.retryMinMs, retryMaxMs: ctx.init.retryMaxMs })
    this.as = {
      libp2p: c.libp2p,
      networkId: c.networkId,
      identityToken: () => c.account.identityToken(),
      identity: () => c.account.identity(),
      window: UPLOAD_WINDOW,
      timeoutMs: UPLOAD_TIMEOUT_MS
    }
  }

  /** Progress counts from here on (a restart starts the count again: what left before is not known). */
  track (l: Live): void {
    const count = chunkCount(l.r.size, l.r.chunkSize)
    l.sent ??= newBitmap(count)
    l.meter ??= new Meter(l.r.size, 0, this.ctx.clock)
  }

  /** A sealed chunk of the file sent, read from where the user keeps it (into `buf`, free again once this returns). */
  private async sealFrom (l: Live, fh: FileHandle, index: number, buf: Buffer): Promise<Sealed> {
    const plain = await readExactly(fh, index * l.r.chunkSize, chunkLength(l.shape, index), l.r.path!, buf)
    const sealed = sealChunkParts(l.keys.chunkKey, l.shape, index, plain)
    if (!checkChunk(l.manifest!, index, sealed)) {
      void this.changed(l)
      throw new FileError('FILE_CHANGED', `${l.r.path!} changed since it was offered: it cannot be sent any more`)
    }
    return sealed
  }

  /** The file was changed or removed since it was offered: the transfer fails (nothing is sealed from the new bytes). */
  private async changed (l: Live): Promise<void> {
    if (FINAL.has(l.r.state)) return
    this.stopUpload(l)
    await this.ctx.failed(l, new FileError('FILE_CHANGED', `${l.r.path!} changed or went since it was offered: send it again`))
  }

  /** Chunk `index` left this node (to a requester or the relay). */
  private markSent (l: Live, index: number): void {
    this.track(l)
    if (hasBit(l.sent!, index)) return
    setBit(l.sent!, index)
    l.meter!.add(chunkLength(l.shape, index))
    if (l.meter!.bytes >= l.r.size && l.r.state === 'sending') {
      l.r.state = 'sent'
      void this.ctx.save(l).catch(() => {})
    }
  }

  /** The file as served to recipients (and read for the upload). */
  serve (l: Live): ServedFile | undefined {
    const { r } = l
    if (l.manifest === undefined || r.path === undefined || FINAL.has(r.state) && r.state !== 'delivered') return undefined
    let fh: FileHandle | undefined
    const handle = async (): Promise<FileHandle> => {
      if (fh !== undefined) return fh
      try {
        fh = await open(r.path!, 'r')
      } catch (err) {
        if ((err as { code?: string }).code === 'ENOENT') {
          void this.changed(l)
          throw new FileError('FILE_CHANGED', `${r.path!} is gone`)
        }
        throw ioError(err, `cannot read ${r.path!}`)
      }
      return fh
    }
    // Plaintext buffers, each used again once its chunk is sealed (the ciphertext is a new buffer): as many as reads at once.
    const free: Buffer[] = []
    return {
      accessKey: l.keys.accessKey,
      count: chunkCount(r.size, r.chunkSize),
      manifest: async () => l.manifest!,
      holds: () => true,
      read: async index => {
        const buf = free.pop() ?? Buffer.allocUnsafe(r.chunkSize)
        let sealed: Sealed
        try {
          sealed = await this.sealFrom(l, await handle(), index, buf)
        } finally {
          free.push(buf)
        }
        this.markSent(l, index)
        l.served += sealedLength(sealed)
        return sealed
      },
      finished: () => { void this.delivered(l) },
      close: async () => { await fh?.close() }
    }
  }

  /** A requester says it has the whole file: in a DM that is the recipient (only it can prove the offer). */
  private async delivered (l: Live): Promise<void> {
    const { r } = l
    if (groupOfConversation(r.conversation) !== undefined || r.state === 'delivered' || FINAL.has(r.state)) return
    r.state = 'delivered'
    await this.ctx.save(l)
    this.stopUpload(l)
    this.ctx.emit('file:done', { id: r.id, n: r.n, direction: 'out', conversation: r.conversation, name: r.name, size: r.size, path: r.path ?? '', sha256: toHex(l.sha256) })
  }

  // ---------------------------------------------------------------- the relay

  /** A recipient is away: the relay holder is to keep the file (done in the background, retried, resumed). */
  async wantUpload (l: Live): Promise<void> {
    if (l.r.upload !== undefined || FINAL.has(l.r.state)) return
    l.r.upload = 'wanted'
    await this.ctx.save(l)
    this.upload(l)
  }

  /** The relay role moved: files it held go to the new holder (their recipients may still be away). */
  relayChanged (): void {
    const holder = this.ctx.c.peers.relay()
    for (const l of this.ctx.live.values()) {
      if (l.r.direction !== 'out' || l.r.upload !== 'done' || FINAL.has(l.r.state) || holder === null || l.r.uploadedTo === holder) continue
      l.r.upload = 'wanted'
      void this.ctx.save(l).then(() => { this.upload(l) }, () => {})
    }
  }

  /** Runs the upload of a file the relay should hold, unless one runs. */
  upload (l: Live): void {
    if (!this.ctx.running || l.r.upload !== 'wanted' || FINAL.has(l.r.state)) return
    this.uploads.soon(l.r.id)
  }

  /** One try at uploading a file: done when the relay holds it or will not, retry when it failed otherwise. */
  private async uploadRound (id: string): Promise<RoundResult> {
    const l = this.ctx.live.get(id)
    if (l === undefined || !this.ctx.running || l.r.upload !== 'wanted' || FINAL.has(l.r.state)) return 'done'
    const abort = new AbortController()
    l.uploading = abort
    try {
      await this.uploadOnce(l, abort.signal)
      return 'done'
    } catch (err) {
      if (abort.signal.aborted || !this.ctx.running) return 'done'
      const code = (err as { code?: string }).code
      if (code === 'QUOTA_EXCEEDED' || code === 'FORBIDDEN' || code === 'NOT_RELAY') {
        this.ctx.log('the relay will not hold %s: %s', l.r.id, (err as Error).message)
        l.r.upload = 'refused'
        l.r.error = { code: code!, message: (err as Error).message }
        await this.ctx.save(l).catch(() => {})
        return 'done'
      }
      if (code === 'FILE_CHANGED') return 'done'
      this.ctx.log('uploading %s to the relay failed (again soon): %s', l.r.id, (err as Error).message)
      return 'retry'
    } finally {
      if (l.uploading === abort) l.uploading = undefined
    }
  }

  private async uploadOnce (l: Live, signal: AbortSignal): Promise<void> {
    const relay = this.ctx.c.peers.relay()
    if (relay === null) throw new FileError('NO_SOURCE', 'no node holds the relay role now')
    await this.ctx.manifest(l)
    const served = this.serve(l)
    if (served === undefined) throw new FileError('FILE_CHANGED', 'the file cannot be served')
    const read = async (index: number): Promise<Sealed> => served.read(index)
    const stored = (index: number): void => { this.markSent(l, index) }
    try {
      if (relay === this.ctx.c.libp2p.peerId.toString()) {
        // This node holds the relay role: its own relay store keeps the file, copied to the others eligible for the role.
        const { username } = this.ctx.c.account
        await this.ctx.c.server.keepAtRelay({ id: l.r.id, uploader: username, accessKey: l.keys.accessKey, size: l.r.size, chunkSize: l.r.chunkSize, manifest: l.manifest! }, read, stored, signal)
      } else {
        await uploadToRelay(this.as, relay, { id: l.id, accessKey: l.keys.accessKey, size: l.r.size, chunkSize: l.r.chunkSize, manifest: l.manifest!, count: served.count, read, stored }, signal)
      }
    } finally {
      await served.close()
    }
    l.r.upload = 'done'
    l.r.uploadedTo = relay
    await this.ctx.save(l)
    this.ctx.log('the relay %s holds %s', relay, l.r.id)
  }

  stopUpload (l: Live): void {
    this.uploads.cancel(l.r.id)
    l.uploading?.abort()
    l.uploading = undefined
  }

  /** The user cancelled a file sent: it is served no more, and the relay is asked to drop its copy. */
  async cancel (l: Live): Promise<void> {
    this.stopUpload(l)
    const relay = l.r.uploadedTo ?? (l.r.upload !== undefined ? this.ctx.c.peers.relay() : null)
    if (relay === null || relay === undefined) return
    const removed = relay === this.ctx.c.libp2p.peerId.toString()
      ? this.ctx.c.server.relay.remove(l.r.id, this.ctx.c.account.username)
      : removeFromRelay(this.as, relay, l.id)
    await removed.catch(err => { this.ctx.log('the relay kept %s: %s', l.r.id, (err as Error).message) })
  }

  stop (): void {
    void this.uploads.stop()
    for (const l of this.ctx.live.values()) this.stopUpload(l)
  }
}
