/**
 * The real DM pipeline of several users in one process: each user has an
 * in-memory store, a sealed chat store, a real Timeline and Directory, and a
 * DirectMessages; a fake network connects one user's sender to another's
 * receiver (and can be made unreachable, fail, hold frames or lose answers), a
 * fake relay keeps mailboxes and prekey bundles in memory, and a fake idp
 * answers the directory's lookups. Crypto is the real X3DH and Double Ratchet.
 */
import { randomBytes } from 'node:crypto'
import { createDirectMessages } from '../../../src/chat/dm/index.js'
import { DmEnvelope } from '../../../src/chat/pb/chat.js'
import { encodePreKeyBundle, generateIdentityKeyPair, jwkThumbprint } from '../../../src/crypto/index.js'
import { Directory } from '../../../src/directory/index.js'
import { SealedStore } from '../../../src/sealed-store.js'
import { Timeline } from '../../../src/timeline/index.js'
import { openMemoryStore } from '../../../store/index.js'
import type { Account } from '../../../src/account/index.js'
import type { DirectMessages, DmInit, DmLink, DmRelay, PublishedBundle, RelayedMail } from '../../../src/chat/dm/index.js'
import type { DmReject } from '../../../src/chat/pb/chat.js'
import type { VerifiedSender } from '../../../src/chat/transport.js'
import type { IdentityKeyPair } from '../../../src/crypto/index.js'
import type { Rpc } from '../../../src/services/index.js'
import type { ChatMessage, MessageStatus, MessageUpdate } from '../../../src/timeline/index.js'
import type { Store } from '../../../store/index.js'

/** The few Account methods the pipeline and the directory use. */
export interface FakeAccount {
  username: string
  identity: () => IdentityKeyPair
  identityToken: () => string
  dataKey: () => Uint8Array
}

/** A user's node: what outlives a restart (store, keys, peer id), and what a restart makes anew. */
export interface User {
  name: string
  peerId: string
  account: FakeAccount
  store: Store
  sealed: SealedStore
  timeline: Timeline
  directory: Directory
  dm: DirectMessages
  /** The user's side of the DM protocol (for sending by hand, as a replaying node would) */
  link: DmLink
  /** Events as they came */
  messages: ChatMessage[]
  statuses: Array<{ id: string, conversation: string, status: MessageStatus }>
  blocked: Array<{ id: string, conversation: string, reason: string }>
  /** message:updated events: edits, deletions, reactions */
  updates: MessageUpdate[]
}

/** What the fake network saw of one frame. */
export interface Frame {
  from: string
  to: string
  envelopes: DmEnvelope[]
  rejects: DmReject[]
}

const clock = (): number => Date.now()
const bytes = (b: Uint8Array): Uint8Array<ArrayBuffer> => new Uint8Array(b)

/** The relay's mailboxes and bundles, in memory, with the relay's rules that matter here. */
export class FakeRelay {
  /** Calls fail while down (the relay holder unreachable) */
  down = false
  /** Every deposit tried, also while down: what the sender sent */
  readonly deposits: Array<{ from: string, to: string, id: string, envelope: Uint8Array, at: number }> = []
  private readonly mail: Array<RelayedMail & { to: string, seq: number }> = []
  private readonly bundles = new Map<string, PublishedBundle>()
  private seq = 0

  /** Whether `username` has published a bundle. */
  published (username: string): boolean {
    return this.bundles.has(username)
  }

  /** The mail held for `to`. */
  held (to: string): Array<RelayedMail & { to: string }> {
    return this.mail.filter(m => m.to === to)
  }

