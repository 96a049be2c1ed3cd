/**
 * What the attacker throws at each of the victim's entry points, and how:
 * - stream protocols (DM, idp, kacls, relay, group poke): length-prefixed
 *   frames of generated messages, and the framing itself mutated (several
 *   frames on one stream, a length longer than the data, an over-long or
 *   enormous length prefix, unframed bytes, a reset half-way), each on a
 *   stream of its own; plus slow drips (a byte every 100 ms);
 * - gossipsub topics (registry, presence, lobby, group): messages built
 *   layer by layer as the victim opens them (payload, signature, seal), each
 *   layer mutated or made right (re-signed with keys the attacker has), so
 *   the checks after the signature are reached too;
 * - the victim's stdin: JSON command lines, valid ones mutated field by field,
 *   and garbage, truncated, over-long and dripped lines.
 */
import { randomBytes } from 'node:crypto'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id'
import { byteStream } from '@libp2p/utils'
import fc from 'fast-check'
import { DM_PROTOCOL, MAX_FRAME_BYTES } from '../../src/chat/transport.js'
import { POKE_PROTOCOL } from '../../src/chat/groups/index.js'
import { seal, sign, transcript } from '../../src/crypto/index.js'
import { GroupPoke } from '../../src/groups/pb/groups.js'
import { Announcement, SignedAnnouncement } from '../../src/roles/pb/registry.js'
import { IDP } from '../../src/services/idp/spec.js'
import { KACLS } from '../../src/services/kacls/spec.js'
import { RELAY } from '../../src/services/relay/spec.js'
import { FILE_PROTOCOL, MAX_REQUEST_FRAME } from '../../src/files/constants.js'
import { FileRequest } from '../../src/files/pb/files.js'
import { concat, inputs, mutated, parseFields, sample, varint, wellFormed } from './gen.js'
import { ATTACKER, VICTIM } from './setup.js'
import type { GenContext, Input } from './gen.js'
import type { Setup } from './setup.js'
import type { Stream } from '@libp2p/interface'

/** What was sent to one target. */
export interface Sent {
  /** Inputs generated */
  inputs: number
  /** Protocol frames (or gossip messages, or lines) that went out */
  frames: number
  byKind: Record<string, number>
  /** Streams the victim refused or reset (expected for most of the garbage) */
  refused: number
  /** Pacing markers the victim did not answer in time */
  markersLost: number
}

export interface Target {
  name: string
  kind: 'stream' | 'topic' | 'stdin'
  /** Sends `count` inputs from the seeded run */
  fuzz: (count: number, seed: number, sent: Sent) => Promise<void>
  /** Slow drip: a byte every ~100 ms for about `ms` */
  drip: (ms: number, sent: Sent) => Promise<void>
}

const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s)
const count = (sent: Sent, kind: string, frames = 1): void => {
  sent.inputs++
  sent.frames += frames
  sent.byKind[kind] = (sent.byKind[kind] ?? 0) + 1
}

/** Runs `work` over the items with at most `limit` at once. */
async function pool<T> (items: Iterable<T>, limit: number, work: (item: T, i: number) => Promise<void>): Promise<void> {
  const it = items[Symbol.iterator]()
  let i = 0
  await Promise.all(Array.from({ length: limit }, async () => {
    for (let next = it.next(); next.done !== true; next = it.next()) await work(next.value, i++)
  }))
}

// ---------------------------------------------------------------- stream protocols

type Framing = 'one' | 'many' | 'longer' | 'hugePrefix' | 'overlongVarint' | 'raw' | 'reset' | 'overLimit'

interface StreamInput {
  framing: Framing
  input: Input
  /** More frames after the first ('many') */
  more: Input[]
}

const framingArb = fc.constantFrom<Framing>('one', 'one', 'one', 'one', 'one', 'one', 'many', 'many', 'longer', 'hugePrefix', 'overlongVarint', 'raw', 'reset', 'overLimit')

const lp = (b: Uint8Array): Uint8Array => concat([varint(b.length), b])

