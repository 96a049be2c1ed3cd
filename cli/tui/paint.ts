/**
 * Paints a frame into a grid of terminal cells, pure: one cell per column,
 * each grapheme cluster in the cell where it starts, the cells it also covers
 * marked as its continuation. The width of every cluster comes from the same
 * TextMeasure the frame was laid out with, so what the frame fitted is
 * exactly what the grid holds; the blessed view copies the grid to the screen
 * without measuring anything itself.
 */
import type { Frame, Line } from './frame.js'
import type { Tone } from './state.js'
import type { TextMeasure } from './text.js'

/** The 8 basic terminal colours and bright black, as their numbers. */
export type Color = 'red' | 'green' | 'yellow' | 'blue' | 'cyan' | 'white' | 'gray'

export interface CellStyle {
  fg?: Color
  bg?: Color
  bold?: boolean
  underline?: boolean
  inverse?: boolean
}

export interface Cell {
  /** The cluster drawn here; '' in a continuation cell (the right half of a wide character) */
  text: string
  /** Columns the cluster takes (1, 2, ...); 0 in a continuation cell */
  width: number
  style: CellStyle
}

export type Grid = Cell[][]

const TONE_STYLE: Record<Tone, CellStyle> = {
  normal: {},
  strong: { bold: true },
  mine: { fg: 'cyan' },
  dim: { fg: 'gray' },
  info: { fg: 'green' },
  warn: { fg: 'yellow' },
  error: { fg: 'red' }
}

const STATUS_BAR: CellStyle = { fg: 'white', bg: 'blue' }
const SEPARATOR: CellStyle = { fg: 'gray' }
const BORDER: CellStyle = { fg: 'cyan' }

export function toneStyle (tone: Tone, extra: CellStyle = {}): CellStyle {
  return { ...TONE_STYLE[tone], ...extra }
}

const blank = (style: CellStyle = {}): Cell => ({ text: ' ', width: 1, style })

/** A grid of `width` x `height` blank cells. */
export function emptyGrid (width: number, height: number): Grid {
  return Array.from({ length: height }, () => Array.from({ length: width }, () => blank()))
}

/**
 * Writes `text` into row `row` from column `col`, at most `width` columns
 * (to the grid's edge by default); the rest of those columns blank in the
 * same style when `fill` is set. A cluster that would not fit whole is left
 * out, and one that shows nothing (a lone joiner or mark) is dropped, so every
 * column holds what was measured for it. On a terminal without UTF-8 anything
 * past ASCII is a '?' per column. Returns the columns written.
 */
export function put (grid: Grid, m: TextMeasure, row: number, col: number, text: string, style: CellStyle, width?: number, fill = false): number {
  const line = grid[row]
  if (line === undefined || col >= line.length) return 0
  const end = Math.min(line.length, width === undefined ? line.length : col + Math.max(0, width))
  const set = (at: number, cell: Cell): void => {
    // Overwriting part of a wide cluster blanks the rest of it.
    const old = line[at]
    if (old?.width === 0 && cell.width !== 0) {
      let lead = at - 1
      while (lead > 0 && line[lead]?.width === 0) lead--
      for (let i = lead; i < at; i++) line[i] = blank(line[lead]?.style)
    }
    for (let i = at + 1; i < at + Math.max(1, old?.width ?? 1) && i < line.length; i++) {
      if (line[i]?.width === 0) line[i] = blank(old?.style)
    }
    line[at] = cell
  }
  let x = col
  for (const c of m.clusters(text)) {
    if (c.width === 0) continue
    if (x + c.width > end) break
    const ascii = m.terminal.unicode || /^[\x20-\x7e]$/.test(c.text)
    if (!ascii) {
      for (let i = 0; i < c.width; i++) set(x + i, { text: '?', width: 1, style })
    } else {
      set(x, { text: c.text, width: c.width, style })
      for (let i = 1; i < c.width; i++) set(x + i, { text: '', width: 0, style })
    }
    x += c.width
  }
  if (fill) for (; x < end; x++) set(x, blank(style))
  return x - col
}

