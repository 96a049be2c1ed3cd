/**
 * The file protocol's server side, /lanchat/file/1.0.0 (docs/files.md, "The
 * protocol"), on every node whether a user is logged in or not: it serves
 * chunks of the files this node holds (the logged-in user's transfers, the
 * relay's chunk store) to requesters who prove they hold the offer, and takes
 * uploads into the relay's chunk store while this node holds the relay role.
 * Between nodes eligible for the relay role it copies the relay's chunks
 * (mirror.ts): the holder sends each uploaded chunk on, and each node pulls
 * what it lacks.
 * Every stream: frame size limits, a deadline for its first frame and an
 * idle timeout, decoded and checked requests, typed refusals.
 */
import { lpStream } from '@libp2p/utils'
import { concatBytes, equalBytes, sha256, toHex } from '../crypto/index.js'
import { codeOf } from '../errors.js'
import { createLogger } from '../logger.js'
import { proofTranscript, replicationOf } from '../services/index.js'
import { hasBit } from './bitmap.js'
import { CHUNK_IN_REPLY, CHUNK_IN_REQUEST, checkFetchProof, chunkCount, chunkFrame, shapeProblem } from './chunks.js'
import { CHUNK_HASH_BYTES, FILE_ID_BYTES, FILE_PROTOCOL, MAX_INBOUND_STREAMS, MAX_REQUEST_FRAME, MAX_SERVED_STREAMS, MAX_WANT } from './constants.js'
import { FileError } from './errors.js'
import { FileReply, FileRequest } from './pb/files.js'
import { Copies, isRelayReplica, RelayMirror, relayReplicas } from './mirror.js'
import { RelayFileStore } from './relay-store.js'
import { libp2pSources } from './source.js'
import type { Sealed } from './chunks.js'
import type { RelayFile, UploadStart } from './relay-store.js'
import type { RelayFilesInit } from './constants.js'
import type { FileProvider, FileServerComponents, ServedFile } from './index.js'
import type { FileCopy, FileHello, FileRemove, FileUpload } from './pb/files.js'
import type { Stream } from '@libp2p/interface'
import type { LengthPrefixedStream } from '@libp2p/utils'

type Lp = LengthPrefixedStream<Stream>