  /** The relay's calls as the user `me` (whom the relay knows by its identity token). */
  client (me: string): DmRelay {
    const up = (): void => { if (this.down) throw new Error('the relay is unreachable') }
    return {
      deposit: async ({ to, id, envelope }) => {
        this.deposits.push({ from: me, to, id, envelope, at: Date.now() })
        up()
        const existing = this.mail.find(m => m.to === to && m.id === id)
        if (existing !== undefined) {
          if (existing.from !== me) throw Object.assign(new Error(`${to} already holds ${id} from another sender`), { code: 'ID_CONFLICT' })
          return
        }
        this.mail.push({ to, id, from: me, envelope, seq: ++this.seq })
      },
      fetch: async ({ limit, after }) => {
        up()
        const mine = this.mail.filter(m => m.to === me && m.seq > Number(after ?? 0))
        const page = mine.slice(0, limit)
        return { messages: page.map(({ id, from, envelope }) => ({ id, from, envelope })), more: mine.length > page.length, cursor: String(page.at(-1)?.seq ?? after ?? 0) }
      },
      ack: async ids => {
        up()
        const gone = new Set(ids)
        for (let i = this.mail.length - 1; i >= 0; i--) if (this.mail[i]!.to === me && gone.has(this.mail[i]!.id)) this.mail.splice(i, 1)
      },
      fetchBundle: async username => {
        up()
        const b = this.bundles.get(username)
        if (b === undefined) throw Object.assign(new Error(`no bundle for ${username}`), { code: 'NO_BUNDLE' })
        const opk = b.oneTimePrekeys.shift()
        return encodePreKeyBundle({
          identityKey: bytes(b.identityKey),
          signedPreKeyId: b.signedPrekeyId,
          signedPreKey: bytes(b.signedPrekey),
          signedPreKeySignature: bytes(b.signedPrekeySignature),
          oneTimePreKey: opk === undefined ? undefined : { id: opk.id, publicKey: bytes(opk.publicKey) }
        })
      },
      bundleStatus: async () => {
        up()
        const b = this.bundles.get(me)
        return { published: b !== undefined, signedPrekeyId: b?.signedPrekeyId ?? 0, oneTimePrekeys: b?.oneTimePrekeys.length ?? 0 }
      },
      publishBundle: async bundle => {
        up()
        const known = this.bundles.get(me)
        // A new identity key (a re-registration) replaces the bundle; otherwise one-time prekeys are added.
        const same = known !== undefined && Buffer.compare(Buffer.from(known.identityKey), Buffer.from(bundle.identityKey)) === 0
        this.bundles.set(me, { ...bundle, oneTimePrekeys: [...(same ? known.oneTimePrekeys : []), ...bundle.oneTimePrekeys] })
      }
    }
  }
}

export interface AddOptions {
  /** Reachable straight away (default true) */
  online?: boolean
  init?: DmInit
}

/** The users, the links between their nodes, the relay and the idp. */
export class FakeNet {
  readonly relay = new FakeRelay()
  readonly users = new Map<string, User>()
  /** Every frame sent, with the receiver's refusals */
  readonly frames: Frame[] = []
  /** Frames fail on the way (a connection reset) while set */
  failing = false
  /** Frames wait for this before they are handed over (hold()) */
  private gate?: Promise<void>
  /** Frames waiting at the gate */
  waiting = 0
  /** Answers lost after the receiver stored the frame (the sender sees a failure) */
  loseAnswers = 0
  /** The idp's lookups fail with this code while set (the idp away, or refusing the asker's token) */
  lookupFails?: string
  private readonly online = new Set<string>()
  /** The idp: each username's identity key and node */
  private readonly idp = new Map<string, { identityKey: Uint8Array, peerId: string }>()
  /** One stream per pair of nodes: frames are handled one after the other */
  private readonly streams = new Map<string, Promise<unknown>>()
  private nodes = 0

  /** Registers a user (a new identity key; a known name is a re-registration) and starts its node. */
  async add (name: string, opts: AddOptions = {}): Promise<User> {
    const identity = generateIdentityKeyPair()
    const dataKey = new Uint8Array(randomBytes(32))
    const account: FakeAccount = { username: name, identity: () => identity, identityToken: () => `token:${name}`, dataKey: () => dataKey }
    const peerId = `node-${++this.nodes}-${name}`
    this.idp.set(name, { identityKey: identity.publicKey, peerId })
    return this.boot({ name, peerId, account, store: await openMemoryStore() }, opts)
  }

  /** Stops a user's chat and starts it again over the same store (a restart of the node). */
  async restart (user: User, opts: AddOptions = {}): Promise<User> {
    await user.dm.stop()
    return this.boot(user, { online: this.online.has(user.name), ...opts })
  }

  /** Makes a user's node reachable straight (or not: the sender falls back to the relay). */
  setOnline (user: User, online: boolean): void {
    if (online) this.online.add(user.name)
    else this.online.delete(user.name)
  }

