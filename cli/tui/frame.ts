/**
 * Renders the state into a frame: the text of every part of the screen,
 * already laid out for the terminal's size. Pure; the blessed view only
 * copies the frame onto the screen.
 */
import { fieldsOf } from './form.js'
import { fileLine } from './files.js'
import { measureFor, sanitize } from './text.js'
import type { TerminalWidths, TextMeasure } from './text.js'
import { emptyView, GROUP_PREFIX, groupOf, LOBBY } from './state.js'
import { isTyping, numberOf } from './message-actions.js'
import type { Conversation, ConversationView, Entry, Focus, TuiState, Tone } from './state.js'

export interface Layout {
  width: number
  height: number
  /** Left column: the conversation list */
  listWidth: number
  /** Rows of conversations and of messages (below their one-row headers) */
  bodyHeight: number
  /** Column where the messages pane starts (after a separator column and a blank one) */
  messagesLeft: number
  messagesWidth: number
  noticeRow: number
  statusRow: number
  inputRow: number
}

export interface Line {
  text: string
  tone: Tone
  /** The message this line shows (its first line), for scrolling to it */
  id?: string
}

export interface Frame {
  layout: Layout
  /** The terminal the frame was measured for: the painter measures with the same */
  terminal: TerminalWidths
  focus: Focus
  list: { header: string, rows: Array<Line & { selected: boolean }> }
  messages: { header: Line, lines: Line[] }
  /** The status line: errors and information */
  notice: Line
  /** Network, peers, role holders, user and connection state */
  statusBar: string
  /**
   * The input line as shown (prompt included), the cursor's column (null when the input has no focus), and
   * where a selected line starts and ends (columns), when it is selected
   */
  input: { text: string, cursor: number | null, selection: { from: number, to: number } | null }
  /** The register / login form, drawn over the rest */
  form: { width: number, lines: Line[], cursor: { row: number, col: number } | null } | null
}

export interface Formatters {
  /** '14:02' */
  time: (ms: number) => string
  /** 'Tue 4 Mar 2025' */
  day: (ms: number) => string
}

export const pad2 = (n: number): string => String(n).padStart(2, '0')
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat']
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

/** Local time, 24-hour clock. */
export const LOCAL_TIME: Formatters = {
  time: ms => { const d = new Date(ms); return `${pad2(d.getHours())}:${pad2(d.getMinutes())}` },
  day: ms => { const d = new Date(ms); return `${DAYS[d.getDay()] ?? ''} ${d.getDate()} ${MONTHS[d.getMonth()] ?? ''} ${d.getFullYear()}` }
}

const MIN_WIDTH = 30
const MIN_HEIGHT = 8

export function layout (size: { width: number, height: number }): Layout {
  const width = Math.max(size.width, MIN_WIDTH)
  const height = Math.max(size.height, MIN_HEIGHT)
  const listWidth = Math.min(28, Math.max(12, Math.floor(width / 4)))
  // Rows: pane headers, body, status line, status bar, input line.
  const bodyHeight = height - 4
  return {
    width,
    height,
    listWidth,
    bodyHeight,
    messagesLeft: listWidth + 2,
    messagesWidth: width - listWidth - 2,
    noticeRow: height - 3,
    statusRow: height - 2,
    inputRow: height - 1
  }
}

const STATUS_LABEL = { pending: 'pending', sent: 'sent', delivered: 'delivered', read: 'read', failed: 'failed' } as const

/** The group a conversation is, as last known. */
function stateLabel (e: Entry, conversation: string): string {
  if (e.failed !== undefined) return `(not sent: ${e.failed})`
  if (e.held === true) return `(held: ${conversation}'s key changed; /verify ${conversation}, then /trust ${conversation})`
  if (e.posting === true) return '(pending)'
  if (e.status === 'failed') return e.reason === undefined ? '(failed)' : `(failed: ${e.reason})`
  if (e.status !== undefined) return `(${STATUS_LABEL[e.status]})`
  return ''
}

