/**
 * Replication of role state (issue 14, docs/replication.md "Figures as
 * built"):
 * - replication_lag_p50_ms / _p99_ms: a holder's write until a replica has
 *   persisted it (the acknowledgement), one write at a time, two nodes in
 *   this process on 127.0.0.1;
 * - replica_catchup_records_per_s: a replica started empty while the holder
 *   has RECORDS records, until it has persisted them all;
 * - failover_to_serving_ms: node processes, the relay holder SIGKILLed, until
 *   its replica holds relay and has caught up, so answers its requests;
 * - dm_deposit_*: a DM to an offline user (a relay deposit, acknowledged once
 *   durable), with the relay alone and with a replica live, in the same run;
 * - group_post_*: a group post until `sent` (in the relay's history, durable),
 *   the same way;
 * - relay_upload_*: a file uploaded to the relay holder, every chunk
 *   acknowledged, with no other relay-eligible node live and with one (each
 *   chunk stored there first), in the same run; relay_chunk_catchup: a
 *   relay-eligible node that comes afterwards pulls the chunks it lacks.
 */
import { performance } from 'node:perf_hooks'
import { HeadlessNode } from '../helpers/headless-node.js'
import { spawnUsers } from './users.js'
import { addrOf, eventually, records, startMember, stopMember, write } from '../replication/harness.js'
import { heldChunks, relaysReady, sealedFile, startRelayNode, startUserNode, stopRelayNode, uploadAsAlice } from '../helpers/relay-files.js'
import type { RelayNode } from '../helpers/relay-files.js'
import type { BenchResult } from './run.js'

const LAG_WRITES = 1_000
const RECORDS = 10_000
const DEPOSITS = 100
const PASSWORD = 'a-long-enough-password'
/** The file uploaded to the relay: 64 MiB in chunks of 256 KiB */
const UPLOAD_CHUNKS = 256
const UPLOAD_CHUNK_BYTES = 256 * 1024

const log = (s: string): void => { process.stderr.write(`  replication: ${s}\n`) }
const round = (n: number): number => Math.round(n * 100) / 100
function percentile (sorted: number[], p: number): number {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!
}

async function lag (): Promise<{ p50: number, p99: number }> {
  const a = await startMember({ name: 'a', pinned: ['relay'], eligible: ['relay'] })
  const b = await startMember({ name: 'b', eligible: ['relay'], peers: [addrOf(a)] })
  try {
    await eventually(() => a.registry.serves('relay') && a.replication.reports().relay?.some(r => r.synced), 'a replica', 30_000)
    const times: number[] = []
    for (let i = 0; i < LAG_WRITES; i++) {
      const t0 = performance.now()
      await write(a, 'relay', `mail${i % 10}`, i, 1)
      times.push(performance.now() - t0)
    }
    if (a.replication.status().writes.replicated !== LAG_WRITES) throw new Error(`only ${a.replication.status().writes.replicated} writes replicated`)
    times.sort((x, y) => x - y)
    return { p50: percentile(times, 0.5), p99: percentile(times, 0.99) }
  } finally {
    await stopMember(b)
    await stopMember(a)
  }
}

async function catchUp (): Promise<{ perSecond: number, seconds: number }> {
  const a = await startMember({ name: 'a', pinned: ['relay'], eligible: ['relay'] })
  try {
    await eventually(() => a.registry.serves('relay'), 'a serving', 30_000)
    // Written alone (no replica live): acknowledged on the holder's own disk.
    for (let i = 0; i < RECORDS; i += 100) {
      await a.replication.mutate(`relay/t/mail${(i / 100) % 20}`, tx => {
        for (let j = i; j < i + 100; j++) tx.put(`k${j}`, new Uint8Array(300).fill(j % 251))
      }, { durable: true })
    }
    const t0 = performance.now()
    const b = await startMember({ name: 'b', eligible: ['relay'], peers: [addrOf(a)] })
    try {
      await eventually(() => records(b, 'relay') === RECORDS && a.replication.reports().relay?.[0]?.behind === 0, 'b caught up', 120_000)
      const seconds = (performance.now() - t0) / 1000
      return { perSecond: Math.round(RECORDS / seconds), seconds }
    } finally {
      await stopMember(b)
    }
  } finally {
    await stopMember(a)
  }
}

/** Deposits to an offline user, one at a time, until `sent` (the relay's acknowledgement). */
async function deposits (alice: HeadlessNode, label: string): Promise<number[]> {
  const times: number[] = []
  for (let i = 0; i < DEPOSITS; i++) {
    const since = alice.mark()
    const t0 = performance.now()
    const { messageId } = await alice.call('send', { to: 'bob', text: `${label} ${i}` })
    await alice.waitFor(l => l.event === 'message:status' && l.id === messageId && l.status === 'sent', 30_000, since)
    times.push(performance.now() - t0)
  }
  return times.sort((x, y) => x - y)
}

