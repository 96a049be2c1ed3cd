/**
 * Drives a real `lanchat start --headless` process: write commands, wait for
 * replies and events with timeouts. Reused by integration, LAN and bench code.
 */
import { spawn } from 'node:child_process'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ChildProcess } from 'node:child_process'

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..').replace(/\/dist$/, '')
/** The compiled CLI: `npm test` builds before it runs the suite. */
export const CLI = join(REPO_ROOT, 'dist/cli/main.js')

export type Line = Record<string, unknown>

export interface SpawnOptions {
  /** Reuse a data directory (restart); a fresh temporary one by default */
  dataDir?: string
  passphrase?: string
  /** Extra `start` flags, e.g. ['--no-mdns', '--port', '0'] */
  args?: string[]
  /** Run inside this network namespace (`ip netns exec`) */
  netns?: string
  env?: Record<string, string>
  /** Label for error messages */
  name?: string
}

export const TEST_PASSPHRASE = 'correct horse battery staple'

export async function tempDir (prefix = 'lanchat-test-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix))
}

/** A TCP port free on 127.0.0.1 at the time of asking. */
export async function freePort (): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const addr = server.address()
      server.close(() => { resolve(typeof addr === 'object' && addr !== null ? addr.port : 0) })
    })
  })
}

interface Waiter {
  predicate: (line: Line) => boolean
  resolve: (line: Line) => void
}

export class HeadlessNode {
  readonly name: string
  readonly dataDir: string
  readonly proc: ChildProcess
  /** Every JSON line the node wrote, in order */
  readonly lines: Line[] = []
  stderr = ''
  peerId = ''
  addrs: string[] = []
  readonly exited: Promise<number | null>
  private nextId = 1
  private waiters: Waiter[] = []

  private constructor (name: string, dataDir: string, proc: ChildProcess) {
    this.name = name
    this.dataDir = dataDir
    this.proc = proc
    this.exited = new Promise(resolve => proc.once('exit', code => { resolve(code) }))
    let buffer = ''
    proc.stdout?.setEncoding('utf8')
    proc.stdout?.on('data', (chunk: string) => {
      buffer += chunk
      let nl
      while ((nl = buffer.indexOf('\n')) !== -1) {
        const text = buffer.slice(0, nl)
        buffer = buffer.slice(nl + 1)
        let line: Line
        try {
          line = JSON.parse(text) as Line
        } catch {
          line = { unparsed: text }
        }
        this.lines.push(line)
        this.waiters = this.waiters.filter(w => {
          if (!w.predicate(line)) return true
          w.resolve(line)
          return false
        })
      }
    })
    proc.stderr?.setEncoding('utf8')
    proc.stderr?.on('data', (chunk: string) => { this.stderr += chunk })
  }

