/**
 * The lanchat node: the one place that wires store, network, roles and chat
 * together, and the one API both front ends (TUI and headless) drive.
 */
import { TypedEventEmitter } from 'main-event'
import { openStore } from '../store/index.js'
import { createLogger } from './logger.js'
import { deriveNetworkKeys, Network } from './net/index.js'
import { RoleRegistry } from './roles/index.js'
import type { Store } from '../store/index.js'
import type { DialState, NetworkKeys, PeerIdStr } from './net/index.js'
import type { DropReason, Role, RolesView, ViewNode } from './roles/index.js'

export type { Role }

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
  /** Roles this node may be elected to (`--eligible`; empty with `--no-roles`) */
  eligibleRoles: Role[]
}

export interface NodeStatus {
  peerId: PeerIdStr
  addrs: string[]
  peers: PeerIdStr[]
  /** The `--peer` and discovered peers being kept connected, with their failures */
  dialing: DialState[]
  dataDir: string
  networkId: string
  roles: { pinned: Role[], eligible: Role[], serving: Role[] }
}

export interface NodeEvents {
  'peer:connected': CustomEvent<{ peerId: PeerIdStr }>
  'peer:disconnected': CustomEvent<{ peerId: PeerIdStr }>
  'role:changed': CustomEvent<{ role: Role, peerId: PeerIdStr | null }>
}

export class LanchatNode extends TypedEventEmitter<NodeEvents> {
  readonly init: NodeInit
  readonly store: Store
  readonly keys: NetworkKeys
  readonly network: Network
  private registry?: RoleRegistry
  private readonly log = createLogger('node')
  private stopping?: Promise<void>

  private constructor (init: NodeInit, store: Store, keys: NetworkKeys) {
    super()
    this.init = init
    this.store = store
    this.keys = keys
    this.network = new Network({ store }, { keys, listen: init.listen, peers: init.peers, mdns: init.mdns })
    this.network.addEventListener('peer:connected', evt => {
      this.dispatchEvent(new CustomEvent('peer:connected', { detail: { peerId: evt.detail } }))
    })
    this.network.addEventListener('peer:disconnected', evt => {
      this.dispatchEvent(new CustomEvent('peer:disconnected', { detail: { peerId: evt.detail } }))
    })
  }

  /**
   * Opens the store (refused if another process holds it), derives the
   * network keys from the passphrase, joins the network and the registry.
   */
  static async start (init: NodeInit): Promise<LanchatNode> {
    const keysPromise = deriveNetworkKeys(init.passphrase, init.networkName)
    // Settle the derivation even if opening the store fails first, so its rejection is never unhandled.
    keysPromise.catch(() => {})
    const store = await openStore(init.dataDir)
    let node: LanchatNode | undefined
    try {
      node = new LanchatNode(init, store, await keysPromise)
      await node.startServices()
      return node
    } catch (err) {
      await node?.stop().catch(() => {})
      await store.close()
      throw err
    }
  }

  private async startServices (): Promise<void> {
    const { network, keys } = this
    await network.start()
    const registry = new RoleRegistry({
      libp2p: network.libp2p,
      store: this.store,
      nodeKey: network.privateKey,
      registryKey: keys.registryKey,
      networkId: keys.networkId,
      learnPeer: (peerId, addrs) => { network.learnPeer(peerId, addrs) }
    }, { pinned: this.init.pinnedRoles, eligible: this.init.eligibleRoles })
    registry.addEventListener('role:changed', evt => {
      this.dispatchEvent(new CustomEvent('role:changed', { detail: evt.detail }))
    })
    this.registry = registry
    await registry.start()
    this.log('started %s on %s', network.peerId, network.addresses().join(' '))
  }

  private get roles (): RoleRegistry {
    if (this.registry === undefined) throw new Error('the node is not started')
    return this.registry
  }

  status (): NodeStatus {
    return {
      peerId: this.network.peerId,
      addrs: this.network.addresses(),
      peers: this.network.connectedPeers(),
      dialing: this.network.dialState(),
      dataDir: this.init.dataDir,
      networkId: this.keys.networkId,
      roles: {
        pinned: this.init.pinnedRoles,
        eligible: this.init.eligibleRoles,
        serving: (['relay', 'idp', 'kacls'] as const).filter(r => this.roles.serves(r))
      }
    }
  }

  peers (): PeerIdStr[] {
    return this.network.connectedPeers()
  }

  /** Who holds relay, idp and kacls, and what is wrong with that (lost separation of duties, pin conflicts). */
  roleHolders (): RolesView {
    return this.roles.roles()
  }

  /** The registry's view: every node known, and announcements dropped by reason. */
  registryView (): { nodes: ViewNode[], dropped: Record<DropReason, number> } {
    return this.roles.nodes()
  }

  /** Leaves the network and closes the store. Idempotent. */
  async stop (): Promise<void> {
    this.stopping ??= (async () => {
      try {
        await this.registry?.stop()
        await this.network.stop()
      } finally {
        await this.store.close()
      }
      this.log('stopped')
    })()
    return this.stopping
  }
}
