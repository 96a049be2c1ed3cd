/**
 * The input line's slash commands: parsing (a bad line gives an error to
 * show, never a throw) and their help. Commands map onto node methods in the
 * view model's effects, as the headless commands do.
 */

import { checkGroupName } from '../../src/groups/index.js'
import { canonicalUsername } from '../../src/usernames.js'

export type Command =
  | { name: 'help', topic?: string }
  | { name: 'quit' }
  | { name: 'register', username?: string }
  | { name: 'login', username?: string }
  | { name: 'dm', user: string }
  | { name: 'users' }
  | { name: 'roles' }
  | { name: 'verify', user: string }
  | { name: 'trust', user: string }
  | { name: 'group', sub: 'create', group: string, members: string[] }
  | { name: 'group', sub: 'open', group: string }
  | { name: 'group', sub: 'invite' | 'kick' | 'promote', user: string }
  | { name: 'group', sub: 'members' | 'leave' }
  /** Message N of the open conversation, counted back from the newest (1) */
  | { name: 'reply' | 'edit', n: number, text: string }
  | { name: 'delete' | 'info', n: number }
  | { name: 'react', n: number, emoji: string, remove: boolean }
  | { name: 'search', query: string, here: boolean }
  | { name: 'jump', n: number }
  | { name: 'file', path: string }
  | { name: 'files' }
  | { name: 'accept' | 'cancel', n: number }

export type CommandName = Command['name']
export type GroupCommand = Extract<Command, { name: 'group' }>
export type GroupSub = GroupCommand['sub']

export interface CommandSpec {
  name: CommandName
  /** Listed under /help messages or /help file rather than /help */
  topic?: 'messages' | 'file'
  /** Arguments as the usage line shows them */
  args: string
  summary: string
  /** Whether the (last) argument is a user name, for completion */
  userArg: boolean
  /** Whether the argument is a path on this machine, for completion */
  pathArg?: boolean
}

export const COMMANDS: readonly CommandSpec[] = [
  { name: 'dm', args: '<user>', summary: 'chat with <user>', userArg: true },
  { name: 'users', args: '', summary: 'who is on the network', userArg: false },
  { name: 'roles', args: '', summary: 'who holds relay, idp and kacls', userArg: false },
  { name: 'verify', args: '<user>', summary: 'safety number to compare in person', userArg: true },
  { name: 'trust', args: '<user>', summary: "accept <user>'s current identity key", userArg: true },
  { name: 'group', args: '<command> ...', summary: 'group chat: /help group', userArg: false },
  { name: 'reply', topic: 'messages', args: '<N> <text>', summary: 'answer message N (1: the newest), quoting it', userArg: false },
  { name: 'edit', topic: 'messages', args: '<N> <text>', summary: 'change your message N for everyone', userArg: false },
  { name: 'delete', topic: 'messages', args: '<N>', summary: 'delete your message N for everyone', userArg: false },
  { name: 'react', topic: 'messages', args: '<N> <emoji>', summary: 'react to message N (-<emoji> takes it back)', userArg: false },
  { name: 'info', topic: 'messages', args: '<N>', summary: 'message N: date, time, delivery, edits', userArg: false },
  { name: 'search', topic: 'messages', args: '[-here] <words>', summary: 'find messages with these words (-here: this conversation)', userArg: false },
  { name: 'jump', topic: 'messages', args: '<N>', summary: 'open search result N at its message', userArg: false },
  { name: 'file', args: '<path>', summary: 'send a file here: /help file', userArg: false, pathArg: true },
  { name: 'files', args: '', summary: 'files sent and received, with their numbers and state', userArg: false, topic: 'file' },
  { name: 'accept', args: '<n>', summary: 'download file n (the number /files shows)', userArg: false, topic: 'file' },
  { name: 'cancel', args: '<n>', summary: 'stop file n: a download, or a file you sent', userArg: false, topic: 'file' },
  { name: 'register', args: '[user]', summary: 'create an account (a form)', userArg: true },
  { name: 'login', args: '[user]', summary: 'log in (a form)', userArg: true },
  { name: 'help', args: '[command]', summary: 'this list, or one command', userArg: false },
  { name: 'quit', args: '', summary: 'stop the node and leave', userArg: false }
]

