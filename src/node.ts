/**
 * The lanchat node: the one place that wires store, network, roles and chat
 * together, and the one API both front ends (TUI and headless) drive.
 */
import { hostname } from 'node:os'
import { TypedEventEmitter } from 'main-event'
import { openStore } from '../store/index.js'
import { createLogger } from './logger.js'
import { toHex } from './crypto/index.js'
import { deriveNetworkKeys, foreignMessage, Network } from './net/index.js'
import { Account, AccountError } from './account/index.js'
import { Chat } from './chat/index.js'
import { Groups } from './chat/groups/index.js'
import { Bindings, Directory } from './directory/index.js'
import { createFiles, createFileServer } from './files/index.js'
import { Replication } from './replication/index.js'
import { RoleRegistry } from './roles/index.js'
import { SealedStore } from './sealed-store.js'
import { IdpService, KaclsService, RelayService, Rpc, TokenVerifier } from './services/index.js'
import { checkConversation, conversationKind, groupOfConversation, Timeline, TimelineError } from './timeline/index.js'
import { join } from 'node:path'
import type { WhoAmI } from './account/index.js'
import type { ChatEvents, SendResult } from './chat/index.js'
import type { GroupId, GroupInfo, GroupMessage, GroupSendResult, GroupsEvents } from './chat/groups/index.js'
import type { Body, ChatMessage, ConversationSummary, MessageUpdate } from './timeline/index.js'
import type { FileInfo, Files, FileServer, FilesEvents, SendFile } from './files/index.js'
import type { Store } from '../store/index.js'
import type { DialState, NetworkKeys, PeerIdStr } from './net/index.js'
import type { DropReason, Role, RoleHolder, RolesView, ViewNode } from './roles/index.js'

export type { Role }

export interface NodeInit {
  /** Where the store and keys live */
  dataDir: string
  /** The network passphrase; only its derived keys are kept, in memory */
  passphrase: string
  /** Network name; nodes with another name are another network */
  networkName?: string
  listen: string[]
  peers: string[]
  mdns: boolean
  /** Roles pinned to this node by `--role` */
  pinnedRoles: Role[]
  /** Roles this node may be elected to (`--eligible`; empty with `--no-roles`) */
  eligibleRoles: Role[]
  /** Send and show typing indicators in direct chats (default true; `--no-typing`) */
  typing?: boolean
  /** The host name announced with this node (default: os.hostname()) */
  hostName?: string
  /** Where received files land (`--downloads`; default DATA_DIR/downloads) */
  downloadsDir?: string
  /** Files offered up to this size (bytes) download on their own (`--auto-accept`; default 25 MB) */
  autoAcceptBytes?: number
  /** Chunk size of the files this node sends (default 256 KiB, measured: docs/files.md; for benchmarks) */
  fileChunkBytes?: number
}

export interface NodeStatus {
  peerId: PeerIdStr
  addrs: string[]
  peers: PeerIdStr[]
  /** The `--peer` and discovered peers being kept connected, with their failures */
  dialing: DialState[]
  dataDir: string
  networkId: string
  roles: { pinned: Role[], eligible: Role[], serving: Role[] }
  /** Nodes of other lanchat networks heard on this LAN (mDNS), and what that likely means */
  foreign: { nodes: number, networks: number, message?: string }
}

