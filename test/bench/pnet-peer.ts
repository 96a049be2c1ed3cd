/**
 * One end of pnet.bench.ts's stream measurement, as its own process: a
 * libp2p node on lanchat's stack (TCP, noise, yamux) on 127.0.0.1, mDNS off,
 * whose connection protector is @libp2p/pnet's (`libp2p-pnet`), lanchat's
 * (`lanchat`) or none (`none`, the floor).
 *
 *   pnet-peer.js receiver <protector>
 *     prints its address, counts the bytes of each stream on SINK_PROTOCOL
 *     and answers with the count (and the CPU time it spent) when the sender
 *     closes; exits when stdin closes.
 *   pnet-peer.js sender <protector> <address> <bytes> [<warm-up bytes>]
 *     pushes <warm-up bytes> on a first stream, untimed, then <bytes> on a
 *     second, in 64 KiB writes, waits for the count, prints
 *     {"bytes":…,"seconds":…,"senderCpu":…,"receiverCpu":…} (wall time from
 *     the first write to the answer, CPU seconds of each process), or
 *     {"failed":…,"sent":…} if the stream broke, and exits.
 */
import { createHash } from 'node:crypto'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { preSharedKey as libp2pPreSharedKey } from '@libp2p/pnet'
import { tcp } from '@libp2p/tcp'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { formatSwarmKey } from '../../src/net/index.js'
import { preSharedKey } from '../../src/net/pnet/index.js'
import type { ConnectionProtector, Stream } from '@libp2p/interface'

const SINK_PROTOCOL = '/lanchat-bench/sink/1.0.0'
export type ProtectorName = 'libp2p-pnet' | 'lanchat' | 'none'
const WRITE_SIZE = 64 * 1024

const psk = formatSwarmKey(createHash('sha256').update('lanchat pnet bench').digest())

function protector (name: string): (() => ConnectionProtector) | undefined {
  if (name === 'libp2p-pnet') return libp2pPreSharedKey({ psk })
  if (name === 'lanchat') return preSharedKey({ psk })
  if (name === 'none') return undefined
  throw new Error(`unknown protector ${name} (libp2p-pnet, lanchat, none)`)
}

async function startNode (name: string): Promise<Awaited<ReturnType<typeof createLibp2p>>> {
  return await createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionProtector: protector(name),
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()]
  })
}

/** CPU seconds (user + system, all threads) this process has used since `since`. */
function cpuSeconds (since?: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since)
  return (used.user + used.system) / 1e6
}

/** Counts a stream's bytes, then answers "<bytes> <CPU seconds this process spent meanwhile>". */
async function count (stream: Stream): Promise<void> {
  const cpu = process.cpuUsage()
  let bytes = 0
  for await (const chunk of stream) bytes += chunk.byteLength
  stream.send(new TextEncoder().encode(`${bytes} ${cpuSeconds(cpu)}`))
  await stream.close()
}

/** Pushes `total` bytes in WRITE_SIZE writes, closes, and returns the receiver's answer. */
async function push (stream: Stream, total: number): Promise<{ bytes: number, cpu: number }> {
  const chunk = new Uint8Array(WRITE_SIZE).fill(0x5a)
  const answer = (async () => {
    let text = ''
    for await (const part of stream) text += new TextDecoder().decode(part instanceof Uint8Array ? part : part.subarray())
    const [bytes = NaN, cpu = NaN] = text.split(' ').map(Number)
    return { bytes, cpu }
  })()
  answer.catch(() => {})
  for (let sent = 0; sent < total; sent += WRITE_SIZE) {
    if (!stream.send(chunk.subarray(0, Math.min(WRITE_SIZE, total - sent)))) await stream.onDrain()
  }
  await stream.close()
  const received = await answer
  if (received.bytes !== total) throw new Error(`the receiver counted ${received.bytes} bytes of ${total}`)
  return received
}

const [role, name = 'lanchat', address, size, warmUp] = process.argv.slice(2)
if (role === 'receiver') {
  const node = await startNode(name)
  await node.handle(SINK_PROTOCOL, async stream => { await count(stream) })
  process.stdout.write(`${node.getMultiaddrs()[0]?.toString() ?? ''}\n`)
  process.stdin.resume()
  process.stdin.on('end', () => { void Promise.resolve(node.stop()).then(() => process.exit(0)) })
} else if (role === 'sender' && address !== undefined && size !== undefined) {
  const node = await startNode(name)
  const connection = await node.dial(multiaddr(address))
  // A first, untimed stream has the JIT compile the path: a fresh process
  // runs its first MiBs far slower.
  if (Number(warmUp ?? 0) > 0) await push(await connection.newStream(SINK_PROTOCOL), Number(warmUp))
  const total = Number(size)
  const t0 = performance.now()
  const cpu = process.cpuUsage()
  const stream = await connection.newStream(SINK_PROTOCOL)
  try {
    const received = await push(stream, total)
    const seconds = (performance.now() - t0) / 1000
    process.stdout.write(JSON.stringify({ bytes: total, seconds, senderCpu: cpuSeconds(cpu), receiverCpu: received.cpu }) + '\n')
  } catch (err) {
    // The cause (e.g. the WASM cipher's RangeError) is logged on stderr by the connection that aborted.
    process.stdout.write(JSON.stringify({ failed: err instanceof Error ? err.message : String(err) }) + '\n')
  }
  await node.stop()
  process.exit(0)
} else {
  throw new Error('usage: pnet-peer.js receiver <protector> | sender <protector> <address> <bytes> [<warm-up bytes>]')
}
