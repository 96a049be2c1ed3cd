import { writeFile } from 'node:fs/promises'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CLI, HeadlessNode, tempDir, TEST_PASSPHRASE } from '../helpers/headless-node.js'
import { shellQuote, Tmux, tmuxMissing } from './tmux.js'
import type { Pane } from './tmux.js'

const missing = tmuxMissing()
if (missing !== null) console.warn(`SKIPPED: TUI feature tests: ${missing}`)

const LOCAL = ['--no-mdns', '--listen', '/ip4/127.0.0.1/tcp/0']
const PASSWORD = 'a-long-enough-password'

/** Issue 18 in the real terminal UI: unknown users, holders by name, replies, edits, deletions, reactions, info, search, typing. */
describe.skipIf(missing !== null)('the terminal UI: what people expect of a messenger', () => {
  const tmux = new Tmux()
  const nodes: HeadlessNode[] = []
  let relay: HeadlessNode
  let passFile: string
  let alice: Pane
  let bob: Pane

  async function startTui (user: string): Promise<Pane> {
    const dir = await tempDir(`lanchat-tuif-${user}-`)
    const argv = [process.execPath, CLI, 'start', '--data-dir', dir, '--passphrase-file', passFile, ...LOCAL, '--peer', relay.addr(), '--no-roles']
    const pane = await tmux.open(user, `env LANG=C.UTF-8 ${argv.map(shellQuote).join(' ')}; echo EXIT=$?; sleep 600`)
    await pane.waitFor('lanchat: create your account', 30_000)
    await pane.enter(user)
    await pane.enter(PASSWORD)
    await pane.enter(PASSWORD)
    await pane.waitFor(`${user}: online`, 30_000)
    return pane
  }
  /** The messages pane's rows (right of the list). */
  const body = (rows: string[]): string => rows.join('\n')

  beforeAll(async () => {
    const dir = await tempDir('lanchat-tuif-')
    passFile = join(dir, 'passphrase')
    await writeFile(passFile, TEST_PASSPHRASE + '\n', { mode: 0o600 })
    relay = await HeadlessNode.spawn({ name: 'relay', args: [...LOCAL, '--role', 'relay'] })
    nodes.push(relay)
    const others = await Promise.all(['idp', 'kacls'].map(async role => HeadlessNode.spawn({ name: role, args: [...LOCAL, '--role', role, '--peer', relay.addr()] })))
    nodes.push(...others)
    await relay.untilReply('roles', r => r.idp !== null && r.kacls !== null, 30_000, 'roles held')
    // rita uses the relay's node: the relay's holder shows as her, on this host.
    await relay.call('register', { username: 'rita', password: PASSWORD })
    await relay.call('login', { username: 'rita', password: PASSWORD })
    ;[alice, bob] = await Promise.all([startTui('alice'), startTui('bob')])
  }, 120_000)

  afterAll(async () => {
    await tmux.destroy()
    await Promise.all(nodes.map(n => n.kill()))
  })

  it('refuses /dm to a user who does not exist, leaving no conversation; names a holder by its user and host', async () => {
    await alice.enter('/dm zed')
    const rows = await alice.waitFor('no user zed is registered', 20_000)
    expect(rows.slice(0, -4).some(r => /^\s*\*?zed\b/.test(r))).toBe(false)
    await alice.waitFor(r => (r.at(-2) ?? '').includes(`relay rita@${hostname()}`), 30_000, 'the relay holder named rita@host')
    await alice.enter('/roles')
    await alice.waitFor(`relay: rita on ${hostname()}, pinned`)
  })

  it('replies, edits, reacts, deletes, shows /info, finds with /search and jumps with /jump; shows typing', async () => {
    await alice.enter('/dm bob')
    await alice.waitFor('bob: ')
    await alice.enter('lunch at noon?')
    await alice.waitFor('alice: lunch at noon? (delivered)', 30_000)
    await bob.press('C-n')
    await bob.waitFor('alice: lunch at noon?')
    // bob types: alice sees it in the header.
    await bob.type('ye')
    await alice.waitFor('typing...', 20_000)
    await bob.press('C-u')
    await bob.enter('/reply 1 yes, where?')
    // His own reply shows at once with its quote, as his node stored it.
    const own = await bob.waitFor(r => body(r).includes('bob: yes, where?'), 30_000, 'his own reply')
    expect(body(own)).toMatch(/↱ alice: lunch at noon\?[^\n]*\n[^\n]*bob: yes, where\?/)
    const quoted = await alice.waitFor(r => body(r).includes('bob: yes, where?'), 30_000, 'the reply')
    expect(body(quoted)).toMatch(/↱ alice: lunch at noon\?[^\n]*\n[^\n]*bob: yes, where\?/)
    await alice.enter('/edit 2 lunch at one?')
    await bob.waitFor('alice: lunch at one? (edited)', 30_000)
    await bob.enter('/react 2 👍')
    await alice.waitFor('👍 1', 30_000)
    await alice.enter('oops, not for you')
    await bob.waitFor('alice: oops, not for you', 30_000)
    await alice.enter('/delete 1')
    await bob.waitFor(r => body(r).includes('alice: message deleted') && !body(r).includes('oops, not for you'), 30_000, 'the deletion')
    await alice.enter('/info 3')
    await alice.waitFor(/delivered to bob: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d/, 20_000)
    await alice.waitFor('earlier text')
    await bob.enter('/search lunch')
    await bob.waitFor('1 message with lunch', 20_000)
    await bob.press('C-p')
    await bob.enter('/jump 1')
    await bob.waitFor(/\[3\] \d\d:\d\d alice: lunch at one\? \(edited\)/, 20_000)
  })
})
