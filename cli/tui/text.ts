/**
 * Text measuring and wrapping for a terminal: display widths (wide East Asian
 * characters and emoji take two cells, combining marks none) and removal of
 * control characters, so text from other people can never drive the terminal.
 */

/** Whether a code point is zero-width (combining marks, joiners, variation selectors). */
function isZeroWidth (cp: number): boolean {
  return (cp >= 0x0300 && cp <= 0x036f) || (cp >= 0x1ab0 && cp <= 0x1aff) || (cp >= 0x1dc0 && cp <= 0x1dff) ||
    (cp >= 0x20d0 && cp <= 0x20ff) || (cp >= 0xfe20 && cp <= 0xfe2f) || (cp >= 0xfe00 && cp <= 0xfe0f) ||
    cp === 0x200b || cp === 0x200c || cp === 0x200d || cp === 0x2060 || cp === 0xfeff
}

/** Whether a code point takes two terminal cells (East Asian Wide/Fullwidth, most emoji). */
function isWide (cp: number): boolean {
  return (cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0x303e) || (cp >= 0x3041 && cp <= 0x33ff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) || (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0xa000 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) || (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x1f300 && cp <= 0x1f64f) ||
    (cp >= 0x1f900 && cp <= 0x1f9ff) || (cp >= 0x20000 && cp <= 0x3fffd)
}

export function charWidth (ch: string): number {
  const cp = ch.codePointAt(0) ?? 0
  if (isZeroWidth(cp)) return 0
  return isWide(cp) ? 2 : 1
}

export function textWidth (text: string): number {
  let w = 0
  for (const ch of text) w += charWidth(ch)
  return w
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

/** The longest start of `text` that fits in `width` cells. */
export function truncate (text: string, width: number): string {
  if (width <= 0) return ''
  let w = 0
  let out = ''
  for (const ch of text) {
    const cw = charWidth(ch)
    if (w + cw > width) break
    w += cw
    out += ch
  }
  return out
}

/** The longest end of `text` that fits in `width` cells. */
export function truncateStart (text: string, width: number): string {
  if (width <= 0) return ''
  const chars = [...text]
  let w = 0
  let i = chars.length
  while (i > 0) {
    const cw = charWidth(chars[i - 1] ?? '')
    if (w + cw > width) break
    w += cw
    i--
  }
  return chars.slice(i).join('')
}

/** `text` cut or padded with spaces to exactly `width` cells. */
export function fit (text: string, width: number): string {
  const cut = truncate(text, width)
  return cut + ' '.repeat(Math.max(0, width - textWidth(cut)))
}

/**
 * Word-wraps `text` to lines of at most `width` cells; lines after the first
 * start with `indent` spaces. Words longer than a line are broken. Newlines
 * in the text start new lines (indented too).
 */
export function wrap (text: string, width: number, indent = 0): string[] {
  const lines: string[] = []
  const ind = Math.min(indent, Math.max(0, width - 1))
  const pad = ' '.repeat(ind)
  let line = ''
  let lineWidth = 0
  const room = (): number => width - lineWidth
  const newLine = (): void => {
    lines.push(line.replace(/ +$/, ''))
    line = pad
    lineWidth = ind
  }
  const paragraphs = text.split('\n')
  paragraphs.forEach((para, p) => {
    if (p > 0) newLine()
    const words = para.split(/( +)/).filter(w => w !== '')
    for (const word of words) {
      const ww = textWidth(word)
      if (/^ +$/.test(word)) {
        // Spaces at the start of a wrapped line are dropped, elsewhere kept.
        if (lineWidth > ind || lines.length === 0) {
          if (ww <= room()) { line += word; lineWidth += ww } else newLine()
        }
        continue
      }
      if (ww > room() && lineWidth > ind && ww <= width - ind) newLine()
      for (const ch of word) {
        const cw = charWidth(ch)
        if (cw > room() && lineWidth > ind) newLine()
        line += ch
        lineWidth += cw
      }
    }
  })
  lines.push(line.replace(/ +$/, ''))
  return lines
}
