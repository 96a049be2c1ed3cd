/**
 * Runs the view model against a node: node events and the results of node
 * calls become actions, the view model's effects become node calls, and every
 * change is rendered (coalesced). It never waits on the network itself: calls
 * run in the background and report back as actions. No terminal here either.
 */
import { renderFrame } from './frame.js'
import { groupIdOf, LOBBY } from './state.js'
import { completePaths, resolvePath } from './paths.js'
import { groupConversation } from './conversation.js'
import { initialState, update } from './view-model.js'
import type { Formatters, Frame } from './frame.js'
import type { Action, Effect, Snapshot, TuiState } from './state.js'
import type { LanchatNode, NodeEvents } from '../../src/node.js'
import type { TerminalWidths } from './text.js'

/** The part of the node's API the terminal UI drives: the same methods the headless commands call. */
export type TuiNode = Pick<LanchatNode,
  'status' | 'roleHolders' | 'whoami' | 'register' | 'login' | 'send' | 'history' | 'conversations' | 'markRead' |
  'users' | 'lobbySend' | 'checkUser' | 'verify' | 'trust' | 'groups' | 'groupCreate' | 'groupInvite' | 'groupKick' | 'groupPromote' |
  'groupLeave' | 'groupMembers' | 'groupSend' | 'addEventListener' | 'removeEventListener' |
  'reply' | 'edit' | 'deleteMessage' | 'react' | 'messageInfo' | 'search' | 'historyFrom' | 'typing' |
  'fileSend' | 'fileAccept' | 'fileCancel' | 'files'>

export interface ControllerOptions {
  size: { width: number, height: number }
  render: (frame: Frame) => void
  /** Called once when the person quits (/quit, Ctrl-C) */
  onQuit: () => void
  /** Rings the terminal bell */
  bell?: () => void
  /** Clears the terminal and draws it all again (Ctrl-L) */
  redraw?: () => void
  /** How the terminal draws text (default: as current Unicode says) */
  terminal?: TerminalWidths
  /** Ring the bell for new messages not in sight (default true; --no-bell) */
  bellEnabled?: boolean
  /** Tell contacts when this user types to them (default true; --no-typing) */
  typingEnabled?: boolean
  /** How often the status bar is refreshed from the node (ms, default 1000) */
  snapshotIntervalMs?: number
  now?: () => number
  format?: Formatters
  /** Defers rendering so a burst of changes draws once (default setImmediate) */
  defer?: (fn: () => void) => void
  /** What /file's Tab offers for a prefix (default: this machine's directories) */
  paths?: (prefix: string) => readonly string[]
  /** The file a typed path names (default: `~/` is home, relative to the working directory) */
  resolvePath?: (typed: string) => string
}

/** An error as one line for a person: its message, and its code when it has one. Never a stack trace. */
export function describeError (err: unknown): { message: string, code?: string } {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code
    let message = err.message === '' ? err.name : err.message
    if (code === 'LOGIN_REQUIRED') message += ' (/login)'
    return typeof code === 'string' ? { message, code } : { message }
  }
  return { message: String(err) }
}

export class TuiController {
  state: TuiState
  private readonly node: TuiNode
  private readonly options: ControllerOptions
  private readonly now: () => number
  private readonly defer: (fn: () => void) => void
  private readonly listeners: Array<() => void> = []
  private timer?: ReturnType<typeof setInterval>
  private renderQueued = false
  private snapshotQueued = false
  private stopped = false
  private quitCalled = false
  private readonly reading = new Map<string, boolean>()

  constructor (node: TuiNode, options: ControllerOptions) {
    this.node = node
    this.options = options
    this.now = options.now ?? Date.now
    this.defer = options.defer ?? (fn => { setImmediate(fn) })
    const { state, effects } = initialState(options.size, this.snapshot(), {
      ...(options.terminal !== undefined ? { terminal: options.terminal } : {}),
      ...(options.bellEnabled !== undefined ? { bell: options.bellEnabled } : {}),
      ...(options.typingEnabled !== undefined ? { typing: options.typingEnabled } : {})
    })
    this.state = state
    this.runAll(effects)
  }

