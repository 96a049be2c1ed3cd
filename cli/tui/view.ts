/**
 * The blessed view: copies frames onto the terminal and turns terminal key
 * and focus events into the view model's. All decisions are the view model's.
 *
 * blessed measures text with its own tables (unicode.js: no grapheme
 * clusters, emoji from before Unicode 9) and would put 👍🏽 in two cells and 😀
 * in one. So no blessed element draws our text: the frame is painted into a
 * grid of cells (paint.ts, measured by text.ts) and copied into blessed's
 * screen buffer just before each draw, and every cell that is not plain ASCII
 * is written so that no terminal can shift the rest of the line: its columns
 * are cleared first, the cluster is drawn, and the cursor is put where the
 * next column starts. A terminal that draws a cluster differently than
 * measured then spoils at most that cluster, never the rest of the screen.
 */
import blessed from 'blessed'
import { paintFrame } from './paint.js'
import { measureFor, MODERN_TERMINAL, WIDTH_PROBES } from './text.js'
import type { Frame } from './frame.js'
import type { Key } from './keys.js'
import type { Cell, CellStyle, Color, Grid } from './paint.js'
import type { TerminalWidths } from './text.js'

export interface ViewIo {
  input: NodeJS.ReadStream
  output: NodeJS.WriteStream
}

export interface ViewHandlers {
  onKey: (key: Key) => void
  onResize: (width: number, height: number) => void
  /** The terminal reported gaining or losing focus (terminals that support focus reporting) */
  onFocus?: (focused: boolean) => void
}

/** The parts of blessed's screen and program this view uses that its typings leave out. */
interface ScreenBuffers {
  lines: Array<Array<[number, string]> & { dirty?: boolean }>
  olines: Array<Array<[number, string]>>
  realloc: () => void
}
interface ProgramInternals {
  _write: (text: string) => unknown
  getCursor: (cb: (err: Error | null, data: { status: { x: number, y: number } }) => void) => unknown
  bindMouse: () => void
  bell: () => void
  on: (event: string, fn: () => void) => unknown
}

const COLOR: Record<Color, number> = { red: 1, green: 2, yellow: 3, blue: 4, cyan: 6, white: 7, gray: 8 }
/** blessed's "default colour" */
const DEFAULT_COLOR = 0x1ff
/** How long to wait for the terminal to report the cursor while probing widths */
const PROBE_TIMEOUT_MS = 500
const FOCUS_REPORTING_ON = '\x1b[?1004h'
const FOCUS_REPORTING_OFF = '\x1b[?1004l'
const BLANK: Cell = { text: ' ', width: 1, style: {} }

/** blessed's attribute code: flags << 18 | fg << 9 | bg. */
function attrOf (style: CellStyle): number {
  const flags = (style.bold === true ? 1 : 0) | (style.underline === true ? 2 : 0) | (style.inverse === true ? 8 : 0)
  const fg = style.fg === undefined ? DEFAULT_COLOR : COLOR[style.fg]
  const bg = style.bg === undefined ? DEFAULT_COLOR : COLOR[style.bg]
  return (flags << 18) | (fg << 9) | bg
}

/** Cursor position, 0-based row and column. */
const cup = (row: number, col: number): string => `\x1b[${row + 1};${col + 1}H`

function unicodeTerminal (): boolean {
  const env = process.env
  return /utf-?8/i.test(env.LC_ALL ?? env.LC_CTYPE ?? env.LANG ?? '')
}

export class BlessedView {
  private readonly screen: blessed.Widgets.Screen
  private readonly program: ProgramInternals
  private grid: Grid | null = null
  private destroyed = false