/** The line above the first message that was unread when the conversation was opened. */
export function newMarker (m: TextMeasure): string {
  return m.terminal.unicode ? '\u2500\u2500 new \u2500\u2500' : '-- new --'
}

function entryLines (e: Entry, conversation: string, width: number, fmt: Formatters, m: TextMeasure, files: TuiState['files'], selected = false, number?: number): Line[] {
  const wrap = (text: string, w: number, indent: number): string[] => m.wrap(text, w, indent)
  if (e.kind === 'notice') return wrap(sanitize(e.text), width, 2).map(text => ({ text, tone: e.tone ?? 'info' }))
  const from = sanitize(e.from, false)
  const label = e.direction === 'out' && e.deleted !== true ? stateLabel(e, conversation) : ''
  const lines: Line[] = []
  if (e.quote !== undefined) {
    const quoted = e.quote.deleted === true ? 'message deleted' : sanitize(e.quote.text, false)
    const arrow = m.terminal.unicode ? '\u21b1' : '>'
    lines.push({ text: m.truncate(`      ${arrow} ${sanitize(e.quote.from, false)}: ${quoted}`, width), tone: 'dim' })
  }
  const text = e.deleted === true ? 'message deleted' : `${sanitize(e.text)}${e.edited === true ? ' (edited)' : ''}`
  const mark = selected ? `[${number ?? ''}] ` : ''
  const body = `${mark}${fmt.time(e.at)} ${from}: ${text}${label === '' ? '' : ' ' + label}`
  const tone: Tone = selected ? 'strong' : e.deleted === true ? 'dim' : e.failed !== undefined || e.status === 'failed' ? 'error' : e.held === true ? 'warn' : e.direction === 'out' ? 'mine' : 'normal'
  lines.push(...wrap(body, width, 6).map(text => ({ text, tone })))
  if (e.reactions !== undefined && e.deleted !== true) {
    const counts = Object.entries(e.reactions).map(([emoji, users]) => `${emoji} ${users.length}`).join('  ')
    if (counts !== '') lines.push(...wrap(`      ${counts}`, width, 6).map(text => ({ text, tone: 'info' as const })))
  }
  if (lines[0] !== undefined) lines[0].id = e.id
  if (e.keyChanged === true) {
    lines.push(...wrap(`! ${from}'s identity key changed since you last talked: /verify ${from} to compare safety numbers, /trust ${from} to accept it`, width, 4)
      .map(text => ({ text, tone: 'warn' as const })))
  }
  if (e.file !== undefined && e.deleted !== true) {
    const f = fileLine(files[e.file.id], e.file, e.direction)
    lines.push(...wrap(sanitize(f.text), width, 6).map(text => ({ text, tone: f.tone })))
  }
  return lines
}

/** Every line of a conversation at this width, oldest first: what the messages pane scrolls through. */
export function conversationLines (state: TuiState, id: string, now: number, fmt: Formatters = LOCAL_TIME): Line[] {
  const { messagesWidth: width } = layout(state.size)
  const m = measureFor(state.terminal)
  const view: ConversationView = state.views[id] ?? emptyView()
  const lines: Line[] = []
  const dim = (text: string): void => { for (const t of m.wrap(text, width)) lines.push({ text: t, tone: 'dim' }) }
  if (!view.loaded) {
    if (!state.me.loggedIn) dim('Log in to read and send messages: /login, or /register to create an account.')
    else dim(view.loading ? 'loading...' : 'Not loaded: PgUp to try again.')
  } else {
    if (view.loading) dim('loading older messages...')
    else if (view.complete) dim('-- the beginning of this conversation --')
    else dim('PgUp: older messages')
    if (!view.entries.some(e => e.kind === 'message')) {
      const group = groupOf(state, id)
      if (id === LOBBY) dim('Nothing in the lobby yet: everyone on the network reads it. Type below and press Enter.')
      else if (id.startsWith(GROUP_PREFIX)) {
        dim(group !== undefined && (!group.member || group.leaving)
          ? 'No messages in this group from while you were in it.'
          : `No messages in ${sanitize(group?.name ?? 'this group', false)} yet: what you type goes to all its members. Type below and press Enter.`)
      } else dim(`No messages with ${id} yet. Type below and press Enter.`)
    }
  }
  // A day line wherever the day changes (before the first message only when it is not today).
  let lastDay = fmt.day(now)
  for (const e of view.entries) {
    if (e.kind === 'message') {
      const day = fmt.day(e.at)
      if (day !== lastDay) lines.push({ text: m.truncate(`-- ${day} --`, width), tone: 'dim' })
      lastDay = day
    }
    if (view.newFrom !== undefined && e.key === view.newFrom) lines.push({ text: m.truncate(newMarker(m), width), tone: 'warn' })
    const selected = state.selected === e.id && id === state.current
    lines.push(...entryLines(e, id, width, fmt, m, state.files, selected, selected ? numberOf(state, e.id) : undefined))
  }
  return lines
}

