/**
 * Group chat benchmark: a group of ten members, every member a lanchat node
 * process on loopback (plus an idp+kacls process and a relay process),
 * driven through headless mode.
 *
 * - group_fanout_p50_ms / p99: from writing `group.send` to the first
 *   member's stdin to reading the `group:message` event on the last member's
 *   stdout, one message at a time (each message waits until all nine other
 *   members have it, so nothing queues behind it);
 * - group_fanout_all_p99_ms: the same, until the slowest of the nine;
 * - group_change_p50_ms: an invite (a new epoch: KACLS wrap, relay
 *   compare-and-swap) from the command to the `group:changed` event on the
 *   last member (which unwraps the new key at the KACLS first).
 *
 * GROUP_BENCH_MEMBERS and GROUP_BENCH_MESSAGES override the group size (10)
 * and the number of measured messages (300).
 */
import { HeadlessNode } from '../helpers/headless-node.js'
import type { Line } from '../helpers/headless-node.js'

type BenchResult = Record<string, number | string | boolean>

const MEMBERS = Number(process.env.GROUP_BENCH_MEMBERS ?? 10)
const WARMUP = 50
/** Quiet time after the group is made, before the first message. */
const SETTLE_MS = 5_000
const MESSAGES = Number(process.env.GROUP_BENCH_MESSAGES ?? 300)
const CHANGES = 10
const PASSWORD = 'benchmark-password'

const log = (message: string): void => { process.stderr.write(`group.bench: ${message}\n`) }

function percentile (sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN
}
const round = (n: number): number => Math.round(n * 1000) / 1000

export async function run (): Promise<BenchResult> {
  const nodes: HeadlessNode[] = []
  try {
    log(`starting ${MEMBERS + 2} node processes on 127.0.0.1: idp+kacls, relay, ${MEMBERS} members (one user each)`)
    const local = ['--no-mdns', '--listen', '/ip4/127.0.0.1/tcp/0']
    const idp = await HeadlessNode.spawn({ name: 'idp', args: [...local, '--role', 'idp,kacls'] })
    nodes.push(idp)
    nodes.push(await HeadlessNode.spawn({ name: 'relay', args: [...local, '--role', 'relay', '--peer', idp.addr()] }))
    const names = Array.from({ length: MEMBERS }, (_, i) => `member${i + 1}`)
    const members: HeadlessNode[] = []
    for (let i = 0; i < names.length; i += 4) {
      members.push(...await Promise.all(names.slice(i, i + 4).map(async name => {
        const node = await HeadlessNode.spawn({ name, args: [...local, '--no-roles', '--peer', idp.addr()] })
        nodes.push(node)
        await node.untilReply('roles', r => r.relay !== null && r.idp !== null && r.kacls !== null, 30_000, 'role holders known')
        await node.call('register', { username: name, password: PASSWORD })
        await node.call('login', { username: name, password: PASSWORD })
        return node
      })))
    }
    const [first] = members as [HeadlessNode]
    const last = members.at(-1)!
    const receivers = members.slice(1)
    // Every member connected to every other (gossipsub publishes straight to each subscriber).
    await Promise.all(members.flatMap(a => members.filter(b => b !== a).map(async b => a.connectedTo(b, 30_000))))

    const created = await first.call('group.create', { name: 'bench', members: names.slice(1) })
    const group = created.group as string
    await Promise.all(receivers.map(async n => n.waitFor(l => l.event === 'group:changed' && l.group === group && l.member === true, 30_000)))
    // Let the start-up work (prekey publications, first syncs, the registry settling) finish before measuring.
    await new Promise(resolve => setTimeout(resolve, SETTLE_MS))
    log(`group of ${MEMBERS} created; ${WARMUP} warm-up messages, then ${MESSAGES} measured, one at a time`)

    const toLast: number[] = []
    const toAll: number[] = []
    for (let i = 0; i < WARMUP + MESSAGES; i++) {
      const marks = receivers.map(n => n.mark())
      const text = `bench ${i}`
      const arrived = (n: HeadlessNode, k: number): Promise<Line> => n.waitFor(l => l.event === 'group:message' && l.text === text, 30_000, marks[k])
      const t0 = performance.now()
      first.write({ cmd: 'group.send', group, text })
      const times = await Promise.all(receivers.map(async (n, k) => { await arrived(n, k); return performance.now() - t0 }))
      if (i < WARMUP) continue
      toLast.push(times.at(-1)!)
      toAll.push(Math.max(...times))
    }
    toLast.sort((a, b) => a - b)
    toAll.sort((a, b) => a - b)

    log(`${CHANGES} membership changes (invite, then kick, of an extra user): command to group:changed on ${last.name}`)
    const extra = await HeadlessNode.spawn({ name: 'extra', args: [...local, '--no-roles', '--peer', idp.addr()] })
    nodes.push(extra)
    await extra.untilReply('roles', r => r.relay !== null && r.idp !== null && r.kacls !== null, 30_000, 'role holders known')
    await extra.call('register', { username: 'extra', password: PASSWORD })
    await extra.call('login', { username: 'extra', password: PASSWORD })
    const changes: number[] = []
    for (let i = 0; i < CHANGES; i++) {
      const since = last.mark()
      const cmd = i % 2 === 0 ? 'group.invite' : 'group.kick'
      const t0 = performance.now()
      const reply = await first.call(cmd, { group, user: 'extra' })
      await last.waitFor(l => l.event === 'group:changed' && l.group === group && l.epoch === reply.epoch, 30_000, since)
      changes.push(performance.now() - t0)
    }
    changes.sort((a, b) => a - b)

    const result = {
      group_members: MEMBERS,
      group_fanout_p50_ms: round(percentile(toLast, 0.5)),
      group_fanout_p99_ms: round(percentile(toLast, 0.99)),
      group_fanout_all_p99_ms: round(percentile(toAll, 0.99)),
      group_change_p50_ms: round(percentile(changes, 0.5))
    }
    log(`fanout to the last of ${MEMBERS} members: p50 ${result.group_fanout_p50_ms} ms, p99 ${result.group_fanout_p99_ms} ms (target p99 < 50 ms); to all: p99 ${result.group_fanout_all_p99_ms} ms; a membership change: p50 ${result.group_change_p50_ms} ms`)
    log('measured on one machine, every node its own process on 127.0.0.1 (TCP, pnet, noise, yamux, gossipsub), bench process timing stdin write to stdout line')
    return result
  } finally {
    await Promise.all(nodes.map(async n => n.kill()))
  }
}