/** Sends one input on a stream of its own; reads the answer (if any) for a short while. */
async function sendOnStream (setup: Setup, protocol: string, limit: number, s: StreamInput, first?: Uint8Array): Promise<{ frames: number, refused: boolean }> {
  const libp2p = setup.attacker.network.libp2p
  let stream: Stream
  try {
    stream = await libp2p.dialProtocol(peerIdFromString(setup.victim.peerId), protocol, { signal: AbortSignal.timeout(5_000) })
  } catch {
    return { frames: 0, refused: true }
  }
  const bytes = byteStream(stream)
  const signal = AbortSignal.timeout(5_000)
  let frames = 1
  try {
    switch (s.framing) {
      case 'many': {
        // A valid first frame (the DM protocol's token), then the generated ones.
        const parts = [first ?? s.input.bytes, s.input.bytes, ...s.more.map(m => m.bytes)]
        frames = parts.length
        for (const p of parts) await bytes.write(lp(p), { signal })
        break
      }
      case 'longer':
        await bytes.write(concat([varint(s.input.bytes.length + 1 + (s.input.bytes.length % 97)), s.input.bytes]), { signal })
        break
      case 'hugePrefix':
        await bytes.write(concat([varint(2n ** 40n), s.input.bytes.subarray(0, 1024)]), { signal })
        break
      case 'overlongVarint':
        await bytes.write(concat([new Uint8Array(11).fill(0xff), s.input.bytes.subarray(0, 64)]), { signal })
        break
      case 'raw':
        await bytes.write(s.input.bytes.length === 0 ? Uint8Array.of(0) : s.input.bytes, { signal })
        break
      case 'reset':
        await bytes.write(lp(s.input.bytes).subarray(0, Math.max(1, s.input.bytes.length >> 1)), { signal })
        stream.abort(new Error('reset by the fuzzer'))
        return { frames, refused: false }
      case 'overLimit':
        // A frame just over the protocol's limit, really sent.
        await bytes.write(lp(concat([s.input.bytes, new Uint8Array(limit + 1)])), { signal })
        break
      default:
        await bytes.write(lp(s.input.bytes), { signal })
    }
    if (s.framing !== 'many' && s.framing !== 'one') await stream.close({ signal }).catch(() => {})
    // Whatever the victim answers (or a reset) within a short while.
    await bytes.read({ signal: AbortSignal.timeout(s.framing === 'one' || s.framing === 'many' ? 1_000 : 300) }).catch(() => null)
    // A victim still waiting for more frames (the DM protocol keeps its streams) is not waited for.
    await stream.close({ signal: AbortSignal.timeout(200) }).catch(() => { stream.abort(new Error('done')) })
    return { frames, refused: false }
  } catch {
    stream.abort(new Error('fuzzer gave up'))
    return { frames, refused: true }
  }
}

/** A byte every ~100 ms of a valid frame, on `streams` streams at once, for about `ms`. */
async function dripStreams (setup: Setup, protocol: string, frame: Uint8Array, ms: number, sent: Sent, streams = 4): Promise<void> {
  const libp2p = setup.attacker.network.libp2p
  await Promise.all(Array.from({ length: streams }, async () => {
    let stream: Stream
    try {
      stream = await libp2p.dialProtocol(peerIdFromString(setup.victim.peerId), protocol, { signal: AbortSignal.timeout(5_000) })
    } catch {
      sent.refused++
      return
    }
    count(sent, 'drip')
    const bytes = byteStream(stream)
    const data = lp(frame)
    const end = Date.now() + ms
    try {
      for (let i = 0; Date.now() < end; i++) {
        await bytes.write(data.subarray(i % data.length, (i % data.length) + 1), { signal: AbortSignal.timeout(2_000) })
        await sleep(100)
      }
    } catch {
      // The victim gave up on us first: what a server should do.
      sent.refused++
    }
    stream.abort(new Error('drip over'))
  }))
}

function streamTarget (setup: Setup, name: string, protocol: string, limit: number, arb: fc.Arbitrary<Input>, first: Uint8Array | undefined, concurrency: number): Target {
  const streamArb = fc.record({ framing: framingArb, input: arb, more: fc.array(arb, { minLength: 1, maxLength: 4 }) })
  return {
    name,
    kind: 'stream',
    fuzz: async (n, seed, sent) => {
      await pool(sample(streamArb, n, seed), concurrency, async s => {
        const r = await sendOnStream(setup, protocol, limit, s, first)
        count(sent, `${s.input.kind}/${s.framing}`, r.frames)
        if (r.refused) sent.refused++
      })
    },
    drip: async (ms, sent) => { await dripStreams(setup, protocol, first ?? fc.sample(arb, { seed: 1, numRuns: 1 })[0]!.bytes, ms, sent) }
  }
}

