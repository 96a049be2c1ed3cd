/**
 * The requesting side of /lanchat/file/1.0.0: one stream to one source for
 * one file. The first reply must come within the hello timeout; after that
 * the download watches for stalls itself (download.ts). Everything the
 * source sends is handed over as it comes; what the source must not send
 * (an unknown frame, a frame too large) ends the link.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { lpStream } from '@libp2p/utils'
import { FILE_PROTOCOL, MAX_REPLY_FRAME } from './constants.js'
import { FileReply, FileRequest } from './pb/files.js'
import type { SourceDialer, SourceHandlers, SourceLink } from './index.js'
import type { LanchatLibp2p } from '../net/index.js'
import type { FileHello } from './pb/files.js'

/** How long closing a link waits for the source to end its side before the stream is aborted. */
const CLOSE_TIMEOUT_MS = 1_000

/** Sources reached over libp2p, the first reply within `helloTimeoutMs`. */
export function libp2pSources (libp2p: LanchatLibp2p, helloTimeoutMs: number): SourceDialer {
  return async (peer, hello, handlers) => openLink(libp2p, peer, hello, handlers, helloTimeoutMs)
}

async function openLink (libp2p: LanchatLibp2p, peer: string, hello: FileHello, h: SourceHandlers, helloTimeoutMs: number): Promise<SourceLink> {
  const signal = AbortSignal.timeout(helloTimeoutMs)
  const stream = await libp2p.dialProtocol(peerIdFromString(peer), FILE_PROTOCOL, { signal })
  const lp = lpStream(stream, { maxDataLength: MAX_REPLY_FRAME })
  let closed = false
  const close = (err?: Error): void => {
    if (closed) return
    closed = true
    if (err === undefined) {
      // What was written (a last `done`) goes out first; a source that never ends its side is not waited for.
      const letGo = (): void => { if (stream.status !== 'closed') stream.abort(new Error('the source did not end its side of the stream')) }
      void stream.close().then(() => { setTimeout(letGo, CLOSE_TIMEOUT_MS).unref?.() }, letGo)
    } else {
      stream.abort(err)
    }
    h.onClose(err)
  }
  const send = (req: Partial<FileRequest>): void => {
    if (closed) return
    lp.write(FileRequest.encode(req)).catch((err: Error) => { close(err) })
  }
  try {
    await lp.write(FileRequest.encode({ hello }), { signal })
  } catch (err) {
    stream.abort(err as Error)
    throw err
  }
  void (async () => {
    let first = true
    try {
      while (!closed) {
        const frame = await lp.read(first ? { signal: AbortSignal.timeout(helloTimeoutMs) } : {})
        first = false
        const reply = FileReply.decode(frame.subarray())
        if (reply.have !== undefined) h.onHave(reply.have.all ? true : reply.have.bitmap)
        else if (reply.manifest !== undefined) h.onManifest(reply.manifest)
        else if (reply.chunk !== undefined) h.onChunk(reply.chunk.index, reply.chunk.data)
        else if (reply.error !== undefined) h.onRefusal(reply.error.code, reply.error.message, reply.error.index)
        else throw new Error('the source sent a frame this node does not know')
      }
    } catch (err) {
      const name = (err as { name?: string }).name
      close(name === 'UnexpectedEOFError' && closed ? undefined : err as Error)
    }
  })()
  return {
    peer,
    want: indexes => { send({ want: indexes }) },
    done: () => { send({ done: true }) },
    close: () => { close() }
  }
}
