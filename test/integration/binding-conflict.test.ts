import { afterEach, describe, expect, it } from 'vitest'
import { startCluster } from '../helpers/cluster.js'
import type { Cluster } from '../helpers/cluster.js'
import type { BindingConflict } from '../../src/directory/index.js'

const binding = (identityKey: string, registeredAt: number): BindingConflict['kept'] => ({ username: 'erin', identityKey, registeredAt, signature: '' })

describe('a node told by its directory of a name bound twice', () => {
  let cluster: Cluster | undefined
  afterEach(async () => { await cluster?.stop() })

  it('keeps running when nobody is logged in on it (a role node after a partition heals)', async () => {
    // After a heal, every node's directory finds the name registered on both sides. A node with no session (a node
    // that only holds roles, or whose user has not logged in since a restart) threw LOGIN_REQUIRED from its
    // listener, which ended the process.
    cluster = await startCluster([{ name: 'roles', roles: ['relay', 'idp', 'kacls'] }])
    const node = cluster.get('roles')
    expect(node.user.whoami().loggedIn).toBe(false)
    const thrown: unknown[] = []
    const onUncaught = (err: unknown): void => { thrown.push(err) }
    process.on('uncaughtException', onUncaught)
    try {
      node.bindings.dispatchEvent(new CustomEvent('binding:conflict', { detail: { username: 'erin', kept: binding('aa', 1), other: binding('bb', 2) } }))
      await new Promise(resolve => setImmediate(resolve))
    } finally {
      process.off('uncaughtException', onUncaught)
    }
    expect(thrown).toEqual([])
  })
})
