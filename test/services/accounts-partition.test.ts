import { createHash } from 'node:crypto'
import { generateKeyPair } from '@libp2p/crypto/keys'
import fc from 'fast-check'
import { decodeJwt } from 'jose'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import { generateIdentityKeyPair, jwkThumbprint, sign, toHex, transcript } from '../../src/crypto/index.js'
import { Bindings, preferred } from '../../src/directory/bindings.js'
import { Replication } from '../../src/replication/index.js'
import { ACCOUNTS_DOC } from '../../src/services/idp/accounts.js'
import { IdpService } from '../../src/services/idp/idp.js'
import { BINDINGS, CHALLENGE, IDP, LOGIN, LOGIN_LABEL, REGISTER, REGISTER_LABEL } from '../../src/services/idp/spec.js'
import { openMemoryStore } from '../../store/index.js'
import { close, heal, replica, send } from '../helpers/partition.js'
import { callContext } from '../helpers/proof.js'
import type { Ed25519PrivateKey } from '@libp2p/interface'
import type { IdentityKeyPair } from '../../src/crypto/index.js'
import type { StoredBinding } from '../../src/directory/bindings.js'
import type { NetworkKeys } from '../../src/net/index.js'
import type { RoleRegistry } from '../../src/roles/index.js'
import type { Implementation, Loose, MethodSpec, Rpc, TokenVerifier } from '../../src/services/index.js'
import type { Replica } from '../helpers/partition.js'
import type { Store } from '../../store/index.js'

// A verifier's cost is not what these properties are about: scrypt at N = 2^4 instead of 2^15, the same on both sides.
vi.mock('../../src/kdf.js', async importOriginal => {
  const real = await importOriginal<typeof import('../../src/kdf.js')>()
  return { ...real, scryptKey: async (...[password, salt, params, length]: Parameters<typeof real.scryptKey>) => real.scryptKey(password, salt, { ...params, N: 16 }, length) }
})

const NETWORK_ID = 'accounts-partition-network'
const AT_REST = new Uint8Array(32).fill(9)
const NAMES = ['ann', 'sam', 'kim']
/** Identity keys of the users who may ask for a name (each with its own password); the last one never does */
const KEYS = 5
const password = (k: number): string => `correct-horse-staple-${k}`

let keys: IdentityKeyPair[]
let idpKey: Ed25519PrivateKey

/** One side of a partition: an idp-eligible node's store, replication and idp, on the clock the test moves. */
interface Side extends Replica { store: Store, call: <Req, Res>(method: MethodSpec<Req, Res>, req: Loose<NoInfer<Req>>, peer: string) => Promise<Res> }

async function side (n: number, clock: () => number): Promise<Side> {
  const store = await openMemoryStore()
  const replication = new Replication({ store, atRestKey: AT_REST, clock })
  const handlers = new Map<string, Implementation>()
  const rpc = { serve: async (_spec: unknown, methods: Implementation[]) => { for (const m of methods) handlers.set(m.name, m) } } as unknown as Rpc
  const registry = { self: `idp-${n}`, roleKey: () => idpKey } as unknown as RoleRegistry
  const idp = new IdpService({ rpc, registry, store, verifier: {} as TokenVerifier, keys: { networkId: NETWORK_ID } as NetworkKeys, replication, clock })
  await idp.start()
  const call = async <Req, Res>(method: MethodSpec<Req, Res>, req: Loose<NoInfer<Req>>, peer: string): Promise<Res> => {
    const body = method.request.encode(req as Req)
    return method.response.decode(await handlers.get(method.name)!.call(body, callContext(NETWORK_ID, IDP.protocol, method.name, body, { remotePeer: peer, identityToken: '' })))
  }
  return { store, call, ...replica(replication, 'idp', clock) }
}

/** Each call from a node of its own: the idp's limits per node stay out of the way. */
let peers = 0
const peer = (): string => `12D3KooWcaller${++peers}`

