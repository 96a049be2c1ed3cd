/**
 * The Double Ratchet ([DR] = Signal, "The Double Ratchet Algorithm", rev. 1, §3),
 * with the recommended algorithms of [DR] §5.2 (rev. 3 §7.2): X25519, HKDF-SHA256
 * for KDF_RK, HMAC-SHA256 for KDF_CK, and an AEAD built from HKDF-expanded
 * message keys, here AES-256-GCM.
 *
 * Pure: every function takes a SessionState and returns a new one; the input
 * is never modified. A message that fails (bad tag, replay, MAX_SKIP, malformed)
 * throws and leaves no trace: the caller keeps the state it had. Persist the
 * returned state (serializeSession) only after the call returns.
 */
import {
  CHAIN_KEY_SEED, DEFAULT_MAX_SKIP, DEFAULT_MAX_SKIPPED_KEYS, DEFAULT_SKIPPED_KEY_TTL_MS, GCM_NONCE_LENGTH, GCM_TAG_LENGTH,
  KEY_LENGTH, MAX_COUNTER, MESSAGE_KEY_INFO, MESSAGE_KEY_MATERIAL_LENGTH, MESSAGE_KEY_SALT, MESSAGE_KEY_SEED, ROOT_KDF_INFO,
  SESSION_RECORD_VERSION
} from './constants.js'
import { checkBytes, checkWireKey, concatBytes, copyBytes, equalBytes, wipe } from './bytes.js'
import type { Bytes } from './bytes.js'
import {
  DecryptError, DuplicateMessageError, InvalidInputError, InvalidKeyError, MalformedMessageError, MaxSkipExceededError,
  MessageKeyExpiredError, SessionError
} from './errors.js'
import {
  aesGcmDecrypt, aesGcmEncrypt, dh, forgetX25519PrivateKey, generateX25519KeyPair, hkdf, hmacSha256, peerKey, systemClock,
  systemRandom
} from './primitives.js'
import type { Clock, RandomSource, X25519KeyPair } from './primitives.js'
import { RatchetHeader, RatchetMessage, SessionRecord } from './pb/session.js'
import { InitialMessage } from './pb/x3dh.js'
import { SKIPPED_RECORD_LENGTH, appendSkipped, countSkipped, evictSkipped, findSkipped, listSkipped, pruneSkipped, removeSkipped } from './skipped.js'
import type { NewSkippedKey, SkippedKeys, SkippedMessageKey } from './skipped.js'

export type { SkippedKeyChain, SkippedKeys, SkippedMessageKey } from './skipped.js'

/**
 * The X3DH fields an initiator attaches to its messages until it receives a
 * reply ([X3DH] §3.3; libsignal does the same), so that losing the first
 * message does not lose the session.
 */
export interface PendingPreKey {
  readonly identityKey: Bytes
  readonly username: string
  readonly baseKey: Bytes
  readonly signedPreKeyId: number
  readonly oneTimePreKeyId: number | undefined
}

/**
 * The state of one session: [DR] §3.2's state variables plus who the peer is.
 * Treat it as a value: read the documented fields, persist it with
 * serializeSession, and change it only through encryptMessage/decryptMessage.
 */
export interface SessionState {
  /** AD from X3DH ([X3DH] §3.3): Encode(IK_A) || Encode(IK_B) || both usernames, authenticated with every message. */
  readonly associatedData: Bytes
  /** The peer's Ed25519 identity key, as X3DH authenticated it. */
  readonly remoteIdentityKey: Bytes
  readonly remoteUsername: string
  /** EK_A, the initiator's ephemeral key: names the X3DH run this session came from (both sides hold the same value). */
  readonly baseKey: Bytes
  /** RK */
  readonly rootKey: Bytes
  /** DHs */
  readonly sendingRatchetKey: X25519KeyPair
  /** DHr */
  readonly receivingRatchetKey: Bytes | undefined
  /** CKs */
  readonly sendingChainKey: Bytes | undefined
  /** CKr */
  readonly receivingChainKey: Bytes | undefined
  /** Ns */
  readonly sendCounter: number
  /** Nr */
  readonly receiveCounter: number
  /** PN */
  readonly previousCounter: number
  /** MKSKIPPED, oldest first, packed (skipped.ts; listSkippedKeys() unpacks them). */
  readonly skippedKeys: SkippedKeys
  /** Set on the initiator until the first reply: its messages are then InitialMessages. */
  readonly pendingPreKey: PendingPreKey | undefined
}

