/**
 * The chat of a logged-in user: one-to-one messages (the DM pipeline in
 * dm/, over the DM protocol and the relay), presence and the lobby, wired to
 * the node's libp2p, services and directory. The API and events the node
 * exposes; the work happens in the pieces.
 */
import { TypedEventEmitter } from 'main-event'
import { SealedStore } from '../sealed-store.js'
import { checkConversation, conversationKind } from '../timeline/index.js'
import { createDirectMessages, relayClient } from './dm/index.js'
import { ChatError } from './errors.js'
import { Lobby } from './lobby.js'
import { Presence } from './presence.js'
import { DmTransport } from './transport.js'
import { TypingFilter } from './typing.js'
import type { Account } from '../account/index.js'
import type { Directory } from '../directory/index.js'
import type { LanchatLibp2p, NetworkKeys, PeerIdStr } from '../net/index.js'
import type { Rpc, TokenVerifier } from '../services/index.js'
import type { Body, ChatMessage, Timeline } from '../timeline/index.js'
import type { DirectMessages, DmEvents, SendResult } from './dm/index.js'
import type { UserPresence } from './presence.js'
import type { Attachments, OutgoingAttachment } from './attachments.js'
import type { Store } from '../../store/index.js'

export type { SendResult }

export interface ChatEvents extends DmEvents {
  presence: CustomEvent<{ username: string, online: boolean, peerId: PeerIdStr }>
  /** A contact is typing to this user (or stopped): ephemeral, from the DM stream */
  typing: CustomEvent<{ username: string, conversation: string, typing: boolean }>
  lobby: CustomEvent<ChatMessage>
}

export interface ChatComponents {
  store: Store
  libp2p: LanchatLibp2p
  rpc: Rpc
  verifier: TokenVerifier
  account: Account
  keys: NetworkKeys
  timeline: Timeline
  directory: Directory
  /** Where file offers in received messages go (the user's files) */
  attachments?: Attachments
  clock?: () => number
  /** Send and show typing indicators in direct chats (default true; --no-typing) */
  typing?: boolean
}

export class Chat extends TypedEventEmitter<ChatEvents> {
  private readonly timeline: Timeline
  private readonly directory: Directory
  private readonly transport: DmTransport
  private readonly presence: Presence
  private readonly lobby: Lobby
  private readonly dm: DirectMessages
  private readonly typingEnabled: boolean
  /** Contacts' typing frames, bounded to what is worth telling */
  private readonly typingFilter: TypingFilter
  private readonly account: Account
  /** Aborts every call to a service under way when chat stops */
  private readonly abort = new AbortController()

  constructor (components: ChatComponents) {
    super()
    const { libp2p, verifier, account, timeline, directory } = components
    const clock = components.clock ?? Date.now
    this.account = account
    this.typingFilter = new TypingFilter(clock)
    this.timeline = timeline
    this.directory = directory
    this.transport = new DmTransport(libp2p, verifier, {
      onEnvelopes: async (sender, envelopes) => this.dm.receive(sender, envelopes),
      onBundleRequest: async () => this.dm.directBundle(),
      onTyping: (sender, typing) => {
        if (this.typingEnabled && this.typingFilter.admit(sender.username, typing)) {
          this.dispatchEvent(new CustomEvent('typing', { detail: { username: sender.username, conversation: sender.username, typing } }))
        }
      }
    }, {
      networkId: components.keys.networkId,
      user: () => account.whoami().loggedIn ? { token: account.identityToken(), identity: account.identity() } : undefined
    })
    this.typingEnabled = components.typing ?? true
    this.presence = new Presence(libp2p, verifier, account, components.keys.networkId, clock)
    this.dm = createDirectMessages({
      account,
      store: new SealedStore(components.store, account.dataKey()),
      timeline,
      directory,
      transport: {
        send: async (peer, envelopes) => this.transport.send(peer, account.identityToken(), envelopes),
        requestBundle: async peer => this.transport.requestBundle(peer, account.identityToken())
      },
      relay: relayClient(components.rpc, account, this.abort.signal),
      presence: this.presence,
      network: { connected: () => libp2p.getPeers().map(p => p.toString()) },
      ...(components.attachments !== undefined ? { attachments: components.attachments } : {}),
      clock
    })
    for (const type of ['message', 'message:status', 'message:blocked', 'message:updated'] as const) {
      this.dm.addEventListener(type, evt => { this.dispatchEvent(new CustomEvent(type, { detail: evt.detail })) })
    }
    this.presence.addEventListener('presence', evt => {
      this.dispatchEvent(new CustomEvent('presence', { detail: evt.detail }))
      // Someone came back: what waits for them can go straight to them now.
      if (evt.detail.online) this.dm.online(evt.detail.username)
    })
    this.lobby = new Lobby({ libp2p, verifier, account, timeline, clock }, components.keys)
    this.lobby.addEventListener('lobby', evt => { this.dispatchEvent(new CustomEvent('lobby', { detail: evt.detail })) })
  }

