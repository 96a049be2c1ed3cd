/**
 * Text measuring and fitting for a terminal. Text is cut into grapheme
 * clusters (Intl.Segmenter: what a person sees as one character, such as 👍🏽,
 * 🇫🇷 or e + a combining accent), and each cluster's width in cells comes from
 * string-width (East Asian Width, emoji presentation, zero-width marks and
 * joiners), adjusted to how this terminal draws the few kinds of emoji
 * sequence that terminals disagree on (TerminalWidths, probed at startup).
 * Every place the TUI wraps, cuts, pads or places a cursor measures here, and
 * the painter (paint.ts) puts each cluster in exactly the cells measured here.
 * sanitize() removes control characters, so text from other people can never
 * drive the terminal.
 */
import stringWidth from 'string-width'

/**
 * How this terminal draws the emoji sequences terminals disagree on; true is
 * the way of current Unicode (one glyph of two cells), false the older way
 * (each part at its own width). tmux 3.3, for one, draws 👍🏽 as two glyphs
 * (four cells) and ❤️ in one cell.
 */
export interface TerminalWidths {
  /** An emoji with a skin-tone modifier (👍🏽) is one glyph */
  modifiers: boolean
  /** A character with the emoji variation selector VS16 (❤️) is two cells wide */
  vs16: boolean
  /** An emoji ZWJ sequence (👨‍👩‍👧) is one glyph */
  zwj: boolean
  /** The terminal takes UTF-8 (else anything past ASCII is shown as '?') */
  unicode: boolean
}

/** A terminal that follows current Unicode: what string-width measures. */
export const MODERN_TERMINAL: TerminalWidths = { modifiers: true, vs16: true, zwj: true, unicode: true }

/** The probe strings for TerminalWidths: the width the terminal gives each tells which way it draws them. */
export const WIDTH_PROBES = { modifiers: '\u{1F44D}\u{1F3FD}', vs16: '\u2764\uFE0F', zwj: '\u{1F468}\u200D\u{1F469}\u200D\u{1F467}' } as const

export interface Cluster {
  text: string
  /** Cells it takes: 0 for one that shows nothing (a lone joiner or mark), 1, 2, sometimes more */
  width: number
}

const segmenter = new Intl.Segmenter()
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/
const EMOJI_MODIFIER = /\p{Emoji_Modifier}/u
const ZWJ = '\u200d'
const VS16 = '\ufe0f'
/** Widths remembered per cluster and terminal; the table is dropped when it grows past this. */
const MAX_CACHED = 4096

/** Each code point at its own width, as a terminal that does not join the sequence draws it. */
function partsWidth (cluster: string): number {
  let w = 0
  for (const cp of cluster) if (cp !== ZWJ) w += stringWidth(cp)
  return w
}

export class TextMeasure {
  readonly terminal: TerminalWidths
  /** '…', or '...' on a terminal without UTF-8 */
  readonly ellipsis: string
  private readonly cache = new Map<string, number>()
  /** Wrapped lines by width, indent and text: a frame re-wraps the whole open conversation, mostly unchanged */
  private readonly wrapped = new Map<string, string[]>()

  constructor (terminal: TerminalWidths) {
    this.terminal = terminal
    this.ellipsis = terminal.unicode ? '\u2026' : '...'
  }

  /** Cells one grapheme cluster takes on this terminal. */
  clusterWidth (cluster: string): number {
    if (cluster.length === 1) {
      const c = cluster.charCodeAt(0)
      if (c >= 0x20 && c < 0x7f) return 1
    }
    let w = this.cache.get(cluster)
    if (w !== undefined) return w
    const t = this.terminal
    const split = (!t.zwj && cluster.includes(ZWJ)) || (!t.vs16 && cluster.includes(VS16)) ||
      (!t.modifiers && EMOJI_MODIFIER.test(cluster))
    w = split ? partsWidth(cluster) : stringWidth(cluster)
    if (this.cache.size >= MAX_CACHED) this.cache.clear()
    this.cache.set(cluster, w)
    return w
  }

  /** The grapheme clusters of `text` with their widths. */
  clusters (text: string): Cluster[] {
    if (PRINTABLE_ASCII.test(text)) return Array.from(text, ch => ({ text: ch, width: 1 }))
    const out: Cluster[] = []
    for (const { segment } of segmenter.segment(text)) out.push({ text: segment, width: this.clusterWidth(segment) })
    return out
  }

  /** Cells `text` takes. */
  width (text: string): number {
    if (PRINTABLE_ASCII.test(text)) return text.length
    let w = 0
    for (const { segment } of segmenter.segment(text)) w += this.clusterWidth(segment)
    return w
  }

  /** The longest start of `text` that fits in `width` cells (whole clusters). */
  truncate (text: string, width: number): string {
    if (width <= 0) return ''
    if (PRINTABLE_ASCII.test(text)) return text.slice(0, width)
    let w = 0
    let out = ''
    for (const c of this.clusters(text)) {
      if (w + c.width > width) break
      w += c.width
      out += c.text
    }
    return out
  }

  /** The longest end of `text` that fits in `width` cells (whole clusters). */
  truncateStart (text: string, width: number): string {
    if (width <= 0) return ''
    const cs = this.clusters(text)
    let w = 0
    let i = cs.length
    while (i > 0) {
      const cw = cs[i - 1]?.width ?? 0
      if (w + cw > width) break
      w += cw
      i--
    }
    return cs.slice(i).map(c => c.text).join('')
  }

  /** `text` padded with spaces to `width` cells (it must fit). */
  pad (text: string, width: number): string {
    return text + ' '.repeat(Math.max(0, width - this.width(text)))
  }

