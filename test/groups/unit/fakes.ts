/**
 * A LAN in one process for the member side of groups: the real relay group
 * logic (RelayGroups over an in-memory store, called directly), a KACLS that
 * wraps in memory and honours the authorized list and the relay's
 * authorization, a topic hub that fans out in memory, a directory, and the
 * real Groups of each user over its own in-memory store and timeline. Real
 * crypto throughout; time is vitest's fake clock.
 */
import { TopicValidatorResult } from '@libp2p/gossipsub'
import { afterEach, beforeEach, expect, vi } from 'vitest'
import { generateIdentityKeyPair, jwkThumbprint, randomBytes, toHex } from '../../../src/crypto/index.js'
import { LanchatError } from '../../../src/errors.js'
import { GroupEnvelope } from '../../../src/groups/index.js'
import { Groups } from '../../../src/chat/groups/index.js'
import { SealedStore } from '../../../src/sealed-store.js'
import { ServiceError } from '../../../src/services/index.js'
import { RelayGroups } from '../../../src/services/relay/groups.js'
import { Timeline } from '../../../src/timeline/index.js'
import { openMemoryStore } from '../../../store/index.js'
import type { GroupsInit, GroupsDirectory, MemberNetwork } from '../../../src/chat/groups/index.js'
import type { IdentityKeyPair, IdentityTokenClaims } from '../../../src/crypto/index.js'
import type { KnownKey } from '../../../src/directory/index.js'
import type { GroupId, GroupTopicHandler, GroupTopicMessage } from '../../../src/groups/index.js'
import type { GroupStatesResponse } from '../../../src/services/relay/pb/relay.js'
import type { Store } from '../../../store/index.js'

const NETWORK_ID = 'unit-test-network'
const RELAY_PEER = 'peer-relay'

export interface FakeUser {
  name: string
  peer: string
  identity: IdentityKeyPair
  dataKey: Uint8Array
  store: Store
  /** Keys this user has pinned (kept across restarts, like the directory's records) */
  pinned: Map<string, KnownKey>
}

/** A user's running member side, with what it saw. */
export interface Member {
  name: string
  user: FakeUser
  groups: Groups
  timeline: Timeline
  messages: Array<{ id: string, text: string, from: string, epoch: number }>
  statuses: Array<{ id: string, status: string, code?: string }>
  stop: () => Promise<void>
}

interface Published {
  from: string
  group: GroupId
  message: GroupTopicMessage
}

/** In-memory fan-out with the handler signature of src/groups/topics.ts; a publisher does not hear itself. */
export class FakeTopicHub {
  private readonly listeners = new Map<GroupId, Map<GroupTopicHandler, string>>()
  /** Everything published, in order */
  readonly log: Published[] = []
  /** Messages for which this says true are not delivered to `to` (`from`: the publishing peer) */
  drop?: (to: string, message: GroupTopicMessage, from: string) => boolean

  add (peer: string, group: GroupId, handler: GroupTopicHandler): void {
    let set = this.listeners.get(group)
    if (set === undefined) {
      set = new Map()
      this.listeners.set(group, set)
    }
    set.set(handler, peer)
  }

  remove (group: GroupId, handler: GroupTopicHandler): void {
    this.listeners.get(group)?.delete(handler)
  }

  listening (group: GroupId): string[] {
    return [...this.listeners.get(group)?.values() ?? []]
  }

  async publish (from: string, group: GroupId, message: GroupTopicMessage): Promise<boolean> {
    this.log.push({ from, group, message })
    const targets = [...this.listeners.get(group) ?? []].filter(([, peer]) => peer !== from && this.drop?.(peer, message, from) !== true)
    // Delivered after the publisher goes on, like a network would.
    await Promise.resolve()
    await Promise.all(targets.map(async ([handler]) => handler(message, group, from, true).catch(() => {})))
    return targets.length > 0
  }

  envelopes (group?: GroupId): GroupEnvelope[] {
    return this.log.filter(p => p.message.envelope !== undefined && (group === undefined || p.group === group)).map(p => p.message.envelope!)
  }
}

/** Wraps in memory: a blob is an id; unwrap needs a user on its list and the relay's token for its resource. */
export class FakeKacls {
  private readonly blobs = new Map<string, { key: Uint8Array, resource: string, authorized: string[], wrappedBy: string }>()
  /** A call for which this says true is refused, as a KACLS away would be */
  away?: (user: string, method: 'wrap' | 'unwrap') => boolean

