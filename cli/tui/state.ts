/**
 * The terminal UI's state, actions and effects. The view model (view-model.ts)
 * is a pure function of (state, action) to (state, effects); the controller
 * runs the effects against the node and feeds the results back as actions.
 */
import { groupOfConversation } from '../../src/timeline/index.js'
import type { LanchatNode, NodeEvents } from '../../src/node.js'
import type { Completion } from './complete.js'
import type { LineEditor } from './editor.js'
import type { FormState } from './form.js'
import type { Key } from './keys.js'
import type { TerminalWidths } from './text.js'

// The node's vocabulary, named from its API (the TUI uses nothing else of the node).
export type ChatMessage = NodeEvents['message']['detail']
export type MessageStatus = NodeEvents['message:status']['detail']['status']
/** A group's latest state as the node knows it: name, epoch, members, admins, whether this user is in it... */
export type GroupInfo = Awaited<ReturnType<LanchatNode['groups']>>[number]
/** What a fork of a group's chain did to this user's view of it (docs/groups.md, "Forks"), with a sentence to show. */
export type GroupFork = NonNullable<NodeEvents['group:changed']['detail']['fork']>
/** A group message from the group:message event (with its epoch) or from history. */
export type GroupMessage = Omit<NodeEvents['group:message']['detail'], 'epoch'> & { epoch?: number }
export type GroupStatus = NodeEvents['group:status']['detail']
/** Any message the node hands over: direct, lobby or group. */
export type AnyMessage = ChatMessage | GroupMessage
/** A message's state as shown (failed: a group message the node dropped). */
export type EntryStatus = MessageStatus
export type ConversationSummary = Awaited<ReturnType<LanchatNode['conversations']>>[number]
export type UserPresence = ReturnType<LanchatNode['users']>[number]
export type RolesView = ReturnType<LanchatNode['roleHolders']>
export type WhoAmI = ReturnType<LanchatNode['whoami']>
export type VerifyResult = Awaited<ReturnType<LanchatNode['verify']>>
export type RoleName = 'relay' | 'idp' | 'kacls'
/** A transfer as the node lists it (files()), kept up to date by the file events. */
export type FileView = ReturnType<LanchatNode['files']>[number]
export type FileProgressEvent = NodeEvents['file:progress']['detail']
export type FileOfferEvent = NodeEvents['file:offer']['detail']
export type FileDoneEvent = NodeEvents['file:done']['detail']
export type FileFailedEvent = NodeEvents['file:failed']['detail']
/** The file a message carries. */
export type AttachedFile = NonNullable<ChatMessage['file']>

export { LOBBY, GROUP_PREFIX, groupOfConversation as groupIdOf } from '../../src/timeline/index.js'
/** Messages fetched per history page. */
export const PAGE_SIZE = 50

/** Group conversations slot in beside the lobby and direct chats. */
export type ConversationKind = 'lobby' | 'group' | 'direct'

export interface Conversation {
  /** '#lobby', a username, or 'group:<group id>' */
  id: string
  kind: ConversationKind
  title: string
  unread: number
  lastMessageAt: number
  /** A group this user left, was removed from, or asked to leave */
  left?: boolean
}

export type Tone = 'normal' | 'strong' | 'mine' | 'dim' | 'info' | 'warn' | 'error'

/** One item of a conversation as shown: a message, or a notice from the TUI itself (command output). */
export interface Entry {
  /** Sort key: the message's hybrid logical clock, then its id */
  key: string
  id: string
  kind: 'message' | 'notice'
  from: string
  text: string
  /** ms epoch shown beside it */
  at: number
  direction: 'in' | 'out'
  /** The node's hlc, for paging; absent on messages not confirmed stored yet and notices */
  hlc?: string
  /** Outgoing message: how far delivery got (a group message: pending, sent or failed) */
  status?: EntryStatus
  /** Why a group message failed */
  reason?: string
  /** Outgoing lobby post not yet published */
  posting?: boolean
  /** Held because the recipient's identity key changed */
  held?: boolean
  /** The node refused it: why */
  failed?: string
  /** Incoming: the sender's identity key changed */
  keyChanged?: boolean
  /** A reply: the line it quotes */
  quote?: { from: string, text: string, deleted?: boolean }
  /** Edited by its author (shown '(edited)') */
  edited?: boolean
  /** Deleted by its author for everyone */
  deleted?: boolean
  /** emoji -> who reacted */
  reactions?: Record<string, string[]>
  /** A file message: the file it offers (its transfer is in TuiState.files) */
  file?: AttachedFile
  tone?: Tone
}

