import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { toHex } from '../../src/crypto/index.js'
import { isMember, openState, stateHash } from '../../src/groups/index.js'
import { Replication } from '../../src/replication/index.js'
import { canonicalChain, offChainReach } from '../../src/services/relay/group-chain.js'
import { GROUP_DOCS, pad } from '../../src/services/relay/group-layout.js'
import { openMemoryStore } from '../../store/index.js'
import { FakeLan } from '../groups/unit/fakes.js'
import { AT_REST, genesis, next, relaySide } from '../helpers/group-relay.js'
import { close, heal, send } from '../helpers/partition.js'
import type { ChainLink } from '../../src/services/relay/group-chain.js'
import type { FakeUser } from '../groups/unit/fakes.js'
import type { RelaySide as Side } from '../helpers/group-relay.js'

const GROUP = 'f0'.repeat(16)
const DOC = `${GROUP_DOCS}${GROUP}`
const T0 = 1_800_000_000_000

/**
 * The chain rule (docs/replication.md, relay) by brute force: of every path from the genesis, each state followed by
 * one of its children (the next epoch, naming it as previous), the longest; of those, the one with the lower hash at
 * the first epoch where they differ.
 */
function expectedChain (links: readonly ChainLink[]): ChainLink[] {
  const paths: ChainLink[][] = []
  const walk = (path: ChainLink[]): void => {
    const top = path.at(-1)!
    const kids = links.filter(l => l.previous === top.hash && l.epoch === top.epoch + 1)
    const distinct = kids.filter((k, i) => kids.findIndex(o => o.hash === k.hash) === i)
    if (distinct.length === 0) paths.push(path)
    for (const k of distinct) walk([...path, k])
  }
  const genesis = links.find(l => l.previous === '' && l.epoch === 1)
  if (genesis !== undefined) walk([genesis])
  const hashes = (p: ChainLink[]): string => p.map(l => l.hash).join('/')
  return paths.sort((a, b) => b.length - a.length || (hashes(a) < hashes(b) ? -1 : 1))[0] ?? []
}

/**
 * States as the chain rule sees them: a genesis, then each state the child of one before it (forks wherever two
 * share a parent), now and then one that does not fit (two epochs on, or its parent never seen).
 */
const trees = fc.tuple(
  fc.array(fc.record({ parent: fc.nat(), misfit: fc.constantFrom('', '', '', '', '', '', 'epoch', 'orphan') }), { maxLength: 24 }),
  fc.uniqueArray(fc.nat({ max: 0xffffff }), { minLength: 25, maxLength: 25 })
).map(([nodes, ids]) => {
  const hash = (i: number): string => ids[i]!.toString(16).padStart(6, '0')
  const links: ChainLink[] = [{ epoch: 1, hash: hash(0), previous: '' }]
  for (const [i, n] of nodes.entries()) {
    const parent = links[n.parent % links.length]!
    links.push({ epoch: parent.epoch + (n.misfit === 'epoch' ? 2 : 1), hash: hash(i + 1), previous: n.misfit === 'orphan' ? `ff${hash(i + 1)}` : parent.hash })
  }
  return links
})

describe('the chain rule of a forked group', () => {
  it('chooses one chain whatever order the states come in, duplicated or not: from the genesis, each link after its parent, the longest, the lowest hash on ties', () => {
    fc.assert(fc.property(trees.chain(links => fc.tuple(fc.constant(links), fc.shuffledSubarray(links, { minLength: links.length }), fc.subarray(links))), ([links, shuffled, again]) => {
      const chain = canonicalChain(links)
      expect(canonicalChain([...shuffled, ...again])).toEqual(chain)
      expect(chain[0]).toEqual(links[0])
      for (let i = 1; i < chain.length; i++) {
        expect(chain[i]!.previous).toBe(chain[i - 1]!.hash)
        expect(chain[i]!.epoch).toBe(chain[i - 1]!.epoch + 1)
      }
      // It ends where nothing follows, and no chain from the genesis is longer; of the longest, it is the lowest.
      const tip = chain.at(-1)!
      expect(links.some(l => l.previous === tip.hash && l.epoch === tip.epoch + 1)).toBe(false)
      expect(chain).toEqual(expectedChain(links))
    }), { numRuns: 500 })
  })
})

