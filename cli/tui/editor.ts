/**
 * A one-line text editor, pure: the input line and the form's fields. The
 * cursor counts code points and stops only between grapheme clusters, so an
 * emoji (👍🏽 too), a flag or a letter with its accents is one step, and one
 * Backspace.
 */
import type { Key } from './keys.js'
import { isPrintable } from './keys.js'
import { clusterBoundaries } from './text.js'

export interface LineEditor {
  text: string
  /** Cursor position in code points, 0..length */
  cursor: number
  /** Lines entered before, oldest first */
  history: string[]
  /** Where Up/Down is in the history; null while editing a new line */
  historyIndex: number | null
  /** The new line being typed, kept while browsing the history */
  draft: string
  /** The whole line is selected (a line the UI refused): typing replaces it, Backspace clears it, a move keeps it */
  selected?: boolean
}

export const MAX_INPUT_HISTORY = 100

export function emptyEditor (history: string[] = []): LineEditor {
  return { text: '', cursor: 0, history, historyIndex: null, draft: '' }
}

export function setText (ed: LineEditor, text: string, cursor = [...text].length): LineEditor {
  return { ...ed, text, cursor: Math.max(0, Math.min(cursor, [...text].length)), selected: false }
}

/** The line kept and selected, with the cursor at its end: typing replaces it, a move or an edit keeps it. */
export function selectAll (ed: LineEditor): LineEditor {
  return { ...ed, cursor: [...ed.text].length, selected: true, historyIndex: null }
}

/** The editor after the line was entered: empty, with the line in its history. */
export function commit (ed: LineEditor): LineEditor {
  const history = ed.text.trim() === '' || ed.history.at(-1) === ed.text ? ed.history : [...ed.history, ed.text].slice(-MAX_INPUT_HISTORY)
  return emptyEditor(history)
}

function isWordChar (ch: string | undefined): boolean {
  return ch !== undefined && ch !== ' '
}

/** Applies an editing key; returns null when the key is not an editing key. */
export function editKey (ed: LineEditor, key: Key, withHistory = true): LineEditor | null {
  const name = key.ctrl === true ? `C-${key.name}` : key.name
  if (ed.selected === true) {
    // A selected line: typing replaces it, deleting clears it, anything else unselects it first.
    const cleared: LineEditor = { ...ed, text: '', cursor: 0, historyIndex: null, selected: false }
    if (isPrintable(key)) return editKey(cleared, key, withHistory)
    if (['backspace', 'C-h', 'delete', 'C-d', 'C-u', 'C-k', 'C-w'].includes(name)) return cleared
    const moved = editKey({ ...ed, selected: false }, key, withHistory)
    return moved
  }
  const chars = [...ed.text]
  const at = ed.cursor
  const set = (next: string[], cursor: number): LineEditor => ({ ...ed, text: next.join(''), cursor, historyIndex: null })
  if (isPrintable(key)) {
    const head = chars.slice(0, at).join('') + (key.ch ?? '')
    // Counted again: half of a surrogate pair typed after the other half makes one code point of two.
    return { ...set([head, ...chars.slice(at)], 0), cursor: [...head].length }
  }
  const bounds = clusterBoundaries(ed.text)
  const before = bounds.findLast(b => b < at) ?? 0
  const after = bounds.find(b => b > at) ?? chars.length
  switch (name) {
    case 'backspace':
    case 'C-h':
      return at === 0 ? ed : set([...chars.slice(0, before), ...chars.slice(at)], before)
    case 'delete':
    case 'C-d':
      return at >= chars.length ? ed : set([...chars.slice(0, at), ...chars.slice(after)], at)
    case 'left':
    case 'C-b':
      return { ...ed, cursor: before }
    case 'right':
    case 'C-f':
      return { ...ed, cursor: Math.min(chars.length, after) }
    case 'home':
    case 'C-a':
      return { ...ed, cursor: 0 }
    case 'end':
    case 'C-e':
      return { ...ed, cursor: chars.length }
    case 'C-u':
      return set(chars.slice(at), 0)
    case 'C-k':
      return set(chars.slice(0, at), at)
    case 'C-w': {
      let start = at
      while (start > 0 && !isWordChar(chars[start - 1])) start--
      while (start > 0 && isWordChar(chars[start - 1])) start--
      return set([...chars.slice(0, start), ...chars.slice(at)], start)
    }
    case 'up': {
      if (!withHistory || ed.history.length === 0) return ed
      const index = ed.historyIndex === null ? ed.history.length - 1 : Math.max(0, ed.historyIndex - 1)
      const text = ed.history[index] ?? ''
      return { ...ed, text, cursor: [...text].length, historyIndex: index, draft: ed.historyIndex === null ? ed.text : ed.draft }
    }
    case 'down': {
      if (!withHistory || ed.historyIndex === null) return ed
      const index = ed.historyIndex + 1
      if (index >= ed.history.length) return { ...ed, text: ed.draft, cursor: [...ed.draft].length, historyIndex: null }
      const text = ed.history[index] ?? ''
      return { ...ed, text, cursor: [...text].length, historyIndex: index }
    }
    default:
      return null
  }
}
