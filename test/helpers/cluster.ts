/**
 * Several real lanchat nodes in this process, on 127.0.0.1 with mDNS off,
 * joined by --peer: for tests that drive the node API directly.
 */
import { LanchatNode } from '../../src/node.js'
import { tempDir, TEST_PASSPHRASE } from './headless-node.js'
import type { Role } from '../../src/roles/index.js'

export interface NodeSpec {
  name: string
  /** Pinned roles */
  roles?: Role[]
  /** Roles it may be elected to (default: none, so tests decide who holds what) */
  eligible?: Role[]
  /** Reuse a data directory (restarts) */
  dataDir?: string
}

export interface Cluster {
  nodes: Map<string, LanchatNode>
  get: (name: string) => LanchatNode
  /** Starts (or restarts) a node into the cluster */
  add: (spec: NodeSpec) => Promise<LanchatNode>
  /** Stops one node (keeping its data directory for a restart) */
  remove: (name: string) => Promise<string>
  stop: () => Promise<void>
}

const ROLES: Role[] = ['relay', 'idp', 'kacls']

/** Waits until every node computes the same holder for every role and each holder serves it. */
export async function rolesSettled (nodes: LanchatNode[], timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const views = nodes.map(n => ROLES.map(r => n.roles.holderOf(r)))
    const agreed = views.every(v => JSON.stringify(v) === JSON.stringify(views[0]))
    const served = ROLES.every(r => {
      const holder = nodes.find(n => n.network.peerId === views[0]?.[ROLES.indexOf(r)])
      return holder === undefined || holder.roles.serves(r)
    })
    if (agreed && served) return
    if (Date.now() > deadline) throw new Error(`roles not settled in ${timeoutMs} ms: ${JSON.stringify(views)}`)
    await new Promise(resolve => setTimeout(resolve, 50))
  }
}

export async function startCluster (specs: NodeSpec[]): Promise<Cluster> {
  const nodes = new Map<string, LanchatNode>()
  const dirs = new Map<string, string>()
  let first: string | undefined

  const add = async (spec: NodeSpec): Promise<LanchatNode> => {
    const dataDir = spec.dataDir ?? dirs.get(spec.name) ?? await tempDir(`lanchat-${spec.name}-`)
    dirs.set(spec.name, dataDir)
    const peers = [...nodes.values()].slice(0, 1).map(n => n.network.addresses().find(a => a.includes('/ip4/127.0.0.1/'))!)
    const node = await LanchatNode.start({
      dataDir,
      passphrase: TEST_PASSPHRASE,
      listen: ['/ip4/127.0.0.1/tcp/0'],
      peers: first === undefined ? [] : peers,
      mdns: false,
      pinnedRoles: spec.roles ?? [],
      eligibleRoles: spec.eligible ?? []
    })
    first ??= spec.name
    nodes.set(spec.name, node)
    if (nodes.size > 1) await rolesSettled([...nodes.values()])
    return node
  }

  try {
    for (const spec of specs) await add(spec)
  } catch (err) {
    await Promise.all([...nodes.values()].map(n => n.stop()))
    throw err
  }

  return {
    nodes,
    get: name => {
      const n = nodes.get(name)
      if (n === undefined) throw new Error(`no node ${name}`)
      return n
    },
    add,
    remove: async name => {
      const n = nodes.get(name)
      nodes.delete(name)
      await n?.stop()
      return dirs.get(name) ?? ''
    },
    stop: async () => {
      await Promise.all([...nodes.values()].map(n => n.stop()))
      nodes.clear()
    }
  }
}