export interface NodeEvents {
  'peer:connected': CustomEvent<{ peerId: PeerIdStr }>
  'peer:disconnected': CustomEvent<{ peerId: PeerIdStr }>
  /** Nodes of other lanchat networks are on this LAN (or no longer): a mistyped passphrase or network name? */
  'lan:foreign': CustomEvent<{ nodes: number, networks: number, message?: string }>
  'role:changed': CustomEvent<{ role: Role, peerId: PeerIdStr | null }>
  'login:required': CustomEvent<{ username: string, reason: 'restarted' | 'expired' }>
  'login': CustomEvent<{ username: string, expiresAt: number }>
  /** The directory binds this user's name to another identity key (docs/threat-model.md, "Directory") */
  'identity:conflict': CustomEvent<{ username: string, yourKey: string, boundKey: string, message: string }>
  'message': ChatEvents['message']
  'message:status': ChatEvents['message:status']
  'message:blocked': ChatEvents['message:blocked']
  /** A message was edited, deleted or reacted to (direct or group; by this user or another) */
  'message:updated': CustomEvent<MessageUpdate>
  'presence': ChatEvents['presence']
  'typing': ChatEvents['typing']
  'lobby': ChatEvents['lobby']
  'group:message': GroupsEvents['group:message']
  'group:changed': GroupsEvents['group:changed']
  'group:status': GroupsEvents['group:status']
  'file:offer': FilesEvents['file:offer']
  'file:progress': FilesEvents['file:progress']
  'file:done': FilesEvents['file:done']
  'file:failed': FilesEvents['file:failed']
}

export class LanchatNode extends TypedEventEmitter<NodeEvents> {
  readonly init: NodeInit
  readonly store: Store
  readonly keys: NetworkKeys
  readonly network: Network
  private registry?: RoleRegistry
  private replicationService?: Replication
  private rpcClient?: Rpc
  private bindingsService?: Bindings
  private kaclsService?: KaclsService
  private relayService?: RelayService
  /** Serves /lanchat/file/1.0.0: the user's files, and the relay's chunk store */
  private fileServer?: FileServer
  private account?: Account
  private verifier?: TokenVerifier
  /** The logged-in user's history, contacts, chat and groups (from the first login on) */
  private timelineService?: Timeline
  private directoryService?: Directory
  private chatService?: Chat
  private groupsService?: Groups
  private filesService?: Files
  /** Aborts the logged-in user's calls to the services under way when the node stops */
  private readonly userAbort = new AbortController()
  private readonly log = createLogger('node')
  private stopping?: Promise<void>

  private constructor (init: NodeInit, store: Store, keys: NetworkKeys) {
    super()
    this.init = init
    this.store = store
    this.keys = keys
    this.network = new Network({ store }, { keys, listen: init.listen, peers: init.peers, mdns: init.mdns })
    this.network.addEventListener('peer:connected', evt => {
      this.dispatchEvent(new CustomEvent('peer:connected', { detail: { peerId: evt.detail } }))
    })
    this.network.addEventListener('peer:disconnected', evt => {
      this.dispatchEvent(new CustomEvent('peer:disconnected', { detail: { peerId: evt.detail } }))
    })
    this.network.addEventListener('foreign', evt => {
      this.dispatchEvent(new CustomEvent('lan:foreign', { detail: this.foreign() }))
    })
  }

  /**
   * Opens the store (refused if another process holds it), derives the
   * network keys from the passphrase, joins the network and the registry.
   */
  static async start (init: NodeInit): Promise<LanchatNode> {
    const keysPromise = deriveNetworkKeys(init.passphrase, init.networkName)
    // Settle the derivation even if opening the store fails first, so its rejection is never unhandled.
    keysPromise.catch(() => {})
    const store = await openStore(init.dataDir)
    let node: LanchatNode | undefined
    try {
      node = new LanchatNode(init, store, await keysPromise)
      await node.startServices()
      return node
    } catch (err) {
      await node?.stop().catch(() => {})
      await store.close()
      throw err
    }
  }