/** A role holder as the status bar names it: me, the user logged in on it and its host, or its host and the end of its peer id. */
function shortPeer (state: TuiState, peerId: string | null, role: 'relay' | 'idp' | 'kacls'): string {
  if (peerId === null) return 'none'
  if (peerId === state.net.peerId) return 'me'
  const about = state.net.about?.[role] ?? {}
  if (about.user !== undefined) return about.hostName !== undefined ? `${about.user}@${about.hostName}` : about.user
  return `${about.hostName !== undefined ? `${about.hostName} ` : ''}..${peerId.slice(-4)}`
}

/** The status bar's parts, most important first: who and how connected, network, peers, role holders, warnings. */
export function statusBarParts (state: TuiState): string[] {
  const { me, net } = state
  let who: string
  if (me.username === null) who = 'not logged in'
  else if (!me.loggedIn) who = `${me.username}: not logged in`
  else who = `${me.username}: ${net.peers > 0 ? 'online' : 'offline, no peers'}`
  const roles = (['relay', 'idp', 'kacls'] as const).map(r => `${r} ${shortPeer(state, net.roles[r], r)}`).join(' ')
  const parts = [who, `net ${net.networkId.slice(0, 8)}`, `${net.peers} peer${net.peers === 1 ? '' : 's'}`, roles]
  if (net.warnings.length > 0) parts.push(`${net.warnings.length} role warning${net.warnings.length === 1 ? '' : 's'}: /roles`)
  return parts
}

export function statusBarText (state: TuiState): string {
  return ' ' + statusBarParts(state).join(' | ')
}

function listRow (state: TuiState, c: Conversation, width: number, m: TextMeasure): Line & { selected: boolean } {
  const warn = state.keyWarnings[c.id] === true ? '!' : ' '
  const marker = c.kind === 'direct' ? (state.presence[c.id]?.online === true ? '*' : ' ') : c.kind === 'group' ? '&' : ''
  let title = c.title
  // Two groups of one name: the start of their ids tells them apart.
  if (c.kind === 'group' && state.conversations.some(o => o.kind === 'group' && o.id !== c.id && o.title === c.title)) {
    title += ` ${c.id.slice(GROUP_PREFIX.length, GROUP_PREFIX.length + 4)}`
  }
  const unread = c.unread > 0 ? ` ${c.unread > 999 ? '999+' : c.unread}` : ''
  const left = c.left === true ? ' (left)' : ''
  const suffix = left + unread
  const room = Math.max(1, width - m.width(suffix))
  const name = m.pad(m.shorten(`${warn}${marker}${sanitize(title, false)}`, room), room)
  const tone: Tone = c.unread > 0 ? 'strong' : c.left === true ? 'dim' : 'normal'
  return { text: m.fit(name + suffix, width), tone, selected: c.id === state.current }
}

