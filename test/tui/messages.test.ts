import { describe, expect, it } from 'vitest'
import { renderFrame } from '../../cli/tui/frame.js'
import { charKey } from '../../cli/tui/keys.js'
import { initialState } from '../../cli/tui/view-model.js'
import { LOBBY, PAGE_SIZE } from '../../cli/tui/state.js'
import { runActions } from './run-actions.js'
import type { Action, ChatMessage, Snapshot, TuiState } from '../../cli/tui/state.js'
import type { Run } from './run-actions.js'

const NOW = Date.UTC(2025, 2, 4, 14, 2)
const FMT = { time: (ms: number) => new Date(ms).toISOString().slice(11, 16), day: (ms: number) => new Date(ms).toISOString().slice(0, 10) }
const snap: Snapshot = {
  status: { networkId: '0a1b2c3d4e5f6071', peerId: 'me', peers: 2 },
  roles: { relay: null, idp: null, kacls: null, warnings: [] },
  whoami: { username: 'alice', loggedIn: true },
  users: [{ username: 'bob', online: true, peers: ['p'], lastSeen: NOW }]
}
const apply = (state: TuiState, ...actions: Action[]): Run => runActions(state, actions, NOW, FMT)
const typeText = (t: string): Action[] => [...t].map(ch => ({ type: 'key', key: charKey(ch) }))
const enter: Action = { type: 'key', key: { name: 'enter', ch: '\r' } }
const pane = (s: TuiState): string => renderFrame(s, NOW, FMT).messages.lines.map(l => l.text).join('\n')
let n = 0
const msg = (over: Partial<ChatMessage>): ChatMessage => {
  n++
  return { id: `m${n}`, conversation: 'bob', from: 'bob', to: 'alice', text: `text ${n}`, sentAt: NOW, hlc: `${NOW}.0000${n}`, direction: 'in', ...over }
}

function withBob (typing = false): { state: TuiState, mine: ChatMessage, theirs: ChatMessage } {
  const init = initialState({ width: 100, height: 30 }, snap, { typing })
  const mine = msg({ from: 'alice', to: 'bob', direction: 'out', status: 'delivered', text: 'lunch at noon?' })
  const theirs = msg({ text: 'sure' })
  const s = apply(init.state, { type: 'snapshot', snapshot: snap }, { type: 'history', conversation: LOBBY, limit: PAGE_SIZE, messages: [] }, ...typeText('/dm bob'), enter,
    { type: 'history', conversation: 'bob', limit: PAGE_SIZE, messages: [mine, theirs] }).state
  return { state: s, mine, theirs }
}

