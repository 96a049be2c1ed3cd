/**
 * The file protocol's server side, /lanchat/file/1.0.0 (docs/files.md, "The
 * protocol"), on every node whether a user is logged in or not: it serves
 * chunks of the files this node holds (the logged-in user's transfers, the
 * relay's chunk store) to requesters who prove they hold the offer, and takes
 * uploads into the relay's chunk store while this node holds the relay role.
 * Between nodes eligible for the relay role it copies the relay's chunks
 * (mirror.ts): the holder sends each uploaded chunk on, and each node pulls
 * what it lacks. What the relay takes in (uploads, copies, removes) is
 * relay-intake.ts.
 * Every stream: frame size limits, a deadline for its first frame and an
 * idle timeout, decoded and checked requests, typed refusals.
 */
import { lpStream } from '@libp2p/utils'
import { equalBytes, toHex } from '../crypto/index.js'
import { codeOf } from '../errors.js'
import { createLogger } from '../logger.js'
import { replicationOf } from '../services/index.js'
import { hasBit } from './bitmap.js'
import { CHUNK_IN_REPLY, checkFetchProof, chunkFrame } from './chunks.js'
import { FILE_ID_BYTES, FILE_PROTOCOL, MAX_INBOUND_STREAMS, MAX_REQUEST_FRAME, MAX_SERVED_STREAMS, MAX_WANT } from './constants.js'
import { FileError } from './errors.js'
import { readRequest } from './frames.js'
import { FileReply } from './pb/files.js'
import { isRelayReplica, RelayMirror } from './mirror.js'
import { RelayIntake } from './relay-intake.js'
import { RelayFileStore } from './relay-store.js'
import { libp2pSources } from './source.js'
import type { Sealed } from './chunks.js'
import type { Lp } from './frames.js'
import type { UploadStart } from './relay-store.js'
import type { RelayFilesInit } from './constants.js'
import type { FileProvider, FileServerComponents, ServedFile } from './index.js'
import type { FileHello } from './pb/files.js'
import type { Stream } from '@libp2p/interface'

/** Chunks read and sealed ahead of the one being sent, per stream. */
const READ_AHEAD = 4

/** Two copies of one file (the user's and the relay's): what either holds, each chunk from the one that has it. */
function joined (own: ServedFile, relay: ServedFile): ServedFile {
  return {
    accessKey: own.accessKey,
    count: own.count,
    manifest: own.manifest,
    holds: () => {
      const a = own.holds()
      const b = relay.holds()
      if (a === true || b === true) return true
      return a.map((byte, i) => byte | (b[i] ?? 0))
    },
    read: async index => {
      const r = relay.holds()
      return await (r === true || hasBit(r, index) ? relay.read(index) : own.read(index))
    },
    ...(own.watch !== undefined ? { watch: own.watch } : {}),
    ...(own.finished !== undefined ? { finished: own.finished } : {}),
    close: async () => { await Promise.all([own.close(), relay.close()]) }
  }
}

export interface ResolvedServerInit {
  relay: Required<RelayFilesInit>
  helloTimeoutMs: number
  idleTimeoutMs: number
}

/** A refusal as a reply frame. */
function refusal (err: unknown, index?: number): FileReply {
  const code = codeOf(err) ?? 'INTERNAL'
  return { error: { code, message: (err as Error).message ?? String(err), ...(index !== undefined ? { index } : {}) } }
}

export class FileServer {
  private readonly log = createLogger('files:server')
  private provider?: FileProvider
  private served = 0
  private started = false
  readonly relay: RelayFileStore
  readonly mirror: RelayMirror
  private readonly intake: RelayIntake

  constructor (private readonly c: FileServerComponents, private readonly init: ResolvedServerInit) {
    const clock = c.clock ?? Date.now
    const replication = c.replication ?? replicationOf({ store: c.store, keys: { networkId: c.networkId } as never, clock })
    this.relay = new RelayFileStore(c.store, init.relay, replication, clock)
    this.mirror = new RelayMirror({ peers: c.registry, relay: this.relay, dial: libp2pSources(c.libp2p, init.helloTimeoutMs), clock }, init.relay.copyIntervalMs)
    this.intake = new RelayIntake(c, init, this.relay)
  }

  /**
   * A file the logged-in user sends while this node holds the relay role:
   * kept in the relay's store like an upload (relay-intake.ts).
   */
  async keepAtRelay (u: UploadStart, read: (index: number) => Promise<Sealed>, stored: (index: number) => void, signal: AbortSignal): Promise<void> {
    await this.intake.keepAtRelay(u, read, stored, signal)
  }

