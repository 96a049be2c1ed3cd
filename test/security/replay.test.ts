/**
 * Issue 15, item 5: replays to newcomers. Presence announcements and lobby
 * posts are signed gossip messages with nothing that ties them to now: the
 * attacker keeps what alice's node published and sends it, byte for byte
 * (her node's gossipsub signature included), to a node that joins after
 * alice has left. The newcomer has seen none of it, so it takes it for new:
 * alice online (she is not), her old post as a new one. Closed: presence
 * and posts carry a validity window and count only from a node this one is
 * connected to (src/chat/presence.ts, src/chat/lobby.ts); posts are stored
 * once by id, across restarts (the timeline).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { PresenceAnnouncement, Signed } from '../../src/chat/pb/chat.js'
import { LOBBY } from '../../src/timeline/index.js'
import { startCluster } from '../helpers/cluster.js'
import { user } from '../groups/helpers.js'
import { ALL_ROLES, addAttacker, capture, lobbyTopic, presenceTopic, replay, watchVerdicts } from './attacker.js'
import type { LanchatNode } from '../../src/node.js'
import type { Cluster } from '../helpers/cluster.js'

describe('issue 15.5: captured presence and lobby posts replayed to a newcomer', () => {
  let cluster: Cluster
  let mallory: LanchatNode

  beforeAll(async () => {
    cluster = await startCluster([{ name: 'services', roles: ALL_ROLES }, { name: 'alice' }])
    mallory = await addAttacker(cluster)
  }, 120_000)
  afterAll(async () => { await cluster?.stop() })

  // Hole: presence and lobby messages carry no freshness a newcomer can check, so replays of them are believed (issue 15, item 5).
  it('shows a node that joins later neither alice online after she left nor her old post as new', async () => {
    // The attacker listens on the presence and lobby topics, as any node may.
    const alicePeer = cluster.get('alice').network.peerId
    const online = capture(mallory, presenceTopic(mallory), alicePeer, data => {
      const a = PresenceAnnouncement.decode(Signed.decode(data).payload)
      return a.username === 'alice' && a.online
    })
    const posted = capture(mallory, lobbyTopic(mallory), alicePeer)
    const alice = await user(cluster, 'alice')
    await alice.lobbySend('meet me at the north door at noon')
    const captured = [await online, await posted]

    // alice logs off and her node leaves; carol's node joins after that.
    await cluster.remove('alice')
    const carol = await user(cluster, 'carol')
    await vi.waitFor(() => {
      const pubsub = mallory.network.libp2p.services.pubsub
      for (const topic of [presenceTopic(carol), lobbyTopic(carol)]) expect(pubsub.getSubscribers(topic).map(p => p.toString())).toContain(carol.network.peerId)
    }, { timeout: 15_000, interval: 50 })

    const watches = [watchVerdicts(carol, presenceTopic(carol)), watchVerdicts(carol, lobbyTopic(carol))]
    replay(mallory, carol.network.peerId, captured)
    // Judged (and, if believed, recorded) by carol's node.
    await Promise.all(watches.map(async (w, i) => w.on(captured[i]!.data)))
    for (const w of watches) w.stop()

    expect({
      aliceOnline: carol.users().find(u => u.username === 'alice')?.online ?? false,
      alicePosts: (await carol.history(LOBBY)).filter(m => m.from === 'alice').map(m => m.text)
    }).toEqual({ aliceOnline: false, alicePosts: [] })
  })
})