/** Limits of the receiving side; every field has a default in constants.ts. */
export interface RatchetLimits {
  /** MAX_SKIP ([DR] §3.5), default 1000. */
  readonly maxSkip: number
  /** Most skipped message keys kept; the oldest are evicted first ([DR] §6.4), default 2000. */
  readonly maxSkippedKeys: number
  /** Skipped message keys older than this are deleted ([DR] §6.4), default 14 days. */
  readonly skippedKeyTtlMs: number
}

export interface RatchetOptions extends Partial<RatchetLimits> {
  /** For skipped-key timestamps and expiry; default Date.now. */
  readonly clock?: Clock
  /** For new ratchet key pairs; default the OS CSPRNG. */
  readonly random?: RandomSource
}

export interface EncryptResult {
  readonly session: SessionState
  /** The bytes to send: an encoded InitialMessage when `initial`, else an encoded RatchetMessage. */
  readonly message: Bytes
  readonly initial: boolean
}

export interface DecryptResult {
  readonly session: SessionState
  readonly plaintext: Bytes
}

// ------------------------------------------------------------------ KDFs

/**
 * KDF_RK(rk, dh_out) ([DR] §5.2): HKDF-SHA256 with rk as salt, the DH output
 * as input key material and ROOT_KDF_INFO, 64 bytes: new root key || chain key.
 */
export function kdfRootKey (rootKey: Uint8Array, dhOutput: Uint8Array): { rootKey: Bytes, chainKey: Bytes } {
  const out = hkdf(dhOutput, rootKey, ROOT_KDF_INFO, 2 * KEY_LENGTH)
  return { rootKey: out.subarray(0, KEY_LENGTH), chainKey: out.subarray(KEY_LENGTH) }
}

/**
 * KDF_CK(ck) ([DR] §5.2): message key = HMAC-SHA256(ck, 0x01), next chain key =
 * HMAC-SHA256(ck, 0x02).
 */
export function kdfChainKey (chainKey: Uint8Array): { chainKey: Bytes, messageKey: Bytes } {
  return {
    chainKey: hmacSha256(chainKey, CHAIN_KEY_SEED),
    messageKey: hmacSha256(chainKey, MESSAGE_KEY_SEED)
  }
}

export interface MessageKeys {
  readonly cipherKey: Bytes
  readonly macKey: Bytes
  readonly iv: Bytes
}

/**
 * The keys of one message ([DR] §5.2 ENCRYPT, libsignal's layout): HKDF-SHA256
 * over the message key with a 32-byte zero salt and "WhisperMessageKeys", 80
 * bytes = cipher key (32) || MAC key (32) || IV (16).
 */
export function deriveMessageKeys (messageKey: Uint8Array): MessageKeys {
  const out = hkdf(messageKey, MESSAGE_KEY_SALT, MESSAGE_KEY_INFO, MESSAGE_KEY_MATERIAL_LENGTH)
  return { cipherKey: out.subarray(0, 32), macKey: out.subarray(32, 64), iv: out.subarray(64, 80) }
}