  private async startServices (): Promise<void> {
    const { network, keys } = this
    await network.start()
    const registry = new RoleRegistry({
      libp2p: network.libp2p,
      store: this.store,
      nodeKey: network.privateKey,
      registryKey: keys.registryKey,
      networkId: keys.networkId,
      learnPeer: (peerId, addrs) => { network.learnPeer(peerId, addrs) },
      hostName: this.init.hostName ?? hostname(),
      user: () => {
        const me = this.account?.whoami()
        return me?.loggedIn === true ? me.username ?? undefined : undefined
      },
      replicas: () => this.replicationService?.reports() ?? {}
    }, { pinned: this.init.pinnedRoles, eligible: this.init.eligibleRoles })
    registry.addEventListener('role:changed', evt => {
      if (evt.detail.role === 'relay') this.filesService?.relayChanged()
      // A new idp holder: the logged-in user's token is renewed there, so the tokens in use come from the
      // holder of now (a node that joined since knows no earlier holder, and honours only its tokens).
      if (evt.detail.role === 'idp' && evt.detail.peerId !== null && this.account?.whoami().loggedIn === true) void this.account.renew()
      this.dispatchEvent(new CustomEvent('role:changed', { detail: evt.detail }))
    })
    this.registry = registry
    await registry.start()

    // Requests with the logged-in user's token are signed with the user's identity key (proof of possession).
    const rpc = new Rpc({
      libp2p: network.libp2p,
      registry,
      networkId: keys.networkId,
      prover: () => this.account?.whoami().loggedIn === true ? this.account.identity() : undefined,
      // A holder answers its role's requests once it has synced with every live replica (docs/replication.md, "Failover").
      caughtUp: async role => await this.replicationService?.admit(role) ?? false
    })
    this.rpcClient = rpc
    const bindings = new Bindings({ store: this.store, rpc, networkId: keys.networkId })
    bindings.addEventListener('binding:conflict', evt => { if (evt.detail.username === this.account?.username) this.checkOwnBinding() })
    await bindings.start()
    this.bindingsService = bindings
    const verifier = new TokenVerifier({ registry, bindings, networkId: keys.networkId })
    this.verifier = verifier
    // Role state is replicated to every live node eligible for the role; the services define their docs, then it loads them.
    const replication = new Replication({ store: this.store, atRestKey: keys.atRestKey, libp2p: network.libp2p, peers: registry })
    this.replicationService = replication
    const components = { rpc, registry, store: this.store, verifier, keys, replication }
    const idp = new IdpService(components)
    this.kaclsService = new KaclsService(components)
    this.relayService = new RelayService({ ...components, libp2p: network.libp2p })
    await replication.start()
    registry.refresh()
    await idp.start()
    await this.kaclsService.start()
    await this.relayService.start()
    this.fileServer = createFileServer({ libp2p: network.libp2p, registry, verifier, store: this.store, networkId: keys.networkId })
    await this.fileServer.start()

    const account = new Account({ rpc, store: this.store, networkId: keys.networkId, peerId: network.peerId })
    account.addEventListener('login:required', evt => { this.dispatchEvent(new CustomEvent('login:required', { detail: evt.detail })) })
    this.account = account
    await account.start()
    this.log('started %s on %s', network.peerId, network.addresses().join(' '))
  }

  /** The replication of role state (status, tests). */
  get replication (): Replication {
    if (this.replicationService === undefined) throw new Error('the node is not started')
    return this.replicationService
  }

  /** The role registry (for the node's own modules and tests). */
  get roles (): RoleRegistry {
    if (this.registry === undefined) throw new Error('the node is not started')
    return this.registry
  }

  /** The directory of bindings (username -> identity key) this node keeps. */
  get bindings (): Bindings {
    if (this.bindingsService === undefined) throw new Error('the node is not started')
    return this.bindingsService
  }

  /** Calls to the role holders' services. */
  get rpc (): Rpc {
    if (this.rpcClient === undefined) throw new Error('the node is not started')
    return this.rpcClient
  }

  status (): NodeStatus {
    return {
      peerId: this.network.peerId,
      addrs: this.network.addresses(),
      peers: this.network.connectedPeers(),
      dialing: this.network.dialState(),
      dataDir: this.init.dataDir,
      networkId: this.keys.networkId,
      roles: {
        pinned: this.init.pinnedRoles,
        eligible: this.init.eligibleRoles,
        serving: (['relay', 'idp', 'kacls'] as const).filter(r => this.roles.serves(r))
      },
      foreign: this.foreign()
    }
  }

