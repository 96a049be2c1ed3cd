import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mib, rssBound } from './campaign.js'
import { loadSchema } from './schema.js'
import { HISTORY, PASSWORD, rssOf, spawnVictim, startSetup, VICTIM, ATTACKER } from './setup.js'
import { targets } from './targets.js'
import type { Setup } from './setup.js'
import type { Sent, Target } from './targets.js'
import type { Line } from '../helpers/headless-node.js'

/**
 * The bounded part of the fuzz suite (`npm run fuzz` runs 10,000 inputs per
 * target, docs/hardening.md): a couple of hundred structure-aware inputs at
 * every stream protocol, gossip topic and the headless stdin of a real victim
 * process, which must not die, must answer `status` after each, keep its RSS
 * within the bound, and show its history after a restart. FUZZ_SEED replays a run.
 */
const PER_TARGET = Number(process.env.FUZZ_PER_TARGET ?? 200)

describe('fuzzing a real node (bounded)', () => {
  const seed = process.env.FUZZ_SEED === undefined ? Date.now() % 2 ** 31 : Number(process.env.FUZZ_SEED)
  let setup: Setup
  let all: Target[] = []
  let rssStart = 0

  beforeAll(async () => {
    console.log(`fuzz: seed ${seed} (FUZZ_SEED=${seed} replays it), ${PER_TARGET} inputs per target`)
    setup = await startSetup()
    all = await targets({ schema: loadSchema(), hints: { '*': [VICTIM, ATTACKER] } }, setup)
    rssStart = await rssOf(setup.victim.proc.pid!)
  }, 120_000)
  afterAll(async () => { await setup?.stop() })

  const names = ['/lanchat/dm/1.0.0', '/lanchat/idp/1.0.0', '/lanchat/kacls/1.0.0', '/lanchat/relay/1.0.0', '/lanchat/group/poke/1.0.0', '/lanchat/file/1.0.0',
    'presence topic', 'lobby topic', 'group topic', 'registry topic', 'headless stdin']
  names.forEach((name, i) => {
    it(`survives ${PER_TARGET} generated inputs at ${name}`, async () => {
      const target = all.find(t => t.name === name)!
      const sent: Sent = { inputs: 0, frames: 0, byKind: {}, refused: 0, markersLost: 0 }
      await target.fuzz(PER_TARGET, seed + i * 1_000_003, sent)
      await target.drip(1_000, sent)
      const { victim } = setup
      expect(victim.proc.exitCode, victim.stderr.slice(-3000)).toBeNull()
      expect(victim.proc.signalCode).toBeNull()
      const id = `check-${i}`
      victim.write({ id, cmd: 'status' })
      const status = await victim.waitFor(l => l.id === id && 'ok' in l, 30_000, Math.max(0, victim.lines.length - 5_000))
      expect(status).toMatchObject({ ok: true, peerId: victim.peerId })
      const rss = await rssOf(victim.proc.pid!)
      console.log(`${name}: ${sent.inputs} inputs, ${sent.frames} frames, RSS ${mib(rssStart)} -> ${mib(rss)}, markers lost ${sent.markersLost}`)
      expect(rss).toBeLessThan(rssBound(rssStart))
      expect(sent.markersLost).toBe(0)
      expect(sent.inputs).toBeGreaterThanOrEqual(PER_TARGET)
    }, 120_000)
  })

  it('restarts on the same data directory and shows the messages from before the fuzzing', async () => {
    const dataDir = setup.victim.dataDir
    await setup.victim.stop()
    setup.victim = await spawnVictim(dataDir)
    await setup.victim.call('login', { username: VICTIM, password: PASSWORD }, 30_000)
    const { messages } = await setup.victim.call('history', { with: ATTACKER, limit: 1000 })
    const texts = (messages as Line[]).map(m => m.text)
    for (const text of HISTORY) expect(texts).toContain(text)
  }, 90_000)
})
