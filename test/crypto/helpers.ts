import { createHash } from 'node:crypto'
import {
  InMemoryPreKeyStore, createPreKeyBundle, createPreKeyState, decryptMessage, encryptMessage, generateIdentityKeyPair,
  initiateSession, respondToSession
} from '../../src/crypto/index.js'
import type { IdentityKeyPair, RandomSource, SessionState } from '../../src/crypto/index.js'

export const hex = (s: string): Uint8Array<ArrayBuffer> => new Uint8Array(Buffer.from(s, 'hex'))
export const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
export const utf8 = (s: string): Uint8Array<ArrayBuffer> => new TextEncoder().encode(s)
export const text = (b: Uint8Array): string => new TextDecoder().decode(b)

/** A deterministic RandomSource (SHA-256 in counter mode over a seed), so failures replay. */
export function seededRandom (seed: string): RandomSource {
  let counter = 0
  return (length: number) => {
    const out = new Uint8Array(length)
    let filled = 0
    while (filled < length) {
      const block = createHash('sha256').update(seed).update(String(counter++)).digest()
      out.set(block.subarray(0, Math.min(block.length, length - filled)), filled)
      filled += block.length
    }
    return out
  }
}

/** A clock the test moves by hand. */
export class ManualClock {
  constructor (public now = 1_700_000_000_000) {}
  readonly read = (): number => this.now
  advance (ms: number): void { this.now += ms }
}

export interface Pair {
  alice: SessionState
  bob: SessionState
  aliceId: IdentityKeyPair
  bobId: IdentityKeyPair
  store: InMemoryPreKeyStore
}

/**
 * Alice and Bob with a session: X3DH with a one-time prekey, Alice's initial
 * message, and (unless `confirmed` is false) Bob's reply decrypted by Alice.
 */
export async function establish (options: { confirmed?: boolean, random?: RandomSource, clock?: () => number } = {}): Promise<Pair> {
  const random = options.random
  const aliceId = generateIdentityKeyPair(random)
  const bobId = generateIdentityKeyPair(random)
  const store = new InMemoryPreKeyStore(createPreKeyState(bobId, { oneTimePreKeys: 2, random, clock: options.clock }))
  const bundle = createPreKeyBundle(store.state, bobId.publicKey, store.state.oneTimePreKeys[0]?.id)
  let alice = initiateSession({ identity: aliceId, username: 'alice', peerUsername: 'bob', bundle, random })
  const first = encryptMessage(alice, utf8('hello bob'), { clock: options.clock })
  alice = first.session
  const responded = await respondToSession({ identity: bobId, username: 'bob', store, message: first.message, random, clock: options.clock })
  let bob = responded.session
  if (options.confirmed !== false) {
    const reply = encryptMessage(bob, utf8('hello alice'), { clock: options.clock })
    bob = reply.session
    alice = decryptMessage(alice, reply.message, { random, clock: options.clock }).session
  }
  return { alice, bob, aliceId, bobId, store }
}