/**
 * What a user in `listed` states off the chain is shown (group-chain.ts, offChainReach), by brute force: for each
 * branch off the chain holding such a state and parting from a chain state that does not list the user, that state
 * and the chain after it up to the first epoch from which the chain wins against the branch's longest path (longer,
 * or as long with a lower hash after the fork).
 */
function expectedReach (links: readonly ChainLink[], chain: readonly ChainLink[], listed: ReadonlySet<string>): Array<{ from: number, to: number }> {
  const on = new Set(chain.map(l => l.hash))
  const parentOf = (l: ChainLink): ChainLink | undefined => links.find(p => p.hash === l.previous && p.epoch === l.epoch - 1)
  const roots = new Map<string, ChainLink>()
  for (const l of links) {
    if (on.has(l.hash) || !listed.has(l.hash)) continue
    let root = l
    let ancestor: ChainLink | undefined
    for (let p = parentOf(root); p !== undefined; p = parentOf(root)) {
      if (on.has(p.hash)) {
        ancestor = p
        break
      }
      root = p
    }
    if (ancestor !== undefined && !listed.has(ancestor.hash)) roots.set(root.hash, root)
  }
  return [...roots.values()].map(root => {
    let longest = root.epoch
    const stack = [root]
    while (stack.length > 0) {
      const x = stack.pop()!
      longest = Math.max(longest, x.epoch)
      stack.push(...links.filter(k => k.previous === x.hash && k.epoch === x.epoch + 1))
    }
    const from = root.epoch - 1
    let to = from + 1
    while (to <= chain.length && !(to > longest || (to === longest && chain[from]!.hash < root.hash))) to++
    return { from, to }
  })
}

describe('what the chain rule shows a user added on a branch that lost', () => {
  it('the state each such branch parts from and the chain after it, up to the first state that wins against that branch', () => {
    const order = (list: Array<{ from: number, to: number }>): string[] => list.map(r => `${r.from}-${r.to}`).sort()
    let shown = 0
    fc.assert(fc.property(trees.chain(links => fc.tuple(fc.constant(links), fc.subarray(links))), ([links, picked]) => {
      const chain = canonicalChain(links)
      const listed = new Set(picked.map(l => l.hash))
      const reach = offChainReach(links, chain, l => listed.has(l.hash))
      expect(order(reach)).toEqual(order(expectedReach(links, chain, listed)))
      for (const r of reach) expect(r.to).toBeLessThanOrEqual(chain.length)
      shown += reach.length
    }), { numRuns: 500 })
    // The trees have such branches often enough for the property to say something.
    expect(shown).toBeGreaterThan(50)
  })
})

// ------------------------------------------------------------------ the group doc on both sides of a partition

const NAMES = ['alice', 'bob', 'carol', 'dave', 'erin']
let lan: FakeLan
let users: FakeUser[]
/** Epoch 1: alice makes the group with bob and carol; epoch 2: she makes bob an admin */
let common: Uint8Array[]

beforeAll(async () => {
  lan = await FakeLan.create()
  users = await Promise.all(NAMES.map(async n => lan.user(n)))
  const first = genesis(lan, GROUP, users.slice(0, 3), T0)
  common = [first, next(lan, first, users[0]!, 'promote', users[1]!, T0)]
})

afterAll(async () => { await lan?.stopAll() })

const user = (name: string): FakeUser => users.find(u => u.name === name)!
const linkOf = (bytes: Uint8Array): ChainLink => {
  const { state } = openState(bytes)
  return { epoch: state.epoch, hash: toHex(stateHash(bytes)), previous: toHex(state.previous) }
}

/** A change an admin makes on one side during the split; `author` and `subject` pick among those who may be. */
interface Change { change: 'invite' | 'kick' | 'promote', author: number, subject: number, ms: number }
const changes: fc.Arbitrary<Change[]> = fc.array(fc.record({
  change: fc.constantFrom('invite' as const, 'kick' as const, 'promote' as const),
  author: fc.nat(),
  subject: fc.nat(),
  ms: fc.integer({ min: 0, max: 2 })
}), { maxLength: 4 })

/** The side's group state now: the chain's head. */
async function headState (s: Side): Promise<Uint8Array> {
  const head = await s.relay.head(GROUP)
  return (await s.relay.state(GROUP, head!.epoch))!.bytes
}