  /** `text` cut (without ellipsis) or padded with spaces to exactly `width` cells. */
  fit (text: string, width: number): string {
    return this.pad(this.truncate(text, width), width)
  }

  /**
   * `text` if it fits in `width` cells, else its start up to the last word
   * boundary that fits, followed by an ellipsis (a first word longer than the
   * room is cut between clusters). Not padded.
   */
  shorten (text: string, width: number): string {
    if (this.width(text) <= width) return text
    const room = width - this.width(this.ellipsis)
    if (room <= 0) return this.truncate(this.ellipsis, width)
    const cut = this.truncate(text, room)
    // The cut is at a boundary when the next character is a space.
    const whole = text.slice(cut.length).startsWith(' ') ? cut : cut.slice(0, Math.max(0, cut.search(/ +\S*$/)))
    const keep = whole.replace(/[ ,;:|-]+$/, '')
    return (keep === '' ? cut : keep) + this.ellipsis
  }

  /**
   * As many whole parts as fit in `width` cells, joined by `sep`; when some
   * are dropped (from the end), an ellipsis says so. A first part that does
   * not fit on its own is shortened. Not padded.
   */
  fitParts (parts: readonly string[], width: number, sep = ' | '): string {
    const all = parts.join(sep)
    if (this.width(all) <= width) return all
    for (let n = parts.length - 1; n >= 1; n--) {
      const text = parts.slice(0, n).join(sep) + sep + this.ellipsis
      if (this.width(text) <= width) return text
    }
    return this.shorten(parts[0] ?? '', width)
  }

  /**
   * Word-wraps `text` to lines of at most `width` cells; lines after the
   * first start with `indent` spaces. Words longer than a line are broken
   * between clusters. Newlines in the text start new lines (indented too).
   */
  wrap (text: string, width: number, indent = 0): string[] {
    const key = `${width}/${indent}/${text}`
    const known = this.wrapped.get(key)
    if (known !== undefined) return [...known]
    const lines = this.wrapUncached(text, width, indent)
    if (this.wrapped.size >= MAX_CACHED) this.wrapped.clear()
    this.wrapped.set(key, lines)
    return [...lines]
  }

  private wrapUncached (text: string, width: number, indent: number): string[] {
    const lines: string[] = []
    const ind = Math.min(indent, Math.max(0, width - 1))
    const pad = ' '.repeat(ind)
    let line = ''
    let lineWidth = 0
    const room = (): number => width - lineWidth
    // Nothing on the line yet but its indent (the first line has none).
    const atStart = (): boolean => lineWidth <= (lines.length === 0 ? 0 : ind)
    const newLine = (): void => {
      lines.push(line.replace(/ +$/, ''))
      line = pad
      lineWidth = ind
    }
    text.split('\n').forEach((para, p) => {
      if (p > 0) newLine()
      for (const word of para.split(/( +)/).filter(w => w !== '')) {
        const ww = this.width(word)
        if (word.startsWith(' ')) {
          // Spaces at the start of a wrapped line are dropped, elsewhere kept.
          if (!atStart() || lines.length === 0) {
            if (ww <= room()) { line += word; lineWidth += ww } else newLine()
          }
          continue
        }
        if (ww > room() && !atStart() && ww <= width - ind) newLine()
        if (ww <= room()) {
          line += word
          lineWidth += ww
          continue
        }
        for (const c of this.clusters(word)) {
          if (c.width > room() && !atStart()) newLine()
          // A cluster wider than an indented line goes on a line of its own without the indent; one wider
          // than any line is shown as '?'.
          if (c.width > room() && line === pad) { line = ''; lineWidth = 0 }
          const fits = c.width <= room()
          line += fits ? c.text : '?'
          lineWidth += fits ? c.width : 1
        }
      }
    })
    lines.push(line.replace(/ +$/, ''))
    return lines
  }
}

const measures = new Map<string, TextMeasure>()

/** The measure for a terminal (one per kind of terminal, kept). */
export function measureFor (terminal: TerminalWidths = MODERN_TERMINAL): TextMeasure {
  const key = `${Number(terminal.modifiers)}${Number(terminal.vs16)}${Number(terminal.zwj)}${Number(terminal.unicode)}`
  let m = measures.get(key)
  if (m === undefined) {
    m = new TextMeasure(terminal)
    measures.set(key, m)
  }
  return m
}

/** Cells `text` takes on a terminal that follows current Unicode. */
export function textWidth (text: string): number {
  return measureFor().width(text)
}

/** Word-wraps on a terminal that follows current Unicode (TextMeasure.wrap). */
export function wrap (text: string, width: number, indent = 0): string[] {
  return measureFor().wrap(text, width, indent)
}

/** Code point offsets of the grapheme cluster boundaries of `text`, 0 and its length included. */
export function clusterBoundaries (text: string): number[] {
  const out = [0]
  if (PRINTABLE_ASCII.test(text)) {
    for (let i = 1; i <= text.length; i++) out.push(i)
    return out
  }
  let at = 0
  for (const { segment } of segmenter.segment(text)) {
    at += [...segment].length
    out.push(at)
  }
  return out
}

/**
 * Replaces control characters (C0 but newline, DEL, C1) with a visible '?',
 * and tabs with two spaces. Escape sequences in a message are shown, never run.
 */
export function sanitize (text: string, keepNewlines = true): string {
  let out = ''
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 0
    if (ch === '\n' && keepNewlines) out += ch
    else if (ch === '\t') out += '  '
    else if (cp < 0x20 || cp === 0x7f || (cp >= 0x80 && cp < 0xa0)) out += '?'
    else out += ch
  }
  return out
}