/** ENCRYPT(mk, plaintext, CONCAT(AD, header)): AES-256-GCM, key = cipher key, nonce = first 12 bytes of the IV. */
function encryptWithMessageKey (messageKey: Uint8Array, plaintext: Uint8Array, associatedData: Uint8Array, header: Uint8Array): Bytes {
  const keys = deriveMessageKeys(messageKey)
  try {
    return aesGcmEncrypt(keys.cipherKey, keys.iv.subarray(0, GCM_NONCE_LENGTH), plaintext, concatBytes(associatedData, header))
  } finally {
    wipe(keys.cipherKey, keys.macKey, keys.iv)
  }
}

function decryptWithMessageKey (messageKey: Uint8Array, ciphertext: Uint8Array, associatedData: Uint8Array, header: Uint8Array): Bytes {
  const keys = deriveMessageKeys(messageKey)
  try {
    return aesGcmDecrypt(keys.cipherKey, keys.iv.subarray(0, GCM_NONCE_LENGTH), ciphertext, concatBytes(associatedData, header))
  } finally {
    wipe(keys.cipherKey, keys.macKey, keys.iv)
  }
}

// ------------------------------------------------------------------ initialisation

export interface InitiatorInit {
  readonly sharedSecret: Uint8Array
  /** SPK_B: Bob's signed prekey doubles as his first ratchet key ([DR] §3.3, §5.1 of rev. 1). */
  readonly remoteRatchetKey: Uint8Array
  readonly associatedData: Bytes
  readonly remoteIdentityKey: Bytes
  readonly remoteUsername: string
  readonly pendingPreKey: PendingPreKey
  readonly random?: RandomSource
}

/** RatchetInitAlice ([DR] §3.3): a fresh DHs, DHr = SPK_B, RK/CKs = KDF_RK(SK, DH(DHs, DHr)). */
export function initInitiatorSession (init: InitiatorInit): SessionState {
  const sendingRatchetKey = generateX25519KeyPair(init.random ?? systemRandom)
  const remote = peerKey(init.remoteRatchetKey, 'bundle.signedPreKey')
  const dhOut = dh(sendingRatchetKey, remote, 'bundle.signedPreKey')
  const { rootKey, chainKey } = kdfRootKey(init.sharedSecret, dhOut)
  wipe(dhOut)
  return {
    associatedData: init.associatedData,
    remoteIdentityKey: init.remoteIdentityKey,
    remoteUsername: init.remoteUsername,
    baseKey: init.pendingPreKey.baseKey,
    rootKey,
    sendingRatchetKey,
    receivingRatchetKey: copyBytes(init.remoteRatchetKey),
    sendingChainKey: chainKey,
    receivingChainKey: undefined,
    sendCounter: 0,
    receiveCounter: 0,
    previousCounter: 0,
    skippedKeys: [],
    pendingPreKey: init.pendingPreKey
  }
}

export interface ResponderInit {
  readonly sharedSecret: Uint8Array
  /** Bob's signed prekey pair, his first DHs. */
  readonly ratchetKeyPair: X25519KeyPair
  readonly associatedData: Bytes
  readonly remoteIdentityKey: Bytes
  readonly remoteUsername: string
  readonly baseKey: Bytes
}

/** RatchetInitBob ([DR] §3.3): DHs = SPK_B, RK = SK, no chains until Alice's first message arrives. */
export function initResponderSession (init: ResponderInit): SessionState {
  return {
    associatedData: init.associatedData,
    remoteIdentityKey: init.remoteIdentityKey,
    remoteUsername: init.remoteUsername,
    baseKey: init.baseKey,
    rootKey: copyBytes(init.sharedSecret),
    sendingRatchetKey: { publicKey: copyBytes(init.ratchetKeyPair.publicKey), privateKey: copyBytes(init.ratchetKeyPair.privateKey) },
    receivingRatchetKey: undefined,
    sendingChainKey: undefined,
    receivingChainKey: undefined,
    sendCounter: 0,
    receiveCounter: 0,
    previousCounter: 0,
    skippedKeys: [],
    pendingPreKey: undefined
  }
}

// ------------------------------------------------------------------ helpers