  /** Other lanchat networks' nodes heard on the LAN lately, with a sentence for people when there are some. */
  private foreign (): { nodes: number, networks: number, message?: string } {
    const f = this.network.foreign()
    return f.nodes === 0 ? f : { ...f, message: foreignMessage(f) }
  }

  peers (): PeerIdStr[] {
    return this.network.connectedPeers()
  }

  /**
   * Who holds relay, idp and kacls, the live replicas of each role's state
   * and how far behind each is, and what is wrong with that (lost separation
   * of duties, pin conflicts, a holder with no replica); each holder's host
   * name, and the user logged in on it when presence (signed by that user)
   * confirms what its announcement claims (`user`; unconfirmed: `userHint`).
   */
  roleHolders (): RolesView {
    const view = this.roles.roles()
    let online: Array<{ username: string, online: boolean, peers: string[] }> = []
    try {
      online = this.chatService?.users() ?? []
    } catch {}
    const check = (h: RoleHolder | null): RoleHolder | null => {
      if (h === null || h.user === undefined) return h
      const { user, ...rest } = h
      const confirmed = online.some(u => u.username === user && u.online && u.peers.includes(h.peerId))
      return confirmed ? { ...rest, user } : { ...rest, userHint: user }
    }
    return { ...view, relay: check(view.relay), idp: check(view.idp), kacls: check(view.kacls) }
  }

  /** This node's replicas of role state: docs, records, sessions, refusals, lag (docs/replication.md). */
  replicationStatus (): ReturnType<Replication['status']> {
    return this.replication.status()
  }

  /** The registry's view: every node known, and announcements dropped by reason. */
  registryView (): { nodes: ViewNode[], dropped: Record<DropReason, number> } {
    return this.roles.nodes()
  }

  /** This node's KACLS service (it answers only while the node holds the kacls role). */
  get kacls (): KaclsService {
    if (this.kaclsService === undefined) throw new Error('the node is not started')
    return this.kaclsService
  }

  /** This node's relay service (it answers only while the node holds the relay role). */
  get relay (): RelayService {
    if (this.relayService === undefined) throw new Error('the node is not started')
    return this.relayService
  }

  /** This node's user account. */
  get user (): Account {
    if (this.account === undefined) throw new Error('the node is not started')
    return this.account
  }

  /** Creates this node's account at the idp holder (a new identity key, sealed under the password). */
  async register (username: string, password: string): Promise<{ username: string, fingerprint: string }> {
    return this.user.register(username, password)
  }

  /**
   * Unlocks the identity key and gets an identity token from the idp holder;
   * chat and groups are running when it resolves (and when 'login' fires).
   */
  async login (username: string, password: string): Promise<WhoAmI> {
    const who = await this.user.login(username, password)
    // The user's own node checks the name is bound to the user's key, and says so loudly when it is not.
    void this.bindings.sync().then(() => { this.checkOwnBinding() })
    await this.startChat()
    this.dispatchEvent(new CustomEvent('login', { detail: { username: who.username ?? username, expiresAt: who.expiresAt ?? 0 } }))
    return who
  }

  /** Tells the user when the directory binds their name to another identity key (a name registered twice, or a lying idp). */
  private checkOwnBinding (): void {
    const me = this.account?.whoami()
    if (me?.loggedIn !== true || me.username === null) return
    const bound = this.bindings.known(me.username)
    const yourKey = toHex(this.user.identity().publicKey)
    if (bound === undefined || bound.identityKey === yourKey) return
    this.log.error('the directory binds %s to another identity key', me.username)
    this.dispatchEvent(new CustomEvent('identity:conflict', {
      detail: {
        username: me.username,
        yourKey,
        boundKey: bound.identityKey,
        message: `the network's directory binds the name ${me.username} to another identity key than yours (registered earlier elsewhere): your contacts will see a key change. Register under a new name, or compare safety numbers with /verify to find out who holds it`
      }
    }))
  }

  whoami (): WhoAmI {
    return this.user.whoami()
  }