async function register (s: Side, name: string, k: number): Promise<string> {
  const key = keys[k]!
  const signature = sign(key, transcript(REGISTER_LABEL, NETWORK_ID, name, key.publicKey))
  return s.call(REGISTER, { username: name, identityKey: key.publicKey, password: password(k), signature }, peer()).then(r => r.username, (err: { code?: string }) => err.code ?? String(err))
}

/** A login by the user of key `k`: its identity token's claims, or the error's code. */
async function login (s: Side, name: string, k: number): Promise<{ sub?: string, jkt?: string } | string> {
  const from = peer()
  const { challenge } = await s.call(CHALLENGE, { username: name }, from)
  const signature = sign(keys[k]!, transcript(LOGIN_LABEL, NETWORK_ID, name, from, challenge))
  return s.call(LOGIN, { username: name, password: password(k), challenge, signature }, from).then(
    r => { const claims = decodeJwt(r.token); return { sub: claims.sub, jkt: (claims.cnf as { jkt: string }).jkt } },
    (err: { code?: string }) => err.code ?? String(err))
}

/** The whole directory a side serves. */
async function directory (s: Side): Promise<StoredBinding[]> {
  const out: StoredBinding[] = []
  let after = ''
  for (;;) {
    const reply = await s.call(BINDINGS, { after, limit: 2 }, peer())
    out.push(...reply.bindings.map(b => ({ username: b.username, identityKey: toHex(b.identityKey), registeredAt: Number(b.registeredAt), signature: toHex(b.signature) })))
    if (!reply.more) return out
    after = reply.cursor
  }
}

const keyHash = (k: number): string => createHash('sha256').update(keys[k]!.publicKey).digest('hex')

/** A registration on one side during the split: `tick` ms after the one before (0 often: both sides in one ms). */
const registrations = fc.array(fc.record({
  side: fc.integer({ min: 0, max: 1 }),
  // Mostly the names free at the split; ann's now and then (taken on both sides).
  name: fc.constantFrom(1, 1, 1, 2, 2, 2, 0),
  key: fc.integer({ min: 0, max: KEYS - 2 }),
  tick: fc.constantFrom(0, 0, 1)
}), { minLength: 1, maxLength: 8 })

beforeAll(async () => {
  keys = Array.from({ length: KEYS }, () => generateIdentityKeyPair())
  idpKey = await generateKeyPair('Ed25519')
})

/** Two idp sides that both hold ann's account (registered before the split), on a clock the test moves. */
async function split (): Promise<{ sides: [Side, Side], clock: { now: number } }> {
  const clock = { now: 1_700_000_000_000 }
  const sides: [Side, Side] = [await side(0, () => clock.now), await side(1, () => clock.now)]
  expect(await register(sides[0], 'ann', 0)).toBe('ann')
  await send(sides[0].replication, sides[1], ACCOUNTS_DOC)
  return { sides, clock }
}

/** Each directory entry as (name, key). */
const pairs = (d: StoredBinding[]): Set<string> => new Set(d.map(b => `${b.username}/${b.identityKey}`))

