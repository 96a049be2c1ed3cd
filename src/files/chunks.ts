/**
 * The cryptography of a file (docs/files.md, "Sealing"): keys derived from
 * the per-file key, each chunk sealed with AES-256-GCM under the chunk key
 * with its index in the nonce and the file's shape in the associated data,
 * the manifest (the SHA-256 of every sealed chunk) and its root, and the
 * access key a requester proves it holds the offer with. Pure; the hot path
 * (one seal or open per chunk) goes straight to node:crypto so a chunk is
 * copied as few times as possible.
 */
import { createCipheriv, createDecipheriv, createHash } from 'node:crypto'
import { Uint8ArrayList } from 'uint8arraylist'
import { ed25519PublicKey, equalBytes, hkdf, safeVerify, sign, transcript, u32, u64 } from '../crypto/index.js'
import { CHUNK_HASH_BYTES, CHUNK_TAG_BYTES, FILE_KEY_BYTES, MAX_CHUNK_BYTES, MAX_CHUNKS, MIN_CHUNK_BYTES, TARGET_CHUNKS } from './constants.js'
import { FileError } from './errors.js'

const CHUNK_KEY_LABEL = 'lanchat/file/chunk-key/v1'
const ACCESS_KEY_LABEL = 'lanchat/file/access-key/v1'
const CHUNK_AD_LABEL = 'lanchat/file/chunk/v1'
const MANIFEST_LABEL = 'lanchat/file/manifest/v1'
const FETCH_PROOF_LABEL = 'lanchat/file/fetch/v1'

/** The shape of a file: what every chunk's associated data binds, so a chunk cannot pass for another file's or another index. */
export interface FileShape {
  /** 16-byte file id */
  id: Uint8Array
  size: number
  chunkSize: number
}

/** The keys of one file, derived from its per-file key. */
export interface FileKeys {
  /** AES-256-GCM key of the chunks */
  chunkKey: Uint8Array
  /** Ed25519 seed of the access key */
  accessSeed: Uint8Array
  /** Its public key: what a source checks a requester's proof with */
  accessKey: Uint8Array
}

/** Keys of a file: HKDF-SHA256(file key, salt = file id, info = label), one label each (RFC 5869). */
export function fileKeys (id: Uint8Array, key: Uint8Array): FileKeys {
  if (key.byteLength !== FILE_KEY_BYTES) throw new FileError('BAD_OFFER', `a file key is ${FILE_KEY_BYTES} bytes, not ${key.byteLength}`)
  const chunkKey = hkdf(key, id, new TextEncoder().encode(CHUNK_KEY_LABEL), 32)
  const accessSeed = hkdf(key, id, new TextEncoder().encode(ACCESS_KEY_LABEL), 32)
  return { chunkKey, accessSeed, accessKey: ed25519PublicKey(accessSeed) }
}

/** How many chunks a file of `size` bytes has in chunks of `chunkSize` (an empty file has none). */
export function chunkCount (size: number, chunkSize: number): number {
  return Math.ceil(size / chunkSize)
}

/** The plaintext length of chunk `index`. */
export function chunkLength (shape: Pick<FileShape, 'size' | 'chunkSize'>, index: number): number {
  const start = index * shape.chunkSize
  return Math.max(0, Math.min(shape.chunkSize, shape.size - start))
}

/** Whether an offer (or an upload) may name `chunkSize`: a power of two from MIN_CHUNK_BYTES to MAX_CHUNK_BYTES. */
function isChunkSize (chunkSize: number): boolean {
  return chunkSize >= MIN_CHUNK_BYTES && chunkSize <= MAX_CHUNK_BYTES && (chunkSize & (chunkSize - 1)) === 0
}

/**
 * What is wrong with the shape an offer or an upload to the relay names
 * (undefined: nothing): a chunk size that is no power of two in range, a
 * size that is not a positive number of bytes, more than MAX_CHUNKS chunks.
 */
export function shapeProblem (size: number, chunkSize: number): string | undefined {
  if (!isChunkSize(chunkSize)) return `chunk size ${chunkSize} is not a power of two from ${MIN_CHUNK_BYTES} to ${MAX_CHUNK_BYTES}`
  if (!Number.isSafeInteger(size) || size <= 0) return `size ${size} is not a positive number of bytes`
  if (chunkCount(size, chunkSize) > MAX_CHUNKS) return `size needs more than ${MAX_CHUNKS} chunks`
  return undefined
}

