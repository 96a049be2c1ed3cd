/**
 * A message as the timeline keeps and shows it (every kind of conversation:
 * direct, lobby, group), how far an outgoing one got, a change applied to
 * one, and a conversation's summary.
 */
import type { ConversationId } from './conversation.js'

/**
 * How far an outgoing message got: stored here (pending), at the relay or
 * another node that keeps it for the recipients (sent), stored by the
 * recipient's node (delivered), seen (read); or given up (failed: a group
 * message that can never be sent, docs/groups.md).
 */
export type MessageStatus = 'pending' | 'sent' | 'delivered' | 'read' | 'failed'

/** A file a message carries (docs/files.md): the transfer itself is the files module's, by this id. */
export interface AttachedFile {
  /** The file id, 32 hex digits */
  id: string
  name: string
  size: number
}

/** A message as history shows it. */
export interface ChatMessage {
  id: string
  conversation: ConversationId
  from: string
  to: string
  text: string
  /** The sender's wall clock (ms), for display */
  sentAt: number
  /** When this node stored it (incoming) */
  receivedAt?: number
  /** Hybrid logical clock: history is ordered by it */
  hlc: string
  direction: 'in' | 'out'
  /** Outgoing: how far delivery got */
  status?: MessageStatus
  /** Incoming: marked read */
  read?: boolean
  /** Incoming: the sender's identity key differs from the one known */
  keyChanged?: boolean
  /**
   * Incoming, given by the receiver: hex of the identity key that
   * authenticated the sender (an edit or deletion counts only from that key).
   * Kept in the record, never shown.
   */
  fromKey?: string
  /** When this node marked it read (incoming) */
  readAt?: number
  /** Outgoing: when this node saw each status reached (ms, its clock): delivery times, for /info */
  times?: Partial<Record<MessageStatus, number>>
  /**
   * What kind of message (src/timeline/body.ts): absent for plain text, 'reply', or a kind this node does not know
   * (shown as its text). 'edit', 'delete' and 'reaction' are changes: given to the timeline, never in history.
   */
  kind?: string
  /** reply: the message answered, and what it said (from, its text now, deleted) where this node has it */
  replyTo?: string
  quote?: { from: string, text: string, deleted?: boolean }
  /** A change (kind edit, delete or reaction): the message it changes */
  target?: string
  emoji?: string
  remove?: boolean
  /** Edited by its author: the sender's clock of the edit shown, and the earlier texts, oldest first (kept here only) */
  edited?: number
  edits?: Array<{ text: string, at: number, hlc: string }>
  /** Deleted by its author for everyone (its text is gone) */
  deleted?: boolean
  deletedAt?: number
  /** Reactions: emoji -> who reacted with it */
  reactions?: Record<string, string[]>
  /** A file message: the file offered */
  file?: AttachedFile
}

/** A change applied to a message: the message as it is now, what changed, who changed it. */
export interface MessageUpdate {
  conversation: string
  id: string
  change: 'edit' | 'delete' | 'reaction'
  by: string
  message: ChatMessage
}

export interface ConversationSummary {
  conversation: string
  lastMessageAt: number
  lastText: string
  lastFrom: string
  unread: number
}