describe('idp accounts split by a partition, healed', () => {
  it('keep one claim per name on both sides by the directory\'s rule; the other user is told USERNAME_CONFLICT; a retry with the same key succeeds', async () => {
    await fc.assert(fc.asyncProperty(registrations, async list => {
      const { sides, clock } = await split()
      // Each side's own rule: the first key to ask for a name has it; the same key again succeeds; another is refused.
      const held: Array<Map<string, { key: number, at: number }>> = [new Map([['ann', { key: 0, at: clock.now }]]), new Map([['ann', { key: 0, at: clock.now }]])]
      for (const r of list) {
        clock.now += r.tick
        const name = NAMES[r.name]!
        const mine = held[r.side]!.get(name)
        expect(await register(sides[r.side]!, name, r.key)).toBe(mine === undefined || mine.key === r.key ? name : 'USERNAME_TAKEN')
        if (mine === undefined) held[r.side]!.set(name, { key: r.key, at: clock.now })
      }
      await heal(sides[0], sides[1], ACCOUNTS_DOC)

      // Every claim is in the directory of every node.
      const directories = [await directory(sides[0]), await directory(sides[1])]
      const claims = NAMES.map(name => [held[0]!.get(name), held[1]!.get(name)].filter(c => c !== undefined))
      for (const d of directories) expect(pairs(d)).toEqual(new Set(NAMES.flatMap((name, i) => claims[i]!.map(c => `${name}/${toHex(keys[c.key]!.publicKey)}`))))
      for (const [i, name] of NAMES.entries()) {
        if (claims[i]!.length === 0) continue
        // The rule: the earlier registration, then the lower hash of the key; the directory's `preferred` agrees.
        const [first, second] = claims[i] as [{ key: number, at: number }, { key: number, at: number } | undefined]
        const kept = second === undefined || second.key === first.key
          ? first.key
          : first.at !== second.at ? (first.at < second.at ? first : second).key : (keyHash(first.key) < keyHash(second.key) ? first : second).key
        for (const d of directories) expect(d.filter(b => b.username === name).reduce((x, y) => preferred(x, y)).identityKey).toBe(toHex(keys[kept]!.publicKey))
        const other = claims[i]!.find(c => c.key !== kept)
        for (const s of sides) {
          expect(await login(s, name, kept)).toEqual({ sub: name, jkt: jwkThumbprint(keys[kept]!.publicKey) })
          if (other !== undefined) expect(await login(s, name, other.key)).toBe('USERNAME_CONFLICT')
          // A registration retried with the same key succeeds (its user is told at login which one is kept); a new key is refused.
          for (const c of claims[i]!) expect(await register(s, name, c.key)).toBe(name)
          expect(await register(s, name, KEYS - 1)).toBe('USERNAME_TAKEN')
        }
      }
      await close(sides)
    }), { numRuns: 60 })
  })

  // One key asking for a name on both sides, in different ms, is two values of one record (u/<name>/<key hash>) with
  // two binding keys (binding/<ms>/<name>/<key hash>); after the heal the doc keeps one value, and the binding of the
  // one it replaced goes (it stayed, before: kim registered on side 0 at …000 and side 1 at …001 was listed twice on
  // side 0, once on side 1).
  it('serves the same directory on both sides when one key asked for a name on both', async () => {
    await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: KEYS - 2 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 1 }), async (k, ms, first) => {
      const { sides, clock } = await split()
      expect(await register(sides[first]!, 'kim', k)).toBe('kim')
      clock.now += ms
      expect(await register(sides[1 - first]!, 'kim', k)).toBe('kim')
      await heal(sides[0], sides[1], ACCOUNTS_DOC)
      expect(await directory(sides[1])).toEqual(await directory(sides[0]))
      await close(sides)
    }), { numRuns: 10, endOnFailure: true })
  })
})

