/**
 * One-to-one chat benchmark: four lanchat nodes as separate processes on
 * loopback (idp+kacls, relay, alice, bob), driven through headless mode.
 *
 * - dm_latency_p50_ms / p99: from writing `send` to alice's stdin to reading
 *   bob's `message` event on its stdout, one message at a time;
 * - dm_throughput_msgs_per_s: messages sent as fast as alice takes them,
 *   counted when bob has every one and alice has every `delivered` (so
 *   stored by bob and acknowledged); sustained: measured after a warm-up
 *   burst has had the JIT compile the path (a cold first burst runs ~20 %
 *   slower); the median of three bursts, each listed in
 *   dm_throughput_each_burst;
 * - baseline_stream_rtt_p50_ms: a raw libp2p stream echo round trip between
 *   two processes over the same kind of connection (TCP, pnet, noise, yamux),
 *   measured in the same run;
 * - floor_pipe_rtt_p50_ms, floor_leveldb_batch_p50_ms: what a line through a
 *   process's stdin and back and a five-value LevelDB batch cost here, the
 *   pieces of the DM path below lanchat's own work;
 * - floor_dm_path_p50_ms: those pieces put together the way a message
 *   travels, with lanchat's own work taken out (floor-peer.ts): a line into
 *   one process, a LevelDB write, a frame to a second process over the same
 *   kind of connection, a LevelDB write there, a line out.
 */
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { lpStream } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import { openMemoryStore, openStore } from '../../store/index.js'
import type { BatchOp } from '../../store/index.js'
import { deriveNetworkKeys, Network } from '../../src/net/index.js'
import { HeadlessNode } from '../helpers/headless-node.js'
import { spawnUsers } from './users.js'

type BenchResult = Record<string, number | string | boolean>

const LATENCY_MESSAGES = 500
const THROUGHPUT_MESSAGES = 5_000
/** Bursts measured one after the other: the figure is their median (one burst swings ±20 % on a shared machine). */
const THROUGHPUT_BURSTS = 3
const WARM_UP_BURST = 3_000
const ECHO_ROUND_TRIPS = 2_000
const PASSWORD = 'benchmark-password'
const ECHO_PROTOCOL = '/lanchat-bench/echo/1.0.0'
const ECHO_PASSPHRASE = 'benchmark passphrase'

const log = (message: string): void => { process.stderr.write(`dm.bench: ${message}\n`) }

function percentile (sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN
}
const round = (n: number): number => Math.round(n * 1000) / 1000

async function baselineRtt (): Promise<number[]> {
  const peer = spawn(process.execPath, [join(dirname(fileURLToPath(import.meta.url)), 'echo-peer.js'), ECHO_PROTOCOL, ECHO_PASSPHRASE], { stdio: ['pipe', 'pipe', 'inherit'] })
  const [line] = await once(peer.stdout, 'data') as [Buffer]
  const addr = line.toString().trim()
  const network = new Network({ store: await openMemoryStore() }, { keys: await deriveNetworkKeys(ECHO_PASSPHRASE), listen: ['/ip4/127.0.0.1/tcp/0'], peers: [], mdns: false })
  await network.start()
  try {
    const stream = await network.libp2p.dialProtocol(multiaddr(addr), ECHO_PROTOCOL)
    const lp = lpStream(stream)
    const payload = new Uint8Array(200)
    const times: number[] = []
    for (let i = 0; i < ECHO_ROUND_TRIPS; i++) {
      const t0 = performance.now()
      await lp.write(payload)
      await lp.read()
      times.push(performance.now() - t0)
    }
    await stream.close()
    return times.slice(200).sort((a, b) => a - b)
  } finally {
    await network.stop()
    peer.stdin.end()
    await once(peer, 'exit')
  }
}

/**
 * `count` messages written to alice as fast as she takes them; done when bob
 * has every one and alice has every `delivered` (stored by bob, acknowledged).
 */
