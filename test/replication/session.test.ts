import { describe, expect, it } from 'vitest'
import { frame, Session } from '../../src/replication/session.js'
import { ReplicaFrame } from '../../src/replication/pb/replica.js'
import type { SessionHost } from '../../src/replication/session.js'

function session (clock: () => number): { s: Session, wanted: number } {
  const state = { s: undefined as unknown as Session, wanted: 0 }
  const host: SessionHost = { onFrame: async () => {}, wantOut: () => { state.wanted++ }, onClosed: () => {} }
  state.s = new Session('12D3KooWpeer', host, clock)
  return state
}

describe('replication session', () => {
  it('counts the records an answer to a HELLO carried as behind, aged by the clock', () => {
    let now = 1_000
    const { s } = session(() => now)
    expect(s.behind()).toEqual({ records: 0, lagMs: 0 })
    const n = s.send(frame({ kind: ReplicaFrame.Kind.SYNC, doc: 'relay/t/mail', epoch: 1 }))
    expect(n).toBe(1)
    s.carried(n, 300)
    now += 40
    expect(s.behind()).toEqual({ records: 300, lagMs: 40 })
  })

  it('counts nothing for a frame that was not written, or that carried nothing', () => {
    const { s } = session(() => 0)
    s.carried(0, 300)
    s.carried(s.send(frame({ kind: ReplicaFrame.Kind.SYNC, doc: 'relay/t/mail', epoch: 1 })), 0)
    expect(s.behind().records).toBe(0)
  })

  it('keeps frames numbered while no stream is open and asks for one', () => {
    const state = session(() => 0)
    expect(state.s.send(frame({ kind: ReplicaFrame.Kind.HELLO }))).toBe(1)
    expect(state.s.send(frame({ kind: ReplicaFrame.Kind.HELLO }))).toBe(2)
    expect(state.wanted).toBe(2)
    state.s.close()
    expect(state.s.send(frame({ kind: ReplicaFrame.Kind.HELLO }))).toBe(0)
  })
})
