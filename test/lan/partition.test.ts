import { describe, expect, it } from 'vitest'
import { lanSuite, phaseTimer, retry } from '../helpers/failover.js'
import { netnsSupport } from '../helpers/netns.js'
import { agreedHolders, ROLE_NAMES } from '../helpers/roles.js'
import type { HeadlessNode, Line } from '../helpers/headless-node.js'
import type { Host } from '../helpers/netns.js'
import type { RoleName } from '../helpers/roles.js'

const support = await netnsSupport()
if (!support.ok) console.warn(`SKIPPED: LAN partition test in network namespaces: ${support.reason}`)

const PASSWORD = 'a-long-enough-password'

interface RoleStatus {
  records: number
  tombstones: number
  caughtUp: boolean
  replicas: Array<{ peerId: string, state: string, behind: number }>
}
const roleStatus = (reply: Line, role: RoleName): RoleStatus | undefined => (reply.roles as Partial<Record<RoleName, RoleStatus>>)[role]

/**
 * Whether `eligible` (every node eligible for every role) hold the same
 * records of every role, and each sees every other as a live replica with
 * nothing behind: the role state has converged. Returns what differs.
 */
async function notInStep (eligible: HeadlessNode[]): Promise<string | undefined> {
  const replies = await Promise.all(eligible.map(async n => n.call('replication')))
  for (const role of ROLE_NAMES) {
    const counts = replies.map(r => { const s = roleStatus(r, role); return s === undefined ? 'not eligible' : `${s.records}/${s.tombstones}` })
    if (counts.some(c => c !== counts[0])) return `${role} records/tombstones differ: ${counts.join(', ')}`
    for (const [i, node] of eligible.entries()) {
      const replicas = roleStatus(replies[i]!, role)?.replicas ?? []
      for (const other of eligible) {
        if (other === node) continue
        const r = replicas.find(x => x.peerId === other.peerId)
        if (r?.state !== 'live' || r.behind !== 0) return `${role} on ${node.name}: replica ${other.name} ${r === undefined ? 'absent' : `${r.state}, ${r.behind} behind`}`
      }
    }
  }
  return undefined
}

async function inStep (eligible: HeadlessNode[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const differs = await notInStep(eligible)
    if (differs === undefined) return
    if (Date.now() > deadline) throw new Error(`replicas of ${eligible.map(n => n.name).join(', ')} not in step in ${timeoutMs} ms: ${differs}`)
    await new Promise(resolve => setTimeout(resolve, 200))
  }
}

/** The records per role as the first node reports them (the same on every in-step node). */
async function records (node: HeadlessNode): Promise<string> {
  const reply = await node.call('replication')
  return ROLE_NAMES.map(role => `${role} ${roleStatus(reply, role)?.records ?? '-'}`).join(', ')
}

/** Waits until every node of `side` names the same holders, all of them nodes of `eligible`, and each serves caught up. */
async function sideServes (side: HeadlessNode[], eligible: HeadlessNode[], timeoutMs: number): Promise<Record<RoleName, HeadlessNode>> {
  const ids = new Set(eligible.map(n => n.peerId))
  const held = await agreedHolders(side, timeoutMs, h => h.every(p => p !== null && ids.has(p)))
  const byRole = Object.fromEntries(ROLE_NAMES.map(role => [role, eligible.find(n => n.peerId === held[role])!])) as Record<RoleName, HeadlessNode>
  for (const role of ROLE_NAMES) {
    await byRole[role].untilReply('replication', r => roleStatus(r, role)?.caughtUp === true, timeoutMs, `${role} served caught up`)
  }
  return byRole
}

const errorCode = (reply: Line): string | undefined => (reply.error as { code?: string } | undefined)?.code

/**
 * Waits for every named promise, and prints how long after `from` each
 * settled (figures, not assertions) and why any failed. Returns the outcomes.
 */
