#!/usr/bin/env node
/**
 * `lanchat`: the command line. Parses flags, reads the passphrase, starts the
 * node and hands it to a front end (headless JSON lines, or the terminal UI).
 * Every startup error is one line on stderr and exit code 2.
 */
import { readFileSync } from 'node:fs'
import { CommanderError, Command, Option } from 'commander'
import { LanchatNode } from '../src/node.js'
import { CliError } from './errors.js'
import { runHeadless } from './headless/index.js'
import { collect, DEFAULT_DATA_DIR_LABEL, DEFAULT_NETWORK_NAME, DEFAULT_PORT, nodeInitFromOptions, parseChunkSize, parsePort, parseRoles, parseSize, parseTcpMultiaddr } from './options.js'
import { readPassphrase } from './passphrase.js'
import { runTui } from './tui/index.js'
import type { StartOptions } from './options.js'

/** A clean shutdown (libp2p stopped, store closed) must finish within this. */
const SHUTDOWN_TIMEOUT_MS = 5_000

function packageVersion (): string {
  for (const rel of ['../package.json', '../../package.json']) {
    try {
      return (JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { version: string }).version
    } catch {}
  }
  return 'unknown'
}

function fatal (message: string, code = 2): never {
  process.stderr.write(`lanchat: ${message}\n`)
  process.exit(code)
}

async function start (opts: StartOptions): Promise<void> {
  const passphrase = await readPassphrase({ file: opts.passphraseFile, env: process.env, input: process.stdin, output: process.stderr })
  const init = nodeInitFromOptions(opts, passphrase)
  const node = await LanchatNode.start(init)

  let stopping = false
  const shutdown = async (code: number): Promise<never> => {
    if (!stopping) {
      stopping = true
      setTimeout(() => fatal('shutdown took longer than 5 s; exiting anyway', 1), SHUTDOWN_TIMEOUT_MS).unref()
      await node.stop()
    }
    process.exit(code)
  }
  process.on('SIGINT', () => { void shutdown(0) })
  process.on('SIGTERM', () => { void shutdown(0) })

  if (opts.headless) {
    await runHeadless(node, { input: process.stdin, output: process.stdout })
    await shutdown(0)
  }
  // The terminal UI (docs/tui.md) until the person quits; then the node stops.
  try {
    await runTui(node, undefined, { bell: opts.bell, typing: opts.typing })
  } catch (err) {
    await node.stop().catch(() => {})
    throw err
  }
  await shutdown(0)
}

const program = new Command('lanchat')
  .description('Peer-to-peer end-to-end encrypted chat for a local network: no internet, no server.')
  .version(packageVersion())
  .exitOverride()
  .showSuggestionAfterError(true)

program.command('start')
  .description('start a node: join the network, find peers, chat')
  .option('-d, --data-dir <dir>', 'where keys and messages are kept', DEFAULT_DATA_DIR_LABEL)
  .option('--passphrase-file <file>', 'file holding the network passphrase (default: $LANCHAT_PASSPHRASE, else a masked prompt)')
  .option('--network <name>', 'network name: the same passphrase under another name is another network', DEFAULT_NETWORK_NAME)
  .addOption(new Option('-p, --port <port>', `TCP port to listen on, 0 for any (default: ${DEFAULT_PORT})`).argParser(parsePort))
  .addOption(new Option('--listen <multiaddr>', 'listen address instead of --port (repeatable; default: /ip4/0.0.0.0/tcp/PORT)').argParser(collect(parseTcpMultiaddr)))
  .addOption(new Option('--peer <multiaddr>', 'a node to dial and keep redialling, for networks without multicast (repeatable; default: none)').argParser(collect(parseTcpMultiaddr)))
  .option('--no-mdns', 'do not discover peers with mDNS (default: mDNS on)')
  .addOption(new Option('--role <list>', 'pin service roles to this node: comma list of relay, idp, kacls (default: none pinned, elected)').argParser(parseRoles))
  .addOption(new Option('--eligible <list>', 'roles this node may be elected to: comma list of relay, idp, kacls (default: all)').argParser(parseRoles))
  .option('--no-roles', 'a pure client: never hold or be elected to a role (default: eligible for every role)')
  .option('--downloads <dir>', 'where received files land (default: DATA_DIR/downloads)')
  .addOption(new Option('--auto-accept <size>', 'files offered up to this size download on their own; bigger ones wait for /accept (0: none; default: 25MB)').argParser(parseSize))
  .addOption(new Option('--file-chunk-size <size>', 'chunk size of files sent (benchmarks; default 256KiB)').argParser(parseChunkSize).hideHelp())
  .option('--headless', 'JSON lines on stdin/stdout instead of the terminal UI (see docs/headless.md)', false)
  .option('--no-typing', 'neither send nor show typing indicators in direct chats (default: on)')
  .option('--no-bell', 'terminal UI: no terminal bell for new messages (default: a bell for a message not in the open conversation, or while the terminal is in the background)')
  .action(start)

try {
  await program.parseAsync(process.argv)
} catch (err) {
  if (err instanceof CommanderError) {
    // commander has printed its message (or the help) already.
    process.exit(err.exitCode === 0 ? 0 : 2)
  }
  if (err instanceof CliError) fatal(err.message, err.exitCode)
  fatal(err instanceof Error ? err.message : String(err))
}