  constructor (io: ViewIo, handlers: ViewHandlers) {
    this.screen = blessed.screen({
      input: io.input,
      output: io.output,
      smartCSR: true,
      // Our own painting measures; blessed only copies the cells (and must not turn wide characters into '??').
      fullUnicode: true,
      autoPadding: false,
      warnings: false,
      title: 'lanchat'
    })
    this.program = this.screen.program as unknown as ProgramInternals
    // On a UTF-8 terminal, draw line characters as UTF-8 rather than in the
    // alternate character set, so what is on screen is also what copies and pastes.
    const tput = (this.screen as unknown as { tput?: { brokenACS?: boolean } }).tput
    if (unicodeTerminal() && tput !== undefined) tput.brokenACS = true
    this.screen.program.hideCursor()
    // blessed hands over typed text one UTF-16 unit at a time: an emoji comes as two halves, joined here.
    let highSurrogate = ''
    this.screen.on('keypress', (typed: string | undefined, key: blessed.Widgets.Events.IKeyEventArg | undefined) => {
      let ch = typed
      if (ch !== undefined && /^[\uD800-\uDBFF]$/.test(ch)) { highSurrogate = ch; return }
      if (highSurrogate !== '') {
        if (ch !== undefined && /^[\uDC00-\uDFFF]$/.test(ch)) {
          ch = highSurrogate + ch
          key = { ...key, name: ch, sequence: ch } as blessed.Widgets.Events.IKeyEventArg
        }
        highSurrogate = ''
      }
      const name = key?.name ?? ch ?? ''
      if (name === '') return
      handlers.onKey({
        name,
        ...(ch !== undefined ? { ch } : {}),
        ...(key?.ctrl === true ? { ctrl: true } : {}),
        ...(key?.meta === true ? { meta: true } : {}),
        ...(key?.shift === true ? { shift: true } : {})
      })
    })
    this.screen.on('resize', () => { handlers.onResize(this.width, this.height) })
    // Focus reporting (CSI ? 1004 h): terminals that support it say CSI I / CSI O when the window gains or
    // loses focus; blessed parses those in its mouse reader (no mouse reporting is turned on).
    this.program.bindMouse()
    this.program.on('focus', () => { handlers.onFocus?.(true) })
    this.program.on('blur', () => { handlers.onFocus?.(false) })
    this.program._write(FOCUS_REPORTING_ON)
    this.screen.on('prerender', () => { this.copyGrid() })
  }

  get width (): number {
    return Number(this.screen.width)
  }

  get height (): number {
    return Number(this.screen.height)
  }

  /**
   * Asks the terminal how it draws the emoji sequences terminals disagree on:
   * each probe is written at the top left and the terminal reports where the
   * cursor ended up. A terminal that does not answer is taken to follow
   * current Unicode. The probes are cleared away before anything is drawn.
   */
  async probeWidths (): Promise<TerminalWidths> {
    if (!unicodeTerminal()) return { ...MODERN_TERMINAL, unicode: false }
    const widthOf = async (text: string): Promise<number | null> => await new Promise(resolve => {
      const timer = setTimeout(() => { resolve(null) }, PROBE_TIMEOUT_MS)
      this.program._write('\x1b[H\x1b[2K' + text)
      this.program.getCursor((err, data) => {
        clearTimeout(timer)
        resolve(err === null ? data.status.x - 1 : null)
      })
    })
    const result = { ...MODERN_TERMINAL }
    for (const feature of ['modifiers', 'vs16', 'zwj'] as const) {
      const w = await widthOf(WIDTH_PROBES[feature])
      if (w === null) break
      result[feature] = w === 2
    }
    if (!this.destroyed) (this.screen as unknown as ScreenBuffers).realloc()
    return result
  }

  draw (frame: Frame): void {
    if (this.destroyed) return
    this.grid = paintFrame(frame, measureFor(frame.terminal))
    this.screen.render()
  }

  /** Clears the terminal and draws every cell again (Ctrl-L). */
  redraw (): void {
    if (this.destroyed) return
    ;(this.screen as unknown as ScreenBuffers).realloc()
    this.screen.render()
  }

  bell (): void {
    if (!this.destroyed) this.program.bell()
  }

  /** Copies the grid into blessed's screen buffer, which blessed then writes out (only what changed). */
  private copyGrid (): void {
    const grid = this.grid
    if (grid === null) return
    const { lines, olines } = this.screen as unknown as ScreenBuffers
    for (let y = 0; y < lines.length; y++) {
      const line = lines[y]
      const old = olines[y]
      if (line === undefined) continue
      const row = grid[y]
      for (let x = 0; x < line.length; x++) {
        const cell = row?.[x] ?? BLANK
        const plain = cell.width === 1 && cell.text.length === 1 && cell.text >= ' ' && cell.text <= '~'
        let ch = cell.text
        if (!plain && cell.width > 0) {
          const next = x + cell.width < line.length ? cup(y, x + cell.width) : ''
          ch = ' '.repeat(cell.width) + cup(y, x) + cell.text + next
        }
        line[x] = [attrOf(cell.style), ch]
        // A wide cell and its continuation are written every time, so blessed never moves the cursor
        // relative to a cell it skipped (it counts one column per cell).
        const o = old?.[x]
        if (!plain && o !== undefined) o[1] = '\0'
      }
      line.dirty = true
    }
  }

  /** Gives the terminal back as it was: main screen, cursor, cooked mode. */
  destroy (): void {
    if (this.destroyed) return
    this.destroyed = true
    this.program._write(FOCUS_REPORTING_OFF)
    this.screen.destroy()
  }
}
