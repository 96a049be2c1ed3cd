/**
 * The scale check of issue 16 on a namespace LAN (`npm run scale [-- 5 10 20]`):
 * for each size, that many hosts each run one node with real mDNS and the
 * default election; every node must agree on the role holders, every user
 * DMs the next one round the ring, and one group of every user gets a post
 * from each member, seen by all. Then the LAN idles for a minute and each
 * node's CPU time, RSS and the bytes through its cable are read: what a node
 * costs when nothing happens, and how that grows with the size of the LAN.
 *
 * Needs root and iproute2 (it says so and exits 0 otherwise). A measurement,
 * not a test (so here with the benchmarks, though not one `npm run bench`
 * runs: it needs root and takes minutes per size): its figures go in
 * docs/hardening.md; the suite's LAN tests (test/lan) cover the behaviour.
 */
import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { cpus, totalmem } from 'node:os'
import { promisify } from 'node:util'
import { HeadlessNode } from '../helpers/headless-node.js'
import { createLan, netnsSupport } from '../helpers/netns.js'
import { agreedHolders } from '../helpers/roles.js'
import type { Host, Lan } from '../helpers/netns.js'

const run = promisify(execFile)
const PASSWORD = 'a-long-enough-password'
const IDLE_MS = Number(process.env.SCALE_IDLE_MS ?? 60_000)
const TICKS = 100 // USER_HZ on Linux

interface Sample { cpuTicks: number, rssKiB: number, rx: number, tx: number }

async function sample (node: HeadlessNode, host: Host): Promise<Sample> {
  const pid = node.proc.pid!
  const stat = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ')
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  const rss = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0)
  const { stdout } = await run('ip', ['-n', host.ns, '-s', '-j', 'link', 'show', host.dev])
  const stats = (JSON.parse(stdout) as Array<{ stats64: { rx: { bytes: number }, tx: { bytes: number } } }>)[0]!.stats64
  // Fields 14 and 15 of /proc/PID/stat (utime, stime), counted from after the command name.
  return { cpuTicks: Number(stat[11]) + Number(stat[12]), rssKiB: rss, rx: stats.rx.bytes, tx: stats.tx.bytes }
}

function median (xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]!
}

async function timed<T> (what: string, fn: () => Promise<T>): Promise<T> {
  const start = Date.now()
  const out = await fn()
  console.log(`  ${what}: ${((Date.now() - start) / 1000).toFixed(1)} s`)
  return out
}

