/**
 * Edits, deletions and reactions applied to the message they are about:
 * pure functions from (message, change) to the message as history shows it.
 * Changes commute: applying them in any order gives the same message, so
 * one arriving before its target (kept as an a/ record until it comes), or
 * two edits crossing on the network, end the same on every node. An edit or
 * deletion counts only from the target's author: the same user, and where
 * the target's record knows it, the same identity key (the key that
 * authenticated the sender: the DM ratchet session's, or the one the group
 * envelope's signature was checked with), so whoever holds a name later
 * cannot change what its earlier holder wrote. A reaction counts from anyone
 * in the conversation, the latest per person and emoji (by hlc) winning.
 */
import { isChange } from './body.js'
import type { ChangeKind } from './body.js'
import type { ChatMessage } from './message.js'

/** A change as kept: who made it, when (hlc and the sender's clock), what. */
export interface Change {
  id: string
  kind: ChangeKind
  from: string
  /** hex of the identity key that authenticated the sender (absent for this user's own changes) */
  fromKey?: string
  target: string
  hlc: string
  sentAt: number
  /** edit: the new text */
  text?: string
  emoji?: string
  remove?: boolean
}

/** The record of a message with what changes need to stay commutative (never shown). */
export interface StoredMessage extends ChatMessage {
  /** hlc of the edit whose text shows (absent: the original) */
  editHlc?: string
  /** `${user} ${emoji}` -> the hlc of that person's latest reaction with it, '-' first when taken back */
  reactionLog?: Record<string, string>
}

/** Emoji one person keeps on one message at most (a message's record stays small, whatever a member sends). */
export const MAX_REACTIONS_PER_PERSON = 20

/** Why a change was not applied (no change to the record). */
export type Refusal = 'NOT_AUTHOR' | 'DELETED' | 'SAME'

/** The change a message of kind edit, delete or reaction makes (undefined for any other message). */
export function changeOf (m: ChatMessage): Change | undefined {
  if (m.target === undefined || !isChange(m.kind)) return undefined
  return {
    id: m.id,
    kind: m.kind,
    from: m.from,
    ...(m.fromKey !== undefined ? { fromKey: m.fromKey } : {}),
    target: m.target,
    hlc: m.hlc,
    sentAt: m.sentAt,
    ...(m.kind === 'edit' ? { text: m.text } : {}),
    ...(m.emoji !== undefined ? { emoji: m.emoji } : {}),
    ...(m.remove === true ? { remove: true } : {})
  }
}

/** Whether a change comes from whoever wrote `m`: the same user, with the same identity key where the record has one. */
export function byAuthor (m: StoredMessage, c: Pick<Change, 'from' | 'fromKey'>): boolean {
  return c.from === m.from && (m.fromKey === undefined || c.fromKey === m.fromKey)
}

/** The message after a change, or why it stays as it was. */
export function applyChange (m: StoredMessage, c: Change): StoredMessage | Refusal {
  switch (c.kind) {
    case 'edit': return edit(m, c)
    case 'delete': return remove(m, c)
    case 'reaction': return react(m, c)
  }
}

function edit (m: StoredMessage, c: Change): StoredMessage | Refusal {
  if (!byAuthor(m, c)) return 'NOT_AUTHOR'
  if (m.deleted === true) return 'DELETED'
  const text = c.text ?? ''
  const version = { text, at: c.sentAt, hlc: c.hlc }
  if (m.edits?.some(e => e.hlc === c.hlc) === true || m.editHlc === c.hlc) return 'SAME'
  if (m.editHlc !== undefined && c.hlc < m.editHlc) {
    // An older edit that came late: part of the history, the newer text stays.
    const edits = [...(m.edits ?? []), version].sort((a, b) => a.hlc < b.hlc ? -1 : 1)
    return { ...m, edits }
  }
  const previous = { text: m.text, at: m.edited ?? m.sentAt, hlc: m.editHlc ?? m.hlc }
  return { ...m, text, edited: c.sentAt, editHlc: c.hlc, edits: [...(m.edits ?? []), previous] }
}

function remove (m: StoredMessage, c: Change): StoredMessage | Refusal {
  if (!byAuthor(m, c)) return 'NOT_AUTHOR'
  if (m.deleted === true) return 'SAME'
  // Deleted for everyone: its text, earlier versions and reactions go; the record stays, so replies can say so.
  const { edits: _e, editHlc: _h, reactions: _r, reactionLog: _l, edited: _d, ...rest } = m
  return { ...rest, text: '', deleted: true, deletedAt: c.sentAt }
}

function react (m: StoredMessage, c: Change): StoredMessage | Refusal {
  if (m.deleted === true) return 'DELETED'
  const emoji = c.emoji ?? ''
  const slot = `${c.from} ${emoji}`
  const log = { ...(m.reactionLog ?? {}) }
  const before = log[slot]
  if (before !== undefined && before.replace(/^-/, '') >= c.hlc) return 'SAME'
  log[slot] = c.remove === true ? `-${c.hlc}` : c.hlc
  // A person's latest MAX_REACTIONS_PER_PERSON emoji (by hlc) stay: the same ones whatever order they came in.
  const theirs = Object.entries(log).filter(([s]) => s.startsWith(`${c.from} `))
  if (theirs.length > MAX_REACTIONS_PER_PERSON) {
    theirs.sort(([, a], [, b]) => a.replace(/^-/, '') < b.replace(/^-/, '') ? 1 : -1)
    for (const [s] of theirs.slice(MAX_REACTIONS_PER_PERSON)) delete log[s]
    if (log[slot] === undefined) return 'SAME'
  }
  return { ...m, reactionLog: log, reactions: aggregate(log) }
}

/** Reactions per emoji: who (sorted), from the log. */
function aggregate (log: Record<string, string>): Record<string, string[]> | undefined {
  const out: Record<string, string[]> = {}
  for (const [slot, hlc] of Object.entries(log)) {
    if (hlc.startsWith('-')) continue
    const at = slot.indexOf(' ')
    const user = slot.slice(0, at)
    const emoji = slot.slice(at + 1)
    ;(out[emoji] ??= []).push(user)
  }
  for (const users of Object.values(out)) users.sort()
  return Object.keys(out).length === 0 ? undefined : out
}

/** A message as history and events show it: without the records that keep changes commutative, nor the author's key. */
export function shown (m: StoredMessage): ChatMessage {
  const { editHlc: _h, reactionLog: _l, fromKey: _k, ...rest } = m
  if (rest.reactions === undefined) delete rest.reactions
  return rest
}
