// The spike in one command: runs each engine's script in its own Node process
// (so RSS is per engine), one after the other on an otherwise idle machine,
// keeps the raw results in results/, and prints them. From the repository root:
//   npm install --prefix spike/replication && node_modules/.bin/node spike/replication/run.mjs
// Small smoke run: SMOKE=1 node_modules/.bin/node spike/replication/run.mjs
// Options: ENGINES=yjs,orbitdb,automerge (default all), BURST=1 (bulk writes in one event-loop turn),
// YJS_BATCH_MS=5 (Yjs: merge 5 ms of updates per frame and per write). See docs/replication.md.
import { spawn } from 'node:child_process'
import { mkdir, writeFile } from 'node:fs/promises'
import { cpus, totalmem } from 'node:os'

const here = new URL('.', import.meta.url).pathname
const smoke = process.env.SMOKE === '1'
const env = smoke
  ? { N_MAIL: '300', N_ACCOUNTS: '30', N_BEHIND: '300', N_PARTITION: '50', IDLE_MS: '3000' }
  : {}
const engines = (process.env.ENGINES ?? 'yjs,orbitdb,automerge').split(',')

function run (script) {
  return new Promise((resolve, reject) => {
    const t0 = Date.now()
    const child = spawn(process.execPath, [script], { cwd: here, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.on('data', d => { out += d; process.stdout.write(d) })
    child.on('exit', code => {
      const line = out.split('\n').find(l => l.startsWith('RESULT '))
      if (code !== 0 || line === undefined) { reject(new Error(`${script} exited ${code}`)); return }
      resolve({ ...JSON.parse(line.slice(7)), wallMs: Date.now() - t0 })
    })
  })
}

const results = { date: new Date().toISOString(), machine: { cpus: cpus().length, cpu: cpus()[0]?.model, memGiB: Math.round(totalmem() / 2 ** 30) }, smoke, burst: process.env.BURST === '1', runs: [] }
for (const e of engines) {
  console.error(`== ${e}`)
  try { results.runs.push(await run(`${e}.mjs`)) } catch (err) { results.runs.push({ engine: e, error: err.message }) }
}
await mkdir(`${here}results`, { recursive: true })
const file = `${here}results/${smoke ? 'smoke' : 'full'}-${results.date.replace(/[:.]/g, '-')}.json`
await writeFile(file, JSON.stringify(results, null, 2) + '\n')
console.error(`results in ${file}`)
