/**
 * A group's chain forked in a partition, on the member side (docs/groups.md,
 * "Forks"): two relay-eligible nodes, one per side, each with its copy of the
 * group's replicated doc (test/helpers/group-relay.ts, partition.ts); the
 * members of each side call their side's relay and hear only their side on
 * the topic; the heal merges the docs, and every member then calls the one
 * relay, whose chain is the chain rule's.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { toHex } from '../../../src/crypto/index.js'
import { isMember, openState, sealGroupMessage, senderKey, signState, stateHash } from '../../../src/groups/index.js'
import { GROUP_DOCS } from '../../../src/services/relay/group-layout.js'
import { next, relaySide } from '../../helpers/group-relay.js'
import { close, heal, send } from '../../helpers/partition.js'
import { ServiceError } from '../../../src/services/index.js'
import { finish, settle, texts, until, useFakeLan } from './fakes.js'
import type { GroupFork, GroupInfo } from '../../../src/chat/groups/index.js'
import type { GroupId } from '../../../src/groups/index.js'
import type { RelaySide } from '../../helpers/group-relay.js'
import type { FakeLan, FakeUser, Member } from './fakes.js'

/** No poll during a test: what a member learns, it learns from pokes, the topic, reconnects and sync calls. */
const INIT = { pollIntervalMs: 3_600_000 }
/** The poll every 10 s (the default), for what only the poll notices. */
const POLL = { pollIntervalMs: 10_000 }

type Side = 'a' | 'b'