/**
 * The chunk size for a file: `preferred` (a power of two), doubled until the
 * file has at most TARGET_CHUNKS chunks, at most MAX_CHUNK_BYTES; FILE_TOO_LARGE
 * when even that makes more than MAX_CHUNKS.
 */
export function chooseChunkSize (size: number, preferred: number): number {
  let chunkSize = Math.min(Math.max(preferred, MIN_CHUNK_BYTES), MAX_CHUNK_BYTES)
  while (chunkCount(size, chunkSize) > TARGET_CHUNKS && chunkSize < MAX_CHUNK_BYTES) chunkSize *= 2
  if (chunkCount(size, chunkSize) > MAX_CHUNKS) {
    throw new FileError('FILE_TOO_LARGE', `a file is at most ${MAX_CHUNKS} chunks of ${MAX_CHUNK_BYTES} bytes`)
  }
  return chunkSize
}

/** The 96-bit GCM nonce of chunk `index`: 4 zero bytes, then the index (uint64 big-endian). Unique per chunk of a file's key. */
export function chunkNonce (index: number): Buffer {
  const nonce = Buffer.alloc(12)
  nonce.writeUInt32BE(Math.floor(index / 2 ** 32), 4)
  nonce.writeUInt32BE(index >>> 0, 8)
  return nonce
}

/** The associated data of chunk `index`: the file id, its size and chunk size, the index. */
export function chunkAd (shape: FileShape, index: number): Uint8Array {
  return transcript(CHUNK_AD_LABEL, shape.id, u64(shape.size), u32(shape.chunkSize), u32(index))
}

/**
 * A sealed chunk: ciphertext || tag, in one buffer or as its two pieces
 * (how it is sealed: joining them would copy the chunk into a new buffer,
 * which costs more than the encryption itself).
 */
export type Sealed = Uint8Array | readonly [ciphertext: Uint8Array, tag: Uint8Array]

/** Protobuf varint. */
function varint (n: number): number[] {
  const out: number[] = []
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80)
    n = Math.floor(n / 128)
  }
  out.push(n)
  return out
}

/** The field a FileChunk is in: FileReply.chunk (a source's answer) and FileRequest.chunk (an upload to the relay). */
export const CHUNK_IN_REPLY = 3
export const CHUNK_IN_REQUEST = 5

/**
 * FileReply or FileRequest { chunk: FileChunk { index, data } } (`field`
 * says which) with the data not copied: the few bytes of tags and lengths,
 * then the sealed chunk itself, in its pieces (the bytes `encode` would make).
 */
export function chunkFrame (field: typeof CHUNK_IN_REPLY | typeof CHUNK_IN_REQUEST, index: number, data: Sealed): Uint8ArrayList {
  const length = sealedLength(data)
  const inner = [0x08, ...varint(index), 0x12, ...varint(length)]
  const head = Uint8Array.from([(field << 3) | 2, ...varint(inner.length + length), ...inner])
  return data instanceof Uint8Array ? new Uint8ArrayList(head, data) : new Uint8ArrayList(head, ...data)
}

/** The length of a sealed chunk. */
export function sealedLength (sealed: Sealed): number {
  return sealed instanceof Uint8Array ? sealed.byteLength : sealed[0].byteLength + sealed[1].byteLength
}

/**
 * Seals chunk `index` (its plaintext): its ciphertext and its tag, as the
 * cipher made them (not copied into one buffer). The same plaintext at the
 * same index always seals to the same bytes (the nonce is the index), which
 * is what lets a member re-seal what it received and serve it: it checks the
 * result against the manifest before sending it, so a changed file never
 * goes out under a used nonce.
 */
export function sealChunkParts (chunkKey: Uint8Array, shape: FileShape, index: number, plaintext: Uint8Array): readonly [Buffer, Buffer] {
  const expected = chunkLength(shape, index)
  if (plaintext.byteLength !== expected) throw new FileError('FILE_CHANGED', `chunk ${index} is ${plaintext.byteLength} bytes where the file had ${expected}`)
  const cipher = createCipheriv('aes-256-gcm', chunkKey, chunkNonce(index), { authTagLength: CHUNK_TAG_BYTES })
  cipher.setAAD(chunkAd(shape, index))
  const body = cipher.update(plaintext)
  cipher.final()
  return [body, cipher.getAuthTag()]
}