/** Group posts, one at a time, until `sent` (the relay's history has it). */
async function posts (alice: HeadlessNode, group: string, label: string): Promise<number[]> {
  const times: number[] = []
  for (let i = 0; i < DEPOSITS; i++) {
    const since = alice.mark()
    const t0 = performance.now()
    const { messageId } = await alice.call('group.send', { group, text: `${label} ${i}` })
    await alice.waitFor(l => l.event === 'group:status' && l.id === messageId && l.status === 'sent', 30_000, since)
    times.push(performance.now() - t0)
  }
  return times.sort((x, y) => x - y)
}

interface Acknowledged { deposits: number[], posts: number[] }

async function processes (): Promise<{ failoverMs: number, alone: Acknowledged, replicated: Acknowledged }> {
  const nodes: HeadlessNode[] = []
  const local = ['--no-mdns', '--listen', '/ip4/127.0.0.1/tcp/0']
  try {
    // Not eligible for relay (the default is every role): the relay is alone until the replica starts.
    const idp = await HeadlessNode.spawn({ name: 'idp', args: [...local, '--role', 'idp,kacls', '--eligible', 'idp,kacls'] })
    nodes.push(idp)
    const relay = await HeadlessNode.spawn({ name: 'relay', args: [...local, '--role', 'relay', '--eligible', 'relay', '--peer', idp.addr()] })
    nodes.push(relay)
    const users = await spawnUsers(['alice', 'bob'], { args: local, peer: idp.addr(), password: PASSWORD, nodes, readyMs: 60_000 })
    const [alice, bob] = users as [HeadlessNode, HeadlessNode]
    const { messageId } = await alice.call('send', { to: 'bob', text: 'first contact' })
    await bob.waitFor(l => l.event === 'message' && l.id === messageId, 30_000)
    const { group } = await alice.call('group.create', { name: 'bench', members: ['bob'] }) as { group: string }
    await bob.waitFor(l => l.event === 'group:changed' && l.group === group, 30_000)
    await bob.stop()

    log(`${DEPOSITS} deposits and group posts with the relay alone`)
    await alice.untilReply('roles', r => Array.isArray((r.relay as { replicas?: unknown } | null)?.replicas) && ((r.relay as { replicas: unknown[] }).replicas.length === 0), 60_000, 'relay reported alone')
    const alone = { deposits: await deposits(alice, 'alone'), posts: await posts(alice, group, 'alone') }

    log(`${DEPOSITS} deposits and group posts with a replica of relay live`)
    const replica = await HeadlessNode.spawn({ name: 'replica', args: [...local, '--eligible', 'relay', '--peer', idp.addr()] })
    nodes.push(replica)
    await alice.untilReply('roles', r => ((r.relay as { replicas?: Array<{ synced: boolean }> } | null)?.replicas ?? []).some(p => p.synced), 60_000, 'relay reports a synced replica')
    const replicated = { deposits: await deposits(alice, 'replicated'), posts: await posts(alice, group, 'replicated') }

    // Past its warm-up (it names holders in its announcements only then): an elected role is served only once warm, and
    // a kill inside the warm-up would time the rest of it, not the failover.
    await idp.untilReply('registry', r => (r.nodes as Array<{ peerId: string, views: Record<string, string> }>).some(n => n.peerId === replica.peerId && Object.keys(n.views).length > 0), 60_000, 'the replica past its warm-up')
    log('failover: the relay holder SIGKILLed, until its replica answers for relay')
    const t0 = performance.now()
    await relay.kill('SIGKILL')
    // Serving and caught up: it answers the relay's requests from here (it takes the role first, then catches up).
    await replica.untilReply('replication', r => (r.roles as { relay?: { caughtUp?: boolean } } | undefined)?.relay?.caughtUp === true, 120_000, 'the replica answering for relay')
    const failoverMs = performance.now() - t0
    return { failoverMs, alone, replicated }
  } finally {
    await Promise.all(nodes.map(n => n.kill()))
  }
}

