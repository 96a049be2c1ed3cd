/**
 * A kacls-eligible node that joins a lone KACLS holder: the holder seals it a
 * lockbox of every KEK the moment it is a replica in step, and reports it as
 * behind until the newcomer itself says it persisted them. So once the roles
 * view shows it in step, the holder's loss leaves the newcomer able to open
 * every key wrapped under any KEK version.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { issueAuthorizationToken, randomBytes } from '../../src/crypto/index.js'
import { roleSigner } from '../../src/services/keys.js'
import { KACLS, UNWRAP, WRAP } from '../../src/services/kacls/spec.js'
import { LanchatNode } from '../../src/node.js'
import { rolesSettled, startCluster } from '../helpers/cluster.js'
import { tempDir, TEST_PASSPHRASE } from '../helpers/headless-node.js'
import type { Cluster } from '../helpers/cluster.js'

const PASSWORD = 'correct-horse-staple'

describe('a kacls-eligible node that joins a lone holder', () => {
  let cluster: Cluster
  let relay: LanchatNode
  let alice: LanchatNode
  let p: LanchatNode | undefined

  beforeAll(async () => {
    cluster = await startCluster([{ name: 'relay', roles: ['relay'] }, { name: 'idp', roles: ['idp'] }, { name: 'k1', eligible: ['kacls'] }, { name: 'alice' }])
    relay = cluster.get('relay')
    alice = cluster.get('alice')
    await alice.register('alice', PASSWORD)
    await alice.login('alice', PASSWORD)
  }, 120_000)
  afterAll(async () => {
    await p?.stop()
    await cluster?.stop()
  })

  const authz = async (resource: string): Promise<string> => issueAuthorizationToken({
    issuer: relay.network.peerId,
    signer: roleSigner(relay.roles.roleKey('relay')!),
    holderKey: alice.user.identity().publicKey,
    subject: 'alice',
    audience: alice.keys.networkId,
    resource,
    role: 'reader'
  })
  const wrap = async (key: Uint8Array<ArrayBuffer>, resource: string): Promise<{ wrapped: Uint8Array<ArrayBuffer>, kekVersion: number }> =>
    alice.rpc.call(KACLS, WRAP, { key, resource, authorized: ['alice'], reason: '' }, { identityToken: alice.user.identityToken() })
  const unwrap = async (wrapped: Uint8Array<ArrayBuffer>, resource: string): Promise<{ key: Uint8Array, kekVersion: number }> =>
    alice.rpc.call(KACLS, UNWRAP, { wrapped, resource, reason: '' }, { identityToken: alice.user.identityToken(), authorizationToken: await authz(resource) })

  it('takes the role when the holder stops right after the newcomer is in step, and unwraps keys of every KEK version', async () => {
    const k1 = cluster.get('k1')
    expect(k1.roles.serves('kacls')).toBe(true)
    // Two KEK versions on k1 alone: the first wrap makes one, the rotation another.
    const old = new Uint8Array(randomBytes(32))
    const wrappedOld = await wrap(old, 'group/g/1')
    await k1.kacls.rotateKek()
    const fresh = new Uint8Array(randomBytes(32))
    const wrappedNew = await wrap(fresh, 'group/g/2')
    expect(wrappedNew.kekVersion).not.toBe(wrappedOld.kekVersion)
    expect(k1.kacls.status().kekVersions).toBe(2)

    // The newcomer starts; k1 is stopped the moment its roles view (its replicas of kacls) shows a replica in step,
    // which with nobody else eligible is the newcomer. That view counts what is owed to the newcomer (a lockbox of each
    // KEK) until the newcomer itself said it persisted it. Before, "in step" said nothing of the KEKs: they were
    // sealed on a 2 s timer, unacknowledged, and the newcomer took the role without them.
    const inStep = (async () => {
      for (const until = Date.now() + 60_000; Date.now() < until; await new Promise(resolve => setTimeout(resolve, 5))) {
        const report = k1.replication.reports().kacls?.find(r => r.synced && r.behind === 0)
        if (report !== undefined) return report.peerId
      }
      throw new Error('no replica of kacls ever in step on k1')
    })()
    const starting = LanchatNode.start({
      dataDir: await tempDir('lanchat-p-'),
      passphrase: TEST_PASSPHRASE,
      listen: ['/ip4/127.0.0.1/tcp/0'],
      peers: [relay.network.addresses().find(a => a.includes('/ip4/127.0.0.1/'))!],
      mdns: false,
      pinnedRoles: [],
      eligibleRoles: ['kacls']
    })
    const newcomer = await inStep
    await cluster.remove('k1')
    p = await starting
    expect(newcomer).toBe(p.network.peerId)

    // The others see k1 gone and elect p (rolesSettled alone would pass while all still name k1, which is not there).
    const nodes = [...cluster.nodes.values(), p]
    for (const until = Date.now() + 60_000; !(p.roles.serves('kacls') && nodes.every(n => n.roles.holderOf('kacls') === p!.network.peerId));) {
      if (Date.now() > until) throw new Error('p never took kacls over')
      await new Promise(resolve => setTimeout(resolve, 50))
    }
    await rolesSettled(nodes, 30_000)
    expect(await unwrap(wrappedOld.wrapped, 'group/g/1')).toMatchObject({ key: old, kekVersion: wrappedOld.kekVersion })
    expect(await unwrap(wrappedNew.wrapped, 'group/g/2')).toMatchObject({ key: fresh, kekVersion: wrappedNew.kekVersion })
    expect(p.kacls.status()).toMatchObject({ kekVersions: 2, keksNotHeld: 0 })
  }, 180_000)
})