interface Outcome { ms: number, error?: string }
async function settle (from: number, waits: Record<string, Promise<unknown>>): Promise<Record<string, Outcome>> {
  const entries = await Promise.all(Object.entries(waits).map(async ([what, p]) => p.then(
    (): [string, Outcome] => [what, { ms: Date.now() - from }],
    (err: unknown): [string, Outcome] => [what, { ms: Date.now() - from, error: (err as Error).message.slice(0, 1500) }])))
  const outcomes = Object.fromEntries(entries)
  const done = entries.filter(([, o]) => o.error === undefined)
  console.log(`LAN partition: ${done.map(([what, o]) => `${what} in ${o.ms} ms`).join('; ')}` +
    (done.length === entries.length ? ` (all: ${Math.max(...done.map(([, o]) => o.ms))} ms)` : ''))
  for (const [what, o] of entries) if (o.error !== undefined) console.log(`LAN partition: NOT REACHED: ${what} (gave up after ${o.ms} ms): ${o.error}`)
  return outcomes
}

/**
 * Issue 14: a two-sided partition of a LAN of namespace hosts (real mDNS, no
 * --peer), writes on both sides, then the heal. The partition is made in the
 * switch: `lan.split(sideA)` moves side A's ports to a second bridge in the
 * switch namespace, so each side is a LAN of its own (its multicast included)
 * and nothing crosses; `lan.join()` puts them back on the first bridge.
 * (Cutting hosts' links one by one, `lan.cut`, isolates each host alone.)
 *
 * Four nodes eligible for every role, two on each side, and clients on their
 * own hosts: side A has alice and erin-a, side B bob, carol, dave and erin-b.
 * The sides are drawn from the holders elected before the split: the relay and
 * kacls holders on side A, the idp holder and the fourth eligible node on side
 * B. So each side elects holders of its own for some role (side A an idp, at
 * which its users renew their tokens; side B a relay and a kacls), and side B,
 * the larger (six nodes to four), keeps its holders on the heal by the
 * election's votes (equal sides would each keep their own, docs/roles.md).
 * Before the split alice, bob, carol and dave register; alice makes a group of
 * herself, bob and carol and promotes bob, so that both sides can commit
 * changes; every eligible node holds every role's state in step. During the
 * split: alice DMs carol and bob DMs alice (each deposit at its own side's
 * relay); in the group, alice invites dave and promotes him, posting after
 * each change, while bob posts, promotes carol and posts again and carol
 * posts: the chain forks at epoch 3, A's branch two states long, B's one, so
 * side A's branch wins the group by the chain rule while side B wins the
 * roles. erin-a, then erin-b register the same new name, erin. (dave is a
 * client of side B that side A invites: he learns of the group at the heal.)
 *
 * After the heal, waiting on replies and events: every node names the same
 * holders (three distinct nodes); the four eligible nodes hold the same records
 * of every role, each a live replica of the others with nothing behind; each
 * DM of the split reached its recipient once; the group has one chain (same
 * hash and epoch 4 on all four members), bob and carol, whose branch lost, got
 * `group:changed` with `fork` `moved` naming what was undone and applied and
 * their posts sent again; every post of both sides reached each member who
 * was in its epoch (dave, added at A's epoch 3, not bob's post of epoch 2),
 * once; erin-a, the earlier registration, keeps erin, and erin-b's next login
 * answers USERNAME_CONFLICT; a new DM (to erin too) and new posts reach
 * everyone. Each is waited for on its own and checked softly, so that one that
 * fails does not hide the others. Prints each phase's time and the time from
 * the heal to each kind of convergence (figures, not assertions).
 * FAILOVER_LOGS=dir keeps every node's lines and stderr (DEBUG=lanchat:* for detail).
 */