function limitsOf (options: RatchetOptions): RatchetLimits {
  const maxSkip = options.maxSkip ?? DEFAULT_MAX_SKIP
  const maxSkippedKeys = options.maxSkippedKeys ?? DEFAULT_MAX_SKIPPED_KEYS
  const skippedKeyTtlMs = options.skippedKeyTtlMs ?? DEFAULT_SKIPPED_KEY_TTL_MS
  if (!Number.isInteger(maxSkip) || maxSkip < 0) throw new InvalidInputError('maxSkip', 'must be a non-negative integer')
  if (!Number.isInteger(maxSkippedKeys) || maxSkippedKeys < 0) throw new InvalidInputError('maxSkippedKeys', 'must be a non-negative integer')
  if (!(skippedKeyTtlMs > 0)) throw new InvalidInputError('skippedKeyTtlMs', 'must be a positive number of milliseconds')
  return { maxSkip, maxSkippedKeys, skippedKeyTtlMs }
}

interface ParsedMessage {
  readonly headerBytes: Bytes
  readonly ratchetKey: Bytes
  readonly previousCounter: number
  readonly counter: number
  readonly ciphertext: Bytes
}

function parseRatchetMessage (message: Uint8Array): ParsedMessage {
  checkBytes(message, 'message')
  let outer: RatchetMessage
  let header: RatchetHeader
  try {
    outer = RatchetMessage.decode(message)
  } catch (err) {
    throw new MalformedMessageError('message', 'is not a RatchetMessage', { cause: err })
  }
  try {
    header = RatchetHeader.decode(outer.header)
  } catch (err) {
    throw new MalformedMessageError('message.header', 'is not a RatchetHeader', { cause: err })
  }
  checkWireKey(header.ratchetKey, 'message.header.ratchetKey')
  if (outer.ciphertext.byteLength < GCM_TAG_LENGTH) {
    throw new MalformedMessageError('message.ciphertext', 'is shorter than the authentication tag')
  }
  return {
    headerBytes: outer.header,
    ratchetKey: header.ratchetKey,
    previousCounter: header.previousCounter,
    counter: header.counter,
    ciphertext: outer.ciphertext
  }
}

// ------------------------------------------------------------------ encrypt

/**
 * RatchetEncrypt ([DR] §3.4): advances the sending chain and encrypts with the
 * new message key; the header (DHs, PN, Ns) is authenticated with the session AD.
 * While the session is still `pendingPreKey`, the result is an InitialMessage.
 */
export function encryptMessage (session: SessionState, plaintext: Uint8Array, options: RatchetOptions = {}): EncryptResult {
  checkBytes(plaintext, 'plaintext')
  const { skippedKeyTtlMs } = limitsOf(options)
  const now = (options.clock ?? systemClock)()
  if (session.sendingChainKey === undefined) {
    throw new SessionError('NO_SENDING_CHAIN', 'this session cannot send until it has received the first message of its peer (the responder of X3DH sends only after receiving)')
  }
  if (session.sendCounter >= MAX_COUNTER) {
    throw new SessionError('COUNTER_EXHAUSTED', 'this sending chain has used every message number; wait for a reply or start a new session')
  }
  const { chainKey, messageKey } = kdfChainKey(session.sendingChainKey)
  const header = RatchetHeader.encode({
    ratchetKey: session.sendingRatchetKey.publicKey,
    previousCounter: session.previousCounter,
    counter: session.sendCounter
  })
  let ciphertext: Bytes
  try {
    ciphertext = encryptWithMessageKey(messageKey, plaintext, session.associatedData, header)
  } finally {
    wipe(messageKey)
  }
  let message = RatchetMessage.encode({ header, ciphertext })
  const pending = session.pendingPreKey
  if (pending !== undefined) {
    message = InitialMessage.encode({
      identityKey: pending.identityKey,
      username: pending.username,
      baseKey: pending.baseKey,
      signedPreKeyId: pending.signedPreKeyId,
      oneTimePreKeyId: pending.oneTimePreKeyId,
      message
    })
  }
  return {
    session: {
      ...session,
      sendingChainKey: chainKey,
      sendCounter: session.sendCounter + 1,
      skippedKeys: pruneSkipped(session.skippedKeys, now, skippedKeyTtlMs)
    },
    message,
    initial: pending !== undefined
  }
}