async function burst (alice: HeadlessNode, bob: HeadlessNode, count: number, label: string): Promise<{ seconds: number, inOrder: boolean }> {
  const bobSince = bob.mark()
  const aliceSince = alice.mark()
  const t0 = performance.now()
  for (let i = 0; i < count; i++) alice.write({ cmd: 'send', to: 'bob', text: `${label} ${i}` })
  // Counted as lines arrive (a predicate that rescanned every line would make the harness the bottleneck).
  let received = 0
  let delivered = 0
  const allReceived = bob.waitFor(l => l.event === 'message' && ++received >= count, 300_000, bobSince)
  const allDelivered = alice.waitFor(l => l.event === 'message:status' && l.status === 'delivered' && ++delivered >= count, 300_000, aliceSince)
  await Promise.all([allReceived, allDelivered])
  const seconds = (performance.now() - t0) / 1000
  const texts = bob.lines.slice(bobSince).filter(l => l.event === 'message').map(l => l.text)
  return { seconds, inOrder: texts.length === count && texts.every((t, i) => t === `${label} ${i}`) }
}

/**
 * What the path costs below lanchat's own work, for reading the latency: a
 * line through a child process's stdin and back, and a LevelDB batch of five
 * 300-byte values through store/ (a message's writes on one side).
 */
async function floors (): Promise<{ pipe: number[], batch: number[] }> {
  const child = spawn(process.execPath, ['-e', 'process.stdin.pipe(process.stdout)'], { stdio: ['pipe', 'pipe', 'inherit'] })
  const line = `${'x'.repeat(100)}\n`
  const pipe: number[] = []
  for (let i = 0; i < ECHO_ROUND_TRIPS; i++) {
    const t0 = performance.now()
    child.stdin.write(line)
    await once(child.stdout, 'data')
    pipe.push(performance.now() - t0)
  }
  child.stdin.end()
  await once(child, 'exit')
  const dir = await mkdtemp(join(tmpdir(), 'lanchat-bench-'))
  const store = await openStore(dir)
  const batch: number[] = []
  try {
    const kv = store.sublevel('chat', 'bytes')
    const value = new Uint8Array(300)
    for (let i = 0; i < ECHO_ROUND_TRIPS; i++) {
      const ops: BatchOp[] = Array.from({ length: 5 }, (_, j) => ({ type: 'put' as const, sublevel: kv, key: `bench/${i}/${j}`, value }))
      const t0 = performance.now()
      await store.batch(ops)
      batch.push(performance.now() - t0)
    }
  } finally {
    await store.close()
    await rm(dir, { recursive: true, force: true })
  }
  const sorted = (a: number[]): number[] => a.slice(200).sort((x, y) => x - y)
  return { pipe: sorted(pipe), batch: sorted(batch) }
}

/** The DM path with lanchat's own work taken out, timed like the latency test (floor-peer.ts). */
async function floorDmPath (): Promise<number[]> {
  const peer = join(dirname(fileURLToPath(import.meta.url)), 'floor-peer.js')
  const start = async (args: string[]): Promise<{ proc: ChildProcess, first: string }> => {
    const proc = spawn(process.execPath, [peer, ...args, ECHO_PASSPHRASE], { stdio: ['pipe', 'pipe', 'inherit'] })
    const [line] = await once(proc.stdout!, 'data') as [Buffer]
    return { proc, first: line.toString().trim() }
  }
  const receiver = await start(['receiver', ''])
  const sender = await start(['sender', receiver.first])
  try {
    const times: number[] = []
    for (let i = 0; i < LATENCY_MESSAGES + 200; i++) {
      const t0 = performance.now()
      sender.proc.stdin!.write(`${JSON.stringify({ cmd: 'send', to: 'bob', text: `floor ${i}` })}\n`)
      await once(receiver.proc.stdout!, 'data')
      times.push(performance.now() - t0)
    }
    return times.slice(200).sort((a, b) => a - b)
  } finally {
    for (const { proc } of [sender, receiver]) {
      proc.stdin!.end()
      await once(proc, 'exit')
    }
  }
}

