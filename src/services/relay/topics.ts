/**
 * The relay on the groups' topics (docs/groups.md, "The relay"): while this
 * node serves the relay role it listens on the topic of every group it holds
 * and keeps the envelopes going by; it pokes a group's members when there is
 * something new to fetch, and passes a posted envelope on.
 */
import { TopicValidatorResult } from '@libp2p/gossipsub'
import { createLogger } from '../../logger.js'
import { GroupEnvelope, groupTopics } from '../../groups/index.js'
import type { RelayGroups } from './groups.js'
import type { RelayComponents } from './relay.js'
import type { GroupId, GroupTopicHandler } from '../../groups/index.js'

export class RelayTopics {
  /** Groups whose topic this relay listens on */
  private readonly topics = new Set<GroupId>()
  private readonly log = createLogger('relay')

  /** `running`: the relay is started. */
  constructor (private readonly components: RelayComponents, private readonly groups: RelayGroups, private readonly running: () => boolean) {}

  /** Listens on every group's topic while this node serves the relay role, on none otherwise. */
  async listenAll (): Promise<void> {
    const libp2p = this.components.libp2p
    if (libp2p === undefined || !this.running()) return
    if (!this.serving()) {
      this.unlistenAll()
      return
    }
    for (const group of await this.groups.groupIds()) this.listen(group)
  }

  /** Listens on no topic. */
  unlistenAll (): void {
    const libp2p = this.components.libp2p
    if (libp2p !== undefined) for (const group of this.topics) groupTopics(libp2p).remove(this.components.keys.networkId, group, this.onTopic)
    this.topics.clear()
  }

  listen (group: GroupId): void {
    const libp2p = this.components.libp2p
    if (libp2p === undefined || !this.running() || !this.serving()) return
    if (this.topics.has(group)) return
    this.topics.add(group)
    groupTopics(libp2p).add(this.components.keys.networkId, group, this.onTopic)
  }

  /** Tells the group's members, on its topic, that there is something new to fetch. */
  poke (group: GroupId, epoch: number): void {
    const libp2p = this.components.libp2p
    if (libp2p === undefined || !this.running()) return
    void groupTopics(libp2p).publish(this.components.keys.networkId, group, { poke: { group, epoch } })
  }

  /** Republishes a posted envelope on its group's topic. */
  async republish (bytes: Uint8Array): Promise<void> {
    const libp2p = this.components.libp2p
    if (libp2p === undefined) return
    const envelope = GroupEnvelope.decode(bytes)
    await groupTopics(libp2p).publish(this.components.keys.networkId, envelope.group, { envelope })
  }

  /** Serves the role, or runs without a registry that says (unit tests). */
  private serving (): boolean {
    return typeof this.components.registry.serves !== 'function' || this.components.registry.serves('relay')
  }

  /** Envelopes going by on a group's topic are kept (while this node serves the relay role). */
  private readonly onTopic: GroupTopicHandler = async message => {
    if (!this.components.registry.serves('relay')) return TopicValidatorResult.Ignore
    if (message.poke !== undefined) return TopicValidatorResult.Ignore
    if (message.envelope === undefined) return TopicValidatorResult.Reject
    try {
      const { stored } = await this.groups.keep(message.envelope)
      return stored ? TopicValidatorResult.Accept : TopicValidatorResult.Ignore
    } catch (err) {
      this.log('refused a group envelope from the topic: %s', (err as Error).message)
      return (err as { code?: string }).code === 'UNKNOWN_EPOCH' ? TopicValidatorResult.Ignore : TopicValidatorResult.Reject
    }
  }
}
