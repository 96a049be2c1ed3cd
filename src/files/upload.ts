/**
 * Uploading a file's sealed chunks to the relay holder, for recipients who
 * are away (docs/files.md, "At the relay"): one stream, the upload frame
 * with the uploader's identity token and its identity key's proof, the
 * relay's answer of what it holds already (an upload resumes), then the
 * missing chunks with a window of acknowledgements. Removing an upload (a
 * cancelled file) is the same handshake.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { lpStream } from '@libp2p/utils'
import { sha256, sign } from '../crypto/index.js'
import { proofTranscript } from '../services/index.js'
import { hasBit } from './bitmap.js'
import { CHUNK_IN_REQUEST, chunkFrame } from './chunks.js'
import { FILE_PROTOCOL, MAX_REPLY_FRAME } from './constants.js'
import { FileError } from './errors.js'
import { FileReply, FileRequest } from './pb/files.js'
import type { Sealed } from './chunks.js'
import type { FileErrorCode } from './errors.js'
import type { IdentityKeyPair } from '../crypto/index.js'
import type { LanchatLibp2p, PeerIdStr } from '../net/index.js'
import type { FileRemove, FileUpload } from './pb/files.js'
import type { Stream } from '@libp2p/interface'

export interface UploadAs {
  libp2p: LanchatLibp2p
  networkId: string
  identityToken: () => string
  identity: () => IdentityKeyPair
  /** Chunks sent and not acknowledged yet, at most */
  window: number
  timeoutMs: number
}

export interface UploadFile {
  id: Uint8Array
  accessKey: Uint8Array
  size: number
  chunkSize: number
  manifest: Uint8Array
  count: number
  /** A sealed chunk of the file */
  read: (index: number) => Promise<Sealed>
  /** The relay has chunk `index` */
  stored: (index: number) => void
}

/** The identity key's proof over a frame (with its proof field empty), as the relay checks it (server.ts). */
function proofOver (as: UploadAs, frame: Partial<FileRequest>): Uint8Array {
  const self = as.libp2p.peerId.toString()
  return sign(as.identity(), proofTranscript(as.networkId, FILE_PROTOCOL, 'upload', sha256(FileRequest.encode(frame)), self))
}

async function openStream (as: UploadAs, relay: PeerIdStr): Promise<Stream> {
  return as.libp2p.dialProtocol(peerIdFromString(relay), FILE_PROTOCOL, { signal: AbortSignal.timeout(as.timeoutMs) })
}

function refused (reply: FileReply): FileError {
  const e = reply.error!
  return new FileError(e.code as FileErrorCode, `the relay refused: ${e.message}`)
}

/** Uploads what the relay does not hold yet; resolves once it holds every chunk. */
export async function uploadToRelay (as: UploadAs, relay: PeerIdStr, file: UploadFile, signal: AbortSignal): Promise<void> {
  const stream = await openStream(as, relay)
  const lp = lpStream(stream, { maxDataLength: MAX_REPLY_FRAME })
  const timeout = (): AbortSignal => AbortSignal.any([signal, AbortSignal.timeout(as.timeoutMs)])
  try {
    const upload: FileUpload = {
      file: file.id as Uint8Array<ArrayBuffer>,
      identityToken: as.identityToken(),
      proof: new Uint8Array(),
      accessKey: file.accessKey as Uint8Array<ArrayBuffer>,
      size: file.size,
      chunkSize: file.chunkSize,
      manifest: file.manifest as Uint8Array<ArrayBuffer>
    }
    upload.proof = proofOver(as, { upload: { ...upload, proof: new Uint8Array() } }) as Uint8Array<ArrayBuffer>
    await lp.write(FileRequest.encode({ upload }), { signal: timeout() })
    const first = FileReply.decode((await lp.read({ signal: timeout() })).subarray())
    if (first.error !== undefined) throw refused(first)
    if (first.have === undefined) throw new FileError('BAD_REQUEST', 'the relay did not say what it holds')
    const held = first.have.bitmap
    const todo: number[] = []
    for (let i = 0; i < file.count; i++) {
      if (hasBit(held, i)) file.stored(i)
      else todo.push(i)
    }
    let next = 0
    let unacked = 0
    while (next < todo.length || unacked > 0) {
      while (next < todo.length && unacked < as.window) {
        const index = todo[next++]!
        await lp.write(chunkFrame(CHUNK_IN_REQUEST, index, await file.read(index)), { signal: timeout() })
        unacked++
      }
      const reply = FileReply.decode((await lp.read({ signal: timeout() })).subarray())
      if (reply.error !== undefined) throw refused(reply)
      if (reply.stored === undefined) throw new FileError('BAD_REQUEST', 'the relay sent something else than an acknowledgement')
      unacked--
      file.stored(reply.stored)
    }
    await stream.close({ signal: timeout() })
  } catch (err) {
    stream.abort(err as Error)
    throw err
  }
}

/** Asks the relay to delete an upload (the sender cancelled the file). */
export async function removeFromRelay (as: UploadAs, relay: PeerIdStr, id: Uint8Array): Promise<void> {
  const stream = await openStream(as, relay)
  const lp = lpStream(stream, { maxDataLength: MAX_REPLY_FRAME })
  const signal = AbortSignal.timeout(as.timeoutMs)
  try {
    const remove: FileRemove = { file: id as Uint8Array<ArrayBuffer>, identityToken: as.identityToken(), proof: new Uint8Array() }
    remove.proof = proofOver(as, { remove: { ...remove, proof: new Uint8Array() } }) as Uint8Array<ArrayBuffer>
    await lp.write(FileRequest.encode({ remove }), { signal })
    const reply = FileReply.decode((await lp.read({ signal })).subarray())
    if (reply.error !== undefined) throw refused(reply)
    await stream.close({ signal })
  } catch (err) {
    stream.abort(err as Error)
    throw err
  }
}