  /**
   * Chat runs while a user is logged in: its keys and data are unlocked by
   * the login. What failed to start is tried again at the next login.
   */
  private async startChat (): Promise<void> {
    if (this.stopping !== undefined) return
    if (this.timelineService === undefined) {
      const sealed = new SealedStore(this.store, this.user.dataKey())
      const timeline = new Timeline({ store: sealed })
      await timeline.start()
      this.timelineService = timeline
      this.directoryService = new Directory(sealed, this.rpc, this.user, Date.now, this.userAbort.signal, this.bindings)
    }
    const timeline = this.timelineService
    const directory = this.directoryService!
    // Files start before the chat: an offer that arrives as soon as the chat runs has somewhere to go.
    const files = await this.startFiles()
    if (files === undefined) return
    let chat = this.chatService
    if (chat === undefined) {
      chat = new Chat({ store: this.store, libp2p: this.network.libp2p, rpc: this.rpc, verifier: this.verifier!, account: this.user, keys: this.keys, timeline, directory, typing: this.init.typing ?? true, attachments: files })
      for (const type of ['message', 'message:status', 'message:blocked', 'message:updated', 'presence', 'lobby', 'typing'] as const) {
        chat.addEventListener(type, evt => { this.dispatchEvent(new CustomEvent(type, { detail: evt.detail })) })
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
    if (this.groupsService !== undefined || this.stopping !== undefined) return
    // Groups share the chat's contacts: they start once chat runs.
    const groups = new Groups({ store: this.store, libp2p: this.network.libp2p, rpc: this.rpc, account: this.user, keys: this.keys, timeline, directory, registry: this.roles, attachments: files })
    for (const type of ['group:message', 'group:changed', 'group:status', 'message:updated'] as const) {
      groups.addEventListener(type, evt => { this.dispatchEvent(new CustomEvent(type, { detail: evt.detail })) })
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
    const files = createFiles({
      store: new SealedStore(this.store, this.user.dataKey(), 'files'),
      libp2p: this.network.libp2p,
      server: this.fileServer!,
      account: { username: this.user.username, identityToken: () => this.user.identityToken(), identity: () => this.user.identity() },
      messenger: {
        send: async (conversation, text, body, file) => {
          const group = groupOfConversation(conversation)
          if (group !== undefined) return (await this.groupModule()).send(group, text, undefined, { body, file })
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
        relay: () => this.roles.holderOf('relay')
      },
      networkId: this.keys.networkId
    }, {
      downloadsDir: init.downloadsDir ?? join(init.dataDir, 'downloads'),
      ...(init.autoAcceptBytes !== undefined ? { autoAcceptBytes: init.autoAcceptBytes } : {}),
      ...(init.fileChunkBytes !== undefined ? { chunkBytes: init.fileChunkBytes } : {})
    })
    for (const type of ['file:offer', 'file:progress', 'file:done', 'file:failed'] as const) {
      files.addEventListener(type, evt => { this.dispatchEvent(new CustomEvent(type, { detail: evt.detail })) })
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

  /** The user's files, once logged in. */
  private get fileModule (): Files {
    if (this.filesService === undefined) throw new AccountError('LOGIN_REQUIRED', 'log in first')
    return this.filesService
  }

  /** Offers a file to a contact (`to`) or a group: read and sealed once, then the offer goes out in a message. */
  async fileSend (req: SendFile): Promise<FileInfo> {
    return this.fileModule.send(req)
  }

  /** Accepts a file offered (by number or id): it downloads now. */
  async fileAccept (ref: string | number): Promise<FileInfo> {
    return this.fileModule.accept(ref)
  }

  /** Cancels a transfer (by number or id). */
  async fileCancel (ref: string | number): Promise<FileInfo> {
    return this.fileModule.cancel(ref)
  }

  /** Every transfer, the newest first. */
  files (): FileInfo[] {
    return this.fileModule.list()
  }

  private get timeline (): Timeline {
    if (this.timelineService === undefined || this.chatService === undefined) throw new AccountError('LOGIN_REQUIRED', 'log in first')
    return this.timelineService
  }

  private get chat (): Chat {
    if (this.chatService === undefined) throw new AccountError('LOGIN_REQUIRED', 'log in first')
    return this.chatService
  }

  /** Stores a message for `to` and delivers it in the background (message:status events follow). */
  async send (to: string, text: string): Promise<SendResult> {
    return this.chat.send(to, text)
  }

  /** A conversation's messages (a contact, #lobby or group:<id>), oldest first: the last `limit` (default 50) before `before` (an hlc). */
  async history (conversation: string, limit?: number, before?: string): Promise<ChatMessage[]> {
    return this.timeline.history(conversation, limit, before)
  }

  /** A conversation's messages from the one stamped `from` (an hlc) on, oldest first: where a search result jumps to. */
  async historyFrom (conversation: string, from: string, limit?: number): Promise<ChatMessage[]> {
    return this.timeline.historyFrom(conversation, from, limit)
  }

  /**
   * A message of another kind than text, in a direct chat or a group (not
   * the lobby), sent like text: through the same outbox, ratchet or epoch
   * keys, dedupe and ordering.
   */
  private async sendBody (conversation: string, text: string, body: Body): Promise<SendResult> {
    const name = checkConversation(conversation)
    switch (conversationKind(name)) {
      case 'direct':
        return this.chat.send(name, text, body)
      case 'group': {
        const r = await (await this.groupModule()).send(groupOfConversation(name)!, text, body)
        return { id: r.id, conversation: r.conversation, status: r.status, hlc: r.hlc }
      }
      case 'lobby':
        throw new TimelineError('NOT_SUPPORTED', 'the lobby has no replies, edits, deletions or reactions: use a direct chat or a group')
    }
  }

  /** Answers a message of a conversation; the reply shows with the line it quotes. */
  async reply (conversation: string, replyTo: string, text: string): Promise<SendResult> {
    return this.sendBody(conversation, text, { kind: 'reply', replyTo })
  }

  /** Changes the text of this user's own message for everyone in the conversation (the earlier text is kept here). */
  async edit (conversation: string, target: string, text: string): Promise<SendResult> {
    return this.sendBody(conversation, text, { kind: 'edit', target })
  }

  /** Deletes this user's own message for everyone in the conversation. */
  async deleteMessage (conversation: string, target: string): Promise<SendResult> {
    return this.sendBody(conversation, '', { kind: 'delete', target })
  }

  /** Reacts to a message with one emoji (`remove`: takes that reaction back). */
  async react (conversation: string, target: string, emoji: string, remove = false): Promise<SendResult> {
    return this.sendBody(conversation, '', { kind: 'reaction', target, emoji, ...(remove ? { remove: true } : {}) })
  }

  /** One message with everything known of it: times of each status (delivery per recipient), edits, reactions. */
  async messageInfo (conversation: string, id: string): Promise<ChatMessage> {
    const m = await this.timeline.get(conversation, id)
    if (m === undefined) throw new TimelineError('UNKNOWN_MESSAGE', `no message ${id} in ${conversation}`)
    return m
  }

  /** Messages with every word of `query`, newest first, in every conversation or in one. */
  async search (query: string, options: { conversation?: string, limit?: number } = {}): Promise<ChatMessage[]> {
    return this.timeline.search(query, options)
  }

  /** Every conversation with a message, the most recent first. */
  async conversations (): Promise<ConversationSummary[]> {
    return this.timeline.conversations()
  }

  /** Marks a conversation read; a contact is told (read receipts). */
  async markRead (conversation: string): Promise<{ read: number }> {
    return this.chat.markRead(conversation)
  }

  /** Tells a contact that this user is typing to them, or stopped (ephemeral; nothing with --no-typing). */
  async typing (to: string, typing = true): Promise<{ sent: boolean }> {
    return this.chat.typing(to, typing)
  }

  /** Who is online (presence announcements), this node's user included. */
  users (): ReturnType<Chat['users']> {
    return this.chat.users()
  }

  /** Posts to the lobby, the channel of everyone on the network. */
  async lobbySend (text: string): Promise<SendResult> {
    return this.chat.lobbySend(text)
  }

  /** The canonical name of a registered user, or UNKNOWN_USER: the TUI checks a name before it opens a conversation. */
  async checkUser (user: string): Promise<{ username: string }> {
    return this.chat.checkUser(user)
  }

  async verify (user: string): ReturnType<Chat['verify']> {
    return this.chat.verify(user)
  }

  async trust (user: string): ReturnType<Chat['trust']> {
    return this.chat.trust(user)
  }

  /** The group module of the logged-in user, once started (tests and diagnostics; front ends use the methods below). */
  get groupChat (): Groups {
    if (this.groupsService === undefined) throw new AccountError('LOGIN_REQUIRED', 'log in first')
    return this.groupsService
  }

  /** The group module of the logged-in user. */
  private async groupModule (): Promise<Groups> {
    if (this.groupsService !== undefined) return this.groupsService
    throw new AccountError('LOGIN_REQUIRED', this.chatService === undefined ? 'log in first' : 'group chat did not start: log in again')
  }

  /** Creates a group with this user as admin; `members` are added at once (epoch 1). */
  async groupCreate (name: string, members: string[]): Promise<GroupInfo> {
    return (await this.groupModule()).create(name, members)
  }

  /** Adds a member (admins): a new epoch; the member reads nothing from before it. */
  async groupInvite (group: GroupId, user: string): Promise<GroupInfo> {
    return (await this.groupModule()).invite(group, user)
  }

  /** Leaves a group: another member makes the next epoch without this user. */
  async groupLeave (group: GroupId): Promise<{ group: GroupId, left: true, epoch: number }> {
    return (await this.groupModule()).leave(group)
  }

  /** Removes a member (admins): a new epoch it cannot read. */
  async groupKick (group: GroupId, user: string): Promise<GroupInfo> {
    return (await this.groupModule()).kick(group, user)
  }

  /** Makes a member an admin (admins). */
  async groupPromote (group: GroupId, user: string): Promise<GroupInfo> {
    return (await this.groupModule()).promote(group, user)
  }

  /** Stores a group message and sends it in the background (group:status follows). */
  async groupSend (group: GroupId, text: string): Promise<GroupSendResult> {
    return (await this.groupModule()).send(group, text)
  }

  /** A group's latest state as this node knows it: name, epoch, members, admins, hash. */
  async groupMembers (group: GroupId): Promise<GroupInfo> {
    return (await this.groupModule()).members(group)
  }

  /** A group's messages, oldest first (hlc order): the last `limit` (default 50) before `before` (an hlc). */
  async groupHistory (group: GroupId, limit?: number, before?: string): Promise<GroupMessage[]> {
    return (await this.groupModule()).history(group, limit, before)
  }

  /** The groups this node knows, with their latest state. */
  async groups (): Promise<GroupInfo[]> {
    return (await this.groupModule()).list()
  }

  /** Asks the relay now about one group or all: new states, missed messages (also automatic). */
  async groupSync (group?: GroupId): Promise<{ groups: number }> {
    return (await this.groupModule()).sync(group)
  }

  /** Leaves the network and closes the store. Idempotent. */
  async stop (): Promise<void> {
    this.stopping ??= (async () => {
      try {
        this.userAbort.abort(new Error('the node is stopping'))
        await this.filesService?.stop()
        await this.groupsService?.stop()
        await this.chatService?.stop()
        this.account?.stop()
        this.bindingsService?.stop()
        await this.rpcClient?.stop()
        await this.kaclsService?.stop()
        await this.relayService?.stop()
        await this.fileServer?.stop()
        await this.replicationService?.stop()
        await this.registry?.stop()
        await this.network.stop()
      } finally {
        await this.store.close()
      }
      this.log('stopped')
    })()
    return this.stopping
  }
}
