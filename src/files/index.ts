/**
 * Files (docs/files.md): end-to-end encrypted, chunked, resumable transfers,
 * fetched from the sender, the relay, or any member of a group who has them.
 *
 * Two parts, two lifetimes. The FileServer runs on every node from start to
 * stop: it serves /lanchat/file/1.0.0 (chunks to requesters who prove they
 * hold the offer, uploads into the relay's chunk store while this node holds
 * the relay role). Files runs while a user is logged in: sending (the offer
 * goes out in a DM or group message, carried by the chat), offers received
 * (handed over by the chat), downloads, uploads to the relay, progress. The
 * collaborators arrive as the narrow interfaces below; node.ts wires them.
 */
import { FILES_DEFAULTS, RELAY_FILES_DEFAULTS } from './constants.js'
import { Files } from './files.js'
import { FileServer } from './server.js'
import type { Sealed } from './chunks.js'
import type { FilesInit, RelayFilesInit } from './constants.js'
import type { FileHello } from './pb/files.js'
import type { IdentityKeyPair } from '../crypto/index.js'
import type { LanchatLibp2p, PeerIdStr } from '../net/index.js'
import type { RoleRegistry } from '../roles/index.js'
import type { Replication } from '../replication/index.js'
import type { MirrorPeers } from './mirror.js'
import type { SealedStore } from '../sealed-store.js'
import type { TokenVerifier } from '../services/index.js'
import type { AttachedFile } from '../timeline/index.js'
import type { Store } from '../../store/index.js'
import type { Progress } from './meter.js'
import type { Direction, TransferState } from './records.js'

export type { FilesInit, RelayFilesInit, Progress, Direction, TransferState, AttachedFile }
export { FileError } from './errors.js'
export type { FileErrorCode } from './errors.js'
export { FILE_PROTOCOL, FILES_DEFAULTS, RELAY_FILES_DEFAULTS } from './constants.js'
export { isFileId, formatBytes, offerText } from './offer.js'
export { sanitizeName, numberedName } from './names.js'
export { Files, FileServer }

// ---------------------------------------------------------------- the server (every node)

/** A file this node can serve: what the server asks of whoever holds it (the user's transfers, the relay's store). */
export interface ServedFile {
  /** The Ed25519 key requesters prove they hold the offer with */
  accessKey: Uint8Array
  count: number
  /** The manifest, when this node has it (a member that has not started has not) */
  manifest: () => Promise<Uint8Array | undefined>
  /** Every chunk (true), or a bitmap of the chunks here now */
  holds: () => true | Uint8Array
  /** A sealed chunk: NOT_HELD when it is not here, FILE_CHANGED when the file no longer matches the manifest */
  read: (index: number) => Promise<Sealed>
  /** Calls `fn` whenever more chunks arrive (a file still being received); returns what stops it */
  watch?: (fn: () => void) => () => void
  /** The requester says it has the whole file */
  finished?: (peer: PeerIdStr) => void
  /** The stream is over */
  close: () => Promise<void>
}

/** Files of the logged-in user that the server may serve. */
export interface FileProvider {
  open: (fileId: string) => Promise<ServedFile | undefined>
}

export interface FileServerComponents {
  libp2p: LanchatLibp2p
  /** Uploads are taken only while this node holds the relay role; the relay's chunks are copied between the live nodes eligible for it */
  registry: Pick<RoleRegistry, 'serves'> & MirrorPeers
  /** The relay's files are a replicated doc (standalone over `store` when absent) */
  replication?: Replication
  /** Uploaders are users: their identity token and its key's proof */
  verifier: Pick<TokenVerifier, 'caller'>
  /** The relay's chunk store lives in its 'relay' domain */
  store: Store
  networkId: string
  clock?: () => number
}

export interface FileServerInit {
  relay?: RelayFilesInit
  helloTimeoutMs?: number
  idleTimeoutMs?: number
}

export function createFileServer (components: FileServerComponents, init: FileServerInit = {}): FileServer {
  return new FileServer(components, {
    relay: { ...RELAY_FILES_DEFAULTS, ...init.relay },
    helloTimeoutMs: init.helloTimeoutMs ?? FILES_DEFAULTS.helloTimeoutMs,
    idleTimeoutMs: init.idleTimeoutMs ?? FILES_DEFAULTS.idleTimeoutMs
  })
}

// ---------------------------------------------------------------- fetching (tests give fakes)

