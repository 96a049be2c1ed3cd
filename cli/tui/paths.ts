/**
 * Paths on this machine for /file: what Tab offers for a prefix, and the
 * file a typed path names (`~/` is the home directory, a relative path is
 * taken from the directory lanchat was started in).
 */
import { readdirSync } from 'node:fs'
import { homedir } from 'node:os'
import { resolve } from 'node:path'

/** Entries offered at most. */
const MAX_OPTIONS = 200

/** The absolute path a typed path names. */
export function resolvePath (typed: string, cwd = process.cwd(), home = homedir()): string {
  const expanded = typed === '~' ? home : typed.startsWith('~/') ? home + typed.slice(1) : typed
  return resolve(cwd, expanded)
}

/**
 * The paths starting with `prefix`, as typed (a `~/` kept), directories
 * ending in '/'; hidden entries only when the prefix asks for them. Never
 * throws: a directory that cannot be read offers nothing.
 */
export function completePaths (prefix: string, cwd = process.cwd(), home = homedir()): string[] {
  const slash = prefix.lastIndexOf('/')
  const dirTyped = slash < 0 ? '' : prefix.slice(0, slash + 1)
  const base = prefix.slice(slash + 1)
  const dir = dirTyped === '' ? cwd : resolvePath(dirTyped, cwd, home)
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter(e => e.name.startsWith(base) && (base.startsWith('.') || !e.name.startsWith('.')))
      .map(e => `${dirTyped}${e.name}${e.isDirectory() ? '/' : ''}`)
      .sort()
      .slice(0, MAX_OPTIONS)
  } catch {
    return []
  }
}
