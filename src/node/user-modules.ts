/**
 * The logged-in user's modules: the timeline (history and contacts), the
 * directory, the files, the chat and the groups. They run while a user is
 * logged in, their keys and data unlocked by the login; they start at the
 * first login, and what failed to start is tried again at the next.
 */
import { join } from 'node:path'
import { AccountError } from '../account/index.js'
import { Chat } from '../chat/index.js'
import { Groups } from '../chat/groups/index.js'
import { Directory } from '../directory/index.js'
import { createFiles } from '../files/index.js'
import { createLogger } from '../logger.js'
import { SealedStore } from '../sealed-store.js'
import { groupOfConversation, Timeline } from '../timeline/index.js'
import type { Files } from '../files/index.js'
import type { Network, NetworkKeys } from '../net/index.js'
import type { NodeServices } from './services.js'
import type { NodeInit } from './types.js'
import type { Store } from '../../store/index.js'

export interface UserModulesComponents {
  store: Store
  keys: NetworkKeys
  network: Network
  services: NodeServices
  /** Where the modules' events go: the node itself */
  events: EventTarget
  /** Aborts the user's calls to the services under way when the node stops */
  signal: AbortSignal
}

export class UserModules {
  private timelineService?: Timeline
  private directoryService?: Directory
  private chatService?: Chat
  private groupsService?: Groups
  private filesService?: Files
  private stopped = false
  private readonly log = createLogger('node')

  constructor (private readonly components: UserModulesComponents, private readonly init: NodeInit) {}

  /** Starts what is not running yet: the timeline and directory, the files, the chat, then the groups. */
  async start (): Promise<void> {
    if (this.stopped) return
    const { store, network, keys, services, events } = this.components
    const user = services.user
    if (this.timelineService === undefined) {
      const sealed = new SealedStore(store, user.dataKey())
      const timeline = new Timeline({ store: sealed })
      await timeline.start()
      this.timelineService = timeline
      this.directoryService = new Directory(sealed, services.rpc, user, Date.now, this.components.signal, services.bindings)
    }
    const timeline = this.timelineService
    const directory = this.directoryService!
    // Files start before the chat: an offer that arrives as soon as the chat runs has somewhere to go.
    const files = await this.startFiles()
    if (files === undefined) return
    let chat = this.chatService
    if (chat === undefined) {
      chat = new Chat({ store, libp2p: network.libp2p, rpc: services.rpc, verifier: services.verifier, account: user, keys, timeline, directory, typing: this.init.typing ?? true, attachments: files })
      for (const type of ['message', 'message:status', 'message:blocked', 'message:updated', 'presence', 'lobby', 'typing'] as const) {
        chat.addEventListener(type, evt => { events.dispatchEvent(new CustomEvent(type, { detail: evt.detail })) })
      }
      // An offer deposited at the relay: its recipient is away, the relay is to hold the file too.
      chat.addEventListener('message:status', evt => { files.messageStatus(evt.detail.id, evt.detail.status) })
      chat.addEventListener('presence', evt => { if (evt.detail.online) files.nudge() })
      this.chatService = chat
      try {
        await chat.start()
      } catch (err) {
        this.log.error('chat failed to start: %s', (err as Error).message)
        this.chatService = undefined
        await chat.stop().catch(() => {})
        return
      }
    }
    if (this.groupsService !== undefined || this.stopped) return
    // Groups share the chat's contacts: they start once chat runs.
    const groups = new Groups({ store, libp2p: network.libp2p, rpc: services.rpc, account: user, keys, timeline, directory, registry: services.roles, attachments: files })
    for (const type of ['group:message', 'group:changed', 'group:status', 'message:updated'] as const) {
      groups.addEventListener(type, evt => { events.dispatchEvent(new CustomEvent(type, { detail: evt.detail })) })
    }
    try {
      await groups.start()
      this.groupsService = groups
    } catch (err) {
      this.log.error('group chat failed to start: %s', (err as Error).message)
      await groups.stop().catch(() => {})
    }
  }

  /** The user's files (docs/files.md), started once per login; undefined when they could not start (logged). */
  private async startFiles (): Promise<Files | undefined> {
    if (this.filesService !== undefined) return this.filesService
    const { init } = this
    const { store, network, keys, services, events } = this.components
    const user = services.user
    const files = createFiles({
      store: new SealedStore(store, user.dataKey(), 'files'),
      libp2p: network.libp2p,
      server: services.fileServer,
      account: { username: user.username, identityToken: () => user.identityToken(), identity: () => user.identity() },
      messenger: {
        send: async (conversation, text, body, file) => {
          const group = groupOfConversation(conversation)
          if (group !== undefined) return (await this.groups()).send(group, text, undefined, { body, file })
          return this.chat.send(conversation, text, undefined, { body, file })
        }
      },
      peers: {
        online: username => this.chatService?.onlinePeers(username) ?? [],
        members: group => {
          try {
            return this.groupsService?.members(group).members ?? []
          } catch {
            return []
          }
        },
        relay: () => services.roles.holderOf('relay')
      },
      networkId: keys.networkId
    }, {
      downloadsDir: init.downloadsDir ?? join(init.dataDir, 'downloads'),
      ...(init.autoAcceptBytes !== undefined ? { autoAcceptBytes: init.autoAcceptBytes } : {}),
      ...(init.fileChunkBytes !== undefined ? { chunkBytes: init.fileChunkBytes } : {})
    })
    for (const type of ['file:offer', 'file:progress', 'file:done', 'file:failed'] as const) {
      files.addEventListener(type, evt => { events.dispatchEvent(new CustomEvent(type, { detail: evt.detail })) })
    }
    try {
      await files.start()
    } catch (err) {
      this.log.error('files failed to start: %s', (err as Error).message)
      await files.stop().catch(() => {})
      return undefined
    }
    this.filesService = files
    return files
  }

  /** The relay role moved: the files left at the old holder go on at the new one. */
  relayChanged (): void {
    this.filesService?.relayChanged()
  }

  /** The user's history, once logged in. */
  get timeline (): Timeline {
    if (this.timelineService === undefined || this.chatService === undefined) throw new AccountError('LOGIN_REQUIRED', 'log in first')
    return this.timelineService
  }

  /** The user's direct chat and lobby, once logged in. */
  get chat (): Chat {
    if (this.chatService === undefined) throw new AccountError('LOGIN_REQUIRED', 'log in first')
    return this.chatService
  }

  /** The user's files, once logged in. */
  get files (): Files {
    if (this.filesService === undefined) throw new AccountError('LOGIN_REQUIRED', 'log in first')
    return this.filesService
  }

  /** The group module, once started (tests and diagnostics). */
  get groupChat (): Groups {
    if (this.groupsService === undefined) throw new AccountError('LOGIN_REQUIRED', 'log in first')
    return this.groupsService
  }

  /** The group module, once started; says why when it is not. */
  async groups (): Promise<Groups> {
    if (this.groupsService !== undefined) return this.groupsService
    throw new AccountError('LOGIN_REQUIRED', this.chatService === undefined ? 'log in first' : 'group chat did not start: log in again')
  }

  /** Stops the files, the groups and the chat; nothing starts after. */
  async stop (): Promise<void> {
    this.stopped = true
    await this.filesService?.stop()
    await this.groupsService?.stop()
    await this.chatService?.stop()
  }
}
