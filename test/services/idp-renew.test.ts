import { decodeJwt } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateIdentityKeyPair, sign, transcript } from '../../src/crypto/index.js'
import { CHALLENGE, IDP, LOOKUP, RENEW, RENEW_LABEL } from '../../src/services/idp/spec.js'
import { startCluster } from '../helpers/cluster.js'
import { mintIdentityToken } from '../helpers/tokens.js'
import type { IdentityKeyPair } from '../../src/crypto/index.js'
import type { LanchatNode } from '../../src/node.js'
import type { Cluster } from '../helpers/cluster.js'

const PASSWORD = 'correct-horse-staple'
const code = (err: unknown): string | undefined => (err as { code?: string }).code

/**
 * A token from an idp holder this node's election never saw hold the role
 * (the other side of a partition, healed since): services refuse it, but the
 * idp renews it on the identity key's proofs, so its user is not cut off
 * until the password is typed again (issue 14, partitions).
 */
describe('renewing a token issued on the other side of a partition', () => {
  let cluster: Cluster
  let idp: LanchatNode
  let spare: LanchatNode
  let alice: LanchatNode

  beforeAll(async () => {
    cluster = await startCluster([
      { name: 'relay', roles: ['relay'] }, { name: 'idp', roles: ['idp'] }, { name: 'kacls', roles: ['kacls'] },
      // Eligible for idp, never its holder here (idp is pinned): it announces an idp key, as the other side's holder did.
      { name: 'spare', eligible: ['idp'] },
      { name: 'alice' }
    ])
    idp = cluster.get('idp')
    spare = cluster.get('spare')
    alice = cluster.get('alice')
    await alice.register('alice', PASSWORD)
    await alice.login('alice', PASSWORD)
  })
  afterAll(async () => { await cluster?.stop() })

  /** A token for alice as spare would give it, with the idp key it announces. */
  const spareToken = async (): Promise<string> => mintIdentityToken(spare, alice)
  /** A renewal with `token`, the challenge signed by `by` (alice's identity key unless told). */
  const renew = async (token: string, by: IdentityKeyPair = alice.user.identity()): Promise<unknown> => {
    const { challenge } = await alice.rpc.call(IDP, CHALLENGE, { username: 'alice' })
    const signature = sign(by, transcript(RENEW_LABEL, alice.keys.networkId, 'alice', alice.network.peerId, challenge))
    return alice.rpc.call(IDP, RENEW, { challenge, signature }, { identityToken: token }).catch((e: unknown) => e)
  }

  it('is refused by services, and renewed by the idp into a token of its own', async () => {
    const token = await spareToken()
    expect(code(await alice.rpc.call(IDP, LOOKUP, { username: 'alice' }, { identityToken: token }).catch((e: unknown) => e))).toBe('TOKEN_UNKNOWN_ISSUER')
    const renewed = await renew(token) as { token: string }
    expect(decodeJwt(renewed.token)).toMatchObject({ iss: idp.network.peerId, sub: 'alice', peer: alice.network.peerId })
    expect(await alice.rpc.call(IDP, LOOKUP, { username: 'alice' }, { identityToken: renewed.token })).toMatchObject({ username: 'alice' })
  })

  it('still needs the identity key\'s signature, a token that verifies under an announced idp key, and an issuer that announces one', async () => {
    expect(code(await renew(await spareToken(), generateIdentityKeyPair()))).toBe('BAD_SIGNATURE')
    // Signed by a key no node announces for the idp role, under spare's name.
    expect(code(await renew(await mintIdentityToken(spare, alice, { signer: generateIdentityKeyPair() })))).toBe('TOKEN_BAD_SIGNATURE')
    // An issuer no node knows.
    expect(code(await renew(await mintIdentityToken(cluster.get('relay'), alice, { signer: generateIdentityKeyPair() })))).toBe('TOKEN_UNKNOWN_ISSUER')
  })
})