  constructor (private readonly tokens: Map<string, { user: string, resource: string }>) {}

  client (user: string): MemberNetwork['kacls'] {
    return {
      wrap: async (key, resource, authorized, _reason) => {
        this.check(user, 'wrap')
        const list = [...new Set(authorized)].sort()
        if (!list.includes(user)) throw new ServiceError('NOT_AUTHORIZED', `${user} is not on the list`)
        const id = randomBytes(16)
        this.blobs.set(toHex(id), { key: new Uint8Array(key), resource, authorized: list, wrappedBy: user })
        return id
      },
      unwrap: async (wrapped, resource, _reason, token) => {
        this.check(user, 'unwrap')
        const blob = this.blobs.get(toHex(wrapped))
        if (blob === undefined || blob.resource !== resource) throw new ServiceError('UNWRAP_FAILED', 'no such blob for this resource')
        const granted = this.tokens.get(token)
        if (granted?.user !== user || granted.resource !== resource) throw new ServiceError('FORBIDDEN', 'no authorization for this resource')
        if (!blob.authorized.includes(user)) throw new ServiceError('NOT_AUTHORIZED', `${user} is not on the bound list`)
        return { key: new Uint8Array(blob.key), authorized: [...blob.authorized], wrappedBy: blob.wrappedBy }
      }
    }
  }

  private check (user: string, method: 'wrap' | 'unwrap'): void {
    if (this.away?.(user, method) === true) throw new ServiceError('UNAVAILABLE', 'the kacls holder did not answer')
  }
}

export class FakeLan {
  readonly networkId = NETWORK_ID
  readonly hub = new FakeTopicHub()
  readonly tokens = new Map<string, { user: string, resource: string }>()
  readonly kacls = new FakeKacls(this.tokens)
  readonly users = new Map<string, FakeUser>()
  /** Every relay call: who, which method, what for, when (fake clock) */
  readonly calls: Array<{ user: string, method: string, at: number, after?: string, count?: number, resource?: string }> = []
  /** A relay call for which this returns an error fails with it (the relay away, say) */
  fault?: (user: string, method: string) => Error | undefined
  /** A posted envelope for which this returns a code is refused with it, as the relay would */
  refusePost?: (user: string, env: GroupEnvelope) => string | undefined
  /** Commits wait here until `commitBarrier.count` of them arrived (to make them race) */
  commitBarrier?: { count: number, waiting: Array<() => void> }
  /** The relay a user's calls go to (the two sides of a partition: fork.test.ts); `relay` when unset */
  relayOf?: (user: string) => RelayGroups
  /** What the relay answers a user's groupStates with instead (a relay that lies) */
  statesReply?: (user: string, group: GroupId, after: number, reply: GroupStatesResponse) => GroupStatesResponse
  private readonly pokeHandlers = new Map<string, (poke: { group: GroupId, epoch: number }, from: string) => void>()
  private readonly relayConnects = new Map<string, Set<() => void>>()
  relay!: RelayGroups

  static async create (): Promise<FakeLan> {
    const lan = new FakeLan()
    lan.relay = new RelayGroups(await openMemoryStore(), {
      networkId: NETWORK_ID,
      clock: () => Date.now(),
      maxMessages: 50_000,
      maxBytes: 128 * 1024 * 1024,
      maxStatesPerReply: 64,
      publishedKey: async u => lan.users.get(u)?.identity.publicKey,
      onCommit: (group, state, created) => {
        if (created) lan.hub.add(RELAY_PEER, group, lan.relayOnTopic)
        void lan.hub.publish(RELAY_PEER, group, { poke: { group, epoch: state.state.epoch } })
      },
      onLeave: (group, epoch) => { void lan.hub.publish(RELAY_PEER, group, { poke: { group, epoch } }) }
    })
    return lan
  }

  /** The relay keeps what goes by on a group's topic. */
  private readonly relayOnTopic: GroupTopicHandler = async message => {
    if (message.envelope !== undefined) await this.relay.keep(message.envelope).catch(() => {})
    return TopicValidatorResult.Ignore
  }

  async user (name: string): Promise<FakeUser> {
    let u = this.users.get(name)
    if (u === undefined) {
      u = { name, peer: `peer-${name}`, identity: generateIdentityKeyPair(), dataKey: randomBytes(32), store: await openMemoryStore(), pinned: new Map() }
      this.users.set(name, u)
    }
    return u
  }

