import { readFile } from 'node:fs/promises'
import { CliError } from './errors.js'

export interface PassphraseSource {
  file?: string
  env: NodeJS.ProcessEnv
  input: NodeJS.ReadStream
  output: NodeJS.WriteStream
}

/**
 * The network passphrase, from (in order) `--passphrase-file`, the
 * LANCHAT_PASSPHRASE environment variable, or a masked prompt on the terminal.
 * There is no built-in passphrase, and it is never written anywhere.
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
  return promptMasked('Network passphrase: ', source.input, source.output)
}

/** Reads a line from a terminal in raw mode without echoing it. */
export async function promptMasked (question: string, input: NodeJS.ReadStream, output: NodeJS.WriteStream): Promise<string> {
  output.write(question)
  const wasRaw = input.isRaw
  input.setRawMode(true)
  input.resume()
  try {
    return await new Promise<string>((resolve, reject) => {
      let value = ''
      const onData = (chunk: Buffer): void => {
        for (const ch of chunk.toString('utf8')) {
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