describe('a node\'s directory of bindings across the split, healed', () => {
  /** A node's directory that reads the idp of the side `at.side` (the holder it reaches), each call from a node of its own. */
  async function reader (sides: [Side, Side], at: { side: number }): Promise<Bindings> {
    const rpc = { call: async (_spec: unknown, method: MethodSpec<unknown, unknown>, req: unknown) => sides[at.side]!.call(method, req as never, peer()) } as unknown as Rpc
    const b = new Bindings({ store: await openMemoryStore(), rpc, networkId: NETWORK_ID })
    await b.start()
    return b
  }

  // erin-a registered on side A first, erin-b on side B later; a node reading side B's directory during the split had read
  // past erin-b (and zoe, later still). At the heal, erin-a's claim was filed before that cursor in registration order:
  // the node never read it, kept binding erin to erin-b's key and refused erin-a's tokens.
  it('binds a name to the earlier registration after the heal, though the node had read past where it was filed', async () => {
    const { sides, clock } = await split()
    clock.now += 10
    expect(await register(sides[0], 'erin', 1)).toBe('erin')
    clock.now += 10
    expect(await register(sides[1], 'erin', 2)).toBe('erin')
    clock.now += 10
    expect(await register(sides[1], 'zoe', 3)).toBe('zoe')
    const b = await reader(sides, { side: 1 })
    await b.sync()
    expect(b.known('erin')?.identityKey).toBe(toHex(keys[2]!.publicKey))
    const conflicts: Array<{ kept: string, other: string }> = []
    b.addEventListener('binding:conflict', evt => { conflicts.push({ kept: evt.detail.kept.identityKey, other: evt.detail.other.identityKey }) })

    await heal(sides[0], sides[1], ACCOUNTS_DOC)
    await b.sync()
    expect(b.known('erin')?.identityKey).toBe(toHex(keys[1]!.publicKey))
    expect(toHex((await b.keyOf('erin'))!)).toBe(toHex(keys[1]!.publicKey))
    expect(conflicts).toEqual([{ kept: toHex(keys[1]!.publicKey), other: toHex(keys[2]!.publicKey) }])
    expect(b.conflicts().map(c => c.other.identityKey)).toEqual([toHex(keys[2]!.publicKey)])
    // ...as the idp has it: erin-b's user is told at login.
    expect(await login(sides[1], 'erin', 2)).toBe('USERNAME_CONFLICT')
    // Read again, nothing changes and nothing is reported twice.
    await b.sync()
    expect(conflicts).toHaveLength(1)
    b.stop()
    await close(sides)
  })

  it('reads from the start a cursor of another order: another idp node\'s, or one given before orders were tagged', async () => {
    const { sides, clock } = await split()
    clock.now += 10
    expect(await register(sides[1], 'kim', 1)).toBe('kim')
    await send(sides[1].replication, sides[0], ACCOUNTS_DOC)
    const first = await sides[1].call(BINDINGS, { after: '', limit: 0 }, peer())
    expect(first.bindings.map(b => b.username)).toEqual(['ann', 'kim'])
    expect(first.cursor).toMatch(/^\d{16}\/kim\/[0-9a-f]{16}~[0-9a-f]{8}$/)
    // Its own order: nothing after kim.
    expect((await sides[1].call(BINDINGS, { after: first.cursor, limit: 0 }, peer())).bindings).toEqual([])
    // The other side's order (a failover), and the cursor as given before (no tag): the whole directory again.
    for (const after of [first.cursor, first.cursor.slice(0, first.cursor.indexOf('~')), first.cursor.slice(0, first.cursor.lastIndexOf('/'))]) {
      const s = after === first.cursor ? sides[0] : sides[1]
      expect((await s.call(BINDINGS, { after, limit: 0 }, peer())).bindings.map(b => b.username)).toEqual(['ann', 'kim'])
    }
    await close(sides)
  })

  it('comes to the rule\'s binding of every name whichever side it read, and when, during the split', async () => {
    const step = fc.oneof(
      registrations.map(list => ({ register: list[0]! })),
      fc.record({ read: fc.integer({ min: 0, max: 1 }) })
    )
    await fc.assert(fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 10 }), fc.integer({ min: 0, max: 1 }), async (steps, last) => {
      const { sides, clock } = await split()
      const at = { side: 0 }
      const b = await reader(sides, at)
      for (const s of steps) {
        if ('read' in s) {
          at.side = s.read
          await b.sync()
          continue
        }
        clock.now += s.register.tick
        await register(sides[s.register.side]!, NAMES[s.register.name]!, s.register.key)
      }
      await heal(sides[0], sides[1], ACCOUNTS_DOC)
      at.side = last
      await b.sync()
      // What the idp serves, by the one rule, is what the node binds.
      const served = await directory(sides[last]!)
      for (const name of NAMES) {
        const claims = served.filter(x => x.username === name)
        expect(b.known(name)?.identityKey).toBe(claims.length === 0 ? undefined : claims.reduce((x, y) => preferred(x, y)).identityKey)
      }
      b.stop()
      await close(sides)
    }), { numRuns: 40 })
  })
})
