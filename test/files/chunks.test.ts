import { gcm } from '@noble/ciphers/aes.js'
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js'
import { hkdf as nobleHkdf } from '@noble/hashes/hkdf.js'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  checkChunk, checkFetchProof, checkManifest, chooseChunkSize, chunkAd, chunkCount, chunkHash, chunkLength, chunkNonce, fetchProof, fileKeys,
  manifestRoot, openChunk, sealChunk, sealChunkParts, sealedLength
} from '../../src/files/chunks.js'
import { MAX_CHUNK_BYTES, MAX_CHUNKS } from '../../src/files/constants.js'
import { isCode } from '../../src/errors.js'
import type { FileShape } from '../../src/files/chunks.js'

const KiB = 1024
const id = new Uint8Array(16).fill(7)
const key = new Uint8Array(32).map((_, i) => i)
const keys = fileKeys(id, key)
const shape: FileShape = { id, size: 3 * 16 * KiB + 100, chunkSize: 16 * KiB }
const plain = (index: number, s: FileShape = shape): Uint8Array => new Uint8Array(chunkLength(s, index)).map((_, i) => (i * 31 + index) & 0xff)
const corrupt = (fn: () => unknown): boolean => {
  try {
    fn()
    return false
  } catch (err) {
    return isCode(err, 'CORRUPT')
  }
}

describe('file keys', () => {
  it('derives the chunk key and the access seed with HKDF-SHA256 (file id as salt), checked against @noble/hashes', () => {
    expect(Buffer.from(keys.chunkKey)).toEqual(Buffer.from(nobleHkdf(nobleSha256, key, id, new TextEncoder().encode('lanchat/file/chunk-key/v1'), 32)))
    expect(Buffer.from(keys.accessSeed)).toEqual(Buffer.from(nobleHkdf(nobleSha256, key, id, new TextEncoder().encode('lanchat/file/access-key/v1'), 32)))
    expect(keys.chunkKey).not.toEqual(keys.accessSeed)
  })

  it('refuses a key of the wrong length', () => {
    expect(() => fileKeys(id, new Uint8Array(31))).toThrow(/32 bytes/)
  })
})

describe('chunk sealing', () => {
  it('is AES-256-GCM with the index in the nonce and the file shape as associated data (cross-checked with @noble/ciphers)', () => {
    for (const index of [0, 1, 3]) {
      const p = plain(index)
      const sealed = sealChunk(keys.chunkKey, shape, index, p)
      const noble = gcm(keys.chunkKey, chunkNonce(index), chunkAd(shape, index)).encrypt(p)
      expect(Buffer.from(sealed)).toEqual(Buffer.from(noble))
      expect(Buffer.from(openChunk(keys.chunkKey, shape, index, sealed))).toEqual(Buffer.from(p))
    }
  })

  it('seals into the ciphertext and the tag, which are the sealed chunk, and hash and check as it does', () => {
    const manifest = Buffer.concat([0, 1, 2, 3].map(i => chunkHash(sealChunk(keys.chunkKey, shape, i, plain(i)))))
    for (const index of [0, 3]) {
      const parts = sealChunkParts(keys.chunkKey, shape, index, plain(index))
      expect(Buffer.concat(parts)).toEqual(sealChunk(keys.chunkKey, shape, index, plain(index)))
      expect(parts[1].byteLength).toBe(16)
      expect(sealedLength(parts)).toBe(chunkLength(shape, index) + 16)
      expect(chunkHash(parts)).toEqual(chunkHash(Buffer.concat(parts)))
      expect(checkChunk(manifest, index, parts)).toBe(true)
      expect(checkChunk(manifest, index, [parts[0], Buffer.alloc(16)])).toBe(false)
    }
  })

  it('puts the index in the last 8 bytes of the nonce, big-endian', () => {
    expect(chunkNonce(0).toString('hex')).toBe('000000000000000000000000')
    expect(chunkNonce(2 ** 32 + 5).toString('hex')).toBe('000000000000000100000005')
  })

  it('seals the same plaintext at the same index to the same bytes (what lets a member re-seal and serve)', () => {
    expect(sealChunk(keys.chunkKey, shape, 1, plain(1))).toEqual(sealChunk(keys.chunkKey, shape, 1, plain(1)))
  })

  it('round-trips any chunk of any file shape', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 200_000 }), fc.constantFrom(16 * KiB, 32 * KiB, 64 * KiB), fc.nat(), (size, chunkSize, pick) => {
      const s: FileShape = { id, size, chunkSize }
      const index = pick % chunkCount(size, chunkSize)
      const p = plain(index, s)
      return Buffer.from(openChunk(keys.chunkKey, s, index, sealChunk(keys.chunkKey, s, index, p))).equals(Buffer.from(p))
    }), { numRuns: 50 })
  })

  it('refuses a tampered chunk: ciphertext, tag or a flipped bit anywhere', () => {
    const sealed = sealChunk(keys.chunkKey, shape, 0, plain(0))
    for (const at of [0, 100, sealed.length - 17, sealed.length - 1]) {
      const t = Buffer.from(sealed)
      t[at]! ^= 1
      expect(corrupt(() => openChunk(keys.chunkKey, shape, 0, t))).toBe(true)
    }
  })

  it('refuses a chunk opened at another index (reordered), or of another file', () => {
    const c1 = sealChunk(keys.chunkKey, shape, 1, plain(1))
    expect(corrupt(() => openChunk(keys.chunkKey, shape, 2, c1))).toBe(true)
    const other = { ...shape, id: new Uint8Array(16).fill(8) }
    expect(corrupt(() => openChunk(keys.chunkKey, other, 1, c1))).toBe(true)
  })

  it('refuses a truncated or extended chunk, and one whose length the offer does not give it (a lying size)', () => {
    const c0 = sealChunk(keys.chunkKey, shape, 0, plain(0))
    expect(corrupt(() => openChunk(keys.chunkKey, shape, 0, c0.subarray(0, c0.length - 1)))).toBe(true)
    expect(corrupt(() => openChunk(keys.chunkKey, shape, 0, Buffer.concat([c0, Buffer.alloc(1)])))).toBe(true)
    // The last chunk is 100 bytes: an offer saying the file is bigger has it open to nothing.
    const last = sealChunk(keys.chunkKey, shape, 3, plain(3))
    expect(corrupt(() => openChunk(keys.chunkKey, { ...shape, size: shape.size + 1 }, 3, last))).toBe(true)
    // The same bytes under an offer naming another size do not open either (the size is bound in).
    expect(corrupt(() => openChunk(keys.chunkKey, { ...shape, size: shape.size + 16 * KiB }, 0, c0))).toBe(true)
  })

  it('refuses a chunk sealed under another key', () => {
    const other = fileKeys(id, new Uint8Array(32).fill(9))
    expect(corrupt(() => openChunk(other.chunkKey, shape, 0, sealChunk(keys.chunkKey, shape, 0, plain(0))))).toBe(true)
  })

  it('refuses to seal plaintext of the wrong length (a file that changed)', () => {
    expect(() => sealChunk(keys.chunkKey, shape, 0, new Uint8Array(10))).toThrow(expect.objectContaining({ code: 'FILE_CHANGED' }))
  })
})

