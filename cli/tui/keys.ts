/**
 * A key press as the view model sees it: the terminal library's key events
 * are turned into this, so the view model needs no terminal.
 */
export interface Key {
  /** 'a', 'enter', 'tab', 'pageup', 'backspace', 'escape', 'up', ... */
  name: string
  /** The character typed, for printable keys */
  ch?: string
  ctrl?: boolean
  meta?: boolean
  shift?: boolean
}

/** Whether the key types text (a character, not a control or navigation key). */
export function isPrintable (key: Key): boolean {
  if (key.ctrl === true || key.meta === true || key.ch === undefined || key.ch === '') return false
  for (const ch of key.ch) {
    const cp = ch.codePointAt(0) ?? 0
    if (cp < 0x20 || cp === 0x7f || (cp >= 0x80 && cp < 0xa0)) return false
  }
  return true
}

/** 'C-n', 'S-tab', 'pageup', 'a': one name for matching key bindings. */
export function keyName (key: Key): string {
  return `${key.ctrl === true ? 'C-' : ''}${key.meta === true ? 'M-' : ''}${key.shift === true && !isPrintable(key) ? 'S-' : ''}${key.name}`
}

/** A key from a typed character, for tests and pasted text. */
export function charKey (ch: string): Key {
  return { name: ch === ' ' ? 'space' : ch.toLowerCase(), ch }
}
