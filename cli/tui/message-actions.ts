/**
 * What a person does to a message (pure, as the view model): reply, edit,
 * delete, react, full timestamps (/info), search and jumping to a result,
 * selecting a message in the messages pane, and typing indicators. Messages
 * are named by N, counted back from the newest of the open conversation (1).
 */
import { entryOf, notice } from './conversation.js'
import { LOCAL_TIME, pad2 } from './frame.js'
import { LOBBY } from './state.js'
import type { Command } from './commands.js'
import type { Formatters } from './frame.js'
import type { Action, AnyMessage, Effect, Entry, Tone, TuiState, Update } from './state.js'

/** A contact shows as typing this long after it last said so. */
export const TYPING_SHOWN_MS = 6_000
/** This user tells a contact it is typing at most this often. */
const TYPING_EVERY_MS = 3_000

type Line = { text: string, tone: Tone }

/** The messages of the open conversation a person can name, oldest first (stored ones: they have an hlc). */
export function numbered (state: TuiState, conversation = state.current): Entry[] {
  return (state.views[conversation]?.entries ?? []).filter(e => e.kind === 'message' && e.hlc !== undefined)
}

/** Message N of the open conversation (1: the newest). */
function messageByNumber (state: TuiState, n: number): Entry | undefined {
  const list = numbered(state)
  return list[list.length - n]
}

/** The number N of a message of the open conversation. */
export function numberOf (state: TuiState, id: string): number | undefined {
  const list = numbered(state)
  const i = list.findIndex(e => e.id === id)
  return i < 0 ? undefined : list.length - i
}

type MessageCommand = Extract<Command, { name: 'reply' | 'edit' | 'delete' | 'info' | 'react' | 'search' | 'jump' }>

export function runMessageCommand (state: TuiState, command: MessageCommand): Update {
  const none = (s: TuiState): Update => ({ state: s, effects: [] })
  if (command.name === 'search') {
    const effect: Effect = command.here ? { type: 'search', query: command.query, here: true, conversation: state.current } : { type: 'search', query: command.query, here: false }
    return { state: notice(state, `searching for ${command.query}...`, 'dim'), effects: [effect] }
  }
  if (command.name === 'jump') {
    const r = state.searchResults[command.n - 1]
    if (r === undefined) return none(notice(state, state.searchResults.length === 0 ? 'no search results: /search <words> first' : `no result ${command.n}: there are ${state.searchResults.length}`, 'error'))
    return { state: notice(state, 'opening the message...', 'dim'), effects: [{ type: 'jump', conversation: r.conversation, id: r.id, hlc: r.hlc }] }
  }
  const conversation = state.current
  if (conversation === LOBBY && command.name !== 'info') return none(notice(state, `/${command.name}: the lobby has no replies, edits, deletions or reactions`, 'error'))
  const target = messageByNumber(state, command.n)
  if (target === undefined) return none(notice(state, `no message ${command.n} here: N counts back from the newest message (1); ${numbered(state).length} are loaded`, 'error'))
  const mine = target.direction === 'out'
  switch (command.name) {
    case 'info':
      return { state, effects: [{ type: 'info', conversation, id: target.id }] }
    case 'reply':
      return { state, effects: [{ type: 'messageKind', op: 'reply', conversation, id: target.id, text: command.text }] }
    case 'edit':
    case 'delete':
      if (!mine) return none(notice(state, `only ${target.from} can ${command.name} that message`, 'error'))
      if (target.deleted === true) return none(notice(state, 'that message was deleted', 'error'))
      return command.name === 'edit'
        ? { state, effects: [{ type: 'messageKind', op: 'edit', conversation, id: target.id, text: command.text }] }
        : { state, effects: [{ type: 'messageKind', op: 'delete', conversation, id: target.id }] }
    case 'react':
      return { state, effects: [{ type: 'messageKind', op: 'react', conversation, id: target.id, emoji: command.emoji, remove: command.remove }] }
  }
}

/** A message changed (message:updated): its entry shows what it is now. */
export function onUpdated (state: TuiState, a: Extract<Action, { type: 'updated' }>): TuiState {
  const view = state.views[a.conversation]
  if (view === undefined) return state
  const fresh = entryOf(a.message)
  return {
    ...state,
    views: {
      ...state.views,
      [a.conversation]: { ...view, entries: view.entries.map(e => e.id === a.id ? { ...e, text: fresh.text, edited: fresh.edited, deleted: fresh.deleted, reactions: fresh.reactions, quote: fresh.quote ?? e.quote } : e) }
    }
  }
}

