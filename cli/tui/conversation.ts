/**
 * The pieces every part of the view model builds on, pure: a conversation's
 * entries (messages as the node gives them, the TUI's own notices, merged
 * by id and kept in order) and the list of conversations (which kind each
 * is, its title, opening one).
 */
import { conversationLines } from './frame.js'
import { emptyView, GROUP_PREFIX, groupIdOf, LOBBY, PAGE_SIZE } from './state.js'
import type { Formatters } from './frame.js'
import type { AnyMessage, Conversation, ConversationKind, ConversationView, Effect, Entry, EntryStatus, GroupInfo, Tone, TuiState, Update } from './state.js'

/** A state never goes back; 'failed' (a group message dropped) is final. */
export const STATUS_RANK: Record<EntryStatus, number> = { pending: 0, sent: 1, delivered: 2, read: 3, failed: 4 }

/** Which kind of conversation a name is: '#lobby', 'group:<id>' or a username. */
export function kindOf (id: string): ConversationKind {
  return id === LOBBY ? 'lobby' : id.startsWith(GROUP_PREFIX) ? 'group' : 'direct'
}

/** The conversation of a group: 'group:<id>', as the node names it. */
export function groupConversation (group: string): string {
  return GROUP_PREFIX + group
}

/** Whether this user is out of the group, or on the way out (asked to leave). */
export function hasLeft (info: GroupInfo): boolean {
  return !info.member || info.leaving
}

/** How a conversation is named on screen: a group by its name. */
export function titleOf (state: TuiState, id: string): string {
  const group = groupIdOf(id)
  if (group === undefined) return id
  return state.groups[group]?.name ?? `group ${group.slice(0, 8)}`
}

export function lobbyConversation (): Conversation {
  return { id: LOBBY, kind: 'lobby', title: LOBBY, unread: 0, lastMessageAt: 0 }
}

export function notice (state: TuiState, text: string, tone: Tone = 'info'): TuiState {
  return { ...state, notice: { text, tone } }
}


/** The key of the message the "new" line goes above: the first of the last `unread` incoming messages. */
export function firstUnreadKey (entries: Entry[], unread: number): string | undefined {
  const incoming = entries.filter(e => e.kind === 'message' && e.direction === 'in')
  return (incoming[Math.max(0, incoming.length - unread)] ?? incoming[0])?.key
}

function hlcOf (ms: number): string {
  return `${String(Math.max(0, Math.floor(ms))).padStart(13, '0')}.00000`
}

/** A sort key after everything in the view and not before `now`, for local messages and notices. */
export function keyAfter (view: ConversationView | undefined, now: number, tag: string): string {
  const last = view?.entries.at(-1)?.key ?? ''
  const base = last > hlcOf(now) ? last : hlcOf(now)
  return `${base}~${tag}`
}

export function sortEntries (entries: Entry[]): Entry[] {
  return [...entries].sort((a, b) => a.key < b.key ? -1 : a.key > b.key ? 1 : 0)
}

export function maxStatus (a: EntryStatus | undefined, b: EntryStatus | undefined): EntryStatus | undefined {
  if (a === undefined) return b
  if (b === undefined) return a
  return STATUS_RANK[a] >= STATUS_RANK[b] ? a : b
}

export function entryOf (m: AnyMessage): Entry {
  return {
    key: `${m.hlc}/${m.id}`,
    id: m.id,
    kind: 'message',
    from: m.from,
    text: m.text,
    at: m.sentAt,
    direction: m.direction,
    hlc: m.hlc,
    ...(m.status !== undefined ? { status: m.status } : {}),
    ...(m.keyChanged === true ? { keyChanged: true } : {}),
    ...(m.quote !== undefined ? { quote: m.quote } : {}),
    ...(m.edited !== undefined ? { edited: true } : {}),
    ...(m.deleted === true ? { deleted: true } : {}),
    ...(m.reactions !== undefined ? { reactions: m.reactions } : {}),
    ...(m.file !== undefined ? { file: m.file } : {})
  }
}

/** Adds or updates entries by id; a status never goes backwards. */
export function mergeEntries (entries: Entry[], incoming: Entry[]): Entry[] {
  const byId = new Map(entries.map(e => [e.id, e]))
  for (const e of incoming) {
    const old = byId.get(e.id)
    if (old === undefined) {
      byId.set(e.id, e)
      continue
    }
    const status = maxStatus(old.status, e.status)
    const merged: Entry = { ...old, ...e }
    if (status !== undefined) merged.status = status
    if (old.held === true && (status === undefined || STATUS_RANK[status] < STATUS_RANK.sent)) merged.held = true
    byId.set(e.id, merged)
  }
  return sortEntries([...byId.values()])
}