function groupHeader (state: TuiState, c: Conversation | undefined): string {
  const g = groupOf(state, state.current)
  const name = `&${sanitize(g?.name ?? c?.title ?? 'group', false)}`
  if (g === undefined) return name
  const me = state.me.username
  if (!g.member) {
    const removed = g.change === 'kick' && g.subject === me
    return `${name}: ${removed ? `${sanitize(g.author, false)} removed you` : 'you left'} (epoch ${g.epoch}) | read only`
  }
  if (g.leaving) return `${name}: you left; a member is closing it for you | read only`
  const parts = [`${name}: ${g.members.length} member${g.members.length === 1 ? '' : 's'}, epoch ${g.epoch}`]
  if (me !== null && g.admins.includes(me)) parts.push('you: admin')
  if (g.pendingLeaves.length > 0) parts.push(`leaving: ${g.pendingLeaves.join(', ')}`)
  return parts.join(' | ')
}

function messagesHeader (state: TuiState, width: number, m: TextMeasure, now: number): Line {
  const c = state.conversations.find(x => x.id === state.current)
  const view = state.views[state.current]
  const parts: string[] = []
  if (c?.kind === 'lobby' || state.current === LOBBY) parts.push(`${LOBBY}: everyone on the network`)
  else if (c?.kind === 'group' || state.current.startsWith(GROUP_PREFIX)) parts.push(groupHeader(state, c))
  else {
    const p = state.presence[state.current]
    parts.push(`${state.current}: ${p === undefined ? 'not seen yet' : p.online ? 'online' : 'offline'}`)
    if (isTyping(state, state.current, now)) parts.push('typing...')
  }
  let tone: Tone = 'strong'
  if (state.keyWarnings[state.current] === true) {
    parts.push(`KEY CHANGED: /verify ${state.current}`)
    tone = 'warn'
  }
  if (state.scroll > 0) parts.push('scrolled back: PgDn for newer')
  if (view?.loading === true) parts.push('loading...')
  return { text: m.pad(m.fitParts(parts, width), width), tone }
}

function inputLine (state: TuiState, width: number, m: TextMeasure): Frame['input'] {
  const prompt = '> '
  const text = sanitize(state.input.text, false)
  const clusters = m.clusters(text)
  // The cursor counts code points and sits between clusters: the cluster it is before.
  let at = 0
  let cursorIndex = clusters.length
  for (let i = 0; i < clusters.length; i++) {
    if (at >= state.input.cursor) { cursorIndex = i; break }
    at += [...(clusters[i]?.text ?? '')].length
  }
  const avail = Math.max(1, width - prompt.length - 1)
  const widthOf = (from: number, to: number): number => clusters.slice(from, to).reduce((w, c) => w + c.width, 0)
  // Scrolled so the cursor shows.
  let start = 0
  while (start < cursorIndex && widthOf(start, cursorIndex) > avail) start++
  let end = start
  let used = 0
  while (end < clusters.length && used + (clusters[end]?.width ?? 0) <= avail) used += clusters[end++]?.width ?? 0
  const visible = clusters.slice(start, end).map(c => c.text).join('')
  const focused = state.focus === 'input' && state.form === null
  const selection = state.input.selected === true && visible !== '' ? { from: prompt.length, to: prompt.length + used } : null
  return { text: prompt + visible, cursor: focused ? prompt.length + widthOf(start, cursorIndex) : null, selection }
}