/** What a /group subcommand's arguments complete to with Tab. */
export type ArgKind = 'none' | 'group' | 'user' | 'member' | 'nonMember' | 'nonAdmin'

export interface GroupSubSpec {
  sub: GroupSub
  args: string
  summary: string
  /** What the first argument completes to, and what later ones do (create: a new name, then users) */
  first: ArgKind
  rest: ArgKind
}

export const GROUP_COMMANDS: readonly GroupSubSpec[] = [
  { sub: 'create', args: '<name> [user ...]', summary: 'a new group: you (its admin) and these users', first: 'none', rest: 'user' },
  { sub: 'open', args: '<name>', summary: 'switch to a group', first: 'group', rest: 'none' },
  { sub: 'invite', args: '<user>', summary: 'add <user> to the open group (admins)', first: 'nonMember', rest: 'none' },
  { sub: 'kick', args: '<user>', summary: 'remove <user> from the open group (admins)', first: 'member', rest: 'none' },
  { sub: 'promote', args: '<user>', summary: 'make a member an admin of the open group (admins)', first: 'nonAdmin', rest: 'none' },
  { sub: 'members', args: '', summary: 'who is in the open group, who are its admins', first: 'none', rest: 'none' },
  { sub: 'leave', args: '', summary: 'leave the open group', first: 'none', rest: 'none' }
]

export type Parsed<T> = { ok: true, value: T } | { ok: false, error: string }

/** A username as the idp accepts it (the node's one rule), in its canonical form. */
export function parseUsername (raw: string): Parsed<string> {
  try {
    return { ok: true, value: canonicalUsername(raw) }
  } catch (err) {
    return { ok: false, error: (err as Error).message }
  }
}

export function usage (spec: CommandSpec): string {
  return `/${spec.name}${spec.args === '' ? '' : ' ' + spec.args}`
}

function specOf (name: string): CommandSpec | undefined {
  return COMMANDS.find(c => c.name === name)
}

export function groupSpecOf (sub: string): GroupSubSpec | undefined {
  return GROUP_COMMANDS.find(c => c.sub === sub)
}

export function groupUsage (spec: GroupSubSpec): string {
  return `/group ${spec.sub}${spec.args === '' ? '' : ' ' + spec.args}`
}

/**
 * Splits a command line into words; a word in double quotes may hold spaces
 * ("team alpha"). Null when a quote is not closed.
 */
export function splitWords (line: string): string[] | null {
  const words: string[] = []
  let word = ''
  let inWord = false
  let quoted = false
  for (const ch of line) {
    if (quoted) {
      if (ch === '"') quoted = false
      else word += ch
    } else if (ch === '"') {
      quoted = true
      inWord = true
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(word)
      word = ''
      inWord = false
    } else {
      word += ch
      inWord = true
    }
  }
  if (quoted) return null
  if (inWord) words.push(word)
  return words
}

/** A group name as typed, by the node's own rule. */
export function parseGroupName (raw: string): Parsed<string> {
  try {
    return { ok: true, value: checkGroupName(raw) }
  } catch (err) {
    return { ok: false, error: `${(err as Error).message} (in double quotes if it has spaces)` }
  }
}

const GROUP_SUBS = GROUP_COMMANDS.map(c => c.sub).join('|')

