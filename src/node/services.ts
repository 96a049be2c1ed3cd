/**
 * The node's services, started with it on the running network: the role
 * registry, calls to the role holders (rpc), the directory of bindings and
 * the token checks, the replication of role state, the idp, KACLS and relay
 * services, the file server, and the account. Started in that order, stopped
 * in reverse; what started before a failure is stopped all the same.
 */
import { hostname } from 'node:os'
import { Account } from '../account/index.js'
import { toHex } from '../crypto/index.js'
import { Bindings } from '../directory/index.js'
import { createFileServer } from '../files/index.js'
import { createLogger } from '../logger.js'
import { Replication } from '../replication/index.js'
import { RoleRegistry } from '../roles/index.js'
import { IdpService, KaclsService, RelayService, Rpc, TokenVerifier } from '../services/index.js'
import type { FileServer } from '../files/index.js'
import type { Network, NetworkKeys } from '../net/index.js'
import type { NodeInit } from './types.js'
import type { Store } from '../../store/index.js'

export interface NodeServicesComponents {
  store: Store
  keys: NetworkKeys
  network: Network
  /** Where the node's events go (role:changed, login:required, identity:conflict): the node itself */
  events: EventTarget
  /** The relay role moved: the user's files are told */
  relayChanged: () => void
}

export class NodeServices {
  private registry?: RoleRegistry
  private replicationService?: Replication
  private rpcClient?: Rpc
  private bindingsService?: Bindings
  private verifierService?: TokenVerifier
  private kaclsService?: KaclsService
  private relayService?: RelayService
  /** Serves /lanchat/file/1.0.0: the user's files, and the relay's chunk store */
  private fileServerService?: FileServer
  private account?: Account
  private readonly log = createLogger('node')

  constructor (private readonly components: NodeServicesComponents, private readonly init: Pick<NodeInit, 'hostName' | 'pinnedRoles' | 'eligibleRoles'>) {}

  async start (): Promise<void> {
    const { network, keys, store, events } = this.components
    const registry = new RoleRegistry({
      libp2p: network.libp2p,
      store,
      nodeKey: network.privateKey,
      registryKey: keys.registryKey,
      networkId: keys.networkId,
      learnPeer: (peerId, addrs) => { network.learnPeer(peerId, addrs) },
      hostName: this.init.hostName ?? hostname(),
      user: () => {
        const me = this.account?.whoami()
        return me?.loggedIn === true ? me.username ?? undefined : undefined
      },
      replicas: () => this.replicationService?.reports() ?? {}
    }, { pinned: this.init.pinnedRoles, eligible: this.init.eligibleRoles })
    registry.addEventListener('role:changed', evt => {
      if (evt.detail.role === 'relay') this.components.relayChanged()
      // A new idp holder: the logged-in user's token is renewed there, so the tokens in use come from the
      // holder of now (a node that joined since knows no earlier holder, and honours only its tokens).
      if (evt.detail.role === 'idp' && evt.detail.peerId !== null && this.account?.whoami().loggedIn === true) void this.account.renew()
      events.dispatchEvent(new CustomEvent('role:changed', { detail: evt.detail }))
    })
    this.registry = registry
    await registry.start()

    // Requests with the logged-in user's token are signed with the user's identity key (proof of possession).
    const rpc = new Rpc({
      libp2p: network.libp2p,
      registry,
      networkId: keys.networkId,
      prover: () => this.account?.whoami().loggedIn === true ? this.account.identity() : undefined,
      // A holder answers its role's requests once it has synced with every live replica (docs/replication.md, "Failover").
      caughtUp: async role => await this.replicationService?.admit(role) ?? false
    })
    this.rpcClient = rpc
    const bindings = new Bindings({ store, rpc, networkId: keys.networkId })
    // whoami, not `username`: that throws LOGIN_REQUIRED on a node nobody is logged in on, and a listener that throws ends the process.
    bindings.addEventListener('binding:conflict', evt => { if (evt.detail.username === this.account?.whoami().username) this.checkOwnBinding() })
    await bindings.start()
    this.bindingsService = bindings
    const verifier = new TokenVerifier({ registry, bindings, networkId: keys.networkId })
    this.verifierService = verifier
    // Role state is replicated to every live node eligible for the role; the services define their docs, then it loads them.
    const replication = new Replication({ store, atRestKey: keys.atRestKey, libp2p: network.libp2p, peers: registry })
    this.replicationService = replication
    const components = { rpc, registry, store, verifier, keys, replication }
    const idp = new IdpService(components)
    this.kaclsService = new KaclsService(components)
    this.relayService = new RelayService({ ...components, libp2p: network.libp2p })
    this.fileServerService = createFileServer({ libp2p: network.libp2p, registry, verifier, store, networkId: keys.networkId, replication })
    await replication.start()
    registry.refresh()
    await idp.start()
    await this.kaclsService.start()
    await this.relayService.start()
    await this.fileServerService.start()

    const account = new Account({ rpc, store, networkId: keys.networkId, peerId: network.peerId })
    account.addEventListener('login:required', evt => { events.dispatchEvent(new CustomEvent('login:required', { detail: evt.detail })) })
    this.account = account
    await account.start()
  }

  /** The role registry. */
  get roles (): RoleRegistry {
    return started(this.registry)
  }

  /** The replication of role state. */
  get replication (): Replication {
    return started(this.replicationService)
  }

  /** Calls to the role holders' services. */
  get rpc (): Rpc {
    return started(this.rpcClient)
  }

  /** The directory of bindings (username -> identity key) this node keeps. */
  get bindings (): Bindings {
    return started(this.bindingsService)
  }

  /** Checks the tokens of the calls this node takes. */
  get verifier (): TokenVerifier {
    return started(this.verifierService)
  }

  get kacls (): KaclsService {
    return started(this.kaclsService)
  }

  get relay (): RelayService {
    return started(this.relayService)
  }

  get fileServer (): FileServer {
    return started(this.fileServerService)
  }

  /** This node's user account. */
  get user (): Account {
    return started(this.account)
  }

  /** Tells the user when the directory binds their name to another identity key (a name registered twice, or a lying idp). */
  checkOwnBinding (): void {
    const me = this.account?.whoami()
    if (me?.loggedIn !== true || me.username === null) return
    const bound = this.bindings.known(me.username)
    const yourKey = toHex(this.user.identity().publicKey)
    if (bound === undefined || bound.identityKey === yourKey) return
    this.log.error('the directory binds %s to another identity key', me.username)
    this.components.events.dispatchEvent(new CustomEvent('identity:conflict', {
      detail: {
        username: me.username,
        yourKey,
        boundKey: bound.identityKey,
        message: `the network's directory binds the name ${me.username} to another identity key than yours (registered earlier elsewhere): your contacts will see a key change. Register under a new name, or compare safety numbers with /verify to find out who holds it`
      }
    }))
  }

  /** Stops what started, in reverse. */
  async stop (): Promise<void> {
    this.account?.stop()
    this.bindingsService?.stop()
    await this.rpcClient?.stop()
    await this.kaclsService?.stop()
    await this.relayService?.stop()
    await this.fileServerService?.stop()
    await this.replicationService?.stop()
    await this.registry?.stop()
  }
}

function started<T> (service: T | undefined): T {
  if (service === undefined) throw new Error('the node is not started')
  return service
}