function formFrame (state: TuiState, width: number, height: number, m: TextMeasure): NonNullable<Frame['form']> {
  const form = state.form!
  const w = Math.min(68, width - 2)
  const inner = w - 4
  const build = (compact: boolean): { lines: Line[], cursor: { row: number, col: number } | null } => {
    const lines: Line[] = []
    const add = (text: string, tone: Tone = 'normal'): void => { for (const t of m.wrap(text, inner)) lines.push({ text: t, tone }) }
    const blank = (): void => { if (!compact) add('') }
    add(form.mode === 'register' ? 'lanchat: create your account' : 'lanchat: log in', 'strong')
    blank()
    if (form.reason !== null) add(form.reason, 'warn')
    if (!compact) {
      add(form.mode === 'register'
        ? 'Pick a username and a password (8 characters or more) for this network. The password unlocks your keys on this node: it cannot be recovered.'
        : form.username !== '' && form.username === state.me.username
          ? `Enter the password of the account ${form.username} on this node.`
          : 'Enter your username and password.')
    }
    blank()
    const labels = { username: 'Username', password: 'Password', confirm: 'Again' }
    let cursor: { row: number, col: number } | null = null
    for (const f of fieldsOf(form.mode)) {
      const value = f === 'username' ? sanitize(form.username, false) : '*'.repeat([...form[f]].length)
      const focused = form.focus === f
      const head = `${focused ? '>' : ' '} ${labels[f].padEnd(9)}`
      const shown = m.truncateStart(value, Math.max(1, inner - head.length - 1))
      if (focused && form.busy === null) cursor = { row: lines.length, col: head.length + m.width(shown) }
      lines.push({ text: head + shown, tone: focused ? 'strong' : 'normal' })
    }
    blank()
    if (form.busy !== null) add(form.busy, 'info')
    else if (form.error !== null) add(form.error, 'error')
    else blank()
    blank()
    // The keys on one line: as many as fit.
    const keys = form.mode === 'register'
      ? ['Enter: next / create', 'Ctrl-T: log in instead', 'Esc: later', 'Ctrl-C: quit']
      : ['Enter: next / log in', 'Ctrl-T: register instead', 'Esc: later', 'Ctrl-C: quit']
    lines.push({ text: m.fitParts(keys, inner), tone: 'dim' })
    return { lines, cursor }
  }
  // A short terminal gets the form without its explanations (two rows go to the border).
  const full = build(false)
  return { width: w, ...(full.lines.length + 2 <= height ? full : build(true)) }
}

/** The whole screen for this state. */
/** The key reminder shown on the status line when there is nothing to say. */
export const KEY_HINTS = ['Tab: next pane', 'Ctrl-N/P: chats', 'PgUp/PgDn: scroll', '/help', 'Ctrl-C: quit']

export function renderFrame (state: TuiState, now: number, fmt: Formatters = LOCAL_TIME): Frame {
  const lay = layout(state.size)
  const { listWidth, bodyHeight, messagesWidth } = lay
  const m = measureFor(state.terminal)

  const rows = state.conversations.map(c => listRow(state, c, listWidth, m))
  const selected = Math.max(0, rows.findIndex(r => r.selected))
  const first = Math.max(0, Math.min(selected - bodyHeight + 1, rows.length - bodyHeight))
  const listRows = rows.slice(Math.max(0, first), Math.max(0, first) + bodyHeight)

  const all = conversationLines(state, state.current, now, fmt)
  const end = Math.max(0, all.length - state.scroll)
  const visible = all.slice(Math.max(0, end - bodyHeight), end)
  const lines = [...Array.from({ length: bodyHeight - visible.length }, () => ({ text: '', tone: 'normal' as const })), ...visible]

  // Lines that do not fit are shortened at a word or a whole part, with an ellipsis, never cut mid-word.
  // Nothing to say: other networks' nodes on the LAN (a mistyped passphrase?) come before the key reminder.
  const notice: Line = state.notice !== null
    ? { text: m.pad(' ' + m.shorten(sanitize(state.notice.text, false), lay.width - 1), lay.width), tone: state.notice.tone }
    : state.net.foreign !== undefined && state.net.peers === 0
      ? { text: m.pad(' ' + m.shorten(sanitize(state.net.foreign, false), lay.width - 1), lay.width), tone: 'warn' }
      : { text: m.pad(' ' + m.fitParts(KEY_HINTS, lay.width - 1), lay.width), tone: 'dim' }

  return {
    layout: lay,
    terminal: state.terminal,
    focus: state.focus,
    list: { header: m.fit(' Conversations', listWidth), rows: listRows },
    messages: { header: messagesHeader(state, messagesWidth, m, now), lines },
    notice,
    statusBar: m.pad(' ' + m.fitParts(statusBarParts(state).map(p => sanitize(p, false)), lay.width - 1), lay.width),
    input: inputLine(state, lay.width, m),
    form: state.form === null ? null : formFrame(state, lay.width, lay.height, m)
  }
}
