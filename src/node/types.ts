/**
 * The node's vocabulary: how it is configured (NodeInit), what it says of
 * itself (NodeStatus) and the events both front ends listen to (NodeEvents).
 */
import type { ChatEvents } from '../chat/index.js'
import type { GroupsEvents } from '../chat/groups/index.js'
import type { FilesEvents } from '../files/index.js'
import type { DialState, PeerIdStr } from '../net/index.js'
import type { Role } from '../roles/index.js'
import type { MessageUpdate } from '../timeline/index.js'

export interface NodeInit {
  /** Where the store and keys live */
  dataDir: string
  /** The network passphrase; only its derived keys are kept, in memory */
  passphrase: string
  /** Network name; nodes with another name are another network */
  networkName?: string
  listen: string[]
  peers: string[]
  mdns: boolean
  /** Roles pinned to this node by `--role` */
  pinnedRoles: Role[]
  /** Roles this node may be elected to (`--eligible`; empty with `--no-roles`) */
  eligibleRoles: Role[]
  /** Send and show typing indicators in direct chats (default true; `--no-typing`) */
  typing?: boolean
  /** The host name announced with this node (default: os.hostname()) */
  hostName?: string
  /** Where received files land (`--downloads`; default DATA_DIR/downloads) */
  downloadsDir?: string
  /** Files offered up to this size (bytes) download on their own (`--auto-accept`; default 25 MB) */
  autoAcceptBytes?: number
  /** Chunk size of the files this node sends (default 256 KiB, measured: docs/files.md; for benchmarks) */
  fileChunkBytes?: number
}

export interface NodeStatus {
  peerId: PeerIdStr
  addrs: string[]
  peers: PeerIdStr[]
  /** The `--peer` and discovered peers being kept connected, with their failures */
  dialing: DialState[]
  dataDir: string
  networkId: string
  roles: { pinned: Role[], eligible: Role[], serving: Role[] }
  /** Nodes of other lanchat networks heard on this LAN (mDNS), and what that likely means */
  foreign: { nodes: number, networks: number, message?: string }
}

export interface NodeEvents {
  'peer:connected': CustomEvent<{ peerId: PeerIdStr }>
  'peer:disconnected': CustomEvent<{ peerId: PeerIdStr }>
  /** Nodes of other lanchat networks are on this LAN (or no longer): a mistyped passphrase or network name? */
  'lan:foreign': CustomEvent<{ nodes: number, networks: number, message?: string }>
  'role:changed': CustomEvent<{ role: Role, peerId: PeerIdStr | null }>
  'login:required': CustomEvent<{ username: string, reason: 'restarted' | 'expired' | 'refused' }>
  'login': CustomEvent<{ username: string, expiresAt: number }>
  /** The directory binds this user's name to another identity key (docs/threat-model.md, "Directory") */
  'identity:conflict': CustomEvent<{ username: string, yourKey: string, boundKey: string, message: string }>
  'message': ChatEvents['message']
  'message:status': ChatEvents['message:status']
  'message:blocked': ChatEvents['message:blocked']
  /** A message was edited, deleted or reacted to (direct or group; by this user or another) */
  'message:updated': CustomEvent<MessageUpdate>
  'presence': ChatEvents['presence']
  'typing': ChatEvents['typing']
  'lobby': ChatEvents['lobby']
  'group:message': GroupsEvents['group:message']
  'group:changed': GroupsEvents['group:changed']
  'group:status': GroupsEvents['group:status']
  'file:offer': FilesEvents['file:offer']
  'file:progress': FilesEvents['file:progress']
  'file:done': FilesEvents['file:done']
  'file:failed': FilesEvents['file:failed']
}