/**
 * The session once the responder is known to hold it: its next messages are
 * plain RatchetMessages, without the X3DH fields. [X3DH] §3.3 has the
 * initiator attach them until it receives a reply, so that a lost first
 * message does not lose the session; an acknowledgement from the responder's
 * own authenticated node that it stored a message of this session (lanchat's
 * direct delivery acks only after persisting) proves the same thing.
 * A session that is not pending is returned as it is.
 */
export function confirmSession (session: SessionState): SessionState {
  return session.pendingPreKey === undefined ? session : { ...session, pendingPreKey: undefined }
}

// ------------------------------------------------------------------ decrypt

/**
 * RatchetDecrypt ([DR] §3.5) of an encoded RatchetMessage. On success returns
 * the plaintext and the new state; on any failure throws and the given state
 * remains the current one (commit-after-AEAD, DESIGN.md "Messaging").
 *
 * Errors: MALFORMED_MESSAGE, DUPLICATE_MESSAGE (replay), MESSAGE_KEY_EXPIRED,
 * MAX_SKIP_EXCEEDED, DECRYPT_FAILED.
 */
export function decryptMessage (session: SessionState, message: Uint8Array, options: RatchetOptions = {}): DecryptResult {
  const limits = limitsOf(options)
  const now = (options.clock ?? systemClock)()
  const msg = parseRatchetMessage(message)

  // TrySkippedMessageKeys
  const found = findSkipped(session.skippedKeys, msg.ratchetKey, msg.counter)
  if (found !== undefined) {
    if (now - found.createdAt >= limits.skippedKeyTtlMs) throw new MessageKeyExpiredError(msg.counter)
    const plaintext = decryptWithMessageKey(found.messageKey, msg.ciphertext, session.associatedData, msg.headerBytes)
    const remaining = removeSkipped(session.skippedKeys, found.chain, found.record)
    return {
      session: { ...session, skippedKeys: pruneSkipped(remaining, now, limits.skippedKeyTtlMs), pendingPreKey: undefined },
      plaintext
    }
  }

  const sameChain = session.receivingRatchetKey !== undefined && equalBytes(msg.ratchetKey, session.receivingRatchetKey)
  if (sameChain && msg.counter < session.receiveCounter) throw new DuplicateMessageError(msg.counter)

  // Working copies of the state variables; the input session is never written.
  let rootKey = session.rootKey
  let receivingRatchetKey = session.receivingRatchetKey
  let receivingChainKey = session.receivingChainKey
  let receiveCounter = session.receiveCounter
  let sendingRatchetKey = session.sendingRatchetKey
  let sendingChainKey = session.sendingChainKey
  let sendCounter = session.sendCounter
  let previousCounter = session.previousCounter
  const skipped: NewSkippedKey[] = []
  let newRatchetKey: X25519KeyPair | undefined

  // SkipMessageKeys(state, until)
  const skipTo = (until: number): void => {
    if (receiveCounter + limits.maxSkip < until) throw new MaxSkipExceededError(until - receiveCounter, limits.maxSkip)
    if (receivingChainKey === undefined || receivingRatchetKey === undefined) return
    while (receiveCounter < until) {
      const step = kdfChainKey(receivingChainKey)
      skipped.push({ ratchetKey: receivingRatchetKey, counter: receiveCounter, messageKey: step.messageKey })
      receivingChainKey = step.chainKey
      receiveCounter++
    }
  }

  try {
    if (!sameChain) {
      skipTo(msg.previousCounter)
      // DHRatchet(state, header)
      let peer
      try {
        peer = peerKey(msg.ratchetKey, 'message.header.ratchetKey')
        previousCounter = sendCounter
        sendCounter = 0
        receiveCounter = 0
        receivingRatchetKey = copyBytes(msg.ratchetKey)
        const dh1 = dh(sendingRatchetKey, peer, 'message.header.ratchetKey', 'session.sendingRatchetKey')
        const receiving = kdfRootKey(rootKey, dh1)
        wipe(dh1)
        receivingChainKey = receiving.chainKey
        newRatchetKey = generateX25519KeyPair(options.random ?? systemRandom)
        sendingRatchetKey = newRatchetKey
        const dh2 = dh(newRatchetKey, peer, 'message.header.ratchetKey')
        const sending = kdfRootKey(receiving.rootKey, dh2)
        wipe(dh2)
        rootKey = sending.rootKey
        sendingChainKey = sending.chainKey
      } catch (err) {
        // An unauthenticated header carrying a low-order or undecodable key is a malformed message.
        if (err instanceof InvalidKeyError && err.field === 'message.header.ratchetKey') {
          throw new MalformedMessageError('message.header.ratchetKey', 'is not a usable X25519 public key', { cause: err })
        }
        throw err
      }
    }
    skipTo(msg.counter)
    if (receivingChainKey === undefined) {
      // Only the initiator's initial DHr (SPK_B) has no chain, and the responder never sends under it.
      throw new DecryptError('message claims a ratchet key this session never received messages under')
    }
    const step = kdfChainKey(receivingChainKey)
    receivingChainKey = step.chainKey
    receiveCounter++
    let plaintext: Bytes
    try {
      plaintext = decryptWithMessageKey(step.messageKey, msg.ciphertext, session.associatedData, msg.headerBytes)
    } finally {
      wipe(step.messageKey)
    }

    // Commit. The old ratchet private key is now deleted from the state; drop it from the key cache too,
    // unless it is the responder's signed prekey (no sending chain yet), which other sessions still use.
    if (newRatchetKey !== undefined && session.sendingChainKey !== undefined) forgetX25519PrivateKey(session.sendingRatchetKey.publicKey)
    const skippedKeys = evictSkipped(appendSkipped(pruneSkipped(session.skippedKeys, now, limits.skippedKeyTtlMs), skipped, now), limits.maxSkippedKeys)
    for (const k of skipped) wipe(k.messageKey)
    return {
      session: {
        ...session,
        rootKey,
        sendingRatchetKey,
        receivingRatchetKey,
        sendingChainKey,
        receivingChainKey,
        sendCounter,
        receiveCounter,
        previousCounter,
        skippedKeys,
        pendingPreKey: undefined
      },
      plaintext
    }
  } catch (err) {
    // Nothing was committed. Forget the ratchet key this attempt generated, and the keys it derived.
    if (newRatchetKey !== undefined) forgetX25519PrivateKey(newRatchetKey.publicKey)
    for (const s of skipped) wipe(s.messageKey)
    throw err
  }
}

/** The skipped message keys of a session, unpacked, oldest first (inspection and tests). */
export function listSkippedKeys (session: SessionState): SkippedMessageKey[] {
  return listSkipped(session.skippedKeys)
}

export function countSkippedKeys (session: SessionState): number {
  return countSkipped(session.skippedKeys)
}

/**
 * Deletes expired skipped message keys ([DR] §6.4) without a message going
 * either way: for sessions that sit idle. Returns the same state when none expired.
 */
export function expireSkippedKeys (session: SessionState, options: RatchetOptions = {}): SessionState {
  const { skippedKeyTtlMs } = limitsOf(options)
  const skippedKeys = pruneSkipped(session.skippedKeys, (options.clock ?? systemClock)(), skippedKeyTtlMs)
  return skippedKeys === session.skippedKeys ? session : { ...session, skippedKeys }
}

// ------------------------------------------------------------------ storage

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
