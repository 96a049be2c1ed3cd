/**
 * The private-network gate, before (@libp2p/pnet 3.0.27 on the `xsalsa20`
 * 1.2.0 WASM cipher) and after (src/net/pnet on @noble/ciphers' XSalsa20),
 * measured in the same run. MB = 10^6 bytes.
 *
 * - pnet_stream_<size>_mb_per_s_<protector>: one libp2p stream between two
 *   processes on 127.0.0.1 (TCP, the protector, noise, yamux), the sender
 *   pushing <size> in 64 KiB writes, timed from opening the stream to the
 *   receiver's byte count coming back (pnet-peer.ts), after an untimed
 *   8 MiB stream on the same connection for the JIT; the median of the
 *   runs, the protectors taking turns, each run in ..._each_run. `none` is
 *   the same stack without a protector: the floor the gate adds to.
 *   ..._mb_per_cpu_s_...: the same bytes over the CPU seconds both
 *   processes spent, which other load on the machine disturbs less.
 *   256 MiB is the size asked for; @libp2p/pnet does not survive it (its
 *   WASM memory runs out mid-stream, the bug this module fixes), so 16 MiB,
 *   which it does survive here (with the warm-up), gives the before/after
 *   ratio.
 * - pnet_cipher_<size>_mb_per_cpu_s_<cipher>: one direction's cipher alone
 *   in this process, CIPHER_BYTES through updates of 64 KiB (and of 1,400
 *   bytes, a typical small frame), each update returning a new buffer as the
 *   protectors use them, over the CPU seconds spent; the median of
 *   CIPHER_ROUNDS, the ciphers taking turns (..._each_round: wasm/noble).
 *   `wasm` is the `xsalsa20` package, `noble` is XSalsa20Stream
 *   (src/net/pnet/cipher.ts).
 * - pnet_loadavg: the machine's 1-minute load average before and after:
 *   other work on it shows in the wall-clock figures.
 * - ..._ratio: lanchat (or noble) / @libp2p/pnet (or wasm); above 1 is faster.
 */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createRequire } from 'node:module'
import { loadavg } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { XSalsa20Stream } from '../../src/net/pnet/cipher.js'
import type { ProtectorName } from './pnet-peer.js'

type BenchResult = Record<string, number | string | boolean>

const MIB = 1024 * 1024
const STREAMS = [
  { label: '256mib', bytes: 256 * MIB, rounds: 3 },
  { label: '16mib', bytes: 16 * MIB, rounds: 5 }
]
/** Pushed on a first, untimed stream of the same connection: a fresh process runs its first MiBs far slower. */
const WARM_UP_BYTES = 8 * MIB
const CIPHER_BYTES = 64 * MIB
const CIPHER_ROUNDS = 5
const PROTECTORS: ProtectorName[] = ['libp2p-pnet', 'lanchat', 'none']

const log = (message: string): void => { process.stderr.write(`pnet.bench: ${message}\n`) }
const round = (n: number): number => Math.round(n * 10) / 10
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN
const peerPath = join(dirname(fileURLToPath(import.meta.url)), 'pnet-peer.js')

interface StreamRun { wall: number, cpu: number }

/** One stream of `bytes` between a receiver and a sender process, both on `protector`; its rates, or why it failed. */
async function streamRun (protector: ProtectorName, bytes: number): Promise<StreamRun | string> {
  const receiver = spawn(process.execPath, [peerPath, 'receiver', protector], { stdio: ['pipe', 'pipe', 'inherit'] })
  try {
    const [line] = await once(receiver.stdout, 'data') as [Buffer]
    // The connection that aborts logs why (e.g. the WASM cipher's RangeError) on this namespace.
    const sender = spawn(process.execPath, [peerPath, 'sender', protector, line.toString().trim(), String(bytes), String(WARM_UP_BYTES)], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, DEBUG: 'libp2p:*:pnet:error' }
    })
    let out = ''
    let err = ''
    sender.stdout.on('data', (d: Buffer) => { out += d.toString() })
    sender.stderr.on('data', (d: Buffer) => { err += d.toString() })
    const [code] = await once(sender, 'exit') as [number | null]
    const cause = /abort with error - (.*)/.exec(err)?.[1]?.trim()
    const result = JSON.parse(out.trim().split('\n').at(-1) || '{}') as { seconds?: number, senderCpu?: number, receiverCpu?: number, failed?: string }
    if (code !== 0 || result.seconds === undefined) return cause ?? result.failed ?? `sender exited with ${code}: ${err.trim().split('\n').at(-1) ?? ''}`
    return { wall: bytes / result.seconds / 1e6, cpu: bytes / ((result.senderCpu ?? NaN) + (result.receiverCpu ?? NaN)) / 1e6 }
  } finally {
    receiver.stdin.end()
    if (receiver.exitCode === null) await once(receiver, 'exit')
  }
}

