/**
 * The lanchat node: it opens the store, joins the network, starts the node's
 * services (src/node/services.ts) and, at each login, the user's modules
 * (src/node/user-modules.ts); the one API both front ends (TUI and headless)
 * drive.
 */
import { TypedEventEmitter } from 'main-event'
import { openStore } from '../store/index.js'
import { createLogger } from './logger.js'
import { deriveNetworkKeys, foreignMessage, Network } from './net/index.js'
import { NodeServices } from './node/services.js'
import { UserModules } from './node/user-modules.js'
import { checkConversation, conversationKind, groupOfConversation, TimelineError } from './timeline/index.js'
import type { Account, WhoAmI } from './account/index.js'
import type { Chat, SendResult } from './chat/index.js'
import type { GroupId, GroupInfo, GroupMessage, GroupSendResult, Groups } from './chat/groups/index.js'
import type { Bindings } from './directory/index.js'
import type { Body, ChatMessage, ConversationSummary } from './timeline/index.js'
import type { FileInfo, SendFile } from './files/index.js'
import type { NodeEvents, NodeInit, NodeStatus } from './node/types.js'
import type { Replication } from './replication/index.js'
import type { KaclsService, RelayService, Rpc } from './services/index.js'
import type { Store } from '../store/index.js'
import type { NetworkKeys, PeerIdStr } from './net/index.js'
import type { DropReason, Role, RoleHolder, RoleRegistry, RolesView, ViewNode } from './roles/index.js'

export type { Role }
export type { NodeEvents, NodeInit, NodeStatus } from './node/types.js'

