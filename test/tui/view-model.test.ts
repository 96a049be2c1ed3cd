import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { TypedEventEmitter } from 'main-event'
import { parseCommand } from '../../cli/tui/commands.js'
import { applyCompletion, completionAt } from '../../cli/tui/complete.js'
import { describeError, TuiController } from '../../cli/tui/controller.js'
import { renderFrame } from '../../cli/tui/frame.js'
import { charKey } from '../../cli/tui/keys.js'
import { sanitize, textWidth, wrap } from '../../cli/tui/text.js'
import { initialState, update } from '../../cli/tui/view-model.js'
import { LOBBY, PAGE_SIZE } from '../../cli/tui/state.js'
import { runActions } from './run-actions.js'
import type { TuiNode } from '../../cli/tui/controller.js'
import type { Formatters, Frame } from '../../cli/tui/frame.js'
import type { Key } from '../../cli/tui/keys.js'
import type { Action, ChatMessage, GroupInfo, GroupMessage, Snapshot, TuiState } from '../../cli/tui/state.js'
import type { NodeEvents } from '../../src/node.js'
import type { Run } from './run-actions.js'

const NOW = Date.UTC(2025, 2, 4, 14, 2)
const pad = (n: number): string => String(n).padStart(2, '0')
const FMT: Formatters = {
  time: ms => { const d = new Date(ms); return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}` },
  day: ms => new Date(ms).toISOString().slice(0, 10)
}
const SIZE = { width: 80, height: 24 }

function snapshot (over: Partial<Snapshot> = {}): Snapshot {
  return {
    status: { networkId: '0a1b2c3d4e5f6071', peerId: '12D3KooWme0001', peers: 3 },
    roles: {
      relay: { peerId: '12D3KooWrelay1', pinned: true, since: NOW },
      idp: { peerId: '12D3KooWidp002', pinned: true, since: NOW },
      kacls: { peerId: '12D3KooWme0001', pinned: false, since: NOW },
      warnings: []
    },
    whoami: { username: 'alice', loggedIn: true, fingerprint: 'ab12 cd34', expiresAt: NOW + 86_400_000 },
    users: [
      { username: 'alice', online: true, peers: ['12D3KooWme0001'], lastSeen: NOW },
      { username: 'bob', online: true, peers: ['p-b'], lastSeen: NOW },
      { username: 'barbara', online: false, peers: [], lastSeen: NOW - 60_000 },
      { username: 'carol', online: true, peers: ['p-c'], lastSeen: NOW }
    ],
    ...over
  }
}

let counter = 0
function message (over: Partial<ChatMessage> & { conversation: string }): ChatMessage {
  counter++
  const from = over.direction === 'out' ? 'alice' : over.conversation === LOBBY ? 'bob' : over.conversation
  return {
    id: `m${String(counter).padStart(4, '0')}`,
    from,
    to: over.direction === 'out' ? over.conversation : 'alice',
    text: `text ${counter}`,
    sentAt: NOW,
    hlc: `${String(NOW).padStart(13, '0')}.${String(counter).padStart(5, '0')}`,
    direction: 'in',
    ...over
  }
}

const apply = (state: TuiState, ...actions: Action[]): Run => runActions(state, actions, NOW, FMT)

const key = (name: string, extra: Partial<Key> = {}): Action => ({ type: 'key', key: { name, ...extra } })
const ctrl = (name: string): Action => key(name, { ctrl: true })
const typeText = (text: string): Action[] => [...text].map(ch => ({ type: 'key', key: charKey(ch) }))
const enter = key('enter', { ch: '\r' })
const tab = key('tab', { ch: '\t' })

/** A logged-in state with the first history page of the lobby in (empty). */
function loggedIn (snap: Snapshot = snapshot()): TuiState {
  const { state, effects } = initialState(SIZE, snap)
  expect(effects).toContainEqual({ type: 'history', conversation: LOBBY, limit: PAGE_SIZE })
  return apply(state, { type: 'history', conversation: LOBBY, limit: PAGE_SIZE, messages: [] }, { type: 'snapshot', snapshot: snap }).state
}

function frame (state: TuiState): Frame {
  return renderFrame(state, NOW, FMT)
}

function screenText (state: TuiState): string {
  const f = frame(state)
  return [f.list.header, ...f.list.rows.map(r => r.text), f.messages.header.text, ...f.messages.lines.map(l => l.text), f.notice.text, f.statusBar, f.input.text].join('\n')
}

function messagesText (state: TuiState): string {
  return frame(state).messages.lines.map(l => l.text).join('\n')
}

/** The messages pane as one line of words: for finding text however it wrapped. */
function messagesFlat (state: TuiState): string {
  return messagesText(state).replace(/\s+/g, ' ')
}

const rowTexts = (state: TuiState): string[] => frame(state).list.rows.map(r => r.text.replace(/\s+/g, ' ').trim())

const GROUP = 'c0ffee00'.repeat(4)
const OPS = '0dd5'.repeat(8)
const CREW = `group:${GROUP}`

function groupInfo (over: Partial<GroupInfo> = {}): GroupInfo {
  return {
    group: GROUP,
    name: 'crew',
    epoch: 1,
    members: ['alice', 'bob'],
    admins: ['alice'],
    member: true,
    leaving: false,
    pendingLeaves: [],
    author: 'alice',
    change: 'create',
    subject: '',
    time: NOW,
    hash: 'ab'.repeat(32),
    ...over
  }
}

function groupMessage (over: Partial<GroupMessage> = {}): GroupMessage {
  counter++
  const group = over.group ?? GROUP
  return {
    id: `g${String(counter).padStart(4, '0')}`,
    group,
    conversation: `group:${group}`,
    from: over.direction === 'out' ? 'alice' : 'bob',
    to: `group:${group}`,
    text: `group text ${counter}`,
    sentAt: NOW,
    hlc: `${String(NOW).padStart(13, '0')}.${String(counter).padStart(5, '0')}`,
    direction: 'in',
    ...over
  }
}

describe('TUI command parsing', () => {
  it.each([
    ['/dm bob', { name: 'dm', user: 'bob' }],
    ['/DM  Bob ', { name: 'dm', user: 'bob' }],
    ['/users', { name: 'users' }],
    ['/roles', { name: 'roles' }],
    ['/verify carol', { name: 'verify', user: 'carol' }],
    ['/trust carol', { name: 'trust', user: 'carol' }],
    ['/register', { name: 'register' }],
    ['/register dave', { name: 'register', username: 'dave' }],
    ['/login', { name: 'login' }],
    ['/help', { name: 'help' }],
    ['/help /dm', { name: 'help', topic: 'dm' }],
    ['/quit', { name: 'quit' }]
  ])('parses %j', (line, command) => {
    expect(parseCommand(line)).toEqual({ ok: true, value: command })
  })

  it.each([
    ['/', /a command follows the \//],
    ['/bogus', /unknown command \/bogus: \/help lists the commands/],
    ['/dm', /usage: \/dm <user>/],
    ['/dm bob carol', /usage: \/dm <user>/],
    ['/dm b', /'b' is not a username/],
    ['/dm #lobby', /'#lobby' is not a username/],
    ['/users everyone', /usage: \/users/],
    ['/verify', /usage: \/verify <user>/],
    ['/trust 9lives', /'9lives' is not a username/],
    ['/help nothing', /no command \/nothing/],
    ['/quit now', /usage: \/quit/]
  ])('refuses %j with a clear error', (line, error) => {
    const parsed = parseCommand(line)
    expect(parsed.ok).toBe(false)
    if (!parsed.ok) expect(parsed.error).toMatch(error)
  })

  it('never throws, whatever is typed', () => {
    fc.assert(fc.property(fc.string(), text => {
      const parsed = parseCommand('/' + text)
      expect(typeof parsed.ok).toBe('boolean')
      const r = update(loggedIn(), { type: 'key', key: { name: 'x' } }, NOW)
      const s = apply(r.state, ...typeText('/' + text), enter).state
      expect(s).toBeDefined()
    }), { numRuns: 50 })
  })

  it('shows a bad command on the status line and keeps the line for fixing', () => {
    const { state, effects } = apply(loggedIn(), ...typeText('/dm'), enter)
    expect(effects).toEqual([])
    expect(state.notice).toEqual({ text: 'usage: /dm <user>  (chat with <user>)', tone: 'error' })
    expect(state.input.text).toBe('/dm')
    expect(frame(state).notice.text.trim()).toBe('usage: /dm <user>  (chat with <user>)')
  })

  it('sends a line starting // as a message starting with /', () => {
    const { effects } = apply(loggedIn(), ...typeText('//shrug'), enter)
    expect(effects).toEqual([{ type: 'lobbySend', localId: expect.any(String), text: '/shrug' }])
  })

  it('maps commands onto node calls', () => {
    const s = loggedIn()
    expect(apply(s, ...typeText('/users'), enter).effects).toEqual([{ type: 'users' }])
    expect(apply(s, ...typeText('/roles'), enter).effects).toEqual([{ type: 'roles' }])
    expect(apply(s, ...typeText('/verify Bob'), enter).effects).toEqual([{ type: 'verify', user: 'bob' }])
    expect(apply(s, ...typeText('/trust bob'), enter).effects).toEqual([{ type: 'trust', user: 'bob' }])
    const quit = apply(s, ...typeText('/quit'), enter)
    expect(quit.effects).toEqual([{ type: 'quit' }])
    expect(apply(s, ctrl('c')).effects).toEqual([{ type: 'quit' }])
    const help = apply(s, ...typeText('/help'), enter).state
    expect(messagesText(help)).toContain('/dm <user>')
    expect(messagesText(help)).toContain('Ctrl-N / Ctrl-P')
  })

  it('asks to log in first when logged out, instead of calling the node', () => {
    const { state } = initialState(SIZE, snapshot({ whoami: { username: null, loggedIn: false }, users: null }))
    const out = apply(state, key('escape'), ...typeText('/dm bob'), enter)
    expect(out.effects).toEqual([])
    expect(out.state.notice?.text).toMatch(/log in first: \/login/)
    const text = apply(out.state, ctrl('u'), ...typeText('hello'), enter)
    expect(text.effects).toEqual([])
    expect(text.state.notice?.tone).toBe('error')
  })
})

describe('TUI completion', () => {
  const names = ['bob', 'barbara', 'carol']

  it('completes commands, user arguments and @names', () => {
    expect(completionAt('/d', 2, names)?.options).toEqual(['/dm', '/delete'])
    expect(completionAt('/dm b', 5, names)?.options).toEqual(['barbara', 'bob'])
    expect(completionAt('/verify ca', 10, names)?.options).toEqual(['carol'])
    expect(completionAt('hi @ca', 6, names)?.options).toEqual(['@carol'])
    expect(completionAt('/help d', 7, names)?.options).toEqual([])
    expect(completionAt('', 0, names)).toBeNull()
    expect(completionAt('hello ', 6, names)).toBeNull()
    expect(applyCompletion('/dm b and', { start: 4, end: 5 }, 'bob')).toEqual({ text: '/dm bob and', cursor: 7 })
  })

  it('shows under each role holder its replicas and how far behind each is, and the warning of a holder alone', () => {
    const roles = {
      relay: { peerId: '12D3KooWrelay1', pinned: true, since: NOW, replicas: [
        { role: 'relay' as const, peerId: '12D3KooWrepA01', behind: 0, synced: true, lagMs: 0 },
        { role: 'relay' as const, peerId: '12D3KooWrepB02', behind: 3, synced: true, lagMs: 40 },
        { role: 'relay' as const, peerId: '12D3KooWrepC03', behind: 0, synced: false, lagMs: 0 }
      ] },
      idp: { peerId: '12D3KooWidp002', pinned: true, since: NOW, replicas: [] },
      kacls: { peerId: '12D3KooWme0001', pinned: false, since: NOW, replicas: null },
      warnings: ['idp is held by KWidp002 with no other node eligible for idp live']
    }
    const text = messagesFlat(apply(loggedIn(), { type: 'roles', roles }).state)
    expect(text).toContain('replica oWrepA01: in step')
    expect(text).toContain('replica oWrepB02: 3 records behind (oldest sent 40 ms ago)')
    expect(text).toContain('replica oWrepC03: syncing')
    expect(text).toContain('replicas: none live (its writes are on it alone)')
    expect(text).toContain('replicas: not reported yet')
    expect(text).toContain('! idp is held by KWidp002 with no other node eligible for idp live')
  })

  it('completes on Tab in the input line, cycling through several', () => {
    let s = apply(loggedIn(), ...typeText('/d'), tab).state
    expect(s.input.text).toBe('/dm ')
    s = apply(s, ...typeText('b'), tab).state
    expect(s.input.text).toBe('/dm barbara ')
    expect(s.notice?.text).toContain('barbara  bob')
    s = apply(s, tab).state
    expect(s.input.text).toBe('/dm bob ')
    s = apply(s, tab).state
    expect(s.input.text).toBe('/dm barbara ')
    expect(s.focus).toBe('input')
  })

  it('does not offer oneself, and says when nothing matches', () => {
    const s = apply(loggedIn(), ...typeText('/dm al'), tab).state
    expect(s.input.text).toBe('/dm al')
    expect(s.notice?.text).toBe("nothing to complete for 'al'")
  })

  it('moves focus with Tab when there is nothing to complete, and back with Shift-Tab', () => {
    let s = loggedIn()
    expect(s.focus).toBe('input')
    s = apply(s, tab).state
    expect(s.focus).toBe('conversations')
    s = apply(s, tab).state
    expect(s.focus).toBe('messages')
    s = apply(s, key('tab', { shift: true })).state
    expect(s.focus).toBe('conversations')
    // Typing while the list has focus types into the input line.
    s = apply(s, ...typeText('hi')).state
    expect(s.focus).toBe('input')
    expect(s.input.text).toBe('hi')
  })
})

describe('TUI conversations', () => {
  function withChats (): TuiState {
    const list = [
      { conversation: LOBBY, lastMessageAt: NOW, lastText: 'x', lastFrom: 'bob', unread: 0 },
      { conversation: 'bob', lastMessageAt: NOW - 1000, lastText: 'y', lastFrom: 'bob', unread: 2 },
      { conversation: 'carol', lastMessageAt: NOW - 5000, lastText: 'z', lastFrom: 'carol', unread: 0 }
    ]
    return apply(loggedIn(), { type: 'conversations', list }).state
  }

  it('lists the lobby first, then chats by last activity, with unread counts', () => {
    const s = withChats()
    expect(s.conversations.map(c => [c.id, c.kind, c.unread])).toEqual([[LOBBY, 'lobby', 0], ['bob', 'direct', 2], ['carol', 'direct', 0]])
    expect(rowTexts(s)).toEqual(['#lobby', '*bob 2', '*carol'])
    expect(frame(s).list.rows[0]?.selected).toBe(true)
  })

  it('switches with Ctrl-N / Ctrl-P, loading history once and marking conversations read', () => {
    let r = apply(withChats(), ctrl('n'))
    expect(r.state.current).toBe('bob')
    expect(r.effects).toEqual([{ type: 'history', conversation: 'bob', limit: PAGE_SIZE }, { type: 'markRead', conversation: 'bob' }])
    expect(r.state.conversations.find(c => c.id === 'bob')?.unread).toBe(0)
    r = apply(r.state, { type: 'history', conversation: 'bob', limit: PAGE_SIZE, messages: [message({ conversation: 'bob', text: 'hey alice' })] })
    expect(messagesText(r.state)).toContain('14:02 bob: hey alice')
    r = apply(r.state, ctrl('n'))
    expect(r.state.current).toBe('carol')
    r = apply(r.state, ctrl('n'))
    expect(r.state.current).toBe(LOBBY)
    // The node keeps the lobby's unread count too (no read receipts go out for it).
    expect(r.effects).toEqual([{ type: 'markRead', conversation: LOBBY }])
    r = apply(r.state, ctrl('p'))
    expect(r.state.current).toBe('carol')
    r = apply(r.state, ctrl('p'))
    expect(r.state.current).toBe('bob')
    expect(r.effects).toEqual([{ type: 'markRead', conversation: 'bob' }])
  })

  it('opens a direct chat with /dm, refusing oneself', () => {
    // dave is no one this UI has met: the node is asked first.
    let r = apply(loggedIn(), ...typeText('/dm Dave'), enter)
    expect(r.effects).toEqual([{ type: 'checkUser', user: 'dave' }])
    expect(r.state.current).toBe(LOBBY)
    r = apply(r.state, { type: 'userChecked', user: 'dave', username: 'dave' })
    expect(r.state.current).toBe('dave')
    expect(r.state.input.text).toBe('')
    expect(r.effects).toEqual([{ type: 'history', conversation: 'dave', limit: PAGE_SIZE }, { type: 'markRead', conversation: 'dave' }])
    expect(r.state.conversations.map(c => c.id)).toContain('dave')
    r = apply(r.state, ...typeText('/dm alice'), enter)
    expect(r.state.notice?.text).toMatch(/that is you/)
    expect(r.state.current).toBe('dave')
  })

  it('counts unread messages in conversations not open, and marks the open one read at once', () => {
    let r = apply(loggedIn(), { type: 'message', message: message({ conversation: 'bob', text: 'one' }) }, { type: 'message', message: message({ conversation: 'bob', text: 'two' }) })
    expect(r.state.conversations.find(c => c.id === 'bob')?.unread).toBe(2)
    // The first rings the bell (not in sight), the second comes within the bell's interval.
    expect(r.effects).toEqual([{ type: 'bell' }])
    r = apply(r.state, ctrl('n'), { type: 'message', message: message({ conversation: LOBBY, text: 'hello all' }) })
    expect(r.state.current).toBe('bob')
    expect(rowTexts(r.state)).toEqual(['#lobby 1', '*bob'])
    r = apply(r.state, { type: 'message', message: message({ conversation: 'bob', text: 'three' }) })
    expect(r.effects).toEqual([{ type: 'markRead', conversation: 'bob' }])
    expect(r.state.conversations.find(c => c.id === 'bob')?.unread).toBe(0)
    r = apply(r.state, ctrl('p'))
    expect(r.state.conversations.find(c => c.id === LOBBY)?.unread).toBe(0)
  })

  it('takes the unread counts the node keeps, the lobby\'s too, but not for the open conversation', () => {
    const s = apply(loggedIn(), ...typeText('/dm bob'), enter, { type: 'message', message: message({ conversation: LOBBY }) }).state
    expect(s.conversations.find(c => c.id === LOBBY)?.unread).toBe(1)
    const r = apply(s, { type: 'conversations', list: [
      { conversation: LOBBY, lastMessageAt: NOW, lastText: '', lastFrom: 'bob', unread: 3 },
      { conversation: 'bob', lastMessageAt: NOW, lastText: '', lastFrom: 'bob', unread: 2 }
    ] })
    expect(r.state.conversations.find(c => c.id === LOBBY)?.unread).toBe(3)
    expect(r.state.conversations.find(c => c.id === 'bob')?.unread).toBe(0)
    const back = apply(r.state, ctrl('p'))
    expect(back.effects).toEqual([{ type: 'markRead', conversation: LOBBY }])
    expect(back.state.conversations.find(c => c.id === LOBBY)?.unread).toBe(0)
  })
})

describe('TUI sending and delivery states', () => {
  function inBob (): TuiState {
    const r = apply(loggedIn(), ...typeText('/dm bob'), enter)
    return apply(r.state, { type: 'history', conversation: 'bob', limit: PAGE_SIZE, messages: [] }).state
  }

  it('shows a sent message as pending at once, then follows message:status', () => {
    let r = apply(inBob(), ...typeText('hello bob'), enter)
    expect(r.effects).toEqual([{ type: 'send', localId: expect.stringMatching(/^local-/), to: 'bob', text: 'hello bob' }])
    expect(r.state.input.text).toBe('')
    expect(messagesText(r.state)).toContain('14:02 alice: hello bob (pending)')
    const localId = (r.effects[0] as { localId: string }).localId
    r = apply(r.state, { type: 'sent', localId, conversation: 'bob', id: 'real-1' })
    expect(messagesText(r.state)).toContain('hello bob (pending)')
    r = apply(r.state, { type: 'status', id: 'real-1', conversation: 'bob', status: 'sent' })
    expect(messagesText(r.state)).toContain('hello bob (sent)')
    r = apply(r.state, { type: 'status', id: 'real-1', conversation: 'bob', status: 'delivered' })
    expect(messagesText(r.state)).toContain('hello bob (delivered)')
    // A late 'sent' never takes it back.
    r = apply(r.state, { type: 'status', id: 'real-1', conversation: 'bob', status: 'sent' })
    expect(messagesText(r.state)).toContain('hello bob (delivered)')
    r = apply(r.state, { type: 'status', id: 'real-1', conversation: 'bob', status: 'read' })
    expect(messagesText(r.state)).toContain('hello bob (read)')
  })

  it('keeps a status that arrives before the send returned', () => {
    let r = apply(inBob(), ...typeText('quick'), enter)
    const localId = (r.effects[0] as { localId: string }).localId
    r = apply(r.state, { type: 'status', id: 'real-2', conversation: 'bob', status: 'delivered' }, { type: 'sent', localId, conversation: 'bob', id: 'real-2' })
    expect(messagesText(r.state)).toContain('quick (delivered)')
    expect(r.state.earlyStatus).toEqual({})
  })

  it('shows each message once when history brings the stored copy first', () => {
    let r = apply(inBob(), ...typeText('twice?'), enter)
    const localId = (r.effects[0] as { localId: string }).localId
    const stored = message({ conversation: 'bob', direction: 'out', text: 'twice?', id: 'real-3', status: 'sent' })
    r = apply(r.state, { type: 'history', conversation: 'bob', limit: PAGE_SIZE, messages: [stored] }, { type: 'sent', localId, conversation: 'bob', id: 'real-3' })
    expect(messagesText(r.state).match(/twice\?/g)).toHaveLength(1)
    expect(messagesText(r.state)).toContain('twice? (sent)')
  })

  it('posts to the lobby, pending until published', () => {
    let r = apply(loggedIn(), ...typeText('hi everyone'), enter)
    expect(r.effects).toEqual([{ type: 'lobbySend', localId: expect.any(String), text: 'hi everyone' }])
    expect(messagesText(r.state)).toContain('alice: hi everyone (pending)')
    r = apply(r.state, { type: 'posted', localId: (r.effects[0] as { localId: string }).localId, id: 'post-1' })
    expect(messagesText(r.state)).toMatch(/alice: hi everyone$/m)
  })

  it('shows a refused message as not sent, with the reason on the status line', () => {
    let r = apply(inBob(), ...typeText('x'), enter)
    r = apply(r.state, { type: 'sendFailed', localId: (r.effects[0] as { localId: string }).localId, conversation: 'bob', error: 'a message is 1 to 8000 characters' })
    expect(messagesFlat(r.state)).toContain('x (not sent: a message is 1 to 8000 characters)')
    expect(r.state.notice).toEqual({ text: 'not sent to bob: a message is 1 to 8000 characters', tone: 'error' })
  })

  it('recalls lines typed before with Up and Down', () => {
    let s = apply(inBob(), ...typeText('first'), enter, ...typeText('second'), enter, ...typeText('draft')).state
    s = apply(s, key('up')).state
    expect(s.input.text).toBe('second')
    s = apply(s, key('up')).state
    expect(s.input.text).toBe('first')
    s = apply(s, key('down'), key('down')).state
    expect(s.input.text).toBe('draft')
  })
})

describe('TUI key-change warnings', () => {
  it('marks a message from a changed key, the conversation and its header', () => {
    const m = message({ conversation: 'bob', text: 'trust me', keyChanged: true })
    let s = apply(loggedIn(), { type: 'message', message: m }).state
    expect(frame(s).list.rows.find(r => r.text.includes('bob'))?.text.startsWith('!')).toBe(true)
    s = apply(s, ctrl('n'), { type: 'history', conversation: 'bob', limit: PAGE_SIZE, messages: [m] }).state
    const f = frame(s)
    expect(f.messages.header.text).toContain('KEY CHANGED: /verify bob')
    expect(f.messages.header.tone).toBe('warn')
    const warning = f.messages.lines.find(l => l.text.includes("bob's identity key changed"))
    expect(warning?.tone).toBe('warn')
    expect(messagesFlat(s)).toContain('/trust bob to accept it')
  })

  it('shows held messages, and clears the warning once the key is trusted', () => {
    let r = apply(loggedIn(), ...typeText('/dm bob'), enter, { type: 'history', conversation: 'bob', limit: PAGE_SIZE, messages: [] }, ...typeText('are you you?'), enter)
    const localId = (r.effects.find(e => e.type === 'send') as { localId: string }).localId
    r = apply(r.state, { type: 'sent', localId, conversation: 'bob', id: 'h1' }, { type: 'blocked', id: 'h1', conversation: 'bob' })
    expect(messagesFlat(r.state)).toContain("are you you? (held: bob's key changed; /verify bob, then /trust bob)")
    expect(r.state.notice?.tone).toBe('warn')
    r = apply(r.state, { type: 'verified', result: { username: 'bob', safetyNumber: Array.from({ length: 12 }, () => '12345').join(' '), verified: false, keyChanged: true } })
    expect(messagesFlat(r.state)).toContain("bob's identity key CHANGED")
    expect(messagesText(r.state)).toContain('12345 12345 12345 12345 12345 12345')
    r = apply(r.state, { type: 'trusted', username: 'bob', verified: true }, { type: 'status', id: 'h1', conversation: 'bob', status: 'sent' })
    expect(messagesText(r.state)).toContain('are you you? (sent)')
    expect(frame(r.state).messages.header.text).not.toContain('KEY CHANGED')
  })
})

describe('TUI paging', () => {
  const page = (from: number, to: number): ChatMessage[] => Array.from({ length: to - from + 1 }, (_, i) => message({
    conversation: 'bob',
    id: `p${from + i}`,
    text: `message ${from + i}`,
    hlc: `${String(NOW).padStart(13, '0')}.${String(from + i).padStart(5, '0')}`
  }))

  it('scrolls with PgUp / PgDn and loads older history at the top', () => {
    let r = apply(loggedIn(), ...typeText('/dm bob'), enter, { type: 'history', conversation: 'bob', limit: PAGE_SIZE, messages: page(51, 100) })
    expect(messagesText(r.state)).toContain('message 100')
    r = apply(r.state, key('pageup'))
    expect(r.effects).toEqual([])
    expect(messagesText(r.state)).not.toContain('message 100')
    expect(frame(r.state).messages.header.text).toContain('PgDn for newer')
    // 50 messages are 2.5 pages at 80x24: the second PgUp reaches the top and asks for more.
    r = apply(r.state, key('pageup'))
    expect(r.effects).toEqual([{ type: 'history', conversation: 'bob', limit: PAGE_SIZE, before: page(51, 51)[0]?.hlc }])
    expect(messagesText(r.state)).toContain('loading older messages...')
    // A second PgUp while loading does not ask again.
    expect(apply(r.state, key('pageup')).effects).toEqual([])
    const shownBefore = messagesText(r.state)
    r = apply(r.state, { type: 'history', conversation: 'bob', limit: PAGE_SIZE, before: page(51, 51)[0]!.hlc, messages: page(21, 50) })
    // What was on screen stays on screen; the older page is above it.
    expect(messagesText(r.state).split('\n').slice(2)).toEqual(shownBefore.split('\n').slice(2))
    r = apply(r.state, key('pageup'), key('pageup'))
    expect(messagesText(r.state)).toContain('-- the beginning of this conversation --')
    expect(messagesText(r.state)).toContain('message 21')
    expect(r.effects).toEqual([])
    // PgDn back to the newest.
    for (let i = 0; i < 10; i++) r = apply(r.state, key('pagedown'))
    expect(r.state.scroll).toBe(0)
    expect(messagesText(r.state)).toContain('message 100')
  })

  it('asks for nothing older when the first page was not full', () => {
    const s = apply(loggedIn(), ...typeText('/dm bob'), enter, { type: 'history', conversation: 'bob', limit: PAGE_SIZE, messages: page(1, 3) }).state
    const r = apply(s, key('pageup'))
    expect(r.effects).toEqual([])
    expect(messagesText(r.state)).toContain('-- the beginning of this conversation --')
  })

  it('stays on the lines being read while new messages arrive', () => {
    let s = apply(loggedIn(), ...typeText('/dm bob'), enter, { type: 'history', conversation: 'bob', limit: PAGE_SIZE, messages: page(1, 40) }, key('pageup')).state
    const before = messagesText(s)
    s = apply(s, { type: 'message', message: message({ conversation: 'bob', text: 'new one' }) }).state
    expect(messagesText(s)).toBe(before)
  })
})

describe('TUI forms', () => {
  it('opens the register form on first run and logs in after registering', () => {
    const { state } = initialState(SIZE, snapshot({ whoami: { username: null, loggedIn: false }, users: null }))
    expect(state.form?.mode).toBe('register')
    let r = apply(state, ...typeText('Alice'), enter, ...typeText('secret-pass'), enter, ...typeText('secret-pass'))
    const f = frame(r.state).form!
    expect(f.lines.map(l => l.text).join('\n')).toContain('Password ***********')
    expect(f.lines.map(l => l.text).join('\n')).not.toContain('secret-pass')
    r = apply(r.state, enter)
    expect(r.effects).toEqual([{ type: 'register', username: 'alice', password: 'secret-pass' }])
    expect(r.state.form?.busy).toMatch(/Creating the account alice/)
    r = apply(r.state, { type: 'registered', username: 'alice', fingerprint: 'ab12' })
    expect(r.effects).toEqual([{ type: 'login', username: 'alice', password: 'secret-pass' }])
    r = apply(r.state, { type: 'loggedIn', whoami: { username: 'alice', loggedIn: true, fingerprint: 'ab12' } })
    expect(r.state.form).toBeNull()
    expect(r.state.me.loggedIn).toBe(true)
    expect(r.effects).toEqual([{ type: 'conversations' }, { type: 'groups' }, { type: 'files', show: false }, { type: 'history', conversation: LOBBY, limit: PAGE_SIZE }, { type: 'markRead', conversation: LOBBY }])
    expect(r.state.notice?.text).toMatch(/Logged in as alice/)
  })

  it('waits for the node\'s login event, not the status poll, before calling chat and groups', () => {
    const { state } = initialState(SIZE, snapshot({ whoami: { username: 'alice', loggedIn: false }, users: null }))
    let r = apply(state, ...typeText('pw-pw-pw-pw'), enter)
    expect(r.effects).toEqual([{ type: 'login', username: 'alice', password: 'pw-pw-pw-pw' }])
    // The account is unlocked (whoami says so) while the node is still starting chat and groups.
    r = apply(r.state, { type: 'snapshot', snapshot: snapshot() })
    expect(r.effects).toEqual([])
    expect(r.state.me.loggedIn).toBe(false)
    expect(r.state.form?.busy).toMatch(/Logging in as alice/)
    r = apply(r.state, { type: 'loggedIn', whoami: snapshot().whoami })
    expect(r.state.form).toBeNull()
    expect(r.effects).toEqual([{ type: 'conversations' }, { type: 'groups' }, { type: 'files', show: false }, { type: 'history', conversation: LOBBY, limit: PAGE_SIZE }, { type: 'markRead', conversation: LOBBY }])
  })

  it('goes straight to the login form of the account a restarted node holds', () => {
    const { state } = initialState(SIZE, snapshot({ whoami: { username: 'alice', loggedIn: false }, users: null }))
    expect(state.form).toMatchObject({ mode: 'login', username: 'alice', focus: 'password' })
    expect(frame(state).statusBar).toContain('alice: not logged in')
    const r = apply(state, ...typeText('pw-pw-pw-pw'), enter)
    expect(r.effects).toEqual([{ type: 'login', username: 'alice', password: 'pw-pw-pw-pw' }])
    const wrong = apply(r.state, { type: 'formFailed', step: 'login', error: 'wrong password', code: 'WRONG_PASSWORD' })
    expect(wrong.state.form).toMatchObject({ error: 'wrong password', password: '', busy: null })
  })

  it('checks the form before calling the node', () => {
    const { state } = initialState(SIZE, snapshot({ whoami: { username: null, loggedIn: false }, users: null }))
    let r = apply(state, enter, enter, enter)
    expect(r.effects).toEqual([])
    expect(r.state.form?.error).toBe('enter a username')
    r = apply(state, ...typeText('bob'), enter, ...typeText('one-password'), enter, ...typeText('another-one'), enter)
    expect(r.effects).toEqual([])
    expect(r.state.form).toMatchObject({ error: 'the two passwords differ: type them again', password: '', confirm: '', focus: 'password' })
    r = apply(state, ctrl('t'))
    expect(r.state.form?.mode).toBe('login')
    r = apply(state, key('escape'))
    expect(r.state.form).toBeNull()
    expect(r.state.notice?.text).toMatch(/Not logged in/)
  })

  it('leaves out the explanations on a short terminal, never the fields', () => {
    const { state } = initialState({ width: 40, height: 14 }, snapshot({ whoami: { username: null, loggedIn: false }, users: null }))
    const tall = frame(apply(state, { type: 'resize', width: 80, height: 24 }).state).form!
    const short = frame(state).form!
    expect(short.lines.length + 2).toBeLessThanOrEqual(14)
    expect(short.lines.length).toBeLessThan(tall.lines.length)
    for (const field of ['Username', 'Password', 'Again']) expect(short.lines.map(l => l.text).join('\n')).toContain(field)
  })

  it('asks for the password again when the session expires', () => {
    const r = apply(loggedIn(), { type: 'loginRequired', username: 'alice', reason: 'expired' })
    expect(r.state.form).toMatchObject({ mode: 'login', username: 'alice', reason: 'Your session expired: enter your password to go on.' })
    expect(r.state.me.loggedIn).toBe(false)
  })

  it('says why when the network no longer honours the login (given on the other side of a split)', () => {
    const r = apply(loggedIn(), { type: 'loginRequired', username: 'alice', reason: 'refused' })
    expect(r.state.form).toMatchObject({ mode: 'login', username: 'alice' })
    expect(r.state.form?.reason).toMatch(/no longer honours your login/)
  })
})

describe('TUI screen', () => {
  it('fits 80x24 and shows network, peers, role holders and the user', () => {
    const s = apply(loggedIn(), { type: 'message', message: message({ conversation: LOBBY, text: 'hello lobby' }) }).state
    const f = frame(s)
    expect(f.layout.height).toBe(24)
    expect(1 + f.messages.lines.length + 3).toBe(24)
    for (const line of screenText(s).split('\n')) expect(textWidth(line)).toBeLessThanOrEqual(80)
    expect(f.statusBar).toContain('alice: online')
    expect(f.statusBar).toContain('net 0a1b2c3d')
    expect(f.statusBar).toContain('3 peers')
    expect(f.statusBar).toContain('relay ..lay1 idp ..p002 kacls me')
    expect(messagesText(s)).toContain('14:02 bob: hello lobby')
  })

  it('reflows on resize', () => {
    const long = 'word '.repeat(40).trim()
    let s = apply(loggedIn(), { type: 'message', message: message({ conversation: LOBBY, text: long }) }).state
    const wide = frame(s).messages.lines.filter(l => l.text.includes('word')).length
    s = apply(s, { type: 'resize', width: 50, height: 15 }).state
    const f = frame(s)
    expect(f.layout.inputRow).toBe(14)
    expect(f.messages.lines).toHaveLength(15 - 4)
    expect(f.messages.lines.filter(l => l.text.includes('word')).length).toBeGreaterThan(wide)
    for (const line of screenText(s).split('\n')) expect(textWidth(line)).toBeLessThanOrEqual(50)
  })

  it('never lets message text drive the terminal', () => {
    const s = apply(loggedIn(), { type: 'message', message: message({ conversation: LOBBY, text: 'evil \u001b[2J\u0007 text' }) }).state
    expect(messagesText(s)).toContain('evil ?[2J? text')
    expect(sanitize('a\tb\u009bc')).toBe('a  b?c')
  })

  it('wraps by display width, with wide characters taking two cells', () => {
    expect(wrap('aaa bbb ccc', 7)).toEqual(['aaa bbb', 'ccc'])
    expect(wrap('aaaaaaaaaa', 4, 1)).toEqual(['aaaa', ' aaa', ' aaa'])
    expect(wrap('漢字漢字', 5).map(textWidth)).toEqual([4, 4])
  })

  it('turns errors into one line, never a stack trace', () => {
    const err = Object.assign(new Error('log in as alice first'), { code: 'LOGIN_REQUIRED' })
    expect(describeError(err)).toEqual({ message: 'log in as alice first (/login)', code: 'LOGIN_REQUIRED' })
    expect(describeError(new TypeError('boom')).message).toBe('boom')
    expect(describeError('plain')).toEqual({ message: 'plain' })
  })
})

describe('TUI group commands', () => {
  it.each([
    ['/group create crew', { name: 'group', sub: 'create', group: 'crew', members: [] }],
    ['/group create crew Bob carol bob', { name: 'group', sub: 'create', group: 'crew', members: ['bob', 'carol'] }],
    ['/group create "night shift" bob', { name: 'group', sub: 'create', group: 'night shift', members: ['bob'] }],
    ['/GROUP Open crew', { name: 'group', sub: 'open', group: 'crew' }],
    ['/group open "night shift"', { name: 'group', sub: 'open', group: 'night shift' }],
    ['/group invite Bob', { name: 'group', sub: 'invite', user: 'bob' }],
    ['/group kick carol', { name: 'group', sub: 'kick', user: 'carol' }],
    ['/group promote carol', { name: 'group', sub: 'promote', user: 'carol' }],
    ['/group members', { name: 'group', sub: 'members' }],
    ['/group leave', { name: 'group', sub: 'leave' }],
    ['/help group', { name: 'help', topic: 'group' }]
  ])('parses %j', (line, command) => {
    expect(parseCommand(line)).toEqual({ ok: true, value: command })
  })

  it.each([
    ['/group', /usage: \/group create\|open\|invite\|kick\|promote\|members\|leave/],
    ['/group dance', /no \/group dance: \/group create\|open/],
    ['/group create', /usage: \/group create <name> \[user \.\.\.\]/],
    ['/group create "crew bob', /a " is not closed/],
    ['/group create crew b', /'b' is not a username/],
    [`/group create ${'x'.repeat(65)}`, /a group name is 1 to 64 printable characters/],
    ['/group create "" bob', /a group name is 1 to 64/],
    ['/group open', /usage: \/group open <name>/],
    ['/group invite', /usage: \/group invite <user>/],
    ['/group invite bob carol', /usage: \/group invite <user>/],
    ['/group kick 9lives', /'9lives' is not a username/],
    ['/group members all', /usage: \/group members/],
    ['/group leave now', /usage: \/group leave/]
  ])('refuses %j with a clear error', (line, error) => {
    const parsed = parseCommand(line)
    expect(parsed.ok).toBe(false)
    if (!parsed.ok) expect(parsed.error).toMatch(error)
  })

  it('explains the group commands in /help group, and names them in /help', () => {
    const s = loggedIn()
    const help = messagesFlat(apply(s, ...typeText('/help group'), enter).state)
    for (const usage of ['/group create <name> [user ...]', '/group open <name>', '/group invite <user>', '/group kick <user>', '/group promote <user>', '/group members', '/group leave']) {
      expect(help).toContain(usage)
    }
    expect(messagesFlat(apply(s, ...typeText('/help'), enter).state)).toContain('/group <command> ... group chat: /help group')
  })

  it('maps /group create onto groupCreate, leaving oneself out of the members', () => {
    const s = loggedIn()
    expect(apply(s, ...typeText('/group create ops bob carol'), enter).effects).toEqual([{ type: 'groupCreate', name: 'ops', members: ['bob', 'carol'] }])
    const solo = apply(s, ...typeText('/group create solo alice'), enter)
    expect(solo.effects).toEqual([{ type: 'groupCreate', name: 'solo', members: [] }])
    expect(solo.state.notice?.text).toBe('creating the group solo...')
  })

  it('acts on the open group, and says so when none is open', () => {
    let s = loggedIn()
    for (const line of ['/group invite bob', '/group kick bob', '/group promote bob', '/group members', '/group leave']) {
      const r = apply(s, ...typeText(line), enter)
      expect(r.effects).toEqual([])
      expect(r.state.notice?.tone).toBe('error')
      expect(r.state.notice?.text).toMatch(/no group open: switch to one \(Ctrl-N, \/group open <name>\) or \/group create one/)
    }
    s = apply(s, { type: 'groups', list: [groupInfo()] }, ...typeText('/group open crew'), enter).state
    expect(apply(s, ...typeText('/group invite carol'), enter).effects).toEqual([{ type: 'groupChange', op: 'invite', group: GROUP, user: 'carol' }])
    expect(apply(s, ...typeText('/group kick bob'), enter).effects).toEqual([{ type: 'groupChange', op: 'kick', group: GROUP, user: 'bob' }])
    expect(apply(s, ...typeText('/group promote bob'), enter).effects).toEqual([{ type: 'groupChange', op: 'promote', group: GROUP, user: 'bob' }])
    expect(apply(s, ...typeText('/group members'), enter).effects).toEqual([{ type: 'groupMembers', group: GROUP }])
    expect(apply(s, ...typeText('/group leave'), enter).effects).toEqual([{ type: 'groupLeave', group: GROUP }])
    const me = apply(s, ...typeText('/group kick alice'), enter)
    expect(me.effects).toEqual([])
    expect(me.state.notice?.text).toBe('that is you: /group leave to leave the group')
  })

  it('opens a group by name, by the start of its id, and tells apart two of one name', () => {
    let s = apply(loggedIn(), { type: 'groups', list: [groupInfo(), groupInfo({ group: OPS, name: 'ops' })] }).state
    let r = apply(s, ...typeText('/group open OPS'), enter)
    expect(r.state.current).toBe(`group:${OPS}`)
    expect(r.effects).toEqual([{ type: 'history', conversation: `group:${OPS}`, limit: PAGE_SIZE }, { type: 'markRead', conversation: `group:${OPS}` }])
    r = apply(s, ...typeText('/group open nope'), enter)
    expect(r.state.notice).toEqual({ text: 'no group nope: Tab completes the names of yours', tone: 'error' })
    s = apply(s, { type: 'groups', list: [groupInfo({ group: OPS, name: 'crew' })] }).state
    expect(rowTexts(s)).toEqual(['#lobby', '&crew c0ff', '&crew 0dd5'])
    r = apply(s, ...typeText('/group open crew'), enter)
    expect(r.state.notice?.text).toBe('2 groups are called crew: /group open <the start of its id>: c0ffee00, 0dd50dd5')
    r = apply(s, ...typeText('/group open 0dd5'), enter)
    expect(r.state.current).toBe(`group:${OPS}`)
  })
})

describe('TUI group completion', () => {
  const names = { users: ['barbara', 'bob', 'carol', 'dave'], groups: ['crew', 'night shift'], members: ['bob', 'carol'], admins: ['alice', 'carol'] }
  const options = (text: string): string[] | undefined => completionAt(text, [...text].length, names)?.options

  it('completes subcommands, group names, and the users each subcommand takes', () => {
    expect(options('/group ')).toEqual(['create', 'open', 'invite', 'kick', 'promote', 'members', 'leave'])
    expect(options('/group p')).toEqual(['promote'])
    expect(options('/group open c')).toEqual(['crew'])
    expect(options('/group open n')).toEqual(['"night shift"'])
    expect(options('/group open "ni')).toEqual(['"night shift"'])
    expect(options('/group invite ')).toEqual(['barbara', 'dave'])
    expect(options('/group kick ')).toEqual(['bob', 'carol'])
    expect(options('/group promote ')).toEqual(['bob'])
    expect(options('/group create c')).toEqual([])
    expect(options('/group create crew b')).toEqual(['barbara', 'bob'])
    expect(options('/group create crew bob b')).toEqual(['barbara'])
    expect(options('/group members ')).toBeUndefined()
    expect(options('/dm ')).toEqual(['barbara', 'bob', 'carol', 'dave'])
  })

  it('completes on Tab in the input line: the subcommand, then the group to switch to', () => {
    let s = apply(loggedIn(), { type: 'groups', list: [groupInfo(), groupInfo({ group: OPS, name: 'ops', members: ['alice', 'dave'] })] }).state
    s = apply(s, ...typeText('/gr'), tab, ...typeText('op'), tab, ...typeText('cr'), tab).state
    expect(s.input.text).toBe('/group open crew ')
    const r = apply(s, enter)
    expect(r.state.current).toBe(CREW)
    // In the open group, /group kick offers its members, not oneself; user names come from every group too.
    s = apply(r.state, ...typeText('/group kick '), tab).state
    expect(s.input.text).toBe('/group kick bob ')
    s = apply(s, ctrl('u'), ...typeText('/dm da'), tab).state
    expect(s.input.text).toBe('/dm dave ')
  })
})

describe('TUI groups', () => {
  /** Logged in, knowing the group crew (alice, the admin, and bob), with the lobby open. */
  function withCrew (over: Partial<GroupInfo> = {}): TuiState {
    return apply(loggedIn(), { type: 'groups', list: [groupInfo(over)] }).state
  }

  function inCrew (over: Partial<GroupInfo> = {}, messages: GroupMessage[] = []): TuiState {
    return apply(withCrew(over), ...typeText('/group open crew'), enter, { type: 'history', conversation: CREW, limit: PAGE_SIZE, messages }).state
  }

  it('lists groups by name between the lobby and the direct chats, with the node\'s unread counts', () => {
    const s = apply(withCrew(), { type: 'conversations', list: [
      { conversation: 'bob', lastMessageAt: NOW, lastText: 'y', lastFrom: 'bob', unread: 1 },
      { conversation: CREW, lastMessageAt: NOW - 1000, lastText: 'z', lastFrom: 'bob', unread: 2 }
    ] }).state
    expect(s.conversations.map(c => [c.id, c.kind, c.title, c.unread])).toEqual([[LOBBY, 'lobby', LOBBY, 0], [CREW, 'group', 'crew', 2], ['bob', 'direct', 'bob', 1]])
    expect(rowTexts(s)).toEqual(['#lobby', '&crew 2', '*bob 1'])
  })

  it('opens a group like any conversation: Ctrl-N, its history from the node, marked read', () => {
    let r = apply(withCrew(), ctrl('n'))
    expect(r.state.current).toBe(CREW)
    expect(r.effects).toEqual([{ type: 'history', conversation: CREW, limit: PAGE_SIZE }, { type: 'markRead', conversation: CREW }])
    r = apply(r.state, { type: 'history', conversation: CREW, limit: PAGE_SIZE, messages: [
      groupMessage({ text: 'hi crew' }),
      groupMessage({ direction: 'out', text: 'made it', status: 'sent' }),
      groupMessage({ direction: 'out', text: 'still going', status: 'pending' }),
      groupMessage({ direction: 'out', text: 'lost one', status: 'failed' })
    ] })
    const text = messagesText(r.state)
    expect(text).toContain('14:02 bob: hi crew')
    expect(text).toContain('14:02 alice: made it (sent)')
    expect(text).toContain('14:02 alice: still going (pending)')
    expect(text).toContain('14:02 alice: lost one (failed)')
    expect(frame(r.state).messages.lines.find(l => l.text.includes('lost one'))?.tone).toBe('error')
    expect(frame(r.state).messages.header.text).toContain('&crew: 2 members, epoch 1 | you: admin')
  })

  it('sends to the open group: pending, then sent on group:status; a dropped one shows as failed', () => {
    let r = apply(inCrew(), ...typeText('hello crew'), enter)
    expect(r.effects).toEqual([{ type: 'groupSend', localId: expect.stringMatching(/^local-/), group: GROUP, text: 'hello crew' }])
    expect(messagesText(r.state)).toContain('14:02 alice: hello crew (pending)')
    const localId = (r.effects[0] as { localId: string }).localId
    r = apply(r.state, { type: 'sent', localId, conversation: CREW, id: 'g-real', hlc: `${NOW}.00100` })
    expect(messagesText(r.state)).toContain('hello crew (pending)')
    r = apply(r.state, { type: 'groupStatus', id: 'g-real', group: GROUP, status: 'sent' })
    expect(messagesText(r.state)).toContain('hello crew (sent)')
    r = apply(r.state, ...typeText('too late'), enter)
    const second = (r.effects[0] as { localId: string }).localId
    r = apply(r.state, { type: 'sent', localId: second, conversation: CREW, id: 'g-late', hlc: `${NOW}.00101` }, { type: 'groupStatus', id: 'g-late', group: GROUP, status: 'failed', code: 'REMOVED' })
    expect(messagesFlat(r.state)).toContain('too late (failed: you were removed from the group)')
    // A refused send (the node threw) says why.
    r = apply(r.state, ...typeText('x'), enter)
    r = apply(r.state, { type: 'sendFailed', localId: (r.effects[0] as { localId: string }).localId, conversation: CREW, error: 'you left crew' })
    expect(r.state.notice).toEqual({ text: 'not sent to crew: you left crew', tone: 'error' })
  })

  it('keeps a group:status that comes before groupSend returned', () => {
    let r = apply(inCrew(), ...typeText('quick'), enter)
    const localId = (r.effects[0] as { localId: string }).localId
    r = apply(r.state, { type: 'groupStatus', id: 'g-q', group: GROUP, status: 'sent' }, { type: 'sent', localId, conversation: CREW, id: 'g-q', hlc: `${NOW}.00102` })
    expect(messagesText(r.state)).toContain('quick (sent)')
  })

  it('counts unread group messages while the group is not open, and marks the open group read', () => {
    let r = apply(withCrew(), { type: 'message', message: groupMessage({ text: 'one' }) }, { type: 'message', message: groupMessage({ text: 'two' }) })
    expect(r.effects).toEqual([{ type: 'bell' }])
    expect(rowTexts(r.state)).toEqual(['#lobby', '&crew 2'])
    r = apply(r.state, ctrl('n'))
    expect(r.effects).toContainEqual({ type: 'markRead', conversation: CREW })
    expect(rowTexts(r.state)).toEqual(['#lobby', '&crew'])
    r = apply(r.state, { type: 'message', message: groupMessage({ text: 'three' }) })
    expect(r.effects).toEqual([{ type: 'markRead', conversation: CREW }])
    expect(messagesText(r.state)).toContain('bob: three')
  })

  it('asks for the groups when a message comes for one not known yet', () => {
    const r = apply(loggedIn(), { type: 'message', message: groupMessage({ group: OPS }) })
    expect(r.effects).toEqual([{ type: 'groups' }, { type: 'bell' }])
    expect(rowTexts(r.state)).toEqual(['#lobby', '&group 0dd50dd5 1'])
    const named = apply(r.state, { type: 'groups', list: [groupInfo({ group: OPS, name: 'ops' })] })
    expect(rowTexts(named.state)).toEqual(['#lobby', '&ops 1'])
  })

  it('pages back through a group with groupHistory before the oldest hlc', () => {
    const page = Array.from({ length: PAGE_SIZE }, (_, i) => groupMessage({ text: `message ${i}` }))
    let r = apply(inCrew({}, page), key('pageup'))
    r = apply(r.state, key('pageup'))
    expect(r.effects).toEqual([{ type: 'history', conversation: CREW, limit: PAGE_SIZE, before: page[0]?.hlc }])
  })

  it('shows a group an invitee was added to, and who added them', () => {
    const info = groupInfo({ group: OPS, name: 'ops', epoch: 2, change: 'invite', author: 'bob', subject: 'alice', members: ['alice', 'bob', 'carol'], admins: ['bob'] })
    let s = apply(loggedIn(), { type: 'groupChanged', info }).state
    expect(rowTexts(s)).toEqual(['#lobby', '&ops'])
    expect(s.notice).toEqual({ text: 'bob added you to the group ops: /group open ops', tone: 'info' })
    s = apply(s, ...typeText('/group open ops'), enter).state
    expect(messagesText(s)).toContain('bob added you (epoch 2)')
    expect(frame(s).messages.header.text).toContain('&ops: 3 members, epoch 2')
    expect(frame(s).messages.header.text).not.toContain('admin')
  })

  it('reflects member and epoch changes in the header and as lines in the group', () => {
    let s = inCrew()
    s = apply(s, { type: 'groupChanged', info: groupInfo({ epoch: 2, change: 'invite', subject: 'carol', members: ['alice', 'bob', 'carol'] }) }).state
    expect(frame(s).messages.header.text).toContain('&crew: 3 members, epoch 2 | you: admin')
    expect(messagesText(s)).toContain('You added carol (epoch 2)')
    s = apply(s, { type: 'groupChanged', info: groupInfo({ epoch: 3, change: 'promote', author: 'alice', subject: 'bob', members: ['alice', 'bob', 'carol'], admins: ['alice', 'bob'] }) }).state
    expect(messagesText(s)).toContain('You made bob an admin (epoch 3)')
    s = apply(s, { type: 'groupChanged', info: groupInfo({ epoch: 3, change: 'promote', subject: 'bob', members: ['alice', 'bob', 'carol'], admins: ['alice', 'bob'], pendingLeaves: ['carol'] }) }).state
    expect(messagesText(s)).toContain('carol asked to leave')
    expect(frame(s).messages.header.text).toContain('leaving: carol')
    s = apply(s, { type: 'groupChanged', info: groupInfo({ epoch: 4, change: 'leave', author: 'bob', subject: 'carol', members: ['alice', 'bob'], admins: ['alice', 'bob'] }) }).state
    expect(messagesText(s)).toContain('carol left (epoch 4)')
    // An older state told late changes nothing.
    const late = apply(s, { type: 'groupChanged', info: groupInfo({ epoch: 2, members: ['alice', 'bob', 'carol'] }) }).state
    expect(late.groups[GROUP]?.epoch).toBe(4)
    expect(messagesText(late)).toBe(messagesText(s))
  })

  it('marks a group left when this user is removed, and sends nothing to it', () => {
    let s = inCrew({ admins: ['bob'], author: 'bob' })
    s = apply(s, { type: 'groupChanged', info: groupInfo({ epoch: 2, change: 'kick', author: 'bob', subject: 'alice', members: ['bob'], admins: ['bob'], member: false }) }).state
    expect(s.notice).toEqual({ text: 'bob removed you from the group crew', tone: 'warn' })
    expect(rowTexts(s)).toEqual(['#lobby', '&crew (left)'])
    expect(frame(s).list.rows[1]?.tone).toBe('dim')
    expect(frame(s).messages.header.text).toContain('&crew: bob removed you (epoch 2) | read only')
    expect(messagesText(s)).toContain('bob removed you (epoch 2)')
    const r = apply(s, ...typeText('anyone there?'), enter)
    expect(r.effects).toEqual([])
    expect(r.state.notice).toEqual({ text: 'you are not a member of crew any more: nothing can be sent to it', tone: 'error' })
    expect(r.state.input.text).toBe('anyone there?')
  })

  it('shows what a fork of the chain did as a line in the group, even when it goes back to an earlier epoch', () => {
    let s = inCrew({ epoch: 3, change: 'invite', subject: 'carol', members: ['alice', 'bob', 'carol'] })
    const moved = 'crew forked during a network split and the other side\'s changes won: it goes on from epoch 2 with bob made carol an admin; undone: alice added carol.'
    s = apply(s, { type: 'groupChanged', info: groupInfo({ epoch: 3, change: 'promote', author: 'bob', subject: 'carol', members: ['alice', 'bob', 'carol'], admins: ['alice', 'bob', 'carol'], hash: 'cd'.repeat(32) }),
      fork: { kind: 'moved', ancestor: 2, undone: [{ epoch: 3, author: 'alice', change: 'invite', subject: 'carol' }], applied: [{ epoch: 3, author: 'bob', change: 'promote', subject: 'carol' }], resent: 0, unsent: 0, notice: moved } }).state
    expect(messagesFlat(s)).toContain(moved)
    expect(s.groups[GROUP]?.hash).toBe('cd'.repeat(32))
    expect(s.notice).toEqual({ text: 'crew forked during a network split and the other side\'s changes won: see the group', tone: 'warn' })
    // The chain that won removed this user at an earlier epoch than its branch had reached: that is where the group is now.
    s = apply(s, { type: 'groupChanged', info: groupInfo({ epoch: 4, members: ['alice', 'bob', 'carol'] }) }).state
    const out = 'crew forked during a network split and the other side\'s changes won: it goes on from epoch 2 with bob removed alice; undone: nothing. You are not a member any more.'
    s = apply(s, { type: 'groupChanged', info: groupInfo({ epoch: 3, change: 'kick', author: 'bob', subject: 'alice', members: ['bob', 'carol'], admins: ['bob'], member: false }),
      fork: { kind: 'moved', ancestor: 2, undone: [], applied: [{ epoch: 3, author: 'bob', change: 'kick', subject: 'alice' }], resent: 0, unsent: 0, notice: out } }).state
    expect(s.groups[GROUP]).toMatchObject({ epoch: 3, member: false })
    expect(rowTexts(s)).toEqual(['#lobby', '&crew (left)'])
    expect(messagesFlat(s)).toContain(out)
    expect(s.notice).toEqual({ text: 'you are not a member of crew any more: the other side of a network split won (see the group)', tone: 'warn' })
    // Without a fork, an earlier epoch told late still changes nothing.
    const late = apply(s, { type: 'groupChanged', info: groupInfo({ epoch: 2 }) }).state
    expect(late.groups[GROUP]).toMatchObject({ epoch: 3, member: false })
  })

  it('shows that the relay no longer lists this user in a group, and keeps the group as it was', () => {
    let s = inCrew({ epoch: 3 })
    const before = s.groups[GROUP]
    const unlisted = 'The relay no longer lists you in crew and shows no signed state removing you: most likely you were added on one side of a network split whose changes were undone.'
    s = apply(s, { type: 'groupChanged', info: groupInfo({ epoch: 3 }), fork: { kind: 'unlisted', notice: unlisted } }).state
    expect(messagesFlat(s)).toContain(unlisted)
    expect(s.notice).toEqual({ text: 'the relay no longer lists you in crew: see the group', tone: 'warn' })
    expect(s.groups[GROUP]).toEqual(before)
  })

  it('leaves: the group is marked left at once, after the groups still in', () => {
    let r = apply(inCrew(), ...typeText('/group leave'), enter)
    expect(r.effects).toEqual([{ type: 'groupLeave', group: GROUP }])
    r = apply(r.state, { type: 'groupChanged', info: groupInfo({ group: OPS, name: 'ops' }) })
    expect(rowTexts(r.state)).toEqual(['#lobby', '&crew', '&ops'])
    r = apply(r.state, { type: 'groupLeft', group: GROUP, epoch: 1 })
    expect(rowTexts(r.state)).toEqual(['#lobby', '&ops', '&crew (left)'])
    expect(r.state.notice?.text).toMatch(/^You left crew: it stays in the list, marked left/)
    expect(messagesText(r.state)).toContain('You left crew: nothing sent to it from now on reaches you.')
    expect(frame(r.state).messages.header.text).toContain('&crew: you left')
    // Its group:changed (leaving) changes nothing more.
    const again = apply(r.state, { type: 'groupChanged', info: groupInfo({ leaving: true }) })
    expect(messagesText(again.state)).toBe(messagesText(r.state))
  })

  it('opens a group just created, and shows members, results and refusals in one line each', () => {
    let r = apply(loggedIn(), ...typeText('/group create crew bob'), enter)
    // The node's group:changed comes before its reply.
    r = apply(r.state, { type: 'groupChanged', info: groupInfo() }, { type: 'groupDone', op: 'create', info: groupInfo() })
    expect(r.state.current).toBe(CREW)
    expect(r.effects).toEqual([{ type: 'history', conversation: CREW, limit: PAGE_SIZE }, { type: 'markRead', conversation: CREW }])
    expect(r.state.notice?.text).toBe('Group crew created with bob: what you type here goes to its members. /group invite adds more.')
    r = apply(r.state, { type: 'history', conversation: CREW, limit: PAGE_SIZE, messages: [] })
    expect(messagesText(r.state)).toContain('You created crew with bob (epoch 1)')
    expect(messagesText(r.state)).toContain('No messages in crew yet')
    r = apply(r.state, { type: 'groupDone', op: 'members', info: groupInfo({ pendingLeaves: ['bob'] }) })
    expect(messagesFlat(r.state)).toContain('crew: 2 members, epoch 1, state abababab: alice (admin) (you), bob')
    expect(messagesFlat(r.state)).toContain('asked to leave: bob')
    const invited = groupInfo({ epoch: 2, change: 'invite', subject: 'carol', members: ['alice', 'bob', 'carol'] })
    expect(apply(r.state, { type: 'groupDone', op: 'invite', info: invited, user: 'carol' }).state.notice?.text).toBe('carol is now a member of crew (epoch 2)')
    const fail = (over: Partial<Extract<Action, { type: 'groupFailed' }>>): string | undefined =>
      apply(r.state, { type: 'groupFailed', op: 'invite', group: GROUP, user: 'carol', error: 'x', ...over }).state.notice?.text
    expect(fail({ error: 'only an admin of crew may do that', code: 'NOT_ADMIN' })).toBe('carol not added: only an admin of crew may do that (see /group members)')
    expect(fail({ op: 'create', group: undefined, user: undefined, name: 'ops', error: 'no user is registered as zed', code: 'UNKNOWN_USER' })).toBe('group ops not created: no user is registered as zed')
    expect(fail({ error: "carol's identity key changed: verify and trust it before adding them", code: 'KEY_CHANGED' }))
      .toBe("carol not added: carol's identity key changed (/verify carol, then /trust carol if the numbers match)")
    expect(fail({ op: 'kick', error: 'the relay is not reachable', code: 'UNAVAILABLE' })).toBe('carol not removed: the relay is not reachable (nothing changed: try again later)')
    expect(fail({ op: 'promote', error: 'bob is already an admin of crew', code: 'ALREADY_ADMIN' })).toBe('carol not made an admin: bob is already an admin of crew')
    expect(fail({ op: 'leave', user: undefined, error: 'log in first (/login)', code: 'LOGIN_REQUIRED' })).toBe('crew not left: log in first (/login)')
  })

  it('completes group member names from every group for @mentions and /dm', () => {
    const s = withCrew({ members: ['alice', 'bob', 'zoe'] })
    expect(apply(s, ...typeText('hi @zo'), tab).state.input.text).toBe('hi @zoe ')
  })
})

describe('TUI controller with a node', () => {
  /** Just enough of a node: the calls the TUI makes, and its events. */
  class FakeNode extends TypedEventEmitter<NodeEvents> {
    sent: Array<{ to: string, text: string }> = []
    groupSent: Array<{ group: string, text: string }> = []
    read: string[] = []
    histories: string[] = []
    status () { return { peerId: '12D3KooWme0001', addrs: [], peers: ['a', 'b'], dialing: [], dataDir: '/x', networkId: '0a1b2c3d4e5f6071', roles: { pinned: [], eligible: [], serving: [] } } }
    roleHolders () { return snapshot().roles }
    whoami () { return { username: 'alice', loggedIn: true } }
    users () { return snapshot().users ?? [] }
    async register (): Promise<never> { throw new Error('not used') }
    async login (): Promise<never> { throw new Error('not used') }
    async send (to: string, text: string) { this.sent.push({ to, text }); return { id: 'id-1', conversation: to, status: 'pending' as const, hlc: `${NOW}.00001` } }
    async history (c: string) { this.histories.push(c); return c.startsWith('group:') ? [groupMessage({ text: 'from history' })] : [] }
    async conversations () { return [] }
    async markRead (c: string) { this.read.push(c); return { read: 0 } }
    async lobbySend () { return { id: 'l1', conversation: LOBBY, status: 'sent' as const, hlc: `${NOW}.00002` } }
    async verify (): Promise<never> { throw Object.assign(new Error('no such user'), { code: 'UNKNOWN_USER' }) }
    async trust (): Promise<never> { throw new Error('not used') }
    async groups () { return [groupInfo()] }
    async groupSend (group: string, text: string) {
      this.groupSent.push({ group, text })
      return { id: 'g-1', group, conversation: `group:${group}`, hlc: `${NOW}.00009`, status: 'pending' as const }
    }
    async groupInvite (): Promise<never> { throw Object.assign(new Error('only an admin of crew may do that'), { code: 'NOT_ADMIN' }) }
    async groupKick (): Promise<never> { throw new Error('not used') }
    async groupPromote (): Promise<never> { throw new Error('not used') }
    async groupCreate (): Promise<never> { throw new Error('not used') }
    async groupLeave (): Promise<never> { throw new Error('not used') }
    async groupMembers () { return groupInfo() }
  }

  /** Node calls answered and the frame drawn. */
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 3; i++) await new Promise(resolve => setImmediate(resolve))
  }

  function start (node: FakeNode): { c: TuiController, frames: Frame[] } {
    const frames: Frame[] = []
    const c = new TuiController(node as unknown as TuiNode, { size: SIZE, render: f => frames.push(f), onQuit: () => {}, format: FMT, now: () => NOW })
    c.start()
    return { c, frames }
  }

  it('sends through the node and follows its status events, without waiting on the network', async () => {
    const node = new FakeNode()
    const { c, frames } = start(node)
    await settle()
    // Logged in at startup: the lobby is opened and marked read at the node.
    expect(node.read).toEqual([LOBBY])
    for (const a of [...typeText('/dm bob'), enter]) c.dispatch(a)
    await settle()
    expect(node.read).toEqual([LOBBY, 'bob'])
    for (const a of [...typeText('hi bob'), enter]) c.dispatch(a)
    await settle()
    expect(node.sent).toEqual([{ to: 'bob', text: 'hi bob' }])
    node.dispatchEvent(new CustomEvent('message:status', { detail: { id: 'id-1', conversation: 'bob', status: 'delivered' } }))
    await settle()
    expect(frames.at(-1)?.messages.lines.map(l => l.text).join('\n')).toContain('14:02 alice: hi bob (delivered)')
    for (const a of [...typeText('/verify zed'), enter]) c.dispatch(a)
    await settle()
    expect(frames.at(-1)?.notice.text.trim()).toBe('verify: no such user')
    node.dispatchEvent(new CustomEvent('message', { detail: message({ conversation: 'bob', text: 'back at you' }) }))
    await settle()
    expect(node.read).toEqual([LOBBY, 'bob', 'bob'])
    c.stop()
  })

  it('drives groups: lists them at login, pages through the one history, sends with groupSend, follows group events', async () => {
    const node = new FakeNode()
    const { c, frames } = start(node)
    await settle()
    const conv = `group:${GROUP}`
    const last = (): string => { const f = frames.at(-1)!; return [...f.list.rows.map(r => r.text), f.messages.header.text, ...f.messages.lines.map(l => l.text), f.notice.text].join('\n') }
    expect(last()).toContain('&crew')
    for (const a of [...typeText('/group open crew'), enter]) c.dispatch(a)
    await settle()
    expect(node.histories).toEqual([LOBBY, conv])
    expect(node.read).toEqual([LOBBY, conv])
    expect(last()).toContain('bob: from history')
    for (const a of [...typeText('hello crew'), enter]) c.dispatch(a)
    await settle()
    expect(node.groupSent).toEqual([{ group: GROUP, text: 'hello crew' }])
    expect(last()).toContain('alice: hello crew (pending)')
    node.dispatchEvent(new CustomEvent('group:status', { detail: { id: 'g-1', group: GROUP, status: 'sent' } }))
    await settle()
    expect(last()).toContain('alice: hello crew (sent)')
    node.dispatchEvent(new CustomEvent('group:message', { detail: { ...groupMessage({ text: 'live one' }), epoch: 1 } }))
    await settle()
    expect(last()).toContain('bob: live one')
    expect(node.read).toEqual([LOBBY, conv, conv])
    node.dispatchEvent(new CustomEvent('group:changed', { detail: groupInfo({ epoch: 2, change: 'invite', author: 'alice', subject: 'carol', members: ['alice', 'bob', 'carol'] }) }))
    await settle()
    expect(last()).toContain('&crew: 3 members, epoch 2')
    node.dispatchEvent(new CustomEvent('group:changed', { detail: { ...groupInfo({ epoch: 2, change: 'invite', author: 'alice', subject: 'carol', members: ['alice', 'bob', 'carol'] }), fork: { kind: 'unlisted', notice: 'the relay lists you no more' } } }))
    await settle()
    expect(last()).toContain('the relay lists you no more')
    expect(last()).toContain('the relay no longer lists you in crew: see the group')
    for (const a of [...typeText('/group invite dave'), enter]) c.dispatch(a)
    await settle()
    expect(frames.at(-1)?.notice.text.trim()).toBe('dave not added: only an admin of crew may do that (see /group members)')
    c.stop()
  })
})

describe('TUI forms and the input line keep no stale text (issue 18, item 5)', () => {
  const firstRun = (): TuiState => initialState(SIZE, snapshot({ whoami: { username: null, loggedIn: false }, users: null })).state

  it('opens the log-in form with Ctrl-T without the name typed in the register form', () => {
    const r = apply(firstRun(), ...typeText('carol'), ctrl('t'))
    expect(r.state.form).toMatchObject({ mode: 'login', username: '', password: '' })
    const text = frame(r.state).form!.lines.map(l => l.text).join('\n')
    expect(text).not.toContain('carol')
    expect(text).toContain('Enter your username and password.')
  })

  it('names only the account this node holds in the log-in form', () => {
    const { state } = initialState(SIZE, snapshot({ whoami: { username: 'alice', loggedIn: false }, users: null }))
    expect(frame(state).form!.lines.map(l => l.text).join(' ')).toContain('the account alice on this node')
    const r = apply(state, ctrl('t'), ...typeText('bob'), ctrl('t'))
    expect(r.state.form).toMatchObject({ mode: 'login', username: 'alice' })
  })

  it('empties the password fields after any error from the node, and goes back to the username when it was the problem', () => {
    const { state } = initialState(SIZE, snapshot({ whoami: { username: 'alice', loggedIn: false }, users: null }))
    let r = apply(state, ...typeText('old-password'), enter)
    expect(r.effects).toEqual([{ type: 'login', username: 'alice', password: 'old-password' }])
    r = apply(r.state, { type: 'formFailed', step: 'login', error: 'no idp reachable', code: 'UNAVAILABLE' })
    expect(r.state.form).toMatchObject({ password: '', focus: 'password', error: 'no idp reachable' })
    let reg = apply(firstRun(), ...typeText('carol'), enter, ...typeText('pass-word-1'), enter, ...typeText('pass-word-1'), enter)
    reg = apply(reg.state, { type: 'formFailed', step: 'register', error: 'the username carol is taken', code: 'USERNAME_TAKEN' })
    expect(reg.state.form).toMatchObject({ username: 'carol', password: '', confirm: '', focus: 'username' })
    expect(frame(reg.state).form!.lines.map(l => l.text).join('\n')).not.toContain('*')
  })

  it('keeps a refused line selected: typing replaces it, a move keeps it to fix, Up brings it back', () => {
    let r = apply(loggedIn(), ...typeText('/frobnicate'), enter)
    expect(r.state.notice?.tone).toBe('error')
    expect(r.state.input).toMatchObject({ text: '/frobnicate', selected: true })
    expect(frame(r.state).input.selection).toEqual({ from: 2, to: 13 })
    const replaced = apply(r.state, ...typeText('/users'))
    expect(replaced.state.input.text).toBe('/users')
    const fixed = apply(r.state, key('left'), key('backspace'))
    expect(fixed.state.input.text).toBe('/frobnicae')
    const cleared = apply(r.state, key('backspace'))
    expect(cleared.state.input.text).toBe('')
    const back = apply(replaced.state, ctrl('u'), key('up'))
    expect(back.state.input.text).toBe('/frobnicate')
    // Logged out, a message is refused the same way.
    const out = apply(initialState(SIZE, snapshot({ whoami: { username: null, loggedIn: false }, users: null })).state, key('escape'), ...typeText('hello'), enter, ...typeText('/login'))
    expect(out.state.input.text).toBe('/login')
  })
})

describe('TUI lines fit the width (issue 18, item 6)', () => {
  it('shortens the status line at a word, with an ellipsis, never mid-word', () => {
    const text = 'bob not added: the relay could not be reached before the deadline passed, so nothing changed in the group crew; try again later'
    const s = apply(loggedIn(), { type: 'groupFailed', op: 'invite', user: 'bob', error: text }).state
    const shown = frame(s).notice.text.trimEnd()
    expect(textWidth(frame(s).notice.text)).toBe(80)
    expect(shown.endsWith('\u2026')).toBe(true)
    const kept = shown.slice(1, -1)
    expect(`bob not added: ${text}`.startsWith(kept)).toBe(true)
    // The cut falls between words.
    expect(`bob not added: ${text}`[kept.length]).toMatch(/[ ,;]/)
  })

  it('drops whole parts of the status bar and of the key reminder when the terminal is narrow', () => {
    const s = apply(loggedIn(), key('escape'), { type: 'resize', width: 50, height: 20 }).state
    const f = frame(s)
    expect(f.statusBar.trimEnd()).toBe(' alice: online | net 0a1b2c3d | 3 peers | \u2026')
    expect(f.notice.text.trimEnd()).toBe(' Tab: next pane | Ctrl-N/P: chats | \u2026')
  })

  it('keeps the form\'s key line on one line', () => {
    const { state } = initialState({ width: 48, height: 24 }, snapshot({ whoami: { username: null, loggedIn: false }, users: null }))
    const lines = frame(state).form!.lines.map(l => l.text)
    const last = lines.at(-1) ?? ''
    expect(last).toMatch(/^Enter: next \/ create \| .*\u2026$/)
    expect(lines.some(l => l.startsWith('Esc') || l.startsWith('Ctrl-C'))).toBe(false)
  })
})

describe('TUI signals new messages (issue 18, item 8)', () => {
  const incoming = (conversation: string, text: string): Action => ({ type: 'message', message: message({ conversation, text }) })

  it('rings the bell for a message in another conversation, not for one in the open conversation', () => {
    const s = loggedIn()
    expect(apply(s, incoming('bob', 'psst')).effects).toContainEqual({ type: 'bell' })
    expect(apply(s, incoming(LOBBY, 'hello all')).effects).not.toContainEqual({ type: 'bell' })
  })

  it('rings for the open conversation too while the terminal says it is in the background', () => {
    const s = apply(loggedIn(), { type: 'focus', focused: false }).state
    expect(apply(s, incoming(LOBBY, 'hello all')).effects).toContainEqual({ type: 'bell' })
    const back = apply(s, { type: 'focus', focused: true }).state
    expect(apply(back, incoming(LOBBY, 'hello again')).effects).not.toContainEqual({ type: 'bell' })
  })

  it('rings once for a burst, never for a message seen before, and not at all with the bell off', () => {
    const r = apply(loggedIn(), incoming('bob', 'one'), incoming('bob', 'two'), incoming('carol', 'three'))
    expect(r.effects.filter(e => e.type === 'bell')).toHaveLength(1)
    const later = update(r.state, { type: 'message', message: message({ conversation: 'bob', text: 'later' }) }, NOW + 5_000, { format: FMT })
    expect(later.effects).toContainEqual({ type: 'bell' })
    const m = message({ conversation: 'bob', text: 'again' })
    const seen = update(later.state, { type: 'message', message: m }, NOW + 10_000, { format: FMT })
    expect(update(seen.state, { type: 'message', message: m }, NOW + 20_000, { format: FMT }).effects).not.toContainEqual({ type: 'bell' })
    const quiet = initialState(SIZE, snapshot(), { bell: false }).state
    expect(apply(quiet, incoming('bob', 'psst')).effects).not.toContainEqual({ type: 'bell' })
  })

  it('puts a "new" line above the first unread message when the conversation is opened', () => {
    const old = message({ conversation: 'bob', text: 'read long ago' })
    let r = apply(loggedIn(), incoming('bob', 'first unread'), incoming('bob', 'second unread'))
    const unread = r.state.views.bob!.entries.map(e => e.id)
    r = apply(r.state, ctrl('n'))
    expect(r.state.current).toBe('bob')
    const history = [old, ...unread.map(id => ({ ...r.state.views.bob!.entries.find(e => e.id === id)!, conversation: 'bob', sentAt: NOW, to: 'alice', direction: 'in' as const, hlc: r.state.views.bob!.entries.find(e => e.id === id)!.hlc! }))]
    r = apply(r.state, { type: 'history', conversation: 'bob', limit: PAGE_SIZE, messages: history as ChatMessage[] })
    const lines = frame(r.state).messages.lines.map(l => l.text)
    const at = lines.indexOf('\u2500\u2500 new \u2500\u2500')
    expect(at).toBeGreaterThan(0)
    expect(lines[at - 1]).toContain('read long ago')
    expect(lines[at + 1]).toContain('first unread')
    // A new message while it is open goes below, the line stays; opened again with nothing unread, it is gone.
    r = apply(r.state, incoming('bob', 'while reading'))
    expect(frame(r.state).messages.lines.map(l => l.text).indexOf('\u2500\u2500 new \u2500\u2500')).toBe(at - 1)
    r = apply(r.state, ctrl('p'), ctrl('n'))
    expect(frame(r.state).messages.lines.map(l => l.text)).not.toContain('\u2500\u2500 new \u2500\u2500')
  })

  it('redraws the whole screen on Ctrl-L, in a form too', () => {
    expect(apply(loggedIn(), ctrl('l')).effects).toEqual([{ type: 'redraw' }])
    const first = initialState(SIZE, snapshot({ whoami: { username: null, loggedIn: false }, users: null })).state
    expect(apply(first, ctrl('l')).effects).toEqual([{ type: 'redraw' }])
  })
})