async function streamRates (): Promise<BenchResult> {
  const out: BenchResult = {}
  for (const { label, bytes, rounds } of STREAMS) {
    const runs = new Map<ProtectorName, Array<StreamRun | string>>(PROTECTORS.map(p => [p, []]))
    for (let r = 0; r < rounds; r++) {
      for (const protector of PROTECTORS) {
        const result = await streamRun(protector, bytes)
        runs.get(protector)!.push(result)
        log(`stream of ${bytes / MIB} MiB, round ${r + 1}/${rounds}, ${protector}: ${typeof result === 'string' ? `failed: ${result}` : `${round(result.wall)} MB/s, ${round(result.cpu)} MB per CPU second`}`)
      }
    }
    for (const [protector, results] of runs) {
      const key = `pnet_stream_${label}_%_${protector.replace('-', '_')}`
      const done = results.filter((r): r is StreamRun => typeof r !== 'string')
      const failures = results.filter((r): r is string => typeof r === 'string')
      if (failures.length > 0) {
        out[key.replace('%', 'mb_per_s')] = `failed ${failures.length} of ${results.length} runs: ${failures[0]}`
      } else {
        out[key.replace('%', 'mb_per_s')] = median(done.map(r => round(r.wall)))
        out[key.replace('%', 'mb_per_cpu_s')] = median(done.map(r => round(r.cpu)))
      }
      out[key.replace('%', 'mb_per_s') + '_each_run'] = results.map(r => typeof r === 'string' ? 'failed' : round(r.wall)).join(', ')
    }
    for (const unit of ['mb_per_s', 'mb_per_cpu_s']) {
      const before = out[`pnet_stream_${label}_${unit}_libp2p_pnet`]
      const after = out[`pnet_stream_${label}_${unit}_lanchat`]
      if (typeof before === 'number' && typeof after === 'number') out[`pnet_stream_${label}_${unit}_ratio`] = Math.round(after / before * 100) / 100
    }
  }
  return out
}

interface OldXSalsa20 { update: (input: Uint8Array) => Uint8Array }

/** MB per CPU second of `update` over CIPHER_BYTES in updates of `size` bytes, after a warm-up. */
function cipherRate (update: (input: Uint8Array) => Uint8Array, size: number): number {
  const input = new Uint8Array(size).fill(0x5a)
  const updates = Math.ceil(CIPHER_BYTES / size)
  for (let i = 0; i < Math.min(updates, 2000); i++) update(input)
  const cpu = process.cpuUsage()
  for (let i = 0; i < updates; i++) update(input)
  const used = process.cpuUsage(cpu)
  return updates * size / ((used.user + used.system) / 1e6) / 1e6
}

function cipherRates (): BenchResult {
  const key = new Uint8Array(32).fill(1)
  const out: BenchResult = {}
  const oldXSalsa20 = createRequire(import.meta.url)('xsalsa20') as (nonce: Uint8Array, key: Uint8Array) => OldXSalsa20
  for (const size of [64 * 1024, 1400]) {
    const label = size === 1400 ? '1400' : '64k'
    // A fresh cipher of each kind per size: one `xsalsa20` cipher on its own,
    // updated with one size, stays clear of its shared-memory growth.
    const wasm = oldXSalsa20(new Uint8Array(24).fill(size & 0xff), key)
    const noble = new XSalsa20Stream(key, new Uint8Array(24).fill(size & 0xff))
    log(`cipher alone: ${CIPHER_ROUNDS} x ${CIPHER_BYTES / MIB} MiB in ${size}-byte updates, each cipher in turn`)
    const w: number[] = []
    const n: number[] = []
    for (let r = 0; r < CIPHER_ROUNDS; r++) {
      w.push(cipherRate(input => wasm.update(input), size))
      n.push(cipherRate(input => noble.xor(input), size))
    }
    out[`pnet_cipher_${label}_mb_per_cpu_s_wasm`] = round(median(w))
    out[`pnet_cipher_${label}_mb_per_cpu_s_noble`] = round(median(n))
    out[`pnet_cipher_${label}_ratio`] = Math.round(median(n) / median(w) * 100) / 100
    out[`pnet_cipher_${label}_each_round`] = w.map((x, i) => `${round(x)}/${round(n[i] as number)}`).join(', ')
  }
  return out
}

export async function run (): Promise<BenchResult> {
  const loadBefore = loadavg()[0] ?? NaN
  const out: BenchResult = { pnet_cipher_bytes: CIPHER_BYTES, ...await streamRates(), ...cipherRates() }
  out.pnet_loadavg = `${round(loadBefore)} -> ${round(loadavg()[0] ?? NaN)}`
  for (const [k, v] of Object.entries(out)) log(`${k} = ${v}`)
  return out
}
