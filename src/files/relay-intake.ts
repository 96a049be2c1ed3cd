/**
 * What the relay takes in over /lanchat/file/1.0.0 (docs/files.md, "At the
 * relay"): uploads from users (authenticated by their identity token and
 * key), the copies the relay holder sends on to the other nodes eligible for
 * the role (mirror.ts), removes by the uploader, and the files the holder's
 * own user sends. Each chunk is checked against the manifest before it is
 * kept; an upload's chunk is acknowledged once another relay-eligible node
 * stored it too (or none is live). Chunks of one stream are kept one at a
 * time: keeping several at once measured no faster on this machine (CPU
 * bound with every node on it), so it is not done.
 */
import { concatBytes, sha256, toHex } from '../crypto/index.js'
import { createLogger } from '../logger.js'
import { proofTranscript } from '../services/index.js'
import { hasBit } from './bitmap.js'
import { CHUNK_IN_REQUEST, chunkCount, chunkFrame, shapeProblem } from './chunks.js'
import { CHUNK_HASH_BYTES, FILE_ID_BYTES, FILE_PROTOCOL } from './constants.js'
import { FileError } from './errors.js'
import { decodeRequest, readFrame } from './frames.js'
import { Copies, isRelayReplica, relayReplicas } from './mirror.js'
import { FileReply, FileRequest } from './pb/files.js'
import type { Sealed } from './chunks.js'
import type { Lp } from './frames.js'
import type { FileServerComponents } from './index.js'
import type { RelayFile, RelayFileStore, UploadStart } from './relay-store.js'
import type { ResolvedServerInit } from './server.js'
import type { FileCopy, FileRemove, FileUpload } from './pb/files.js'
import type { Stream } from '@libp2p/interface'

export class RelayIntake {
  private readonly log = createLogger('files:server')

  constructor (private readonly c: FileServerComponents, private readonly init: ResolvedServerInit, private readonly relay: RelayFileStore) {}

  private writeDeadline (): AbortSignal {
    return AbortSignal.timeout(this.init.idleTimeoutMs)
  }

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

  async upload (stream: Stream, lp: Lp, upload: FileUpload, remotePeer: string): Promise<void> {
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
  async copy (stream: Stream, lp: Lp, copy: FileCopy, remotePeer: string): Promise<void> {
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
   * manifest's ends the stream: the sender is broken, or lying; what was
   * kept before stays.
   */
  private async receive (stream: Stream, lp: Lp, held: Uint8Array, keep: (index: number, data: Uint8Array, frame: Uint8Array) => Promise<void>): Promise<void> {
    await lp.write(FileReply.encode({ have: { all: false, bitmap: new Uint8Array(held) } }), { signal: this.writeDeadline() })
    for (;;) {
      const frame = await readFrame(lp, this.init.idleTimeoutMs)
      if (frame === undefined) break
      const req = decodeRequest(frame)
      if (req.chunk === undefined) throw new FileError('BAD_REQUEST', 'an upload or copy stream carries chunks')
      await keep(req.chunk.index, req.chunk.data, frame)
      await lp.write(FileReply.encode({ stored: req.chunk.index }), { signal: this.writeDeadline() })
    }
    await stream.close({ signal: this.writeDeadline() })
  }

  async remove (stream: Stream, lp: Lp, remove: FileRemove, remotePeer: string): Promise<void> {
    const uploader = await this.uploader(remove.identityToken, remove.proof, FileRequest.encode({ remove: { ...remove, proof: new Uint8Array() } }), remotePeer)
    if (remove.file.byteLength !== FILE_ID_BYTES) throw new FileError('BAD_REQUEST', `a file id is ${FILE_ID_BYTES} bytes`)
    await this.relay.remove(toHex(remove.file), uploader)
    await lp.write(FileReply.encode({ stored: 0 }), { signal: this.writeDeadline() })
    await stream.close({ signal: this.writeDeadline() })
  }
}