export interface ConversationView {
  entries: Entry[]
  /** The newest page has been fetched */
  loaded: boolean
  /** A history request is under way */
  loading: boolean
  /** Nothing older exists */
  complete: boolean
  /** The key of the first message unread when the conversation was opened: the "new" line goes above it */
  newFrom?: string
  /** Unread messages when it was opened, before its history came: newFrom is found once it does */
  unreadAtOpen?: number
}

export interface NetworkState {
  networkId: string
  peerId: string
  peers: number
  roles: Record<RoleName, string | null>
  /** Nodes of other lanchat networks on the LAN, said for people (absent: none heard) */
  foreign?: string
  /** Who each holder is, where known: the user logged in on it (confirmed by presence) and its host name */
  about: Record<RoleName, { user?: string, hostName?: string }>
  warnings: string[]
}

export interface Me {
  username: string | null
  loggedIn: boolean
  fingerprint?: string
  expiresAt?: number
}

export interface Notice {
  text: string
  tone: Tone
}

export type Focus = 'input' | 'conversations' | 'messages'
export const FOCUS_ORDER: readonly Focus[] = ['input', 'conversations', 'messages']

export interface CompletionState extends Completion {
  /** The text and cursor before the first Tab, so Tab cycles through the options */
  original: string
  index: number
}

export interface TuiState {
  size: { width: number, height: number }
  me: Me
  net: NetworkState
  /** The register / login form, or null for the chat screen */
  form: FormState | null
  conversations: Conversation[]
  current: string
  views: Record<string, ConversationView>
  focus: Focus
  /** Lines scrolled up from the newest (0: following new messages) */
  scroll: number
  input: LineEditor
  completion: CompletionState | null
  /** The status line: the last error or information */
  notice: Notice | null
  presence: Record<string, { online: boolean, lastSeen?: number }>
  /** The groups this node knows, by group id: their latest state */
  groups: Record<string, GroupInfo>
  /** Contacts whose identity key changed and is not trusted yet */
  keyWarnings: Record<string, true>
  /** Transfers by file id */
  files: Record<string, FileView>
  /** Status events that came before the send they belong to returned */
  earlyStatus: Record<string, EntryStatus>
  /** Counter for local ids */
  seq: number
  /** How this terminal draws text (widths of emoji sequences, UTF-8) */
  terminal: TerminalWidths
  /** Whether the terminal window has focus, as far as the terminal tells (it may never say) */
  terminalFocused: boolean
  /** Ring the terminal bell for a new message not in sight (off with --no-bell) */
  bell: boolean
  /** When it last rang (ms), so a burst of messages rings once */
  lastBellAt: number
  /** The message selected in the messages pane (Up/Down there), by id */
  selected: string | null
  /** The last /search's results, for /jump N */
  searchResults: Array<{ conversation: string, id: string, hlc: string }>
  /** Contacts typing to this user now: until when (ms) */
  typing: Record<string, number>
  /** When this user last told a contact it is typing (ms), so it is said at most every few seconds */
  typingSentAt: Record<string, number>
  /** Send typing indicators (off with --no-typing) */
  typingEnabled: boolean
}

/** What the node reports, polled and on events. */
export interface Snapshot {
  status: { networkId: string, peerId: string, peers: number, foreign?: string }
  roles: RolesView
  whoami: WhoAmI
  /** null while logged out (the node has no presence then) */
  users: UserPresence[] | null
}

