import { describe, expect, it } from 'vitest'
import { KeyedLock, Rerun } from '../../src/lock.js'

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

describe('Rerun', () => {
  it('runs once more after requests made during a run, with their wishes merged, and never twice at once', async () => {
    const runs: boolean[] = []
    let release!: () => void
    let gate = new Promise<void>(resolve => { release = resolve })
    let running = 0
    const rerun = new Rerun<boolean>(async full => {
      running++
      expect(running).toBe(1)
      runs.push(full)
      await gate
      running--
    }, { merge: (a, b) => a || b })
    const first = rerun.request(false)
    const second = rerun.request(true)
    const third = rerun.request(false)
    gate = Promise.resolve()
    release()
    await Promise.all([first, second, third])
    // The first run, then one more for both requests made during it: a full one, since one of them wanted it.
    expect(runs).toEqual([false, true])
    await rerun.idle()
  })

  it('does not run again once stopped', async () => {
    let go = true
    let runs = 0
    let release!: () => void
    const gate = new Promise<void>(resolve => { release = resolve })
    const rerun = new Rerun(async () => { runs++; await gate }, { go: () => go })
    const first = rerun.request()
    void rerun.request()
    go = false
    release()
    await first
    expect(runs).toBe(1)
  })
})