async function check (size: number, subnet: string): Promise<Record<string, number>> {
  console.log(`${size} hosts`)
  let lan: Lan | undefined
  const nodes: HeadlessNode[] = []
  try {
    lan = await createLan(size, subnet)
    const hosts = lan.hosts
    // Started five at a time: a 2-core machine starting twenty node processes at once spends a minute on it.
    for (let i = 0; i < size; i += 5) {
      nodes.push(...await Promise.all(hosts.slice(i, i + 5).map(async (host, j) =>
        HeadlessNode.spawn({ name: `user${i + j + 1}`, netns: host.ns }))))
    }
    const agreed = await timed('every node agrees on the three holders', async () => agreedHolders(nodes, 180_000))
    const settledAt = nodes[0]!.mark()
    // A role that moves after everyone agreed takes its state with it until replication: worth knowing when and why.
    const moves = (): string[] => nodes[0]!.lines.slice(settledAt).filter(l => l.event === 'role:changed').map(l => `${String(l.role)} -> ..${String(l.peerId).slice(-6)}`)
    process.once('exit', () => { if (moves().length > 0) console.log(`  roles moved after agreement (${JSON.stringify(agreed)}): ${moves().join(', ')}`) })
    // One after another, as people arrive: the idp's scrypt per registration and login is the cost of each.
    await timed('every user registered and logged in', async () => {
      for (const [i, node] of nodes.entries()) {
        await node.call('register', { username: `user${i + 1}`, password: PASSWORD }, 60_000)
        await node.call('login', { username: `user${i + 1}`, password: PASSWORD }, 60_000)
      }
    })
    await timed(`${size} DMs round the ring, each delivered`, async () => {
      await Promise.all(nodes.map(async (node, i) => {
        const to = (i + 1) % size
        const sent = await node.call('send', { to: `user${to + 1}`, text: `ring ${i + 1}` }, 60_000)
        await nodes[to]!.waitFor(l => l.event === 'message' && l.id === sent.messageId, 120_000)
        await node.waitFor(l => l.event === 'message:status' && l.id === sent.messageId && l.status === 'delivered', 120_000)
      }))
    })
    const group = await timed(`a group of ${size} created, every member at epoch 1`, async () => {
      const created = await nodes[0]!.call('group.create', { name: 'everyone', members: nodes.slice(1).map((_, i) => `user${i + 2}`) }, 120_000)
      const id = created.group as string
      await Promise.all(nodes.slice(1).map(async n => n.waitFor(l => l.event === 'group:changed' && l.group === id && l.epoch === 1, 120_000)))
      return id
    })
    await timed(`${size} posts, each seen by the ${size - 1} others`, async () => {
      await Promise.all(nodes.map(async (node, i) => {
        const sent = await node.call('group.send', { group, text: `post ${i + 1}` }, 60_000)
        await Promise.all(nodes.filter(n => n !== node).map(async n =>
          n.waitFor(l => l.event === 'group:message' && l.id === sent.messageId, 120_000).catch(async err => {
            const mine = await node.call('group.history', { group })
            const theirs = await n.call('group.history', { group })
            console.log(`  ${n.name} lacks ${node.name}'s post ${String(sent.messageId)}: the sender has ${JSON.stringify(mine.messages)}; ${n.name} has ${JSON.stringify(theirs.messages)}; ${n.name}'s last lines ${JSON.stringify(n.lines.slice(-8))}`)
            throw err
          })))
      }))
    })
    // Idle: the measurement window is a span of time by design (what a node costs per minute of nothing).
    const before = await Promise.all(nodes.map(async (n, i) => sample(n, hosts[i]!)))
    const startedAt = Date.now()
    await new Promise(resolve => setTimeout(resolve, IDLE_MS))
    const after = await Promise.all(nodes.map(async (n, i) => sample(n, hosts[i]!)))
    const minutes = (Date.now() - startedAt) / 60_000
    const cpu = after.map((a, i) => 100 * (a.cpuTicks - before[i]!.cpuTicks) / TICKS / (minutes * 60))
    const bytes = after.map((a, i) => (a.rx - before[i]!.rx + a.tx - before[i]!.tx) / minutes / 1024)
    const figures = {
      hosts: size,
      idle_cpu_pct_median: median(cpu),
      idle_cpu_pct_max: Math.max(...cpu),
      rss_mib_median: median(after.map(a => a.rssKiB / 1024)),
      rss_mib_max: Math.max(...after.map(a => a.rssKiB / 1024)),
      idle_kib_per_min_median: median(bytes),
      idle_kib_per_min_max: Math.max(...bytes),
      role_moves_after_agreement: moves().length
    }
    console.log(`  ${JSON.stringify(Object.fromEntries(Object.entries(figures).map(([k, v]) => [k, Math.round(v * 10) / 10])))}`)
    return figures
  } finally {
    await Promise.all(nodes.map(async n => n.kill()))
    await lan?.destroy()
  }
}

const support = await netnsSupport()
if (!support.ok) {
  console.log(`SKIPPED: the scale check needs network namespaces: ${support.reason}`)
  process.exit(0)
}
// What it was measured on (every node of the LAN runs on this one machine).
console.log(`on ${cpus()[0]?.model ?? 'unknown cpu'} x${cpus().length}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`)
const sizes = process.argv.slice(2).map(Number).filter(n => Number.isInteger(n) && n >= 2 && n <= 250)
const results = []
for (const size of sizes.length > 0 ? sizes : [5, 10, 20]) results.push(await check(size, '10.94.0'))
console.table(results.map(r => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Math.round(v * 10) / 10]))))