  /** Subscribes to the node's events, starts the status refresh, draws the first frame. */
  start (): void {
    this.on('message', evt => { this.dispatch({ type: 'message', message: evt.detail }) })
    this.on('lobby', evt => { this.dispatch({ type: 'message', message: { ...evt.detail, conversation: LOBBY } }) })
    this.on('group:message', evt => { this.dispatch({ type: 'message', message: evt.detail }) })
    this.on('group:changed', evt => {
      const { fork, ...info } = evt.detail
      this.dispatch({ type: 'groupChanged', info, ...(fork !== undefined ? { fork } : {}) })
    })
    this.on('group:status', evt => {
      const { id, group, status, code } = evt.detail
      this.dispatch({ type: 'groupStatus', id, group, status, ...(code !== undefined ? { code } : {}) })
    })
    this.on('message:status', evt => { this.dispatch({ type: 'status', ...evt.detail }) })
    this.on('message:updated', evt => { this.dispatch({ type: 'updated', ...evt.detail }) })
    this.on('typing', evt => { this.dispatch({ type: 'typing', username: evt.detail.username, typing: evt.detail.typing }) })
    this.on('message:blocked', evt => { this.dispatch({ type: 'blocked', id: evt.detail.id, conversation: evt.detail.conversation }) })
    this.on('presence', evt => {
      this.dispatch({ type: 'presence', username: evt.detail.username, online: evt.detail.online })
      this.refresh()
    })
    this.on('file:offer', evt => { this.dispatch({ type: 'fileOffer', offer: evt.detail }) })
    this.on('file:progress', evt => { this.dispatch({ type: 'fileProgress', progress: evt.detail }) })
    this.on('file:done', evt => { this.dispatch({ type: 'fileDone', done: evt.detail }) })
    this.on('file:failed', evt => { this.dispatch({ type: 'fileFailed', failed: evt.detail }) })
    this.on('login', () => { this.dispatch({ type: 'loggedIn', whoami: this.node.whoami() }) })
    this.on('login:required', evt => { this.dispatch({ type: 'loginRequired', ...evt.detail }) })
    this.on('identity:conflict', evt => { this.dispatch({ type: 'error', error: evt.detail.message }) })
    for (const type of ['peer:connected', 'peer:disconnected', 'role:changed', 'lan:foreign'] as const) this.on(type, () => { this.refresh() })
    this.timer = setInterval(() => { this.refreshNow() }, this.options.snapshotIntervalMs ?? 1000)
    this.timer.unref?.()
    this.render()
  }

  stop (): void {
    this.stopped = true
    clearInterval(this.timer)
    for (const off of this.listeners.splice(0)) off()
  }

  dispatch (action: Action): void {
    if (this.stopped) return
    let result
    try {
      result = update(this.state, action, this.now(), { ...(this.options.format !== undefined ? { format: this.options.format } : {}), paths: this.options.paths ?? completePaths })
    } catch (err) {
      // A bug in the view model must not take the node down: say so and carry on.
      result = update(this.state, { type: 'error', error: `internal error: ${describeError(err).message}` }, this.now())
    }
    this.state = result.state
    this.runAll(result.effects)
    this.queueRender()
  }

  private on<K extends keyof NodeEvents>(type: K, handler: (evt: NodeEvents[K]) => void): void {
    const listener = (evt: NodeEvents[K]): void => {
      try {
        handler(evt)
      } catch {}
    }
    this.node.addEventListener(type, listener)
    this.listeners.push(() => { this.node.removeEventListener(type, listener) })
  }

  snapshot (): Snapshot {
    const status = this.node.status()
    const whoami = this.node.whoami()
    let users: Snapshot['users'] = null
    if (whoami.loggedIn) {
      try {
        users = this.node.users()
      } catch {}
    }
    const foreign = status.foreign?.message
    return { status: { networkId: status.networkId, peerId: status.peerId, peers: status.peers.length, ...(foreign !== undefined ? { foreign } : {}) }, roles: this.node.roleHolders(), whoami, users }
  }

  /** Refreshes the status bar soon (coalesced). */
  private refresh (): void {
    if (this.snapshotQueued) return
    this.snapshotQueued = true
    this.defer(() => {
      this.snapshotQueued = false
      this.refreshNow()
    })
  }

  private refreshNow (): void {
    if (this.stopped) return
    let snapshot: Snapshot
    try {
      snapshot = this.snapshot()
    } catch {
      return // the node is stopping
    }
    this.dispatch({ type: 'snapshot', snapshot })
  }

