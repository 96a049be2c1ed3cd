import { describe, expect, it } from 'vitest'
import { KeyedLock } from '../../src/lock.js'

describe('KeyedLock', () => {
  it('runs work for one key in order and never interleaved, other keys in parallel', async () => {
    const mutex = new KeyedLock()
    const log: string[] = []
    const step = async (key: string, name: string, ms: number): Promise<void> => mutex.run(key, async () => {
      log.push(`${name}:start`)
      await new Promise(resolve => setTimeout(resolve, ms))
      log.push(`${name}:end`)
    })
    await Promise.all([step('a', 'a1', 20), step('a', 'a2', 1), step('b', 'b1', 5)])
    expect(log.indexOf('a1:end')).toBeLessThan(log.indexOf('a2:start'))
    expect(log.indexOf('b1:end')).toBeLessThan(log.indexOf('a1:end'))
  })

  it('carries on after a failure', async () => {
    const mutex = new KeyedLock()
    await expect(mutex.run('k', async () => { throw new Error('boom') })).rejects.toThrow('boom')
    expect(await mutex.run('k', async () => 42)).toBe(42)
  })
})
