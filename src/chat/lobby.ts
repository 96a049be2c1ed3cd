/**
 * The lobby: one channel for everyone on the network, on a gossipsub topic,
 * sealed with the lobby key (from the passphrase) and signed by each sender's
 * identity key, with the sender's identity token attached so every node
 * knows who wrote what. Best effort: nodes that are offline miss it.
 */
import { randomBytes } from 'node:crypto'
import { TopicValidatorResult } from '@libp2p/gossipsub'
import { jwkThumbprint, open, seal, sign } from '../crypto/index.js'
import { createLogger } from '../logger.js'
import { safeVerify } from '../services/keys.js'
import { transcript } from '../services/transcript.js'
import { LobbyMessage, Signed } from './pb/chat.js'
import type { Account } from '../account/index.js'
import type { LanchatLibp2p } from '../net/index.js'
import type { TokenVerifier } from '../services/index.js'
import type { Hlc } from './hlc.js'
import type { Message } from '@libp2p/gossipsub'
import type { PeerId } from '@libp2p/interface'

export const LOBBY = '#lobby'
const MAX_LOBBY_BYTES = 48 * 1024
const LABEL = 'lanchat/lobby/v1'
const SEAL_AD = new TextEncoder().encode(LABEL)

export interface LobbyPost {
  id: string
  from: string
  text: string
  sentAt: number
  hlc: Hlc
}

export class Lobby {
  readonly topic: string
  private readonly log = createLogger('lobby')

  constructor (
    private readonly libp2p: LanchatLibp2p,
    private readonly verifier: TokenVerifier,
    private readonly account: Account,
    private readonly lobbyKey: Uint8Array,
    networkId: string,
    /** Stores a post (deduplicated by id); resolves false when it was seen before */
    private readonly onPost: (post: LobbyPost) => Promise<boolean>
  ) {
    this.topic = `/lanchat/${networkId}/lobby/1`
  }

  start (): void {
    const pubsub = this.libp2p.services.pubsub
    pubsub.topicValidators.set(this.topic, this.validate)
    pubsub.subscribe(this.topic)
  }

  stop (): void {
    const pubsub = this.libp2p.services.pubsub
    pubsub.topicValidators.delete(this.topic)
    pubsub.unsubscribe(this.topic)
  }

  /** A new post by this user, ready to store (before it is published). */
  compose (text: string, hlc: Hlc, sentAt: number): LobbyPost {
    return { id: randomBytes(16).toString('hex'), from: this.account.username, text, sentAt, hlc }
  }

  async publish (post: LobbyPost): Promise<void> {
    const identity = this.account.identity()
    const payload = LobbyMessage.encode({
      id: post.id,
      from: post.from,
      text: post.text,
      sentAt: BigInt(post.sentAt),
      hlcWall: BigInt(post.hlc.wall),
      hlcCounter: post.hlc.counter,
      identityKey: new Uint8Array(identity.publicKey),
      identityToken: this.account.identityToken()
    })
    const signed = Signed.encode({ payload, signature: sign(identity, transcript(LABEL, payload)) })
    await this.libp2p.services.pubsub.publish(this.topic, seal(this.lobbyKey, signed, SEAL_AD))
  }

  private readonly validate = async (_from: PeerId, msg: Message): Promise<TopicValidatorResult> => {
    try {
      if (msg.type !== 'signed' || msg.data.length > MAX_LOBBY_BYTES) return TopicValidatorResult.Reject
      const signed = Signed.decode(open(this.lobbyKey, msg.data, SEAL_AD))
      const m = LobbyMessage.decode(signed.payload)
      // The author node must be the one the sender's token was issued to.
      const claims = await this.verifier.identity(m.identityToken, msg.from.toString())
      if (claims.sub !== m.from || jwkThumbprint(m.identityKey) !== claims.cnf.jkt) return TopicValidatorResult.Reject
      if (!safeVerify(m.identityKey, transcript(LABEL, signed.payload), signed.signature)) return TopicValidatorResult.Reject
      if (m.id === '' || m.id.length > 64 || m.text === '') return TopicValidatorResult.Reject
      const fresh = await this.onPost({ id: m.id, from: m.from, text: m.text, sentAt: Number(m.sentAt), hlc: { wall: Number(m.hlcWall), counter: m.hlcCounter } })
      return fresh ? TopicValidatorResult.Accept : TopicValidatorResult.Ignore
    } catch (err) {
      this.log('dropped a lobby message: %s', (err as Error).message)
      return TopicValidatorResult.Reject
    }
  }
}
