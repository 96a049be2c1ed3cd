/**
 * The groups' gossipsub topics on one node. Both the relay (which keeps the
 * ciphertext) and the member side (which reads it) listen on a group's topic,
 * and gossipsub takes one validator per topic: this hub decodes each message
 * once, asks every listener, and subscribes while anyone listens.
 */
import { TopicValidatorResult } from '@libp2p/gossipsub'
import { createLogger } from '../logger.js'
import { MAX_GROUP_ENVELOPE_BYTES } from './constants.js'
import { GroupTopicMessage } from './pb/groups.js'
import type { GroupId } from './state.js'
import type { LanchatLibp2p, PeerIdStr } from '../net/index.js'
import type { Message } from '@libp2p/gossipsub'
import type { PeerId } from '@libp2p/interface'

/**
 * A listener's verdict on one message of `group`'s topic; the hub forwards
 * the message if any listener accepts it. `origin` published it; `direct`:
 * it came straight from its origin (who publishes to every subscriber it
 * knows), not forwarded by another node.
 */
export type GroupTopicHandler = (message: GroupTopicMessage, group: GroupId, origin: PeerIdStr, direct: boolean) => Promise<TopicValidatorResult>

/** A group's topic: /lanchat/<network id>/group/<group id>/1. */
export function groupTopic (networkId: string, group: GroupId): string {
  return `/lanchat/${networkId}/group/${group}/1`
}

/** A topic message is a little more than an envelope. */
const MAX_TOPIC_MESSAGE_BYTES = MAX_GROUP_ENVELOPE_BYTES + 256

export class GroupTopics {
  private readonly handlers = new Map<string, { group: GroupId, set: Set<GroupTopicHandler> }>()
  private readonly log = createLogger('group-topics')

  constructor (private readonly libp2p: LanchatLibp2p) {}

  /** Listens on a group's topic (subscribing if it is the first listener). */
  add (networkId: string, group: GroupId, handler: GroupTopicHandler): void {
    const topic = groupTopic(networkId, group)
    let entry = this.handlers.get(topic)
    if (entry === undefined) {
      entry = { group, set: new Set() }
      this.handlers.set(topic, entry)
      const pubsub = this.libp2p.services.pubsub
      pubsub.topicValidators.set(topic, this.validate)
      pubsub.subscribe(topic)
    }
    entry.set.add(handler)
  }

  /** Stops listening (unsubscribing after the last listener). */
  remove (networkId: string, group: GroupId, handler: GroupTopicHandler): void {
    const topic = groupTopic(networkId, group)
    const entry = this.handlers.get(topic)
    if (entry === undefined || !entry.set.delete(handler) || entry.set.size > 0) return
    this.handlers.delete(topic)
    const pubsub = this.libp2p.services.pubsub
    pubsub.topicValidators.delete(topic)
    try {
      pubsub.unsubscribe(topic)
    } catch {}
  }

  /** Publishes on a group's topic; false when gossipsub refused (no peers, stopped): the relay is the backstop. */
  async publish (networkId: string, group: GroupId, message: GroupTopicMessage): Promise<boolean> {
    const topic = groupTopic(networkId, group)
    try {
      await this.libp2p.services.pubsub.publish(topic, GroupTopicMessage.encode(message))
      return true
    } catch (err) {
      this.log('publishing on %s failed: %s', topic, (err as Error).message)
      return false
    }
  }

  private readonly validate = async (propagationSource: PeerId, msg: Message): Promise<TopicValidatorResult> => {
    const entry = this.handlers.get(msg.topic)
    if (entry === undefined || entry.set.size === 0) return TopicValidatorResult.Ignore
    if (msg.type !== 'signed' || msg.data.byteLength > MAX_TOPIC_MESSAGE_BYTES) return TopicValidatorResult.Reject
    let decoded: GroupTopicMessage
    try {
      decoded = GroupTopicMessage.decode(msg.data)
    } catch {
      return TopicValidatorResult.Reject
    }
    let verdict = TopicValidatorResult.Ignore
    // A message about another group has no place on this topic.
    if ((decoded.envelope !== undefined && decoded.envelope.group !== entry.group) || (decoded.poke !== undefined && decoded.poke.group !== entry.group)) {
      return TopicValidatorResult.Reject
    }
    for (const handler of [...entry.set]) {
      let result: TopicValidatorResult
      try {
        result = await handler(decoded, entry.group, msg.from.toString(), msg.from.equals(propagationSource))
      } catch (err) {
        this.log('a listener on %s failed: %s', msg.topic, (err as Error).message)
        result = TopicValidatorResult.Ignore
      }
      if (result === TopicValidatorResult.Accept) verdict = result
      else if (result === TopicValidatorResult.Reject && verdict === TopicValidatorResult.Ignore) verdict = result
    }
    return verdict
  }
}

const hubs = new WeakMap<LanchatLibp2p, GroupTopics>()

/** The hub of a libp2p node (one per node, shared by its relay and its member side). */
export function groupTopics (libp2p: LanchatLibp2p): GroupTopics {
  let hub = hubs.get(libp2p)
  if (hub === undefined) {
    hub = new GroupTopics(libp2p)
    hubs.set(libp2p, hub)
  }
  return hub
}
