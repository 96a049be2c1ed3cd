/**
 * Issue 15, item 4: clocks from anyone. A member of a group (and anyone in
 * the lobby) stamps its messages with the hybrid logical clock it likes:
 * 23 h ahead, 2^53 - 1, 2^64 - 1. Sent through the real receive paths (the
 * group's topic with a correctly sealed and signed envelope, the sealed lobby
 * topic), such a message must not sort after what comes later, nor drag the
 * receiver's clock along. The timeline bounds remote clocks since 2fcca6e:
 * these pass today, and guard it.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import {
  epochResource, groupTopic, openState, sealGroupMessage, senderKey, GroupTopicMessage
} from '../../src/groups/index.js'
import { KACLS, UNWRAP } from '../../src/services/kacls/spec.js'
import { AUTHORIZE, GROUP_STATES, RELAY } from '../../src/services/relay/spec.js'
import { LOBBY, MAX_HLC_DRIFT_MS, newMessageId, parseHlc } from '../../src/timeline/index.js'
import { startCluster } from '../helpers/cluster.js'
import { reaches, user } from '../groups/helpers.js'
import { ALL_ROLES, addAttacker, lobbyTopic, publishLobby, watchVerdicts } from './attacker.js'
import type { LanchatNode } from '../../src/node.js'
import type { ChatMessage } from '../../src/timeline/index.js'
import type { Cluster } from '../helpers/cluster.js'

const HOUR = 3_600_000
/** The stamps a hostile clock sends: walls of 23 h ahead, 2^53 - 1 and 2^64 - 1 ms. */
const walls = (): Array<{ name: string, wall: bigint }> => [
  { name: '+23 h', wall: BigInt(Date.now() + 23 * HOUR) },
  { name: '2^53-1', wall: BigInt(Number.MAX_SAFE_INTEGER) },
  { name: '2^64-1', wall: 2n ** 64n - 1n }
]

/** Where a message may sort: no later than the receiver's own clock allows (now, plus the drift believed). */
function checkBounded (shown: ChatMessage[]): void {
  const limit = Date.now() + MAX_HLC_DRIFT_MS
  for (const m of shown) expect({ text: m.text, boundedHlc: parseHlc(m.hlc).wall <= limit }).toEqual({ text: m.text, boundedHlc: true })
}

describe('issue 15.4: hybrid logical clocks stamped by a hostile sender', () => {
  let cluster: Cluster
  let alice: LanchatNode
  let mallory: LanchatNode

  beforeAll(async () => {
    cluster = await startCluster([{ name: 'services', roles: ALL_ROLES }])
    alice = await user(cluster, 'alice')
    // The attacker here is a user like any other: a real account, a member of the group.
    await addAttacker(cluster)
    mallory = await user(cluster, 'mallory')
  }, 120_000)
  afterAll(async () => { await cluster?.stop() })

  it('keeps group messages stamped far ahead from sorting after later ones', async () => {
    const { group } = await alice.groupCreate('clocks', ['mallory'])
    await reaches(mallory, group, d => d.epoch === 1)
    // mallory gets the epoch key as any member does: the relay's authorization, then the KACLS.
    const identityToken = mallory.user.identityToken()
    const { states } = await mallory.rpc.call(RELAY, GROUP_STATES, { group, after: 0 }, { identityToken })
    const resource = epochResource(group, 1)
    const { token: authorizationToken } = await mallory.rpc.call(RELAY, AUTHORIZE, { resource, role: 'reader', identityKey: mallory.user.identity().publicKey }, { identityToken })
    const { key } = await mallory.rpc.call(KACLS, UNWRAP, { wrapped: openState(states[0]!).state.wrappedKey, resource, reason: 'member' }, { identityToken, authorizationToken })

    const watch = watchVerdicts(alice, groupTopic(alice.keys.networkId, group))
    const sent: string[] = []
    let seq = 1000
    for (const { name, wall } of walls()) {
      const text = `group message stamped ${name}`
      const envelope = sealGroupMessage(mallory.keys.networkId, senderKey(key, group, 1, 'mallory'),
        { group, epoch: 1, sender: 'mallory', seq: seq++, hlc: `${wall}.00000` },
        { id: newMessageId(), text, sentAt: Date.now() }, mallory.user.identity())
      const data = GroupTopicMessage.encode({ envelope })
      await mallory.network.libp2p.services.pubsub.publish(groupTopic(mallory.keys.networkId, group), data)
      // Judged by alice's member side (stored first when it is taken).
      await watch.on(data)
      sent.push(text)
    }
    watch.stop()

    const { id } = await alice.groupSend(group, 'said after them')
    const history = await alice.groupHistory(group, 100)
    const texts = history.map(m => m.text)
    // The message 23 h ahead is well formed: it is shown, stamped when it came; the others are refused or shown the same way.
    expect(texts).toContain('group message stamped +23 h')
    expect(history.at(-1)?.id).toBe(id)
    checkBounded(history.filter(m => sent.includes(m.text)))
    // alice's own clock did not follow them.
    expect(parseHlc(history.at(-1)!.hlc).wall).toBeLessThanOrEqual(Date.now() + 1_000)
  })

  it('keeps lobby posts stamped far ahead from sorting after later ones', async () => {
    const watch = watchVerdicts(alice, lobbyTopic(alice))
    const author = { username: 'mallory', identity: mallory.user.identity(), token: mallory.user.identityToken() }
    const sent: string[] = []
    for (const { name, wall } of walls()) {
      const text = `lobby post stamped ${name}`
      const data = await publishLobby(mallory, author, { id: newMessageId(), text, hlcWall: wall })
      await watch.on(data)
      sent.push(text)
    }
    watch.stop()

    const { id } = await alice.lobbySend('posted after them')
    await vi.waitFor(async () => { expect((await alice.history(LOBBY, 100)).some(m => m.id === id)).toBe(true) })
    const history = await alice.history(LOBBY, 100)
    expect(history.map(m => m.text)).toContain('lobby post stamped +23 h')
    expect(history.at(-1)?.id).toBe(id)
    checkBounded(history.filter(m => sent.includes(m.text)))
    expect(parseHlc(history.at(-1)!.hlc).wall).toBeLessThanOrEqual(Date.now() + 1_000)
  })
})
