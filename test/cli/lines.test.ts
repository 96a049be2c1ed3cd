import { describe, expect, it } from 'vitest'
import { LineSplitter } from '../../cli/headless/lines.js'

describe('LineSplitter', () => {
  const run = (chunks: string[], max = 10): { lines: string[], tooLong: number } => {
    const lines: string[] = []
    let tooLong = 0
    const s = new LineSplitter(max, l => lines.push(l), () => { tooLong++ })
    for (const c of chunks) s.push(c)
    s.end()
    return { lines, tooLong }
  }

  it('joins lines split across chunks', () => {
    expect(run(['ab', 'c\nde', 'f\n'])).toEqual({ lines: ['abc', 'def'], tooLong: 0 })
  })

  it('keeps a last line without a newline', () => {
    expect(run(['abc\nlast'])).toEqual({ lines: ['abc', 'last'], tooLong: 0 })
  })

  it('reports and skips an over-long line, then carries on', () => {
    expect(run(['0123456789AB', 'CDEF\nok\n'])).toEqual({ lines: ['ok'], tooLong: 1 })
    expect(run(['0123456789ABCDEF\nok\n'])).toEqual({ lines: ['ok'], tooLong: 1 })
  })
})
