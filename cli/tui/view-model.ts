/**
 * The terminal UI's view model: pure functions of (state, action) to
 * (state, effects), and no terminal. Keys, command lines, node events and
 * the results of node calls all come in as actions; node calls go out as
 * effects, which the controller runs. renderFrame (frame.ts) turns the state
 * into text for the screen.
 */
import { applyCompletion, completionAt, quoteName } from './complete.js'
import { helpLines, parseCommand } from './commands.js'
import { commit, editKey, emptyEditor, selectAll, setText } from './editor.js'
import { formFailed, formKey, newForm } from './form.js'
import { MODERN_TERMINAL } from './text.js'
import { conversationLines, layout, LOCAL_TIME } from './frame.js'
import { isPrintable, keyName } from './keys.js'
import { infoLines, onUpdated, runMessageCommand, searchLines, selectedCommand, selectStep, TYPING_SHOWN_MS, typingEffects } from './message-actions.js'
import { emptyView, FOCUS_ORDER, GROUP_PREFIX, groupIdOf, groupOf, LOBBY, PAGE_SIZE } from './state.js'
import { filesLines, onFileDone, onFileFailed, onFileOffer, onFileProgress, putFile } from './files.js'
import { formatBytes, offerText } from '../../src/files/index.js'
import type { Command, GroupCommand } from './commands.js'
import type { CompletionNames } from './complete.js'
import type { Formatters } from './frame.js'
import type { Key } from './keys.js'
import type { LineEditor } from './editor.js'
import type { TerminalWidths } from './text.js'
import type {
  Action, AnyMessage, Conversation, ConversationKind, ConversationView, Effect, Entry, EntryStatus, FileView, GroupInfo, GroupOp,
  NetworkState, RolesView, Snapshot, Tone, TuiState, Update, UserPresence, VerifyResult, WhoAmI
} from './state.js'

export interface ViewModelOptions {
  /** Formats times in the message pane (local time by default) */
  format?: Formatters
  /** Paths on this machine starting with a prefix, for /file's Tab (none by default: the view model reads no disk) */
  paths?: (prefix: string) => readonly string[]
}

/** A state never goes back; 'failed' (a group message dropped) is final. */
const STATUS_RANK: Record<EntryStatus, number> = { pending: 0, sent: 1, delivered: 2, read: 3, failed: 4 }
/** Codes that say the username is what is wrong: the form goes back to it. */
const USERNAME_CODES = new Set(['USERNAME_TAKEN', 'UNKNOWN_USER', 'BAD_USERNAME', 'ALREADY_REGISTERED'])
/** A burst of messages rings the bell once: not again within this (ms). */
export const BELL_INTERVAL_MS = 2_000
const LOGIN_FIRST = 'log in first: /login (or /register to create an account)'

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

function lobbyConversation (): Conversation {
  return { id: LOBBY, kind: 'lobby', title: LOBBY, unread: 0, lastMessageAt: 0 }
}

function aboutHolder (h: RolesView['relay']): { user?: string, hostName?: string } {
  if (h === null) return {}
  return { ...(h.user !== undefined ? { user: h.user } : {}), ...(h.hostName !== undefined ? { hostName: h.hostName } : {}) }
}

function networkFrom (snapshot: Snapshot): NetworkState {
  const { status, roles } = snapshot
  return {
    networkId: status.networkId,
    peerId: status.peerId,
    peers: status.peers,
    ...(status.foreign !== undefined ? { foreign: status.foreign } : {}),
    roles: { relay: roles.relay?.peerId ?? null, idp: roles.idp?.peerId ?? null, kacls: roles.kacls?.peerId ?? null },
    about: { relay: aboutHolder(roles.relay), idp: aboutHolder(roles.idp), kacls: aboutHolder(roles.kacls) },
    warnings: roles.warnings
  }
}

/**
 * The state at startup. With no account on this node the register form
 * opens; with one that is not logged in (a restart) the login form for it.
 */
export interface InitialOptions {
  /** How the terminal draws text (default: as current Unicode says) */
  terminal?: TerminalWidths
  /** Ring the bell for new messages not in sight (default true) */
  bell?: boolean
  /** Tell contacts when this user types to them (default false here; the TUI turns it on unless --no-typing) */
  typing?: boolean
}

export function initialState (size: { width: number, height: number }, snapshot: Snapshot, options: InitialOptions = {}): Update {
  const who = snapshot.whoami
  let state: TuiState = {
    size,
    me: { username: who.username, loggedIn: false },
    net: networkFrom(snapshot),
    form: null,
    conversations: [lobbyConversation()],
    current: LOBBY,
    views: {},
    focus: 'input',
    scroll: 0,
    input: emptyEditor(),
    completion: null,
    notice: null,
    presence: {},
    groups: {},
    keyWarnings: {},
    files: {},
    earlyStatus: {},
    seq: 0,
    terminal: options.terminal ?? MODERN_TERMINAL,
    terminalFocused: true,
    bell: options.bell ?? true,
    lastBellAt: Number.NEGATIVE_INFINITY,
    selected: null,
    searchResults: [],
    typing: {},
    typingSentAt: {},
    typingEnabled: options.typing ?? false
  }
  if (who.loggedIn) return becomeLoggedIn(state, who)
  if (who.username === null) {
    state = { ...state, form: newForm('register', '', 'Welcome to lanchat. This node has no account yet.') }
  } else {
    state = { ...state, form: newForm('login', who.username, null) }
  }
  return { state, effects: [] }
}

// ------------------------------------------------------------------ helpers

function notice (state: TuiState, text: string, tone: Tone = 'info'): TuiState {
  return { ...state, notice: { text, tone } }
}

/** The line was refused: why on the status line; the line stays, selected, so typing replaces it and a move keeps it to fix. */
function refuse (state: TuiState, why: string): TuiState {
  const remembered: LineEditor = { ...state.input, history: commit(state.input).history }
  return { ...notice(state, why, 'error'), input: selectAll(remembered), completion: null }
}

/** The key of the message the "new" line goes above: the first of the last `unread` incoming messages. */
function firstUnreadKey (entries: Entry[], unread: number): string | undefined {
  const incoming = entries.filter(e => e.kind === 'message' && e.direction === 'in')
  return (incoming[Math.max(0, incoming.length - unread)] ?? incoming[0])?.key
}

function hlcOf (ms: number): string {
  return `${String(Math.max(0, Math.floor(ms))).padStart(13, '0')}.00000`
}

/** A sort key after everything in the view and not before `now`, for local messages and notices. */
function keyAfter (view: ConversationView | undefined, now: number, tag: string): string {
  const last = view?.entries.at(-1)?.key ?? ''
  const base = last > hlcOf(now) ? last : hlcOf(now)
  return `${base}~${tag}`
}

function sortEntries (entries: Entry[]): Entry[] {
  return [...entries].sort((a, b) => a.key < b.key ? -1 : a.key > b.key ? 1 : 0)
}

