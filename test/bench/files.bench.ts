/**
 * Files benchmark (docs/files.md, "Figures"). MB = 10^6 bytes. Every node is
 * a lanchat process on 127.0.0.1 driven through headless mode (plus an
 * idp+kacls process and a relay process); no mDNS.
 *
 * - baseline_stream_mb_per_s: a raw libp2p stream with lanchat's transports
 *   (TCP, lanchat's pnet, noise, yamux) between two processes pushing
 *   FILE_BYTES in 64 KiB writes (pnet-peer.ts), in the same run; and
 *   baseline_stream_mb_per_cpu_s, the same bytes over the CPU seconds of both
 *   processes (less disturbed by other load on the machine). The baseline and
 *   the file take turns, ROUNDS times (FILES_BENCH_ROUNDS, default 3), and
 *   every figure is the median of the rounds (file_vs_baseline: of each
 *   round's ratio); the RSS growths are the largest of the rounds.
 * - file_throughput_mb_per_s: FILE_BYTES of random data sent by alice to bob
 *   (online, accepted on its own), from the reply to file.send (the offer is
 *   out; preparing it, file_prepare_s, is apart: the file read and sealed
 *   once) to bob's file:done (every chunk verified, written, the whole
 *   checked and named); file_mb_per_cpu_s over alice's and bob's CPU
 *   seconds meanwhile; file_vs_baseline (wall) and file_vs_baseline_cpu.
 * - file_sender_rss_growth_mb, file_receiver_rss_growth_mb: the largest RSS
 *   (VmRSS, sampled every 100 ms) of each process while the file moves,
 *   minus its RSS just before file.send.
 * - file_chunk_<size>_mb_per_s (and _mb_per_cpu_s): SWEEP_BYTES with each
 *   chunk size (a sender started with --file-chunk-size), the sizes taking
 *   turns over SWEEP_ROUNDS rounds, the median: how the default was chosen.
 * - file_one_to_one_s, file_group_fanout_s: GROUP_FILE_BYTES to one member
 *   (the mean of one transfer before the group's and one after), and to a
 *   group of GROUP_MEMBERS members (members fetch from each other as well
 *   as from the sender), from the send's reply to the last member's
 *   file:done; file_group_fanout_vs_n_times_one_to_one compares the group's
 *   time with GROUP_MEMBERS one-to-one transfers in a row. On one machine
 *   every member shares its cores: the group can at best match the
 *   transfers in a row; on a LAN each member brings its own CPU and link;
 *   file_group_cpu_vs_n_times_one_to_one compares the CPU seconds of the
 *   sender and every member with GROUP_MEMBERS times those of one transfer;
 *   file_group_sender_served_mb: what the sender uploaded of it all.
 * - files_loadavg: the machine's 1-minute load average before and after.
 *
 * FILES_BENCH_BYTES, FILES_BENCH_GROUP_BYTES, FILES_BENCH_MEMBERS,
 * FILES_BENCH_SWEEP_BYTES override the sizes; FILES_BENCH_SKIP (a comma
 * list of one, sweep, group) skips parts.
 */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createWriteStream } from 'node:fs'
import { readFile, rm } from 'node:fs/promises'
import { loadavg } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { randomBytes } from 'node:crypto'
import { HeadlessNode, tempDir } from '../helpers/headless-node.js'
import type { Line } from '../helpers/headless-node.js'

type BenchResult = Record<string, number | string | boolean>

