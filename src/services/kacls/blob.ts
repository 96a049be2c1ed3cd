/**
 * The wrapped-key format (docs/services.md, "kacls"):
 *
 *   wrapped = version (1) || KEK id (uint32 BE) || nonce (12) || AES-256-GCM(KEK, payload, AD) || tag (16)
 *   AD      = "lanchat/kacls/wrap/v1" || version || KEK id || resource (UTF-8)
 *   payload = WrappedPayload { key, authorized, wrapped_by } (protobuf)
 *
 * The header is authenticated through the AD (and the nonce by GCM itself), so
 * flipping any bit of the blob, or presenting it for another resource, fails
 * the tag check. The authorized list (and the wrapper's username) travel
 * inside the AEAD plaintext: authenticated, so they cannot be changed, and
 * confidential, so the blob alone does not say who may read it. Pure
 * functions: no I/O, no state.
 */
import { DecryptError, open, seal } from '../../crypto/index.js'
import { ServiceError } from '../errors.js'
import { AD_LABEL, BLOB_VERSION, MAX_WRAPPED_BYTES, MIN_WRAPPED_BYTES } from './constants.js'
import { WrappedPayload } from './pb/kacls.js'

const utf8 = new TextEncoder()
const LABEL = utf8.encode(AD_LABEL)

/** A wrapped key split into its header fields, not yet authenticated. */
export interface ParsedBlob {
  version: number
  kekVersion: number
  /** nonce || ciphertext || tag: what crypto's open() takes */
  sealed: Uint8Array
}

/** What the AEAD protects: the data-encryption key, the canonical authorized list, and who wrapped it. */
export interface Payload {
  key: Uint8Array
  authorized: string[]
  /** The username whose identity token the wrap carried */
  wrappedBy: string
}

/** AD = AD_LABEL || version || KEK id (uint32 BE) || resource (UTF-8). The label and header are fixed-length, so it parses one way only. */
export function associatedData (version: number, kekVersion: number, resource: string): Uint8Array {
  const res = utf8.encode(resource)
  const ad = new Uint8Array(LABEL.byteLength + 5 + res.byteLength)
  ad.set(LABEL, 0)
  const view = new DataView(ad.buffer)
  view.setUint8(LABEL.byteLength, version)
  view.setUint32(LABEL.byteLength + 1, kekVersion)
  ad.set(res, LABEL.byteLength + 5)
  return ad
}

/** Wraps `payload` under KEK `kekVersion` for `resource`: a fresh random nonce each time (crypto's seal). */
export function wrapPayload (kek: Uint8Array, kekVersion: number, resource: string, payload: Payload): Uint8Array<ArrayBuffer> {
  const plaintext = WrappedPayload.encode({ key: payload.key as Uint8Array<ArrayBuffer>, authorized: payload.authorized, wrappedBy: payload.wrappedBy })
  try {
    const sealed = seal(kek, plaintext, associatedData(BLOB_VERSION, kekVersion, resource))
    const out = new Uint8Array(5 + sealed.byteLength)
    const view = new DataView(out.buffer)
    view.setUint8(0, BLOB_VERSION)
    view.setUint32(1, kekVersion)
    out.set(sealed, 5)
    return out
  } finally {
    plaintext.fill(0)
  }
}

/** Splits a wrapped key into header and sealed part; only its length is checked here (BAD_WRAPPED_KEY). */
export function parseWrapped (wrapped: Uint8Array): ParsedBlob {
  if (wrapped.byteLength < MIN_WRAPPED_BYTES || wrapped.byteLength > MAX_WRAPPED_BYTES) {
    throw new ServiceError('BAD_WRAPPED_KEY', `wrapped: a wrapped key is ${MIN_WRAPPED_BYTES} to ${MAX_WRAPPED_BYTES} bytes, got ${wrapped.byteLength}: pass the bytes wrap returned, unchanged`)
  }
  const view = new DataView(wrapped.buffer, wrapped.byteOffset, wrapped.byteLength)
  return { version: view.getUint8(0), kekVersion: view.getUint32(1), sealed: wrapped.subarray(5) }
}

/**
 * Opens a parsed blob with its KEK for `resource`. UNWRAP_FAILED when the tag
 * does not verify: another resource, an altered blob, or another KACLS's KEK.
 */
export function openPayload (kek: Uint8Array, blob: ParsedBlob, resource: string): Payload {
  let plaintext: Uint8Array
  try {
    plaintext = open(kek, blob.sealed, associatedData(blob.version, blob.kekVersion, resource))
  } catch (err) {
    if (!(err instanceof DecryptError)) throw err
    throw new ServiceError('UNWRAP_FAILED', 'the wrapped key does not open for this resource: it was wrapped for another resource, altered, or wrapped by another KACLS')
  }
  try {
    const payload = WrappedPayload.decode(plaintext)
    return { key: new Uint8Array(payload.key), authorized: payload.authorized, wrappedBy: payload.wrappedBy }
  } finally {
    plaintext.fill(0)
  }
}