function maxStatus (a: EntryStatus | undefined, b: EntryStatus | undefined): EntryStatus | undefined {
  if (a === undefined) return b
  if (b === undefined) return a
  return STATUS_RANK[a] >= STATUS_RANK[b] ? a : b
}

function entryOf (m: AnyMessage): Entry {
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
function mergeEntries (entries: Entry[], incoming: Entry[]): Entry[] {
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

function withView (state: TuiState, id: string, fn: (v: ConversationView) => ConversationView): TuiState {
  return { ...state, views: { ...state.views, [id]: fn(state.views[id] ?? emptyView()) } }
}

type NoticeLine = string | { text: string, tone: Tone }

/** Adds lines from the TUI itself (command output, group changes) to a conversation. */
function addNoticesTo (state: TuiState, conversation: string, lines: NoticeLine[], now: number, tone: Tone = 'info'): TuiState {
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
function addNotices (state: TuiState, lines: NoticeLine[], now: number, tone: Tone = 'info'): TuiState {
  return { ...addNoticesTo(state, state.current, lines, now, tone), scroll: 0 }
}

/** Applies `fn`, which may add lines to `conversation`; scrolled back in it, the same lines stay on screen. */
function keepingPlace (state: TuiState, conversation: string, now: number, fmt: Formatters | undefined, fn: (s: TuiState) => TuiState): TuiState {
  const before = state.scroll > 0 && state.current === conversation ? conversationLines(state, conversation, now, fmt).length : 0
  const s = fn(state)
  return before > 0 ? { ...s, scroll: s.scroll + conversationLines(s, conversation, now, fmt).length - before } : s
}

function sortConversations (list: Conversation[]): Conversation[] {
  const rank: Record<ConversationKind, number> = { lobby: 0, group: 1, direct: 2 }
  // Groups left go after the others.
  return [...list].sort((a, b) => rank[a.kind] - rank[b.kind] || Number(a.left === true) - Number(b.left === true) ||
    b.lastMessageAt - a.lastMessageAt || a.title.localeCompare(b.title))
}

function upsertConversation (state: TuiState, id: string, fn: (c: Conversation) => Conversation): TuiState {
  const existing = state.conversations.find(c => c.id === id) ?? { id, kind: kindOf(id), title: titleOf(state, id), unread: 0, lastMessageAt: 0 }
  const others = state.conversations.filter(c => c.id !== id)
  return { ...state, conversations: sortConversations([...others, fn(existing)]) }
}

/** Whether the person is looking at this conversation now. */
function isOpen (state: TuiState, id: string): boolean {
  return state.form === null && state.current === id && state.me.loggedIn
}

/** The node keeps every conversation's unread count (lobby and groups too): opening one marks it read there. */
function markReadEffects (state: TuiState, id: string): Effect[] {
  return state.me.loggedIn ? [{ type: 'markRead', conversation: id }] : []
}

/**
 * Names Tab completes: users (seen, direct chats, lobby posters, members of
 * any group; not oneself), group names, and the open group's members and admins.
 */
export function completionNames (state: TuiState): CompletionNames {
  const me = state.me.username
  const users = new Set<string>(Object.keys(state.presence))
  for (const c of state.conversations) if (c.kind === 'direct') users.add(c.title)
  for (const e of state.views[LOBBY]?.entries ?? []) if (e.kind === 'message') users.add(e.from)
  for (const g of Object.values(state.groups)) for (const m of g.members) users.add(m)
  if (me !== null) users.delete(me)
  const open = groupOf(state, state.current)
  return {
    users: [...users].sort(),
    groups: [...new Set(Object.values(state.groups).map(g => g.name))].sort(),
    members: (open?.members ?? []).filter(m => m !== me),
    admins: open?.admins ?? []
  }
}

// ------------------------------------------------------------------ conversations, paging

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

function switchBy (state: TuiState, step: number): Update {
  const list = state.conversations
  if (list.length === 0) return { state, effects: [] }
  const i = list.findIndex(c => c.id === state.current)
  const next = list[((i < 0 ? 0 : i) + step + list.length) % list.length]
  return next === undefined ? { state, effects: [] } : openConversation(state, next.id)
}

/** Scrolls the messages pane by `delta` lines (positive: back in time); at the top it asks for older history. */
export function scrollBy (state: TuiState, delta: number, now: number, fmt?: Formatters): Update {
  const { bodyHeight } = layout(state.size)
  const total = conversationLines(state, state.current, now, fmt).length
  const max = Math.max(0, total - bodyHeight)
  const scroll = Math.max(0, Math.min(state.scroll + delta, max))
  let s: TuiState = { ...state, scroll }
  const effects: Effect[] = []
  const view = s.views[s.current]
  if (delta > 0 && s.me.loggedIn && (view === undefined || (!view.loaded && !view.loading))) {
    // The newest page failed to load: PgUp tries again.
    s = withView(s, s.current, v => ({ ...v, loading: true }))
    effects.push({ type: 'history', conversation: s.current, limit: PAGE_SIZE })
  } else if (delta > 0 && state.scroll + delta >= max && view !== undefined && view.loaded && !view.loading && !view.complete && s.me.loggedIn) {
    const oldest = view.entries.find(e => e.kind === 'message' && e.hlc !== undefined)
    s = withView(s, s.current, v => ({ ...v, loading: true }))
    effects.push({ type: 'history', conversation: s.current, limit: PAGE_SIZE, ...(oldest?.hlc !== undefined ? { before: oldest.hlc } : {}) })
  }
  return { state: s, effects }
}

function page (state: TuiState): number {
  return Math.max(1, layout(state.size).bodyHeight - 1)
}

// ------------------------------------------------------------------ login

function becomeLoggedIn (state: TuiState, who: WhoAmI): Update {
  const wasLoggedIn = state.me.loggedIn
  let s: TuiState = {
    ...state,
    me: { username: who.username, loggedIn: true, ...(who.fingerprint !== undefined ? { fingerprint: who.fingerprint } : {}), ...(who.expiresAt !== undefined ? { expiresAt: who.expiresAt } : {}) },
    form: null
  }
  if (wasLoggedIn) return { state: s, effects: [] }
  s = notice(s, `Logged in as ${who.username ?? '?'}${who.fingerprint === undefined ? '' : ` (key fingerprint ${who.fingerprint})`}. /help lists the commands.`)
  // Views loaded while logged out are empty placeholders: reload from the store.
  const views: TuiState['views'] = {}
  for (const [id, v] of Object.entries(s.views)) views[id] = v.loaded ? v : { ...v, loading: false }
  s = { ...s, views }
  const opened = openConversation(s, s.current)
  return { state: opened.state, effects: [{ type: 'conversations' }, { type: 'groups' }, { type: 'files', show: false }, ...opened.effects] }
}

// ------------------------------------------------------------------ input line

function sendText (state: TuiState, text: string, now: number): Update {
  if (!state.me.loggedIn || state.me.username === null) return { state: refuse(state, LOGIN_FIRST), effects: [] }
  const conv = state.current
  const kind = state.conversations.find(c => c.id === conv)?.kind ?? kindOf(conv)
  const group = groupOf(state, conv)
  if (group !== undefined && hasLeft(group)) {
    const why = group.member ? `you left ${group.name}` : `you are not a member of ${group.name} any more`
    return { state: refuse(state, `${why}: nothing can be sent to it`), effects: [] }
  }
  const seq = state.seq + 1
  const localId = `local-${seq}`
  const entry: Entry = {
    key: keyAfter(state.views[conv], now, localId),
    id: localId,
    kind: 'message',
    from: state.me.username,
    text,
    at: now,
    direction: 'out',
    ...(kind === 'lobby' ? { posting: true } : { status: 'pending' as const })
  }
  let s: TuiState = { ...state, seq, input: commit(state.input), scroll: 0, completion: null, notice: null }
  s = withView(s, conv, v => ({ ...v, entries: [...v.entries, entry] }))
  s = upsertConversation(s, conv, c => ({ ...c, lastMessageAt: Math.max(c.lastMessageAt, now) }))
  const effect: Effect = kind === 'lobby'
    ? { type: 'lobbySend', localId, text }
    : kind === 'group' ? { type: 'groupSend', localId, group: groupIdOf(conv) ?? '', text } : { type: 'send', localId, to: conv, text }
  return { state: s, effects: [effect] }
}

const NO_GROUP_OPEN = 'no group open: switch to one (Ctrl-N, /group open <name>) or /group create one'

/** The group a name (or the start of its id) stands for, or why there is none. */
export function findGroup (state: TuiState, query: string): { ok: true, info: GroupInfo } | { ok: false, error: string } {
  const all = Object.values(state.groups)
  const q = query.toLowerCase()
  let found = all.filter(g => g.name === query)
  if (found.length === 0) found = all.filter(g => g.name.toLowerCase() === q)
  if (found.length === 0 && /^[0-9a-f]{4,32}$/.test(q)) found = all.filter(g => g.group.startsWith(q))
  const [first] = found
  if (first === undefined) {
    return { ok: false, error: all.length === 0 ? `no group ${query}: you are in none yet (/group create <name> [user ...])` : `no group ${query}: Tab completes the names of yours` }
  }
  if (found.length > 1) {
    return { ok: false, error: `${found.length} groups are called ${query}: /group open <the start of its id>: ${found.map(g => g.group.slice(0, 8)).join(', ')}` }
  }
  return { ok: true, info: first }
}

function runGroupCommand (s: TuiState, command: GroupCommand): Update {
  const none = (st: TuiState): Update => ({ state: st, effects: [] })
  const me = s.me.username
  if (command.sub === 'create') {
    const members = command.members.filter(m => m !== me)
    const s2 = notice(s, `creating the group ${command.group}${members.length === 0 ? '' : ` with ${members.join(', ')}`}...`)
    return { state: s2, effects: [{ type: 'groupCreate', name: command.group, members }] }
  }
  if (command.sub === 'open') {
    const found = findGroup(s, command.group)
    if (!found.ok) return none(notice(s, found.error, 'error'))
    return openConversation({ ...s, focus: 'input' }, groupConversation(found.info.group))
  }
  const group = groupOf(s, s.current)
  if (group === undefined) return none(notice(s, `/group ${command.sub}: ${NO_GROUP_OPEN}`, 'error'))
  switch (command.sub) {
    case 'members':
      return { state: s, effects: [{ type: 'groupMembers', group: group.group }] }
    case 'leave':
      if (!group.member) return none(notice(s, `you are not a member of ${group.name} any more`, 'error'))
      return { state: notice(s, `leaving ${group.name}...`), effects: [{ type: 'groupLeave', group: group.group }] }
    case 'invite':
    case 'kick':
    case 'promote': {
      if (command.user === me) {
        const hint = command.sub === 'kick' ? ': /group leave to leave the group' : command.sub === 'invite' ? ': you are in it' : ''
        return none(notice(s, `that is you${hint}`, 'error'))
      }
      const doing = { invite: 'adding', kick: 'removing', promote: 'promoting' }[command.sub]
      return { state: notice(s, `${doing} ${command.user}...`), effects: [{ type: 'groupChange', op: command.sub, group: group.group, user: command.user }] }
    }
  }
}

function runCommand (state: TuiState, command: Command, now: number): Update {
  const s: TuiState = { ...state, input: commit(state.input), completion: null, notice: null }
  const none = (st: TuiState): Update => ({ state: st, effects: [] })
  const needLogin = !s.me.loggedIn
  switch (command.name) {
    case 'help':
      return none(addNotices(s, helpLines(command.topic), now))
    case 'quit':
      return { state: s, effects: [{ type: 'quit' }] }
    case 'register':
      return none({ ...s, form: newForm('register', command.username ?? '') })
    case 'login':
      return none({ ...s, form: newForm('login', command.username ?? s.me.username ?? '') })
    case 'dm':
      if (needLogin) return none(notice(s, LOGIN_FIRST, 'error'))
      if (command.user === s.me.username) return none(notice(s, 'that is you: /dm someone else', 'error'))
      // Someone already met (a conversation, presence, the lobby, a group) opens at once; a new name is checked against the directory first.
      if (completionNames(s).users.includes(command.user)) return openConversation({ ...s, focus: 'input' }, command.user)
      return { state: notice(s, `looking up ${command.user}...`, 'dim'), effects: [{ type: 'checkUser', user: command.user }] }
    case 'users':
      if (needLogin) return none(notice(s, LOGIN_FIRST, 'error'))
      return { state: s, effects: [{ type: 'users' }] }
    case 'roles':
      return { state: s, effects: [{ type: 'roles' }] }
    case 'verify':
    case 'trust':
      if (needLogin) return none(notice(s, LOGIN_FIRST, 'error'))
      return { state: s, effects: [{ type: command.name, user: command.user }] }
    case 'group':
      if (needLogin) return none(notice(s, LOGIN_FIRST, 'error'))
      return runGroupCommand(s, command)
    case 'reply':
    case 'edit':
    case 'delete':
    case 'info':
    case 'react':
    case 'search':
    case 'jump':
      if (needLogin) return none(notice(s, LOGIN_FIRST, 'error'))
      return runMessageCommand(s, command, notice)
    case 'file': {
      if (needLogin) return none(notice(s, LOGIN_FIRST, 'error'))
      const conv = s.current
      if (kindOf(conv) === 'lobby') return none(notice(s, 'files go to a contact or a group: /dm someone or /group open one, then /file', 'error'))
      const group = groupOf(s, conv)
      if (group !== undefined && hasLeft(group)) return none(notice(s, `you are not in ${group.name} any more: nothing can be sent to it`, 'error'))
      return { state: notice(s, `preparing ${command.path} for ${titleOf(s, conv)} (it is read and sealed once)...`), effects: [{ type: 'fileSend', conversation: conv, path: command.path }] }
    }
    case 'files':
      if (needLogin) return none(notice(s, LOGIN_FIRST, 'error'))
      return { state: s, effects: [{ type: 'files', show: true }] }
    case 'accept':
    case 'cancel':
      if (needLogin) return none(notice(s, LOGIN_FIRST, 'error'))
      return { state: notice(s, `${command.name === 'accept' ? 'accepting' : 'cancelling'} file #${command.n}...`), effects: [{ type: command.name === 'accept' ? 'fileAccept' : 'fileCancel', n: command.n }] }
  }
}

/** A file message this user just sent: shown at once (the node stored it), with its transfer under it. */
function fileSent (state: TuiState, info: FileView, now: number): TuiState {
  const conv = info.conversation
  let s = putFile(state, info)
  if (s.views[conv]?.entries.some(e => e.id === info.messageId) === true) return s
  s = withView(s, conv, v => ({
    ...v,
    entries: sortEntries([...v.entries, {
      key: keyAfter(v, now, info.messageId), id: info.messageId, kind: 'message', from: s.me.username ?? '', text: offerText(info.name, info.size), at: now,
      direction: 'out', status: s.earlyStatus[info.messageId] ?? 'pending', file: { id: info.id, name: info.name, size: info.size }
    } satisfies Entry])
  }))
  return upsertConversation(s, conv, c => ({ ...c, lastMessageAt: Math.max(c.lastMessageAt, now) }))
}

const FILE_OPS = { send: 'not sent', accept: 'not accepted', cancel: 'not cancelled' } as const

function submitInput (state: TuiState, now: number): Update {
  const line = state.input.text
  if (line.trim() === '') return { state, effects: [] }
  if (line.startsWith('/') && !line.startsWith('//')) {
    const parsed = parseCommand(line)
    if (!parsed.ok) return { state: refuse(state, parsed.error), effects: [] }
    return runCommand(state, parsed.value, now)
  }
  return sendText(state, line.startsWith('//') ? line.slice(1) : line, now)
}

function complete (state: TuiState, paths?: ViewModelOptions['paths']): TuiState | null {
  const c = state.completion
  if (c !== null && c.options.length > 1) {
    const index = (c.index + 1) % c.options.length
    const applied = applyCompletion(c.original, c, c.options[index] ?? '')
    return { ...state, input: setText(state.input, applied.text, applied.cursor), completion: { ...c, index } }
  }
  const found = completionAt(state.input.text, state.input.cursor, { ...completionNames(state), ...(paths !== undefined ? { paths } : {}) })
  if (found === null) return null
  const word = [...state.input.text].slice(found.start, found.end).join('')
  if (found.options.length === 0) return notice(state, `nothing to complete for '${word}'`, 'dim')
  const applied = applyCompletion(state.input.text, found, found.options[0] ?? '')
  const input = setText(state.input, applied.text, applied.cursor)
  if (found.options.length === 1) return { ...state, input, completion: null }
  return {
    ...notice({ ...state, input }, `Tab again for: ${found.options.join('  ')}`, 'dim'),
    completion: { ...found, original: state.input.text, index: 0 }
  }
}

function moveFocus (state: TuiState, step: number): TuiState {
  const i = FOCUS_ORDER.indexOf(state.focus)
  return { ...state, focus: FOCUS_ORDER[(i + step + FOCUS_ORDER.length) % FOCUS_ORDER.length] ?? 'input' }
}

function onKey (state: TuiState, key: Key, now: number, fmt?: Formatters, paths?: ViewModelOptions['paths']): Update {
  const name = keyName(key)
  const none = (s: TuiState): Update => ({ state: s, effects: [] })
  // 'return' comes with every 'enter' from some terminals: one Enter is one 'enter'.
  if (name === 'return') return none(state)
  if (name === 'C-c') return { state, effects: [{ type: 'quit' }] }
  if (name === 'C-l') return { state, effects: [{ type: 'redraw' }] }

  if (state.form !== null) {
    const { form, outcome } = formKey(state.form, key, state.me.username)
    if (outcome.type === 'cancel') {
      const s = { ...state, form: null }
      return none(s.me.loggedIn ? s : notice(s, 'Not logged in: /register or /login when you are ready, Ctrl-C quits.', 'warn'))
    }
    const s = { ...state, form }
    if (outcome.type === 'submit') return { state: s, effects: [{ type: outcome.mode, username: outcome.username, password: outcome.password }] }
    return none(s)
  }

  const s: TuiState = name === 'tab' ? state : { ...state, completion: null }
  switch (name) {
    case 'C-n': return switchBy(s, 1)
    case 'C-p': return switchBy(s, -1)
    case 'pageup': return scrollBy(s, page(s), now, fmt)
    case 'pagedown': return scrollBy(s, -page(s), now, fmt)
    case 'S-tab': return none(moveFocus(s, -1))
    case 'tab': {
      if (s.focus === 'input') {
        const completed = complete(s, paths)
        if (completed !== null) return none(completed)
      }
      return none(moveFocus({ ...s, completion: null }, 1))
    }
    case 'escape': return none({ ...s, notice: null })
  }

  if (s.focus === 'conversations') {
    if (name === 'up' || name === 'down') return switchBy(s, name === 'up' ? -1 : 1)
    if (name === 'enter') return none({ ...s, focus: 'input' })
  } else if (s.focus === 'messages') {
    // Up / Down select a message (Ctrl-R, Ctrl-E, Ctrl-D, Ctrl-O act on it).
    if (name === 'up') return none(selectStep(s, 1))
    if (name === 'down') return none(selectStep(s, -1))
    if (name === 'C-r' || name === 'C-e' || name === 'C-d' || name === 'C-o') {
      const c = selectedCommand(s, name)
      if (c === undefined) return none(notice(s, 'select a message first: Up / Down in the messages pane', 'dim'))
      const withLine: TuiState = { ...s, focus: 'input', input: setText(s.input, c.line, [...c.line].length) }
      return c.run ? submitInput(withLine, now) : none(withLine)
    }
    if (name === 'home') return scrollBy(s, Number.MAX_SAFE_INTEGER, now, fmt)
    if (name === 'end') return none({ ...s, scroll: 0 })
    if (name === 'enter') return none({ ...s, focus: 'input' })
  }
  if (s.focus !== 'input') {
    // Typing anywhere types into the input line.
    if (!isPrintable(key)) return none(s)
    const input = editKey(s.input, key)
    return none({ ...s, focus: 'input', ...(input !== null ? { input } : {}) })
  }
  if (name === 'enter') return submitInput(s, now)
  const input = editKey(s.input, key)
  if (input === null) return none(s)
  return isPrintable(key) ? typingEffects({ ...s, input }, now) : none({ ...s, input })
}

// ------------------------------------------------------------------ results and events

/**
 * Whether a new message rings the bell: one that came in, not seen before,
 * and not in sight (another conversation is open, a form is up, or the
 * terminal said it lost focus); at most once per BELL_INTERVAL_MS.
 */
function ringsBell (state: TuiState, m: AnyMessage, now: number): boolean {
  if (!state.bell || m.direction !== 'in') return false
  if (state.views[m.conversation]?.entries.some(e => e.id === m.id) === true) return false
  if (isOpen(state, m.conversation) && state.terminalFocused) return false
  return now - state.lastBellAt >= BELL_INTERVAL_MS
}

function onMessage (state: TuiState, m: AnyMessage, now: number, fmt?: Formatters): Update {
  const conv = m.conversation
  const open = isOpen(state, conv)
  const bell = ringsBell(state, m, now)
  // Scrolled back: stay on the same lines while new ones arrive below.
  const s = keepingPlace(state, conv, now, fmt, st => {
    let s2 = withView(st, conv, v => ({ ...v, entries: mergeEntries(v.entries, [entryOf(m)]) }))
    if (m.keyChanged === true && m.direction === 'in') s2 = { ...s2, keyWarnings: { ...s2.keyWarnings, [conv]: true } }
    // A message from someone shown typing: they are done.
    if (m.direction === 'in' && s2.typing[m.from] !== undefined) {
      const typing = { ...s2.typing }
      delete typing[m.from]
      s2 = { ...s2, typing }
    }
    // The node counts the same messages unread: the two agree until the next conversations() says otherwise.
    return upsertConversation(s2, conv, c => ({ ...c, lastMessageAt: Math.max(c.lastMessageAt, m.sentAt), unread: open || m.direction === 'out' ? c.unread : c.unread + 1 }))
  })
  const effects: Effect[] = open && m.direction === 'in' ? markReadEffects(s, conv) : []
  // A message of a group not known here yet (its group:changed is on the way): ask for the groups' names.
  if (kindOf(conv) === 'group' && groupOf(s, conv) === undefined && s.me.loggedIn) effects.push({ type: 'groups' })
  if (bell) effects.push({ type: 'bell' })
  return { state: bell ? { ...s, lastBellAt: now } : s, effects }
}

function onStatus (state: TuiState, id: string, conversation: string, status: EntryStatus, reason?: string): TuiState {
  const view = state.views[conversation]
  const entry = view?.entries.find(e => e.id === id)
  if (entry === undefined) {
    return { ...state, earlyStatus: { ...state.earlyStatus, [id]: maxStatus(state.earlyStatus[id], status) ?? status } }
  }
  return withView(state, conversation, v => ({
    ...v,
    entries: v.entries.map(e => {
      if (e.id !== id) return e
      const next: Entry = { ...e, status: maxStatus(e.status, status) ?? status }
      if (STATUS_RANK[status] >= STATUS_RANK.sent) delete next.held
      if (next.status === 'failed' && reason !== undefined) next.reason = reason
      return next
    })
  }))
}

function onSent (state: TuiState, localId: string, conversation: string, id: string, hlc?: string): TuiState {
  const early = state.earlyStatus[id]
  const earlyStatus = { ...state.earlyStatus }
  delete earlyStatus[id]
  return withView({ ...state, earlyStatus }, conversation, v => {
    const local = v.entries.find(e => e.id === localId)
    const rest = v.entries.filter(e => e.id !== localId)
    // The stored copy may be here already (a history page came first): keep that one.
    if (local === undefined || rest.some(e => e.id === id)) return { ...v, entries: rest }
    const updated: Entry = { ...local, id, status: maxStatus(local.status, early) ?? 'pending', ...(hlc !== undefined ? { hlc, key: `${hlc}/${id}` } : {}) }
    return { ...v, entries: sortEntries([...rest, updated]) }
  })
}

function onHistory (state: TuiState, a: Extract<Action, { type: 'history' }>): Update {
  let s = withView(state, a.conversation, v => {
    const { unreadAtOpen, ...rest } = v
    const entries = mergeEntries(v.entries, a.messages.map(entryOf))
    const newFrom = unreadAtOpen !== undefined ? firstUnreadKey(entries, unreadAtOpen) : v.newFrom
    return {
      ...rest,
      entries,
      loaded: true,
      loading: false,
      complete: a.messages.length < a.limit || (v.complete && a.before === undefined),
      ...(newFrom !== undefined ? { newFrom } : {})
    }
  })
  const keyChanged = a.messages.some(m => m.direction === 'in' && m.keyChanged === true)
  if (keyChanged && a.before === undefined) s = { ...s, keyWarnings: { ...s.keyWarnings, [a.conversation]: true } }
  return { state: s, effects: [] }
}

function onConversations (state: TuiState, list: Extract<Action, { type: 'conversations' }>['list']): TuiState {
  const byId = new Map(state.conversations.map(c => [c.id, c]))
  for (const summary of list) {
    const id = summary.conversation
    const old = byId.get(id)
    const open = isOpen(state, id)
    byId.set(id, {
      ...old,
      id,
      kind: old?.kind ?? kindOf(id),
      title: old?.title ?? titleOf(state, id),
      // The node keeps every conversation's unread count, the lobby's and the groups' too.
      unread: open ? 0 : summary.unread,
      lastMessageAt: Math.max(old?.lastMessageAt ?? 0, summary.lastMessageAt)
    })
  }
  if (!byId.has(LOBBY)) byId.set(LOBBY, lobbyConversation())
  return { ...state, conversations: sortConversations([...byId.values()]) }
}

// ------------------------------------------------------------------ groups

/** Keeps the newer of two states of a group (a later epoch; the same epoch: the one told last). */
function newerGroup (old: GroupInfo | undefined, info: GroupInfo): GroupInfo {
  return old === undefined || info.epoch >= old.epoch ? info : old
}

/** Records a group's state and shows it in the conversation list (by name; marked when left). */
function putGroup (state: TuiState, incoming: GroupInfo): TuiState {
  const info = newerGroup(state.groups[incoming.group], incoming)
  const s: TuiState = { ...state, groups: { ...state.groups, [info.group]: info } }
  return upsertConversation(s, groupConversation(info.group), c => ({ ...c, kind: 'group', title: info.name, left: hasLeft(info) }))
}

/** 'you ...' starts a sentence as 'You ...'; usernames stay as they are. */
function cap (text: string): string {
  return text.startsWith('you ') ? 'Y' + text.slice(1) : text
}

function list (names: readonly string[]): string {
  if (names.length <= 1) return names.join('')
  return `${names.slice(0, -1).join(', ')} and ${names.at(-1) ?? ''}`
}

/**
 * What changed in a group between two states this node was told of, as lines
 * for the group's conversation, and a status line when it concerns this user.
 */
function describeGroupChange (me: string | null, old: GroupInfo | undefined, info: GroupInfo): { lines: string[], notice?: { text: string, tone: Tone } } {
  const who = (u: string): string => u === me ? 'you' : u
  const lines: string[] = []
  let status: { text: string, tone: Tone } | undefined
  const name = info.name
  if (old === undefined || info.epoch > old.epoch) {
    const author = who(info.author)
    const epoch = ` (epoch ${info.epoch})`
    switch (info.change) {
      case 'create': {
        const others = info.members.filter(m => m !== info.author).map(who)
        lines.push(cap(`${author} created ${name}${others.length === 0 ? '' : ` with ${list(others)}`}${epoch}`))
        break
      }
      case 'invite': lines.push(cap(`${author} added ${who(info.subject)}${epoch}`)); break
      case 'kick': lines.push(cap(`${author} removed ${who(info.subject)}${epoch}`)); break
      case 'promote': lines.push(cap(`${author} made ${who(info.subject)} an admin${epoch}`)); break
      case 'leave': lines.push(cap(`${who(info.subject)} left${epoch}`)); break
    }
    const addedMe = info.member && info.author !== me && (old === undefined || !old.member) &&
      (info.change === 'create' || (info.change === 'invite' && info.subject === me))
    if (addedMe) status = { text: `${info.author} added you to the group ${name}: /group open ${quoteName(name)}`, tone: 'info' }
    if (!info.member && old?.member === true && info.change === 'kick' && info.subject === me) {
      status = { text: `${info.author} removed you from the group ${name}`, tone: 'warn' }
    }
  }
  if (info.member && info.leaving && old?.leaving !== true) lines.push(`You left ${name}: nothing sent to it from now on reaches you.`)
  for (const u of info.pendingLeaves) {
    if (old?.pendingLeaves.includes(u) !== true) lines.push(`${u} asked to leave`)
  }
  return status === undefined ? { lines } : { lines, notice: status }
}

/** A group:changed event: the new state, and a line in the group's conversation saying what changed. */
function onGroupChanged (state: TuiState, info: GroupInfo, now: number, fmt?: Formatters): TuiState {
  const old = state.groups[info.group]
  if (old !== undefined && info.epoch < old.epoch) return state
  const conv = groupConversation(info.group)
  const { lines, notice: status } = describeGroupChange(state.me.username, old, info)
  let s = keepingPlace(state, conv, now, fmt, st => addNoticesTo(putGroup(st, info), conv, lines, now))
  if (status !== undefined) s = notice(s, status.text, status.tone)
  return s
}

/** The open group's members and admins, as a line or two. */
function membersLines (state: TuiState, info: GroupInfo): NoticeLine[] {
  const me = state.me.username
  const names = info.members.map(m => `${m}${info.admins.includes(m) ? ' (admin)' : ''}${m === me ? ' (you)' : ''}`)
  const lines: NoticeLine[] = [{
    text: `${info.name}: ${info.members.length} member${info.members.length === 1 ? '' : 's'}, epoch ${info.epoch}, state ${info.hash.slice(0, 8)}: ${names.join(', ')}`,
    tone: 'strong'
  }]
  if (info.pendingLeaves.length > 0) lines.push(`  asked to leave: ${info.pendingLeaves.join(', ')}`)
  if (!info.member) lines.push({ text: '  you are not a member any more', tone: 'warn' })
  else if (info.leaving) lines.push({ text: '  you asked to leave', tone: 'warn' })
  return lines
}

function groupDone (state: TuiState, a: Extract<Action, { type: 'groupDone' }>, now: number): Update {
  const none = (st: TuiState): Update => ({ state: st, effects: [] })
  const info = a.info
  const s = putGroup(state, info)
  const conv = groupConversation(info.group)
  switch (a.op) {
    case 'create': {
      const others = info.members.filter(m => m !== state.me.username)
      const opened = openConversation(s, conv)
      const text = `Group ${info.name} created${others.length === 0 ? '' : ` with ${list(others)}`}: what you type here goes to its members. /group invite adds more.`
      return { state: notice(opened.state, text), effects: opened.effects }
    }
    case 'invite': return none(notice(s, `${a.user ?? '?'} is now a member of ${info.name} (epoch ${info.epoch})`))
    case 'kick': return none(notice(s, `${a.user ?? '?'} was removed from ${info.name} (epoch ${info.epoch})`))
    case 'promote': return none(notice(s, `${a.user ?? '?'} is now an admin of ${info.name}`))
    case 'members': {
      const lines = membersLines(s, info)
      return none(s.current === conv ? addNotices(s, lines, now) : addNoticesTo(s, conv, lines, now))
    }
  }
}

const GROUP_HINTS: Record<string, string> = {
  NOT_ADMIN: 'see /group members',
  UNAVAILABLE: 'nothing changed: try again later',
  NO_HOLDER: 'nothing changed: try again later',
  CONFLICT: 'try again'
}

/** A /group command the node refused, as one short line: what did not happen, the node's reason, what to do. */
export function groupFailureText (state: TuiState, a: Extract<Action, { type: 'groupFailed' }>): string {
  const group = a.group === undefined ? 'the group' : state.groups[a.group]?.name ?? `group ${a.group.slice(0, 8)}`
  const user = a.user ?? '?'
  const what: Record<GroupOp, string> = {
    create: `group ${a.name ?? ''} not created`,
    invite: `${user} not added`,
    kick: `${user} not removed`,
    promote: `${user} not made an admin`,
    members: `no member list for ${group}`,
    leave: `${group} not left`
  }
  let error = a.error
  let hint = a.code === undefined ? undefined : GROUP_HINTS[a.code]
  if (a.code === 'KEY_CHANGED' && a.user !== undefined) {
    error = `${a.user}'s identity key changed`
    hint = `/verify ${a.user}, then /trust ${a.user} if the numbers match`
  }
  return `${what[a.op]}: ${error}${hint === undefined ? '' : ` (${hint})`}`
}

/** Why a group message was dropped (group:status failed), for a person. */
function failedReason (code: string | undefined): string | undefined {
  switch (code) {
    case undefined: return undefined
    case 'LEFT': return 'you left the group'
    case 'REMOVED': return 'you were removed from the group'
    case 'NOT_MEMBER': return 'not a member'
    default: return code.toLowerCase().replace(/_/g, ' ')
  }
}

function usersLines (state: TuiState, users: UserPresence[], fmt?: Formatters): Array<{ text: string, tone: Tone }> {
  if (users.length === 0) return [{ text: 'No one has announced themselves on the network yet.', tone: 'info' }]
  const online = users.filter(u => u.online).length
  const sorted = [...users].sort((a, b) => Number(b.online) - Number(a.online) || a.username.localeCompare(b.username))
  const width = Math.max(...sorted.map(u => u.username.length)) + 2
  const time = (fmt ?? LOCAL_TIME).time
  return [
    { text: `Users: ${online} online of ${users.length} known`, tone: 'strong' },
    ...sorted.map(u => ({
      text: `  ${u.username.padEnd(width)}${u.online ? 'online' : `offline, last seen ${time(u.lastSeen)}`}${u.username === state.me.username ? ' (you)' : ''}`,
      tone: 'info' as const
    }))
  ]
}

function rolesLines (state: TuiState, roles: RolesView, fmt?: Formatters): Array<{ text: string, tone: Tone }> {
  const time = (fmt ?? LOCAL_TIME).time
  const lines: Array<{ text: string, tone: Tone }> = [{ text: 'Role holders:', tone: 'strong' }]
  for (const r of ['relay', 'idp', 'kacls'] as const) {
    const h = roles[r]
    if (h === null) {
      lines.push({ text: `  ${r}: nobody holds it`, tone: 'warn' })
      continue
    }
    const who = h.user !== undefined ? `${h.user} on ${h.hostName ?? 'an unnamed host'}` : h.hostName !== undefined ? `host ${h.hostName}${h.userHint !== undefined ? ` (says ${h.userHint} is logged in there: not confirmed by presence)` : ', nobody logged in'}` : 'an unnamed host'
    lines.push({ text: `  ${r}: ${h.peerId === state.net.peerId ? 'this node, ' : ''}${who}, ${h.pinned ? 'pinned' : 'elected'}, since ${time(h.since)}`, tone: 'info' })
    lines.push({ text: `    ${h.peerId}`, tone: 'dim' })
    lines.push(...replicaLines(h.replicas))
  }
  for (const w of roles.warnings) lines.push({ text: `  ! ${w}`, tone: 'warn' })
  return lines
}

/** A role's replicas as its holder reports them: how far behind it each is. */
function replicaLines (replicas: NonNullable<RolesView['relay']>['replicas']): Array<{ text: string, tone: Tone }> {
  if (replicas === undefined || replicas === null) return [{ text: '    replicas: not reported yet', tone: 'dim' }]
  if (replicas.length === 0) return [{ text: '    replicas: none live (its writes are on it alone)', tone: 'warn' }]
  return replicas.map(rep => {
    const state = rep.behind > 0
      ? `${rep.behind} record${rep.behind === 1 ? '' : 's'} behind (oldest sent ${rep.lagMs} ms ago)`
      : rep.synced ? 'in step' : 'syncing'
    return { text: `    replica ${rep.peerId.slice(-8)}: ${state}`, tone: rep.synced && rep.behind === 0 ? 'dim' as const : 'warn' as const }
  })
}

function verifyLines (r: VerifyResult): Array<{ text: string, tone: Tone }> {
  const groups = r.safetyNumber.split(' ')
  const half = Math.ceil(groups.length / 2)
  const lines: Array<{ text: string, tone: Tone }> = [
    { text: `Safety number with ${r.username}: compare it with theirs, in person or on a call you trust.`, tone: 'strong' },
    { text: `  ${groups.slice(0, half).join(' ')}`, tone: 'info' },
    { text: `  ${groups.slice(half).join(' ')}`, tone: 'info' }
  ]
  if (r.keyChanged) lines.push({ text: `! ${r.username}'s identity key CHANGED. Messages to them are held. If the numbers match, /trust ${r.username}.`, tone: 'warn' })
  else if (r.verified) lines.push({ text: `${r.username} is verified.`, tone: 'info' })
  else lines.push({ text: `Not verified yet: if the numbers match, /trust ${r.username} marks ${r.username} verified.`, tone: 'info' })
  return lines
}

/** The state after an action, and the node calls it asks for. */
export function update (state: TuiState, action: Action, now = Date.now(), options: ViewModelOptions = {}): Update {
  const fmt = options.format
  const none = (s: TuiState): Update => ({ state: s, effects: [] })
  switch (action.type) {
    case 'key':
      return onKey(state, action.key, now, fmt, options.paths)
    case 'focus':
      return none({ ...state, terminalFocused: action.focused })
    case 'resize': {
      const s = { ...state, size: { width: action.width, height: action.height } }
      // Keep the scroll position within the (re-wrapped) conversation.
      const max = Math.max(0, conversationLines(s, s.current, now, fmt).length - layout(s.size).bodyHeight)
      return none({ ...s, scroll: Math.min(s.scroll, max) })
    }
    case 'snapshot': {
      const { snapshot } = action
      let s: TuiState = { ...state, net: networkFrom(snapshot) }
      if (snapshot.users !== null) {
        const presence: TuiState['presence'] = {}
        for (const u of snapshot.users) presence[u.username] = { online: u.online, lastSeen: u.lastSeen }
        s = { ...s, presence }
      }
      const who = snapshot.whoami
      if (!who.loggedIn) return none({ ...s, me: { username: who.username, loggedIn: false } })
      // whoami() says logged in as soon as the account is unlocked, a moment before chat and groups run: the node's
      // 'login' event (or login()'s reply) comes once they do, and logs the TUI in.
      if (!s.me.loggedIn) return none({ ...s, me: { ...s.me, username: who.username } })
      return none({ ...s, me: { ...s.me, username: who.username, ...(who.expiresAt !== undefined ? { expiresAt: who.expiresAt } : {}), ...(who.fingerprint !== undefined ? { fingerprint: who.fingerprint } : {}) } })
    }
    case 'registered': {
      const form = state.form
      if (form === null || form.mode !== 'register' || form.password === '') {
        return none(notice({ ...state, me: { ...state.me, username: action.username } }, `Account ${action.username} created: /login to log in.`))
      }
      return {
        state: { ...state, me: { ...state.me, username: action.username }, form: { ...form, busy: `Account created (key fingerprint ${action.fingerprint}). Logging in...` } },
        effects: [{ type: 'login', username: action.username, password: form.password }]
      }
    }
    case 'loggedIn':
      return becomeLoggedIn(state, action.whoami)
    case 'loginRequired': {
      const reason = action.reason === 'expired' ? 'Your session expired: enter your password to go on.' : null
      const me = { username: action.username, loggedIn: false }
      // A form for this account stays as typed; any other gives way to it.
      const old = state.form
      const form = old !== null && old.mode === 'login' && old.username === action.username ? { ...old, reason: reason ?? old.reason } : newForm('login', action.username, reason)
      return none({ ...state, me, form })
    }
    case 'formFailed': {
      const username = action.code !== undefined && USERNAME_CODES.has(action.code)
      if (state.form === null) return none(notice(state, `${action.step === 'register' ? 'registration' : 'login'} failed: ${action.error}`, 'error'))
      // Registered, then the login failed: what is left is logging in.
      const form = action.step === 'login' && state.form.mode === 'register'
        ? { ...newForm('login', state.form.username), error: action.error }
        : formFailed(state.form, action.error, username)
      return none({ ...state, form })
    }
    case 'conversations':
      return none(onConversations(state, action.list))
    case 'history':
      return onHistory(state, action)
    case 'historyFailed':
      return none(notice(withView(state, action.conversation, v => ({ ...v, loading: false })), `could not load ${titleOf(state, action.conversation)}: ${action.error}`, 'error'))
    case 'message':
      return onMessage(state, action.message, now, fmt)
    case 'status':
      return none(onStatus(state, action.id, action.conversation, action.status))
    case 'blocked': {
      const s = withView(state, action.conversation, v => ({ ...v, entries: v.entries.map(e => e.id === action.id ? { ...e, held: true } : e) }))
      const u = action.conversation
      return none(notice({ ...s, keyWarnings: { ...s.keyWarnings, [u]: true } }, `${u}'s identity key changed: messages to ${u} are held. /verify ${u}, then /trust ${u} if the safety numbers match.`, 'warn'))
    }
    case 'presence':
      return none({ ...state, presence: { ...state.presence, [action.username]: { ...state.presence[action.username], online: action.online } } })
    case 'sent':
      return none(onSent(state, action.localId, action.conversation, action.id, action.hlc))
    case 'posted': {
      const hlc = action.hlc
      return none(withView(state, LOBBY, v => {
        const local = v.entries.find(e => e.id === action.localId)
        const rest = v.entries.filter(e => e.id !== action.localId)
        if (local === undefined || rest.some(e => e.id === action.id)) return { ...v, entries: rest }
        // With its hlc it sorts (and pages) as the stored copy does.
        const posted: Entry = { ...local, id: action.id, posting: false, ...(hlc !== undefined ? { hlc, key: `${hlc}/${action.id}` } : {}) }
        return { ...v, entries: sortEntries([...rest, posted]) }
      }))
    }
    case 'sendFailed': {
      const s = withView(state, action.conversation, v => ({
        ...v,
        entries: v.entries.map(e => {
          if (e.id !== action.localId) return e
          const failed: Entry = { ...e, failed: action.error, posting: false }
          delete failed.status
          return failed
        })
      }))
      return none(notice(s, `not sent to ${titleOf(s, action.conversation)}: ${action.error}`, 'error'))
    }
    case 'users':
      return none(addNotices(state, usersLines(state, action.users, fmt), now))
    case 'userChecked': {
      if (action.username === undefined) return none(notice(state, `/dm ${action.user}: ${action.error ?? 'no such user'}`, 'error'))
      return openConversation({ ...state, focus: 'input', notice: null }, action.username)
    }
    case 'roles':
      return none(addNotices(state, rolesLines(state, action.roles, fmt), now))
    case 'verified': {
      const s = action.result.keyChanged ? { ...state, keyWarnings: { ...state.keyWarnings, [action.result.username]: true as const } } : state
      return none(addNotices(s, verifyLines(action.result), now))
    }
    case 'trusted': {
      const keyWarnings = { ...state.keyWarnings }
      delete keyWarnings[action.username]
      const s = withView({ ...state, keyWarnings }, action.username, v => ({
        ...v,
        entries: v.entries.map(e => { if (e.held !== true) return e; const n = { ...e }; delete n.held; return n })
      }))
      return none(addNotices(s, [`${action.username}'s current key is trusted${action.verified ? ' and marked verified' : ''}; held messages go out now.`], now))
    }
    case 'error':
      return none(notice(state, action.error, 'error'))
    case 'kindDone':
      return none({ ...state, notice: null })
    case 'kindFailed':
      return none(notice(state, `not ${{ reply: 'replied', edit: 'edited', delete: 'deleted', react: 'reacted' }[action.op]}: ${action.error}`, 'error'))
    case 'updated':
      return none(keepingPlace(state, action.conversation, now, fmt, st => onUpdated(st, action, entryOf)))
    case 'info':
      return none(addNotices(state, infoLines(action.message), now))
    case 'searchResults': {
      const s = { ...state, searchResults: action.messages.map(m => ({ conversation: m.conversation, id: m.id, hlc: m.hlc })), notice: null }
      return none(addNotices(s, searchLines(action, id => titleOf(s, id), fmt), now))
    }
    case 'jumped': {
      const opened = openConversation({ ...state, focus: 'messages', notice: null }, action.conversation)
      let s = withView(opened.state, action.conversation, v => ({ ...v, entries: mergeEntries(v.entries, action.messages.map(entryOf)), loaded: true, loading: false }))
      s = { ...s, selected: action.id }
      // Scrolled so the message is at the top of the pane.
      const { bodyHeight } = layout(s.size)
      const lines = conversationLines(s, action.conversation, now, fmt)
      const at = lines.findIndex(l => l.id === action.id)
      if (at >= 0) s = { ...s, scroll: Math.max(0, lines.length - at - bodyHeight) }
      return { state: s, effects: opened.effects.filter(e => e.type !== 'history') }
    }
    case 'typing': {
      const typing = { ...state.typing }
      if (action.typing) typing[action.username] = now + TYPING_SHOWN_MS
      else delete typing[action.username]
      return none({ ...state, typing })
    }
    case 'groups': {
      let s = state
      for (const info of action.list) s = putGroup(s, info)
      return none(s)
    }
    case 'groupChanged':
      return none(onGroupChanged(state, action.info, now, fmt))
    case 'groupStatus': {
      const conv = groupConversation(action.group)
      return none(onStatus(state, action.id, conv, action.status, action.status === 'failed' ? failedReason(action.code) : undefined))
    }
    case 'groupDone':
      return groupDone(state, action, now)
    case 'groupLeft': {
      const old = state.groups[action.group]
      // Its group:changed usually came first; if not, this says the same.
      const s = old === undefined || old.leaving || !old.member || old.epoch > action.epoch ? state : onGroupChanged(state, { ...old, leaving: true }, now, fmt)
      const name = old?.name ?? `group ${action.group.slice(0, 8)}`
      return none(notice(s, `You left ${name}: it stays in the list, marked left, with what was said while you were in it.`))
    }
    case 'groupFailed':
      return none(notice(state, groupFailureText(state, action), 'error'))
    case 'files': {
      let s = state
      for (const info of action.list) s = putFile(s, info)
      return none(action.show === true ? addNotices(s, filesLines(action.list), now) : s)
    }
    case 'fileInfo': {
      const { info } = action
      if (action.op === 'send') return none(notice(fileSent(state, info, now), `offered ${info.name} (${formatBytes(info.size)}) to ${titleOf(state, info.conversation)}: file #${info.n}`))
      return none(notice(putFile(state, info), action.op === 'accept' ? `downloading ${info.name} (#${info.n})` : `${info.name} (#${info.n}) cancelled`))
    }
    case 'fileOffer': {
      const o = action.offer
      const s = onFileOffer(state, o)
      return none(o.autoAccept ? s : notice(s, `${o.from} offers ${o.name} (${formatBytes(o.size)}): /accept ${o.n} to download it`, 'warn'))
    }
    case 'fileProgress':
      return none(onFileProgress(state, action.progress))
    case 'fileDone': {
      const d = action.done
      const s = onFileDone(state, d)
      return none(d.direction === 'in' ? notice(s, `saved ${d.name} to ${d.path}`) : s)
    }
    case 'fileFailed': {
      const f = action.failed
      const s = onFileFailed(state, f)
      return none(f.code === 'CANCELLED' ? s : notice(s, `${f.name} (#${f.n}): ${f.message}`, 'error'))
    }
    case 'fileRefused':
      return none(notice(state, `${action.what} ${FILE_OPS[action.op]}: ${action.error}`, 'error'))
  }
}
