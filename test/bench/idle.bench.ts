/**
 * Idle traffic (issue 14, "Bounded cost"; docs/hardening.md "The scale
 * check"): NODES nodes in this process on 127.0.0.1, every one eligible for
 * every role (so each is a replica of each role), roles agreed and the
 * replicas in step, then IDLE_MS with nothing to do.
 * - idle_bytes_per_node_per_min: bytes every node wrote to its TCP sockets
 *   (noise frames: everything, registry, gossip control, replication,
 *   pings), per node and minute; a node receives about as much (in + out is
 *   twice this);
 * - idle_registry_share: the part of it that is registry announcements
 *   (gossipsub messages of the registry topic, before noise and yamux);
 * - idle_registry_vs_direct: those announcement bytes against the baseline
 *   of sending each announcement once, straight to each other node (no
 *   gossip): what the mesh's forwarding costs;
 * - idle_announcement_bytes: the mean size of an announcement (sealed).
 */
import net from 'node:net'
import { RPC } from '@libp2p/gossipsub/message'
import { rolesSettled, startCluster } from '../helpers/cluster.js'
import type { BenchResult } from './run.js'

const NODES = Number(process.env.IDLE_BENCH_NODES ?? 20)
const IDLE_MS = 30_000
/** After the roles settled: the replicas catch up, the registry's on-change announcements die down */
const QUIET_MS = 15_000

const log = (s: string): void => { process.stderr.write(`  idle: ${s}\n`) }
const round = (n: number): number => Math.round(n * 1000) / 1000

export async function run (): Promise<BenchResult> {
  let socketBytes = 0
  let registryBytes = 0
  const announcements = new Map<string, number>()
  let counting = false
  const write = net.Socket.prototype.write
  const encode = RPC.encode
  // Counted where every byte goes out: the sockets, and gossipsub's encoding of each RPC to each peer.
  net.Socket.prototype.write = function (this: net.Socket, chunk: unknown, ...rest: unknown[]): boolean {
    if (counting && chunk instanceof Uint8Array) socketBytes += chunk.length
    return (write as (...a: unknown[]) => boolean).call(this, chunk, ...rest)
  } as typeof write
  RPC.encode = ((rpc: RPC) => {
    if (counting) {
      for (const m of rpc.messages) {
        if (m.topic.endsWith('/registry/1') === false) continue
        registryBytes += RPC.Message.encode(m).length
        announcements.set(Buffer.from(m.data ?? []).toString('base64'), m.data?.length ?? 0)
      }
    }
    return encode(rpc)
  }) as typeof RPC.encode
  const cluster = await startCluster(Array.from({ length: NODES }, (_, i) => ({ name: `n${i}`, eligible: ['relay', 'idp', 'kacls'] })))
  try {
    await rolesSettled([...cluster.nodes.values()], 120_000)
    await new Promise(resolve => setTimeout(resolve, QUIET_MS))
    counting = true
    await new Promise(resolve => setTimeout(resolve, IDLE_MS))
    counting = false
  } finally {
    net.Socket.prototype.write = write
    RPC.encode = encode
    await cluster.stop()
  }
  const perNodeMin = (bytes: number): number => bytes / NODES / (IDLE_MS / 60_000)
  const sizes = [...announcements.values()]
  const direct = sizes.reduce((a, b) => a + b, 0) * (NODES - 1)
  const result = {
    idle_nodes: NODES,
    idle_bytes_per_node_per_min: Math.round(perNodeMin(socketBytes)),
    idle_registry_share: round(registryBytes / socketBytes),
    idle_registry_vs_direct: round(registryBytes / direct),
    idle_announcement_bytes: Math.round(sizes.reduce((a, b) => a + b, 0) / sizes.length)
  }
  log(`${NODES} nodes, ${IDLE_MS / 1000} s idle: ${(result.idle_bytes_per_node_per_min / 2 ** 20).toFixed(2)} MiB/min written per node, ` +
    `${Math.round(result.idle_registry_share * 100)} % of it announcements (${sizes.length} announcements of ${result.idle_announcement_bytes} bytes on average), ` +
    `${result.idle_registry_vs_direct}x the bytes of sending each straight to every other node`)
  return result
}