  private queueRender (): void {
    if (this.renderQueued) return
    this.renderQueued = true
    this.defer(() => {
      this.renderQueued = false
      this.render()
    })
  }

  private render (): void {
    if (this.stopped) return
    this.options.render(renderFrame(this.state, this.now(), this.options.format))
  }

  private runAll (effects: Effect[]): void {
    // Chat and groups run by the time the node says 'login' (and login() resolves): the calls can go at once.
    for (const effect of effects) void this.run(effect)
  }

  /** Marks a conversation read; calls for one conversation never overlap (a burst of messages makes one or two calls). */
  private async markRead (conversation: string): Promise<void> {
    if (this.reading.has(conversation)) {
      this.reading.set(conversation, true)
      return
    }
    this.reading.set(conversation, false)
    try {
      do {
        this.reading.set(conversation, false)
        await this.node.markRead(conversation)
      } while (this.reading.get(conversation) === true && !this.stopped)
    } finally {
      this.reading.delete(conversation)
    }
  }

  private async run (effect: Effect): Promise<void> {
    const node = this.node
    try {
      switch (effect.type) {
        case 'register': {
          const r = await node.register(effect.username, effect.password)
          this.dispatch({ type: 'registered', username: r.username, fingerprint: r.fingerprint })
          break
        }
        case 'login':
          this.dispatch({ type: 'loggedIn', whoami: await node.login(effect.username, effect.password) })
          break
        case 'send': {
          const r = await node.send(effect.to, effect.text)
          this.dispatch({ type: 'sent', localId: effect.localId, conversation: effect.to, id: r.id, hlc: r.hlc })
          break
        }
        case 'lobbySend': {
          const r = await node.lobbySend(effect.text)
          this.dispatch({ type: 'posted', localId: effect.localId, id: r.id, hlc: r.hlc })
          break
        }
        case 'groupSend': {
          const r = await node.groupSend(effect.group, effect.text)
          this.dispatch({ type: 'sent', localId: effect.localId, conversation: groupConversation(effect.group), id: r.id, hlc: r.hlc })
          break
        }
        case 'history': {
          const messages = await node.history(effect.conversation, effect.limit, effect.before)
          this.dispatch({ type: 'history', conversation: effect.conversation, limit: effect.limit, messages, ...(effect.before !== undefined ? { before: effect.before } : {}) })
          break
        }
        case 'groups':
          this.dispatch({ type: 'groups', list: await node.groups() })
          break
        case 'groupCreate':
          this.dispatch({ type: 'groupDone', op: 'create', info: await node.groupCreate(effect.name, effect.members) })
          break
        case 'groupChange': {
          const call = { invite: node.groupInvite, kick: node.groupKick, promote: node.groupPromote }[effect.op]
          this.dispatch({ type: 'groupDone', op: effect.op, info: await call.call(node, effect.group, effect.user), user: effect.user })
          break
        }
        case 'groupMembers':
          this.dispatch({ type: 'groupDone', op: 'members', info: await node.groupMembers(effect.group) })
          break
        case 'groupLeave': {
          const r = await node.groupLeave(effect.group)
          this.dispatch({ type: 'groupLeft', group: r.group, epoch: r.epoch })
          break
        }
        case 'markRead':
          await this.markRead(effect.conversation)
          break
        case 'conversations':
          this.dispatch({ type: 'conversations', list: await node.conversations() })
          break
        case 'users':
          this.dispatch({ type: 'users', users: node.users() })
          break
        case 'roles':
          this.dispatch({ type: 'roles', roles: node.roleHolders() })
          break
        case 'verify':
          this.dispatch({ type: 'verified', result: await node.verify(effect.user) })
          break
        case 'checkUser':
          this.dispatch({ type: 'userChecked', user: effect.user, username: (await node.checkUser(effect.user)).username })
          break
        case 'trust': {
          const r = await node.trust(effect.user)
          this.dispatch({ type: 'trusted', username: r.username, verified: r.verified })
          break
        }
        case 'messageKind': {
          const { conversation, id } = effect
          const reply = effect.op === 'reply' ? await node.reply(conversation, id, effect.text ?? '') : undefined
          if (effect.op === 'edit') await node.edit(conversation, id, effect.text ?? '')
          else if (effect.op === 'delete') await node.deleteMessage(conversation, id)
          else if (effect.op === 'react') await node.react(conversation, id, effect.emoji ?? '', effect.remove === true)
          this.dispatch({ type: 'kindDone', op: effect.op })
          // A reply is a message: it shows as the node stored it (its quote included).
          if (reply !== undefined) this.dispatch({ type: 'message', message: await node.messageInfo(conversation, reply.id) })
          break
        }
        case 'info':
          this.dispatch({ type: 'info', message: await node.messageInfo(effect.conversation, effect.id) })
          break
        case 'search': {
          const messages = await node.search(effect.query, effect.conversation === undefined ? {} : { conversation: effect.conversation })
          this.dispatch({ type: 'searchResults', query: effect.query, here: effect.here, messages })
          break
        }
        case 'jump':
          this.dispatch({ type: 'jumped', conversation: effect.conversation, id: effect.id, messages: await node.historyFrom(effect.conversation, effect.hlc, 1000) })
          break
        case 'typing':
          await node.typing(effect.to, true)
          break
        case 'fileSend': {
          const group = groupIdOf(effect.conversation)
          const path = (this.options.resolvePath ?? resolvePath)(effect.path)
          const info = await node.fileSend(group === undefined ? { to: effect.conversation, path } : { group, path })
          this.dispatch({ type: 'fileInfo', info, op: 'send' })
          break
        }
        case 'files':
          this.dispatch({ type: 'files', list: node.files(), show: effect.show })
          break
        case 'fileAccept':
          this.dispatch({ type: 'fileInfo', info: await node.fileAccept(effect.n), op: 'accept' })
          break
        case 'fileCancel':
          this.dispatch({ type: 'fileInfo', info: await node.fileCancel(effect.n), op: 'cancel' })
          break
        case 'bell':
          this.options.bell?.()
          break
        case 'redraw':
          this.options.redraw?.()
          break
        case 'quit':
          if (!this.quitCalled) {
            this.quitCalled = true
            this.options.onQuit()
          }
          break
      }
    } catch (err) {
      const { message, code } = describeError(err)
      switch (effect.type) {
        case 'register':
        case 'login':
          this.dispatch({ type: 'formFailed', step: effect.type, error: message, ...(code !== undefined ? { code } : {}) })
          break
        case 'send':
          this.dispatch({ type: 'sendFailed', localId: effect.localId, conversation: effect.to, error: message })
          break
        case 'lobbySend':
          this.dispatch({ type: 'sendFailed', localId: effect.localId, conversation: LOBBY, error: message })
          break
        case 'groupSend':
          this.dispatch({ type: 'sendFailed', localId: effect.localId, conversation: groupConversation(effect.group), error: message })
          break
        case 'groupCreate':
          this.dispatch({ type: 'groupFailed', op: 'create', name: effect.name, error: message, ...(code !== undefined ? { code } : {}) })
          break
        case 'groupChange':
          this.dispatch({ type: 'groupFailed', op: effect.op, group: effect.group, user: effect.user, error: message, ...(code !== undefined ? { code } : {}) })
          break
        case 'groupMembers':
        case 'groupLeave':
          this.dispatch({ type: 'groupFailed', op: effect.type === 'groupMembers' ? 'members' : 'leave', group: effect.group, error: message, ...(code !== undefined ? { code } : {}) })
          break
        case 'history':
          this.dispatch({ type: 'historyFailed', conversation: effect.conversation, error: message })
          break
        case 'checkUser':
          this.dispatch({ type: 'userChecked', user: effect.user, error: message })
          break
        case 'messageKind':
          this.dispatch({ type: 'kindFailed', op: effect.op, error: message })
          break
        case 'typing':
          break
        case 'fileSend':
          this.dispatch({ type: 'fileRefused', op: 'send', what: effect.path, error: message, ...(code !== undefined ? { code } : {}) })
          break
        case 'fileAccept':
        case 'fileCancel':
          this.dispatch({ type: 'fileRefused', op: effect.type === 'fileAccept' ? 'accept' : 'cancel', what: `file #${effect.n}`, error: message, ...(code !== undefined ? { code } : {}) })
          break
        default:
          this.dispatch({ type: 'error', error: `${effect.type}: ${message}` })
      }
    }
  }
}