/** Seals chunk `index` into one new buffer: ciphertext || tag (sealChunkParts, joined). */
export function sealChunk (chunkKey: Uint8Array, shape: FileShape, index: number, plaintext: Uint8Array): Buffer {
  return Buffer.concat(sealChunkParts(chunkKey, shape, index, plaintext))
}

/**
 * Opens a sealed chunk: its plaintext, of exactly the length the offer says
 * chunk `index` has; CORRUPT otherwise (wrong key, another index or file,
 * tampered, truncated, or a lying size).
 */
export function openChunk (chunkKey: Uint8Array, shape: FileShape, index: number, sealed: Uint8Array): Buffer {
  const expected = chunkLength(shape, index)
  if (sealed.byteLength !== expected + CHUNK_TAG_BYTES) {
    throw new FileError('CORRUPT', `chunk ${index} is ${sealed.byteLength} bytes sealed; the offer says ${expected + CHUNK_TAG_BYTES}`)
  }
  const decipher = createDecipheriv('aes-256-gcm', chunkKey, chunkNonce(index), { authTagLength: CHUNK_TAG_BYTES })
  decipher.setAAD(chunkAd(shape, index))
  decipher.setAuthTag(sealed.subarray(expected))
  const body = decipher.update(sealed.subarray(0, expected))
  try {
    decipher.final()
  } catch {
    body.fill(0)
    throw new FileError('CORRUPT', `chunk ${index} does not open under the file's key (tampered, or another file's)`)
  }
  return body
}

/** SHA-256 of a sealed chunk: its entry in the manifest. */
export function chunkHash (sealed: Sealed): Buffer {
  if (sealed instanceof Uint8Array) return createHash('sha256').update(sealed).digest()
  return createHash('sha256').update(sealed[0]).update(sealed[1]).digest()
}

/** The root an offer names: SHA-256 of transcript(MANIFEST_LABEL, file id, manifest). */
export function manifestRoot (id: Uint8Array, manifest: Uint8Array): Uint8Array {
  return createHash('sha256').update(transcript(MANIFEST_LABEL, id, manifest)).digest()
}

/** The manifest's entry for chunk `index`. */
export function manifestEntry (manifest: Uint8Array, index: number): Uint8Array {
  return manifest.subarray(index * CHUNK_HASH_BYTES, (index + 1) * CHUNK_HASH_BYTES)
}

/** Whether `sealed` is chunk `index` as the manifest has it. */
export function checkChunk (manifest: Uint8Array, index: number, sealed: Sealed): boolean {
  if ((index + 1) * CHUNK_HASH_BYTES > manifest.byteLength) return false
  return equalBytes(chunkHash(sealed), manifestEntry(manifest, index))
}

/** Whether a manifest fits the offer: one hash per chunk, and the root the offer names. */
export function checkManifest (shape: FileShape, root: Uint8Array, manifest: Uint8Array): boolean {
  if (manifest.byteLength !== chunkCount(shape.size, shape.chunkSize) * CHUNK_HASH_BYTES) return false
  return equalBytes(manifestRoot(shape.id, manifest), root)
}

/** What a fetch proof signs: this file, at this source, for this requester, on this network. */
export function fetchTranscript (networkId: string, file: Uint8Array, requester: string, source: string): Uint8Array {
  return transcript(FETCH_PROOF_LABEL, networkId, file, requester, source)
}

/** A requester's proof that it holds the offer (a signature by the file's access key). */
export function fetchProof (keys: Pick<FileKeys, 'accessSeed' | 'accessKey'>, networkId: string, file: Uint8Array, requester: string, source: string): Uint8Array {
  return sign({ publicKey: keys.accessKey, privateKey: keys.accessSeed }, fetchTranscript(networkId, file, requester, source))
}

/** Whether `proof` opens `file` at `source` for `requester`. */
export function checkFetchProof (accessKey: Uint8Array, proof: Uint8Array, networkId: string, file: Uint8Array, requester: string, source: string): boolean {
  return safeVerify(accessKey, fetchTranscript(networkId, file, requester, source), proof)
}
