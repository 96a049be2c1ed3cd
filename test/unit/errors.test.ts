import { describe, it, expect } from 'vitest'
import { LanchatError } from '../../src/errors.js'

describe('LanchatError', () => {
  it('carries a stable code and the subclass name', () => {
    class NotHolderError extends LanchatError {}
    const err = new NotHolderError('NOT_HOLDER', 'ask the current holder')
    expect(err.code).toBe('NOT_HOLDER')
    expect(err.name).toBe('NotHolderError')
    expect(err).toBeInstanceOf(Error)
  })
})