/** Commits `list` on a side, each on top of its head (alice is never kicked, so there is always an admin). */
async function commit (s: Side, list: Change[], clock: { now: number }): Promise<Uint8Array[]> {
  const made: Uint8Array[] = []
  for (const c of list) {
    const prev = await headState(s)
    const { state } = openState(prev)
    const author = user(state.admins[c.author % state.admins.length]!)
    const subjects = NAMES.filter(n => c.change === 'invite'
      ? !isMember(state, n)
      : c.change === 'kick' ? isMember(state, n) && n !== 'alice' && n !== author.name : isMember(state, n) && !state.admins.includes(n))
    if (subjects.length === 0) continue
    clock.now += c.ms
    const bytes = next(lan, prev, author, c.change, user(subjects[c.subject % subjects.length]!), clock.now)
    await s.relay.commit(lan.claims(author), bytes)
    made.push(bytes)
  }
  return made
}

/** What a side holds of the chain: its head, the state at each epoch, and whom `list` shows the group to. */
async function chainOf (s: Side): Promise<{ head: { epoch: number, hash: string }, states: string[], members: string[] }> {
  const head = (await s.relay.head(GROUP))!
  const states: string[] = []
  for (let e = 1; e <= head.epoch + 1; e++) {
    const held = await s.relay.state(GROUP, e)
    if (held !== undefined) states.push(toHex(stateHash(held.bytes)))
  }
  const members: string[] = []
  for (const u of users) if ((await s.relay.list(lan.claims(u))).some(g => g.group === GROUP)) members.push(u.name)
  return { head: { epoch: head.epoch, hash: head.hash }, states, members }
}

/**
 * The states arriving one at a time at a node that had none, each from a node of its own (so that none waits for
 * another): every state, and the `again` ones twice, in the order of `keys`.
 */
async function deliver (states: Uint8Array[], keys: number[], again: number[], clock: () => number): Promise<Side> {
  const fresh = await relaySide(lan, clock)
  const list = [...states.keys(), ...again.map(i => i % states.length)]
  const order = list.map((i, at) => ({ i, key: keys[at % keys.length]! })).sort((x, y) => x.key - y.key).map(x => x.i)
  for (const i of order) {
    const bytes = states[i]!
    const store = await openMemoryStore()
    const origin = new Replication({ store, atRestKey: AT_REST, clock })
    origin.define({ prefix: GROUP_DOCS, role: 'relay' })
    const { epoch, hash } = linkOf(bytes)
    await origin.mutate(DOC, tx => { tx.put(`s/${pad(epoch, 10)}/${hash}`, bytes) })
    await send(origin, fresh, DOC)
    await close([{ replication: origin, store }])
  }
  return fresh
}

describe('a group whose chain forked in a partition, healed', () => {
  it('has the same chain on both sides and on a node the states reach in any order: the longest after the fork, the lowest hash on ties', async () => {
    const keys = fc.array(fc.nat(), { minLength: 12, maxLength: 12 })
    const again = fc.array(fc.nat(), { maxLength: 4 })
    await fc.assert(fc.asyncProperty(changes, changes, keys, again, async (mine, theirs, arrival, twice) => {
      const clock = { now: T0 }
      const sides: [Side, Side] = [await relaySide(lan, () => clock.now), await relaySide(lan, () => clock.now)]
      for (const bytes of common) await sides[0].relay.commit(lan.claims(users[0]!), bytes)
      await send(sides[0].replication, sides[1], DOC)
      const made = [...common, ...await commit(sides[0], mine, clock), ...await commit(sides[1], theirs, clock)]
      const tips = [(await sides[0].relay.head(GROUP))!.epoch, (await sides[1].relay.head(GROUP))!.epoch]
      await heal(sides[0], sides[1], DOC)

      const expected = expectedChain(made.map(linkOf))
      const [a, b] = [await chainOf(sides[0]), await chainOf(sides[1])]
      expect(b).toEqual(a)
      expect(a.head).toEqual({ epoch: expected.length, hash: expected.at(-1)!.hash })
      expect(a.head.epoch).toBe(Math.max(...tips))
      expect(a.states).toEqual(expected.map(l => l.hash))
      const top = openState((await sides[0].relay.state(GROUP, a.head.epoch))!.bytes).state
      expect(a.members).toEqual(NAMES.filter(n => isMember(top, n)))
      // The states in another order, one at a time, some twice (the node a split's states reach in any order).
      const third = await deliver(made, arrival, twice, () => clock.now)
      expect(await chainOf(third)).toEqual(a)
      // The other side's members make their change again on top: it follows the chain kept, on both.
      const redo = await commit(sides[1], [{ change: 'invite', author: 0, subject: 0, ms: 1 }, { change: 'promote', author: 0, subject: 0, ms: 1 }], clock)
      await send(sides[1].replication, sides[0], DOC)
      const after = await chainOf(sides[0])
      expect(await chainOf(sides[1])).toEqual(after)
      expect(after.states).toEqual([...a.states, ...redo.map(r => linkOf(r).hash)])
      await close([...sides, third])
    }), { numRuns: 60 })
  })
})