describe('the manifest', () => {
  const count = chunkCount(shape.size, shape.chunkSize)
  const sealed = Array.from({ length: count }, (_, i) => sealChunk(keys.chunkKey, shape, i, plain(i)))
  const manifest = Buffer.concat(sealed.map(chunkHash))
  const root = manifestRoot(id, manifest)

  it('names each sealed chunk by its SHA-256, in order', () => {
    expect(Buffer.from(chunkHash(sealed[0]!))).toEqual(Buffer.from(nobleSha256(sealed[0]!)))
    sealed.forEach((c, i) => { expect(checkChunk(manifest, i, c)).toBe(true) })
    expect(checkChunk(manifest, 0, sealed[1]!)).toBe(false)
    expect(checkChunk(manifest, count, sealed[0]!)).toBe(false)
    expect(checkChunk(manifest, 2 ** 31, sealed[0]!)).toBe(false)
  })

  it('matches the root only when whole, in order, for this file', () => {
    expect(checkManifest(shape, root, manifest)).toBe(true)
    expect(checkManifest(shape, root, manifest.subarray(32))).toBe(false)
    expect(checkManifest(shape, root, Buffer.concat([manifest.subarray(32, 64), manifest.subarray(0, 32), manifest.subarray(64)]))).toBe(false)
    expect(checkManifest({ ...shape, id: new Uint8Array(16) }, root, manifest)).toBe(false)
    expect(checkManifest(shape, manifestRoot(new Uint8Array(16), manifest), manifest)).toBe(false)
  })
})

describe('the fetch proof', () => {
  const proof = fetchProof(keys, 'net1', id, 'requester', 'source')

  it('opens the file at that source, for that requester, on that network only', () => {
    expect(checkFetchProof(keys.accessKey, proof, 'net1', id, 'requester', 'source')).toBe(true)
    expect(checkFetchProof(keys.accessKey, proof, 'net1', id, 'requester', 'other-source')).toBe(false)
    expect(checkFetchProof(keys.accessKey, proof, 'net1', id, 'someone-else', 'source')).toBe(false)
    expect(checkFetchProof(keys.accessKey, proof, 'net2', id, 'requester', 'source')).toBe(false)
    expect(checkFetchProof(keys.accessKey, proof, 'net1', new Uint8Array(16), 'requester', 'source')).toBe(false)
  })

  it('cannot be made without the file key', () => {
    const other = fileKeys(id, new Uint8Array(32).fill(1))
    expect(checkFetchProof(keys.accessKey, fetchProof(other, 'net1', id, 'requester', 'source'), 'net1', id, 'requester', 'source')).toBe(false)
    expect(checkFetchProof(keys.accessKey, new Uint8Array(64), 'net1', id, 'requester', 'source')).toBe(false)
    expect(checkFetchProof(keys.accessKey, new Uint8Array(0), 'net1', id, 'requester', 'source')).toBe(false)
  })
})

describe('the chunk size', () => {
  it('is the preferred size for files up to 16,384 chunks, then grows, up to 1 MiB', () => {
    expect(chooseChunkSize(1, 256 * KiB)).toBe(256 * KiB)
    expect(chooseChunkSize(4 * 1024 * 1024 * KiB, 256 * KiB)).toBe(256 * KiB)
    expect(chooseChunkSize(4 * 1024 * 1024 * KiB + 1, 256 * KiB)).toBe(512 * KiB)
    expect(chooseChunkSize(MAX_CHUNKS * MAX_CHUNK_BYTES, 256 * KiB)).toBe(MAX_CHUNK_BYTES)
    expect(() => chooseChunkSize(MAX_CHUNKS * MAX_CHUNK_BYTES + 1, 256 * KiB)).toThrow(expect.objectContaining({ code: 'FILE_TOO_LARGE' }))
  })
})