export function withView (state: TuiState, id: string, fn: (v: ConversationView) => ConversationView): TuiState {
  return { ...state, views: { ...state.views, [id]: fn(state.views[id] ?? emptyView()) } }
}

export type NoticeLine = string | { text: string, tone: Tone }

/** Adds lines from the TUI itself (command output, group changes) to a conversation. */
export function addNoticesTo (state: TuiState, conversation: string, lines: NoticeLine[], now: number, tone: Tone = 'info'): TuiState {
  let seq = state.seq
  let s = state
  for (const line of lines) {
    const { text, tone: t } = typeof line === 'string' ? { text: line, tone } : line
    seq++
    const tag = `n${String(seq).padStart(8, '0')}`
    s = withView(s, conversation, v => ({ ...v, entries: [...v.entries, { key: keyAfter(v, now, tag), id: tag, kind: 'notice', from: '', text, at: now, direction: 'in', tone: t }] }))
  }
  return { ...s, seq }
}

/** Command output: lines in the open conversation, scrolled into view. */
export function addNotices (state: TuiState, lines: NoticeLine[], now: number, tone: Tone = 'info'): TuiState {
  return { ...addNoticesTo(state, state.current, lines, now, tone), scroll: 0 }
}

/** Applies `fn`, which may add lines to `conversation`; scrolled back in it, the same lines stay on screen. */
export function keepingPlace (state: TuiState, conversation: string, now: number, fmt: Formatters | undefined, fn: (s: TuiState) => TuiState): TuiState {
  const before = state.scroll > 0 && state.current === conversation ? conversationLines(state, conversation, now, fmt).length : 0
  const s = fn(state)
  return before > 0 ? { ...s, scroll: s.scroll + conversationLines(s, conversation, now, fmt).length - before } : s
}

export function sortConversations (list: Conversation[]): Conversation[] {
  const rank: Record<ConversationKind, number> = { lobby: 0, group: 1, direct: 2 }
  // Groups left go after the others.
  return [...list].sort((a, b) => rank[a.kind] - rank[b.kind] || Number(a.left === true) - Number(b.left === true) ||
    b.lastMessageAt - a.lastMessageAt || a.title.localeCompare(b.title))
}

export function upsertConversation (state: TuiState, id: string, fn: (c: Conversation) => Conversation): TuiState {
  const existing = state.conversations.find(c => c.id === id) ?? { id, kind: kindOf(id), title: titleOf(state, id), unread: 0, lastMessageAt: 0 }
  const others = state.conversations.filter(c => c.id !== id)
  return { ...state, conversations: sortConversations([...others, fn(existing)]) }
}

/** Whether the person is looking at this conversation now. */
export function isOpen (state: TuiState, id: string): boolean {
  return state.form === null && state.current === id && state.me.loggedIn
}

/** The node keeps every conversation's unread count (lobby and groups too): opening one marks it read there. */
export function markReadEffects (state: TuiState, id: string): Effect[] {
  return state.me.loggedIn ? [{ type: 'markRead', conversation: id }] : []
}

/** Opens a conversation: shows it, loads its newest page if needed, marks it read. */
export function openConversation (state: TuiState, id: string): Update {
  const unread = state.conversations.find(c => c.id === id)?.unread ?? 0
  let s: TuiState = upsertConversation(state, id, c => ({ ...c, unread: 0 }))
  s = { ...s, current: id, scroll: 0, completion: null, selected: null }
  const effects: Effect[] = []
  // The "new" line: above the first message unread now, found at once or when the history comes.
  if (s.me.loggedIn) {
    s = withView(s, id, v => {
      const { newFrom: _n, unreadAtOpen: _u, ...rest } = v
      if (unread === 0) return rest
      const key = v.loaded ? firstUnreadKey(v.entries, unread) : undefined
      return key !== undefined ? { ...rest, newFrom: key } : { ...rest, unreadAtOpen: unread }
    })
  }
  const view = state.views[id]
  if (s.me.loggedIn && (view === undefined || (!view.loaded && !view.loading))) {
    s = withView(s, id, v => ({ ...v, loading: true }))
    effects.push({ type: 'history', conversation: id, limit: PAGE_SIZE })
  }
  effects.push(...markReadEffects(s, id))
  return { state: s, effects }
}