  claims (u: FakeUser): IdentityTokenClaims {
    return { iss: 'idp', sub: u.name, aud: NETWORK_ID, cnf: { jkt: jwkThumbprint(u.identity.publicKey) }, peer: u.peer, iat: 0, exp: Number.MAX_SAFE_INTEGER }
  }

  private async relayCall<T> (u: FakeUser, method: string, fn: () => Promise<T>, detail: { after?: string, count?: number, resource?: string } = {}): Promise<T> {
    this.calls.push({ user: u.name, method, at: Date.now(), ...detail })
    await Promise.resolve()
    const err = this.fault?.(u.name, method)
    if (err !== undefined) throw err
    return fn()
  }

  /** Tells `names`' member sides they (re)connected to the relay holder, as a node hears `peer:connect` (every user's by default). */
  relayConnected (names: string[] = [...this.relayConnects.keys()]): void {
    for (const name of names) for (const fn of this.relayConnects.get(name) ?? []) fn()
  }

  network (u: FakeUser): MemberNetwork {
    const claims = this.claims(u)
    const relay = (): RelayGroups => this.relayOf?.(u.name) ?? this.relay
    return {
      relay: {
        commit: async state => this.relayCall(u, 'commit', async () => {
          const barrier = this.commitBarrier
          if (barrier !== undefined && barrier.count > 0) {
            barrier.count--
            await new Promise<void>(resolve => {
              barrier.waiting.push(resolve)
              if (barrier.count === 0) for (const go of barrier.waiting.splice(0)) go()
            })
          }
          await relay().commit(claims, state)
        }),
        states: async (group, after) => this.relayCall(u, 'states', async () => {
          const reply = await relay().statesAfter(claims, group, after)
          return this.statesReply?.(u.name, group, after, reply) ?? reply
        }),
        list: async () => this.relayCall(u, 'list', async () => relay().list(claims)),
        leave: async request => this.relayCall(u, 'leave', async () => { await relay().leave(claims, request) }),
        post: async envelopes => this.relayCall(u, 'post', async () => {
          const results: Array<{ code: string }> = []
          for (const bytes of envelopes) {
            const refused = this.refusePost?.(u.name, GroupEnvelope.decode(bytes))
            if (refused !== undefined) {
              results.push({ code: refused })
              continue
            }
            try {
              const { stored } = await relay().post(claims, bytes)
              // Stored by this post, not from the topic: the relay passes it on (as RelayService does).
              if (stored) { const envelope = GroupEnvelope.decode(bytes); void this.hub.publish(RELAY_PEER, envelope.group, { envelope }) }
              results.push({ code: '' })
            } catch (err) {
              if (!(err instanceof LanchatError)) throw err
              results.push({ code: err.code })
            }
          }
          return results
        }, { count: envelopes.length }),
        fetch: async (group, after, limit) => this.relayCall(u, 'fetch', async () => relay().fetch(claims, group, after, limit === 0 ? 500 : limit, 3 * 1024 * 1024), { after: after ?? '' }),
        authorize: async (resource, identityKey) => this.relayCall(u, 'authorize', async () => {
          if (toHex(identityKey) !== toHex(u.identity.publicKey)) throw new ServiceError('TOKEN_CNF_MISMATCH', 'not your key')
          if (!await relay().check(u.name, resource, 'reader')) throw new ServiceError('FORBIDDEN', `${u.name} may not read ${resource}`)
          const token = toHex(randomBytes(16))
          this.tokens.set(token, { user: u.name, resource })
          return token
        }, { resource })
      },
      kacls: this.kacls.client(u.name),
      topics: {
        add: (group, handler) => { this.hub.add(u.peer, group, handler) },
        remove: (group, handler) => { this.hub.remove(group, handler) },
        publish: async (group, message) => this.hub.publish(u.peer, group, message)
      },
      servePokes: async onPoke => { this.pokeHandlers.set(u.peer, onPoke) },
      stopPokes: async () => { this.pokeHandlers.delete(u.peer) },
      poke: async (peers, poke) => {
        for (const peer of peers) {
          const handler = this.pokeHandlers.get(peer)
          if (handler !== undefined) queueMicrotask(() => { handler(poke, u.peer) })
        }
      },
      onRelayConnect: fn => {
        let fns = this.relayConnects.get(u.name)
        if (fns === undefined) {
          fns = new Set()
          this.relayConnects.set(u.name, fns)
        }
        fns.add(fn)
        return () => { fns.delete(fn) }
      }
    }
  }

