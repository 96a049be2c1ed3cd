/**
 * Splits a byte stream into lines with a length limit, so one endless line
 * cannot exhaust memory: an over-long line is reported and skipped.
 */
export class LineSplitter {
  private buffer = ''
  private skipping = false

  constructor (
    private readonly maxLength: number,
    private readonly onLine: (line: string) => void,
    private readonly onTooLong: () => void
  ) {}

  push (chunk: string): void {
    let start = 0
    for (let nl = chunk.indexOf('\n', start); nl !== -1; nl = chunk.indexOf('\n', start)) {
      const piece = chunk.slice(start, nl)
      start = nl + 1
      if (this.skipping) {
        this.skipping = false
        continue
      }
      const line = this.buffer + piece
      this.buffer = ''
      if (line.length > this.maxLength) this.onTooLong()
      else this.onLine(line)
    }
    if (this.skipping) return
    this.buffer += chunk.slice(start)
    if (this.buffer.length > this.maxLength) {
      this.buffer = ''
      this.skipping = true
      this.onTooLong()
    }
  }

  /** At end of input: a last line without a newline still counts. */
  end (): void {
    if (!this.skipping && this.buffer.length > 0) this.onLine(this.buffer)
    this.buffer = ''
  }
}