export async function run (): Promise<BenchResult> {
  log('baseline: raw libp2p stream echo between two processes')
  const rtt = await baselineRtt()
  log('floors: a pipe round trip to a child process, a LevelDB batch')
  const floor = await floors()
  log('floor: the DM path without lanchat\'s own work, two processes')
  const floorPath = await floorDmPath()

  log('starting four node processes')
  const nodes: HeadlessNode[] = []
  try {
    const local = ['--no-mdns', '--listen', '/ip4/127.0.0.1/tcp/0']
    const idp = await HeadlessNode.spawn({ name: 'idp', args: [...local, '--role', 'idp,kacls'] })
    nodes.push(idp)
    const relay = await HeadlessNode.spawn({ name: 'relay', args: [...local, '--role', 'relay', '--peer', idp.addr()] })
    nodes.push(relay)
    const users = await spawnUsers(['alice', 'bob'], { args: local, peer: idp.addr(), password: PASSWORD, nodes })
    const [alice, bob] = users as [HeadlessNode, HeadlessNode]

    // Warm up: session set up, streams open, caches filled.
    for (let i = 0; i < 50; i++) {
      const { messageId } = await alice.call('send', { to: 'bob', text: `warm-up ${i}` })
      await bob.waitFor(l => l.event === 'message' && l.id === messageId, 30_000)
    }

    // ... and the burst path compiled by the JIT, so the figure below is the sustained rate, not a cold start.
    await burst(alice, bob, WARM_UP_BURST, 'warm-up')

    log(`latency: ${LATENCY_MESSAGES} messages one at a time`)
    const latency: number[] = []
    for (let i = 0; i < LATENCY_MESSAGES; i++) {
      const text = `latency ${i}`
      const since = bob.mark()
      const t0 = performance.now()
      alice.write({ cmd: 'send', to: 'bob', text })
      await bob.waitFor(l => l.event === 'message' && l.text === text, 30_000, since)
      latency.push(performance.now() - t0)
    }
    latency.sort((a, b) => a - b)

    log(`throughput: ${THROUGHPUT_BURSTS} bursts of ${THROUGHPUT_MESSAGES} messages as fast as possible`)
    const rates: number[] = []
    let inOrder = true
    for (let i = 0; i < THROUGHPUT_BURSTS; i++) {
      const run = await burst(alice, bob, THROUGHPUT_MESSAGES, `burst${i}`)
      rates.push(Math.round(THROUGHPUT_MESSAGES / run.seconds))
      inOrder &&= run.inOrder
    }

    const p50 = percentile(latency, 0.5)
    const base = percentile(rtt, 0.5)
    return {
      dm_processes: 'idp+kacls, relay, alice, bob: separate node processes, headless, loopback',
      dm_latency_messages: LATENCY_MESSAGES,
      dm_latency_p50_ms: round(p50),
      dm_latency_p99_ms: round(percentile(latency, 0.99)),
      dm_throughput_messages: THROUGHPUT_MESSAGES,
      dm_throughput_warm_up_messages: WARM_UP_BURST,
      dm_throughput_bursts: THROUGHPUT_BURSTS,
      dm_throughput_msgs_per_s: percentile([...rates].sort((a, b) => a - b), 0.5),
      dm_throughput_each_burst: rates.join(' '),
      dm_throughput_in_order: inOrder,
      baseline_stream_rtt_p50_ms: round(base),
      baseline_stream_rtt_p99_ms: round(percentile(rtt, 0.99)),
      dm_latency_p50_vs_baseline_rtt: round(p50 / base),
      floor_pipe_rtt_p50_ms: round(percentile(floor.pipe, 0.5)),
      floor_leveldb_batch_p50_ms: round(percentile(floor.batch, 0.5)),
      floor_dm_path_p50_ms: round(percentile(floorPath, 0.5)),
      floor_dm_path_vs_baseline_rtt: round(percentile(floorPath, 0.5) / base)
    }
  } finally {
    await Promise.all(nodes.map(n => n.kill()))
  }
}
