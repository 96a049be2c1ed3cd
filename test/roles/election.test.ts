import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { elect, ROLES } from '../../src/roles/index.js'
import type { Candidate, Role } from '../../src/roles/index.js'

const role = fc.constantFrom<Role>('relay', 'idp', 'kacls')
const roleSet = fc.uniqueArray(role, { maxLength: 3 })
const candidate = fc.record({
  peerId: fc.stringMatching(/^12D3KooW[1-9A-HJ-NP-Za-km-z]{6}$/),
  pinned: roleSet,
  eligible: roleSet,
  held: fc.dictionary(role, fc.integer({ min: 0, max: 10_000 }), { maxKeys: 3 }) as fc.Arbitrary<Partial<Record<Role, number>>>,
  settled: fc.boolean()
})
const view = fc.uniqueArray(candidate, { selector: c => c.peerId, maxLength: 8 })

const node = (peerId: string, over: Partial<Candidate> = {}): Candidate =>
  ({ peerId, pinned: [], eligible: [...ROLES], held: {}, settled: true, ...over })

describe('election', () => {
  it('gives the same answer for the same view in any order', () => {
    fc.assert(fc.property(view, fc.infiniteStream(fc.nat()), (v, rand) => {
      const shuffled = [...v].map(c => ({ c, k: rand.next().value })).sort((a, b) => a.k - b.k).map(x => x.c)
      expect(elect(shuffled)).toEqual(elect(v))
    }))
  })

  it('always gives a pinned role to a node pinning it', () => {
    fc.assert(fc.property(view, v => {
      const { holders } = elect(v)
      for (const r of ROLES) {
        const pinning = v.filter(c => c.pinned.includes(r))
        if (pinning.length > 0) {
          expect(pinning.map(c => c.peerId)).toContain(holders[r]?.peerId)
          expect(holders[r]?.pinned).toBe(true)
        }
      }
    }))
  })

  it('never elects a node that is not eligible, and fills every role someone may hold', () => {
    fc.assert(fc.property(view, v => {
      const { holders, warnings } = elect(v)
      for (const r of ROLES) {
        const may = v.filter(c => c.eligible.includes(r) || c.pinned.includes(r))
        if (may.length === 0) {
          expect(holders[r]).toBeNull()
          expect(warnings.some(w => w.includes(`the ${r} role`))).toBe(true)
        } else {
          expect(may.map(c => c.peerId)).toContain(holders[r]?.peerId)
        }
      }
    }))
  })

  it('is a fixed point once holders announce what they hold', () => {
    fc.assert(fc.property(view, v => {
      const first = elect(v)
      const announced = v.map(c => ({
        ...c,
        held: Object.fromEntries(ROLES.filter(r => first.holders[r]?.peerId === c.peerId).map(r => [r, c.held[r] ?? 1]))
      }))
      expect(elect(announced).holders).toEqual(first.holders)
    }), { numRuns: 5000 })
  })

  it('spreads the roles over distinct nodes when there are enough', () => {
    fc.assert(fc.property(fc.uniqueArray(fc.stringMatching(/^12D3KooW[a-z]{6}$/), { minLength: 3, maxLength: 8 }), ids => {
      const { holders, warnings } = elect(ids.map(id => node(id)))
      expect(new Set(ROLES.map(r => holders[r]?.peerId)).size).toBe(3)
      expect(warnings).toEqual([])
    }))
  })

  it('warns when one node holds several roles', () => {
    const { holders, warnings } = elect([node('12D3KooWalone')])
    expect(ROLES.map(r => holders[r]?.peerId)).toEqual(['12D3KooWalone', '12D3KooWalone', '12D3KooWalone'])
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(/relay and idp and kacls are held by one node .*separation of duties is lost/)
  })

  it('reports two nodes pinning one role and chooses one deterministically', () => {
    const v = [node('12D3KooWaaaa', { pinned: ['idp'] }), node('12D3KooWbbbb', { pinned: ['idp'] }), node('12D3KooWcccc')]
    const { holders, warnings } = elect(v)
    expect(['12D3KooWaaaa', '12D3KooWbbbb']).toContain(holders.idp?.peerId)
    expect(elect([...v].reverse()).holders.idp).toEqual(holders.idp)
    expect(warnings.some(w => w.startsWith('idp is pinned on 2 nodes'))).toBe(true)
  })

  it('lets incumbents keep their roles when a former holder returns (hysteresis)', () => {
    // a held idp, left; b took it over. Back again, a takes nothing while each role has its own node.
    for (const settled of [false, true]) {
      const v = [
        node('12D3KooWaaaa', { settled }),
        node('12D3KooWbbbb', { held: { idp: 5 } }),
        node('12D3KooWcccc', { held: { relay: 4 } }),
        node('12D3KooWdddd', { held: { kacls: 4 } })
      ]
      expect(elect(v).holders).toEqual({
        relay: { peerId: '12D3KooWcccc', pinned: false },
        idp: { peerId: '12D3KooWbbbb', pinned: false },
        kacls: { peerId: '12D3KooWdddd', pinned: false }
      })
    }
  })

  it('hands a second role to a settled node holding none, never to an unsettled one', () => {
    const holdsTwo = node('12D3KooWbbbb', { held: { idp: 5, relay: 3 } })
    const other = node('12D3KooWcccc', { held: { kacls: 4 } })
    const fresh = elect([node('12D3KooWaaaa', { settled: false }), holdsTwo, other])
    expect(ROLES.filter(r => fresh.holders[r]?.peerId === '12D3KooWbbbb')).toHaveLength(2)
    const settled = elect([node('12D3KooWaaaa', { settled: true }), holdsTwo, other])
    expect(ROLES.map(r => settled.holders[r]?.peerId).sort()).toEqual(['12D3KooWaaaa', '12D3KooWbbbb', '12D3KooWcccc'])
    // It moves only one role: b keeps the one it had first.
    expect(settled.holders.relay?.peerId).toBe('12D3KooWbbbb')
    expect(settled.holders.kacls?.peerId).toBe('12D3KooWcccc')
  })

  it('never gives a role to a --no-roles node', () => {
    const { holders } = elect([node('12D3KooWclient', { eligible: [] }), node('12D3KooWserver')])
    expect(ROLES.map(r => holders[r]?.peerId)).toEqual(['12D3KooWserver', '12D3KooWserver', '12D3KooWserver'])
  })
})