// ---------------------------------------------------------------- the RPC services

const METHODS: Record<string, Record<string, string>> = {
  [IDP.protocol]: { register: 'RegisterRequest', challenge: 'ChallengeRequest', login: 'LoginRequest', renew: 'RenewRequest', lookup: 'LookupRequest' },
  [KACLS.protocol]: { wrap: 'WrapRequest', unwrap: 'UnwrapRequest', rewrap: 'RewrapRequest', status: 'StatusRequest' },
  [RELAY.protocol]: {
    deposit: 'DepositRequest', fetch: 'FetchRequest', ack: 'AckRequest', handoff: 'HandoffRequest', publishBundle: 'PublishBundleRequest',
    fetchBundle: 'FetchBundleRequest', bundleStatus: 'BundleStatusRequest', authorize: 'AuthorizeRequest', aclSet: 'AclSetRequest',
    groupCommit: 'GroupCommitRequest', groupStates: 'GroupStatesRequest', groupList: 'GroupListRequest', groupLeave: 'GroupLeaveRequest',
    groupPost: 'GroupPostRequest', groupFetch: 'GroupFetchRequest'
  }
}

/**
 * RpcRequests for a service: a real method with the attacker's real tokens
 * (so token-gated handlers run) and a body generated for that method (mutated
 * from the attacker's captured requests, or well-formed), or the whole request
 * mutated.
 */
function rpcInputs (ctx: GenContext, setup: Setup, protocol: string, limit: number): fc.Arbitrary<Input> {
  const methods = METHODS[protocol]!
  const token = setup.attacker.user.identityToken()
  const captured = Object.keys(methods).flatMap(m => setup.captured.rpc.get(m) ?? [])
  const authorization = [...setup.captured.rpc.values()].flat().map(b => parseFields(b)?.find(f => f.number === 4)?.value).filter((v): v is Uint8Array => v !== undefined && v.length > 0)
  const body = (method: string): fc.Arbitrary<Input> => {
    const bodies = (setup.captured.rpc.get(method) ?? []).map(b => parseFields(b)?.find(f => f.number === 2)?.value ?? new Uint8Array())
    const seeds = bodies.length > 0 ? fc.constantFrom(...bodies) : wellFormed(ctx, methods[method]!)
    return inputs({ ctx, type: methods[method]!, seeds, limit })
  }
  const framed = fc.tuple(fc.constantFrom(...Object.keys(methods)), fc.constantFrom('', token, token), fc.constantFrom(new Uint8Array(), ...authorization)).chain(([method, id, authz]) =>
    body(method).map(inner => ({
      kind: inner.kind,
      bytes: concat([
        concat([varint(10), varint(utf8(method).length), utf8(method)]),
        concat([varint(18), varint(inner.bytes.length), inner.bytes]),
        concat([varint(26), varint(utf8(id).length), utf8(id)]),
        authz.length === 0 ? new Uint8Array() : concat([varint(34), varint(authz.length), authz])
      ])
    })))
  const whole = captured.length > 0 ? inputs({ ctx, type: 'RpcRequest', seeds: fc.constantFrom(...captured), limit }) : wellFormed(ctx, 'RpcRequest').map(bytes => ({ kind: 'wellFormed' as const, bytes }))
  return fc.oneof({ weight: 4, arbitrary: framed }, { weight: 1, arbitrary: whole })
}

// ---------------------------------------------------------------- gossip topics

interface Layered {
  /** How the message was made, layer by layer */
  kind: string
  bytes: Uint8Array
}

function topicTarget (setup: Setup, name: string, topic: string, arb: fc.Arbitrary<Layered>, marker: () => Promise<boolean>): Target {
  const pubsub = setup.attacker.network.libp2p.services.pubsub
  return {
    name,
    kind: 'topic',
    fuzz: async (n, seed, sent) => {
      let i = 0
      for (const m of sample(arb, n, seed)) {
        await pubsub.publish(topic, m.bytes).catch(() => { sent.refused++ })
        count(sent, m.kind)
        // Now and then the victim must show it kept up: a marker through the lobby comes back.
        if (++i % 500 === 0 && !await marker()) sent.markersLost++
      }
      if (!await marker()) sent.markersLost++
    },
    // Gossip has no stream of ours to drip on: a slow publisher is many small messages, already sent.
    drip: async () => {}
  }
}

