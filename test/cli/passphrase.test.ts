/**
 * The passphrase prompt (issue 18, item 4): on the terminal itself, so it
 * shows when stderr goes to a file, and nothing typed is ever echoed, not
 * even what was typed before the prompt appeared. Driven in tmux.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CLI, HeadlessNode, tempDir, TEST_PASSPHRASE } from '../helpers/headless-node.js'
import { shellQuote, Tmux, tmuxMissing } from '../tui/tmux.js'

const missing = tmuxMissing()
if (missing !== null) console.warn(`SKIPPED: passphrase prompt tests: ${missing}`)

const LOCAL = ['--no-mdns', '--listen', '/ip4/127.0.0.1/tcp/0']

describe.skipIf(missing !== null)('the passphrase prompt, in tmux', () => {
  const tmux = new Tmux()
  let relay: HeadlessNode

  beforeAll(async () => {
    relay = await HeadlessNode.spawn({ name: 'relay', args: [...LOCAL, '--role', 'relay'] })
  })

  afterAll(async () => {
    await tmux.destroy()
    await relay.kill()
  })

  it('asks on the terminal with stderr sent to a file, never shows what is typed, and reads it all', async () => {
    const dir = await tempDir('lanchat-prompt-')
    const log = join(dir, 'lanchat.log')
    const argv = [process.execPath, CLI, 'start', '--data-dir', join(dir, 'data'), ...LOCAL, '--peer', relay.addr(), '--no-roles']
    const pane = await tmux.open('prompt', `env -u LANCHAT_PASSPHRASE LANG=C.UTF-8 ${argv.map(shellQuote).join(' ')} 2>${shellQuote(log)}; echo EXIT=$?; sleep 600`)
    // Typed at once, while the program is still starting: before the prompt.
    const early = TEST_PASSPHRASE.slice(0, 8)
    await pane.type(early)
    const prompt = await pane.waitFor('Network passphrase', 20_000)
    expect(prompt.join('\n')).not.toContain(early)
    const rest = TEST_PASSPHRASE.slice(8)
    await pane.type(rest)
    // Give the terminal time to echo, were it going to.
    await new Promise(resolve => setTimeout(resolve, 500))
    const typed = (await pane.screen()).join('\n')
    expect(typed).toContain('Network passphrase')
    expect(typed).not.toContain(early)
    expect(typed).not.toContain(rest.trim())
    await pane.press('Enter')
    // The right passphrase: the node joins the relay's network and shows who holds the relay.
    await pane.waitFor('lanchat: create your account', 30_000)
    // A holder shows as its host name (or user@host) and the end of its peer id.
    await pane.waitFor(new RegExp(`relay \\S* ?\\.\\.${relay.peerId.slice(-4)}`), 30_000)
    await pane.press('C-c')
    await pane.waitFor('EXIT=0', 15_000)
    const written = await readFile(log, 'utf8').catch(() => '')
    expect(written).not.toContain('passphrase')
    expect(written).not.toContain(early)
  })
})