/** MB/s of uploading `n`'s file to a holder, with `replicas` other relay-eligible nodes live; then how fast a newcomer pulls it. */
async function relayUpload (n: number, replicas: number, newcomer: boolean): Promise<{ mbPerS: number, catchUpMbPerS?: number }> {
  const file = sealedFile(n, UPLOAD_CHUNKS, UPLOAD_CHUNK_BYTES)
  const bytes = file.chunks.reduce((sum, c) => sum + c.byteLength, 0)
  const holder = await startRelayNode({ name: 'holder', pinned: ['relay'], eligible: ['relay'] })
  const nodes: RelayNode[] = [holder]
  const uploader = await startUserNode(holder)
  try {
    for (let i = 0; i < replicas; i++) nodes.push(await startRelayNode({ name: `replica${i}`, eligible: ['relay'], peers: [addrOf(holder.m)] }))
    await eventually(() => relaysReady(holder, nodes.slice(1)), 'the replicas live', 30_000)
    const t0 = performance.now()
    await uploadAsAlice(uploader, holder, file)
    const mbPerS = bytes / 1e6 / ((performance.now() - t0) / 1000)
    if (!newcomer) return { mbPerS }
    const t1 = performance.now()
    const late = await startRelayNode({ name: 'late', eligible: ['relay'], peers: [addrOf(holder.m)] })
    nodes.push(late)
    await eventually(async () => (await heldChunks(late, file)).length === file.count, 'the newcomer holding every chunk', 300_000)
    return { mbPerS, catchUpMbPerS: bytes / 1e6 / ((performance.now() - t1) / 1000) }
  } finally {
    await uploader.stop()
    for (const node of nodes.reverse()) await stopRelayNode(node)
  }
}

/** REPLICATION_BENCH_SKIP: a comma list of parts not to run (lag, catchup, processes, uploads). */
const SKIP = new Set((process.env.REPLICATION_BENCH_SKIP ?? '').split(',').filter(x => x !== ''))

async function uploads (): Promise<{ alone: number, replicated: number, catchUp: number }> {
  log(`relay uploads: ${UPLOAD_CHUNKS} chunks of ${UPLOAD_CHUNK_BYTES / 1024} KiB, alone then with a replica, three rounds each`)
  const alone: number[] = []
  const replicated: number[] = []
  const catchUps: number[] = []
  for (let round = 0; round < 3; round++) {
    alone.push((await relayUpload(30 + round, 0, false)).mbPerS)
    const r = await relayUpload(40 + round, 1, true)
    replicated.push(r.mbPerS)
    catchUps.push(r.catchUpMbPerS!)
  }
  const median = (xs: number[]): number => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!
  return { alone: median(alone), replicated: median(replicated), catchUp: median(catchUps) }
}

export async function run (): Promise<BenchResult> {
  const out: BenchResult = {
    replication_setup: 'lag and catch-up: two nodes in one process (network, registry, replication), 127.0.0.1; failover and deposits: node processes, headless, loopback'
  }
  if (!SKIP.has('lag')) {
    log(`lag: ${LAG_WRITES} writes one at a time, each until a replica persisted it`)
    const l = await lag()
    Object.assign(out, { replication_lag_writes: LAG_WRITES, replication_lag_p50_ms: round(l.p50), replication_lag_p99_ms: round(l.p99) })
  }
  if (!SKIP.has('catchup')) {
    log(`catch-up: a replica started empty, the holder has ${RECORDS} records of 300 bytes`)
    const c = await catchUp()
    Object.assign(out, { replica_catchup_records: RECORDS, replica_catchup_seconds: round(c.seconds), replica_catchup_records_per_s: c.perSecond })
  }
  if (!SKIP.has('processes')) {
    const p = await processes()
    Object.assign(out, {
      failover_to_serving_ms: Math.round(p.failoverMs),
      dm_deposit_messages: DEPOSITS,
      dm_deposit_alone_p50_ms: round(percentile(p.alone.deposits, 0.5)),
      dm_deposit_alone_p99_ms: round(percentile(p.alone.deposits, 0.99)),
      dm_deposit_replicated_p50_ms: round(percentile(p.replicated.deposits, 0.5)),
      dm_deposit_replicated_p99_ms: round(percentile(p.replicated.deposits, 0.99)),
      group_post_alone_p50_ms: round(percentile(p.alone.posts, 0.5)),
      group_post_alone_p99_ms: round(percentile(p.alone.posts, 0.99)),
      group_post_replicated_p50_ms: round(percentile(p.replicated.posts, 0.5)),
      group_post_replicated_p99_ms: round(percentile(p.replicated.posts, 0.99))
    })
  }
  if (!SKIP.has('uploads')) {
    const u = await uploads()
    Object.assign(out, {
      relay_upload_setup: `${UPLOAD_CHUNKS * UPLOAD_CHUNK_BYTES / 2 ** 20} MiB file uploaded to the relay holder, nodes in one process, 127.0.0.1, median of 3`,
      relay_upload_alone_mb_per_s: round(u.alone),
      relay_upload_replicated_mb_per_s: round(u.replicated),
      relay_upload_replicated_vs_alone: round(u.replicated / u.alone),
      relay_chunk_catchup_mb_per_s: round(u.catchUp)
    })
  }
  return out
}