/** payload -> signed by the identity key (or a mutated signature) -> sealed (or not, or mutated after). */
function signedLayers (ctx: GenContext, setup: Setup, type: string, seeds: fc.Arbitrary<Uint8Array>, label: string, sealKey?: Uint8Array, sealAd?: string): fc.Arbitrary<Layered> {
  const identity = setup.attacker.user.identity()
  const payloads = inputs({ ctx, type, seeds, limit: 48 * 1024 })
  return fc.tuple(payloads, fc.constantFrom('signed', 'signed', 'signed', 'badSig', 'signedMutated'), fc.constantFrom('sealed', 'sealed', 'sealed', 'sealMutated', 'unsealed')).chain(([payload, how, sealing]) => {
    const signature = how === 'badSig' ? randomBytes(64) : sign(identity, transcript(label, payload.bytes))
    const signed = concat([varint(10), varint(payload.bytes.length), payload.bytes, varint(18), varint(signature.length), signature])
    const outer = how === 'signedMutated' ? mutated(ctx, 'Signed', fc.constant(signed)) : fc.constant(signed)
    return outer.map(s => {
      if (sealKey === undefined) return { kind: `${payload.kind}/${how}`, bytes: s }
      if (sealing === 'unsealed') return { kind: `${payload.kind}/${how}/unsealed`, bytes: s }
      const sealed = seal(sealKey, s, utf8(sealAd!))
      if (sealing === 'sealMutated' && sealed.length > 0) sealed[(payload.bytes.length * 31) % sealed.length]! ^= 0x40
      return { kind: `${payload.kind}/${how}/${sealing}`, bytes: sealed }
    })
  })
}

/** A fresh announcement, as the attacker's registry would make it (new seq, this time). */
function announcement (peerId: string, seq: number): Uint8Array {
  const now = BigInt(Date.now())
  return Announcement.encode({ peerId, pinned: [], eligible: [], roleKeys: [], addrs: [], seq: BigInt(seq), time: now, startedAt: now - 60_000n, held: [] })
}

/**
 * An announcement that may verify (signed by a key the fuzzer holds) must
 * name no address but 127.0.0.1: the victim dials what the registry tells it,
 * and the fuzzer stays on loopback. Anything else is emptied.
 */
function loopbackOnly (bytes: Uint8Array): Uint8Array {
  let a: Announcement
  try {
    a = Announcement.decode(bytes)
  } catch {
    return bytes
  }
  const ok = (addr: Uint8Array): boolean => {
    const s = Buffer.from(addr).toString('latin1')
    // /ip4 (4) 127.0.0.1 then /tcp (6): the multiaddr bytes 04 7f 00 00 01 06.
    return addr.length >= 8 && s.startsWith('\x04\x7f\x00\x00\x01\x06') && addr.length <= 8 + 40
  }
  if (a.addrs.every(ok)) return bytes
  const fields = parseFields(bytes)
  if (fields === undefined) return bytes
  return concat(fields.filter(f => f.number !== 5).map(f => f.wt === 2 ? concat([varint((f.number << 3) | 2), varint(f.value.length), f.value]) : concat([varint((f.number << 3) | f.wt), f.value])))
}

async function registryArb (ctx: GenContext, setup: Setup): Promise<fc.Arbitrary<Layered>> {
  const attacker = setup.attacker
  const keys = await Promise.all(Array.from({ length: 8 }, async () => generateKeyPair('Ed25519')))
  const signers = [attacker.network.privateKey, ...keys]
  let seq = 10_000_000
  const fresh = fc.constant(null).map(() => announcement(peerIdFromPrivateKey(keys[seq % keys.length]!).toString(), seq++))
  const payloads = inputs({ ctx, type: 'Announcement', seeds: fresh, limit: 8 * 1024 })
  return fc.tuple(payloads, fc.nat(signers.length - 1), fc.constantFrom('signed', 'signed', 'signed', 'badSig', 'outerMutated'), fc.constantFrom('sealed', 'sealed', 'sealed', 'sealMutated', 'unsealed')).map(([payload, who, how, sealing]) => {
    const signer = signers[who]!
    // The announcement names its signer (unless the mutation changed it): it verifies and reaches the view.
    const bytes = loopbackOnly(payload.bytes)
    const signature = how === 'badSig' ? new Uint8Array(randomBytes(64)) : signer.sign(bytes) as Uint8Array
    let inner: Uint8Array = SignedAnnouncement.encode({ announcement: new Uint8Array(bytes), signature: new Uint8Array(signature) })
    if (how === 'outerMutated') inner = fc.sample(mutated(ctx, 'SignedAnnouncement', fc.constant(inner)), { seed: who + bytes.length, numRuns: 1 })[0]!
    if (sealing === 'unsealed') return { kind: `${payload.kind}/${how}/unsealed`, bytes: inner }
    const sealed = seal(attacker.keys.registryKey, inner, utf8('lanchat/registry/v1'))
    if (sealing === 'sealMutated') sealed[bytes.length % sealed.length]! ^= 1
    return { kind: `${payload.kind}/${how}/${sealing}`, bytes: sealed }
  })
}

