/**
 * The file offer (docs/files.md, "The offer"): encoded into a file message's
 * MessageBody.attachment by the sender, checked field by field by every
 * receiver before anything is kept of it.
 */
import { toHex } from '../crypto/index.js'
import { shapeProblem } from './chunks.js'
import { FILE_ID_BYTES, FILE_KEY_BYTES } from './constants.js'
import { FileError } from './errors.js'
import { sanitizeName } from './names.js'
import { FileOffer } from './pb/files.js'

/** An offer as this node uses it: checked, the name sanitized. */
export interface Offer {
  id: Uint8Array
  /** The id as 32 hex digits: how the API names the file */
  fileId: string
  name: string
  size: number
  chunkSize: number
  root: Uint8Array
  key: Uint8Array
  sha256: Uint8Array
}

/** A file id as the API takes it: 32 lower-case hex digits. */
export function isFileId (value: string): boolean {
  return /^[0-9a-f]{32}$/.test(value)
}

export function encodeOffer (offer: Offer): Uint8Array {
  return FileOffer.encode({ id: offer.id as Uint8Array<ArrayBuffer>, name: offer.name, size: offer.size, chunkSize: offer.chunkSize, root: offer.root as Uint8Array<ArrayBuffer>, key: offer.key as Uint8Array<ArrayBuffer>, sha256: offer.sha256 as Uint8Array<ArrayBuffer> })
}

/**
 * Decodes and checks an offer: BAD_OFFER for anything malformed (ids, keys
 * and hashes of the wrong length, a chunk size that is no power of two in
 * range, too many chunks, an empty file), FILE_TOO_LARGE beyond `maxBytes`.
 */
export function decodeOffer (bytes: Uint8Array, maxBytes: number): Offer {
  let o: FileOffer
  try {
    o = FileOffer.decode(bytes)
  } catch (err) {
    throw new FileError('BAD_OFFER', `the file offer does not decode: ${(err as Error).message}`)
  }
  const bad = (what: string): never => { throw new FileError('BAD_OFFER', `the file offer's ${what}`) }
  if (o.id.byteLength !== FILE_ID_BYTES) bad(`id is not ${FILE_ID_BYTES} bytes`)
  if (o.key.byteLength !== FILE_KEY_BYTES) bad(`key is not ${FILE_KEY_BYTES} bytes`)
  if (o.root.byteLength !== 32) bad('root is not 32 bytes')
  if (o.sha256.byteLength !== 32) bad('SHA-256 is not 32 bytes')
  const problem = shapeProblem(o.size, o.chunkSize)
  if (problem !== undefined) bad(problem)
  if (o.size > maxBytes) throw new FileError('FILE_TOO_LARGE', `the file is ${o.size} bytes; this node takes at most ${maxBytes}`)
  return { id: o.id, fileId: toHex(o.id), name: sanitizeName(o.name), size: o.size, chunkSize: o.chunkSize, root: o.root, key: o.key, sha256: o.sha256 }
}

/** Bytes for people: 512 B, 2.1 kB, 23.4 MB, 1.07 GB (powers of 1000, as file managers show them). */
export function formatBytes (n: number): string {
  if (n < 1000) return `${n} B`
  const units = ['kB', 'MB', 'GB', 'TB']
  let v = n / 1000
  let u = 0
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000
    u++
  }
  return `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)} ${units[u]!}`
}

/** The text of a file message, for nodes that do not know the kind and for summaries: "📎 report.pdf (2.10 MB)". */
export function offerText (name: string, size: number): string {
  return `\u{1F4CE} ${name} (${formatBytes(size)})`
}
