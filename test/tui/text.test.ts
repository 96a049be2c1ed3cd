import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { editKey, emptyEditor, setText } from '../../cli/tui/editor.js'
import { renderFrame } from '../../cli/tui/frame.js'
import { paintFrame, rowText } from '../../cli/tui/paint.js'
import { clusterBoundaries, measureFor, MODERN_TERMINAL, textWidth, wrap } from '../../cli/tui/text.js'
import { initialState, update } from '../../cli/tui/view-model.js'
import type { Formatters } from '../../cli/tui/frame.js'
import type { Grid } from '../../cli/tui/paint.js'
import type { Snapshot } from '../../cli/tui/state.js'

const NOW = Date.UTC(2025, 2, 4, 14, 2)
const FMT: Formatters = { time: () => '14:02', day: () => '2025-03-04' }
const TMUX_33 = { modifiers: false, vs16: false, zwj: true, unicode: true }
const EMOJI = '\u{1F600}\u{1F44D}\u{1F3FD}\u{1F389}'
const CJK = '中文 한국어 日本語'

describe('display width (issue 18, item 1)', () => {
  it('measures grapheme clusters: emoji with modifiers, flags, ZWJ sequences, combining marks, CJK and Hangul', () => {
    expect(textWidth('\u{1F600}')).toBe(2)
    expect(textWidth('\u{1F44D}\u{1F3FD}')).toBe(2)
    expect(textWidth(EMOJI)).toBe(6)
    expect(textWidth('\u{1F1EB}\u{1F1F7}')).toBe(2)
    expect(textWidth('\u{1F468}\u200D\u{1F469}\u200D\u{1F467}')).toBe(2)
    expect(textWidth('\u2764\uFE0F')).toBe(2)
    expect(textWidth('e\u0301')).toBe(1)
    expect(textWidth(CJK)).toBe(18)
    expect(textWidth('\u{1F600}'.repeat(30))).toBe(60)
  })

  it('follows a terminal that draws modifiers and VS16 the older way', () => {
    const m = measureFor(TMUX_33)
    expect(m.width('\u{1F44D}\u{1F3FD}')).toBe(4)
    expect(m.width('\u2764\uFE0F')).toBe(1)
    expect(m.width('\u{1F468}\u200D\u{1F469}\u200D\u{1F467}')).toBe(2)
    expect(measureFor({ ...TMUX_33, zwj: false }).width('\u{1F468}\u200D\u{1F469}\u200D\u{1F467}')).toBe(6)
  })

  it('wraps, cuts and shortens between clusters, never inside one', () => {
    expect(wrap('\u{1F600}'.repeat(5), 4)).toEqual(['\u{1F600}\u{1F600}', '\u{1F600}\u{1F600}', '\u{1F600}'])
    expect(wrap('a\u{1F44D}\u{1F3FD}b\u{1F44D}\u{1F3FD}', 3)).toEqual(['a\u{1F44D}\u{1F3FD}', 'b\u{1F44D}\u{1F3FD}'])
    const m = measureFor(MODERN_TERMINAL)
    expect(m.truncate('한국어', 5)).toBe('한국')
    expect(m.truncateStart('\u{1F44D}\u{1F3FD}x', 2)).toBe('x')
    expect(m.shorten('hello wonderful world', 12)).toBe('hello\u2026')
    expect(m.fitParts(['one', 'two', 'three'], 12)).toBe('one | \u2026')
  })

  it('keeps every wrapped line within the width, whatever the text', () => {
    const alphabet = ['a', ' ', '\u{1F600}', '\u{1F44D}\u{1F3FD}', '中', '한', 'e\u0301', '\u{1F1EB}\u{1F1F7}', '\u200B']
    fc.assert(fc.property(fc.array(fc.constantFrom(...alphabet), { maxLength: 60 }), fc.integer({ min: 4, max: 30 }), (parts, width) => {
      const text = parts.join('')
      for (const m of [measureFor(MODERN_TERMINAL), measureFor(TMUX_33)]) {
        const lines = m.wrap(text, width, 2)
        for (const line of lines) expect(m.width(line)).toBeLessThanOrEqual(width)
        expect(lines.join('').replace(/ /g, '')).toBe(text.replace(/ /g, ''))
      }
    }), { numRuns: 200 })
  })

  it('moves the input cursor and deletes by cluster', () => {
    const ed = setText(emptyEditor(), `a${'\u{1F44D}\u{1F3FD}'}b`)
    expect(clusterBoundaries(ed.text)).toEqual([0, 1, 3, 4])
    const left = editKey(ed, { name: 'left' })!
    expect(left.cursor).toBe(3)
    const back = editKey(left, { name: 'backspace' })!
    expect(back.text).toBe('ab')
    expect(back.cursor).toBe(1)
  })
})

describe('the painted screen (issue 18, item 1)', () => {
  const snap: Snapshot = {
    status: { networkId: '0a1b2c3d4e5f6071', peerId: 'me', peers: 1 },
    roles: { relay: null, idp: null, kacls: null, warnings: [] },
    whoami: { username: 'bob', loggedIn: true },
    users: []
  }

  /** Every row of the grid holds exactly `width` columns: leads and their continuations. */
  function columns (grid: Grid, row: number): number {
    return (grid[row] ?? []).reduce((n, c) => n + (c.width === 0 ? 1 : c.width === 1 ? 1 : 0) + (c.width > 1 ? 1 : 0), 0)
  }

  for (const [name, terminal] of [['a current terminal', MODERN_TERMINAL], ['tmux 3.3', TMUX_33]] as const) {
    it(`puts every cluster where the frame measured it, on ${name}`, () => {
      let s = initialState({ width: 80, height: 24 }, snap, { terminal }).state
      s = update(s, { type: 'history', conversation: '#lobby', limit: 50, messages: [] }, NOW).state
      for (const [i, text] of [EMOJI, '\u{1F600}'.repeat(30), CJK, '\u2764\uFE0F x'].entries()) {
        s = update(s, { type: 'message', message: { id: `m${i}`, conversation: '#lobby', from: 'alice', to: 'bob', text, sentAt: NOW, hlc: `${NOW}.0000${i}`, direction: 'in' } }, NOW).state
      }
      s = update(s, { type: 'key', key: { name: 'escape' } }, NOW).state
      for (const ch of [...'한국어 \u{1F44D}\u{1F3FD}']) s = update(s, { type: 'key', key: { name: ch, ch } }, NOW).state
      const grid = paintFrame(renderFrame(s, NOW, FMT), measureFor(terminal))
      const m = measureFor(terminal)
      for (let row = 0; row < 24; row++) {
        expect(grid[row]).toHaveLength(80)
        expect(columns(grid, row)).toBe(80)
        expect(m.width(rowText(grid, row))).toBe(80)
      }
      const rows = Array.from({ length: 24 }, (_, i) => rowText(grid, i).trimEnd())
      expect(rows.some(r => r.endsWith(`14:02 alice: ${EMOJI}`))).toBe(true)
      expect(rows.some(r => r.endsWith(`14:02 alice: ${CJK}`))).toBe(true)
      expect(rows.join('\n').split('\u{1F600}')).toHaveLength(1 + 1 + 30)
      expect(rows[21]).toBe(' Tab: next pane | Ctrl-N/P: chats | PgUp/PgDn: scroll | /help | Ctrl-C: quit')
      expect(rows[23]).toBe('> 한국어 \u{1F44D}\u{1F3FD}')
    })
  }
})
