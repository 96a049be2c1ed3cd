/**
 * The baseline's far end: a libp2p node on the same stack as lanchat's
 * (Network: TCP, pnet, noise, yamux) that echoes every length-prefixed frame
 * on /lanchat-bench/echo/1.0.0. Started as its own process by dm.bench.ts;
 * prints its address on stdout, exits when stdin closes.
 */
import { lpStream } from '@libp2p/utils'
import { openMemoryStore } from '../../store/index.js'
import { deriveNetworkKeys, Network } from '../../src/net/index.js'

const [protocol = '/lanchat-bench/echo/1.0.0', passphrase = 'benchmark passphrase'] = process.argv.slice(2)
const network = new Network({ store: await openMemoryStore() }, {
  keys: await deriveNetworkKeys(passphrase),
  listen: ['/ip4/127.0.0.1/tcp/0'],
  peers: [],
  mdns: false
})
await network.start()
await network.libp2p.handle(protocol, async stream => {
  const lp = lpStream(stream)
  try {
    for (;;) await lp.write(await lp.read())
  } catch {
    stream.abort(new Error('echo done'))
  }
})
process.stdout.write(network.addresses()[0] + '\n')
process.stdin.resume()
process.stdin.on('end', () => { void network.stop().then(() => process.exit(0)) })