  async start (): Promise<void> {
    await this.dm.load()
    await this.transport.start()
    this.lobby.start()
    await this.presence.start()
    this.dm.start()
  }

  async stop (): Promise<void> {
    this.abort.abort(new ChatError('STOPPING', 'chat is stopping'))
    const dm = this.dm.stop()
    await this.presence.stop()
    this.lobby.stop()
    await this.transport.stop()
    await dm
  }

  /** Stores the message in the outbox, then delivers it in the background (message:status events follow). */
  async send (to: string, text: string, body?: Body, attachment?: OutgoingAttachment): Promise<SendResult> {
    return this.dm.send(to, text, body, attachment)
  }

  /** The nodes where a user is online now, as presence announcements tell. */
  onlinePeers (username: string): PeerIdStr[] {
    return this.presence.peersOf(username)
  }

  /** Marks a conversation read; in a direct one the contact is told (read receipts). */
  async markRead (contact: string): Promise<{ read: number }> {
    const name = checkConversation(contact)
    if (conversationKind(name) !== 'direct') return this.timeline.markRead(name)
    return this.dm.markRead(name)
  }

  /**
   * Tells a contact this user is typing to them (or stopped): straight to
   * the nodes where presence says they are online, on the DM stream; never
   * stored, never through the relay. Nothing happens with --no-typing, or
   * when the contact is not online.
   */
  async typing (to: string, typing: boolean): Promise<{ sent: boolean }> {
    const name = checkConversation(to)
    if (!this.typingEnabled || conversationKind(name) !== 'direct') return { sent: false }
    const peers = this.presence.peersOf(name)
    const results = await Promise.allSettled(peers.map(async peer => this.transport.typing(peer, this.account.identityToken(), typing)))
    return { sent: results.some(r => r.status === 'fulfilled') }
  }

  /** Who is online, as presence announcements tell. */
  users (): UserPresence[] {
    return this.presence.users()
  }

  /** Posts to the lobby: stored first, then published to everyone online. */
  async lobbySend (text: string): Promise<SendResult> {
    return this.lobby.send(text)
  }

  /** Whether someone is registered as `user` (UNKNOWN_USER otherwise): before a conversation is opened. */
  async checkUser (user: string): Promise<{ username: string }> {
    return { username: await this.directory.require(user) }
  }

  async verify (user: string): ReturnType<Directory['verify']> {
    return this.directory.verify(user)
  }

  /** Acknowledges (and marks verified) the contact's current key; held messages go out. */
  async trust (user: string): Promise<{ username: string, verified: boolean }> {
    const known = await this.dm.trust(user)
    return { username: known.username, verified: known.verified }
  }

  /** Drains this user's mailbox at the relay now (it is also checked every MAILBOX_POLL_MS). */
  async fetchMail (): Promise<void> {
    return this.dm.fetchMail()
  }
}