describe('TUI: what people do to messages', () => {
  it('names messages by N back from the newest: /reply, /edit, /delete, /react, /info become node calls', () => {
    const { state, mine, theirs } = withBob()
    expect(apply(state, ...typeText('/reply 1 great'), enter).effects).toEqual([{ type: 'messageKind', op: 'reply', conversation: 'bob', id: theirs.id, text: 'great' }])
    expect(apply(state, ...typeText('/edit 2 lunch at one?'), enter).effects).toEqual([{ type: 'messageKind', op: 'edit', conversation: 'bob', id: mine.id, text: 'lunch at one?' }])
    expect(apply(state, ...typeText('/delete 2'), enter).effects).toEqual([{ type: 'messageKind', op: 'delete', conversation: 'bob', id: mine.id }])
    expect(apply(state, ...typeText('/react 1 👍'), enter).effects).toEqual([{ type: 'messageKind', op: 'react', conversation: 'bob', id: theirs.id, emoji: '👍', remove: false }])
    expect(apply(state, ...typeText('/info 2'), enter).effects).toEqual([{ type: 'info', conversation: 'bob', id: mine.id }])
    // Not one's own: refused here, nothing asked of the node.
    const refused = apply(state, ...typeText('/edit 1 changed'), enter)
    expect(refused.effects).toEqual([])
    expect(refused.state.notice?.text).toMatch(/only bob can edit/)
    expect(apply(state, ...typeText('/react 9 👍'), enter).state.notice?.text).toMatch(/no message 9 here/)
  })

  it('shows a message as it is now: edited, deleted, reacted to, and a reply with the line it quotes', () => {
    const { state, mine, theirs } = withBob()
    let s = apply(state, { type: 'updated', conversation: 'bob', id: mine.id, change: 'edit', by: 'alice', message: { ...mine, text: 'lunch at one?', edited: NOW } }).state
    s = apply(s, { type: 'updated', conversation: 'bob', id: mine.id, change: 'reaction', by: 'bob', message: { ...mine, text: 'lunch at one?', edited: NOW, reactions: { '👍': ['bob'], '🎉': ['bob', 'carol'] } } }).state
    s = apply(s, { type: 'updated', conversation: 'bob', id: theirs.id, change: 'delete', by: 'bob', message: { ...theirs, text: '', deleted: true } }).state
    s = apply(s, { type: 'message', message: msg({ text: 'ok!', kind: 'reply', replyTo: mine.id, quote: { from: 'alice', text: 'lunch at one?' } }) }).state
    const text = pane(s)
    expect(text).toContain('alice: lunch at one? (edited) (delivered)')
    expect(text).toContain('👍 1  🎉 2')
    expect(text).toContain('bob: message deleted')
    expect(text).not.toContain('sure')
    expect(text).toMatch(/↱ alice: lunch at one\?\n.*bob: ok!/)
  })

  it('selects a message with Up in the messages pane; Ctrl-R puts /reply N on the input line', () => {
    const { state, theirs } = withBob()
    let s = apply(state, { type: 'key', key: { name: 'tab', ch: '\t' } }, { type: 'key', key: { name: 'tab', ch: '\t' } }).state
    expect(s.focus).toBe('messages')
    s = apply(s, { type: 'key', key: { name: 'up' } }).state
    expect(s.selected).toBe(theirs.id)
    expect(pane(s)).toContain('[1] 14:02 bob: sure')
    s = apply(s, { type: 'key', key: { name: 'r', ctrl: true } }).state
    expect(s.focus).toBe('input')
    expect(s.input.text).toBe('/reply 1 ')
  })

  it('lists search results numbered, and /jump N opens the conversation at that message', () => {
    const { state, mine } = withBob()
    let r = apply(state, ...typeText('/search lunch'), enter)
    expect(r.effects).toEqual([{ type: 'search', query: 'lunch', here: false }])
    r = apply(r.state, { type: 'searchResults', query: 'lunch', here: false, messages: [mine] })
    expect(pane(r.state)).toContain('1. bob, 2025-03-04 14:02 alice: lunch at noon?')
    r = apply(r.state, ...typeText('/jump 1'), enter)
    expect(r.effects).toEqual([{ type: 'jump', conversation: 'bob', id: mine.id, hlc: mine.hlc }])
    r = apply(r.state, { type: 'jumped', conversation: 'bob', id: mine.id, messages: [mine] })
    expect(r.state.selected).toBe(mine.id)
    expect(pane(r.state)).toContain('[2] 14:02 alice: lunch at noon?')
  })

  it('shows a contact typing for a few seconds, and tells the contact when this user types (not with --no-typing)', () => {
    const { state } = withBob(true)
    const s = apply(state, { type: 'typing', username: 'bob', typing: true }).state
    expect(renderFrame(s, NOW, FMT).messages.header.text).toContain('typing...')
    expect(renderFrame(s, NOW + 7_000, FMT).messages.header.text).not.toContain('typing...')
    expect(apply(state, ...typeText('hel')).effects).toEqual([{ type: 'typing', to: 'bob' }])
    expect(apply(withBob(false).state, ...typeText('hel')).effects).toEqual([])
  })
})
