import { LanchatError } from '../../src/errors.js'
import { StoreError } from '../../store/index.js'
import { COMMANDS } from './commands.js'
import { LineSplitter } from './lines.js'
import type { Reply } from './commands.js'
import type { Params } from './params.js'
import type { LanchatNode, NodeEvents } from '../../src/node.js'

/** A command line longer than this is refused (LINE_TOO_LONG) and skipped. */
export const MAX_LINE_LENGTH = 1024 * 1024

/** Node events forwarded as `{"event": name, ...detail}` lines. */
const EVENTS: Array<keyof NodeEvents> = [
  'peer:connected', 'peer:disconnected', 'lan:foreign', 'role:changed', 'login:required', 'login', 'identity:conflict',
  'message', 'message:status', 'message:blocked', 'message:updated', 'presence', 'lobby', 'typing',
  'group:message', 'group:changed', 'group:status',
  'file:offer', 'file:progress', 'file:done', 'file:failed'
]

export interface HeadlessIo {
  input: NodeJS.ReadableStream
  output: NodeJS.WritableStream
}

type Id = string | number | null

/**
 * Headless mode: one JSON command per line in, one JSON reply or event per
 * line out. Resolves when the session ends (EOF or `quit`); the caller then
 * stops the node.
 */
export async function runHeadless (node: LanchatNode, io: HeadlessIo): Promise<void> {
  // The first line of a turn of the event loop leaves at once (no added
  // latency); the ones made after it in the same turn follow in one write once
  // the running callbacks and their promise reactions are done (a burst of
  // replies and events is a few syscalls, not one per line). Once the session
  // ends, every line leaves at once (the process may exit soon).
  let buffered = ''
  let turn = false
  let closing = false
  const flush = (): void => {
    turn = false
    if (buffered === '') return
    const out = buffered
    buffered = ''
    io.output.write(out)
  }
  const write = (obj: Record<string, unknown>): void => {
    const line = JSON.stringify(obj) + '\n'
    if (turn && !closing) {
      buffered += line
      return
    }
    flush()
    io.output.write(line)
    if (!closing) {
      turn = true
      process.nextTick(flush)
    }
  }
  const fail = (id: Id, code: string, message: string): void => {
    write({ id, ok: false, error: { code, message } })
  }

  for (const name of EVENTS) {
    node.addEventListener(name, evt => { write({ event: name, ...evt.detail }) })
  }
  const { peerId, addrs } = node.status()
  write({ event: 'ready', peerId, addrs })
  // A node that was logged in before it restarted says so, and waits for the password.
  const who = node.whoami()
  if (who.username !== null && !who.loggedIn) write({ event: 'login:required', username: who.username, reason: 'restarted' })

  const { promise: ended, resolve: end } = Promise.withResolvers<void>()
  const pending = new Set<Promise<void>>()

  const execute = async (id: Id, name: string, params: Params): Promise<void> => {
    // Own properties only: a name like __proto__ or toString is no command.
    const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined
    if (command === undefined) {
      fail(id, 'UNKNOWN_COMMAND', `unknown command '${name}' (commands: ${[...Object.keys(COMMANDS), 'quit'].join(', ')})`)
      return
    }
    try {
      const reply: Reply = await command(node, params)
      write({ ...reply, id, ok: true })
    } catch (err) {
      if (err instanceof LanchatError || err instanceof StoreError) fail(id, err.code, err.message)
      else fail(id, 'INTERNAL', err instanceof Error ? err.message : String(err))
    }
  }

  const onLine = (line: string): void => {
    if (line.trim() === '') return
    let msg: unknown
    try {
      msg = JSON.parse(line)
    } catch {
      fail(null, 'BAD_JSON', 'a command is one JSON object per line')
      return
    }
    if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) {
      fail(null, 'BAD_COMMAND', 'a command is a JSON object like {"id":1,"cmd":"status"}')
      return
    }
    const params = msg as Params
    const rawId = params.id
    const id: Id = typeof rawId === 'string' || typeof rawId === 'number' ? rawId : null
    if (typeof params.cmd !== 'string') {
      fail(id, 'BAD_COMMAND', "a command needs a string field 'cmd'")
      return
    }
    if (params.cmd === 'quit') {
      write({ id, ok: true })
      end()
      return
    }
    const run = execute(id, params.cmd, params)
    pending.add(run)
    void run.finally(() => pending.delete(run))
  }

  const splitter = new LineSplitter(MAX_LINE_LENGTH, onLine, () => {
    fail(null, 'LINE_TOO_LONG', `a command line may be at most ${MAX_LINE_LENGTH} bytes`)
  })
  const onData = (chunk: Buffer | string): void => { splitter.push(chunk.toString()) }
  const onEnd = (): void => {
    splitter.end()
    end()
  }
  io.input.setEncoding('utf8')
  io.input.on('data', onData)
  io.input.on('end', onEnd)
  try {
    await ended
    // Let commands already under way answer before the node stops.
    await Promise.allSettled(pending)
  } finally {
    closing = true
    flush()
    io.input.off('data', onData)
    io.input.off('end', onEnd)
    io.input.pause()
  }
}
