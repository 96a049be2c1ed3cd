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
import { DEFAULT_MAX_SKIP, DEFAULT_MAX_SKIPPED_KEYS, DEFAULT_SKIPPED_KEY_TTL_MS, GCM_TAG_LENGTH, MAX_COUNTER } from './constants.js'
import { checkBytes, checkWireKey, copyBytes, equalBytes, wipe } from './bytes.js'
import type { Bytes } from './bytes.js'
import {
  DecryptError, DuplicateMessageError, InvalidInputError, InvalidKeyError, MalformedMessageError, MaxSkipExceededError,
  MessageKeyExpiredError, SessionError
} from './errors.js'
import { dh, forgetX25519PrivateKey, generateX25519KeyPair, peerKey, systemClock, systemRandom } from './primitives.js'
import { decryptWithMessageKey, encryptWithMessageKey, kdfChainKey, kdfRootKey } from './ratchet-kdf.js'
import type { Clock, RandomSource, X25519KeyPair } from './primitives.js'
import { RatchetHeader, RatchetMessage } from './pb/session.js'
import { InitialMessage } from './pb/x3dh.js'
import { appendSkipped, countSkipped, evictSkipped, findSkipped, listSkipped, pruneSkipped, removeSkipped } from './skipped.js'
import type { NewSkippedKey, SkippedKeys, SkippedMessageKey } from './skipped.js'

export type { SkippedKeyChain, SkippedKeys, SkippedMessageKey } from './skipped.js'
export { serializeSession, deserializeSession } from './session-codec.js'
export { kdfRootKey, kdfChainKey, deriveMessageKeys } from './ratchet-kdf.js'
export type { MessageKeys } from './ratchet-kdf.js'

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