  directory (u: FakeUser): GroupsDirectory {
    const lookup = async (name: string): Promise<{ username: string, identityKey: Uint8Array, peers: string[] }> => {
      const other = this.users.get(name)
      if (other === undefined) throw new ServiceError('UNKNOWN_USER', `no user ${name}`)
      return { username: name, identityKey: other.identity.publicKey, peers: [other.peer] }
    }
    return {
      lookup,
      known: async username => u.pinned.get(username),
      check: async (username, identityKey) => {
        const known = u.pinned.get(username)
        if (known === undefined) {
          u.pinned.set(username, { username, identityKey: toHex(identityKey), verified: false, firstSeen: Date.now() })
          return 'new'
        }
        return known.identityKey === toHex(identityKey) ? 'same' : 'changed'
      }
    }
  }

  /** Members running now (stopAll stops them). */
  readonly running: Member[] = []

  /** Stops every member still running. */
  async stopAll (): Promise<void> {
    for (const m of this.running.splice(0)) await m.groups.stop()
  }

  /** `names[0]` creates a group with the others (all started), and resolves once every one of them holds its key. */
  async crew (names: string[], init: GroupsInit = {}): Promise<{ group: GroupId, members: Member[] }> {
    const members: Member[] = []
    for (const name of names) members.push(await this.member(name, init))
    const { group } = await members[0]!.groups.create('crew', names.slice(1))
    await until('everyone has the group and its key', () => members.every(m => m.groups.heldKey(group, 1) !== undefined))
    return { group, members }
  }

  /** Starts `name`'s member side (again, after a stop: same store, same keys). */
  async member (name: string, init: GroupsInit = {}): Promise<Member> {
    const user = await this.user(name)
    const timeline = new Timeline({ store: new SealedStore(user.store, user.dataKey, 'chat') })
    await timeline.start()
    const account = { username: name, identityToken: () => 'unused', identity: () => user.identity, dataKey: () => user.dataKey }
    const groups = new Groups({ store: user.store, account, keys: { networkId: NETWORK_ID }, timeline, directory: this.directory(user), network: this.network(user) }, init)
    const m: Member = {
      name,
      user,
      groups,
      timeline,
      messages: [],
      statuses: [],
      stop: async () => {
        this.running.splice(this.running.indexOf(m), 1)
        await groups.stop()
      }
    }
    groups.addEventListener('group:message', evt => { m.messages.push({ id: evt.detail.id, text: evt.detail.text, from: evt.detail.from, epoch: evt.detail.epoch }) })
    groups.addEventListener('group:status', evt => { m.statuses.push({ id: evt.detail.id, status: evt.detail.status, code: evt.detail.code }) })
    await groups.start()
    this.running.push(m)
    return m
  }
}

/** A member's group history, texts oldest first. */
export async function texts (m: Member, group: GroupId): Promise<string[]> {
  return (await m.groups.history(group, 1000)).map(h => h.text)
}

/**
 * Advances the fake clock in small steps until `check` holds (at most
 * `maxMs` of fake time): everything that was due runs, and the promises it
 * started settle, between two checks.
 */
export async function until (what: string, check: () => boolean | Promise<boolean>, maxMs = 60_000): Promise<void> {
  for (let t = 0; ; t += 10) {
    if (await check()) return
    if (t >= maxMs) throw new Error(`${what}: not reached in ${maxMs} ms of fake time`)
    await vi.advanceTimersByTimeAsync(10)
  }
}

/** Lets everything due within `ms` of fake time run, and what it starts settle. */
export async function settle (ms = 50): Promise<void> {
  await vi.advanceTimersByTimeAsync(ms)
}

/** Resolves with what `p` resolves to, moving the fake clock while it has not settled. */
export async function finish<T> (p: Promise<T>, maxMs = 60_000): Promise<T> {
  let done = false
  p.then(() => { done = true }, () => { done = true })
  await until('the call to return', () => done, maxMs)
  return p
}

/**
 * A fresh FakeLan for each test of the describe block this is called in, on
 * fake timers; after each test every member stops, and no timer is left
 * (stop() clears every timer it set). Returns the current test's lan.
 */
export function useFakeLan (): () => FakeLan {
  let lan: FakeLan | undefined
  beforeEach(async () => {
    vi.useFakeTimers()
    lan = await FakeLan.create()
  })
  afterEach(async () => {
    await lan?.stopAll()
    expect(vi.getTimerCount()).toBe(0)
    vi.useRealTimers()
  })
  return () => lan!
}
