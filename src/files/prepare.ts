/**
 * Making the offer of a file to send (docs/files.md, "Sending"): the file is
 * read once, a chunk at a time (memory stays flat), each chunk sealed and
 * hashed into the manifest, the plaintext hashed whole.
 */
import { createHash } from 'node:crypto'
import { open, stat } from 'node:fs/promises'
import { basename } from 'node:path'
import { randomBytes, toHex } from '../crypto/index.js'
import { chooseChunkSize, chunkCount, chunkHash, chunkLength, fileKeys, manifestRoot, sealChunkParts } from './chunks.js'
import { CHUNK_HASH_BYTES, FILE_ID_BYTES, FILE_KEY_BYTES } from './constants.js'
import { FileError } from './errors.js'
import { sanitizeName } from './names.js'
import { ioError, readExactly } from './part-file.js'
import type { Offer } from './offer.js'

export interface Prepared {
  offer: Offer
  manifest: Uint8Array
}

/** Checks that `path` is a file this node may send: NOT_FOUND, NOT_A_FILE, EMPTY_FILE, FILE_TOO_LARGE. Its size. */
export async function checkSendable (path: string, maxBytes: number): Promise<number> {
  let s
  try {
    s = await stat(path)
  } catch (err) {
    const code = (err as { code?: string }).code
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new FileError('NOT_FOUND', `no file ${path}`)
    throw ioError(err, `cannot read ${path}`)
  }
  if (!s.isFile()) throw new FileError('NOT_A_FILE', `${path} is not a regular file`)
  if (s.size === 0) throw new FileError('EMPTY_FILE', `${path} is empty: there is nothing to send`)
  if (s.size > maxBytes) throw new FileError('FILE_TOO_LARGE', `${path} is ${s.size} bytes; files of at most ${maxBytes} can be sent`)
  return s.size
}

/** Reads `path` (of `size` bytes) and makes its offer: a new id and key, the manifest, its root, the SHA-256. */
export async function prepareOffer (path: string, size: number, preferredChunk: number): Promise<Prepared> {
  const chunkSize = chooseChunkSize(size, preferredChunk)
  const id = randomBytes(FILE_ID_BYTES)
  const key = randomBytes(FILE_KEY_BYTES)
  const { chunkKey } = fileKeys(id, key)
  const shape = { id, size, chunkSize }
  const count = chunkCount(size, chunkSize)
  const manifest = new Uint8Array(count * CHUNK_HASH_BYTES)
  const whole = createHash('sha256')
  let fh
  try {
    fh = await open(path, 'r')
  } catch (err) {
    throw ioError(err, `cannot open ${path}`)
  }
  try {
    const buf = Buffer.allocUnsafe(chunkSize)
    for (let i = 0; i < count; i++) {
      const plain = await readExactly(fh, i * chunkSize, chunkLength(shape, i), path, buf)
      whole.update(plain)
      manifest.set(chunkHash(sealChunkParts(chunkKey, shape, i, plain)), i * CHUNK_HASH_BYTES)
    }
  } finally {
    await fh.close()
  }
  const name = sanitizeName(basename(path))
  return {
    offer: { id, fileId: toHex(id), name, size, chunkSize, root: manifestRoot(id, manifest), key, sha256: whole.digest() },
    manifest
  }
}
