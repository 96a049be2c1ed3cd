/**
 * The input line's slash commands: parsing (a bad line gives an error to
 * show, never a throw) and their help. Commands map onto node methods in the
 * view model's effects, as the headless commands do.
 */

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

export type CommandName = Command['name']

export interface CommandSpec {
  name: CommandName
  /** Arguments as the usage line shows them */
  args: string
  summary: string
  /** Whether the (last) argument is a user name, for completion */
  userArg: boolean
}

export const COMMANDS: readonly CommandSpec[] = [
  { name: 'dm', args: '<user>', summary: 'chat with <user>', userArg: true },
  { name: 'users', args: '', summary: 'who is on the network', userArg: false },
  { name: 'roles', args: '', summary: 'who holds relay, idp and kacls', userArg: false },
  { name: 'verify', args: '<user>', summary: 'safety number to compare in person', userArg: true },
  { name: 'trust', args: '<user>', summary: "accept <user>'s current identity key", userArg: true },
  { name: 'register', args: '[user]', summary: 'create an account (a form)', userArg: true },
  { name: 'login', args: '[user]', summary: 'log in (a form)', userArg: true },
  { name: 'help', args: '[command]', summary: 'this list, or one command', userArg: false },
  { name: 'quit', args: '', summary: 'stop the node and leave', userArg: false }
]

export type Parsed<T> = { ok: true, value: T } | { ok: false, error: string }

/** Usernames as the idp accepts them: 3 to 32 of a-z 0-9 . _ -, starting with a letter, compared in lower case. */
const USERNAME = /^[a-z][a-z0-9._-]{2,31}$/

export function parseUsername (raw: string): Parsed<string> {
  const name = raw.normalize('NFKC').toLowerCase()
  if (!USERNAME.test(name)) {
    return { ok: false, error: `'${raw}' is not a username: 3 to 32 letters, digits, dot, dash or underscore, starting with a letter` }
  }
  return { ok: true, value: name }
}

export function usage (spec: CommandSpec): string {
  return `/${spec.name}${spec.args === '' ? '' : ' ' + spec.args}`
}

function specOf (name: string): CommandSpec | undefined {
  return COMMANDS.find(c => c.name === name)
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
  const max = spec.args === '' ? 0 : 1
  const required = spec.args.startsWith('<')
  if (args.length > max || (required && args.length === 0)) {
    return { ok: false, error: `usage: ${usage(spec)}  (${spec.summary})` }
  }
  const arg = args[0]
  const user = (): Parsed<string> | undefined => arg === undefined ? undefined : parseUsername(arg)
  switch (spec.name) {
    case 'help': {
      if (arg !== undefined && specOf(arg.replace(/^\//, '').toLowerCase()) === undefined) {
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
  }
}

/** The /help text, or one command's. */
export function helpLines (topic?: string): string[] {
  if (topic !== undefined) {
    const spec = specOf(topic)
    return spec === undefined ? [`no command /${topic}`] : [`${usage(spec)}: ${spec.summary}`]
  }
  const width = Math.max(...COMMANDS.map(c => usage(c).length)) + 2
  return [
    'Commands:',
    ...COMMANDS.map(c => `  ${usage(c).padEnd(width)}${c.summary}`),
    'Keys: Tab completes, or moves to the next pane.',
    '  Shift-Tab: previous pane.',
    '  Ctrl-N / Ctrl-P: next / previous conversation.',
    '  PgUp / PgDn: scroll; older messages load at the top.',
    '  Up / Down: lines typed before. Ctrl-C: quit.',
    '  A line starting // sends a line starting /.'
  ]
}