export type Action =
  | { type: 'key', key: Key }
  | { type: 'resize', width: number, height: number }
  /** The terminal reported gaining (true) or losing (false) focus */
  | { type: 'focus', focused: boolean }
  | { type: 'snapshot', snapshot: Snapshot }
  | { type: 'registered', username: string, fingerprint: string }
  | { type: 'loggedIn', whoami: WhoAmI }
  | { type: 'loginRequired', username: string, reason: 'restarted' | 'expired' | 'refused' }
  | { type: 'formFailed', step: 'register' | 'login', error: string, code?: string }
  | { type: 'conversations', list: ConversationSummary[] }
  | { type: 'history', conversation: string, before?: string, limit: number, messages: AnyMessage[] }
  | { type: 'historyFailed', conversation: string, error: string }
  | { type: 'message', message: AnyMessage }
  | { type: 'status', id: string, conversation: string, status: MessageStatus }
  | { type: 'blocked', id: string, conversation: string }
  | { type: 'presence', username: string, online: boolean }
  | { type: 'sent', localId: string, conversation: string, id: string, hlc?: string }
  | { type: 'posted', localId: string, id: string, hlc?: string }
  | { type: 'sendFailed', localId: string, conversation: string, error: string }
  | { type: 'users', users: UserPresence[] }
  /** checkUser(): the user /dm named is registered (username) or not (error) */
  | { type: 'userChecked', user: string, username?: string, error?: string }
  | { type: 'roles', roles: RolesView }
  | { type: 'verified', result: VerifyResult }
  | { type: 'trusted', username: string, verified: boolean }
  | { type: 'error', error: string }
  /** A reply, edit, deletion or reaction the node stored (or refused) */
  | { type: 'kindDone', op: KindOp }
  | { type: 'kindFailed', op: KindOp, error: string }
  /** The message:updated event */
  | { type: 'updated', conversation: string, id: string, message: AnyMessage, change: string, by: string }
  | { type: 'info', message: AnyMessage }
  | { type: 'searchResults', query: string, here: boolean, messages: AnyMessage[] }
  /** A page of history starting at a message (a search result) */
  | { type: 'jumped', conversation: string, id: string, messages: AnyMessage[] }
  /** The typing event */
  | { type: 'typing', username: string, typing: boolean }
  /** groups(): every group this node knows */
  | { type: 'groups', list: GroupInfo[] }
  /** The group:changed event (`fork`: the change came from a fork of its chain) */
  | { type: 'groupChanged', info: GroupInfo, fork?: GroupFork }
  /** The group:status event */
  | { type: 'groupStatus', id: string, group: string, status: 'sent' | 'failed', code?: string }
  /** A /group command the node carried out */
  | { type: 'groupDone', op: 'create' | 'invite' | 'kick' | 'promote' | 'members', info: GroupInfo, user?: string }
  | { type: 'groupLeft', group: string, epoch: number }
  /** A /group command the node refused */
  | { type: 'groupFailed', op: GroupOp, group?: string, user?: string, name?: string, error: string, code?: string }
  /** files(): every transfer */
  | { type: 'files', list: FileView[], show?: boolean }
  /** A transfer the node started, accepted or cancelled (file.send, accept, cancel) */
  | { type: 'fileInfo', info: FileView, op: 'send' | 'accept' | 'cancel' }
  | { type: 'fileOffer', offer: FileOfferEvent }
  | { type: 'fileProgress', progress: FileProgressEvent }
  | { type: 'fileDone', done: FileDoneEvent }
  | { type: 'fileFailed', failed: FileFailedEvent }
  /** A /file, /accept or /cancel the node refused */
  | { type: 'fileRefused', op: 'send' | 'accept' | 'cancel', what: string, error: string, code?: string }

export type KindOp = 'reply' | 'edit' | 'delete' | 'react'

export type GroupOp = 'create' | 'invite' | 'kick' | 'promote' | 'members' | 'leave'

export type Effect =
  | { type: 'register', username: string, password: string }
  | { type: 'login', username: string, password: string }
  | { type: 'send', localId: string, to: string, text: string }
  | { type: 'lobbySend', localId: string, text: string }
  /** A page of a conversation: a direct chat, the lobby or a group (group:<id>) */
  | { type: 'history', conversation: string, limit: number, before?: string }
  /** Any conversation: a username, '#lobby' or 'group:<id>' */
  | { type: 'markRead', conversation: string }
  | { type: 'conversations' }
  | { type: 'users' }
  | { type: 'roles' }
  | { type: 'verify', user: string }
  /** Whether someone is registered as `user`, before /dm opens a conversation with them */
  | { type: 'checkUser', user: string }
  | { type: 'trust', user: string }
  | { type: 'groups' }
  | { type: 'groupCreate', name: string, members: string[] }
  | { type: 'groupChange', op: 'invite' | 'kick' | 'promote', group: string, user: string }
  | { type: 'groupLeave', group: string }
  | { type: 'groupMembers', group: string }
  | { type: 'groupSend', localId: string, group: string, text: string }
  | { type: 'messageKind', op: KindOp, conversation: string, id: string, text?: string, emoji?: string, remove?: boolean }
  | { type: 'info', conversation: string, id: string }
  | { type: 'search', query: string, here: boolean, conversation?: string }
  | { type: 'jump', conversation: string, id: string, hlc: string }
  /** Tell a contact this user is typing */
  | { type: 'typing', to: string }
  /** Sends a file to a contact or a group (conversation: a username or group:<id>) */
  | { type: 'fileSend', conversation: string, path: string }
  | { type: 'files', show: boolean }
  | { type: 'fileAccept' | 'fileCancel', n: number }
  /** Ring the terminal bell */
  | { type: 'bell' }
  /** Clear the terminal and draw everything again (Ctrl-L) */
  | { type: 'redraw' }
  | { type: 'quit' }

export interface Update {
  state: TuiState
  effects: Effect[]
}


/** The group a conversation is, as last known. */
export function groupOf (state: TuiState, conversation: string): GroupInfo | undefined {
  const id = groupOfConversation(conversation)
  return id === undefined ? undefined : state.groups[id]
}

/** A conversation's view before anything of it is loaded. */
export function emptyView (): ConversationView {
  return { entries: [], loaded: false, loading: false, complete: false }
}
