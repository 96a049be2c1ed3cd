import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { HeadlessNode, runCli, tempDir, TEST_PASSPHRASE } from '../helpers/headless-node.js'
import { spawnPerTest } from '../helpers/per-test.js'

const LOCAL = ['--no-mdns', '--listen', '/ip4/127.0.0.1/tcp/0']

describe('lanchat command line', () => {
  const spawnNode = spawnPerTest()

  it('shows every start option with its default', async () => {
    const { code, stdout } = await runCli(['start', '--help'])
    expect(code).toBe(0)
    for (const flag of ['--data-dir', '--passphrase-file', '--port', '--listen', '--peer', '--no-mdns', '--role', '--no-roles', '--headless', '--network']) {
      expect(stdout).toContain(flag)
    }
    expect(stdout).toContain('~/.lanchat')
    expect(stdout).toContain('7420')
    expect(stdout).toContain('LANCHAT_PASSPHRASE')
    const top = await runCli(['--help'])
    expect(top.code).toBe(0)
    expect(top.stdout).toContain('start')
  })

  it.each([
    [['start', '--bogus'], /unknown option '--bogus'/],
    [['start', '--port', '99999'], /port is a number from 0 to 65535/],
    [['start', '--peer', 'not-an-address'], /not a multiaddr/],
    [['start', '--peer', '/ip4/127.0.0.1/udp/5'], /TCP only/],
    [['start', '--role', 'relay,boss'], /unknown role 'boss'/],
    [['start', '--passphrase-file', '/nonexistent/pass'], /cannot read the passphrase file \/nonexistent\/pass/],
    [['start', '--role', 'idp', '--no-roles', '--headless'], /contradict/],
    [['start', '--port', '1', '--listen', '/ip4/127.0.0.1/tcp/0', '--headless'], /--port or --listen, not both/]
  ])('refuses %j with one line on stderr and exit code 2', async (args, message) => {
    const dir = await tempDir()
    const { code, stderr, stdout } = await runCli([...args, '--data-dir', dir], { LANCHAT_PASSPHRASE: TEST_PASSPHRASE })
    expect(code).toBe(2)
    expect(stderr).toMatch(message)
    expect(stderr.trim().split('\n')).toHaveLength(1)
    expect(stdout).toBe('')
  })

  it('refuses a missing or weak passphrase without a terminal', async () => {
    const dir = await tempDir()
    const none = await runCli(['start', '--headless', '--data-dir', dir, ...LOCAL], { LANCHAT_PASSPHRASE: '' })
    expect(none.code).toBe(2)
    expect(none.stderr).toMatch(/no network passphrase/)
    const weak = await runCli(['start', '--headless', '--data-dir', dir, ...LOCAL], { LANCHAT_PASSPHRASE: 'short' })
    expect(weak.code).toBe(2)
    expect(weak.stderr).toMatch(/at least 8 characters/)
  })

  it('refuses a data directory another node is using, naming it', async () => {
    const a = await spawnNode({ args: LOCAL })
    const { code, stderr } = await runCli(['start', '--headless', '--data-dir', a.dataDir, ...LOCAL], { LANCHAT_PASSPHRASE: TEST_PASSPHRASE })
    expect(code).toBe(2)
    expect(stderr).toContain(`data directory ${a.dataDir} is in use`)
    expect((await a.call('status')).dataDir).toBe(a.dataDir)
  })

  it('refuses an occupied port', async () => {
    const a = await spawnNode({ args: LOCAL })
    const port = a.addr().split('/')[4]!
    const { code, stderr } = await runCli(['start', '--headless', '--data-dir', await tempDir(), '--no-mdns', '--listen', `/ip4/127.0.0.1/tcp/${port}`], { LANCHAT_PASSPHRASE: TEST_PASSPHRASE })
    expect(code).toBe(2)
    expect(stderr).toMatch(/already in use/)
  })

  it('reads the passphrase from a file, and the peer id persists in the data directory', async () => {
    const dir = await tempDir()
    await mkdir(join(dir, 'data'))
    const passFile = join(dir, 'pass')
    await writeFile(passFile, `${TEST_PASSPHRASE}\n`)
    const first = await HeadlessNode.spawn({ dataDir: join(dir, 'data'), args: LOCAL })
    expect(await first.stop()).toBe(0)
    const second = await spawnNode({ dataDir: join(dir, 'data'), args: LOCAL })
    expect(second.peerId).toBe(first.peerId)
  })
})

describe('headless mode', () => {
  const spawnNode = spawnPerTest()
  const spawn = async (): Promise<HeadlessNode> => spawnNode({ args: LOCAL })

  it('answers status with peer id, addresses, peers and data dir, echoing the id', async () => {
    const a = await spawn()
    const reply = await a.send('status')
    expect(reply).toMatchObject({ ok: true, peerId: a.peerId, peers: [], dataDir: a.dataDir })
    expect(reply.addrs).toEqual(a.addrs)
    a.write({ id: 'text-id', cmd: 'peers' })
    expect(await a.waitFor(l => l.id === 'text-id')).toEqual({ id: 'text-id', ok: true, peers: [] })
  })

  it('answers malformed input with error replies and keeps serving', async () => {
    const a = await spawn()
    const since = a.mark()
    a.writeRaw('this is not json\n')
    a.writeRaw('[1,2,3]\n')
    a.writeRaw('{"id":7}\n')
    a.write({ id: 8, cmd: 'launch-missiles' })
    a.writeRaw('x'.repeat(1024 * 1024 + 10) + '\n')
    const errors = await Promise.all([
      a.waitFor(l => (l.error as { code?: string } | undefined)?.code === 'BAD_JSON', 10_000, since),
      a.waitFor(l => (l.error as { code?: string } | undefined)?.code === 'BAD_COMMAND' && l.id === null, 10_000, since),
      a.waitFor(l => l.id === 7, 10_000, since),
      a.waitFor(l => l.id === 8, 10_000, since),
      a.waitFor(l => (l.error as { code?: string } | undefined)?.code === 'LINE_TOO_LONG', 10_000, since)
    ])
    expect(errors[2]).toMatchObject({ ok: false, error: { code: 'BAD_COMMAND' } })
    expect(errors[3]).toMatchObject({ ok: false, error: { code: 'UNKNOWN_COMMAND' } })
    // Names of Object.prototype are no commands either (the table is not searched through the prototype chain).
    for (const cmd of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf']) {
      expect(await a.send(cmd)).toMatchObject({ ok: false, error: { code: 'UNKNOWN_COMMAND' } })
    }
    expect(await a.send('status')).toMatchObject({ ok: true, peerId: a.peerId })
  })

  it.each(['EOF', 'SIGTERM', 'SIGINT', 'quit'] as const)('shuts down cleanly on %s within 5 s', async how => {
    const a = await spawn()
    const started = Date.now()
    if (how === 'EOF') a.proc.stdin?.end()
    else if (how === 'quit') expect(await a.send('quit')).toMatchObject({ ok: true })
    else a.proc.kill(how)
    expect(await a.exited).toBe(0)
    expect(Date.now() - started).toBeLessThan(5_000)
    // The store was closed: a new process opens the same directory at once.
    const again = await spawnNode({ dataDir: a.dataDir, args: LOCAL })
    expect(again.peerId).toBe(a.peerId)
  })
})