/** Date and time to the second, local. */
function fullTime (ms: number | undefined): string {
  if (ms === undefined) return '?'
  const d = new Date(ms)
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`
}

/** /info: a message's full timestamps, delivery per recipient, edits and reactions. */
export function infoLines (m: AnyMessage): Line[] {
  const fmt = { full: fullTime }
  const lines: Line[] = [{ text: `Message from ${m.from}${m.direction === 'out' ? ' (you)' : ''}, sent ${fmt.full(m.sentAt)} (the sender's clock)`, tone: 'strong' }]
  if (m.direction === 'in') {
    lines.push({ text: `  received here ${fmt.full(m.receivedAt)}${m.readAt !== undefined ? `, read ${fmt.full(m.readAt)}` : ''}`, tone: 'info' })
  } else {
    const t = m.times ?? {}
    const group = m.conversation.startsWith('group:')
    const recipient = group ? 'the relay (for every member)' : m.conversation
    lines.push({ text: `  status: ${m.status ?? 'pending'}`, tone: 'info' })
    if (t.sent !== undefined) lines.push({ text: `  sent to ${group ? 'the relay' : `${recipient}'s relay mailbox`}: ${fmt.full(t.sent)}`, tone: 'info' })
    if (t.delivered !== undefined) lines.push({ text: `  delivered to ${recipient}: ${fmt.full(t.delivered)}`, tone: 'info' })
    if (t.read !== undefined) lines.push({ text: `  read by ${recipient}: ${fmt.full(t.read)}`, tone: 'info' })
    if (t.failed !== undefined) lines.push({ text: `  failed: ${fmt.full(t.failed)}`, tone: 'warn' })
    if (group) lines.push({ text: '  (group members send no receipts: the relay\'s copy is what "sent" means)', tone: 'dim' })
  }
  if (m.deleted === true) lines.push({ text: `  deleted by ${m.from} ${fmt.full(m.deletedAt)}`, tone: 'info' })
  for (const e of m.edits ?? []) lines.push({ text: `  earlier text (${fmt.full(e.at)}): ${e.text}`, tone: 'dim' })
  if (m.edited !== undefined) lines.push({ text: `  edited ${fmt.full(m.edited)}`, tone: 'info' })
  for (const [emoji, users] of Object.entries(m.reactions ?? {})) lines.push({ text: `  ${emoji} ${users.join(', ')}`, tone: 'info' })
  return lines
}

/** /search results, numbered for /jump. */
export function searchLines (a: Extract<Action, { type: 'searchResults' }>, title: (id: string) => string, fmt: Formatters = LOCAL_TIME): Line[] {
  if (a.messages.length === 0) return [{ text: `No message${a.here ? ' here' : ''} has the words ${a.query}.`, tone: 'info' }]
  const lines: Line[] = [{ text: `${a.messages.length} message${a.messages.length === 1 ? '' : 's'} with ${a.query}${a.here ? ' here' : ''} (newest first; /jump N opens one):`, tone: 'strong' }]
  a.messages.forEach((m, i) => {
    const where = m.conversation === LOBBY ? LOBBY : m.conversation.startsWith('group:') ? `&${title(m.conversation)}` : m.conversation
    lines.push({ text: `  ${i + 1}. ${where}, ${fmt.day(m.sentAt)} ${fmt.time(m.sentAt)} ${m.from}: ${m.text}`, tone: 'info' })
  })
  return lines
}

/** Moves the selection in the messages pane one message back (step 1) or on (-1). */
export function selectStep (state: TuiState, step: number): TuiState {
  const list = numbered(state)
  if (list.length === 0) return state
  const at = state.selected === null ? -1 : list.findIndex(e => e.id === state.selected)
  let i = at < 0 ? list.length - 1 : at - step
  if (at < 0 && step < 0) return state
  i = Math.max(0, Math.min(list.length - 1, i))
  if (at >= 0 && step < 0 && at === list.length - 1) return { ...state, selected: null }
  return { ...state, selected: list[i]?.id ?? null }
}

/** Ctrl-R / Ctrl-E / Ctrl-D / Ctrl-O on a selected message: its command on the input line (Ctrl-O runs /info). */
export function selectedCommand (state: TuiState, key: 'C-r' | 'C-e' | 'C-d' | 'C-o'): { line: string, run: boolean } | undefined {
  if (state.selected === null) return undefined
  const n = numberOf(state, state.selected)
  if (n === undefined) return undefined
  const entry = numbered(state).find(e => e.id === state.selected)
  switch (key) {
    case 'C-r': return { line: `/reply ${n} `, run: false }
    case 'C-e': return { line: `/edit ${n} ${entry?.deleted === true ? '' : entry?.text ?? ''}`, run: false }
    case 'C-d': return { line: `/delete ${n}`, run: false }
    case 'C-o': return { line: `/info ${n}`, run: true }
  }
}

/** A key typed into the input line of a direct chat: tell the contact, at most every TYPING_EVERY_MS. */
export function typingEffects (state: TuiState, now: number): { state: TuiState, effects: Effect[] } {
  const conv = state.current
  const direct = conv !== LOBBY && !conv.startsWith('group:')
  if (!state.typingEnabled || !direct || !state.me.loggedIn || state.input.text.startsWith('/') || state.input.text === '') return { state, effects: [] }
  if (now - (state.typingSentAt[conv] ?? 0) < TYPING_EVERY_MS) return { state, effects: [] }
  return { state: { ...state, typingSentAt: { ...state.typingSentAt, [conv]: now } }, effects: [{ type: 'typing', to: conv }] }
}

/** Whether `user` is typing to this user now. */
export function isTyping (state: TuiState, user: string, now: number): boolean {
  return (state.typing[user] ?? 0) > now
}
