import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CrashCluster } from './cluster.js'
import { crashRound, formatRound, prng, TARGETS, totals } from './rounds.js'
import type { RoundResult } from './rounds.js'

/**
 * The bounded crash-safety suite: three rounds of a 300-message burst from
 * alice to bob, SIGKILLing the sender, the receiver and the relay holder in
 * turn at a random point (CRASH_SEED replays a run; the seed is printed).
 * `npm run crash` runs the long version (docs/hardening.md).
 */
describe('crash safety: SIGKILL of the sender, the receiver and the relay holder mid-burst', () => {
  const seed = process.env.CRASH_SEED === undefined ? Date.now() % 2 ** 31 : Number(process.env.CRASH_SEED)
  const rng = prng(seed)
  const results: RoundResult[] = []
  let cluster: CrashCluster

  beforeAll(async () => {
    console.log(`crash safety: seed ${seed} (CRASH_SEED=${seed} replays it)`)
    cluster = await CrashCluster.start()
  }, 120_000)
  afterAll(async () => {
    await cluster?.stop()
    if (results.length > 0) console.log(`crash safety totals (seed ${seed}): ${JSON.stringify(totals(results))}`)
  })

  TARGETS.forEach((target, i) => {
    it(`loses, duplicates and reorders nothing when the ${target} is killed (300 messages)`, async () => {
      const result = await crashRound(cluster, { round: i + 1, messages: 300, target, rng, convergeTimeoutMs: 60_000, log: line => { console.log(line) } })
      results.push(result)
      console.log(formatRound(result))
      expect(result.acked).toBeGreaterThan(0)
      expect({ lost: result.lost, duplicated: result.duplicated, reordered: result.reordered, converged: result.converged })
        .toEqual({ lost: 0, duplicated: 0, reordered: 0, converged: true })
    }, 180_000)
  })
})