/** Sets `style` on the cell at column `col` (the whole cluster covering it), or on a blank there. */
function restyle (grid: Grid, row: number, col: number, extra: CellStyle): void {
  const line = grid[row]
  if (line === undefined || col < 0 || col >= line.length) return
  let lead = col
  while (lead > 0 && line[lead]?.width === 0) lead--
  const cell = line[lead]
  if (cell === undefined) return
  const w = Math.max(1, cell.width)
  for (let i = lead; i < lead + w && i < line.length; i++) {
    const c = line[i]
    if (c !== undefined) line[i] = { ...c, style: { ...c.style, ...extra } }
  }
}

function putLine (grid: Grid, m: TextMeasure, row: number, col: number, width: number, line: Line, extra: CellStyle = {}): void {
  put(grid, m, row, col, line.text, toneStyle(line.tone, extra), width, true)
}

/** The whole screen for a frame. */
export function paintFrame (frame: Frame, m: TextMeasure): Grid {
  const l = frame.layout
  const grid = emptyGrid(l.width, l.height)
  const headerStyle = (focused: boolean): CellStyle => focused ? { inverse: true } : { underline: true }

  putLine(grid, m, 0, 0, l.listWidth, { text: frame.list.header, tone: 'strong' }, headerStyle(frame.focus === 'conversations'))
  frame.list.rows.forEach((r, i) => { putLine(grid, m, 1 + i, 0, l.listWidth, r, r.selected ? { inverse: true } : {}) })

  const bar = m.terminal.unicode ? '\u2502' : '|'
  for (let row = 0; row <= l.bodyHeight; row++) put(grid, m, row, l.listWidth, bar, SEPARATOR, 1)

  putLine(grid, m, 0, l.messagesLeft, l.messagesWidth, frame.messages.header, headerStyle(frame.focus === 'messages'))
  frame.messages.lines.forEach((line, i) => { putLine(grid, m, 1 + i, l.messagesLeft, l.messagesWidth, line) })

  putLine(grid, m, l.noticeRow, 0, l.width, frame.notice)
  put(grid, m, l.statusRow, 0, frame.statusBar, STATUS_BAR, l.width, true)
  put(grid, m, l.inputRow, 0, frame.input.text, {}, l.width, true)
  const sel = frame.input.selection
  if (sel !== null) for (let x = sel.from; x < sel.to; x++) restyle(grid, l.inputRow, x, { inverse: true })
  if (frame.input.cursor !== null) restyle(grid, l.inputRow, frame.input.cursor, { inverse: sel === null })

  if (frame.form !== null) {
    const f = frame.form
    const height = f.lines.length + 2
    const top = Math.max(0, Math.floor((l.height - height) / 2))
    const left = Math.max(0, Math.floor((l.width - f.width) / 2))
    const [h, v, tl, tr, bl, br] = m.terminal.unicode ? ['\u2500', '\u2502', '\u250c', '\u2510', '\u2514', '\u2518'] : ['-', '|', '+', '+', '+', '+']
    put(grid, m, top, left, tl + h.repeat(Math.max(0, f.width - 2)) + tr, BORDER, f.width)
    f.lines.forEach((line, i) => {
      const row = top + 1 + i
      put(grid, m, row, left, v, BORDER, 1)
      // One column of padding each side, inside the border.
      put(grid, m, row, left + 1, ' ', {}, 1)
      putLine(grid, m, row, left + 2, f.width - 4, line)
      put(grid, m, row, left + f.width - 2, ' ', {}, 1)
      put(grid, m, row, left + f.width - 1, v, BORDER, 1)
      if (f.cursor !== null && f.cursor.row === i) restyle(grid, row, left + 2 + f.cursor.col, { inverse: true })
    })
    put(grid, m, top + height - 1, left, bl + h.repeat(Math.max(0, f.width - 2)) + br, BORDER, f.width)
  }
  return grid
}

/** A row of the grid as the text a terminal shows (continuation cells add nothing). */
export function rowText (grid: Grid, row: number): string {
  return (grid[row] ?? []).map(c => c.text).join('')
}
