/**
 * Conversation ids, one vocabulary for every kind: a contact's username (a
 * direct conversation), #lobby, or group:<group id>.
 */
import { GROUP_ID } from '../groups/constants.js'
import { canonicalUsername } from '../usernames.js'
import { TimelineError } from './errors.js'

/** A direct conversation's contact (a canonical username), LOBBY, or GROUP_PREFIX + a group id. */
export type ConversationId = string
export type ConversationKind = 'direct' | 'lobby' | 'group'

/** The network-wide channel. */
export const LOBBY = '#lobby'
/** A group's conversation is this prefix and the group id. */
export const GROUP_PREFIX = 'group:'

export function conversationKind (id: ConversationId): ConversationKind {
  return id === LOBBY ? 'lobby' : id.startsWith(GROUP_PREFIX) ? 'group' : 'direct'
}

export function groupConversation (group: string): ConversationId {
  return GROUP_PREFIX + group
}

/** The group id of a group conversation, undefined for any other. */
export function groupOfConversation (id: ConversationId): string | undefined {
  return id.startsWith(GROUP_PREFIX) ? id.slice(GROUP_PREFIX.length) : undefined
}

/** A conversation id from what a user or a script typed: checked, and canonical (usernames in lower case). */
export function checkConversation (name: string): ConversationId {
  if (name === LOBBY) return LOBBY
  if (typeof name === 'string' && name.startsWith(GROUP_PREFIX)) {
    if (!GROUP_ID.test(name.slice(GROUP_PREFIX.length))) throw new TimelineError('BAD_CONVERSATION', 'a group conversation is group:<32 hex digits>')
    return name
  }
  return canonicalUsername(name)
}
