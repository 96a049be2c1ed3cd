/**
 * One-to-one chat that never loses a message (docs/architecture.md, "Sending
 * a direct message"), split by what happens to a message: the outbox stores
 * it before anything is sent and schedules delivery rounds (outbox.ts); the
 * sender encrypts it with the Double Ratchet (sessions started with X3DH)
 * and delivers it straight to the contact's node or to the relay's mailbox
 * (sender.ts); the receiver decrypts, dedupes and stores what arrives
 * (receiver.ts); the mailbox drains the relay and keeps prekeys there
 * (mailbox.ts). Collaborators arrive as the narrow interfaces below, so the
 * whole pipeline runs in memory in tests.
 */
import { DirectMessages } from './dm.js'
import type { IdentityKeyPair } from '../../crypto/index.js'
import type { Directory } from '../../directory/index.js'
import type { PeerIdStr } from '../../net/index.js'
import type { SealedStore } from '../../sealed-store.js'
import type { ChatMessage, MessageStatus, MessageUpdate, Timeline } from '../../timeline/index.js'
import type { Attachments } from '../attachments.js'
import type { DmEnvelope } from '../pb/chat.js'
import type { Delivery } from '../transport.js'
import type { TypedEventTarget } from 'main-event'

export interface DmEvents {
  message: CustomEvent<ChatMessage>
  'message:status': CustomEvent<{ id: string, conversation: string, status: MessageStatus }>
  'message:blocked': CustomEvent<{ id: string, conversation: string, reason: 'KEY_CHANGED' }>
  /** A message was edited, deleted or reacted to (by this user or the contact) */
  'message:updated': CustomEvent<MessageUpdate>
}

/** Where the pieces tell what happened to messages (the DirectMessages object). */
export type DmEventTarget = Pick<TypedEventTarget<DmEvents>, 'dispatchEvent'>

export interface SendResult {
  id: string
  conversation: string
  status: MessageStatus
  hlc: string
}

/** This user, as the pipeline needs it (the logged-in Account). */
export interface DmAccount {
  readonly username: string
  identity: () => IdentityKeyPair
}

/**
 * The direct link to contacts' nodes, as this user (DmTransport with this
 * user's identity token): a frame of envelopes answered with what the node
 * stored and refused, and a prekey bundle made for us.
 */
export interface DmLink {
  send: (peer: PeerIdStr, envelopes: DmEnvelope[]) => Promise<Delivery>
  requestBundle: (peer: PeerIdStr) => Promise<Uint8Array>
}

/** Mail held for this user at the relay. */
export interface RelayedMail {
  /** The relay's id of the mail (the sender's message id) */
  id: string
  /** The sender, as its identity token said when it deposited */
  from: string
  envelope: Uint8Array
}

/** This user's bundle as published at the relay (X3DH §3.2). */
export interface PublishedBundle {
  identityKey: Uint8Array
  signedPrekeyId: number
  signedPrekey: Uint8Array
  signedPrekeySignature: Uint8Array
  oneTimePrekeys: Array<{ id: number, publicKey: Uint8Array }>
}

/** The relay's calls the pipeline makes, as this user (docs/services.md, relay; relayClient() in the node). */
export interface DmRelay {
  deposit: (mail: { to: string, id: string, envelope: Uint8Array }) => Promise<void>
  /** This user's mail, oldest first, after `after` (a cursor of an earlier reply) */
  fetch: (query: { limit: number, after?: string }) => Promise<{ messages: RelayedMail[], more: boolean, cursor: string }>
  /** Deletes this user's mail by id */
  ack: (ids: string[]) => Promise<void>
  /** Another user's bundle (encoded PreKeyBundle), with one of its one-time prekeys */
  fetchBundle: (username: string) => Promise<Uint8Array>
  bundleStatus: () => Promise<{ published: boolean, signedPrekeyId: number, oneTimePrekeys: number }>
  publishBundle: (bundle: PublishedBundle) => Promise<void>
}

/** Who is who: identity keys from the idp, the keys this user accepted, and a changed one accepted. */
export type DmDirectory = Pick<Directory, 'lookup' | 'check' | 'blocked' | 'trust' | 'require' | 'registeredNow'>

/** Where users are online now, as presence announcements tell. */
export interface DmPresence {
  peersOf: (username: string) => PeerIdStr[]
}

export interface DmNetwork {
  /** The nodes this node is connected to now */
  connected: () => PeerIdStr[]
}

export interface DmComponents {
  account: DmAccount
  /** The user's sealed chat store (outbox o/, sessions s/, prekeys p) */
  store: SealedStore
  timeline: Timeline
  directory: DmDirectory
  transport: DmLink
  relay: DmRelay
  presence: DmPresence
  network: DmNetwork
  /** Where file offers in received messages go (the user's files) */
  attachments?: Attachments
  clock?: () => number
}

/** Every field has a default in constants.ts. */
export interface DmInit {
  /** Sends to one contact stored in one write at most (COMMIT_BATCH) */
  commitBatch?: number
  /** Envelopes per direct frame (SEND_FRAME) */
  sendFrame?: number
  /** Direct frames on the wire at once; a round takes sendFrame x framesInFlight entries (FRAMES_IN_FLIGHT) */
  framesInFlight?: number
  /** Entries a round puts into the relay's mailbox at most when the contact's node does not answer (RELAY_ROUND) */
  relayRound?: number
  /** First retry of a failed delivery round (RETRY_MIN_MS), doubling to retryMaxMs (RETRY_MAX_MS) */
  retryMinMs?: number
  retryMaxMs?: number
  /** How often the relay mailbox is checked (MAILBOX_POLL_MS) */
  mailboxPollMs?: number
  /** Mail taken from the relay per request (FETCH_BATCH) */
  fetchBatch?: number
}

export function createDirectMessages (components: DmComponents, init: DmInit = {}): DirectMessages {
  return new DirectMessages(components, init)
}

export { DirectMessages }
export { relayClient } from './relay.js'
export { MAILBOX_POLL_MS } from './constants.js'