const MiB = 1024 * 1024
const FILE_BYTES = Number(process.env.FILES_BENCH_BYTES ?? 1024 * MiB)
const SWEEP_BYTES = Number(process.env.FILES_BENCH_SWEEP_BYTES ?? 256 * MiB)
const SWEEP_SIZES = [64 * 1024, 256 * 1024, 1024 * 1024]
const SWEEP_ROUNDS = 2
const ROUNDS = Number(process.env.FILES_BENCH_ROUNDS ?? 3)
const GROUP_FILE_BYTES = Number(process.env.FILES_BENCH_GROUP_BYTES ?? 100_000_000)
const GROUP_MEMBERS = Number(process.env.FILES_BENCH_MEMBERS ?? 8)
const SKIP = new Set((process.env.FILES_BENCH_SKIP ?? '').split(',').filter(s => s !== ''))
const PASSWORD = 'benchmark-password'
const LOCAL = ['--no-mdns', '--listen', '/ip4/127.0.0.1/tcp/0']
/** Register, login, group.create: slow when the machine is loaded, never part of a figure. */
const CALL_MS = 180_000
const PEER_PATH = join(dirname(fileURLToPath(import.meta.url)), 'pnet-peer.js')

const log = (message: string): void => { process.stderr.write(`files.bench: ${message}\n`) }
const round = (n: number): number => Math.round(n * 10) / 10
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN

/** CPU seconds (user + system) a process has used, from /proc. */
async function cpuOf (pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) / 100
}

/** Resident memory of a process in MB, from /proc. */
async function rssOf (pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN) * 1024 / 1e6
}

/** A file of `bytes` random bytes, written 16 MiB at a time. */
async function randomFile (dir: string, name: string, bytes: number): Promise<string> {
  const path = join(dir, name)
  const out = createWriteStream(path)
  for (let left = bytes; left > 0; left -= 16 * MiB) {
    if (!out.write(randomBytes(Math.min(16 * MiB, left)))) await once(out, 'drain')
  }
  out.end()
  await once(out, 'finish')
  return path
}

