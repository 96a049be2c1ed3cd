/**
 * The full fuzzing run: `npm run fuzz -- [--per-target N] [--seed S] [--drip MS] [--only NAME,...]`
 * (default 10,000 inputs per target, a 20 s drip). Prints progress, then the
 * table of docs/hardening.md and the totals; exits 1 on a crash, a victim that
 * stopped answering, an RSS over the bound, or history lost over the restart.
 */
import { parseArgs } from 'node:util'
import { mib, runCampaign, table } from './campaign.js'

const { values } = parseArgs({
  options: {
    'per-target': { type: 'string', default: '10000' },
    seed: { type: 'string' },
    drip: { type: 'string', default: '20000' },
    only: { type: 'string', default: '' }
  }
})
const seed = values.seed === undefined ? Date.now() % 2 ** 31 : Number(values.seed)
const perTarget = Number(values['per-target'])
console.log(`fuzz: seed ${seed}, ${perTarget} inputs per target, drips of ${values.drip} ms`)
const started = Date.now()
const report = await runCampaign({
  perTarget,
  seed,
  dripMs: Number(values.drip),
  only: values.only === '' ? [] : values.only.split(','),
  log: line => { console.log(line) }
})
console.log('')
console.log(table(report))
const crashes = report.targets.reduce((n, t) => n + t.crashes, 0)
const over = report.targets.filter(t => t.rssAfter > report.rssBound)
const silent = report.targets.filter(t => !t.statusOk)
console.log('')
console.log(`inputs ${report.targets.reduce((n, t) => n + t.inputs, 0)}, frames ${report.targets.reduce((n, t) => n + t.frames, 0)}, crashes ${crashes}`)
console.log(`RSS: ${mib(report.rssStart)} before fuzzing, ${mib(report.rssEnd)} after (bound ${mib(report.rssBound)}); over the bound: ${over.map(t => t.target).join(', ') || 'none'}`)
console.log(`restart on the same data directory: ${report.restart.ok ? 'history shown' : 'HISTORY MISSING'} (${report.restart.history.length} of the messages from before, ${report.restart.ms} ms)`)
console.log(`seed ${seed}, ${Math.round((Date.now() - started) / 1000)} s`)
process.exit(crashes === 0 && over.length === 0 && silent.length === 0 && report.restart.ok ? 0 : 1)
