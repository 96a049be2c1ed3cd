/**
 * The terminal UI's view model: pure functions of (state, action) to
 * (state, effects), and no terminal. Keys, command lines, node events and
 * the results of node calls all come in as actions; node calls go out as
 * effects, which the controller runs. renderFrame (frame.ts) turns the state
 * into text for the screen.
 */
import { applyCompletion, completionAt } from './complete.js'
import { helpLines, parseCommand } from './commands.js'
import {
  addNotices, entryOf, firstUnreadKey, groupConversation, hasLeft, isOpen, keepingPlace, keyAfter, kindOf, lobbyConversation,
  markReadEffects, maxStatus, mergeEntries, notice, openConversation, sortConversations, sortEntries, STATUS_RANK, titleOf,
  upsertConversation, withView
} from './conversation.js'
import { commit, editKey, emptyEditor, selectAll, setText } from './editor.js'
import { formFailed, formKey, newForm } from './form.js'
import { MODERN_TERMINAL } from './text.js'
import { conversationLines, layout } from './frame.js'
import { failedReason, groupDone, groupFailureText, onGroupChanged, putGroup, runGroupCommand } from './group-actions.js'
import { isPrintable, keyName } from './keys.js'
import { infoLines, onUpdated, runMessageCommand, searchLines, selectedCommand, selectStep, TYPING_SHOWN_MS, typingEffects } from './message-actions.js'
import { rolesLines, usersLines, verifyLines } from './reports.js'
import { FOCUS_ORDER, groupIdOf, groupOf, LOBBY, PAGE_SIZE } from './state.js'
import { filesLines, onFileDone, onFileFailed, onFileOffer, onFileProgress, putFile } from './files.js'
import { formatBytes, offerText } from '../../src/files/index.js'
import type { Command } from './commands.js'
import type { CompletionNames } from './complete.js'
import type { Formatters } from './frame.js'
import type { Key } from './keys.js'
import type { LineEditor } from './editor.js'
import type { TerminalWidths } from './text.js'
import type { Action, AnyMessage, Effect, Entry, EntryStatus, FileView, NetworkState, RolesView, Snapshot, TuiState, Update, WhoAmI } from './state.js'

export interface ViewModelOptions {
  /** Formats times in the message pane (local time by default) */
  format?: Formatters
  /** Paths on this machine starting with a prefix, for /file's Tab (none by default: the view model reads no disk) */
  paths?: (prefix: string) => readonly string[]
}

/** Codes that say the username is what is wrong: the form goes back to it. */
const USERNAME_CODES = new Set(['USERNAME_TAKEN', 'UNKNOWN_USER', 'BAD_USERNAME', 'ALREADY_REGISTERED'])
/** A burst of messages rings the bell once: not again within this (ms). */
const BELL_INTERVAL_MS = 2_000
const LOGIN_FIRST = 'log in first: /login (or /register to create an account)'

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

/** The line was refused: why on the status line; the line stays, selected, so typing replaces it and a move keeps it to fix. */
function refuse (state: TuiState, why: string): TuiState {
  const remembered: LineEditor = { ...state.input, history: commit(state.input).history }
  return { ...notice(state, why, 'error'), input: selectAll(remembered), completion: null }
}

/**
 * Names Tab completes: users (seen, direct chats, lobby posters, members of
 * any group; not oneself), group names, and the open group's members and admins.
 */
function completionNames (state: TuiState): CompletionNames {
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

function switchBy (state: TuiState, step: number): Update {
  const list = state.conversations
  if (list.length === 0) return { state, effects: [] }
  const i = list.findIndex(c => c.id === state.current)
  const next = list[((i < 0 ? 0 : i) + step + list.length) % list.length]
  return next === undefined ? { state, effects: [] } : openConversation(state, next.id)
}

/** Scrolls the messages pane by `delta` lines (positive: back in time); at the top it asks for older history. */
function scrollBy (state: TuiState, delta: number, now: number, fmt?: Formatters): Update {
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
      return runMessageCommand(s, command)
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
      const reason = action.reason === 'expired'
        ? 'Your session expired: enter your password to go on.'
        : action.reason === 'refused'
          ? 'The network no longer honours your login (it was given on the other side of a network split): enter your password to go on.'
          : null
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
      return none(keepingPlace(state, action.conversation, now, fmt, st => onUpdated(st, action)))
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
      return none(onGroupChanged(state, action.info, now, fmt, action.fork))
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
