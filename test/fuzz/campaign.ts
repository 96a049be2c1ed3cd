/**
 * A fuzzing campaign: every target in turn gets `perTarget` generated inputs
 * (and a slow drip), and after each the victim must still be running, answer
 * `status`, and keep its RSS within the bound. At the end the victim is
 * stopped and started again on the same data directory, logs in, and must
 * show the direct messages exchanged before the fuzzing. A victim that died is
 * a crash: it is counted, its stderr kept, and it is restarted for the next
 * target. No vitest here: `npm run fuzz` runs it as plain node.
 */
import { loadSchema } from './schema.js'
import { HISTORY, PASSWORD, rssOf, spawnVictim, startSetup, VICTIM, ATTACKER } from './setup.js'
import { targets } from './targets.js'
import type { Hints } from './gen.js'
import type { Sent } from './targets.js'
import type { Line } from '../helpers/headless-node.js'
import type { Setup } from './setup.js'

export interface CampaignOptions {
  /** Inputs per target */
  perTarget: number
  seed: number
  /** How long each slow drip lasts */
  dripMs: number
  /** Only these targets (by name), all when empty */
  only?: string[]
  log?: (line: string) => void
}

export interface TargetReport extends Sent {
  target: string
  crashes: number
  /** The victim answered `status` afterwards */
  statusOk: boolean
  rssBefore: number
  rssAfter: number
  ms: number
  /** stderr tail of a victim that died */
  crashLog?: string
}

export interface CampaignReport {
  seed: number
  perTarget: number
  targets: TargetReport[]
  /** RSS once set up, before any fuzzing, and after the last target */
  rssStart: number
  rssEnd: number
  /** The bound each target's RSS is held to */
  rssBound: number
  restart: { ok: boolean, history: string[], ms: number }
}

/**
 * The RSS bound: the victim may grow while it works through the inputs (V8
 * heap, LevelDB caches, the lobby posts and mail it stores), but never past
 * twice its size once set up plus 256 MiB.
 */
export function rssBound (start: number): number {
  return 2 * start + 256 * 1024 * 1024
}

/** Realistic values for string fields, so checks past the first are reached. */
function hints (group: string, peerId: string, attackerPeer: string): Hints {
  const users = [VICTIM, ATTACKER, 'nobody', 'Victim']
  const resources = [`group/${group}/epoch/1`, `group/${group}/epoch/2`, 'share/fuzz', `group/${group}`]
  return {
    username: users, to: users, from: users, sender: users, author: users, subject: users, authorized: users, readers: users, writers: users,
    admins: users, group: [group, group.toUpperCase(), group.slice(1)], resource: resources, method: ['register', 'login', 'deposit', 'wrap', 'groupCommit'],
    peer_id: [peerId, attackerPeer], peers: [peerId, attackerPeer], role: ['reader', 'writer', 'relay', 'idp', 'kacls'], pinned: ['relay', 'idp', 'kacls'],
    eligible: ['relay', 'idp', 'kacls'], change: ['create', 'invite', 'kick', 'promote', 'leave'], hlc: ['1763780000123.00000', '9999999999999.99999'],
    id: ['0ad3c0ffee0ad3c0ffee0ad3c0ffee00', 'x'], after: ['0000000000000001', ''], password: [PASSWORD, 'short'], '*': users
  }
}

