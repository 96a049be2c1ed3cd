/**
 * The lobby: one channel for everyone on the network, on a gossipsub topic,
 * sealed with the lobby key (from the passphrase) and signed by each sender's
 * identity key, with the sender's identity token attached so every node
 * knows who wrote what. A post is stored in the timeline before it is
 * published. Best effort: nodes that are offline miss it.
 */
import { TopicValidatorResult } from '@libp2p/gossipsub'
import { TypedEventEmitter } from 'main-event'
import { jwkThumbprint, open, safeVerify, seal, sign, transcript } from '../crypto/index.js'
import { createLogger } from '../logger.js'
import { formatHlc, LOBBY, newMessageId, parseHlc } from '../timeline/index.js'
import { LobbyMessage, Signed } from './pb/chat.js'
import { checkText, clampText } from './text.js'
import type { Account } from '../account/index.js'
import type { LanchatLibp2p, NetworkKeys } from '../net/index.js'
import type { TokenVerifier } from '../services/index.js'
import type { ChatMessage, Timeline } from '../timeline/index.js'
import type { Message } from '@libp2p/gossipsub'
import type { PeerId } from '@libp2p/interface'

const MAX_LOBBY_BYTES = 48 * 1024
/**
 * A post is live news: one older than this (or further ahead), by its
 * sender's clock, is refused; clocks agree within 2 minutes and gossip takes
 * seconds. With the sender's node connected (below) and posts stored once by
 * id, a captured post replayed later is never shown as new.
 */
export const LOBBY_MAX_AGE_MS = 3 * 60_000
const LABEL = 'lanchat/lobby/v1'
const SEAL_AD = new TextEncoder().encode(LABEL)

export interface LobbyComponents {
  libp2p: LanchatLibp2p
  verifier: TokenVerifier
  account: Account
  timeline: Timeline
  clock: () => number
}

export interface LobbyEvents {
  lobby: CustomEvent<ChatMessage>
}

export interface LobbySendResult {
  id: string
  conversation: string
  status: 'sent'
  hlc: string
}

export class Lobby extends TypedEventEmitter<LobbyEvents> {
  readonly topic: string
  private readonly log = createLogger('lobby')
  private readonly lobbyKey: Uint8Array
  private running = false

  constructor (private readonly components: LobbyComponents, keys: Pick<NetworkKeys, 'lobbyKey' | 'networkId'>) {
    super()
    this.lobbyKey = keys.lobbyKey
    this.topic = `/lanchat/${keys.networkId}/lobby/1`
  }

  start (): void {
    const pubsub = this.components.libp2p.services.pubsub
    pubsub.topicValidators.set(this.topic, this.validate)
    pubsub.subscribe(this.topic)
    this.running = true
  }

  stop (): void {
    this.running = false
    const pubsub = this.components.libp2p.services.pubsub
    pubsub.topicValidators.delete(this.topic)
    pubsub.unsubscribe(this.topic)
  }

  /** Posts to the lobby: stored first, then published to everyone online. */
  async send (text: string): Promise<LobbySendResult> {
    checkText(text)
    const { account, timeline, clock } = this.components
    const message: ChatMessage = {
      id: newMessageId(), conversation: LOBBY, from: account.username, to: LOBBY, text, sentAt: clock(), hlc: timeline.stamp(), direction: 'out'
    }
    await timeline.exclusive(LOBBY, async () => { await timeline.commit(await timeline.addOps([message], false)) })
    await this.publish(message)
    return { id: message.id, conversation: LOBBY, status: 'sent', hlc: message.hlc }
  }

  private async publish (post: ChatMessage): Promise<void> {
    const { account, libp2p } = this.components
    const identity = account.identity()
    const hlc = parseHlc(post.hlc)
    const payload = LobbyMessage.encode({
      id: post.id,
      from: post.from,
      text: post.text,
      sentAt: BigInt(post.sentAt),
      hlcWall: BigInt(hlc.wall),
      hlcCounter: hlc.counter,
      identityKey: new Uint8Array(identity.publicKey),
      identityToken: account.identityToken()
    })
    const signed = Signed.encode({ payload, signature: sign(identity, transcript(LABEL, payload)) })
    await libp2p.services.pubsub.publish(this.topic, seal(this.lobbyKey, signed, SEAL_AD))
  }

  private readonly validate = async (_from: PeerId, msg: Message): Promise<TopicValidatorResult> => {
    try {
      if (msg.type !== 'signed' || msg.data.length > MAX_LOBBY_BYTES) return TopicValidatorResult.Reject
      const signed = Signed.decode(open(this.lobbyKey, msg.data, SEAL_AD))
      const m = LobbyMessage.decode(signed.payload)
      // Posted now, by a node that is here now.
      if (Math.abs(this.components.clock() - Number(m.sentAt)) > LOBBY_MAX_AGE_MS) return TopicValidatorResult.Ignore
      if (this.components.libp2p.getConnections(msg.from).length === 0) return TopicValidatorResult.Ignore
      // The author node must be the one the sender's token was issued to.
      const claims = await this.components.verifier.identity(m.identityToken, msg.from.toString())
      if (claims.sub !== m.from || jwkThumbprint(m.identityKey) !== claims.cnf.jkt) return TopicValidatorResult.Reject
      if (!safeVerify(m.identityKey, transcript(LABEL, signed.payload), signed.signature)) return TopicValidatorResult.Reject
      if (m.id === '' || m.id.length > 64 || m.text === '') return TopicValidatorResult.Reject
      const fresh = await this.store(m)
      return fresh ? TopicValidatorResult.Accept : TopicValidatorResult.Ignore
    } catch (err) {
      this.log('dropped a lobby message: %s', (err as Error).message)
      return TopicValidatorResult.Reject
    }
  }

  /** A post from someone else: stored once (false when seen before), then announced. */
  private async store (m: LobbyMessage): Promise<boolean> {
    if (!this.running) return false
    const message: ChatMessage = {
      id: m.id,
      conversation: LOBBY,
      from: m.from,
      to: LOBBY,
      text: clampText(m.text),
      sentAt: Number(m.sentAt),
      receivedAt: this.components.clock(),
      hlc: formatHlc({ wall: Number(m.hlcWall), counter: m.hlcCounter }),
      direction: 'in',
      read: false
    }
    if (!await this.components.timeline.record(message, true)) return false
    this.dispatchEvent(new CustomEvent('lobby', { detail: message }))
    return true
  }
}