const DECODE_LIMITS = { want: MAX_WANT }
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

  constructor (private readonly c: FileServerComponents, private readonly init: ResolvedServerInit) {
    const clock = c.clock ?? Date.now
    const replication = c.replication ?? replicationOf({ store: c.store, keys: { networkId: c.networkId } as never, clock })
    this.relay = new RelayFileStore(c.store, init.relay, replication, clock)
    this.mirror = new RelayMirror({ peers: c.registry, relay: this.relay, dial: libp2pSources(c.libp2p, init.helloTimeoutMs), clock }, init.relay.copyIntervalMs)
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
      const first = await this.read(lp, this.init.helloTimeoutMs)
      if (first === undefined) throw new FileError('BAD_REQUEST', 'the stream ended before its first frame')
      if (first.hello !== undefined) await this.serve(stream, lp, first.hello, remotePeer)
      else if (first.upload !== undefined) await this.upload(stream, lp, first.upload, remotePeer)
      else if (first.remove !== undefined) await this.remove(stream, lp, first.remove, remotePeer)
      else if (first.copy !== undefined) await this.copy(stream, lp, first.copy, remotePeer)
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

  /** The next request, undefined at the end of the stream; TIMEOUT after `ms` without one. */
  private async read (lp: Lp, ms: number): Promise<FileRequest | undefined> {
    const frame = await this.readFrame(lp, ms)
    return frame === undefined ? undefined : this.decode(frame)
  }

  /** The next request frame as it came, undefined at the end of the stream; TIMEOUT after `ms` without one. */
  private async readFrame (lp: Lp, ms: number): Promise<Uint8Array | undefined> {
    try {
      return (await lp.read({ signal: AbortSignal.timeout(ms) })).subarray()
    } catch (err) {
      const name = (err as { name?: string }).name
      if (name === 'UnexpectedEOFError') return undefined
      if (name === 'TimeoutError' || name === 'AbortError') throw new FileError('TIMEOUT', `no request for ${ms} ms`)
      if (name === 'InvalidDataLengthError') throw new FileError('BAD_REQUEST', `a request frame is at most ${MAX_REQUEST_FRAME} bytes`)
      throw err
    }
  }

  private decode (frame: Uint8Array): FileRequest {
    try {
      return FileRequest.decode(frame, { limits: DECODE_LIMITS })
    } catch (err) {
      throw new FileError('BAD_REQUEST', `the request does not decode: ${(err as Error).message}`)
    }
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
          const req = await this.read(lp, this.init.idleTimeoutMs)
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

  // ---------------------------------------------------------------- the relay's uploads

  /** The uploader behind an upload or remove: its identity token and its identity key's proof over the frame. */
  private async uploader (token: string, proof: Uint8Array, signed: Uint8Array, remotePeer: string): Promise<string> {
    const claims = await this.c.verifier.caller({
      remotePeer,
      identityToken: token,
      authorizationToken: '',
      proof,
      proofOf: proofTranscript(this.c.networkId, FILE_PROTOCOL, 'upload', sha256(signed), remotePeer)
    })
    return claims.sub
  }

  private async upload (stream: Stream, lp: Lp, upload: FileUpload, remotePeer: string): Promise<void> {
    if (!this.c.registry.serves('relay')) throw new FileError('NOT_RELAY', 'this node does not hold the relay role: upload to the holder of now')
    const uploader = await this.uploader(upload.identityToken, upload.proof, FileRequest.encode({ upload: { ...upload, proof: new Uint8Array() } }), remotePeer)
    const { file, size, chunkSize, manifest, accessKey } = upload
    if (file.byteLength !== FILE_ID_BYTES || accessKey.byteLength !== 32) throw new FileError('BAD_REQUEST', 'a file id is 16 bytes and an access key 32')
    const problem = shapeProblem(size, chunkSize)
    if (problem !== undefined) throw new FileError('BAD_REQUEST', `the upload's ${problem}`)
    const count = chunkCount(size, chunkSize)
    if (manifest.byteLength !== count * CHUNK_HASH_BYTES) throw new FileError('BAD_REQUEST', `the manifest of ${count} chunks is ${count * CHUNK_HASH_BYTES} bytes, not ${manifest.byteLength}`)
    const fileId = toHex(file)
    const { held, copies } = await this.take({ id: fileId, uploader, accessKey: new Uint8Array(accessKey), size, chunkSize, manifest: new Uint8Array(manifest) })
    this.log('%s uploads %s (%d bytes) to the relay', uploader, fileId, size)
    try {
      await this.receive(stream, lp, held.held, async (index, data, frame) => { await this.keep(copies, fileId, index, data, frame) })
    } finally {
      copies.close()
    }
  }

  /**
   * A file the logged-in user sends while this node holds the relay role:
   * kept in the relay's store like an upload (and so copied to the other
   * nodes eligible for the role), its chunks read from the user's copy.
   */
  async keepAtRelay (u: UploadStart, read: (index: number) => Promise<Sealed>, stored: (index: number) => void, signal: AbortSignal): Promise<void> {
    if (!this.c.registry.serves('relay')) throw new FileError('NOT_RELAY', 'this node does not hold the relay role: upload to the holder of now')
    const { held, copies } = await this.take(u)
    try {
      for (let index = 0; index < held.count; index++) {
        signal.throwIfAborted()
        if (!hasBit(held.held, index)) {
          const sealed = await read(index)
          const data = sealed instanceof Uint8Array ? sealed : concatBytes(...sealed)
          await this.keep(copies, u.id, index, data, chunkFrame(CHUNK_IN_REQUEST, index, data).subarray())
        }
        stored(index)
      }
    } finally {
      copies.close()
    }
  }

  /** Begins (or resumes) keeping a file at the relay, and opens its copies to the other nodes eligible for the role. */
  private async take (u: UploadStart): Promise<{ held: RelayFile, copies: Copies }> {
    // The records of the relay's files are replicated: a new holder catches up on them before it takes an upload.
    if (!await this.relay.replication.admit('relay')) throw new FileError('BUSY', 'this node is catching up on the relay role: try again soon')
    const held = await this.relay.begin(u)
    const copies = await Copies.open(this.c.libp2p, relayReplicas(this.c.registry), u.id, this.init.relay.copyTimeoutMs)
    return { held, copies }
  }

  /**
   * One chunk of a file the relay takes: checked against the manifest, stored
   * by another node eligible for the relay role (its frame sent on as it
   * came), then here: what the uploader is told is stored survives this node.
   */
  private async keep (copies: Copies, fileId: string, index: number, data: Uint8Array, frame: Uint8Array): Promise<void> {
    await this.relay.check(fileId, index, data)
    await copies.replicate(index, frame)
    await this.relay.put(fileId, index, data)
  }

  /** A relay-eligible node keeps the chunks the relay holder sends on (each checked against the manifest the doc gave it). */
  private async copy (stream: Stream, lp: Lp, copy: FileCopy, remotePeer: string): Promise<void> {
    if (!isRelayReplica(this.c.registry, remotePeer)) throw new FileError('FORBIDDEN', 'only a live node eligible for the relay role sends the relay\'s chunks')
    if (copy.file.byteLength !== FILE_ID_BYTES) throw new FileError('BAD_REQUEST', `a file id is ${FILE_ID_BYTES} bytes`)
    const fileId = toHex(copy.file)
    // The record was replicated before the upload began; to this node maybe a moment later.
    const held = await this.relay.wait(fileId, this.init.helloTimeoutMs)
    if (held === undefined) throw new FileError('UNKNOWN_FILE', 'this node has no record of that file')
    await this.receive(stream, lp, held.held, async (index, data) => { await this.relay.put(fileId, index, data) })
  }

  /**
   * The chunks of an upload or a copy: what is held first, then each chunk
   * kept (`keep`) and acknowledged in turn. A chunk that is not the
   * manifest's ends the stream: the sender is broken, or lying.
   */
  private async receive (stream: Stream, lp: Lp, held: Uint8Array, keep: (index: number, data: Uint8Array, frame: Uint8Array) => Promise<void>): Promise<void> {
    await lp.write(FileReply.encode({ have: { all: false, bitmap: new Uint8Array(held) } }), { signal: this.writeDeadline() })
    for (;;) {
      const frame = await this.readFrame(lp, this.init.idleTimeoutMs)
      if (frame === undefined) break
      const req = this.decode(frame)
      if (req.chunk === undefined) throw new FileError('BAD_REQUEST', 'an upload or copy stream carries chunks')
      await keep(req.chunk.index, req.chunk.data, frame)
      await lp.write(FileReply.encode({ stored: req.chunk.index }), { signal: this.writeDeadline() })
    }
    await stream.close({ signal: this.writeDeadline() })
  }

  private async remove (stream: Stream, lp: Lp, remove: FileRemove, remotePeer: string): Promise<void> {
    const uploader = await this.uploader(remove.identityToken, remove.proof, FileRequest.encode({ remove: { ...remove, proof: new Uint8Array() } }), remotePeer)
    if (remove.file.byteLength !== FILE_ID_BYTES) throw new FileError('BAD_REQUEST', `a file id is ${FILE_ID_BYTES} bytes`)
    await this.relay.remove(toHex(remove.file), uploader)
    await lp.write(FileReply.encode({ stored: 0 }), { signal: this.writeDeadline() })
    await stream.close({ signal: this.writeDeadline() })
  }
}

