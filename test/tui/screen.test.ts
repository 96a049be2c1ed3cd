/**
 * The screen as a person sees it after wide characters (issue 18, item 1),
 * the bell and the "new" line (item 8) and Ctrl-L: real nodes, real UIs in
 * tmux, the exact text of the rows read back with capture-pane.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CLI, HeadlessNode, tempDir, TEST_PASSPHRASE } from '../helpers/headless-node.js'
import { shellQuote, Tmux, tmuxMissing } from './tmux.js'
import type { Pane } from './tmux.js'

const missing = tmuxMissing()
if (missing !== null) console.warn(`SKIPPED: TUI screen tests: ${missing}`)

const LOCAL = ['--no-mdns', '--listen', '/ip4/127.0.0.1/tcp/0']
const PASSWORD = 'a-long-enough-password'
const EMOJI = '\u{1F600}\u{1F44D}\u{1F3FD}\u{1F389}'
const MANY = '\u{1F600}'.repeat(40)
const CJK = '中文 한국어 日本語 and ASCII'
const HINTS = ' Tab: next pane | Ctrl-N/P: chats | PgUp/PgDn: scroll | /help | Ctrl-C: quit'
const NEW = '\u2500\u2500 new \u2500\u2500'
/** 120 columns: the conversation list takes 28, then the separator and a blank column. */
const LIST = 28

