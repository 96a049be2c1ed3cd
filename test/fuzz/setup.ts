/**
 * The fuzzing set-up: a victim, a real `lanchat start --headless` process that
 * holds all three roles (relay, idp, kacls) and is logged in as `victim`, so
 * every handler lives in one process and a crash is a crash; and an attacker,
 * an in-process lanchat node built with the same passphrase (it is inside the
 * network: pnet, the registry and lobby keys), registered and logged in as
 * `mallory` through the victim's idp, so token-gated handlers are reached with
 * real tokens (nothing is minted). Before fuzzing they exchange a few direct
 * messages and share a group; the attacker's own traffic is captured on the
 * way out (every RPC request, DM frame and gossip publication it makes) to
 * seed the structure-aware mutations with valid messages.
 */
import { readFile } from 'node:fs/promises'
import { DmFrame } from '../../src/chat/pb/chat.js'
import { LanchatNode } from '../../src/node.js'
import { RpcRequest } from '../../src/services/pb/rpc.js'
import { HeadlessNode, tempDir, TEST_PASSPHRASE } from '../helpers/headless-node.js'
import type { Line } from '../helpers/headless-node.js'

export const VICTIM = 'victim'
export const ATTACKER = 'mallory'
export const PASSWORD = 'fuzzing-password-1'
/** Direct messages exchanged before the fuzzing: they must survive it, and a restart. */
export const HISTORY = ['before the fuzz 1', 'before the fuzz 2', 'before the fuzz 3', 'and a reply 1', 'and a reply 2']

export interface Captured {
  /** RpcRequest bytes the attacker sent, by protocol method name */
  rpc: Map<string, Uint8Array[]>
  /** DmFrame bytes with envelopes the attacker sent */
  dm: Uint8Array[]
  /** Gossip publications, by topic */
  gossip: Map<string, Uint8Array[]>
}

export interface Setup {
  victim: HeadlessNode
  attacker: LanchatNode
  /** The group the victim made with the attacker in it */
  group: string
  captured: Captured
  stop: () => Promise<void>
}

/** VmRSS of a process, in bytes (/proc/<pid>/status). */
export async function rssOf (pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1]
  return Number(kb ?? 0) * 1024
}

export async function spawnVictim (dataDir?: string): Promise<HeadlessNode> {
  return HeadlessNode.spawn({ name: 'victim', dataDir, args: ['--no-mdns', '--listen', '/ip4/127.0.0.1/tcp/0', '--role', 'relay,idp,kacls'] })
}

const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

async function until (check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !await check();) {
    if (Date.now() > deadline) throw new Error(`fuzz set-up: ${what} not reached in ${timeoutMs} ms`)
    await sleep(50)
  }
}

/** Records what the attacker's own code encodes and publishes (it shares these module instances). */
function capture (attacker: LanchatNode): { captured: Captured, release: () => void } {
  const captured: Captured = { rpc: new Map(), dm: [], gossip: new Map() }
  const rpcEncode = RpcRequest.encode
  const dmEncode = DmFrame.encode
  const keep = <T>(list: T[], v: T): void => { if (list.length < 64) list.push(v) }
  RpcRequest.encode = (req: Partial<RpcRequest>) => {
    const bytes = rpcEncode(req)
    const list = captured.rpc.get(req.method ?? '') ?? []
    keep(list, bytes)
    captured.rpc.set(req.method ?? '', list)
    return bytes
  }
  DmFrame.encode = (frame: Partial<DmFrame>) => {
    const bytes = dmEncode(frame)
    if ((frame.envelopes?.length ?? 0) > 0 || frame.bundleRequest === true) keep(captured.dm, bytes)
    return bytes
  }
  const pubsub = attacker.network.libp2p.services.pubsub
  const publish = pubsub.publish.bind(pubsub)
  pubsub.publish = async (topic: string, data?: Uint8Array) => {
    const list = captured.gossip.get(topic) ?? []
    if (data !== undefined) keep(list, data)
    captured.gossip.set(topic, list)
    return publish(topic, data)
  }
  return {
    captured,
    release: () => {
      RpcRequest.encode = rpcEncode
      DmFrame.encode = dmEncode
    }
  }
}

export async function startSetup (): Promise<Setup> {
  const victim = await spawnVictim()
  let attacker: LanchatNode | undefined
  let release = (): void => {}
  try {
    await victim.call('register', { username: VICTIM, password: PASSWORD })
    await victim.call('login', { username: VICTIM, password: PASSWORD })
    attacker = await LanchatNode.start({
      dataDir: await tempDir('lanchat-fuzz-attacker-'),
      passphrase: TEST_PASSPHRASE,
      listen: ['/ip4/127.0.0.1/tcp/0'],
      peers: [victim.addr()],
      mdns: false,
      pinnedRoles: [],
      eligibleRoles: []
    })
    const a = attacker
    const caught = capture(a)
    release = caught.release
    await until(() => a.roles.holderOf('idp') === victim.peerId && a.roles.holderOf('relay') === victim.peerId && a.roles.holderOf('kacls') === victim.peerId, 30_000, 'the attacker knows the holders')
    await a.register(ATTACKER, PASSWORD)
    await a.login(ATTACKER, PASSWORD)

    // History that must outlive the fuzzing and a restart.
    for (const text of HISTORY.slice(0, 3)) await a.send(VICTIM, text)
    await victim.waitFor(l => l.event === 'message' && l.text === HISTORY[2], 30_000)
    for (const text of HISTORY.slice(3)) await victim.call('send', { to: ATTACKER, text })
    await until(async () => (await a.history(VICTIM)).length >= HISTORY.length, 60_000, 'the replies reach the attacker')

    // A group the victim runs with the attacker in it: the victim listens on its topic.
    const made = await victim.call('group.create', { name: 'fuzz', members: [ATTACKER] }, 30_000)
    const group = made.group as string
    await until(async () => (await a.groups()).some(g => g.group === group), 60_000, 'the attacker sees the group')
    await until(async () => { await a.groupSend(group, 'hello group').catch(() => {}); return true }, 1_000, 'group send')
    await victim.waitFor((l: Line) => l.event === 'group:message' && l.text === 'hello group', 30_000)
    // The attacker's own group with the victim in it (wrap, commit, pokes), and a lobby post.
    await a.groupCreate('mallory-group', [VICTIM])
    await a.lobbySend('hello lobby')
    await victim.waitFor((l: Line) => l.event === 'lobby' && l.text === 'hello lobby', 30_000)
    await a.groupSync()
    return {
      victim,
      attacker: a,
      group,
      captured: caught.captured,
      stop: async () => {
        release()
        await a.stop().catch(() => {})
        await victim.kill()
      }
    }
  } catch (err) {
    release()
    await attacker?.stop().catch(() => {})
    await victim.kill()
    throw err
  }
}