describe.skipIf(!support.ok)('a two-sided partition of a namespace LAN, with writes on both sides, healed', () => {
  const { lan: lanOf, spawn } = lanSuite(10, '10.93.0')

  it('converges on one holder per role, one chain, one owner of a name; nothing written on either side is lost or doubled', async () => {
    const lan = lanOf()
    const h = lan.hosts
    const { phase, summary } = phaseTimer()
    const eligible = await Promise.all([0, 1, 2, 3].map(async i => spawn(`eligible${i + 1}`, h[i]!, [])))
    const [alice, erinA, bob, carol, dave, erinB] = await Promise.all(['alice', 'erin-a', 'bob', 'carol', 'dave', 'erin-b']
      .map(async (name, i) => spawn(name, h[4 + i]!, ['--no-roles']))) as [HeadlessNode, HeadlessNode, HeadlessNode, HeadlessNode, HeadlessNode, HeadlessNode]
    const clients = [alice, erinA, bob, carol, dave, erinB]
    const before = await agreedHolders([...eligible, ...clients], 60_000, held => new Set(held).size === 3)
    await inStep(eligible, 60_000)
    // The sides, from who holds what: the idp and the fourth eligible node on side B, the relay and kacls holders on
    // side A. So side A elects an idp of its own, at which its users renew their tokens, and side B a relay and a
    // kacls of their own; side B, the larger, keeps its holders on the heal.
    const holderOf = (role: RoleName): HeadlessNode => eligible.find(n => n.peerId === before[role])!
    const fourth = eligible.find(n => !ROLE_NAMES.some(role => holderOf(role) === n))!
    const sideA = { eligible: [holderOf('relay'), holderOf('kacls')], nodes: [holderOf('relay'), holderOf('kacls'), alice, erinA] }
    const sideB = { eligible: [holderOf('idp'), fourth], nodes: [holderOf('idp'), fourth, bob, carol, dave, erinB] }
    const hostOf = (n: HeadlessNode): Host => h[[...eligible, ...clients].indexOf(n)]!
    const all = [...sideA.nodes, ...sideB.nodes]
    const sideOf = (peerId: string): string => sideA.eligible.some(n => n.peerId === peerId) ? 'A' : 'B'
    const name = (peerId: string): string => eligible.find(n => n.peerId === peerId)?.name ?? peerId
    console.log(`LAN partition: holders before the split ${ROLE_NAMES.map(r => `${r} ${name(before[r])}`).join(', ')}; side A ${sideA.nodes.map(n => n.name).join(', ')}; side B ${sideB.nodes.map(n => n.name).join(', ')}`)
    phase('start and election')

    for (const [node, username] of [[alice, 'alice'], [bob, 'bob'], [carol, 'carol'], [dave, 'dave']] as const) {
      await retry(node, 'register', { username, password: PASSWORD })
      await retry(node, 'login', { username, password: PASSWORD })
    }
    const group = (await retry(alice, 'group.create', { name: 'split', members: ['bob', 'carol'] })).group as string
    await retry(alice, 'group.promote', { group, user: 'bob' })
    for (const n of [bob, carol]) await n.waitFor(l => l.event === 'group:changed' && l.group === group && l.epoch === 2, 30_000)
    const hello = await alice.call('group.send', { group, text: 'hello before the split' })
    for (const n of [bob, carol]) await n.waitFor(l => l.event === 'group:message' && l.id === hello.messageId, 30_000)
    // Every eligible node holds all of it (the KEKs' lockboxes included: owed ones count as behind).
    await inStep(eligible, 30_000)
    phase('accounts, group, replicas in step')

    // The split. Each side stops hearing the other (its connections go silent for a lease, 12 s) and elects its own
    // holders among its two eligible nodes.
    const splitAt = Date.now()
    await lan.split(sideA.nodes.map(hostOf))
    const [heldA, heldB] = await Promise.all([sideServes(sideA.nodes, sideA.eligible, 90_000), sideServes(sideB.nodes, sideB.eligible, 90_000)])
    const sidesServingMs = Date.now() - splitAt
    console.log(`LAN partition: each side served every role itself ${sidesServingMs} ms after the split (A: ${ROLE_NAMES.map(r => `${r} ${heldA[r].name}`).join(', ')}; B: ${ROLE_NAMES.map(r => `${r} ${heldB[r].name}`).join(', ')})`)
    phase('split, each side serving')

    // DMs across the split: each deposited at its own side's relay (`sent`).
    const dm = async (from: HeadlessNode, to: string, text: string): Promise<string> => {
      const id = (await from.call('send', { to, text })).messageId as string
      await from.waitFor(l => l.event === 'message:status' && l.id === id && l.status === 'sent', 60_000)
      return id
    }
    const splitDms = {
      toCarol: [await dm(alice, 'carol', 'alice to carol during the split 1'), await dm(alice, 'carol', 'alice to carol during the split 2')],
      toAlice: [await dm(bob, 'alice', 'bob to alice during the split 1'), await dm(bob, 'alice', 'bob to alice during the split 2')]
    }

    // The group forks: side A commits epochs 3 and 4, side B its own epoch 3.
    const post = async (from: HeadlessNode, text: string): Promise<string> => {
      const id = (await from.call('group.send', { group, text })).messageId as string
      await from.waitFor(l => l.event === 'group:status' && l.id === id && l.status === 'sent', 60_000)
      return id
    }
    const onA = (async () => {
      await retry(alice, 'group.invite', { group, user: 'dave' })
      const a1 = await post(alice, 'alice on side A, epoch 3')
      await retry(alice, 'group.promote', { group, user: 'dave' })
      const a2 = await post(alice, 'alice on side A, epoch 4')
      return { a1, a2 }
    })()
    const onB = (async () => {
      const b1 = await post(bob, 'bob on side B, epoch 2')
      await carol.waitFor(l => l.event === 'group:message' && l.id === b1, 30_000)
      await retry(bob, 'group.promote', { group, user: 'carol' })
      await carol.waitFor(l => l.event === 'group:changed' && l.group === group && l.epoch === 3, 30_000)
      const b2 = await post(bob, 'bob on side B, epoch 3')
      const c1 = await post(carol, 'carol on side B, epoch 3')
      await carol.waitFor(l => l.event === 'group:message' && l.id === b2, 30_000)
      await bob.waitFor(l => l.event === 'group:message' && l.id === c1, 30_000)
      return { b1, b2, c1 }
    })()
    const [{ a1, a2 }, { b1, b2, c1 }] = await Promise.all([onA, onB])
    const hashA = (await alice.call('group.members', { group })).hash as string
    const hashB = (await bob.call('group.members', { group })).hash as string
    expect(hashA).not.toBe(hashB)

    // The same new name on both sides, side A first (the earlier registration).
    for (const node of [erinA, erinB]) {
      await retry(node, 'register', { username: 'erin', password: PASSWORD })
      await retry(node, 'login', { username: 'erin', password: PASSWORD })
    }
    await Promise.all([inStep(sideA.eligible, 30_000), inStep(sideB.eligible, 30_000)])
    console.log(`LAN partition: records before the heal: side A ${await records(sideA.eligible[0]!)}; side B ${await records(sideB.eligible[0]!)}`)
    phase('writes on both sides')

    // The heal. Marks so that only what comes after it is waited for.
    const marks = new Map(all.map(n => [n, n.mark()]))
    const since = (n: HeadlessNode): number => marks.get(n)!
    const healedAt = Date.now()
    await lan.join()

    const posts = { hello: hello.messageId as string, a1, a2, b1, b2, c1 }
    // Who should read each post: the members of its epoch on the chain (A's branch wins: alice's epochs 3 and 4),
    // and the senders' own posts of B's branch, sent again under epoch 4 (docs/groups.md, "Forks").
    const readers: Array<[HeadlessNode, string[]]> = [
      [alice, [posts.b1, posts.b2, posts.c1]],
      [bob, [posts.a1, posts.a2]],
      [carol, [posts.a1, posts.a2]],
      [dave, [posts.a1, posts.a2, posts.b2, posts.c1]]
    ]
    const members = [alice, bob, carol, dave]
    const HEAL_MS = 60_000
    // Each convergence is waited for on its own, and every outcome is reported: one that fails does not hide the others.
    const converged = await settle(healedAt, {
      'the same three holders on every node': agreedHolders(all, HEAL_MS, held => new Set(held).size === 3),
      'the eligible nodes\' replicas in step': inStep(eligible, HEAL_MS),
      'alice\'s DMs of the split at carol': Promise.all(splitDms.toCarol.map(async id => carol.waitFor(l => l.event === 'message' && l.id === id, HEAL_MS, since(carol)))),
      'bob\'s DMs of the split at alice': Promise.all(splitDms.toAlice.map(async id => alice.waitFor(l => l.event === 'message' && l.id === id, HEAL_MS, since(alice)))),
      'one chain on every member': (async () => {
        const deadline = Date.now() + HEAL_MS
        for (;;) {
          // dave has not heard of the group until he asks the relay after the heal (UNKNOWN_GROUP until then).
          const infos = await Promise.all(members.map(async n => n.send('group.members', { group })))
          if (infos.every(i => i.ok === true && i.hash === hashA && i.epoch === 4)) return
          if (Date.now() > deadline) throw new Error(`no single chain: ${infos.map((i, k) => `${members[k]!.name} ${i.ok === true ? `epoch ${String(i.epoch)} ${String(i.hash).slice(0, 8)}` : errorCode(i) ?? ''}`).join(', ')}`)
          await new Promise(resolve => setTimeout(resolve, 250))
        }
      })(),
      'bob and carol told of the fork': Promise.all([bob, carol].map(async n => n.waitFor(l => l.event === 'group:changed' && l.group === group && (l.fork as { kind?: string } | undefined)?.kind === 'moved', HEAL_MS, since(n)))),
      'every post of the split at its readers': Promise.all(readers.flatMap(([n, ids]) => ids.map(async id => n.waitFor(l => l.event === 'group:message' && l.id === id, HEAL_MS, since(n)))))
    })
    const after = await agreedHolders(all, 10_000).catch(() => undefined)
    console.log(`LAN partition: holders after the heal ${after === undefined ? 'not agreed' : ROLE_NAMES.map(r => `${r} ${eligible.find(n => n.peerId === after[r])?.name ?? after[r]} (side ${sideOf(after[r])})`).join(', ')}; records ${await records(eligible[0]!)}`)
    phase('heal, converged')

    // The chain rule, visible: bob and carol's branch lost; they were told what was undone and what applied.
    for (const node of [bob, carol]) {
      const fork = node.lines.slice(since(node)).find(l => l.event === 'group:changed' && l.fork !== undefined)?.fork as Record<string, unknown> | undefined
      console.log(`LAN partition: ${node.name}'s fork notice: ${String(fork?.notice)}`)
      expect.soft(fork, `${node.name}'s fork`).toMatchObject({
        kind: 'moved',
        ancestor: 2,
        undone: [{ epoch: 3, author: 'bob', change: 'promote', subject: 'carol' }],
        applied: [{ epoch: 3, author: 'alice', change: 'invite', subject: 'dave' }, { epoch: 4, author: 'alice', change: 'promote', subject: 'dave' }],
        resent: 1
      })
    }
    for (const n of members) {
      expect.soft(await n.send('group.members', { group }), `${n.name}'s group`).toMatchObject({ ok: true, epoch: 4, hash: hashA, members: ['alice', 'bob', 'carol', 'dave'], admins: ['alice', 'bob', 'dave'], member: true })
    }
    // Nothing forked on the winning side.
    for (const n of [alice, dave]) expect.soft(n.lines.some(l => l.event === 'group:changed' && l.fork !== undefined), `a fork told to ${n.name}`).toBe(false)

    // The name: the earlier registration keeps it; the other is told at its next login.
    const [loginA, loginB] = await Promise.all([erinA, erinB].map(async n => n.send('login', { username: 'erin', password: PASSWORD })))
    console.log(`LAN partition: erin-b's login after the heal: ${JSON.stringify(loginB!.error ?? loginB)}`)
    expect.soft(loginA, 'erin-a\'s login').toMatchObject({ ok: true, username: 'erin', loggedIn: true })
    expect.soft(errorCode(loginB!), 'erin-b\'s login').toBe('USERNAME_CONFLICT')
    const conflict = erinB.lines.find(l => l.event === 'identity:conflict')
    if (conflict !== undefined) console.log(`LAN partition: erin-b was also told: ${String(conflict.message)}`)
    phase('fork and name checked')

    // New traffic after the heal reaches everyone: DMs (one to erin, which only erin-a may read) and posts.
    const sentAfter = Date.now()
    const [toBob, toAlice, toErin] = await Promise.all([
      alice.call('send', { to: 'bob', text: 'alice to bob after the heal' }),
      carol.call('send', { to: 'alice', text: 'carol to alice after the heal' }),
      bob.call('send', { to: 'erin', text: 'bob to erin after the heal' })
    ])
    const newPosts = await Promise.all(([[carol, 'carol after the heal'], [alice, 'alice after the heal']] as const).map(async ([n, text]) =>
      ((await n.call('group.send', { group, text })).messageId as string)))
    const arrived = await settle(sentAfter, {
      'alice\'s new DM at bob': bob.waitFor(l => l.event === 'message' && l.id === toBob.messageId, 45_000),
      'carol\'s new DM at alice': alice.waitFor(l => l.event === 'message' && l.id === toAlice.messageId, 45_000),
      // Through erin-a's token renewed at the idp of now (side A's holder gave it), her prekeys published again over the
      // losing registration's (checked every 15 s) and bob's directory read again: timers of several seconds each.
      'bob\'s new DM at erin-a': erinA.waitFor(l => l.event === 'message' && l.id === toErin.messageId, 90_000),
      'carol\'s new post at alice, bob, dave': Promise.all([alice, bob, dave].map(async n => n.waitFor(l => l.event === 'group:message' && l.id === newPosts[0], 45_000))),
      'alice\'s new post at bob, carol, dave': Promise.all([bob, carol, dave].map(async n => n.waitFor(l => l.event === 'group:message' && l.id === newPosts[1], 45_000)))
    })
    expect.soft(erinB.lines.some(l => l.event === 'message' && l.id === toErin.messageId), 'bob\'s DM to erin at erin-b').toBe(false)
    phase('new DMs and posts')
    console.log(`LAN partition: phases: ${summary()}`)

    // Once, and nothing lost: each recipient's history holds each DM of the split exactly once.
    const historyIds = async (n: HeadlessNode, conversation: string): Promise<string[]> =>
      ((await n.call('history', { with: conversation, limit: 1000 })).messages as Line[]).map(m => m.id as string)
    for (const [n, from, ids] of [[carol, 'alice', splitDms.toCarol], [alice, 'bob', splitDms.toAlice]] as const) {
      const history = await historyIds(n, from)
      for (const id of ids) {
        expect.soft(history.filter(x => x === id), `${n.name}'s history with ${from}: ${id}`).toHaveLength(1)
        expect.soft(n.lines.filter(l => l.event === 'message' && l.id === id), `${n.name}'s message events: ${id}`).toHaveLength(1)
      }
    }
    // Each member's group history: every post of its epochs, once (its own included), and no other.
    const expected: Array<[HeadlessNode, string[]]> = [
      [alice, [posts.hello, posts.a1, posts.a2, posts.b1, posts.b2, posts.c1, ...newPosts]],
      [bob, [posts.hello, posts.a1, posts.a2, posts.b1, posts.b2, posts.c1, ...newPosts]],
      [carol, [posts.hello, posts.a1, posts.a2, posts.b1, posts.b2, posts.c1, ...newPosts]],
      [dave, [posts.a1, posts.a2, posts.b2, posts.c1, ...newPosts]]
    ]
    for (const [n, ids] of expected) {
      const history = ((await n.call('group.history', { group, limit: 1000 })).messages as Line[]).map(m => m.id as string)
      expect.soft(history.length, `${n.name}'s group history, each once`).toBe(new Set(history).size)
      expect.soft([...history].sort(), `${n.name}'s group history`).toEqual([...ids].sort())
      for (const id of ids) expect.soft(n.lines.filter(l => l.event === 'group:message' && l.id === id).length, `${n.name}: group:message ${id}`).toBeLessThanOrEqual(1)
    }
    for (const [what, outcome] of [...Object.entries(converged), ...Object.entries(arrived)]) expect.soft(outcome.error, what).toBeUndefined()
  }, 360_000)
})
