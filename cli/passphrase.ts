import { openSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { ReadStream, WriteStream } from 'node:tty'
import { CliError } from './errors.js'

export interface PassphraseSource {
  file?: string
  env: NodeJS.ProcessEnv
  input: NodeJS.ReadStream
  output: NodeJS.WriteStream
}

/**
 * The network passphrase, from (in order) `--passphrase-file`, the
 * LANCHAT_PASSPHRASE environment variable, or a prompt on the terminal that
 * shows nothing of what is typed. The prompt is on the terminal itself
 * (/dev/tty), not on stderr, so it shows when stderr goes to a file
 * (`2>lanchat.log`). There is no built-in passphrase, and it is never written anywhere.
 */
export async function readPassphrase (source: PassphraseSource): Promise<string> {
  if (source.file !== undefined) {
    let text: string
    try {
      text = await readFile(source.file, 'utf8')
    } catch (err) {
      throw new CliError(`cannot read the passphrase file ${source.file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
    }
    // One trailing newline is the file's, not the passphrase's.
    return text.replace(/\r?\n$/, '')
  }
  const fromEnv = source.env.LANCHAT_PASSPHRASE
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv
  if (source.input.isTTY !== true) {
    throw new CliError('no network passphrase: pass --passphrase-file FILE or set LANCHAT_PASSPHRASE (no terminal to ask on)')
  }
  const terminal = openTerminal()
  if (terminal === null) return await promptMasked(PROMPT, source.input, source.output)
  try {
    return await promptMasked(PROMPT, terminal.input, terminal.output)
  } finally {
    await terminal.close()
  }
}

const PROMPT = 'Network passphrase (not shown as you type): '

/** The controlling terminal, opened apart from stdin and stderr; null when there is none. */
function openTerminal (): { input: ReadStream, output: WriteStream, close: () => Promise<void> } | null {
  let input: ReadStream | undefined
  try {
    input = new ReadStream(openSync('/dev/tty', 'r'))
    const output = new WriteStream(openSync('/dev/tty', 'w'))
    const r = input
    return {
      input: r,
      output,
      close: async () => {
        r.destroy()
        await new Promise<void>(resolve => { output.end(resolve) })
        output.destroy()
      }
    }
  } catch {
    input?.destroy()
    return null
  }
}

/**
 * Reads a line from a terminal without echoing it. The terminal is in raw
 * mode before the prompt is written, so nothing typed (even ahead of the
 * prompt) is echoed by it, and the line is cleared first, taking away what
 * the terminal echoed while the program was still starting. Escape sequences
 * (arrow keys) are ignored; Backspace and Ctrl-U edit.
 */
export async function promptMasked (question: string, input: NodeJS.ReadStream, output: NodeJS.WriteStream): Promise<string> {
  const wasRaw = input.isRaw
  input.setRawMode(true)
  output.write('\r\x1b[2K' + question)
  input.resume()
  try {
    return await new Promise<string>((resolve, reject) => {
      let value = ''
      // 0: text; 1: after ESC; 2: in a CSI or SS3 sequence, until its final byte
      let escape = 0
      const onData = (chunk: Buffer): void => {
        for (const ch of chunk.toString('utf8')) {
          if (escape === 1) { escape = ch === '[' || ch === 'O' ? 2 : 0; continue }
          if (escape === 2) { if (ch >= '@' && ch <= '~') escape = 0; continue }
          if (ch === '\x1b') { escape = 1; continue }
          if (ch === '\r' || ch === '\n') {
            input.off('data', onData)
            output.write('\n')
            resolve(value)
            return
          }
          if (ch === '\u0003' || ch === '\u0004') { // Ctrl-C, Ctrl-D
            input.off('data', onData)
            output.write('\n')
            reject(new CliError('passphrase prompt cancelled', 130))
            return
          }
          if (ch === '\u007f' || ch === '\b') value = [...value].slice(0, -1).join('')
          else if (ch === '\u0015') value = '' // Ctrl-U
          else if (ch >= ' ') value += ch
        }
      }
      input.on('data', onData)
    })
  } finally {
    input.setRawMode(wasRaw)
    input.pause()
  }
}
