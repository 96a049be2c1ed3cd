/**
 * Tab completion, pure: command names after a leading '/', user and group
 * names elsewhere (also after '@').
 */
import { COMMANDS } from './commands.js'

export interface Completion {
  /** Code point index where the completed word starts */
  start: number
  /** Code point index where it ends (the cursor) */
  end: number
  /** Candidates in the order Tab cycles through them; empty: nothing matches */
  options: string[]
}

/**
 * What the word before the cursor may complete to, or null when there is no
 * word to complete (the cursor follows a space, or the line is empty).
 */
export function completionAt (text: string, cursor: number, names: readonly string[]): Completion | null {
  const chars = [...text]
  let start = cursor
  while (start > 0 && chars[start - 1] !== ' ') start--
  const word = chars.slice(start, cursor).join('')
  const before = chars.slice(0, start).join('').trim()
  if (word === '') return null
  if (before === '' && word.startsWith('/')) {
    const prefix = word.slice(1).toLowerCase()
    return { start, end: cursor, options: COMMANDS.filter(c => c.name.startsWith(prefix)).map(c => `/${c.name}`) }
  }
  if (before.startsWith('/')) {
    const [head, ...rest] = before.split(/\s+/)
    const spec = COMMANDS.find(c => `/${c.name}` === head?.toLowerCase())
    // Only a command's single user argument completes; `/help d` and the like do not.
    if (spec === undefined || !spec.userArg || rest.length > 0) return { start, end: cursor, options: [] }
  }
  const at = word.startsWith('@') ? '@' : ''
  const prefix = word.slice(at.length).toLowerCase()
  const options = [...new Set(names)]
    .filter(n => n.toLowerCase().startsWith(prefix))
    .sort()
    .map(n => at + n)
  return { start, end: cursor, options }
}

/** The text and cursor with `option` put in place of the word. */
export function applyCompletion (text: string, c: Pick<Completion, 'start' | 'end'>, option: string): { text: string, cursor: number } {
  const chars = [...text]
  const after = chars.slice(c.end)
  const space = after[0] === ' ' ? '' : ' '
  const inserted = [...option, ...space]
  return { text: [...chars.slice(0, c.start), ...inserted, ...after].join(''), cursor: c.start + inserted.length }
}