/** What a source sends, handed over as it comes. */
export interface SourceHandlers {
  onHave: (holds: true | Uint8Array) => void
  onManifest: (manifest: Uint8Array) => void
  onChunk: (index: number, data: Uint8Array) => void
  onRefusal: (code: string, message: string, index?: number) => void
  /** The link ended (err undefined: it was closed from this side, or ended cleanly) */
  onClose: (err?: Error) => void
}

/** A stream to one source for one file. */
export interface SourceLink {
  readonly peer: PeerIdStr
  want: (indexes: number[]) => void
  done: () => void
  close: () => void
}

/** Opens a link to a source: dials it and sends the hello. */
export type SourceDialer = (peer: PeerIdStr, hello: FileHello, handlers: SourceHandlers) => Promise<SourceLink>

// ---------------------------------------------------------------- the user's files (while logged in)

/** Sends the message that carries an offer, in a DM or a group conversation. */
export interface FileMessenger {
  /** Stores and sends a message whose body is `body` (kind "file"); its message id */
  send: (conversation: string, text: string, body: Uint8Array, file: AttachedFile) => Promise<{ id: string }>
}

/** Who is where: the nodes users are online on, a group's members, the relay holder. */
export interface FilePeers {
  /** Nodes where `username` is online now, most recently heard first */
  online: (username: string) => PeerIdStr[]
  /** A group's members now (usernames); empty when unknown */
  members: (group: string) => string[]
  relay: () => PeerIdStr | null
}

/** The logged-in user, as files need it. */
export interface FilesAccount {
  readonly username: string
  identityToken: () => string
  identity: () => IdentityKeyPair
}

export interface FilesComponents {
  /** The user's sealed store, 'files' domain */
  store: SealedStore
  libp2p: LanchatLibp2p
  /** Where the user's files are served (attached at start, detached at stop), and kept at the relay while this node holds it */
  server: Pick<FileServer, 'attach' | 'keepAtRelay' | 'relay'>
  account: FilesAccount
  messenger: FileMessenger
  peers: FilePeers
  networkId: string
  /** Sources over libp2p by default */
  dial?: SourceDialer
  /** Free bytes for this process on the downloads directory's file system (statfs by default) */
  freeBytes?: (dir: string) => Promise<number>
  clock?: () => number
}

/** A transfer as the API shows it. */
export interface FileInfo {
  /** The file id, 32 hex digits */
  id: string
  /** This node's number for it: `/accept N`, `/cancel N` */
  n: number
  direction: Direction
  name: string
  size: number
  conversation: string
  from: string
  messageId: string
  state: TransferState
  /** Bytes done, the rate (bytes a second) and seconds left while it moves */
  bytes: number
  rate: number
  eta: number | null
  /** In, while it downloads: sources connected now, and sources dropped for good (they sent what the offer does not name) */
  sources?: number
  badSources?: number
  /** Bytes of chunks this node served to others since it started (a sender's uploads; a member serving other members) */
  served?: number
  /** Out: the relay holds it (a recipient was away) */
  relay?: 'uploading' | 'uploaded' | 'refused'
  /** Where it landed (in, done) or the file sent (out) */
  path?: string
  sha256: string
  error?: { code: string, message: string }
  createdAt: number
}

export interface FilesEvents {
  /** An offer arrived; `autoAccept`: it is small enough to download on its own */
  'file:offer': CustomEvent<{ id: string, n: number, from: string, conversation: string, messageId: string, name: string, size: number, autoAccept: boolean }>
  /** At most every progressIntervalMs per transfer while it moves */
  'file:progress': CustomEvent<{ id: string, n: number, direction: Direction, conversation: string, name: string } & Progress>
  /** In: the file is whole, verified, and at `path`. Out: the recipient of a DM says it has it */
  'file:done': CustomEvent<{ id: string, n: number, direction: Direction, conversation: string, name: string, size: number, path: string, sha256: string }>
  /** The transfer ended without the file (CANCELLED included) */
  'file:failed': CustomEvent<{ id: string, n: number, direction: Direction, conversation: string, name: string, code: string, message: string }>
}

/** What a file.send names: a contact (`to`) or a group, and the path. */
export interface SendFile {
  to?: string
  group?: string
  path: string
}

export function createFiles (components: FilesComponents, init: FilesInit & { downloadsDir: string }): Files {
  return new Files(components, { ...FILES_DEFAULTS, ...init })
}