describe('a member whose side of a split lost the fork (member side, with fakes)', () => {
  const lan = useFakeLan()
  let sides: RelaySide[] = []

  afterEach(async () => {
    await close(sides.splice(0))
  })

  /** Every group:changed a member saw. */
  function changes (m: Member): Array<GroupInfo & { fork?: GroupFork }> {
    const seen: Array<GroupInfo & { fork?: GroupFork }> = []
    m.groups.addEventListener('group:changed', evt => { seen.push(evt.detail) })
    return seen
  }

  /**
   * The group of `names` (the first makes it, and makes the second an admin: epoch 2) on side a's relay, a message
   * from the creator that everyone gets, then the split: side b's relay gets a copy of the doc, and from then on each
   * member calls its side's relay and hears only its side.
   */
  async function beforeSplit (names: string[], sideOf: Record<string, Side>, init = INIT): Promise<{ l: FakeLan, group: GroupId, m: Record<string, Member>, a: RelaySide, b: RelaySide }> {
    const l = lan()
    const a = await relaySide(l, () => Date.now())
    const b = await relaySide(l, () => Date.now())
    sides = [a, b]
    l.relayOf = () => a.relay
    const { group, members } = await l.crew(names, init)
    const m = Object.fromEntries(members.map(x => [x.name, x]))
    await finish(m[names[0]!]!.groups.promote(group, names[1]!))
    await m[names[0]!]!.groups.send(group, 'before the split')
    await until('everyone at epoch 2 with the message', () => members.every(x => x.groups.members(group).epoch === 2 && x.groups.heldKey(group, 2) !== undefined &&
      (x === members[0] || x.messages.length === 1)))
    await send(a.replication, b, `${GROUP_DOCS}${group}`)
    const peerSide = (peer: string): Side | undefined => sideOf[peer.slice('peer-'.length)]
    l.relayOf = user => sideOf[user] === 'b' ? b.relay : a.relay
    // The relay's own publications (a posted envelope passed on) are left out: members publish their own.
    l.hub.drop = (to, _message, from) => peerSide(from) === undefined || peerSide(to) !== peerSide(from)
    return { l, group, m, a, b }
  }

  /** The partition heals: the relays exchange the group's doc, every member calls the one relay and hears everyone. */
  async function healSplit (l: FakeLan, group: GroupId, a: RelaySide, b: RelaySide): Promise<void> {
    await heal(a, b, `${GROUP_DOCS}${group}`)
    l.relayOf = () => a.relay
    l.hub.drop = undefined
  }

  const hashOf = (m: Member, group: GroupId): string => m.groups.members(group).hash
  const count = (list: string[], text: string): number => list.filter(t => t === text).length

  it('moves onto the longer chain with the same epoch and keys as the other side; reads both branches; its split posts reach the others once; new posts flow both ways', async () => {
    const { l, group, m, a, b } = await beforeSplit(['alice', 'bob', 'carol', 'dave'], { alice: 'a', carol: 'a', erin: 'a', bob: 'b', dave: 'b' })
    const { bob, carol, dave } = m as Record<string, Member>
    let alice = m.alice
    const erin = await l.member('erin', INIT)
    const seenByErin = changes(erin)
    // Side a: erin joins (epoch 3'); alice, carol and erin talk under it; carol never hears erin live.
    await finish(alice!.groups.invite(group, 'erin'))
    await until('side a at epoch 3 with its key', () => [alice!, carol!, erin].every(x => x.groups.members(group).epoch === 3 && x.groups.heldKey(group, 3) !== undefined))
    const sideA = l.hub.drop!
    l.hub.drop = (to, message, from) => sideA(to, message, from) || (to === carol!.user.peer && from === erin.user.peer)
    await alice!.groups.send(group, 'a: alice')
    await carol!.groups.send(group, 'a: carol')
    await erin.groups.send(group, 'a: erin')
    // Side b: two changes (epochs 3 and 4), so its chain is the longer one; bob and dave talk under them.
    await finish(bob!.groups.promote(group, 'dave'))
    await bob!.groups.send(group, 'b: bob')
    await finish(bob!.groups.promote(group, 'carol'))
    await until('side b at epoch 4 with its key', () => [bob!, dave!].every(x => x.groups.members(group).epoch === 4 && x.groups.heldKey(group, 4) !== undefined))
    await dave!.groups.send(group, 'b: dave')
    await until('each side has its own messages', () => alice!.messages.length === 2 && carol!.messages.length === 2 && dave!.messages.length === 2)
    await until('every split post at its side\'s relay', () => [alice!, carol!, erin, bob!, dave!].every(x => x.statuses.filter(s => s.status === 'sent').length === (x === alice! ? 2 : 1)))
    const lostHash = hashOf(alice!, group)
    const erinKey = erin.groups.heldKey(group, 3)!
    // Alice restarts during the split: what she sent is read back from her store.
    await alice!.stop()
    alice = await l.member('alice', INIT)
    const seenByAlice = changes(alice)

    await healSplit(l, group, a, b)
    l.relayConnected()
    await until('alice and carol on the chain, with its key', () => [alice!, carol!].every(x => hashOf(x, group) === hashOf(bob!, group) && x.groups.heldKey(group, 4) !== undefined))
    expect(hashOf(bob!, group)).not.toBe(lostHash)
    for (const x of [alice!, carol!, dave!]) {
      expect(x.groups.members(group)).toMatchObject({ epoch: 4, members: ['alice', 'bob', 'carol', 'dave'], admins: ['alice', 'bob', 'carol', 'dave'] })
      for (const epoch of [3, 4]) expect(toHex(x.groups.heldKey(group, epoch)!)).toBe(toHex(bob!.groups.heldKey(group, epoch)!))
    }
    // The split's posts of side a go out again under epoch 4; everyone ends with every message of both branches, once.
    const all = ['before the split', 'a: alice', 'a: carol', 'b: bob', 'b: dave']
    await until('everyone has every message', async () => {
      for (const x of [alice!, bob!, carol!, dave!]) {
        const history = await texts(x, group)
        if (!all.every(t => history.includes(t))) return false
      }
      return true
    })
    // Carol reads erin's post of the branch left, from the relay, under the key of epoch 3' she kept.
    await until('carol has erin\'s post of the branch left', async () => (await texts(carol!, group)).includes('a: erin'))
    for (const x of [alice, bob!, carol!, dave!]) {
      const history = await texts(x, group)
      for (const t of all) expect(count(history, t)).toBe(1)
    }
    // Each shown once: bob and dave get both as new messages, carol (who had alice's live) nothing again.
    for (const x of [bob!, dave!]) expect(x.messages.filter(e => e.text === 'a: carol' || e.text === 'a: alice').length).toBe(2)
    expect(carol!.messages.filter(e => e.text === 'a: alice').length).toBe(1)
    expect(bob!.messages.find(e => e.text === 'a: carol')!.epoch).toBe(4)
    // Alice is told what happened.
    const fork = seenByAlice.find(c => c.fork !== undefined)?.fork
    expect(fork).toMatchObject({ kind: 'moved', ancestor: 2, resent: 1, unsent: 0 })
    expect(fork).toMatchObject({ undone: [{ epoch: 3, change: 'invite', subject: 'erin' }], applied: [{ epoch: 3, change: 'promote', subject: 'dave' }, { epoch: 4, change: 'promote', subject: 'carol' }] })
    expect(fork!.notice).toContain('alice added erin')
    // Erin, added only on the branch left, is shown the chain from where her branch parts from it, checks it, and is out.
    await until('erin is told', () => seenByErin.some(c => c.fork !== undefined))
    const erinFork = seenByErin.find(c => c.fork !== undefined)!
    expect(erinFork).toMatchObject({ member: false, fork: { kind: 'moved', ancestor: 2, undone: [{ epoch: 3, change: 'invite', subject: 'erin' }] } })
    expect(erinFork.fork!.notice).toContain('You were added on the side whose changes were undone')
    const erinAt = erin.groups.members(group)
    expect(erinAt.hash).toBe(toHex(stateHash((await a.relay.state(group, erinAt.epoch))!.bytes)))
    expect(erin.groups.heldKey(group, 3)).toBeUndefined()
    await expect(erin.groups.send(group, 'still in?')).rejects.toMatchObject({ code: 'NOT_MEMBER' })
    // New posts flow both ways.
    await carol!.groups.send(group, 'after: carol')
    await dave!.groups.send(group, 'after: dave')
    await until('the new posts reach everyone', () => [alice!, bob!, dave!].every(x => x.messages.some(e => e.text === 'after: carol')) &&
      [alice!, bob!, carol!].every(x => x.messages.some(e => e.text === 'after: dave')))
    expect(dave!.messages.find(e => e.text === 'after: carol')!.epoch).toBe(4)

    // A restart keeps the branch left's key: a post of erin's under epoch 3' that carol never saw still opens.
    await carol!.stop()
    const again = await l.member('carol', INIT)
    expect(again.groups.members(group).hash).toBe(hashOf(bob!, group))
    const late = sealGroupMessage(l.networkId, senderKey(erinKey, group, 3, 'erin'),
      { group, epoch: 3, sender: 'erin', seq: 99, hlc: `${Date.now()}.00000` }, { id: 'e1'.repeat(16), text: 'a: erin, late', sentAt: Date.now() }, erin.user.identity)
    await expect(again.groups.receive(late, 'relay')).resolves.toBe('ok')
    expect(await texts(again, group)).toContain('a: erin, late')
  })

  it('counts what it sent during the split beyond the sent log as not sent again, and says so', async () => {
    const { l, group, m, a, b } = await beforeSplit(['alice', 'bob', 'carol'], { alice: 'a', bob: 'b', carol: 'b' })
    await l.user('dave')
    await m.alice!.stop()
    const alice = await l.member('alice', { ...INIT, sentLogMax: 1 })
    const seen = changes(alice)
    await finish(alice.groups.promote(group, 'carol'))
    const sent = [await alice.groups.send(group, 'a: first'), await alice.groups.send(group, 'a: second')]
    await until('both at side a\'s relay', () => sent.every(x => alice.statuses.some(st => st.id === x.id && st.status === 'sent')))
    await finish(m.bob!.groups.promote(group, 'carol'))
    await finish(m.bob!.groups.invite(group, 'dave'))

    await healSplit(l, group, a, b)
    l.relayConnected(['alice'])
    await until('alice told', () => seen.some(c => c.fork !== undefined))
    const fork = seen.find(c => c.fork !== undefined)!.fork!
    expect(fork).toMatchObject({ kind: 'moved', ancestor: 2, resent: 1, unsent: 1 })
    expect(fork.notice).toContain('Up to 1 of your messages sent during the split are too old to send again')
    await until('bob gets the one sent again', () => m.bob!.messages.some(e => e.text === 'a: second'))
    expect(await texts(m.bob!, group)).not.toContain('a: first')
  })

  it('on a tie, the lower hash wins; a member of the other side moves when a post of the chain does not open under its key', async () => {
    const sideOf: Record<string, Side> = { alice: 'a', carol: 'a', erin: 'a', bob: 'b', dave: 'b' }
    const { l, group, m, a, b } = await beforeSplit(['alice', 'bob', 'carol', 'dave'], sideOf)
    const erin = await l.member('erin', INIT)
    const all = [...Object.values(m), erin]
    // One change on each side: epoch 3 twice.
    await finish(m.alice!.groups.invite(group, 'erin'))
    await finish(m.bob!.groups.promote(group, 'dave'))
    await until('both sides at epoch 3 with its key', () => all.every(x => x.groups.members(group).epoch === 3 && x.groups.heldKey(group, 3) !== undefined))
    for (const x of all) await x.groups.send(group, `split: ${x.name}`)
    await until('every split post at its side\'s relay', () => all.every(x => x.statuses.some(s => s.status === 'sent')))
    const hashes = { a: hashOf(m.alice!, group), b: hashOf(m.bob!, group) }
    const won: Side = hashes.a < hashes.b ? 'a' : 'b'
    const winners = all.filter(x => (sideOf[x.name] ?? 'a') === won)
    // Erin is on side a only: if that side lost, she is out of the group.
    const losers = all.filter(x => (sideOf[x.name] ?? 'a') !== won && x !== erin)

    await healSplit(l, group, a, b)
    // No reconnect, no poke, no poll: the losers hear a winner's post they cannot open, ask the relay and move.
    await winners[0]!.groups.send(group, 'after the heal')
    await until('the losers on the chain, with its key', () => losers.every(x => hashOf(x, group) === hashes[won] && x.groups.heldKey(group, 3) !== undefined))
    for (const x of losers) {
      expect(toHex(x.groups.heldKey(group, 3)!)).toBe(toHex(winners[0]!.groups.heldKey(group, 3)!))
    }
    const members = [...winners, ...losers]
    const texts1 = ['after the heal', ...members.map(x => `split: ${x.name}`)]
    await until('every member has every post of the members, once', async () => {
      for (const x of members) {
        const history = await texts(x, group)
        if (!texts1.every(t => count(history, t) === 1)) return false
      }
      return true
    })
    // New posts flow both ways.
    await losers[0]!.groups.send(group, 'a loser after')
    await winners[0]!.groups.send(group, 'a winner after')
    await until('both reach everyone', () => members.every(x => (x === losers[0] || x.messages.some(e => e.text === 'a loser after')) &&
      (x === winners[0] || x.messages.some(e => e.text === 'a winner after'))))
  })

  /** One change on each side (epoch 3 twice: alice makes carol an admin, bob dave): a tie, which the lower hash wins. */
  async function tie (init = POLL): Promise<{ l: FakeLan, group: GroupId, m: Record<string, Member>, a: RelaySide, b: RelaySide, won: Side, hashes: Record<Side, string> }> {
    const split = await beforeSplit(['alice', 'bob', 'carol', 'dave'], { alice: 'a', carol: 'a', bob: 'b', dave: 'b' }, init)
    const { group, m } = split
    await finish(m.alice!.groups.promote(group, 'carol'))
    await finish(m.bob!.groups.promote(group, 'dave'))
    await until('both sides at epoch 3 with its key', () => Object.values(m).every(x => x.groups.members(group).epoch === 3 && x.groups.heldKey(group, 3) !== undefined))
    const hashes = { a: hashOf(m.alice!, group), b: hashOf(m.bob!, group) }
    return { ...split, won: hashes.a < hashes.b ? 'a' : 'b', hashes }
  }

  it('notices a tie by the poll alone, with no poke, post or reconnect: the relay\'s head at its epoch has another hash', async () => {
    const { l, group, m, a, b, won, hashes } = await tie()
    const losers = Object.values(m).filter(x => (['alice', 'carol'].includes(x.name) ? 'a' : 'b') !== won)
    const seen = losers.map(changes)
    const published = l.hub.log.length
    const connects = l.calls.length
    await healSplit(l, group, a, b)
    await until('the losers on the chain, with its key', () => losers.every(x => hashOf(x, group) === hashes[won] && x.groups.heldKey(group, 3) !== undefined), 30_000)
    for (const list of seen) expect(list.find(c => c.fork !== undefined)?.fork).toMatchObject({ kind: 'moved', ancestor: 2, applied: [{ epoch: 3, change: 'promote' }] })
    // Nothing was published meanwhile (no poke, no post), and each loser asked the relay only as its poll does: the list first.
    expect(l.hub.log.length).toBe(published)
    for (const x of losers) expect(l.calls.slice(connects).find(c => c.user === x.name)?.method).toBe('list')
  })

  it('with a relay from before head hashes (groupList without hash and filers) polls as before: a tie waits for a full sync', async () => {
    const { l, group, m, a, b, won, hashes } = await tie()
    const list = a.relay.list.bind(a.relay)
    a.relay.list = async caller => (await list(caller)).map(g => ({ ...g, hash: new Uint8Array(0), filers: '' }))
    const losers = Object.values(m).filter(x => (['alice', 'carol'].includes(x.name) ? 'a' : 'b') !== won)
    await healSplit(l, group, a, b)
    const t0 = Date.now()
    await until('three polls', () => l.calls.filter(c => c.user === losers[0]!.name && c.method === 'list' && c.at > t0).length >= 3, 60_000)
    expect(losers.map(x => hashOf(x, group))).toEqual(losers.map(() => hashes[won === 'a' ? 'b' : 'a']))
    l.relayConnected()
    await until('the losers on the chain', () => losers.every(x => hashOf(x, group) === hashes[won]), 30_000)
  })

  it('does not ask at every poll about a relay head it declined to follow (a relay lacking its side\'s states)', async () => {
    const { l, group, m, a, b, won, hashes } = await tie()
    // Carol (side a) or dave (side b), of the winning side, asks the losing side's relay, which lacks the winning side's state.
    const x = won === 'a' ? m.carol! : m.dave!
    const sideOf = l.relayOf!
    l.relayOf = user => user === x.name ? (won === 'a' ? b.relay : a.relay) : sideOf(user)
    const t0 = Date.now()
    const count = (method: string): number => l.calls.filter(c => c.user === x.name && c.method === method && c.at > t0).length
    await until('a poll asked the relay\'s states', () => count('states') > 0, 30_000)
    await until('the next poll', () => count('list') >= 2, 30_000)
    const asked = count('states')
    await until('three polls more', () => count('list') >= 5, 60_000)
    expect(count('states')).toBe(asked)
    expect(hashOf(x, group)).toBe(hashes[won])
  })

  it('fetches at the next poll what a heal filed below its cursor (no poke), and nothing more at the polls after', async () => {
    const { l, group, m, a, b } = await beforeSplit(['alice', 'bob', 'carol'], { alice: 'a', carol: 'a', bob: 'b' }, POLL)
    const { alice, bob, carol } = m as Record<string, Member>
    // Bob's post is filed on side b before alice's on side a: after the heal it sits below carol's cursor.
    const sent = (x: Member, id: string): boolean => x.statuses.some(st => st.id === id && st.status === 'sent')
    const first = await bob!.groups.send(group, 'b: bob')
    await until('bob\'s post at his side\'s relay', () => sent(bob!, first.id))
    await settle(5)
    const second = await alice!.groups.send(group, 'a: alice')
    await until('alice\'s post at her side\'s relay, and with carol', () => sent(alice!, second.id) && carol!.messages.some(e => e.text === 'a: alice'))
    await finish(carol!.groups.sync(group))
    await healSplit(l, group, a, b)
    const t0 = Date.now()
    const count = (method: string): number => l.calls.filter(c => c.user === 'carol' && c.method === method && c.at > t0).length
    await until('carol has bob\'s post', async () => (await texts(carol!, group)).includes('b: bob'), 30_000)
    expect(count('fetch')).toBeGreaterThan(0)
    expect(count('states')).toBe(0)
    const fetched = count('fetch')
    const listed = count('list')
    await until('three polls more', () => count('list') >= listed + 3, 60_000)
    expect(count('fetch')).toBe(fetched)
  })

  it('a member added on the losing branch after the fork point, shown nothing of the chain, is told and keeps its state; shown a chain that does not check, likewise; shown the chain, it checks it and is out', async () => {
    const { l, group, m, a, b } = await beforeSplit(['alice', 'bob', 'carol'], { alice: 'a', frank: 'a', erin: 'a', bob: 'b', carol: 'b' })
    const users = { alice: await l.user('alice'), bob: await l.user('bob'), carol: await l.user('carol'), dave: await l.user('dave'), frank: await l.user('frank') }
    // Side a: frank added (3'), then erin (4'): erin holds 3' (her anchor) and 4', not the state 2 the branch parts from.
    await finish(m.alice!.groups.invite(group, 'frank'))
    const erin = await l.member('erin', INIT)
    const seen = changes(erin)
    await finish(m.alice!.groups.invite(group, 'erin'))
    await until('erin at epoch 4 with its key', () => erin.groups.heldKey(group, 4) !== undefined)
    // Side b: three changes, so its chain is the longer one.
    await finish(m.bob!.groups.promote(group, 'carol'))
    await finish(m.bob!.groups.invite(group, 'dave'))
    await finish(m.bob!.groups.promote(group, 'dave'))
    const before = erin.groups.members(group)
    await healSplit(l, group, a, b)
    // A relay from before this change answered a user in no state of its chain NOT_MEMBER.
    l.fault = (user, method) => user === 'erin' && method === 'states' ? new ServiceError('NOT_MEMBER', 'erin is not a member') : undefined
    l.relayConnected(['erin'])
    await until('erin is told', () => seen.some(c => c.fork?.kind === 'unlisted'))
    expect(seen.find(c => c.fork !== undefined)!.fork!.notice).toContain('shows no signed state removing you')
    expect(erin.groups.members(group)).toEqual(before)
    l.fault = undefined
    // A relay that shows her a chain not properly signed, or a fork point other than the state her anchor follows: refused, nothing changes.
    const s1 = (await a.relay.state(group, 1))!.bytes
    const s2 = (await a.relay.state(group, 2))!.bytes
    const mallory = await l.user('mallory')
    /** `from`, then alice adds dave, makes him an admin and adds frank, each on top of the one before */
    const onTop = (from: Uint8Array): Uint8Array[] => {
      const made = [from]
      for (const [change, subject] of [['invite', users.dave], ['promote', users.dave], ['invite', users.frank]] as const) made.push(next(l, made.at(-1)!, users.alice, change, subject, Date.now()))
      return made
    }
    const forged = signState(l.networkId, openState(next(l, s2, users.alice, 'promote', users.carol, Date.now())).state, mallory.identity)
    const lies = [[s2, ...onTop(forged)], onTop(next(l, s1, users.alice, 'promote', users.carol, Date.now()))]
    for (const branch of lies) {
      l.statesReply = (user, _group, after, reply) => user !== 'erin' ? reply : { ...reply, states: branch.filter(x => openState(x).state.epoch > after) as Array<Uint8Array<ArrayBuffer>> }
      await expect(finish(erin.groups.sync(group))).rejects.toMatchObject({ code: 'BAD_FORK' })
      expect(erin.groups.members(group)).toEqual(before)
      expect(erin.groups.heldKey(group, 4)).toBeDefined()
    }
    l.statesReply = undefined
    // The truth: the chain from epoch 2, checked state by state; she is in none of it.
    l.relayConnected(['erin'])
    await until('erin is out', () => seen.some(c => c.fork?.kind === 'moved'))
    const told = seen.find(c => c.fork?.kind === 'moved')!
    expect(told).toMatchObject({ member: false, fork: { kind: 'moved', ancestor: 2, undone: [{ epoch: 3, subject: 'frank' }, { epoch: 4, subject: 'erin' }] } })
    expect(told.fork!.notice).toContain('Ask an admin to add you again')
    expect(erin.groups.members(group).hash).toBe(toHex(stateHash((await a.relay.state(group, told.epoch))!.bytes)))
    expect(erin.groups.heldKey(group, 4)).toBeUndefined()
    await expect(erin.groups.send(group, 'anyone?')).rejects.toMatchObject({ code: 'NOT_MEMBER' })
  })

  it('a member the chosen chain removed loses access: no key of the chain after its removal, and it is told what of its own went nowhere', async () => {
    const { l, group, m, a, b } = await beforeSplit(['alice', 'bob', 'carol', 'dave'], { alice: 'a', carol: 'a', bob: 'b', dave: 'b' })
    const { alice, bob, carol, dave } = m as Record<string, Member>
    const seenByCarol = changes(carol!)
    await finish(alice!.groups.promote(group, 'carol'))
    await until('side a at epoch 3', () => [alice!, carol!].every(x => x.groups.heldKey(group, 3) !== undefined))
    await carol!.groups.send(group, 'a: carol')
    await finish(bob!.groups.kick(group, 'carol'))
    await finish(bob!.groups.promote(group, 'dave'))
    await until('side b at epoch 4', () => [bob!, dave!].every(x => x.groups.heldKey(group, 4) !== undefined))
    await until('carol\'s post at her side\'s relay', () => carol!.statuses.some(s => s.status === 'sent'))
    const lostKey = toHex(carol!.groups.heldKey(group, 3)!)

    await healSplit(l, group, a, b)
    l.relayConnected()
    // She sees the chain up to the state that removed her (epoch 3), as any removed member does.
    const removal = toHex(stateHash((await a.relay.state(group, 3))!.bytes))
    await until('carol on the chain', () => hashOf(carol!, group) === removal)
    expect(carol!.groups.members(group)).toMatchObject({ epoch: 3, member: false, members: ['alice', 'bob', 'dave'], change: 'kick', subject: 'carol' })
    await until('alice on the chain too', () => hashOf(alice!, group) === hashOf(bob!, group) && alice!.groups.heldKey(group, 4) !== undefined)
    // No key of the chain's epochs she is not in; the relay and the KACLS give her none.
    expect(carol!.groups.heldKey(group, 3)).toBeUndefined()
    expect(carol!.groups.heldKey(group, 4)).toBeUndefined()
    expect(toHex(alice!.groups.heldKey(group, 3)!)).not.toBe(lostKey)
    for (const epoch of [3, 4]) expect(await a.relay.check('carol', `group/${group}/epoch/${epoch}`, 'reader')).toBe(false)
    await expect(carol!.groups.send(group, 'still here?')).rejects.toMatchObject({ code: 'NOT_MEMBER' })
    // Told: removed, and her post of the split reached only her side.
    const fork = seenByCarol.find(c => c.fork !== undefined)
    expect(fork).toMatchObject({ member: false, fork: { kind: 'moved', ancestor: 2, resent: 0, unsent: 1 } })
    expect(fork!.fork!.notice).toContain('not a member any more')
    // The others never get it, and what is said on the chain stays out of her reach.
    await dave!.groups.send(group, 'without carol')
    await until('alice has it', () => alice!.messages.some(e => e.text === 'without carol'))
    expect(bob!.messages.some(e => e.text === 'a: carol')).toBe(false)
    expect(carol!.messages.some(e => e.text === 'without carol')).toBe(false)
  })
})

