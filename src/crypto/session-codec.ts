/**
 * A Double Ratchet session as bytes (a protobuf SessionRecord,
 * pb/session.proto), for the store: what serializeSession writes,
 * deserializeSession reads back, checking every field, so a damaged record
 * is refused (SESSION_CORRUPT) and never used.
 */
import { checkBytes, copyBytes } from './bytes.js'
import { KEY_LENGTH, SESSION_RECORD_VERSION } from './constants.js'
import { SessionError } from './errors.js'
import { SessionRecord } from './pb/session.js'
import { SKIPPED_RECORD_LENGTH } from './skipped.js'
import type { Bytes } from './bytes.js'
import type { SessionState } from './ratchet.js'

/** The session as bytes (a protobuf SessionRecord, pb/session.proto), for LevelDB. */
export function serializeSession (session: SessionState): Bytes {
  const pending = session.pendingPreKey
  return SessionRecord.encode({
    version: SESSION_RECORD_VERSION,
    associatedData: session.associatedData,
    remoteIdentityKey: session.remoteIdentityKey,
    remoteUsername: session.remoteUsername,
    baseKey: session.baseKey,
    rootKey: session.rootKey,
    sendingRatchetPrivate: session.sendingRatchetKey.privateKey,
    sendingRatchetPublic: session.sendingRatchetKey.publicKey,
    receivingRatchetKey: session.receivingRatchetKey,
    sendingChainKey: session.sendingChainKey,
    receivingChainKey: session.receivingChainKey,
    sendCounter: session.sendCounter,
    receiveCounter: session.receiveCounter,
    previousCounter: session.previousCounter,
    skipped: session.skippedKeys.map(c => ({ ratchetKey: c.ratchetKey, keys: c.records })),
    pendingPreKey: pending === undefined
      ? undefined
      : {
          identityKey: pending.identityKey,
          username: pending.username,
          baseKey: pending.baseKey,
          signedPreKeyId: pending.signedPreKeyId,
          oneTimePreKeyId: pending.oneTimePreKeyId
        }
  })
}

function corrupt (field: string, message: string, cause?: unknown): SessionError {
  return new SessionError('SESSION_CORRUPT', `${field}: ${message}`, field, cause === undefined ? undefined : { cause })
}

function storedKey (value: Uint8Array | undefined, field: string): Bytes {
  if (value === undefined || value.byteLength !== KEY_LENGTH) throw corrupt(field, `must be ${KEY_LENGTH} bytes`)
  return value as Bytes
}

function optionalStoredKey (value: Uint8Array | undefined, field: string): Bytes | undefined {
  return value === undefined ? undefined : storedKey(value, field)
}

/** Parses what serializeSession wrote. Throws SESSION_CORRUPT, naming the field, on anything else. */
export function deserializeSession (bytes: Uint8Array): SessionState {
  checkBytes(bytes, 'bytes')
  // One private copy: every key below is a view into it, never into the caller's buffer.
  const own = copyBytes(bytes)
  let r: SessionRecord
  try {
    r = SessionRecord.decode(own)
  } catch (err) {
    throw corrupt('bytes', 'is not a SessionRecord', err)
  }
  if (r.version !== SESSION_RECORD_VERSION) throw corrupt('version', `is ${r.version}, this code reads version ${SESSION_RECORD_VERSION}`)
  const receivingRatchetKey = optionalStoredKey(r.receivingRatchetKey, 'receivingRatchetKey')
  const receivingChainKey = optionalStoredKey(r.receivingChainKey, 'receivingChainKey')
  // (The initiator holds DHr = SPK_B with no CKr until the first reply: [DR] §3.3 RatchetInitAlice.)
  if (receivingChainKey !== undefined && receivingRatchetKey === undefined) {
    throw corrupt('receivingChainKey', 'is present without a receivingRatchetKey')
  }
  const skippedKeys = r.skipped.map((chain, i) => {
    if (chain.keys.byteLength === 0 || chain.keys.byteLength % SKIPPED_RECORD_LENGTH !== 0) {
      throw corrupt(`skipped[${i}].keys`, `must be a non-empty multiple of ${SKIPPED_RECORD_LENGTH} bytes`)
    }
    return { ratchetKey: storedKey(chain.ratchetKey, `skipped[${i}].ratchetKey`), records: chain.keys }
  })
  const p = r.pendingPreKey
  if (r.remoteUsername.length === 0) throw corrupt('remoteUsername', 'is empty')
  return {
    associatedData: r.associatedData,
    remoteIdentityKey: storedKey(r.remoteIdentityKey, 'remoteIdentityKey'),
    remoteUsername: r.remoteUsername,
    baseKey: storedKey(r.baseKey, 'baseKey'),
    rootKey: storedKey(r.rootKey, 'rootKey'),
    sendingRatchetKey: {
      publicKey: storedKey(r.sendingRatchetPublic, 'sendingRatchetPublic'),
      privateKey: storedKey(r.sendingRatchetPrivate, 'sendingRatchetPrivate')
    },
    receivingRatchetKey,
    sendingChainKey: optionalStoredKey(r.sendingChainKey, 'sendingChainKey'),
    receivingChainKey,
    sendCounter: r.sendCounter,
    receiveCounter: r.receiveCounter,
    previousCounter: r.previousCounter,
    skippedKeys,
    pendingPreKey: p === undefined
      ? undefined
      : {
          identityKey: storedKey(p.identityKey, 'pendingPreKey.identityKey'),
          username: p.username,
          baseKey: storedKey(p.baseKey, 'pendingPreKey.baseKey'),
          signedPreKeyId: p.signedPreKeyId,
          oneTimePreKeyId: p.oneTimePreKeyId
        }
  }
}
