/**
 * The terminal UI's state, actions and effects. The view model (view-model.ts)
 * is a pure function of (state, action) to (state, effects); the controller
 * runs the effects against the node and feeds the results back as actions.
 */
import type { LanchatNode, NodeEvents } from '../../src/node.js'
import type { Completion } from './complete.js'
import type { LineEditor } from './editor.js'
import type { FormState } from './form.js'
import type { Key } from './keys.js'

// The node's vocabulary, named from its API (the TUI uses nothing else of the node).
export type ChatMessage = NodeEvents['message']['detail']
export type MessageStatus = NodeEvents['message:status']['detail']['status']
export type ConversationSummary = Awaited<ReturnType<LanchatNode['conversations']>>[number]
export type UserPresence = ReturnType<LanchatNode['users']>[number]
export type RolesView = ReturnType<LanchatNode['roleHolders']>
export type WhoAmI = ReturnType<LanchatNode['whoami']>
export type VerifyResult = Awaited<ReturnType<LanchatNode['verify']>>
export type RoleName = 'relay' | 'idp' | 'kacls'

export const LOBBY = '#lobby'
/** Messages fetched per history page. */
export const PAGE_SIZE = 50

/** Group conversations slot in beside the lobby and direct chats. */
export type ConversationKind = 'lobby' | 'group' | 'direct'

export interface Conversation {
  /** '#lobby', a username, or a group's id */
  id: string
  kind: ConversationKind
  title: string
  unread: number
  lastMessageAt: number
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
  /** Outgoing direct message: how far delivery got */
  status?: MessageStatus
  /** Outgoing lobby post not yet published */
  posting?: boolean
  /** Held because the recipient's identity key changed */
  held?: boolean
  /** The node refused it: why */
  failed?: string
  /** Incoming: the sender's identity key changed */
  keyChanged?: boolean
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
}

export interface NetworkState {
  networkId: string
  peerId: string
  peers: number
  roles: Record<RoleName, string | null>
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
  /** Contacts whose identity key changed and is not trusted yet */
  keyWarnings: Record<string, true>
  /** Status events that came before the send they belong to returned */
  earlyStatus: Record<string, MessageStatus>
  /** Counter for local ids */
  seq: number
}

/** What the node reports, polled and on events. */
export interface Snapshot {
  status: { networkId: string, peerId: string, peers: number }
  roles: RolesView
  whoami: WhoAmI
  /** null while logged out (the node has no presence then) */
  users: UserPresence[] | null
}

export type Action =
  | { type: 'key', key: Key }
  | { type: 'resize', width: number, height: number }
  | { type: 'snapshot', snapshot: Snapshot }
  | { type: 'registered', username: string, fingerprint: string }
  | { type: 'loggedIn', whoami: WhoAmI }
  | { type: 'loginRequired', username: string, reason: 'restarted' | 'expired' }
  | { type: 'formFailed', step: 'register' | 'login', error: string, code?: string }
  | { type: 'conversations', list: ConversationSummary[] }
  | { type: 'history', conversation: string, before?: string, limit: number, messages: ChatMessage[] }
  | { type: 'historyFailed', conversation: string, error: string }
  | { type: 'message', message: ChatMessage }
  | { type: 'status', id: string, conversation: string, status: MessageStatus }
  | { type: 'blocked', id: string, conversation: string }
  | { type: 'presence', username: string, online: boolean }
  | { type: 'sent', localId: string, conversation: string, id: string, hlc?: string }
  | { type: 'posted', localId: string, id: string }
  | { type: 'sendFailed', localId: string, conversation: string, error: string }
  | { type: 'users', users: UserPresence[] }
  | { type: 'roles', roles: RolesView }
  | { type: 'verified', result: VerifyResult }
  | { type: 'trusted', username: string, verified: boolean }
  | { type: 'error', error: string }

export type Effect =
  | { type: 'register', username: string, password: string }
  | { type: 'login', username: string, password: string }
  | { type: 'send', localId: string, to: string, text: string }
  | { type: 'lobbySend', localId: string, text: string }
  | { type: 'history', conversation: string, limit: number, before?: string }
  | { type: 'markRead', conversation: string }
  | { type: 'conversations' }
  | { type: 'users' }
  | { type: 'roles' }
  | { type: 'verify', user: string }
  | { type: 'trust', user: string }
  | { type: 'quit' }

export interface Update {
  state: TuiState
  effects: Effect[]
}