  /** The logged-in user's files (its transfers), served beside the relay's. */
  attach (provider: FileProvider | undefined): void {
    this.provider = provider
  }

  async start (): Promise<void> {
    if (this.started) return
    this.started = true
    await this.relay.start()
    await this.c.libp2p.handle(FILE_PROTOCOL, async (stream, connection) => {
      await this.onStream(stream, connection.remotePeer.toString())
    }, { maxInboundStreams: MAX_INBOUND_STREAMS })
    this.mirror.start()
  }

  async stop (): Promise<void> {
    if (!this.started) return
    this.started = false
    await this.c.libp2p.unhandle(FILE_PROTOCOL).catch(() => {})
    await this.mirror.stop()
    await this.relay.stop()
  }

  private async onStream (stream: Stream, remotePeer: string): Promise<void> {
    const lp = lpStream(stream, { maxDataLength: MAX_REQUEST_FRAME })
    if (this.served >= MAX_SERVED_STREAMS) {
      await this.refuse(stream, lp, new FileError('BUSY', 'this node serves as many file streams as it may: try again soon'))
      return
    }
    this.served++
    try {
      const first = await readRequest(lp, this.init.helloTimeoutMs)
      if (first === undefined) throw new FileError('BAD_REQUEST', 'the stream ended before its first frame')
      if (first.hello !== undefined) await this.serve(stream, lp, first.hello, remotePeer)
      else if (first.upload !== undefined) await this.intake.upload(stream, lp, first.upload, remotePeer)
      else if (first.remove !== undefined) await this.intake.remove(stream, lp, first.remove, remotePeer)
      else if (first.copy !== undefined) await this.intake.copy(stream, lp, first.copy, remotePeer)
      else throw new FileError('BAD_REQUEST', 'a file stream starts with a hello, an upload, a remove or a copy')
    } catch (err) {
      this.log('file stream from %s ended: %s', remotePeer, (err as Error).message)
      await this.refuse(stream, lp, err)
    } finally {
      this.served--
    }
  }

  /** Sends a refusal (when the stream still takes one) and ends the stream. */
  private async refuse (stream: Stream, lp: Lp, err: unknown): Promise<void> {
    try {
      if (codeOf(err) !== undefined) {
        await lp.write(FileReply.encode(refusal(err)), { signal: AbortSignal.timeout(1_000) })
        await stream.close({ signal: AbortSignal.timeout(1_000) })
        return
      }
    } catch {}
    stream.abort(err instanceof Error ? err : new Error(String(err)))
  }

  /**
   * Who holds a file here: the user's transfers and the relay's store. A
   * node that holds the relay role and is a recipient of the file too serves
   * both: its own copy may not have started, or be part way, while the relay
   * holds it all. The two are joined only when they are the same file (the
   * same access key and manifest); otherwise the user's copy wins.
   */
  private async lookup (fileId: string): Promise<ServedFile | undefined> {
    const own = await this.provider?.open(fileId)
    if (own?.holds() === true) return own
    const relay = await this.relayFile(fileId)
    if (own === undefined) return relay
    if (relay === undefined || !equalBytes(relay.accessKey, own.accessKey)) return own
    const ownManifest = await own.manifest()
    if (ownManifest === undefined) {
      // The user's copy has not started (no manifest, so no chunk): the relay's alone is served.
      await own.close()
      return relay
    }
    if (equalBytes(ownManifest, (await relay.manifest())!)) return joined(own, relay)
    await relay.close()
    return own
  }

  /** The relay's copy of a file, as served. */
  private async relayFile (fileId: string): Promise<ServedFile | undefined> {
    const held = await this.relay.get(fileId)
    if (held === undefined) return undefined
    const relay = this.relay
    return {
      accessKey: held.accessKey,
      count: held.count,
      manifest: async () => held.manifest,
      holds: () => held.held,
      read: async index => {
        const data = await relay.chunk(fileId, index)
        if (data === undefined) throw new FileError('NOT_HELD', `the relay does not hold chunk ${index} (yet)`)
        return data
      },
      close: async () => {}
    }
  }

  // ---------------------------------------------------------------- serving chunks

