/**
 * The blessed view: copies frames onto the terminal and turns terminal key
 * events into the view model's keys. All decisions are the view model's.
 */
import blessed from 'blessed'
import { charWidth } from './text.js'
import type { Frame, Line } from './frame.js'
import type { Key } from './keys.js'
import type { Tone } from './state.js'

export interface ViewIo {
  input: NodeJS.ReadStream
  output: NodeJS.WriteStream
}

export interface ViewHandlers {
  onKey: (key: Key) => void
  onResize: (width: number, height: number) => void
}

const TONE_TAG: Record<Tone, string | null> = {
  normal: null,
  strong: 'bold',
  mine: 'cyan-fg',
  dim: 'gray-fg',
  info: 'green-fg',
  warn: 'yellow-fg',
  error: 'red-fg'
}

function styled (text: string, tone: Tone, extra: string[] = []): string {
  const tags = [...extra, TONE_TAG[tone]].filter((t): t is string => t !== null)
  const body = blessed.escape(text)
  return tags.reduce((s, t) => `{${t}}${s}{/${t}}`, body)
}

/** The line with the cell at display column `col` drawn in reverse video: the cursor. */
function withCursor (text: string, col: number, tone: Tone = 'normal'): string {
  let w = 0
  let before = ''
  let at = ''
  let after = ''
  for (const ch of text) {
    if (at === '' && w >= col) at = ch
    else if (at === '') before += ch
    else after += ch
    if (at === '') w += charWidth(ch)
  }
  return styled(before, tone) + `{inverse}${blessed.escape(at === '' ? ' ' : at)}{/inverse}` + styled(after, tone)
}

function unicodeTerminal (): boolean {
  const env = process.env
  return /utf-?8/i.test(env.LC_ALL ?? env.LC_CTYPE ?? env.LANG ?? '')
}

export class BlessedView {
  private readonly screen: blessed.Widgets.Screen
  private readonly list: blessed.Widgets.BoxElement
  private readonly separator: blessed.Widgets.BoxElement
  private readonly messages: blessed.Widgets.BoxElement
  private readonly notice: blessed.Widgets.BoxElement
  private readonly status: blessed.Widgets.BoxElement
  private readonly input: blessed.Widgets.BoxElement
  private readonly form: blessed.Widgets.BoxElement
  private readonly bar = unicodeTerminal() ? '\u2502' : '|'
  private destroyed = false

  constructor (io: ViewIo, handlers: ViewHandlers) {
    this.screen = blessed.screen({
      input: io.input,
      output: io.output,
      smartCSR: true,
      fullUnicode: true,
      autoPadding: false,
      warnings: false,
      title: 'lanchat'
    })
    const box = (options: blessed.Widgets.BoxOptions = {}): blessed.Widgets.BoxElement => {
      const b = blessed.box({ tags: true, wrap: false, top: 0, left: 0, width: 1, height: 1, ...options })
      this.screen.append(b)
      return b
    }
    this.list = box()
    this.separator = box({ style: { fg: 'gray' } })
    this.messages = box()
    this.notice = box()
    this.status = box({ style: { fg: 'white', bg: 'blue' } })
    this.input = box()
    this.form = box({ border: { type: 'line' }, style: { border: { fg: 'cyan' } }, padding: { left: 1, right: 1 }, hidden: true })

    // On a UTF-8 terminal, draw line characters as UTF-8 rather than in the
    // alternate character set, so what is on screen is also what copies and pastes.
    const tput = (this.screen as unknown as { tput?: { brokenACS?: boolean } }).tput
    if (unicodeTerminal() && tput !== undefined) tput.brokenACS = true
    this.screen.program.hideCursor()
    this.screen.on('keypress', (ch: string | undefined, key: blessed.Widgets.Events.IKeyEventArg | undefined) => {
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
  }

  get width (): number {
    return Number(this.screen.width)
  }

  get height (): number {
    return Number(this.screen.height)
  }

  draw (frame: Frame): void {
    if (this.destroyed) return
    const l = frame.layout
    const place = (el: blessed.Widgets.BoxElement, top: number, left: number, width: number, height: number): void => {
      el.top = top
      el.left = left
      el.width = Math.max(1, width)
      el.height = Math.max(1, height)
    }
    const paneHeight = l.bodyHeight + 1
    place(this.list, 0, 0, l.listWidth, paneHeight)
    place(this.separator, 0, l.listWidth, 1, paneHeight)
    place(this.messages, 0, l.messagesLeft, l.messagesWidth, paneHeight)
    place(this.notice, l.noticeRow, 0, l.width, 1)
    place(this.status, l.statusRow, 0, l.width, 1)
    place(this.input, l.inputRow, 0, l.width, 1)

    const header = (text: string, tone: Tone, focused: boolean): string => styled(text, tone, focused ? ['inverse'] : ['underline'])
    this.list.setContent([
      header(frame.list.header, 'strong', frame.focus === 'conversations'),
      ...frame.list.rows.map(r => styled(r.text, r.tone, r.selected ? ['inverse'] : []))
    ].join('\n'))
    this.separator.setContent(Array.from({ length: paneHeight }, () => this.bar).join('\n'))
    this.messages.setContent([
      header(frame.messages.header.text, frame.messages.header.tone, frame.focus === 'messages'),
      ...frame.messages.lines.map((line: Line) => styled(line.text, line.tone))
    ].join('\n'))
    this.notice.setContent(styled(frame.notice.text, frame.notice.tone))
    this.status.setContent(blessed.escape(frame.statusBar))
    this.input.setContent(frame.input.cursor === null ? blessed.escape(frame.input.text) : withCursor(frame.input.text, frame.input.cursor))

    if (frame.form === null) {
      this.form.hide()
    } else {
      const f = frame.form
      const height = f.lines.length + 2
      place(this.form, Math.max(0, Math.floor((l.height - height) / 2)), Math.max(0, Math.floor((l.width - f.width) / 2)), f.width, height)
      this.form.setContent(f.lines.map((line, i) => f.cursor !== null && f.cursor.row === i ? withCursor(line.text, f.cursor.col, line.tone) : styled(line.text, line.tone)).join('\n'))
      this.form.show()
      this.form.setFront()
    }
    this.screen.render()
  }

  /** Gives the terminal back as it was: main screen, cursor, cooked mode. */
  destroy (): void {
    if (this.destroyed) return
    this.destroyed = true
    this.screen.destroy()
  }
}