// ---------------------------------------------------------------- stdin

const COMMANDS = [
  'status', 'peers', 'roles', 'registry', 'register', 'login', 'whoami', 'send', 'history', 'conversations', 'read', 'users', 'kacls.audit',
  'kacls.rotate', 'kacls.status', 'lobby.send', 'verify', 'trust', 'groups', 'group.create', 'group.invite', 'group.kick', 'group.promote',
  'group.leave', 'group.send', 'group.members', 'group.history', 'group.sync'
]

/** A valid command of each kind, as a script would write it. */
function validCommands (group: string): Array<Record<string, unknown>> {
  return [
    { cmd: 'status' }, { cmd: 'roles' }, { cmd: 'whoami' }, { cmd: 'send', to: ATTACKER, text: 'hi' }, { cmd: 'history', with: ATTACKER, limit: 5 },
    { cmd: 'conversations' }, { cmd: 'read', with: ATTACKER }, { cmd: 'users' }, { cmd: 'kacls.audit', limit: 3 }, { cmd: 'kacls.status' },
    { cmd: 'lobby.send', text: 'x' }, { cmd: 'verify', user: ATTACKER }, { cmd: 'groups' }, { cmd: 'group.members', group },
    { cmd: 'group.send', group, text: 'y' }, { cmd: 'group.history', group, limit: 2 }, { cmd: 'group.sync', group }, { cmd: 'register', username: VICTIM, password: 'x' },
    { cmd: 'login', username: 'nobody', password: 'wrong-password' }, { cmd: 'group.promote', group, user: ATTACKER }, { cmd: 'peers' }, { cmd: 'registry' }
  ]
}

const jsonEdge: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1.5, -0, 1e308, -1e308, 2 ** 53, 2 ** 53 + 2, 2 ** 64, 4294967296, '', '\ud800', '\udc00x', 'a\u0000b', '__proto__', 'quit', [], {}, [[[]]], { __proto__: 1 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.constantFrom(70_000, 1_000_000).map(n => 'x'.repeat(n)),
  fc.integer(),
  fc.double(),
  fc.array(fc.string({ maxLength: 8 }), { maxLength: 300 }),
  // Deeply nested arrays: written into the line as text (JSON.stringify itself would overflow the fuzzer's stack).
  fc.constantFrom(1000, 5000, 100_000).map(n => `\u0000deep:${n}`)
)

/** A command line, with the deep-nesting placeholders expanded. */
function line (c: unknown): string {
  return JSON.stringify(c).replace(/"\\u0000deep:(\d+)"/g, (_, n: string) => '['.repeat(Number(n)) + ']'.repeat(Number(n)))
}

interface Line {
  kind: string
  text: string
}