export class LanchatNode extends TypedEventEmitter<NodeEvents> {
  readonly init: NodeInit
  readonly store: Store
  readonly keys: NetworkKeys
  readonly network: Network
  private readonly services: NodeServices
  /** The logged-in user's history, contacts, files, chat and groups (from the first login on) */
  private readonly modules: UserModules
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
    this.services = new NodeServices({ store, keys, network: this.network, events: this, relayChanged: () => { this.modules.relayChanged() } }, init)
    this.modules = new UserModules({ store, keys, network: this.network, services: this.services, events: this, signal: this.userAbort.signal }, init)
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
    await this.network.start()
    await this.services.start()
    this.log('started %s on %s', this.network.peerId, this.network.addresses().join(' '))
  }

  /** The replication of role state (status, tests). */
  get replication (): Replication {
    return this.services.replication
  }

  /** The role registry (for the node's own modules and tests). */
  get roles (): RoleRegistry {
    return this.services.roles
  }

  /** The directory of bindings (username -> identity key) this node keeps. */
  get bindings (): Bindings {
    return this.services.bindings
  }

  /** Calls to the role holders' services. */
  get rpc (): Rpc {
    return this.services.rpc
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
      online = this.modules.chat.users()
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
    return this.services.kacls
  }

  /** This node's relay service (it answers only while the node holds the relay role). */
  get relay (): RelayService {
    return this.services.relay
  }

  /** This node's user account. */
  get user (): Account {
    return this.services.user
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
    void this.bindings.sync().then(() => { this.services.checkOwnBinding() })
    await this.modules.start()
    this.dispatchEvent(new CustomEvent('login', { detail: { username: who.username ?? username, expiresAt: who.expiresAt ?? 0 } }))
    return who
  }

  whoami (): WhoAmI {
    return this.user.whoami()
  }

  /** Offers a file to a contact (`to`) or a group: read and sealed once, then the offer goes out in a message. */
  async fileSend (req: SendFile): Promise<FileInfo> {
    return this.modules.files.send(req)
  }

  /** Accepts a file offered (by number or id): it downloads now. */
  async fileAccept (ref: string | number): Promise<FileInfo> {
    return this.modules.files.accept(ref)
  }

  /** Cancels a transfer (by number or id). */
  async fileCancel (ref: string | number): Promise<FileInfo> {
    return this.modules.files.cancel(ref)
  }

  /** Every transfer, the newest first. */
  files (): FileInfo[] {
    return this.modules.files.list()
  }

  /** Stores a message for `to` and delivers it in the background (message:status events follow). */
  async send (to: string, text: string): Promise<SendResult> {
    return this.modules.chat.send(to, text)
  }

  /** A conversation's messages (a contact, #lobby or group:<id>), oldest first: the last `limit` (default 50) before `before` (an hlc). */
  async history (conversation: string, limit?: number, before?: string): Promise<ChatMessage[]> {
    return this.modules.timeline.history(conversation, limit, before)
  }

  /** A conversation's messages from the one stamped `from` (an hlc) on, oldest first: where a search result jumps to. */
  async historyFrom (conversation: string, from: string, limit?: number): Promise<ChatMessage[]> {
    return this.modules.timeline.historyFrom(conversation, from, limit)
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
        return this.modules.chat.send(name, text, body)
      case 'group': {
        const r = await (await this.modules.groups()).send(groupOfConversation(name)!, text, body)
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
    const m = await this.modules.timeline.get(conversation, id)
    if (m === undefined) throw new TimelineError('UNKNOWN_MESSAGE', `no message ${id} in ${conversation}`)
    return m
  }

  /** Messages with every word of `query`, newest first, in every conversation or in one. */
  async search (query: string, options: { conversation?: string, limit?: number } = {}): Promise<ChatMessage[]> {
    return this.modules.timeline.search(query, options)
  }

  /** Every conversation with a message, the most recent first. */
  async conversations (): Promise<ConversationSummary[]> {
    return this.modules.timeline.conversations()
  }

  /** Marks a conversation read; a contact is told (read receipts). */
  async markRead (conversation: string): Promise<{ read: number }> {
    return this.modules.chat.markRead(conversation)
  }

  /** Tells a contact that this user is typing to them, or stopped (ephemeral; nothing with --no-typing). */
  async typing (to: string, typing = true): Promise<{ sent: boolean }> {
    return this.modules.chat.typing(to, typing)
  }

  /** Who is online (presence announcements), this node's user included. */
  users (): ReturnType<Chat['users']> {
    return this.modules.chat.users()
  }

  /** Posts to the lobby, the channel of everyone on the network. */
  async lobbySend (text: string): Promise<SendResult> {
    return this.modules.chat.lobbySend(text)
  }

  /** The canonical name of a registered user, or UNKNOWN_USER: the TUI checks a name before it opens a conversation. */
  async checkUser (user: string): Promise<{ username: string }> {
    return this.modules.chat.checkUser(user)
  }

  async verify (user: string): ReturnType<Chat['verify']> {
    return this.modules.chat.verify(user)
  }

  async trust (user: string): ReturnType<Chat['trust']> {
    return this.modules.chat.trust(user)
  }

  /** The group module of the logged-in user, once started (tests and diagnostics; front ends use the methods below). */
  get groupChat (): Groups {
    return this.modules.groupChat
  }

  /** Creates a group with this user as admin; `members` are added at once (epoch 1). */
  async groupCreate (name: string, members: string[]): Promise<GroupInfo> {
    return (await this.modules.groups()).create(name, members)
  }

  /** Adds a member (admins): a new epoch; the member reads nothing from before it. */
  async groupInvite (group: GroupId, user: string): Promise<GroupInfo> {
    return (await this.modules.groups()).invite(group, user)
  }

  /** Leaves a group: another member makes the next epoch without this user. */
  async groupLeave (group: GroupId): Promise<{ group: GroupId, left: true, epoch: number }> {
    return (await this.modules.groups()).leave(group)
  }

  /** Removes a member (admins): a new epoch it cannot read. */
  async groupKick (group: GroupId, user: string): Promise<GroupInfo> {
    return (await this.modules.groups()).kick(group, user)
  }

  /** Makes a member an admin (admins). */
  async groupPromote (group: GroupId, user: string): Promise<GroupInfo> {
    return (await this.modules.groups()).promote(group, user)
  }

  /** Stores a group message and sends it in the background (group:status follows). */
  async groupSend (group: GroupId, text: string): Promise<GroupSendResult> {
    return (await this.modules.groups()).send(group, text)
  }

  /** A group's latest state as this node knows it: name, epoch, members, admins, hash. */
  async groupMembers (group: GroupId): Promise<GroupInfo> {
    return (await this.modules.groups()).members(group)
  }

  /** A group's messages, oldest first (hlc order): the last `limit` (default 50) before `before` (an hlc). */
  async groupHistory (group: GroupId, limit?: number, before?: string): Promise<GroupMessage[]> {
    return (await this.modules.groups()).history(group, limit, before)
  }

  /** The groups this node knows, with their latest state. */
  async groups (): Promise<GroupInfo[]> {
    return (await this.modules.groups()).list()
  }

  /** Asks the relay now about one group or all: new states, missed messages (also automatic). */
  async groupSync (group?: GroupId): Promise<{ groups: number }> {
    return (await this.modules.groups()).sync(group)
  }

  /** Leaves the network and closes the store. Idempotent. */
  async stop (): Promise<void> {
    this.stopping ??= (async () => {
      try {
        this.userAbort.abort(new Error('the node is stopping'))
        await this.modules.stop()
        await this.services.stop()
        await this.network.stop()
      } finally {
        await this.store.close()
      }
      this.log('stopped')
    })()
    return this.stopping
  }
}