/** The raw stream: pnet-peer.js receiver and sender with lanchat's protector; seconds, wall MB/s and MB per CPU second. */
async function baseline (bytes: number): Promise<{ seconds: number, wall: number, cpu: number }> {
  const receiver = spawn(process.execPath, [PEER_PATH, 'receiver', 'lanchat'], { stdio: ['pipe', 'pipe', 'inherit'] })
  try {
    const [line] = await once(receiver.stdout, 'data') as [Buffer]
    const sender = spawn(process.execPath, [PEER_PATH, 'sender', 'lanchat', line.toString().trim(), String(bytes), String(8 * MiB)], { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    sender.stdout.on('data', (d: Buffer) => { out += d.toString() })
    await once(sender, 'exit')
    const r = JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as { seconds?: number, senderCpu?: number, receiverCpu?: number, failed?: string }
    if (r.seconds === undefined) throw new Error(`the baseline stream failed: ${r.failed ?? out}`)
    return { seconds: r.seconds, wall: bytes / r.seconds / 1e6, cpu: bytes / ((r.senderCpu ?? NaN) + (r.receiverCpu ?? NaN)) / 1e6 }
  } finally {
    receiver.stdin.end()
    if (receiver.exitCode === null) await once(receiver, 'exit')
  }
}

interface Cluster {
  nodes: HeadlessNode[]
  idp: HeadlessNode
  user: (name: string, args?: string[]) => Promise<HeadlessNode>
}

async function cluster (): Promise<Cluster> {
  const nodes: HeadlessNode[] = []
  const idp = await HeadlessNode.spawn({ name: 'idp', args: [...LOCAL, '--role', 'idp,kacls'] })
  nodes.push(idp)
  nodes.push(await HeadlessNode.spawn({ name: 'relay', args: [...LOCAL, '--role', 'relay', '--peer', idp.addr()] }))
  return {
    nodes,
    idp,
    user: async (name, args = []) => {
      const node = await HeadlessNode.spawn({ name, args: [...LOCAL, '--no-roles', '--peer', idp.addr(), '--auto-accept', '100GB', ...args] })
      nodes.push(node)
      await node.untilReply('roles', r => r.relay !== null && r.idp !== null && r.kacls !== null, 60_000, 'role holders known')
      // On a loaded machine (the bench shares it) registering (scrypt, the idp's work) can take long.
      await node.call('register', { username: name, password: PASSWORD }, CALL_MS)
      await node.call('login', { username: name, password: PASSWORD }, CALL_MS)
      return node
    }
  }
}

async function online (node: HeadlessNode, users: string[]): Promise<void> {
  await node.untilReply('users', r => users.every(u => (r.users as Array<{ username: string, online: boolean }>).some(x => x.username === u && x.online)), 60_000, `${users.join(', ')} online`)
}

interface Transfer {
  prepare: number
  seconds: number
  senderCpu: number
  receiverCpu: number
  senderRss: number
  receiverRss: number
}

/** Sends `path` from `from` to `to` (a username), watching CPU and memory; done at the receiver's file:done. */
async function transfer (from: HeadlessNode, to: HeadlessNode, username: string, path: string): Promise<Transfer> {
  const pids = [from.proc.pid!, to.proc.pid!]
  const rss0 = await Promise.all(pids.map(rssOf))
  const peak = [...rss0]
  const sampler = setInterval(() => {
    void Promise.all(pids.map(rssOf)).then(now => { now.forEach((v, i) => { peak[i] = Math.max(peak[i]!, v) }) }, () => {})
  }, 100)
  try {
    const since = to.mark()
    const t0 = performance.now()
    const sent = await from.call('file.send', { to: username, path }, 600_000)
    const t1 = performance.now()
    const cpu0 = await Promise.all(pids.map(cpuOf))
    const done = await to.waitFor(l => (l.event === 'file:done' || l.event === 'file:failed') && l.id === sent.file, 1_800_000, since)
    const t2 = performance.now()
    if (done.event !== 'file:done') throw new Error(`the transfer failed: ${JSON.stringify(done)}`)
    const cpu1 = await Promise.all(pids.map(cpuOf))
    await rm(done.path as string, { force: true })
    return {
      prepare: (t1 - t0) / 1000,
      seconds: (t2 - t1) / 1000,
      senderCpu: cpu1[0]! - cpu0[0]!,
      receiverCpu: cpu1[1]! - cpu0[1]!,
      senderRss: peak[0]! - rss0[0]!,
      receiverRss: peak[1]! - rss0[1]!
    }
  } finally {
    clearInterval(sampler)
  }
}

async function oneToOne (dir: string): Promise<BenchResult> {
  const c = await cluster()
  try {
    const alice = await c.user('alice')
    const bob = await c.user('bob')
    await online(alice, ['bob'])
    log(`warm-up: ${32 * MiB} bytes alice -> bob`)
    await transfer(alice, bob, 'bob', await randomFile(dir, 'warm-up.bin', 32 * MiB))
    const big = await randomFile(dir, 'big.bin', FILE_BYTES)
    // The machine is shared: the baseline and the file take turns, and each figure is the median of the rounds.
    const rounds: Array<{ base: Awaited<ReturnType<typeof baseline>>, t: Transfer }> = []
    for (let r = 1; r <= ROUNDS; r++) {
      log(`round ${r} of ${ROUNDS}: the baseline stream, ${FILE_BYTES} bytes`)
      const base = await baseline(FILE_BYTES)
      log(`round ${r} of ${ROUNDS}: the file, ${FILE_BYTES} bytes alice -> bob`)
      const t = await transfer(alice, bob, 'bob', big)
      rounds.push({ base, t })
      log(`round ${r}: baseline ${round(base.wall)} MB/s (${round(base.cpu)} MB per CPU second), file ${round(FILE_BYTES / t.seconds / 1e6)} MB/s (${round(FILE_BYTES / (t.senderCpu + t.receiverCpu) / 1e6)}), RSS growth ${round(t.senderRss)} / ${round(t.receiverRss)} MB`)
    }
    const med = (f: (x: typeof rounds[number]) => number): number => median(rounds.map(f))
    const out: BenchResult = {
      file_bytes: FILE_BYTES,
      file_rounds: ROUNDS,
      baseline_stream_mb_per_s: round(med(x => x.base.wall)),
      baseline_stream_mb_per_cpu_s: round(med(x => x.base.cpu)),
      file_prepare_s: round(med(x => x.t.prepare)),
      file_transfer_s: round(med(x => x.t.seconds)),
      file_throughput_mb_per_s: round(med(x => FILE_BYTES / x.t.seconds / 1e6)),
      file_mb_per_cpu_s: round(med(x => FILE_BYTES / (x.t.senderCpu + x.t.receiverCpu) / 1e6)),
      file_vs_baseline: Math.round(med(x => x.base.seconds / x.t.seconds) * 100) / 100,
      file_vs_baseline_cpu: Math.round(med(x => (FILE_BYTES / (x.t.senderCpu + x.t.receiverCpu) / 1e6) / x.base.cpu) * 100) / 100,
      file_sender_cpu_s: round(med(x => x.t.senderCpu)),
      file_receiver_cpu_s: round(med(x => x.t.receiverCpu)),
      // Memory: the largest growth of any round.
      file_sender_rss_growth_mb: round(Math.max(...rounds.map(x => x.t.senderRss))),
      file_receiver_rss_growth_mb: round(Math.max(...rounds.map(x => x.t.receiverRss)))
    }
    for (const [k, v] of Object.entries(out)) log(`${k} = ${v}`)
    if (!SKIP.has('sweep')) await part(out, 'file_chunk_sweep', async () => {
      const sweep: BenchResult = {}
      const senders = new Map<number, HeadlessNode>()
      for (const size of SWEEP_SIZES) senders.set(size, await c.user(`sender${size / 1024}k`, ['--file-chunk-size', String(size)]))
      const sweepFile = await randomFile(dir, 'sweep.bin', SWEEP_BYTES)
      const runs = new Map<number, Array<{ wall: number, cpu: number }>>(SWEEP_SIZES.map(s => [s, []]))
      for (let r = 0; r < SWEEP_ROUNDS; r++) {
        for (const [size, sender] of senders) {
          await online(sender, ['bob'])
          const s = await transfer(sender, bob, 'bob', sweepFile)
          const run = { wall: SWEEP_BYTES / s.seconds / 1e6, cpu: SWEEP_BYTES / (s.senderCpu + s.receiverCpu) / 1e6 }
          runs.get(size)!.push(run)
          log(`chunk ${size / 1024} KiB, round ${r + 1}: ${round(run.wall)} MB/s, ${round(run.cpu)} MB per CPU second`)
        }
      }
      for (const [size, rs] of runs) {
        sweep[`file_chunk_${size / 1024}k_mb_per_s`] = round(median(rs.map(x => x.wall)))
        sweep[`file_chunk_${size / 1024}k_mb_per_cpu_s`] = round(median(rs.map(x => x.cpu)))
      }
      return sweep
    })
    return out
  } finally {
    await Promise.all(c.nodes.map(n => n.kill()))
  }
}

async function fanout (dir: string): Promise<BenchResult> {
  const c = await cluster()
  try {
    const sender = await c.user('sender')
    const names = Array.from({ length: GROUP_MEMBERS }, (_, i) => `member${i + 1}`)
    const members: HeadlessNode[] = []
    for (let i = 0; i < names.length; i += 2) members.push(...await Promise.all(names.slice(i, i + 2).map(async n => c.user(n))))
    await online(sender, names)
    const path = await randomFile(dir, 'group.bin', GROUP_FILE_BYTES)
    // One to one before and after the group (the machine's load changes meanwhile): their mean is the reference.
    log(`one to one: ${GROUP_FILE_BYTES} bytes sender -> member1`)
    const before = await transfer(sender, members[0]!, 'member1', path)
    const group = (await sender.call('group.create', { name: 'bench', members: names }, CALL_MS)).group as string
    await Promise.all(members.map(async m => m.waitFor(l => l.event === 'group:changed' && l.group === group, CALL_MS)))
    log(`fan-out: ${GROUP_FILE_BYTES} bytes to a group of ${GROUP_MEMBERS}`)
    const marks = members.map(m => m.mark())
    const sent = await sender.call('file.send', { group, path }, 600_000)
    const t1 = performance.now()
    const everyone = [sender, ...members].map(n => n.proc.pid!)
    const cpu0 = await Promise.all(everyone.map(cpuOf))
    await Promise.all(members.map(async (m, i) => {
      const done = await m.waitFor(l => (l.event === 'file:done' || l.event === 'file:failed') && l.id === sent.file, 1_800_000, marks[i])
      if (done.event !== 'file:done') throw new Error(`${m.name}: ${JSON.stringify(done)}`)
    }))
    const seconds = (performance.now() - t1) / 1000
    const groupCpu = (await Promise.all(everyone.map(cpuOf))).reduce((sum, c, i) => sum + c - cpu0[i]!, 0)
    log(`one to one again: ${GROUP_FILE_BYTES} bytes sender -> member2`)
    const after = await transfer(sender, members[1]!, 'member2', path)
    const single = { seconds: (before.seconds + after.seconds) / 2, cpu: (before.senderCpu + before.receiverCpu + after.senderCpu + after.receiverCpu) / 2 }
    const served = ((await sender.call('files')).files as Line[]).find(f => f.file === sent.file)?.served as number | undefined ?? 0
    const memberServed = (await Promise.all(members.map(async m => ((await m.call('files')).files as Line[]).find(f => f.file === sent.file)?.served as number | undefined ?? 0))).reduce((a, b) => a + b, 0)
    return {
      file_group_bytes: GROUP_FILE_BYTES,
      file_group_members: GROUP_MEMBERS,
      file_one_to_one_s: round(single.seconds),
      file_group_fanout_s: round(seconds),
      file_group_fanout_vs_n_times_one_to_one: Math.round(seconds / (GROUP_MEMBERS * single.seconds) * 100) / 100,
      // The same in CPU seconds of every process involved (less swayed by what else the machine runs meanwhile).
      file_one_to_one_cpu_s: round(single.cpu),
      file_group_fanout_cpu_s: round(groupCpu),
      file_group_cpu_vs_n_times_one_to_one: Math.round(groupCpu / (GROUP_MEMBERS * single.cpu) * 100) / 100,
      file_group_sender_served_mb: round(served / 1e6),
      file_group_members_served_mb: round(memberServed / 1e6)
    }
  } finally {
    await Promise.all(c.nodes.map(n => n.kill()))
  }
}

/** Runs one part; its figures are logged as soon as they are measured, and a part that fails says why in `<name>_failed`. */
async function part (out: BenchResult, name: string, fn: () => Promise<BenchResult>): Promise<void> {
  try {
    const figures = await fn()
    for (const [k, v] of Object.entries(figures)) log(`${k} = ${v}`)
    Object.assign(out, figures)
  } catch (err) {
    log(`${name} failed: ${(err as Error).message}`)
    out[`${name}_failed`] = (err as Error).message.slice(0, 300)
  }
}

export async function run (): Promise<BenchResult> {
  const loadBefore = loadavg()[0] ?? NaN
  const dir = await tempDir('lanchat-bench-files-')
  const out: BenchResult = {}
  try {
    if (!SKIP.has('one')) await part(out, 'file_one_to_one', async () => oneToOne(dir))
    if (!SKIP.has('group')) await part(out, 'file_group', async () => fanout(dir))
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
  out.files_loadavg = `${round(loadBefore)} -> ${round(loadavg()[0] ?? NaN)}`
  log(`files_loadavg = ${out.files_loadavg}`)
  return out
}