function stdinArb (group: string): fc.Arbitrary<Line> {
  const valid = validCommands(group)
  const mutatedCmd = fc.tuple(fc.constantFrom(...valid), fc.constantFrom('set', 'set', 'drop', 'add', 'cmd', 'id'), fc.nat(), jsonEdge).map(([cmd, how, pick, v]) => {
    const c: Record<string, unknown> = { ...cmd }
    const keys = Object.keys(c).filter(k => k !== 'cmd')
    const key = keys.length === 0 ? 'extra' : keys[pick % keys.length]!
    if (how === 'set') c[key] = v
    else if (how === 'drop') delete c[key]
    else if (how === 'add') c[['extra', 'constructor', '__proto__', 'toString', 'limit', 'before', 'members'][pick % 7]!] = v
    else if (how === 'cmd') c.cmd = typeof v === 'string' && pick % 2 === 0 ? v : COMMANDS[pick % COMMANDS.length]
    else c.id = v
    // Never `quit`: the session would end, and that is not a crash.
    if (c.cmd === 'quit') c.cmd = 'status'
    return { kind: `mutated/${how}`, text: line({ id: pick % 1000, ...c }) }
  })
  const random = fc.record({ cmd: fc.constantFrom(...COMMANDS), a: jsonEdge, b: jsonEdge }).map(({ cmd, a, b }) => ({
    kind: 'wellFormed', text: line({ cmd, to: a, text: b, with: a, user: b, group: a, name: b, members: a, username: b, password: a, limit: b, before: a })
  }))
  const garbage = fc.oneof(
    fc.uint8Array({ maxLength: 200 }).map(b => ({ kind: 'garbage', text: Buffer.from(b).toString('latin1').replace(/\n/g, ' ') })),
    fc.constantFrom('{', '{"cmd":', '[]', 'null', '"status"', '{"cmd":"status"', '{"cmd":1}', '{"cmd":null}', '{"cmd":"quit"x}', '\u0000', '\r', ' \t ', '{"id":{},"cmd":"status"}')
      .map(text => ({ kind: 'garbage', text })),
    fc.tuple(fc.constantFrom(...valid), fc.nat()).map(([c, n]) => { const t = JSON.stringify(c); return { kind: 'truncated', text: t.slice(0, n % t.length) } }),
    fc.constantFrom(1024 * 1024 + 1, 2 * 1024 * 1024).map(n => ({ kind: 'oversize', text: `{"cmd":"status","pad":"${'p'.repeat(n)}"}` }))
  )
  return fc.oneof({ weight: 10, arbitrary: mutatedCmd }, { weight: 4, arbitrary: random }, { weight: 3, arbitrary: garbage })
}

function stdinTarget (setup: Setup): Target {
  const victim = (): Setup['victim'] => setup.victim
  let markers = 0
  const marker = async (): Promise<boolean> => {
    const id = `marker-${++markers}`
    victim().write({ id, cmd: 'whoami' })
    try {
      await victim().waitFor(l => l.id === id, 60_000, Math.max(0, victim().lines.length - 5_000))
      return true
    } catch {
      return false
    }
  }
  return {
    name: 'headless stdin',
    kind: 'stdin',
    fuzz: async (n, seed, sent) => {
      let batch = ''
      let i = 0
      for (const line of sample(stdinArb(setup.group), n, seed)) {
        batch += line.text + '\n'
        count(sent, line.kind)
        if (++i % 100 === 0) {
          victim().writeRaw(batch)
          batch = ''
          if (!await marker()) sent.markersLost++
        }
      }
      victim().writeRaw(batch)
      if (!await marker()) sent.markersLost++
    },
    drip: async (ms, sent) => {
      const text = JSON.stringify({ id: 'drip', cmd: 'status' }) + '\n'
      const end = Date.now() + ms
      count(sent, 'drip')
      for (let i = 0; Date.now() < end; i++) {
        victim().writeRaw(text[i % text.length]!)
        await sleep(100)
      }
      victim().writeRaw('\n')
      if (!await marker()) sent.markersLost++
    }
  }
}

// ---------------------------------------------------------------- every target

