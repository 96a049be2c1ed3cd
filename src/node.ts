/**
 * The lanchat node: the one place that wires store, network, roles and chat
 * together, and the one API both front ends (TUI and headless) drive.
 */
import { TypedEventEmitter } from 'main-event'
import { openStore } from '../store/index.js'
import { createLogger } from './logger.js'
import { deriveNetworkKeys, Network } from './net/index.js'
import type { Store } from '../store/index.js'
import type { DialState, NetworkKeys, PeerIdStr } from './net/index.js'

export type Role = 'relay' | 'idp' | 'kacls'
export const ROLES: readonly Role[] = ['relay', 'idp', 'kacls']

export interface NodeInit {
  /** Where the store and keys live */
  dataDir: string
  /** The network passphrase; only its derived keys are kept, in memory */
  passphrase: string
  /** Network name; nodes with another name are another network */
  networkName?: string
  listen: string[]
  peers: string[]
  mdns: boolean
  /** Roles pinned to this node by `--role` */
  pinnedRoles: Role[]
  /** `--no-roles`: a pure client that is never elected */
  noRoles: boolean
}

export interface NodeStatus {
  peerId: PeerIdStr
  addrs: string[]
  peers: PeerIdStr[]
  /** The `--peer` and discovered peers being kept connected, with their failures */
  dialing: DialState[]
  dataDir: string
  networkId: string
  roles: { pinned: Role[], noRoles: boolean }
}

export interface NodeEvents {
  'peer:connected': CustomEvent<{ peerId: PeerIdStr }>
  'peer:disconnected': CustomEvent<{ peerId: PeerIdStr }>
}

export class LanchatNode extends TypedEventEmitter<NodeEvents> {
  readonly init: NodeInit
  readonly store: Store
  readonly keys: NetworkKeys
  readonly network: Network
  private readonly log = createLogger('node')
  private stopping?: Promise<void>

  private constructor (init: NodeInit, store: Store, keys: NetworkKeys) {
    super()
    this.init = init
    this.store = store
    this.keys = keys
    this.network = new Network({ store }, {
      keys,
      listen: init.listen,
      peers: init.peers,
      mdns: init.mdns
    })
    this.network.addEventListener('peer:connected', evt => {
      this.dispatchEvent(new CustomEvent('peer:connected', { detail: { peerId: evt.detail } }))
    })
    this.network.addEventListener('peer:disconnected', evt => {
      this.dispatchEvent(new CustomEvent('peer:disconnected', { detail: { peerId: evt.detail } }))
    })
  }

  /**
   * Opens the store (refused if another process holds it), derives the
   * network keys from the passphrase, and joins the network.
   */
  static async start (init: NodeInit): Promise<LanchatNode> {
    const keysPromise = deriveNetworkKeys(init.passphrase, init.networkName)
    // Settle the derivation even if opening the store fails first, so its rejection is never unhandled.
    keysPromise.catch(() => {})
    const store = await openStore(init.dataDir)
    let node: LanchatNode | undefined
    try {
      node = new LanchatNode(init, store, await keysPromise)
      await node.network.start()
      node.log('started %s on %s', node.network.peerId, node.network.addresses().join(' '))
      return node
    } catch (err) {
      if (node !== undefined) await node.network.stop().catch(() => {})
      await store.close()
      throw err
    }
  }

  status (): NodeStatus {
    return {
      peerId: this.network.peerId,
      addrs: this.network.addresses(),
      peers: this.network.connectedPeers(),
      dialing: this.network.dialState(),
      dataDir: this.init.dataDir,
      networkId: this.keys.networkId,
      roles: { pinned: this.init.pinnedRoles, noRoles: this.init.noRoles }
    }
  }

  peers (): PeerIdStr[] {
    return this.network.connectedPeers()
  }

  /** Leaves the network and closes the store. Idempotent. */
  async stop (): Promise<void> {
    this.stopping ??= (async () => {
      try {
        await this.network.stop()
      } finally {
        await this.store.close()
      }
      this.log('stopped')
    })()
    return this.stopping
  }
}
