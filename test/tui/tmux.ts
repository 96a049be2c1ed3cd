/**
 * Drives real terminal UIs in tmux (LAN-TESTING.md, "The TUI"): start a
 * command in a detached session of a private tmux server, type into it, and
 * read the screen as a person would see it. Waits poll the screen against a
 * deadline; nothing sleeps for a fixed time.
 */
import { execFile, execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** Why tmux cannot be used here, or null when it can. */
export function tmuxMissing (): string | null {
  try {
    execFileSync('tmux', ['-V'], { stdio: 'ignore' })
    return null
  } catch {
    return 'tmux not installed'
  }
}

/** Quotes a word for sh. */
export function shellQuote (word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`
}

/** A private tmux server (its own socket), so tests never touch anyone's sessions. */
export class Tmux {
  readonly socket = `lanchat-tui-${randomBytes(4).toString('hex')}`

  async cmd (...args: string[]): Promise<string> {
    const { stdout } = await run('tmux', ['-L', this.socket, ...args])
    return stdout
  }

  /** Starts `command` (a shell command line) in a new session of the given size. */
  async open (name: string, command: string, width = 120, height = 40): Promise<Pane> {
    await this.cmd('new-session', '-d', '-s', name, '-x', String(width), '-y', String(height), command)
    return new Pane(this, name)
  }

  /** Kills the server and every session in it; never fails. */
  async destroy (): Promise<void> {
    await this.cmd('kill-server').catch(() => {})
  }
}

export class Pane {
  constructor (readonly tmux: Tmux, readonly name: string) {}

  /** The screen as text, one string per row. */
  async screen (): Promise<string[]> {
    const text = await this.tmux.cmd('capture-pane', '-p', '-t', this.name)
    return text.replace(/\n$/, '').split('\n')
  }

  /** Types text literally (no key names). */
  async type (text: string): Promise<void> {
    await this.tmux.cmd('send-keys', '-t', this.name, '-l', text)
  }

  /** Presses keys by tmux name: Enter, Tab, BTab, C-n, PPage, ... */
  async press (...keys: string[]): Promise<void> {
    await this.tmux.cmd('send-keys', '-t', this.name, ...keys)
  }

  /** Types a line and presses Enter. */
  async enter (text: string): Promise<void> {
    await this.type(text)
    await this.press('Enter')
  }

  async resize (width: number, height: number): Promise<void> {
    await this.tmux.cmd('resize-window', '-t', this.name, '-x', String(width), '-y', String(height))
  }

  /** A tmux format value for the pane, e.g. '#{alternate_on}'. */
  async format (fmt: string): Promise<string> {
    return (await this.tmux.cmd('display-message', '-p', '-t', this.name, fmt)).trim()
  }

  /**
   * Polls the screen until `check` holds (a string or pattern anywhere on it,
   * or a predicate on its rows) and returns the rows; throws with the screen
   * on timeout.
   */
  async waitFor (check: string | RegExp | ((rows: string[]) => boolean), timeoutMs = 20_000, what?: string): Promise<string[]> {
    const test = typeof check === 'function'
      ? check
      : (rows: string[]) => typeof check === 'string' ? rows.join('\n').includes(check) : check.test(rows.join('\n'))
    const deadline = Date.now() + timeoutMs
    let rows: string[] = []
    for (;;) {
      rows = await this.screen()
      if (test(rows)) return rows
      if (Date.now() > deadline) {
        throw new Error(`${this.name}: no ${what ?? String(check)} on screen within ${timeoutMs} ms; the screen:\n${rows.join('\n')}`)
      }
      await new Promise(resolve => setTimeout(resolve, 100))
    }
  }
}
