/**
 * Waiting on role failover from outside the nodes (headless processes): calls
 * retried while a role moves, replicas in step with their holder, a node
 * serving every role; a namespace LAN for a suite. Used by the LAN failover
 * and partition tests (issue 14).
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll } from 'vitest'
import { HeadlessNode } from './headless-node.js'
import { createLan } from './netns.js'
import { ROLE_NAMES } from './roles.js'
import type { Line } from './headless-node.js'
import type { Host, Lan } from './netns.js'
import type { RoleName } from './roles.js'

/**
 * Codes a caller retries while a role moves or its holder catches up
 * (docs/roles.md, "Authority"; docs/replication.md, "Failover"). Anything
 * else (UNKNOWN_USER, WRONG_PASSWORD, ...) is an answer, not a pause.
 */
export const TRANSIENT = ['NO_HOLDER', 'NOT_HOLDER', 'CATCHING_UP', 'UNAVAILABLE', 'NOT_REPLICATED', 'TIMEOUT']

/** Pause between attempts of a retried call: how often to ask again, not a wait standing in for an event. */
const RETRY_PAUSE_MS = 300

/** A call retried on TRANSIENT codes until it succeeds or `timeoutMs` is spent; any other error throws at once. */
export async function retry (node: HeadlessNode, cmd: string, params: Record<string, unknown> = {}, timeoutMs = 60_000): Promise<Line> {
  const deadline = Date.now() + timeoutMs
  const codes: string[] = []
  for (;;) {
    const reply = await node.send(cmd, params, Math.max(timeoutMs, 20_000))
    if (reply.ok === true) return reply
    const code = (reply.error as { code?: string } | undefined)?.code ?? ''
    codes.push(code)
    if (!TRANSIENT.includes(code) || Date.now() > deadline) {
      throw new Error(`${node.name}: ${cmd} ${JSON.stringify(params)} failed after ${codes.length} attempt(s) (${codes.join(', ')}): ${JSON.stringify(reply.error)}`)
    }
    await new Promise(resolve => setTimeout(resolve, RETRY_PAUSE_MS))
  }
}

/** The peer ids of `role`'s replicas as the holder reports them in a `roles` reply, synced ones only. */
export function syncedReplicas (reply: Line, role: RoleName): string[] {
  const holder = reply[role] as { replicas?: Array<{ peerId: string, synced: boolean }> | null } | null
  return (holder?.replicas ?? []).filter(r => r.synced).map(r => r.peerId)
}

/** A role's live records and tombstones in a `replication` reply. */
function held (reply: Line, role: RoleName): string {
  const r = (reply.roles as Record<string, { records: number, tombstones: number } | undefined>)[role]
  return r === undefined ? 'not eligible' : `${r.records} records, ${r.tombstones} tombstones`
}

/**
 * Waits until `replica` holds as many of `role`'s records (live and deleted)
 * as `holder`: it has everything the holder wrote. Read from both nodes' own
 * stores, not from the holder's list of replicas.
 */
export async function replicaInStep (holder: HeadlessNode, replica: HeadlessNode, role: RoleName, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const [a, b] = await Promise.all([holder.call('replication'), replica.call('replication')])
    if (held(a, role) === held(b, role)) return
    if (Date.now() > deadline) throw new Error(`${replica.name} not in step with ${holder.name} on ${role} in ${timeoutMs} ms: ${held(b, role)} vs ${held(a, role)}`)
    await new Promise(resolve => setTimeout(resolve, 100))
  }
}

/** Whether a `replication` reply shows the node holding every role and answering it (caught up). */
export function servesEveryRole (reply: Line): boolean {
  const roles = reply.roles as Record<string, { caughtUp: boolean } | undefined>
  return ROLE_NAMES.every(r => roles[r]?.caughtUp === true)
}

/** Writes each node's JSON lines and stderr under `dir` (set FAILOVER_LOGS=dir, with DEBUG=lanchat:* for detail). */
export async function dumpLogs (nodes: HeadlessNode[], dir: string): Promise<void> {
  await mkdir(dir, { recursive: true })
  for (const n of nodes) {
    const base = join(dir, n.name.replace(/\W+/g, '-'))
    await writeFile(`${base}.jsonl`, n.lines.map(l => JSON.stringify(l)).join('\n') + '\n')
    await writeFile(`${base}.stderr`, n.stderr)
  }
}

/** Times a test's phases: `phase(name)` ends the one under way; `summary()` lists each with its seconds. */
export function phaseTimer (): { phase: (name: string) => void, summary: () => string } {
  const phases: string[] = []
  let start = Date.now()
  return {
    phase: name => {
      phases.push(`${name} ${((Date.now() - start) / 1000).toFixed(1)} s`)
      start = Date.now()
    },
    summary: () => phases.join(', ')
  }
}

/**
 * A namespace LAN for one suite: made before it, torn down after it with
 * every node spawned on it (their output kept in FAILOVER_LOGS=dir when set).
 * `lan()` is the LAN once made; `spawn` runs a headless node on one of its hosts.
 */
export function lanSuite (hostCount: number, subnet: string): { lan: () => Lan, spawn: (name: string, host: Host, args: string[], dataDir?: string) => Promise<HeadlessNode> } {
  let lan: Lan | undefined
  const nodes: HeadlessNode[] = []
  beforeAll(async () => {
    lan = await createLan(hostCount, subnet)
  })
  afterAll(async () => {
    await Promise.all(nodes.map(n => n.kill()))
    if (process.env.FAILOVER_LOGS !== undefined) await dumpLogs(nodes, process.env.FAILOVER_LOGS)
    await lan?.destroy()
  })
  return {
    lan: () => lan!,
    spawn: async (name, host, args, dataDir) => {
      const node = await HeadlessNode.spawn({ name, netns: host.ns, args, ...(dataDir === undefined ? {} : { dataDir }) })
      nodes.push(node)
      return node
    }
  }
}