export async function targets (ctx: GenContext, setup: Setup): Promise<Target[]> {
  const a = setup.attacker
  const { networkId, lobbyKey } = a.keys
  let markers = 0
  const lobbyMarker = async (): Promise<boolean> => {
    const text = `marker ${++markers} ${Date.now()}`
    const since = Math.max(0, setup.victim.lines.length - 5_000)
    try {
      await a.lobbySend(text)
      await setup.victim.waitFor(l => l.event === 'lobby' && l.text === text, 60_000, since)
      return true
    } catch {
      return false
    }
  }
  const gossip = (topic: string): Uint8Array[] => setup.captured.gossip.get(topic) ?? []
  const dmSeeds = setup.captured.dm
  if (dmSeeds.length === 0) throw new Error('no DM frame was captured')
  const dmFirst = dmSeeds.find(b => (parseFields(b)?.find(f => f.number === 1)?.value.length ?? 0) > 0) ?? dmSeeds[0]!
  const groupTopic = `/lanchat/${networkId}/group/${setup.group}/1`
  const groupSeeds = gossip(groupTopic)
  if (groupSeeds.length === 0) throw new Error('no group message was captured')

  // Presence and lobby payloads: fresh ones (this time, the next seq), re-signed after the mutation.
  const token = a.user.identityToken()
  const identityKey = new Uint8Array(a.user.identity().publicKey)
  let seq = Date.now()
  const { PresenceAnnouncement, LobbyMessage } = await import('../../src/chat/pb/chat.js')
  const presenceSeeds = fc.constant(null).map(() => PresenceAnnouncement.encode({
    username: ATTACKER, peerId: a.network.peerId, identityKey, identityToken: token, time: BigInt(Date.now()), seq: BigInt(++seq), online: true
  }))
  let lobbyN = 0
  const lobbySeeds = fc.constant(null).map(() => LobbyMessage.encode({
    id: `fuzz-${Date.now()}-${++lobbyN}`, from: ATTACKER, text: 'fuzz', sentAt: BigInt(Date.now()), hlcWall: BigInt(Date.now()), hlcCounter: 0, identityKey, identityToken: token
  }))
  const groupMessages = inputs({ ctx, type: 'GroupTopicMessage', seeds: fc.constantFrom(...groupSeeds, GroupPokeTopic(setup.group)), limit: 64 * 1024 + 256 })
  // The file protocol: a fetch (with a proof, or as a relay replica), an upload with the attacker's token, a copy, a remove, wants and chunks.
  const file = new Uint8Array(randomBytes(16))
  const fileSeeds = fc.constantFrom(
    FileRequest.encode({ hello: { file, proof: new Uint8Array(randomBytes(64)), manifest: true } }),
    FileRequest.encode({ hello: { file, proof: new Uint8Array(), manifest: false, replica: true } }),
    FileRequest.encode({ upload: { file, identityToken: token, proof: new Uint8Array(randomBytes(64)), accessKey: new Uint8Array(randomBytes(32)), size: 100_000, chunkSize: 16_384, manifest: new Uint8Array(randomBytes(7 * 32)) } }),
    FileRequest.encode({ copy: { file } }),
    FileRequest.encode({ remove: { file, identityToken: token, proof: new Uint8Array(randomBytes(64)) } }),
    FileRequest.encode({ want: [0, 1, 2 ** 31], done: true }),
    FileRequest.encode({ chunk: { index: 3, data: new Uint8Array(randomBytes(1_000)) } })
  )

  return [
    streamTarget(setup, DM_PROTOCOL, DM_PROTOCOL, MAX_FRAME_BYTES, inputs({ ctx, type: 'DmFrame', seeds: fc.constantFrom(...dmSeeds), limit: MAX_FRAME_BYTES }), dmFirst, 16),
    ...[IDP, KACLS, RELAY].map(spec => streamTarget(setup, spec.protocol, spec.protocol, spec.maxRequestBytes, rpcInputs(ctx, setup, spec.protocol, spec.maxRequestBytes), undefined, 16)),
    streamTarget(setup, FILE_PROTOCOL, FILE_PROTOCOL, MAX_REQUEST_FRAME, inputs({ ctx, type: 'FileRequest', seeds: fileSeeds, limit: MAX_REQUEST_FRAME }), undefined, 8),
    streamTarget(setup, POKE_PROTOCOL, POKE_PROTOCOL, 256, inputs({ ctx, type: 'GroupPoke', seeds: fc.constant(GroupPoke.encode({ group: setup.group, epoch: 1 })), limit: 256 }), undefined, 16),
    topicTarget(setup, 'presence topic', `/lanchat/${networkId}/presence/1`, signedLayers(ctx, setup, 'PresenceAnnouncement', presenceSeeds, 'lanchat/presence/v1'), lobbyMarker),
    topicTarget(setup, 'lobby topic', `/lanchat/${networkId}/lobby/1`, signedLayers(ctx, setup, 'LobbyMessage', lobbySeeds, 'lanchat/lobby/v1', lobbyKey, 'lanchat/lobby/v1'), lobbyMarker),
    topicTarget(setup, 'group topic', groupTopic, groupMessages.map(i => ({ kind: i.kind, bytes: i.bytes })), lobbyMarker),
    topicTarget(setup, 'registry topic', `/lanchat/${networkId}/registry/1`, await registryArb(ctx, setup), lobbyMarker),
    stdinTarget(setup)
  ]
}

/** A GroupTopicMessage carrying a poke for the group. */
function GroupPokeTopic (group: string): Uint8Array {
  const poke = GroupPoke.encode({ group, epoch: 1 })
  return concat([varint(18), varint(poke.length), poke])
}