  private async serve (stream: Stream, lp: Lp, hello: FileHello, remotePeer: string): Promise<void> {
    if (hello.file.byteLength !== FILE_ID_BYTES) throw new FileError('BAD_REQUEST', `a file id is ${FILE_ID_BYTES} bytes`)
    const fileId = toHex(hello.file)
    // A node eligible for the relay role copies the relay's chunks without a proof: it holds the records (and the relay role, some day) already.
    if (hello.replica === true && !isRelayReplica(this.c.registry, remotePeer)) throw new FileError('FORBIDDEN', 'only a live node eligible for the relay role copies the relay\'s chunks')
    const file = hello.replica === true ? await this.relayFile(fileId) : await this.lookup(fileId)
    if (file === undefined) throw new FileError('UNKNOWN_FILE', 'this node does not hold that file')
    try {
      if (hello.replica !== true && !checkFetchProof(file.accessKey, hello.proof, this.c.networkId, hello.file, remotePeer, this.c.libp2p.peerId.toString())) {
        throw new FileError('FORBIDDEN', 'the proof does not open this file here: only its recipients can fetch it')
      }
      // Every write has a deadline: a requester that stops reading is dropped like one that stops asking.
      await this.sendHave(lp, file)
      const manifest = hello.manifest ? await file.manifest() : undefined
      if (manifest !== undefined) await lp.write(FileReply.encode({ manifest: manifest as Uint8Array<ArrayBuffer> }), { signal: this.writeDeadline() })
      // A file still arriving here: what comes next is told as it comes.
      let dirty = false
      let flushing = false
      const flush = async (): Promise<void> => {
        if (flushing) return
        flushing = true
        try {
          while (dirty) {
            dirty = false
            await this.sendHave(lp, file)
          }
        } catch {} finally { flushing = false }
      }
      const unwatch = file.watch?.(() => {
        dirty = true
        void flush()
      })
      try {
        await this.answer(stream, lp, file, remotePeer)
      } finally {
        unwatch?.()
      }
    } finally {
      await file.close()
    }
  }

  private async sendHave (lp: Lp, file: ServedFile): Promise<void> {
    const holds = file.holds()
    await lp.write(FileReply.encode({ have: holds === true ? { all: true, bitmap: new Uint8Array() } : { all: false, bitmap: new Uint8Array(holds) } }), { signal: this.writeDeadline() })
  }

  /** A reply frame must be on its way within the idle timeout. */
  private writeDeadline (): AbortSignal {
    return AbortSignal.timeout(this.init.idleTimeoutMs)
  }

  /**
   * Reads want lists and answers them in order, one chunk at a time, while
   * more requests come in: at most MAX_WANT outstanding, BAD_INDEX for an
   * index past the end (and the stream ends), NOT_HELD for a chunk not here.
   */
  private async answer (stream: Stream, lp: Lp, file: ServedFile, remotePeer: string): Promise<void> {
    const queue: number[] = []
    let wake: (() => void) | undefined
    let ended = false
    let failure: unknown
    const reader = (async () => {
      try {
        for (;;) {
          const req = await readRequest(lp, this.init.idleTimeoutMs)
          if (req === undefined) break
          if (req.done) file.finished?.(remotePeer)
          for (const index of req.want) {
            if (index >= file.count) throw new FileError('BAD_INDEX', `chunk ${index} of a file of ${file.count}`)
            if (queue.length >= MAX_WANT) throw new FileError('BAD_REQUEST', `at most ${MAX_WANT} chunks may be asked for at once`)
            queue.push(index)
          }
          wake?.()
        }
      } catch (err) {
        failure = err
      } finally {
        ended = true
        wake?.()
      }
    })()
    // Chunks are read and sealed a few ahead of the one being written: the disk and the network work at once.
    const ahead: Array<{ index: number, reply: Promise<{ chunk: Sealed } | { refusal: FileReply }> }> = []
    const fetch = async (index: number): Promise<{ chunk: Sealed } | { refusal: FileReply }> => file.read(index).then(chunk => ({ chunk }), (err: unknown) => {
      // A file that changed on disk is not served any more.
      if (codeOf(err) === 'FILE_CHANGED') failure ??= err
      return { refusal: refusal(err, index) }
    })
    while (true) {
      while (ahead.length < READ_AHEAD && queue.length > 0) {
        const index = queue.shift()!
        ahead.push({ index, reply: fetch(index) })
      }
      const next = ahead.shift()
      if (next === undefined) {
        if (ended) break
        await new Promise<void>(resolve => { wake = resolve })
        wake = undefined
        continue
      }
      const reply = await next.reply
      const signal = this.writeDeadline()
      await lp.write('chunk' in reply ? chunkFrame(CHUNK_IN_REPLY, next.index, reply.chunk) : FileReply.encode(reply.refusal), { signal })
      if (failure !== undefined) break
    }
    await Promise.allSettled(ahead.map(async a => a.reply))
    if (failure !== undefined) throw failure
    await reader
    await stream.close({ signal: this.writeDeadline() })
  }
}