  /** Starts a node and waits for its `ready` event. */
  static async spawn (opts: SpawnOptions = {}): Promise<HeadlessNode> {
    const dataDir = opts.dataDir ?? await tempDir()
    const passFile = join(dataDir, '..', `${dataDir.split('/').pop() ?? 'x'}.pass`)
    await writeFile(passFile, (opts.passphrase ?? TEST_PASSPHRASE) + '\n', { mode: 0o600 })
    const args = [CLI, 'start', '--headless', '--data-dir', dataDir, '--passphrase-file', passFile, ...(opts.args ?? [])]
    const [cmd, argv] = opts.netns === undefined
      ? [process.execPath, args]
      : ['ip', ['netns', 'exec', opts.netns, process.execPath, ...args]]
    const proc = spawn(cmd, argv, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...opts.env } })
    const node = new HeadlessNode(opts.name ?? dataDir, dataDir, proc)
    const ready = await Promise.race([
      // A bound, not a pace: a node is ready in about a second, but on a loaded 2-core machine starting a dozen takes long.
      node.waitFor(l => l.event === 'ready', 90_000),
      node.exited.then(code => { throw new Error(`${node.name} exited with ${code} before ready: ${node.stderr}`) })
    ])
    node.peerId = ready.peerId as string
    node.addrs = ready.addrs as string[]
    return node
  }

  /** This node's address on 127.0.0.1 (or the given IP), with /p2p/ */
  addr (ip = '127.0.0.1'): string {
    const found = this.addrs.find(a => a.startsWith(`/ip4/${ip}/`))
    if (found === undefined) throw new Error(`${this.name} has no address on ${ip}: ${this.addrs.join(' ')}`)
    return found
  }

  /** Index to pass as `since` to wait only for lines written after now */
  mark (): number {
    return this.lines.length
  }

  /** Resolves with the first line (from `since` on) matching, or rejects after `timeoutMs`. */
  async waitFor (predicate: (line: Line) => boolean, timeoutMs = 20_000, since = 0): Promise<Line> {
    const seen = this.lines.slice(since).find(predicate)
    if (seen !== undefined) return seen
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        predicate,
        resolve: line => {
          clearTimeout(timer)
          resolve(line)
        }
      }
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter(w => w !== waiter)
        reject(new Error(`${this.name}: timed out after ${timeoutMs} ms waiting for ${predicate.toString()}; last lines: ${JSON.stringify(this.lines.slice(-5))}${this.stderr === '' ? '' : `; stderr ends: ${this.stderr.slice(-2000)}`}`))
      }, timeoutMs)
      this.waiters.push(waiter)
    })
  }

  /** Sends a command and resolves with its reply (ok or not). */
  async send (cmd: string, params: Record<string, unknown> = {}, timeoutMs = 20_000): Promise<Line> {
    const id = this.nextId++
    const reply = this.waitFor(l => l.id === id && 'ok' in l, timeoutMs)
    this.write({ ...params, id, cmd })
    return reply
  }

  /** Sends a command and returns its reply, throwing on an error reply. */
  async call (cmd: string, params: Record<string, unknown> = {}, timeoutMs = 20_000): Promise<Line> {
    const reply = await this.send(cmd, params, timeoutMs)
    if (reply.ok !== true) throw new Error(`${this.name}: ${cmd} failed: ${JSON.stringify(reply.error)}`)
    return reply
  }

  write (obj: unknown): void {
    this.writeRaw(JSON.stringify(obj) + '\n')
  }

  writeRaw (text: string): void {
    this.proc.stdin?.write(text)
  }

  /** Polls `status` until `check` holds: waits on the node's state, not on time. */
  async until (check: (status: Line) => boolean, timeoutMs = 20_000, what = 'condition'): Promise<Line> {
    return this.untilReply('status', check, timeoutMs, what)
  }

  /** Polls a command until its reply satisfies `check`. */
  async untilReply (cmd: string, check: (reply: Line) => boolean, timeoutMs = 20_000, what = 'condition'): Promise<Line> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const status = await this.call(cmd)
      if (check(status)) return status
      if (Date.now() > deadline) throw new Error(`${this.name}: ${what} not reached in ${timeoutMs} ms; status ${JSON.stringify(status)}`)
      await new Promise(resolve => setTimeout(resolve, 100))
    }
  }

  /** Resolves once this node has a connection to `other` (now, or when its peer:connected event comes). */
  async connectedTo (other: HeadlessNode, timeoutMs = 20_000): Promise<void> {
    const since = this.mark()
    const status = await this.call('status')
    if ((status.peers as string[]).includes(other.peerId)) return
    await this.waitFor(l => l.event === 'peer:connected' && l.peerId === other.peerId, timeoutMs, since)
  }

  /** Ends the session the clean way (EOF) and waits for the exit code. */
  async stop (): Promise<number | null> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return this.proc.exitCode
    this.proc.stdin?.end()
    return this.exited
  }

  kill (signal: NodeJS.Signals = 'SIGKILL'): Promise<number | null> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill(signal)
    return this.exited
  }
}

/** Runs `lanchat` with arguments to completion (for startup errors). */
export async function runCli (args: string[], env: Record<string, string> = {}): Promise<{ code: number | null, stdout: string, stderr: string }> {
  const proc = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } })
  let stdout = ''
  let stderr = ''
  proc.stdout.setEncoding('utf8').on('data', (c: string) => { stdout += c })
  proc.stderr.setEncoding('utf8').on('data', (c: string) => { stderr += c })
  const code = await new Promise<number | null>(resolve => proc.once('exit', resolve))
  return { code, stdout, stderr }
}