describe.skipIf(missing !== null)('the terminal UI with wide characters, the bell and the new line, in tmux', () => {
  const tmux = new Tmux()
  const nodes: HeadlessNode[] = []
  let relay: HeadlessNode
  let passFile: string
  let dir: string
  let alice: Pane
  let bob: Pane

  async function startTui (user: string): Promise<Pane> {
    const data = await tempDir(`lanchat-screen-${user}-`)
    const argv = [process.execPath, CLI, 'start', '--data-dir', data, '--passphrase-file', passFile, ...LOCAL, '--peer', relay.addr(), '--no-roles']
    return tmux.open(user, `env LANG=C.UTF-8 ${argv.map(shellQuote).join(' ')}; echo EXIT=$?; sleep 600`)
  }

  async function register (pane: Pane, user: string): Promise<void> {
    await pane.waitFor('lanchat: create your account')
    await pane.enter(user)
    await pane.enter(PASSWORD)
    await pane.enter(PASSWORD)
    await pane.waitFor(`${user}: online`, 30_000)
  }

  /** The messages pane of a row: what follows the separator and the blank column. */
  const right = (row: string): string => {
    const i = row.indexOf('\u2502')
    return i === LIST ? row.slice(LIST + 2) : `<no separator at ${LIST}: ${row}>`
  }
  const bellLog = (pane: Pane): string => join(dir, `${pane.name}.out`)

  beforeAll(async () => {
    dir = await tempDir('lanchat-screen-')
    passFile = join(dir, 'passphrase')
    await writeFile(passFile, TEST_PASSPHRASE + '\n', { mode: 0o600 })
    relay = await HeadlessNode.spawn({ name: 'relay', args: [...LOCAL, '--role', 'relay'] })
    nodes.push(relay)
    const spawnRole = async (role: string): Promise<HeadlessNode> => HeadlessNode.spawn({ name: role, args: [...LOCAL, '--role', role, '--peer', relay.addr()] })
    nodes.push(...await Promise.all([spawnRole('idp'), spawnRole('kacls')]))
    ;[alice, bob] = await Promise.all([startTui('alice'), startTui('bob')])
    await Promise.all([register(alice, 'alice'), register(bob, 'bob')])
    // From here on, what bob's UI writes to the terminal goes to a file too: the bell is a BEL byte there.
    await tmux.cmd('pipe-pane', '-o', '-t', bob.name, `cat >> ${shellQuote(bellLog(bob))}`)
  }, 120_000)

  afterAll(async () => {
    await tmux.destroy()
    await Promise.all(nodes.map(n => n.kill()))
  })

  it('shows emoji and CJK exactly, on the sender\'s screen, with the hint line and the input line intact', async () => {
    const deadline = Date.now() + 20_000
    for (;;) {
      await alice.enter('/users')
      const rows = await alice.waitFor('Users:')
      if (rows.slice(rows.findLastIndex(r => r.includes('Users:'))).some(r => /bob\s+online/.test(r))) break
      if (Date.now() > deadline) throw new Error(`alice never saw bob online:\n${rows.join('\n')}`)
      await new Promise(resolve => setTimeout(resolve, 500))
    }
    await alice.enter('/dm bob')
    await alice.waitFor('bob: online')
    for (const text of [EMOJI, MANY, CJK]) await alice.enter(text)
    const rows = await alice.waitFor(r => r.filter(x => x.includes('(delivered)')).length === 3, 30_000, 'three messages delivered')
    const pane = rows.slice(1, -3).map(right)
    const at = pane.findIndex(r => r.includes('alice: \u{1F600}\u{1F44D}'))
    expect(pane.slice(at, at + 5)).toEqual([
      expect.stringMatching(new RegExp(`^\\d\\d:\\d\\d alice: ${EMOJI} \\(delivered\\)$`)) as unknown as string,
      expect.stringMatching(/^\d\d:\d\d alice:$/) as unknown as string,
      `      ${MANY}`,
      '      (delivered)',
      expect.stringMatching(new RegExp(`^\\d\\d:\\d\\d alice: ${CJK} \\(delivered\\)$`)) as unknown as string
    ])
    // Nothing doubled or left over anywhere on the screen.
    expect(rows.join('\n').split('\u{1F600}')).toHaveLength(1 + 1 + 40)
    expect(rows.join('\n').split('한국어')).toHaveLength(2)
    expect(rows.at(-3)).toBe(HINTS)
    expect(rows.at(-1)).toBe('>')
    // The conversation list keeps its column on every row.
    for (const row of rows.slice(0, -3)) expect(row.indexOf('\u2502')).toBe(LIST)
  })

  it('rings the bell on the receiver for a message in a conversation not open, and shows the new line when it is opened', async () => {
    // bob is in the lobby: alice's messages are in another conversation.
    await bob.waitFor(/alice\s+3/, 30_000, 'three unread beside alice')
    expect(await readFile(bellLog(bob), 'utf8')).toContain('\x07')
    await bob.press('Escape')
    await bob.press('C-n')
    const rows = await bob.waitFor(r => r.some(x => x.includes(CJK)), 20_000, 'alice\'s messages on bob\'s screen')
    const pane = rows.slice(1, -3).map(right)
    const at = pane.indexOf(NEW)
    expect(at).toBeGreaterThan(0)
    expect(pane.slice(at, at + 5)).toEqual([
      NEW,
      expect.stringMatching(new RegExp(`^\\d\\d:\\d\\d alice: ${EMOJI}$`)) as unknown as string,
      expect.stringMatching(/^\d\d:\d\d alice:$/) as unknown as string,
      `      ${MANY}`,
      expect.stringMatching(new RegExp(`^\\d\\d:\\d\\d alice: ${CJK}$`)) as unknown as string
    ])
    expect(rows.join('\n').split('\u{1F600}')).toHaveLength(1 + 1 + 40)
    expect(rows.at(-3)).toBe(HINTS)
    expect(rows.at(-1)).toBe('>')
    for (const row of rows.slice(0, -3)) expect(row.indexOf('\u2502')).toBe(LIST)
  })

  it('edits wide characters in the input line cluster by cluster, and leaves nothing behind once sent', async () => {
    await bob.press('Escape')
    await bob.type(`한국어 ${EMOJI}`)
    await bob.waitFor(r => r.at(-1) === `> 한국어 ${EMOJI}`, 5_000, 'the typed line')
    await bob.press('BSpace', 'BSpace')
    await bob.waitFor(r => r.at(-1) === '> 한국어 \u{1F600}', 5_000, 'two clusters deleted')
    await bob.press('Enter')
    const rows = await bob.waitFor(r => r.some(x => /bob: 한국어 \u{1F600} \((sent|delivered|read)\)$/u.test(x)), 30_000, 'bob\'s message')
    expect(rows.at(-1)).toBe('>')
    expect(rows.at(-3)).toBe(HINTS)
    await alice.waitFor(r => r.some(x => right(x) === '' ? false : /^\d\d:\d\d bob: 한국어 \u{1F600}$/u.test(right(x))), 30_000, 'bob\'s message on alice\'s screen')
  })

  it('rings for the open conversation while the terminal says it is in the background', async () => {
    await writeFile(bellLog(bob), '')
    await new Promise(resolve => setTimeout(resolve, 2_100)) // the bell's interval
    await bob.press('Escape')
    await tmux.cmd('send-keys', '-t', bob.name, '-H', '1b', '5b', '4f') // CSI O: focus lost
    await alice.enter('are you there?')
    await bob.waitFor('alice: are you there?', 30_000)
    expect(await readFile(bellLog(bob), 'utf8')).toContain('\x07')
    await tmux.cmd('send-keys', '-t', bob.name, '-H', '1b', '5b', '49') // CSI I: focus back
  })

  it('draws everything again on Ctrl-L, over whatever else wrote on the terminal', async () => {
    // The status bar follows the network; everything else stays as it was.
    const still = (rows: string[]): string[] => [...rows.slice(0, -2), rows.at(-1) ?? '']
    const before = still(await bob.screen())
    const tty = (await bob.format('#{pane_tty}')).trim()
    await writeFile(tty, '\x1b[5;40HSTRAY TEXT FROM ELSEWHERE\x1b[40;1Hmore')
    await bob.waitFor('STRAY TEXT', 5_000)
    await bob.press('C-l')
    const after = await bob.waitFor(r => !r.join('\n').includes('STRAY') && !r.join('\n').includes('more'), 5_000, 'the screen redrawn')
    expect(still(after)).toEqual(before)
  })
})
