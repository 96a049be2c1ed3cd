/**
 * The replication a service keeps its records in: the node's, or, for a
 * service made without one (unit tests, tools), a standalone one over the
 * service's store, shared by every service over that store.
 */
import { hkdf } from '../crypto/index.js'
import { Replication } from '../replication/index.js'
import type { ServiceComponents } from './rpc.js'
import type { Store } from '../../store/index.js'

const standalone = new WeakMap<Store, Replication>()

export function replicationOf (components: Pick<ServiceComponents, 'replication' | 'store' | 'keys' | 'clock'>): Replication {
  if (components.replication !== undefined) return components.replication
  let r = standalone.get(components.store)
  if (r === undefined) {
    // Keys made for a test may lack the at-rest key: the records are then sealed under one derived from the network id.
    const atRestKey = components.keys.atRestKey ?? hkdf(new TextEncoder().encode(components.keys.networkId ?? 'lanchat'), new Uint8Array(0), new TextEncoder().encode('lanchat/standalone'), 32)
    r = new Replication({ store: components.store, atRestKey, clock: components.clock })
    standalone.set(components.store, r)
  }
  return r
}
