import { rm } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { lanSuite, phaseTimer, replicaInStep, retry, servesEveryRole, syncedReplicas } from '../helpers/failover.js'
import { netnsSupport } from '../helpers/netns.js'
import { agreedHolders, ROLE_NAMES } from '../helpers/roles.js'
import type { HeadlessNode, Line } from '../helpers/headless-node.js'
import type { Host } from '../helpers/netns.js'

const support = await netnsSupport()
if (!support.ok) console.warn(`SKIPPED: LAN failover test in network namespaces: ${support.reason}`)

const PASSWORD = 'a-long-enough-password'

/**
 * Issue 14's first paragraph, as a new user would try it: four nodes eligible
 * for every role and clients on their own hosts (real mDNS, no --peer). alice
 * leaves 5 group posts while carol is away and 20 DMs at the relay while bob is
 * away; then the three role holders die for good (SIGKILL, data directory
 * deleted). The fourth eligible node takes every role over, and it answers as
 * its predecessors would have. Prints the time from the kill to the fourth
 * node serving every role and to bob having his 20 DMs (figures, not
 * assertions), and how long each phase took.
 */
describe.skipIf(!support.ok)('losing every role holder for good on a LAN of namespace hosts', () => {
  const { lan: lanOf, spawn } = lanSuite(8, '10.94.0')

  it('the fourth eligible node takes every role over: old users log in, 20/20 DMs once and in order, 5/5 posts, new posts both ways, a new user registers', async () => {
    const lan = lanOf()
    const hosts = lan.hosts as [Host, Host, Host, Host, Host, Host, Host, Host]
    const { phase, summary } = phaseTimer()
    const eligible = await Promise.all([0, 1, 2, 3].map(async i => spawn(`eligible${i + 1}`, hosts[i]!, [])))
    // dave is a fourth client, started now so that his start is not in the figures; he registers only after the failover.
    const [alice, bob, carol, dave] = await Promise.all(['alice', 'bob', 'carol', 'dave'].map(async (name, i) => spawn(name, hosts[4 + i]!, ['--no-roles']))) as [HeadlessNode, HeadlessNode, HeadlessNode, HeadlessNode]

    // Every role on its own eligible node, and each holder reporting a synced replica.
    const held = await agreedHolders([...eligible, alice, bob, carol, dave], 60_000, h => new Set(h).size === 3)
    const holderNodes = ROLE_NAMES.map(role => eligible.find(n => n.peerId === held[role]))
    if (holderNodes.some(n => n === undefined)) throw new Error(`a role is held by a client: ${JSON.stringify(held)}`)
    const fourth = eligible.find(n => !holderNodes.includes(n))!
    await alice.untilReply('roles', r => ROLE_NAMES.every(role => syncedReplicas(r, role).length > 0), 60_000, 'each holder reporting a synced replica')
    phase('start and election')

    await Promise.all(([[alice, 'alice'], [bob, 'bob'], [carol, 'carol']] as const).map(async ([node, username]) => {
      await retry(node, 'register', { username, password: PASSWORD })
      await retry(node, 'login', { username, password: PASSWORD })
    }))
    const created = await retry(alice, 'group.create', { name: 'failover', members: ['bob', 'carol'] })
    const group = created.group as string
    for (const n of [bob, carol]) await n.waitFor(l => l.event === 'group:changed' && l.group === group && l.epoch === 1, 30_000)
    const hello = await alice.call('group.send', { group, text: 'hello before anyone leaves' })
    for (const n of [bob, carol]) await n.waitFor(l => l.event === 'group:message' && l.id === hello.messageId, 30_000)
    phase('accounts and group')

    // carol goes away; alice posts 5 messages (each in the relay's history: `sent`).
    const carolDir = carol.dataDir
    expect(await carol.stop()).toBe(0)
    const posts = [1, 2, 3, 4, 5].map(i => `post ${i} while carol is away`)
    const postIds: string[] = []
    for (const text of posts) postIds.push((await alice.call('group.send', { group, text })).messageId as string)
    await Promise.all(postIds.map(async id => alice.waitFor(l => l.event === 'group:status' && l.id === id && l.status === 'sent', 60_000)))

    // bob goes away; alice leaves him 20 DMs at the relay (`sent`: the relay acknowledged the deposit).
    const bobDir = bob.dataDir
    expect(await bob.stop()).toBe(0)
    const dms = Array.from({ length: 20 }, (_, i) => `dm ${i + 1} of 20 while bob is away`)
    const dmIds: string[] = []
    for (const text of dms) dmIds.push((await alice.call('send', { to: 'bob', text })).messageId as string)
    await Promise.all(dmIds.map(async id => alice.waitFor(l => l.event === 'message:status' && l.id === id && l.status === 'sent', 60_000)))
    phase('posts and DMs while away')

    // The fourth node has everything its holders wrote (so what follows tests the failover, not a race with the last
    // write's replication), then the three holders die for good.
    await Promise.all(ROLE_NAMES.map(async (role, i) => replicaInStep(holderNodes[i]!, fourth, role, 30_000)))
    const reported = await alice.call('roles')
    console.log(`LAN failover: replicas the holders reported before the kill: ${ROLE_NAMES.map(role => `${role} ${syncedReplicas(reported, role).length}/3 synced${syncedReplicas(reported, role).includes(fourth.peerId) ? '' : ' (not the fourth node)'}`).join(', ')}`)
    const since = fourth.mark()
    const elected = ROLE_NAMES.map(async role =>
      fourth.waitFor(l => l.event === 'role:changed' && l.role === role && l.peerId === fourth.peerId, 60_000, since).then(() => Date.now()))
    const killedAt = Date.now()
    await Promise.all(holderNodes.map(async n => {
      await n!.kill('SIGKILL')
      await rm(n!.dataDir, { recursive: true, force: true })
    }))
    const electedMs = Math.max(...await Promise.all(elected)) - killedAt
    await fourth.untilReply('replication', servesEveryRole, 60_000, 'the fourth node serving every role, caught up')
    const servingMs = Date.now() - killedAt
    console.log(`LAN failover: the fourth eligible node computed itself holder of every role ${electedMs} ms after the kill, served all three (caught up) ${servingMs} ms after it`)
    await agreedHolders([fourth, alice, dave], 30_000, h => h.every(p => p === fourth.peerId))
    phase('in step, kill, failover')

    // bob and carol come back (same hosts, same data directories) and log in with their passwords.
    const [bobBack, carolBack] = await Promise.all([spawn('bob (back)', hosts[5], ['--no-roles'], bobDir), spawn('carol (back)', hosts[6], ['--no-roles'], carolDir)])
    await Promise.all(([[bobBack, 'bob'], [carolBack, 'carol']] as const).map(async ([node, username]) => {
      await node.waitFor(l => l.event === 'login:required' && l.username === username, 30_000)
      expect(await retry(node, 'login', { username, password: PASSWORD })).toMatchObject({ username, loggedIn: true })
    }))
    const bobLoggedInAt = Date.now()

    // bob: all 20 DMs, in the order sent.
    const arrivals = await Promise.all(dmIds.map(async id => bobBack.waitFor(l => l.event === 'message' && l.id === id, 90_000).then(() => Date.now())))
    const allDmsAt = Math.max(...arrivals)
    console.log(`LAN failover: bob had all 20 DMs ${allDmsAt - killedAt} ms after the kill (${allDmsAt - bobLoggedInAt} ms after his login on the new idp)`)
    const dmEvents = (): Line[] => bobBack.lines.filter(l => l.event === 'message' && dmIds.includes(l.id as string))
    expect(dmEvents().map(l => l.text)).toEqual(dms)
    expect(dmEvents().every(l => l.from === 'alice')).toBe(true)
    expect(((await bobBack.call('history', { with: 'alice', limit: 100 })).messages as Line[]).map(m => m.text)).toEqual(dms)

    // carol: the 5 posts she missed, after the one she saw.
    await Promise.all(postIds.map(async id => carolBack.waitFor(l => l.event === 'group:message' && l.id === id, 90_000)))
    expect(((await carolBack.call('group.history', { group })).messages as Line[]).map(m => m.text)).toEqual(['hello before anyone leaves', ...posts])
    phase('bob and carol back, caught up')

    // New posts go both ways through the new relay.
    const fromAlice = await alice.call('group.send', { group, text: 'alice after the failover' })
    await carolBack.waitFor(l => l.event === 'group:message' && l.id === fromAlice.messageId, 60_000)
    await bobBack.waitFor(l => l.event === 'group:message' && l.id === fromAlice.messageId, 60_000)
    const fromCarol = await carolBack.call('group.send', { group, text: 'carol after the failover' })
    await alice.waitFor(l => l.event === 'group:message' && l.id === fromCarol.messageId, 60_000)
    await carolBack.waitFor(l => l.event === 'group:status' && l.id === fromCarol.messageId && l.status === 'sent', 60_000)

    // A brand-new user registers and logs in.
    expect(await retry(dave, 'register', { username: 'dave', password: PASSWORD })).toMatchObject({ username: 'dave' })
    expect(await retry(dave, 'login', { username: 'dave', password: PASSWORD })).toMatchObject({ loggedIn: true })
    phase('new posts, new user')
    console.log(`LAN failover: phases: ${summary()}`)

    // Once: no DM and no post came twice, by now either.
    expect(dmEvents().map(l => l.id)).toEqual(dmIds)
    // (group:message events come in arrival order; the history, checked above, is the order.)
    expect(carolBack.lines.filter(l => l.event === 'group:message' && postIds.includes(l.id as string)).map(l => l.id).sort()).toEqual([...postIds].sort())
  }, 300_000)
})