function parseGroup (args: string[]): Parsed<Command> {
  const [head, ...rest] = args
  if (head === undefined) return { ok: false, error: `usage: /group ${GROUP_SUBS} ...  (/help group)` }
  const spec = groupSpecOf(head.toLowerCase())
  if (spec === undefined) return { ok: false, error: `no /group ${head}: /group ${GROUP_SUBS} (/help group)` }
  const bad: Parsed<Command> = { ok: false, error: `usage: ${groupUsage(spec)}  (${spec.summary})` }
  switch (spec.sub) {
    case 'create': {
      if (rest[0] === undefined) return bad
      const name = parseGroupName(rest[0])
      if (!name.ok) return name
      const members: string[] = []
      for (const raw of rest.slice(1)) {
        const u = parseUsername(raw)
        if (!u.ok) return u
        if (!members.includes(u.value)) members.push(u.value)
      }
      return { ok: true, value: { name: 'group', sub: 'create', group: name.value, members } }
    }
    case 'open': {
      if (rest.length !== 1 || rest[0] === undefined) return bad
      return { ok: true, value: { name: 'group', sub: 'open', group: rest[0] } }
    }
    case 'invite':
    case 'kick':
    case 'promote': {
      if (rest.length !== 1 || rest[0] === undefined) return bad
      const u = parseUsername(rest[0])
      return u.ok ? { ok: true, value: { name: 'group', sub: spec.sub, user: u.value } } : u
    }
    case 'members':
    case 'leave':
      return rest.length > 0 ? bad : { ok: true, value: { name: 'group', sub: spec.sub } }
  }
}

/** The path of `/file PATH`: the rest of the line (spaces and all), or one word in double quotes. */
function parsePath (rest: string): Parsed<string> {
  const text = rest.trim()
  if (text === '') return { ok: false, error: 'usage: /file <path>  (Tab completes it)' }
  if (text.startsWith('"')) {
    const words = splitWords(text)
    if (words === null || words.length !== 1) return { ok: false, error: 'a path in double quotes is one path: /file "my file.txt"' }
    return { ok: true, value: words[0]! }
  }
  return { ok: true, value: text }
}