  private async boot ({ name, peerId, account, store }: Pick<User, 'name' | 'peerId' | 'account' | 'store'>, opts: AddOptions): Promise<User> {
    const sealed = new SealedStore(store, account.dataKey())
    const timeline = new Timeline({ store: sealed, clock })
    await timeline.start()
    // The directory asks the idp through Rpc.call; only LOOKUP is asked.
    const idp = { call: async (_spec: unknown, _method: unknown, req: { username: string }) => this.lookup(req.username) }
    const directory = new Directory(sealed, idp as unknown as Rpc, account as unknown as Account, clock)
    const link = this.link(name, peerId, account)
    const dm = createDirectMessages({
      account,
      store: sealed,
      timeline,
      directory,
      transport: link,
      relay: this.relay.client(name),
      presence: { peersOf: username => this.online.has(username) ? [this.idp.get(username)!.peerId] : [] },
      network: { connected: () => [...this.online].map(u => this.idp.get(u)!.peerId) },
      clock
    }, opts.init)
    const user: User = { name, peerId, account, store, sealed, timeline, directory, dm, link, messages: [], statuses: [], blocked: [], updates: [] }
    dm.addEventListener('message', evt => { user.messages.push(evt.detail) })
    dm.addEventListener('message:status', evt => { user.statuses.push(evt.detail) })
    dm.addEventListener('message:blocked', evt => { user.blocked.push(evt.detail) })
    dm.addEventListener('message:updated', evt => { user.updates.push(evt.detail) })
    this.users.set(name, user)
    if (opts.online ?? true) this.online.add(name)
    await dm.load()
    dm.start()
    // Others start sessions with this user's bundle at the relay: it is there before the test goes on.
    if (!this.relay.down) await until(() => this.relay.published(name))
    return user
  }

  /** Holds every frame until the returned function is called. */
  hold (): () => void {
    let release!: () => void
    this.gate = new Promise(resolve => { release = resolve })
    return () => {
      this.gate = undefined
      release()
    }
  }

  private lookup (username: string): { username: string, identityKey: Uint8Array, peers: string[] } {
    if (this.lookupFails !== undefined) throw Object.assign(new Error(`the idp refused the lookup of ${username}`), { code: this.lookupFails })
    const entry = this.idp.get(username)
    if (entry === undefined) throw Object.assign(new Error(`no user ${username}`), { code: 'UNKNOWN_USER' })
    return { username, identityKey: entry.identityKey, peers: [entry.peerId] }
  }

  /** The node a peer id names, when it is reachable now. */
  private reachable (peer: string): User | undefined {
    const user = [...this.users.values()].find(u => u.peerId === peer)
    return user !== undefined && this.online.has(user.name) ? user : undefined
  }

  /** `from`'s side of the DM protocol: the recipient's node, as DmTransport would reach it. */
  private link (from: string, peerId: string, account: FakeAccount): DmLink {
    const sender: VerifiedSender = {
      username: from,
      peer: peerId,
      claims: { iss: 'idp', sub: from, aud: 'net', cnf: { jkt: jwkThumbprint(account.identity().publicKey) }, peer: peerId, iat: 0, exp: Number.MAX_SAFE_INTEGER }
    }
    return {
      send: async (peer, sent) => {
        const to = this.reachable(peer)
        if (to === undefined) throw new Error(`${peer} is unreachable`)
        if (this.failing) throw new Error(`the connection to ${peer} was reset`)
        // On the wire: encoded, so the receiver shares nothing with the sender.
        const envelopes = sent.map(e => DmEnvelope.decode(DmEnvelope.encode(e)))
        if (this.gate !== undefined) {
          this.waiting++
          await this.gate
          this.waiting--
        }
        const stream = `${peerId}>${peer}`
        const answer = (this.streams.get(stream) ?? Promise.resolve()).then(async () => to.dm.receive(sender, envelopes))
        this.streams.set(stream, answer.catch(() => {}))
        const { acks, rejects } = await answer
        this.frames.push({ from, to: to.name, envelopes, rejects })
        if (this.loseAnswers > 0) {
          this.loseAnswers--
          throw new Error('the answer was lost')
        }
        return { acks, rejects }
      },
      requestBundle: async peer => {
        const to = this.reachable(peer)
        if (to === undefined) throw new Error(`${peer} is unreachable`)
        return to.dm.directBundle()
      }
    }
  }

  async stop (): Promise<void> {
    for (const u of this.users.values()) await u.dm.stop()
  }
}

/** Resolves once `condition` holds (polled; real timers). */
export async function until (condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !condition();) {
    if (Date.now() > deadline) throw new Error(`not reached in ${timeoutMs} ms`)
    await new Promise(resolve => setTimeout(resolve, 2))
  }
}

/** Texts of a user's received messages from `from`, in the order they came. */
export function textsFrom (user: User, from: string): string[] {
  return user.messages.filter(m => m.from === from).map(m => m.text)
}

/** The status a user's own message has reached, by its events. */
export function statusOf (user: User, id: string): MessageStatus | undefined {
  const order: MessageStatus[] = ['pending', 'sent', 'delivered', 'read']
  let best: MessageStatus | undefined
  for (const s of user.statuses) if (s.id === id && (best === undefined || order.indexOf(s.status) > order.indexOf(best))) best = s.status
  return best
}

/** The keys of a user's outbox as stored. */
export async function outboxKeys (user: User): Promise<string[]> {
  const keys: string[] = []
  for await (const [key] of user.sealed.entries('o/')) keys.push(key)
  return keys
}