describe('the states a forked group shows a user added only on the losing branch', () => {
  /** `author` makes `change` about `subject` on top of the side's head. */
  async function change (s: Side, author: string, kind: 'invite' | 'kick' | 'promote', subject: string, clock: { now: number }): Promise<Uint8Array> {
    clock.now += 1
    const bytes = next(lan, await headState(s), user(author), kind, user(subject), clock.now)
    await s.relay.commit(lan.claims(user(author)), bytes)
    return bytes
  }
  const epochs = (states: Uint8Array[]): number[] => states.map(b => openState(b).state.epoch)

  it('shows it the chain from where its branch parts up to the first state that wins, nothing later; nothing to a stranger; the others what they saw before', async () => {
    const clock = { now: T0 }
    const sides: [Side, Side] = [await relaySide(lan, () => clock.now), await relaySide(lan, () => clock.now)]
    for (const bytes of common) await sides[0].relay.commit(lan.claims(users[0]!), bytes)
    await send(sides[0].replication, sides[1], DOC)
    // Side 0: alice adds erin (3'). Side 1: carol made an admin, dave added, dave made an admin (3, 4, 5).
    const lost = await change(sides[0], 'alice', 'invite', 'erin', clock)
    const won = [await change(sides[1], 'alice', 'promote', 'carol', clock), await change(sides[1], 'alice', 'invite', 'dave', clock)]
    await change(sides[1], 'alice', 'promote', 'dave', clock)
    const seenBefore = async (name: string): Promise<number[]> => epochs((await sides[1].relay.statesAfter(lan.claims(user(name)), GROUP, 0)).states)
    const others = { bob: await seenBefore('bob'), dave: await seenBefore('dave') }
    await heal(sides[0], sides[1], DOC)
    // After the heal the chain goes on: alice removes bob (6).
    await change(sides[0], 'alice', 'kick', 'bob', clock)
    const relay = sides[0].relay
    // Erin's branch is epoch 3' alone: the chain's 3 wins on a tie with the lower hash, else 4 does by length.
    const to = toHex(stateHash(won[0]!)) < toHex(stateHash(lost)) ? 3 : 4
    const shown = await relay.statesAfter(lan.claims(user('erin')), GROUP, 0)
    expect(epochs(shown.states)).toEqual(Array.from({ length: to - 1 }, (_, i) => i + 2))
    for (const bytes of shown.states) expect(toHex(stateHash(bytes))).toBe(toHex(stateHash((await relay.state(GROUP, openState(bytes).state.epoch))!.bytes)))
    expect(shown).toMatchObject({ more: false, leaves: [], head: 6 })
    expect(epochs((await relay.statesAfter(lan.claims(user('erin')), GROUP, 2)).states)).toEqual(Array.from({ length: to - 2 }, (_, i) => i + 3))
    // Nothing else: no key of the chain, no group in her list.
    for (let e = 1; e <= 6; e++) expect(await relay.check('erin', `group/${GROUP}/epoch/${e}`, 'reader')).toBe(false)
    expect(await relay.list(lan.claims(user('erin')))).toEqual([])
    // A user in no state at all is refused, as before.
    const frank = await lan.user('frank')
    await expect(relay.statesAfter(lan.claims(frank), GROUP, 0)).rejects.toMatchObject({ code: 'NOT_MEMBER' })
    // Bob (removed at 6) and dave see what members see: their states, the one before each and the one that removed them.
    expect(epochs((await relay.statesAfter(lan.claims(user('dave')), GROUP, 0)).states)).toEqual([...others.dave, 6])
    expect(epochs((await relay.statesAfter(lan.claims(user('bob')), GROUP, 0)).states)).toEqual([...others.bob, 6])
    await close(sides)
  })
})
