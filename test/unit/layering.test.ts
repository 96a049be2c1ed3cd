import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, normalize, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

/**
 * The layering (docs/architecture.md): a module imports only modules of a
 * lower layer, never one above it. store knows nothing of src; src nothing of
 * cli. A new top-level module must be given its layer here.
 */
const LAYERS: Record<string, number> = {
  store: 0,
  'src/crypto': 1,
  'src/errors.ts': 0,
  'src/logger.ts': 1,
  'src/lock.ts': 1,
  'src/retry.ts': 1,
  'src/text.ts': 1,
  'src/kdf.ts': 1,
  'src/usernames.ts': 2,
  'src/sealed-store.ts': 2,
  'src/net': 2,
  'src/roles': 3,
  'src/groups': 3,
  'src/replication': 4,
  'src/services': 5,
  'src/account': 6,
  'src/timeline': 6,
  'src/directory': 7,
  'src/files': 7,
  'src/chat': 8,
  'src/node': 9,
  'src/node.ts': 10,
  cli: 11
}
/** src/errors.ts lists every module's error codes: type imports only, so the registry sits below them. */
const TYPE_REGISTRY = 'src/errors.ts'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')

function moduleOf (file: string): string {
  const parts = file.split('/')
  if (parts[0] === 'store' || parts[0] === 'cli') return parts[0]
  return parts.length > 2 ? `${parts[0]}/${parts[1]}` : file
}

function * sources (dir: string): Generator<string> {
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`
    if (entry.isDirectory()) yield * sources(path)
    else if (entry.name.endsWith('.ts')) yield path
  }
}

interface Import { from: string, to: string, typeOnly: boolean }

function imports (file: string): Import[] {
  const text = readFileSync(join(root, file), 'utf8')
  const out: Import[] = []
  for (const m of text.matchAll(/^(?:import|export)\s+(type\s+)?(?:[^;]*?\sfrom\s+)?'([^']+)'/gms)) {
    const spec = m[2]!
    if (!spec.startsWith('.')) continue
    const target = relative(root, normalize(join(root, dirname(file), spec))).replace(/\.js$/, '.ts')
    out.push({ from: file, to: target, typeOnly: m[1] !== undefined })
  }
  return out
}

describe('the layering', () => {
  const all = ['store', 'src', 'cli'].flatMap(dir => [...sources(dir)]).flatMap(imports)

  it('knows the layer of every module', () => {
    const unknown = new Set([...all.map(i => moduleOf(i.from)), ...all.map(i => moduleOf(i.to))].filter(m => LAYERS[m] === undefined))
    expect([...unknown]).toEqual([])
  })

  it('has no module importing one of its own layer or above (store nothing of src, src nothing of cli)', () => {
    const upward = all.filter(i => {
      const from = moduleOf(i.from)
      const to = moduleOf(i.to)
      if (from === to) return false
      if (from === TYPE_REGISTRY && i.typeOnly) return false
      return (LAYERS[to] ?? Infinity) >= (LAYERS[from] ?? -Infinity)
    }).map(i => `${i.from} -> ${i.to}`)
    expect(upward).toEqual([])
  })

  it('finds an upward import when there is one (the check itself works)', () => {
    const fake: Import = { from: 'store/store.ts', to: 'src/errors.ts', typeOnly: false }
    expect(LAYERS[moduleOf(fake.to)]! >= LAYERS[moduleOf(fake.from)]!).toBe(true)
    expect(imports('src/node.ts').some(i => moduleOf(i.to) === 'src/chat')).toBe(true)
  })
})
