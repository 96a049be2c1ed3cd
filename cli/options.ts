import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import { InvalidArgumentError } from 'commander'
import { DEFAULT_NETWORK_NAME, DEFAULT_PORT } from '../src/net/index.js'
import { ROLES } from '../src/roles/index.js'
import { CliError } from './errors.js'
import type { NodeInit, Role } from '../src/node.js'

/** What commander hands the `start` action. */
export interface StartOptions {
  dataDir: string
  passphraseFile?: string
  network: string
  port?: number
  listen?: string[]
  peer?: string[]
  mdns: boolean
  role?: Role[]
  eligible?: Role[]
  roles: boolean
  headless: boolean
  /** Ring the terminal bell for new messages in the terminal UI (--no-bell: false) */
  bell: boolean
  /** Send and show typing indicators in direct chats (--no-typing: false) */
  typing: boolean
  /** Where received files land (default DATA_DIR/downloads) */
  downloads?: string
  /** Files offered up to this many bytes download on their own */
  autoAccept?: number
  /** Chunk size of files sent (hidden: benchmarks) */
  fileChunkSize?: number
}

export const DEFAULT_DATA_DIR_LABEL = '~/.lanchat'

export function resolveDataDir (dir: string): string {
  if (dir === '~' || dir.startsWith('~/')) return join(homedir(), dir.slice(1))
  return resolve(dir)
}

export function parsePort (value: string): number {
  if (!/^\d+$/.test(value) || Number(value) > 65535) throw new InvalidArgumentError('a port is a number from 0 to 65535')
  return Number(value)
}

/** A multiaddr this node can reach over TCP (the only transport pnet protects). */
export function parseTcpMultiaddr (value: string): string {
  let ma
  try {
    ma = multiaddr(value)
  } catch {
    throw new InvalidArgumentError(`not a multiaddr (example: /ip4/192.168.1.20/tcp/${DEFAULT_PORT})`)
  }
  const names = ma.getComponents().map(c => c.name)
  if (!names.includes('tcp')) throw new InvalidArgumentError('lanchat speaks TCP only: the address needs a /tcp/PORT part')
  return ma.toString()
}

export function collect (parse: (value: string) => string) {
  return (value: string, previous: string[] = []): string[] => [...previous, parse(value)]
}

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1e3, kb: 1e3, m: 1e6, mb: 1e6, g: 1e9, gb: 1e9, kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30 }

/** A size: bytes, or a number with kB, MB, GB (powers of 1000) or KiB, MiB, GiB (powers of 1024). */
export function parseSize (value: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(value)
  const unit = SIZE_UNITS[(m?.[2] ?? '').toLowerCase()]
  if (m === null || unit === undefined) throw new InvalidArgumentError('a size is a number of bytes, or one with kB, MB, GB, KiB, MiB or GiB (example: 25MB)')
  const bytes = Math.round(Number(m[1]) * unit)
  if (!Number.isSafeInteger(bytes)) throw new InvalidArgumentError('that size is too large')
  return bytes
}

/** A chunk size: a power of two from 16 KiB to 1 MiB. */
export function parseChunkSize (value: string): number {
  const bytes = parseSize(value)
  if (bytes < 16 * 1024 || bytes > 1024 * 1024 || (bytes & (bytes - 1)) !== 0) throw new InvalidArgumentError('a chunk size is a power of two from 16KiB to 1MiB')
  return bytes
}

export function parseRoles (value: string): Role[] {
  const roles = value.split(',').map(r => r.trim()).filter(r => r !== '')
  if (roles.length === 0) throw new InvalidArgumentError(`list one or more of ${ROLES.join(', ')}`)
  for (const role of roles) {
    if (!(ROLES as readonly string[]).includes(role)) throw new InvalidArgumentError(`unknown role '${role}' (roles: ${ROLES.join(', ')})`)
  }
  return [...new Set(roles as Role[])]
}

/** Turns checked flags into the node's init (the passphrase is read separately). */
export function nodeInitFromOptions (opts: StartOptions, passphrase: string): NodeInit {
  if (opts.port !== undefined && opts.listen !== undefined) throw new CliError('give --port or --listen, not both')
  if (opts.role !== undefined && !opts.roles) throw new CliError('--role and --no-roles contradict each other')
  if (opts.eligible !== undefined && !opts.roles) throw new CliError('--eligible and --no-roles contradict each other')
  const listen = opts.listen ?? [`/ip4/0.0.0.0/tcp/${opts.port ?? DEFAULT_PORT}`]
  return {
    dataDir: resolveDataDir(opts.dataDir),
    passphrase,
    networkName: opts.network,
    listen,
    peers: opts.peer ?? [],
    mdns: opts.mdns,
    pinnedRoles: opts.role ?? [],
    eligibleRoles: opts.roles ? (opts.eligible ?? [...ROLES]) : [],
    typing: opts.typing,
    ...(opts.downloads !== undefined ? { downloadsDir: resolveDataDir(opts.downloads) } : {}),
    ...(opts.autoAccept !== undefined ? { autoAcceptBytes: opts.autoAccept } : {}),
    ...(opts.fileChunkSize !== undefined ? { fileChunkBytes: opts.fileChunkSize } : {})
  }
}

export { DEFAULT_NETWORK_NAME, DEFAULT_PORT }
