/**
 * `npm run bench`: runs every `*.bench.js` module beside this file (compiled
 * from test/bench/*.bench.ts) and prints one JSON object on the last line of
 * stdout with all their figures, plus what they were measured on.
 *
 * A bench module exports `run(): Promise<BenchResult>`; its progress and
 * explanations go to stderr. Pass module names to run only some:
 * `npm run bench -- crypto`.
 */
import { readdir } from 'node:fs/promises'
import { cpus, totalmem } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

export type BenchResult = Record<string, number | string | boolean>

interface BenchModule {
  run: () => Promise<BenchResult>
}

const here = dirname(fileURLToPath(import.meta.url))
const only = process.argv.slice(2)
const files = (await readdir(here))
  .filter(f => f.endsWith('.bench.js'))
  .filter(f => only.length === 0 || only.includes(f.replace(/\.bench\.js$/, '')))
  .sort()

const results: BenchResult = {
  machine: `${cpus()[0]?.model ?? 'unknown cpu'} x${cpus().length}, ${Math.round(totalmem() / 2 ** 30)} GiB`,
  node: process.version
}
for (const file of files) {
  process.stderr.write(`bench: ${file}\n`)
  const mod = await import(pathToFileURL(join(here, file)).href) as BenchModule
  Object.assign(results, await mod.run())
}
process.stdout.write(JSON.stringify(results) + '\n')
