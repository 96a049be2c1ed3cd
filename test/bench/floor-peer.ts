/**
 * The DM path's floor, one end of it: what a message costs between two
 * processes with lanchat's own work (crypto, sealing, bookkeeping) taken out.
 * Started twice by dm.bench.ts on the same stack as lanchat's (Network: TCP,
 * pnet, noise, yamux; LevelDB through store/):
 *
 * - `receiver`: for each frame on /lanchat-bench/floor/1, one LevelDB write,
 *   a JSON line on stdout, a short answer frame; prints its address first;
 * - `sender <address>`: for each line on stdin, one LevelDB write, then a
 *   frame to the receiver; prints `ready` once the stream is open.
 *
 * Both exit when stdin closes.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { lpStream } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import { openMemoryStore, openStore } from '../../store/index.js'
import { deriveNetworkKeys, Network } from '../../src/net/index.js'

const PROTOCOL = '/lanchat-bench/floor/1'
const [role, target, passphrase = 'benchmark passphrase'] = process.argv.slice(2)

const dir = await mkdtemp(join(tmpdir(), 'lanchat-bench-floor-'))
const store = await openStore(dir)
const kv = store.sublevel('chat', 'bytes')
/** About what one message's writes weigh on one side. */
const record = new Uint8Array(1_500)
let written = 0
const persist = async (): Promise<void> => { await store.batch([{ type: 'put', sublevel: kv, key: `floor/${written++}`, value: record }]) }

const network = new Network({ store: await openMemoryStore() }, { keys: await deriveNetworkKeys(passphrase), listen: ['/ip4/127.0.0.1/tcp/0'], peers: [], mdns: false })
await network.start()

if (role === 'receiver') {
  await network.libp2p.handle(PROTOCOL, async stream => {
    const lp = lpStream(stream)
    try {
      for (;;) {
        const frame = await lp.read()
        await persist()
        process.stdout.write(JSON.stringify({ event: 'message', bytes: frame.byteLength }) + '\n')
        await lp.write(new Uint8Array(64))
      }
    } catch {
      stream.abort(new Error('floor done'))
    }
  })
  process.stdout.write(network.addresses()[0] + '\n')
} else {
  const stream = await network.libp2p.dialProtocol(multiaddr(target ?? ''), PROTOCOL)
  const lp = lpStream(stream)
  void (async () => { for (;;) await lp.read() })().catch(() => {})
  const frame = new Uint8Array(300)
  createInterface({ input: process.stdin }).on('line', line => {
    JSON.parse(line)
    void persist().then(async () => { await lp.write(frame) })
  })
  process.stdout.write('ready\n')
}

process.stdin.resume()
process.stdin.on('end', () => {
  void (async () => {
    await network.stop()
    await store.close()
    await rm(dir, { recursive: true, force: true })
    process.exit(0)
  })()
})