export async function runCampaign (opts: CampaignOptions): Promise<CampaignReport> {
  const log = opts.log ?? (() => {})
  const setup = await startSetup()
  const reports: TargetReport[] = []
  try {
    const ctx = { schema: loadSchema(), hints: hints(setup.group, setup.victim.peerId, setup.attacker.network.peerId) }
    const all = await targets(ctx, setup)
    const rssStart = await rssOf(setup.victim.proc.pid!)
    const bound = rssBound(rssStart)
    log(`victim pid ${setup.victim.proc.pid}: RSS ${mib(rssStart)} once set up; bound ${mib(bound)}`)
    for (const [i, target] of all.entries()) {
      if (opts.only !== undefined && opts.only.length > 0 && !opts.only.some(o => target.name.includes(o))) continue
      const started = Date.now()
      const rssBefore = await rssOf(setup.victim.proc.pid!).catch(() => 0)
      const sent: Sent = { inputs: 0, frames: 0, byKind: {}, refused: 0, markersLost: 0 }
      log(`${target.name}: ${opts.perTarget} inputs...`)
      await target.fuzz(opts.perTarget, opts.seed + i * 1_000_003, sent)
      await target.drip(opts.dripMs, sent)
      const alive = setup.victim.proc.exitCode === null && setup.victim.proc.signalCode === null
      let statusOk = false
      if (alive) statusOk = await answersStatus(setup.victim, `check-${i}`)
      const rssAfter = alive ? await rssOf(setup.victim.proc.pid!).catch(() => 0) : 0
      const report: TargetReport = { target: target.name, ...sent, crashes: alive ? 0 : 1, statusOk, rssBefore, rssAfter, ms: Date.now() - started }
      if (!alive) {
        report.crashLog = setup.victim.stderr.slice(-4000)
        log(`${target.name}: THE VICTIM DIED (${setup.victim.proc.exitCode ?? setup.victim.proc.signalCode}): ${report.crashLog}`)
        await revive(setup)
      }
      reports.push(report)
      log(formatReport(report))
      // The registry's fake holders must have lapsed before the next target relies on the victim's roles.
      if (target.name.startsWith('registry')) await setup.victim.untilReply('roles', r => ['relay', 'idp', 'kacls'].every(k => (r[k] as { peerId?: string } | null)?.peerId === setup.victim.peerId), 90_000, 'the victim holds its roles again').catch(() => {})
    }
    const rssEnd = await rssOf(setup.victim.proc.pid!).catch(() => 0)
    const restart = await restartAndRead(setup)
    return { seed: opts.seed, perTarget: opts.perTarget, targets: reports, rssStart, rssEnd, rssBound: bound, restart }
  } finally {
    await setup.stop()
  }
}

/** Whether the victim answers `status` (an id of its own: fuzzed lines reuse the numeric ones). */
async function answersStatus (victim: Setup['victim'], id: string): Promise<boolean> {
  const since = victim.mark()
  victim.write({ id, cmd: 'status' })
  const reply = await victim.waitFor(l => l.id === id && 'ok' in l, 30_000, since).catch(() => undefined)
  return reply?.ok === true && typeof reply.peerId === 'string'
}

/** A victim that died is started again on its data directory (and logged in) so the campaign goes on. */
async function revive (setup: Awaited<ReturnType<typeof startSetup>>): Promise<void> {
  setup.victim = await spawnVictim(setup.victim.dataDir)
  await setup.victim.call('login', { username: VICTIM, password: PASSWORD }, 30_000)
  await setup.attacker.network.libp2p.dial((await import('@multiformats/multiaddr')).multiaddr(setup.victim.addr())).catch(() => {})
}

/** Stops the victim the clean way, starts it on the same data directory, logs in and reads the history with the attacker. */
async function restartAndRead (setup: Awaited<ReturnType<typeof startSetup>>): Promise<CampaignReport['restart']> {
  const started = Date.now()
  const dataDir = setup.victim.dataDir
  await setup.victim.stop()
  setup.victim = await spawnVictim(dataDir)
  const login = await setup.victim.send('login', { username: VICTIM, password: PASSWORD }, 30_000)
  const history = login.ok === true ? ((await setup.victim.call('history', { with: ATTACKER, limit: 1000 })).messages as Line[]).map(m => m.text as string) : []
  const ok = HISTORY.every(text => history.includes(text))
  return { ok, history: history.filter(t => HISTORY.includes(t)), ms: Date.now() - started }
}

export const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`

export function formatReport (r: TargetReport): string {
  return `${r.target}: ${r.inputs} inputs, ${r.frames} frames, crashes ${r.crashes}, status ${r.statusOk ? 'ok' : 'FAILED'}, ` +
    `RSS ${mib(r.rssBefore)} -> ${mib(r.rssAfter)}, refused/reset ${r.refused}, markers lost ${r.markersLost}, ${(r.ms / 1000).toFixed(1)} s`
}

/** The table `npm run fuzz` prints (markdown, pasted into docs/hardening.md). */
export function table (report: CampaignReport): string {
  const rows = report.targets.map(r => `| ${r.target} | ${r.inputs} | ${r.frames} | ${r.crashes} | ${r.statusOk ? 'yes' : 'no'} | ${mib(r.rssBefore)} | ${mib(r.rssAfter)} | ${r.markersLost} | ${(r.ms / 1000).toFixed(0)} s |`)
  return [
    '| target | inputs | frames | crashes | answers status | RSS before | RSS after | markers lost | time |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows
  ].join('\n')
}
