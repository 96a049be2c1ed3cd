import { randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CLI, HeadlessNode, tempDir, TEST_PASSPHRASE } from '../helpers/headless-node.js'
import { shellQuote, Tmux, tmuxMissing } from './tmux.js'
import type { Pane } from './tmux.js'

const missing = tmuxMissing()
if (missing !== null) console.warn(`SKIPPED: TUI tests: ${missing}`)

const LOCAL = ['--no-mdns', '--listen', '/ip4/127.0.0.1/tcp/0']
const PASSWORD = 'a-long-enough-password'

describe.skipIf(missing !== null)('the terminal UI, driven in tmux', () => {
  const tmux = new Tmux()
  const roles: HeadlessNode[] = []
  let relay: HeadlessNode
  let idp: HeadlessNode
  let kacls: HeadlessNode
  let passFile: string
  const dirs: Record<string, string> = {}
  let alice: Pane
  let bob: Pane

  /** `lanchat start` (the TUI) for `user` in a tmux session; the shell reports the exit code after it. */
  async function startTui (session: string, user: string): Promise<Pane> {
    dirs[user] ??= await tempDir(`lanchat-tui-${user}-`)
    const argv = [process.execPath, CLI, 'start', '--data-dir', dirs[user], '--passphrase-file', passFile, ...LOCAL, '--peer', relay.addr(), '--no-roles']
    const command = `env LANG=C.UTF-8 ${argv.map(shellQuote).join(' ')}; echo EXIT=$?; sleep 600`
    return tmux.open(session, command)
  }

  async function register (pane: Pane, user: string): Promise<void> {
    await pane.waitFor('lanchat: create your account')
    await pane.enter(user)
    await pane.enter(PASSWORD)
    await pane.enter(PASSWORD)
    await pane.waitFor(`${user}: online`, 30_000)
  }

  /** The status bar: the row above the input line. */
  const statusBar = (rows: string[]): string => rows.at(-2) ?? ''

  beforeAll(async () => {
    const dir = await tempDir('lanchat-tui-')
    passFile = join(dir, 'passphrase')
    await writeFile(passFile, TEST_PASSPHRASE + '\n', { mode: 0o600 })
    relay = await HeadlessNode.spawn({ name: 'relay', args: [...LOCAL, '--role', 'relay'] })
    roles.push(relay)
    const spawnRole = async (role: string): Promise<HeadlessNode> => HeadlessNode.spawn({ name: role, args: [...LOCAL, '--role', role, '--peer', relay.addr()] })
    ;[idp, kacls] = await Promise.all([spawnRole('idp'), spawnRole('kacls')])
    roles.push(idp, kacls)
  })

  afterAll(async () => {
    await tmux.destroy()
    await Promise.all(roles.map(n => n.kill()))
  })

  it('registers and logs in through the first-run form; the status bar shows network, peers and role holders', async () => {
    ;[alice, bob] = await Promise.all([startTui('alice', 'alice'), startTui('bob', 'bob')])
    const form = await alice.waitFor('lanchat: create your account')
    expect(form.join('\n')).toContain('Username')
    await alice.enter('alice')
    await alice.type(PASSWORD)
    // The password is masked.
    const typing = await alice.waitFor(`Password ${'*'.repeat(PASSWORD.length)}`)
    expect(typing.join('\n')).not.toContain(PASSWORD)
    await alice.press('Enter')
    await alice.enter(PASSWORD)
    await register(bob, 'bob')
    // Holders with nobody logged in show their host name and the end of their peer id.
    const holders = [`..${relay.peerId.slice(-4)}`, `..${idp.peerId.slice(-4)}`, `..${kacls.peerId.slice(-4)}`]
    const rows = await alice.waitFor(r => statusBar(r).includes('alice: online') && holders.every(h => statusBar(r).includes(h)), 30_000, 'alice online with every role holder')
    const bar = statusBar(rows)
    expect(bar).toMatch(/net [0-9a-f]{8}/)
    expect(bar).toMatch(/\d+ peers?/)
    expect(bar).toMatch(new RegExp(`relay \\S* ?\\.\\.${relay.peerId.slice(-4)}`))
    expect(bar).toMatch(new RegExp(`idp \\S* ?\\.\\.${idp.peerId.slice(-4)}`))
    expect(rows.join('\n')).toContain('Logged in as alice')
  })

  it('opens a DM with /dm and shows the message on the other screen, with its delivery state', async () => {
    // /users, until alice's node has heard bob's presence announcement.
    const deadline = Date.now() + 20_000
    for (;;) {
      await alice.enter('/users')
      const rows = await alice.waitFor('Users:')
      const last = rows.slice(rows.findLastIndex(r => r.includes('Users:')))
      if (last.some(r => /bob\s+online/.test(r))) break
      if (Date.now() > deadline) throw new Error(`alice never saw bob online:\n${rows.join('\n')}`)
      await new Promise(resolve => setTimeout(resolve, 500)) // the poll interval
    }
    // Tab completes the command, then the name.
    await alice.type('/d')
    await alice.press('Tab')
    await alice.type('bo')
    await alice.press('Tab')
    await alice.waitFor(r => (r.at(-1) ?? '').startsWith('> /dm bob'), 5_000, 'Tab completing /dm bob')
    await alice.press('Enter')
    await alice.waitFor('bob: ')
    await alice.enter('hello bob, from the terminal UI')
    await alice.waitFor('alice: hello bob, from the terminal UI (delivered)', 30_000)

    // bob sees an unread conversation with alice, opens it, and alice sees it read.
    await bob.waitFor(/alice\s+1/, 20_000, 'an unread count beside alice')
    await bob.press('C-n')
    await bob.waitFor('alice: hello bob, from the terminal UI')
    await alice.waitFor('alice: hello bob, from the terminal UI (read)', 20_000)
    await bob.enter('hi alice')
    await alice.waitFor('bob: hi alice')
  })

  it('reflows when the terminal is resized, down to 80x24', async () => {
    await alice.enter('a long line that has to wrap once the window is narrow: ' + 'lorem ipsum '.repeat(6).trim())
    const wide = await alice.waitFor(r => r.some(row => row.includes('lorem') && /\((delivered|read)\)/.test(row)), 20_000, 'the long line delivered')
    await alice.resize(80, 24)
    const rows = await alice.waitFor(r => r.length === 24 && statusBar(r).includes('alice: online'), 10_000, 'a 24-row layout')
    expect(rows.every(r => r.length <= 80)).toBe(true)
    expect(rows.at(-1)).toMatch(/^>/)
    expect(rows[0]).toContain('Conversations')
    expect(rows.join('\n')).toContain('bob: hi alice')
    // The long line now takes more rows than at 120 columns.
    const span = (r: string[]): number => r.findIndex(x => /\((delivered|read)\)/.test(x) && x.includes('lorem')) - r.findIndex(x => x.includes('a long line')) + 1
    expect(span(wide)).toBe(2)
    expect(span(rows)).toBe(3)
    await alice.resize(120, 40)
    await alice.waitFor(r => r.length === 40 && statusBar(r).includes('alice: online'), 10_000, 'a 40-row layout')
  })

  it('creates a group with /group create: both see it, and a message shows on the other screen', async () => {
    await alice.enter('/group create crew bob')
    await alice.waitFor('&crew: 2 members, epoch 1 | you: admin', 30_000)
    await alice.waitFor('You created crew with bob (epoch 1)')
    // bob's node is told of the group (a poke, or its next poll of the relay) and lists it.
    await bob.waitFor('alice added you to the group crew', 30_000)
    await alice.enter('hello crew')
    await alice.waitFor('alice: hello crew (sent)', 30_000)
    await bob.waitFor(/&crew\s+1/, 30_000, 'an unread count beside crew')
    // Tab completes the subcommand and the group's name.
    await bob.type('/group op')
    await bob.press('Tab')
    await bob.type('cr')
    await bob.press('Tab')
    await bob.waitFor(r => (r.at(-1) ?? '').startsWith('> /group open crew'), 5_000, 'Tab completing /group open crew')
    await bob.press('Enter')
    await bob.waitFor('alice: hello crew')
    await bob.waitFor('&crew: 2 members, epoch 1')
    await bob.enter('hi crew')
    await bob.waitFor('bob: hi crew (sent)', 30_000)
    await alice.waitFor('bob: hi crew', 30_000)
  })

  it('sends a file with /file (Tab completes the path): both screens show its progress line, then where it was saved', async () => {
    const dir = await tempDir('lanchat-tui-file-')
    await writeFile(join(dir, 'holiday-video.bin'), randomBytes(60_000_000))
    await alice.enter('/dm bob')
    await bob.enter('/dm alice')
    await alice.type(`/file ${dir}/holiday`)
    await alice.press('Tab')
    await alice.waitFor(r => (r.at(-1) ?? '').includes('holiday-video.bin'), 5_000, 'Tab completing the path')
    await alice.press('Enter')
    await alice.waitFor('alice: \u{1F4CE} holiday-video.bin (60.0 MB)', 30_000)
    // Bigger than what bob takes on his own (25 MB): it waits for /accept.
    await bob.waitFor(/#\d+ 60\.0 MB: \/accept \d+ to download it/, 30_000, 'the offer under the message')
    const offer = (await bob.screen()).join('\n').match(/\/accept (\d+) to download it/)
    await bob.enter(`/accept ${offer?.[1] ?? '1'}`)
    const moving = /\d+(\.\d+)? [kM]B of 60\.0 MB, \d+(\.\d+)? [kM]B\/s/
    await bob.waitFor(moving, 30_000, 'a live progress line on the receiver\'s screen')
    await alice.waitFor(moving, 30_000, 'a live progress line on the sender\'s screen')
    await bob.waitFor(/saved to \S+holiday-video\.bin/, 60_000, 'where the file was saved')
    await alice.waitFor('delivered: bob has it', 30_000)
  })

  it('/quit stops the node and gives the terminal back; a restart asks for that account\'s password', async () => {
    await alice.enter('/quit')
    const after = await alice.waitFor('EXIT=0', 15_000)
    expect(after.join('\n')).not.toContain('Conversations')
    // Back on the main screen, with the cursor shown again.
    expect(await alice.format('#{alternate_on} #{cursor_flag}')).toBe('0 1')

    const again = await startTui('alice-again', 'alice')
    await again.waitFor('lanchat: log in')
    await again.waitFor('Username alice')
    await again.enter(PASSWORD)
    await again.waitFor('alice: online', 30_000)
    // The group is listed again after the lobby, its history kept; then the direct chat.
    await again.press('C-n')
    await again.waitFor('alice: hello crew (sent)')
    await again.press('C-n')
    await again.waitFor('bob: hi alice')
    await again.press('C-c')
    await again.waitFor('EXIT=0', 15_000)

    await bob.press('C-c')
    await bob.waitFor('EXIT=0', 15_000)
    expect(await bob.format('#{alternate_on}')).toBe('0')
  })
})