describe('a relay that lies about a fork (member side, with fakes)', () => {
  const lan = useFakeLan()

  /** A state after `previous` made by `author` but signed with `signer`'s key. */
  function forged (l: FakeLan, previous: Uint8Array, author: FakeUser, signer: FakeUser, change: 'promote' | 'kick', subject: FakeUser): Uint8Array {
    const made = openState(next(l, previous, author, change, subject, Date.now())).state
    return signState(l.networkId, made, signer.identity)
  }

  it('refuses a fork that is not properly signed, does not win, hides states or skips the member\'s removal, changing nothing', async () => {
    const l = lan()
    const { group, members: [alice, , carol] } = await l.crew(['alice', 'bob', 'carol', 'dave'], INIT)
    await finish(alice!.groups.promote(group, 'bob'))
    await finish(alice!.groups.promote(group, 'carol'))
    await until('carol at epoch 3', () => carol!.groups.heldKey(group, 3) !== undefined)
    const [u1, u2] = [await l.user('alice'), await l.user('dave')]
    const mallory = await l.user('mallory')
    const s1 = (await l.relay.state(group, 1))!.bytes
    const before = carol!.groups.members(group)
    const key = toHex(carol!.groups.heldKey(group, 3)!)

    /** The relay answers carol with `branch` after epoch 1, and says its head is at `head`. */
    const lie = async (branch: Uint8Array[], head: number): Promise<void> => {
      l.statesReply = (user, _group, _after, reply) => user !== 'carol' ? reply : { ...reply, states: [s1, ...branch] as Array<Uint8Array<ArrayBuffer>>, more: false, head }
      await expect(finish(carol!.groups.sync(group))).rejects.toMatchObject({ code: 'BAD_FORK' })
      expect(carol!.groups.members(group)).toEqual(before)
      expect(toHex(carol!.groups.heldKey(group, 3)!)).toBe(key)
    }
    // Alice's name on a state mallory signed.
    const unsigned = forged(l, s1, u1!, mallory, 'promote', u2!)
    const then = next(l, unsigned, u1!, 'promote', await l.user('carol'), Date.now())
    await lie([unsigned, then, next(l, then, u1!, 'kick', await l.user('bob'), Date.now())], 4)
    // Properly signed, but shorter than carol's chain: the chain rule keeps hers.
    const short = next(l, s1, u1!, 'promote', u2!, Date.now())
    await lie([short], 2)
    // Properly signed and said to be longer, but nothing after epoch 2 is shown to carol, a member of it.
    await lie([short], 5)
    // A chain that skips from epoch 2 (carol a member) to epoch 4 (carol not in it): no signed removal shown.
    const kick = next(l, short, u1!, 'kick', await l.user('carol'), Date.now())
    const after = next(l, kick, u1!, 'kick', await l.user('bob'), Date.now())
    expect(isMember(openState(after).state, 'carol')).toBe(false)
    await lie([short, after], 4)
    l.statesReply = undefined
    // The truth again: nothing to heal.
    await finish(carol!.groups.sync(group))
    expect(carol!.groups.members(group).hash).toBe(toHex(stateHash((await l.relay.state(group, 3))!.bytes)))
  })
})
