import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { freePort } from '../helpers/headless-node.js'
import { spawnPerTest } from '../helpers/per-test.js'
import type { HeadlessNode } from '../helpers/headless-node.js'
import { agreedHolders, holders, resetConnections, votesAtRest } from '../helpers/roles.js'

const LOCAL = ['--no-mdns', '--listen', '/ip4/127.0.0.1/tcp/0']
/** Resetting a process's TCP connections needs root (`ss -K`) */
const CAN_RESET = process.getuid?.() === 0
/** Registry timings (src/roles/constants.ts) */
const LEASE_MS = 12_000

/**
 * The stable outcomes of the double pin (a: --role kacls, b: --role kacls,idp, c: --eligible relay), as holders in
 * the order relay, idp, kacls: idp is b's; kacls is a's and relay c's, or kacls is b's and relay a's or c's.
 */
const doublePinSettled = (a: HeadlessNode, b: HeadlessNode, c: HeadlessNode) => (hs: Array<string | null>): boolean =>
  hs[1] === b.peerId && (hs[2] === a.peerId ? hs[0] === c.peerId : hs[2] === b.peerId && (hs[0] === a.peerId || hs[0] === c.peerId))

describe('role election across node processes', () => {
  const spawnNode = spawnPerTest()
  const spawned: HeadlessNode[] = []
  const spawn: typeof spawnNode = async opts => {
    const node = await spawnNode(opts)
    spawned.push(node)
    return node
  }
  // ROLES_LOGS=dir keeps every node's JSON lines and stderr (with DEBUG=lanchat:registry, the election's log) per test.
  afterEach(async ctx => {
    const nodes = spawned.splice(0)
    const dir = process.env.ROLES_LOGS
    if (dir === undefined) return
    const sub = join(dir, `${Date.now()}-${ctx.task.name.slice(0, 40).replace(/\W+/g, '-')}-${ctx.task.result?.state ?? ''}`)
    await mkdir(sub, { recursive: true })
    for (const n of nodes) {
      await writeFile(join(sub, `${n.name}.jsonl`), n.lines.map(l => JSON.stringify(l)).join('\n') + '\n')
      await writeFile(join(sub, `${n.name}.stderr`), n.stderr)
    }
  })

  it('spreads the three roles over three nodes, agreed by all, and never elects a --no-roles node', async () => {
    const a = await spawn({ name: 'a', args: LOCAL })
    const others = await Promise.all(['b', 'c'].map(async name => spawn({ name, args: [...LOCAL, '--peer', a.addr()] })))
    const client = await spawn({ name: 'client', args: [...LOCAL, '--peer', a.addr(), '--no-roles'] })
    const all = [a, ...others, client]
    const h = await agreedHolders(all, 30_000, hs => new Set(hs).size === 3)
    expect(Object.values(h)).not.toContain(client.peerId)
    const reply = await client.call('roles')
    expect(reply.warnings).toEqual([])
    expect(reply.idp).toMatchObject({ peerId: h.idp, pinned: false })
    expect(typeof (reply.idp as { since: number }).since).toBe('number')
    expect((await client.call('status')).roles).toEqual({ pinned: [], eligible: [], serving: [] })
  })

  it('gives a pinned role to its node and reports a role pinned twice', async () => {
    const a = await spawn({ name: 'a', args: [...LOCAL, '--role', 'kacls'] })
    const b = await spawn({ name: 'b', args: [...LOCAL, '--peer', a.addr(), '--role', 'kacls,idp'] })
    const c = await spawn({ name: 'c', args: [...LOCAL, '--peer', a.addr(), '--eligible', 'relay'] })
    // a, alone at first, held every role; idp goes to b, the only node pinning it. kacls is pinned on both: when b
    // elected itself while warming up before it heard a, their votes tie, so do their pins, and the tie-break decides
    // (docs/roles.md, "The election rule"). Either way the outcome is stable: with kacls on a, relay reaches c by the
    // separation pass once c has settled; with kacls on b, relay is a's, or c's when c too named itself before it
    // heard anyone (a then holds nothing: b's two roles are both pinned to it, and a pin never takes a role from its
    // working pinned holder, test/security/roles.test.ts).
    const h = await agreedHolders([a, b, c], 30_000, doublePinSettled(a, b, c))
    expect([a.peerId, b.peerId]).toContain(h.kacls)
    for (const n of [a, b, c]) {
      const reply = await n.untilReply('roles', r => (r.warnings as string[]).some(w => w.startsWith('kacls is pinned on 2 nodes')), 10_000, 'double-pin warning')
      expect(reply.kacls).toMatchObject({ pinned: true })
    }
  })

  it.skipIf(!CAN_RESET)('moves no role when every connection of a live holder resets (a blip every other node sees, not a death)', async () => {
    // The double pin again. Electing as soon as a connection closed, both other nodes gave a's kacls to b, and their
    // two votes kept it there once a was connected again: the working holder lost its role to a blip (docs/roles.md,
    // "When a node is gone"). The code before moved roles too, when a tick came before the redial.
    const a = await spawn({ name: 'a', args: [...LOCAL, '--role', 'kacls'] })
    const b = await spawn({ name: 'b', args: [...LOCAL, '--peer', a.addr(), '--role', 'kacls,idp'] })
    const c = await spawn({ name: 'c', args: [...LOCAL, '--peer', a.addr(), '--eligible', 'relay'] })
    const all = [a, b, c]
    const before = await agreedHolders(all, 30_000, doublePinSettled(a, b, c))
    await votesAtRest(all, before)
    const holder = all.find(n => n.peerId === before.kacls)!
    const others = all.filter(n => n !== holder)
    const marks = all.map(n => n.mark())
    expect(resetConnections(holder)).toBeGreaterThanOrEqual(2)
    // The others saw it go, and connected to it again.
    for (const n of others) {
      const mark = marks[all.indexOf(n)]
      await n.waitFor(l => l.event === 'peer:disconnected' && l.peerId === holder.peerId, 10_000, mark)
      await n.waitFor(l => l.event === 'peer:connected' && l.peerId === holder.peerId, 10_000, mark)
    }
    // More than an election tick (3 s) later, nothing moved on any node.
    await new Promise(resolve => setTimeout(resolve, 4_000))
    expect(await agreedHolders(all, 10_000)).toEqual(before)
    all.forEach((n, i) => {
      expect(n.lines.slice(marks[i]).filter(l => l.event === 'role:changed')).toEqual([])
    })
  }, 90_000)

  it('fails a role over within two leases when its holder dies, and stays stable when it returns', async () => {
    const ports = await Promise.all([freePort(), freePort(), freePort()])
    const listen = (port: number): string[] => ['--no-mdns', '--listen', `/ip4/127.0.0.1/tcp/${port}`]
    const a = await spawn({ name: 'a', args: listen(ports[0]!) })
    const b = await spawn({ name: 'b', args: [...listen(ports[1]!), '--peer', a.addr()] })
    const c = await spawn({ name: 'c', args: [...listen(ports[2]!), '--peer', a.addr(), '--peer', b.addr()] })
    const before = await agreedHolders([a, b, c], 30_000, hs => new Set(hs).size === 3)
    // Killed at rest: a holder that dies within a gossip round of a role move may leave a survivor counting a vote
    // from before the move, and move a role once more (a transient, not what this test is about).
    await votesAtRest([a, b, c], before)

    const victim = [a, b, c].find(n => n.peerId === before.idp)!
    const survivors = [a, b, c].filter(n => n !== victim)
    const killedAt = Date.now()
    await victim.kill('SIGKILL')
    const after = await agreedHolders(survivors, 2 * LEASE_MS, hs => hs[1] !== victim.peerId)
    const failoverMs = Date.now() - killedAt
    console.log(`roles: idp failed over in ${failoverMs} ms (lease ${LEASE_MS} ms)`)
    expect(failoverMs).toBeLessThan(2 * LEASE_MS)
    // Only the dead holder's role moved.
    expect(after.relay).toBe(before.relay)
    expect(after.kacls).toBe(before.kacls)
    const marks = survivors.map(n => n.mark())

    // The old holder comes back with the same identity.
    const back = await spawn({ name: 'returned', dataDir: victim.dataDir, args: [...listen(ports[[a, b, c].indexOf(victim)]!), '--peer', survivors[0]!.addr()] })
    expect(back.peerId).toBe(victim.peerId)
    const settled = await agreedHolders([...survivors, back], 45_000, hs => new Set(hs).size === 3)
    // Exactly one of the doubled-up node's roles moved, once, to the returned node; nothing else flapped.
    const moved = (['relay', 'idp', 'kacls'] as const).filter(r => settled[r] !== after[r])
    expect(moved).toHaveLength(1)
    const role = moved[0]!
    expect(settled[role]).toBe(back.peerId)
    expect(Object.values(after).filter(p => p === after[role])).toHaveLength(2)
    survivors.forEach((n, i) => {
      const changes = n.lines.slice(marks[i]).filter(l => l.event === 'role:changed')
      expect(changes.map(l => l.role)).toEqual([role])
    })
    expect(holders(await back.call('roles'))).toEqual([settled.relay, settled.idp, settled.kacls])
  }, 150_000)
})
