/**
 * The crash-safety cluster: three pinned role holders (relay, idp, kacls, each
 * eligible for its own role only, so a dead holder's role waits for it) and two
 * users' nodes, alice and bob, all real `lanchat start --headless` processes on
 * 127.0.0.1 with mDNS off, each on a fixed port (a restarted node comes back at
 * its address, as on a LAN) and given every holder with --peer.
 * No vitest here: `npm run crash` runs it as plain node.
 */
import { writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort, HeadlessNode, tempDir } from '../helpers/headless-node.js'

export const PASSWORD = 'crash-safety-password'
export type Member = 'relay' | 'idp' | 'kacls' | 'alice' | 'bob'
const HOLDERS = ['relay', 'idp', 'kacls'] as const

interface Slot {
  name: Member
  port: number
  dataDir: string
  node: HeadlessNode
}

export class CrashCluster {
  private readonly slots = new Map<Member, Slot>()
  private peers: string[] = []
  /** Logs being written (CRASH_DEBUG) */
  private readonly writing: Array<Promise<void>> = []

  /** Starts the holders, then alice and bob, registered and logged in. */
  static async start (): Promise<CrashCluster> {
    const cluster = new CrashCluster()
    try {
      for (const role of HOLDERS) await cluster.spawn(role)
      await Promise.all((['alice', 'bob'] as const).map(async name => cluster.spawn(name)))
      await Promise.all((['alice', 'bob'] as const).map(async name => {
        const node = cluster.node(name)
        await node.untilReply('roles', r => HOLDERS.every(h => r[h] !== null), 30_000, 'every holder known')
        await node.call('register', { username: name, password: PASSWORD }, 30_000)
        await node.call('login', { username: name, password: PASSWORD }, 30_000)
      }))
    } catch (err) {
      await cluster.stop()
      throw err
    }
    return cluster
  }

  node (name: Member): HeadlessNode {
    const slot = this.slots.get(name)
    if (slot === undefined) throw new Error(`no node ${name}`)
    return slot.node
  }

  pid (name: Member): number {
    return this.node(name).proc.pid ?? 0
  }

  /** Starts a node (or restarts it on its data directory and port). */
  private async spawn (name: Member): Promise<HeadlessNode> {
    const known = this.slots.get(name)
    const port = known?.port ?? await freePort()
    const dataDir = known?.dataDir ?? await tempDir(`lanchat-crash-${name}-`)
    const roles = (HOLDERS as readonly string[]).includes(name) ? ['--role', name, '--eligible', name] : ['--no-roles']
    const peers = this.peers.filter(p => !p.includes(`/tcp/${port}/`)).flatMap(p => ['--peer', p])
    // CRASH_DEBUG=lanchat:* keeps each process's logs, written to CRASH_LOG_DIR (default the temp dir) when it ends.
    const env: Record<string, string> = process.env.CRASH_DEBUG === undefined ? {} : { DEBUG: process.env.CRASH_DEBUG }
    const node = await HeadlessNode.spawn({ name, dataDir, env, args: ['--no-mdns', '--listen', `/ip4/127.0.0.1/tcp/${port}`, ...roles, ...peers] })
    if (process.env.CRASH_DEBUG !== undefined) {
      const file = join(process.env.CRASH_LOG_DIR ?? tmpdir(), `lanchat-crash-${name}-${node.proc.pid ?? 0}.log`)
      this.writing.push(node.exited.then(async () => { await writeFile(file, node.stderr) }))
    }
    if (known === undefined && (HOLDERS as readonly string[]).includes(name)) this.peers.push(node.addr())
    this.slots.set(name, { name, port, dataDir, node })
    return node
  }

  /** SIGKILL: no shutdown of any kind. */
  async kill (name: Member): Promise<void> {
    await this.node(name).kill('SIGKILL')
  }

  /** Restarts a killed node on its data directory; a user's node logs in again. */
  async restart (name: Member): Promise<HeadlessNode> {
    const node = await this.spawn(name)
    if (name === 'alice' || name === 'bob') {
      await node.waitFor(l => l.event === 'login:required', 20_000)
      // The idp may itself be on its way back: login is retried until it answers.
      for (let attempt = 1; ; attempt++) {
        const reply = await node.send('login', { username: name, password: PASSWORD }, 30_000)
        if (reply.ok === true) break
        if (attempt >= 20) throw new Error(`${name} cannot log in again: ${JSON.stringify(reply.error)}`)
        await new Promise(resolve => setTimeout(resolve, 500))
      }
    }
    return node
  }

  async stop (): Promise<void> {
    await Promise.all([...this.slots.values()].map(async s => s.node.kill()))
    await Promise.all(this.writing)
  }
}
