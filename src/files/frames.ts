/**
 * Reading the file protocol's request frames (server side): one frame
 * within a deadline, decoded with the protocol's limits, typed refusals for
 * what a peer gets wrong (docs/files.md, "Limits").
 */
import { MAX_REQUEST_FRAME, MAX_WANT } from './constants.js'
import { FileError } from './errors.js'
import { FileRequest } from './pb/files.js'
import type { Stream } from '@libp2p/interface'
import type { LengthPrefixedStream } from '@libp2p/utils'

export type Lp = LengthPrefixedStream<Stream>

const DECODE_LIMITS = { want: MAX_WANT }

/** The next request frame as it came, undefined at the end of the stream; TIMEOUT after `ms` without one. */
export async function readFrame (lp: Lp, ms: number): Promise<Uint8Array | undefined> {
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

export function decodeRequest (frame: Uint8Array): FileRequest {
  try {
    return FileRequest.decode(frame, { limits: DECODE_LIMITS })
  } catch (err) {
    throw new FileError('BAD_REQUEST', `the request does not decode: ${(err as Error).message}`)
  }
}

/** The next request, undefined at the end of the stream; TIMEOUT after `ms` without one. */
export async function readRequest (lp: Lp, ms: number): Promise<FileRequest | undefined> {
  const frame = await readFrame(lp, ms)
  return frame === undefined ? undefined : decodeRequest(frame)
}
