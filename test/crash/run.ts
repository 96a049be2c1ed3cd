/**
 * The long crash-safety run: `npm run crash -- [--rounds R] [--messages N] [--seed S] [--targets sender,receiver,relay] [--timeout MS]`.
 * Rounds cycle through the targets; every kill point and pause comes from the
 * seed (printed first, so a run can be replayed). Prints one line per round
 * and the totals; exits 1 if a message was lost, duplicated or reordered, or a
 * round did not converge.
 */
import { parseArgs } from 'node:util'
import { CrashCluster } from './cluster.js'
import { ALL_TARGETS, crashRound, formatRound, prng, totals } from './rounds.js'
import type { RoundResult, Target } from './rounds.js'

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '12' },
    messages: { type: 'string', default: '2000' },
    seed: { type: 'string' },
    targets: { type: 'string', default: ALL_TARGETS.join(',') },
    timeout: { type: 'string', default: '120000' }
  }
})
const seed = values.seed === undefined ? Date.now() % 2 ** 31 : Number(values.seed)
const targets = values.targets.split(',') as Target[]
const rounds = Number(values.rounds)
const messages = Number(values.messages)
console.log(`crash-safety: seed ${seed}, ${rounds} rounds of ${messages} messages, targets ${targets.join(',')}`)
const rng = prng(seed)
const started = Date.now()
const cluster = await CrashCluster.start()
const results: RoundResult[] = []
try {
  for (let round = 1; round <= rounds; round++) {
    const target = targets[(round - 1) % targets.length]!
    const result = await crashRound(cluster, { round, messages, target, rng, convergeTimeoutMs: Number(values.timeout), log: line => { console.log(line) } })
    results.push(result)
    console.log(formatRound(result))
  }
} finally {
  await cluster.stop()
}
const t = totals(results)
console.log(`totals (seed ${seed}, ${Math.round((Date.now() - started) / 1000)} s): ${JSON.stringify(t)}`)
const slowest = results.reduce((a, b) => (b.convergeMs > a.convergeMs ? b : a))
console.log(`slowest convergence: round ${slowest.round} (${slowest.target}) ${slowest.convergeMs} ms`)
process.exit(t.lost + t.duplicated + t.reordered + t.unconverged === 0 ? 0 : 1)