/** Parses a line starting with '/'. */
export function parseCommand (line: string): Parsed<Command> {
  const words = line.trim().split(/\s+/)
  const head = words[0] ?? ''
  const args = words.slice(1)
  const name = head.slice(1).toLowerCase()
  if (name === '') return { ok: false, error: 'a command follows the /: /help lists them (start with // to send a line beginning with /)' }
  const spec = specOf(name)
  if (spec === undefined) return { ok: false, error: `unknown command /${name}: /help lists the commands` }
  const rest = line.trim().slice(head.length).trim()
  const numbered = (): { n: number, after: string } | undefined => {
    const m = /^(\d{1,6})(?:\s+([\s\S]*))?$/.exec(rest)
    return m === null || Number(m[1]) < 1 ? undefined : { n: Number(m[1]), after: (m[2] ?? '').trim() }
  }
  const bad = { ok: false as const, error: `usage: ${usage(spec)}  (${spec.summary}; N counts back from the newest message, 1)` }
  switch (spec.name) {
    case 'reply':
    case 'edit': {
      const a = numbered()
      return a === undefined || a.after === '' ? bad : { ok: true, value: { name: spec.name, n: a.n, text: rest.replace(/^\d+\s+/, '') } }
    }
    case 'delete':
    case 'info':
    case 'jump': {
      const a = numbered()
      return a === undefined || a.after !== '' ? bad : { ok: true, value: { name: spec.name, n: a.n } }
    }
    case 'react': {
      const a = numbered()
      if (a === undefined || a.after === '' || /\s/.test(a.after)) return bad
      const remove = a.after.startsWith('-')
      return { ok: true, value: { name: 'react', n: a.n, emoji: remove ? a.after.slice(1) : a.after, remove } }
    }
    case 'search': {
      const here = /^-here(\s|$)/.test(rest)
      const query = here ? rest.slice(5).trim() : rest
      return query === '' ? bad : { ok: true, value: { name: 'search', query, here } }
    }
  }
  if (spec.name === 'file') {
    const path = parsePath(line.trim().slice(head.length))
    return path.ok ? { ok: true, value: { name: 'file', path: path.value } } : path
  }
  if (spec.name === 'group') {
    const quoted = splitWords(line.trim())
    if (quoted === null) return { ok: false, error: 'a " is not closed: put a group name with spaces in double quotes' }
    return parseGroup(quoted.slice(1))
  }
  const max = spec.args === '' ? 0 : 1
  const required = spec.args.startsWith('<')
  if (args.length > max || (required && args.length === 0)) {
    return { ok: false, error: `usage: ${usage(spec)}  (${spec.summary})` }
  }
  const arg = args[0]
  const user = (): Parsed<string> | undefined => arg === undefined ? undefined : parseUsername(arg)
  switch (spec.name) {
    case 'help': {
      if (arg !== undefined && arg !== 'messages' && specOf(arg.replace(/^\//, '').toLowerCase()) === undefined) {
        return { ok: false, error: `no command /${arg.replace(/^\//, '')}: /help lists the commands` }
      }
      return { ok: true, value: arg === undefined ? { name: 'help' } : { name: 'help', topic: arg.replace(/^\//, '').toLowerCase() } }
    }
    case 'quit': return { ok: true, value: { name: 'quit' } }
    case 'users': return { ok: true, value: { name: 'users' } }
    case 'roles': return { ok: true, value: { name: 'roles' } }
    case 'register':
    case 'login': {
      const u = user()
      if (u === undefined) return { ok: true, value: { name: spec.name } }
      return u.ok ? { ok: true, value: { name: spec.name, username: u.value } } : u
    }
    case 'dm':
    case 'verify':
    case 'trust': {
      const u = user()
      if (u === undefined) return { ok: false, error: `usage: ${usage(spec)}` }
      return u.ok ? { ok: true, value: { name: spec.name, user: u.value } } : u
    }
    case 'files': return { ok: true, value: { name: 'files' } }
    case 'accept':
    case 'cancel': {
      const n = Number((arg ?? '').replace(/^#/, ''))
      if (!Number.isInteger(n) || n < 1) return { ok: false, error: `usage: ${usage(spec)}  (the number /files shows)` }
      return { ok: true, value: { name: spec.name, n } }
    }
  }
}

/** The /help text, or one command's. */
/** Commands as help lines: usage, padded to one column, then what each does. */
function usageTable (list: readonly CommandSpec[], summary = (c: CommandSpec): string => c.summary): string[] {
  const width = Math.max(...list.map(c => usage(c).length)) + 2
  return list.map(c => `  ${usage(c).padEnd(width)}${summary(c)}`)
}

export function helpLines (topic?: string): string[] {
  const groupLines = (width: number): string[] => GROUP_COMMANDS.map(c => `  ${groupUsage(c).padEnd(width)}${c.summary}`)
  if (topic === 'group') {
    const width = Math.max(...GROUP_COMMANDS.map(c => groupUsage(c).length)) + 2
    return [
      'Group commands (invite, kick, promote, members and leave act on the open group):',
      ...groupLines(width),
      'A group name with spaces goes in double quotes. Tab completes group and user names.'
    ]
  }
  if (topic === 'messages') {
    return [
      'Messages (N counts back from the newest message of the open conversation: 1 is the last one):',
      ...usageTable(COMMANDS.filter(c => c.topic === 'messages')),
      'In the messages pane, Up / Down select a message; then Ctrl-R replies, Ctrl-E edits, Ctrl-D deletes, Ctrl-O shows /info.',
      'Edits and deletions are for your own messages, in direct chats and groups (the lobby has none).'
    ]
  }
  if (topic === 'file' || topic === 'files') {
    return [
      'Files (end-to-end encrypted, resumable; small ones download on their own):',
      ...usageTable(COMMANDS.filter(c => c.name === 'file' || c.topic === 'file'), c => c.name === 'file' ? 'send a file to the open chat or group (Tab completes the path)' : c.summary),
      'The chat shows each file\'s progress under its message, then where it was saved.'
    ]
  }
  if (topic !== undefined) {
    const spec = specOf(topic)
    return spec === undefined ? [`no command /${topic}`] : [`${usage(spec)}: ${spec.summary}`]
  }
  return [
    'Commands:',
    ...usageTable(COMMANDS.filter(c => c.topic === undefined)),
    '  /help messages: reply, edit, delete, react, info, search',
    'Keys: Tab completes or moves on; Shift-Tab moves back.',
    '  Ctrl-N / Ctrl-P: next / previous conversation (lobby, groups, direct chats).',
    '  PgUp / PgDn: scroll; older messages load at the top.',
    '  Up / Down: lines typed before (messages pane: select one). Ctrl-C: quit.',
    '  A line starting // sends a line starting /.'
  ]
}
