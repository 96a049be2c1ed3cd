/**
 * Tab completion, pure: command names after a leading '/', /group
 * subcommands, group names where a group is asked for, user names elsewhere
 * (also after '@').
 */
import { COMMANDS, GROUP_COMMANDS, groupSpecOf, splitWords } from './commands.js'
import type { ArgKind } from './commands.js'

export interface Completion {
  /** Code point index where the completed word starts */
  start: number
  /** Code point index where it ends (the cursor) */
  end: number
  /** Candidates in the order Tab cycles through them; empty: nothing matches */
  options: string[]
}

/** The names Tab offers, by what is asked for. */
export interface CompletionNames {
  /** Users: anyone seen (not oneself) */
  users: readonly string[]
  /** Names of the groups this node knows */
  groups?: readonly string[]
  /** Members of the open group, oneself left out */
  members?: readonly string[]
  /** Admins of the open group */
  admins?: readonly string[]
  /** Paths on this machine starting with a prefix (directories end in '/'): `/file` completes them */
  paths?: (prefix: string) => readonly string[]
}

/** A group name as it has to be typed: in double quotes when it has spaces. */
export function quoteName (name: string): string {
  return /\s/.test(name) ? `"${name}"` : name
}

function candidates (kind: ArgKind, names: CompletionNames, typed: readonly string[]): string[] {
  const members = names.members ?? []
  switch (kind) {
    case 'none': return []
    case 'group': return (names.groups ?? []).map(quoteName)
    case 'user': return names.users.filter(u => !typed.includes(u))
    case 'member': return [...members]
    case 'nonMember': return names.users.filter(u => !members.includes(u))
    case 'nonAdmin': return members.filter(u => !(names.admins ?? []).includes(u))
  }
}

function matching (options: readonly string[], prefix: string, at = ''): string[] {
  const p = prefix.toLowerCase()
  return [...new Set(options)]
    .filter(n => n.replace(/^"/, '').toLowerCase().startsWith(p))
    .sort()
    .map(n => at + n)
}

/**
 * What the word before the cursor may complete to, or null when there is no
 * word to complete (the line is empty, or the cursor follows a space outside
 * a command's arguments). A bare list of names is taken as user names.
 */
export function completionAt (text: string, cursor: number, source: readonly string[] | CompletionNames): Completion | null {
  const names: CompletionNames = Array.isArray(source) ? { users: source as readonly string[] } : source as CompletionNames
  const chars = [...text]
  let start = cursor
  while (start > 0 && chars[start - 1] !== ' ') start--
  const word = chars.slice(start, cursor).join('')
  const before = chars.slice(0, start).join('').trim()
  // An empty word completes only a command's argument ('/group ' Tab lists the subcommands).
  if (word === '' && !before.startsWith('/')) return null
  const result = (options: string[]): Completion | null => word === '' && options.length === 0 ? null : { start, end: cursor, options }
  if (before === '' && word.startsWith('/')) {
    const prefix = word.slice(1).toLowerCase()
    return result(COMMANDS.filter(c => c.name.startsWith(prefix)).map(c => `/${c.name}`))
  }
  if (before.startsWith('/')) {
    const words = splitWords(before)
    if (words === null) return result([])
    const [head, ...rest] = words
    if (head?.toLowerCase() === '/group') {
      const [sub, ...args] = rest
      if (sub === undefined) return result(GROUP_COMMANDS.map(c => c.sub).filter(s => s.startsWith(word.toLowerCase())))
      const spec = groupSpecOf(sub.toLowerCase())
      if (spec === undefined) return result([])
      const kind = args.length === 0 ? spec.first : spec.rest
      return result(matching(candidates(kind, names, args.map(a => a.toLowerCase())), word.replace(/^"/, '')))
    }
    const spec = COMMANDS.find(c => `/${c.name}` === head?.toLowerCase())
    if (spec?.pathArg === true && rest.length === 0) return result([...(names.paths?.(word) ?? [])].sort())
    // Only a command's single user argument completes; `/help d` and the like do not.
    if (spec === undefined || !spec.userArg || rest.length > 0) return result([])
    return result(matching(names.users, word))
  }
  const at = word.startsWith('@') ? '@' : ''
  return result(matching(names.users, word.slice(at.length), at))
}

/** The text and cursor with `option` put in place of the word. */
export function applyCompletion (text: string, c: Pick<Completion, 'start' | 'end'>, option: string): { text: string, cursor: number } {
  const chars = [...text]
  const after = chars.slice(c.end)
  // A directory completed goes on into it: no space after its '/'.
  const space = after[0] === ' ' || option.endsWith('/') ? '' : ' '
  const inserted = [...option, ...space]
  return { text: [...chars.slice(0, c.start), ...inserted, ...after].join(''), cursor: c.start + inserted.length }
}
