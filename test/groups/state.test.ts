/**
 * The group rules without a network: the chain of signed states
 * (src/services/relay/group-state.ts), which the relay and every member
 * check alike, and the message crypto (src/chat/groups/envelope.ts).
 */
import { hkdfSync } from 'node:crypto'
import { hkdf as nobleHkdf } from '@noble/hashes/hkdf.js'
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js'
import { describe, expect, it } from 'vitest'
import { messageAd, messageNonce, openGroupMessage, sealGroupMessage, senderKey } from '../../src/groups/index.js'
import { generateIdentityKeyPair, randomBytes } from '../../src/crypto/index.js'
import {
  envelopeTranscript, epochResource, openEnvelope, parseEpochResource, signLeaveRequest, signState, successorAdmin,
  verifyAnchor, verifyEnvelopeSignature, verifyGenesis, verifyNext
} from '../../src/groups/index.js'
import { GroupEnvelope, GroupState } from '../../src/groups/index.js'
import { transcript } from '../../src/crypto/index.js'
import type { IdentityKeyPair } from '../../src/crypto/index.js'
import type { VerifiedState } from '../../src/groups/index.js'
import type { GroupMember } from '../../src/groups/index.js'

const NET = 'a9bd983907572c19'
const GROUP = 'ab'.repeat(16)
const people = Object.fromEntries(['alice', 'bob', 'carol', 'dave', 'erin'].map(n => [n, generateIdentityKeyPair()])) as Record<string, IdentityKeyPair>
const member = (username: string, since = 1): GroupMember => ({ username, identityKey: new Uint8Array(people[username]!.publicKey), since })
const code = (fn: () => unknown): string | undefined => {
  try {
    fn()
  } catch (err) {
    return (err as { code?: string }).code
  }
  return undefined
}

function state (fields: Partial<GroupState>): GroupState {
  return {
    group: GROUP,
    name: 'friends',
    epoch: 1,
    previous: new Uint8Array(0),
    members: [member('alice'), member('bob'), member('carol')],
    admins: ['alice'],
    author: 'alice',
    time: Date.now(),
    change: 'create',
    subject: '',
    leaveRequest: new Uint8Array(0),
    wrappedKey: new Uint8Array(40).fill(1),
    ...fields
  }
}

const signed = (s: GroupState, by = s.author): Uint8Array => signState(NET, s, people[by]!)
const genesis = (): VerifiedState => verifyGenesis(NET, signed(state({})))
/** The state after `prev` with these fields (epoch and previous filled in). */
const after = (prev: VerifiedState, fields: Partial<GroupState>): GroupState => state({
  members: prev.state.members, admins: prev.state.admins, ...fields, epoch: prev.state.epoch + 1, previous: new Uint8Array(prev.hash)
})

describe('group states', () => {
  it('accepts a group\'s first state only with its creator as the one admin, signed by the creator', () => {
    const g = genesis()
    expect(g.state.epoch).toBe(1)
    expect(Buffer.from(g.hash).equals(Buffer.from(nobleSha256(g.bytes)))).toBe(true)
    expect(code(() => verifyGenesis(NET, signed(state({ admins: ['bob'] }), 'alice')))).toBe('BAD_STATE')
    expect(code(() => verifyGenesis(NET, signed(state({ admins: ['alice', 'bob'] }))))).toBe('BAD_STATE')
    expect(code(() => verifyGenesis(NET, signState(NET, state({}), people.bob!)))).toBe('BAD_SIGNATURE')
    expect(code(() => verifyGenesis('another-network', signed(state({}))))).toBe('BAD_SIGNATURE')
    expect(code(() => verifyGenesis(NET, signed(state({ members: [member('bob'), member('alice')] }))))).toBe('BAD_STATE')
    expect(code(() => verifyGenesis(NET, signed(state({ members: [member('alice', 2)] }))))).toBe('BAD_STATE')
    expect(code(() => verifyGenesis(NET, signed(state({ previous: new Uint8Array(32) }))))).toBe('BAD_STATE')
    expect(code(() => verifyGenesis(NET, signed(state({ wrappedKey: new Uint8Array(0) }))))).toBe('BAD_STATE')
    expect(code(() => verifyGenesis(NET, signed(state({ group: 'not-hex' }))))).toBe('BAD_GROUP')
    expect(code(() => verifyGenesis(NET, signed(state({ name: '' }))))).toBe('BAD_NAME')
    expect(code(() => verifyGenesis(NET, signed(state({ name: 'x'.repeat(65) }))))).toBe('BAD_NAME')
    expect(code(() => verifyGenesis(NET, signed(state({ members: [member('alice'), { ...member('bob'), username: 'Bob' }] }))))).toBe('BAD_STATE')
    expect(code(() => verifyGenesis(NET, new Uint8Array([1, 2, 3])))).toBe('BAD_STATE')
  })

  it('lets an admin invite, kick and promote; nobody else', () => {
    const g = genesis()
    const invited = verifyNext(NET, g, signed(after(g, { change: 'invite', subject: 'dave', members: [member('alice'), member('bob'), member('carol'), member('dave', 2)] })))
    expect(invited.state.members.map(m => m.username)).toEqual(['alice', 'bob', 'carol', 'dave'])
    // bob is a member, not an admin.
    expect(code(() => verifyNext(NET, g, signed(after(g, { author: 'bob', change: 'invite', subject: 'dave', members: [member('alice'), member('bob'), member('carol'), member('dave', 2)] }))))).toBe('NOT_ADMIN')
    expect(code(() => verifyNext(NET, g, signed(after(g, { author: 'bob', change: 'kick', subject: 'carol', members: [member('alice'), member('bob')] }))))).toBe('NOT_ADMIN')
    // Someone who is not a member at all.
    expect(code(() => verifyNext(NET, g, signed(after(g, { author: 'erin', change: 'kick', subject: 'carol', members: [member('alice'), member('bob')] }))))).toBe('NOT_MEMBER')
    // The new member must be listed since the new epoch, the others unchanged (a key swapped in for bob is refused).
    expect(code(() => verifyNext(NET, g, signed(after(g, { change: 'invite', subject: 'dave', members: [member('alice'), member('bob'), member('carol'), member('dave', 1)] }))))).toBe('BAD_STATE')
    expect(code(() => verifyNext(NET, g, signed(after(g, { change: 'invite', subject: 'dave', members: [member('alice'), { ...member('bob'), identityKey: new Uint8Array(people.erin!.publicKey) }, member('carol'), member('dave', 2)] }))))).toBe('BAD_STATE')
    expect(code(() => verifyNext(NET, g, signed(after(g, { change: 'invite', subject: 'bob' }))))).toBe('ALREADY_MEMBER')
    const kicked = verifyNext(NET, g, signed(after(g, { change: 'kick', subject: 'carol', members: [member('alice'), member('bob')] })))
    expect(kicked.state.members.map(m => m.username)).toEqual(['alice', 'bob'])
    expect(code(() => verifyNext(NET, g, signed(after(g, { change: 'kick', subject: 'alice', members: [member('bob'), member('carol')] }))))).toBe('BAD_STATE')
    // A kick that also removes someone else is not a kick.
    expect(code(() => verifyNext(NET, g, signed(after(g, { change: 'kick', subject: 'carol', members: [member('alice')] }))))).toBe('BAD_STATE')
    const promoted = verifyNext(NET, g, signed(after(g, { change: 'promote', subject: 'bob', admins: ['alice', 'bob'] })))
    expect(promoted.state.admins).toEqual(['alice', 'bob'])
    expect(code(() => verifyNext(NET, g, signed(after(g, { change: 'promote', subject: 'alice' }))))).toBe('ALREADY_ADMIN')
    expect(code(() => verifyNext(NET, g, signed(after(g, { change: 'promote', subject: 'bob', admins: ['alice', 'bob', 'carol'] }))))).toBe('BAD_STATE')
    expect(code(() => verifyNext(NET, g, signed(after(g, { change: 'create', subject: '' }))))).toBe('BAD_STATE')
    expect(code(() => verifyNext(NET, g, signed(after(g, { change: 'promote', subject: 'bob', admins: ['alice', 'bob'], name: 'renamed' }))))).toBe('BAD_STATE')
  })

  it('accepts a state only on top of the one before (compare-and-swap)', () => {
    const g = genesis()
    const next = after(g, { change: 'promote', subject: 'bob', admins: ['alice', 'bob'] })
    expect(code(() => verifyNext(NET, g, signed({ ...next, previous: new Uint8Array(32) })))).toBe('CONFLICT')
    expect(code(() => verifyNext(NET, g, signed({ ...next, epoch: 3 })))).toBe('CONFLICT')
    expect(code(() => verifyNext(NET, g, signed({ ...next, group: 'cd'.repeat(16) })))).toBe('BAD_STATE')
    // Signed by bob while naming alice as its author.
    expect(code(() => verifyNext(NET, g, signState(NET, next, people.bob!)))).toBe('BAD_SIGNATURE')
  })

  it('lets any remaining member (never the leaver) make the epoch without a leaver, from its signed request', () => {
    const g = genesis()
    const request = signLeaveRequest(NET, { group: GROUP, username: 'carol', epoch: 1, time: Date.now() }, people.carol!)
    const left = after(g, { change: 'leave', subject: 'carol', members: [member('alice'), member('bob')], leaveRequest: request })
    // bob is no admin, and may make it.
    expect(verifyNext(NET, g, signed({ ...left, author: 'bob' })).state.members.map(m => m.username)).toEqual(['alice', 'bob'])
    expect(code(() => verifyNext(NET, g, signed({ ...left, author: 'carol' })))).toBe('LEAVER_CANNOT_AUTHOR')
    // carol's request cannot remove bob; nor can bob forge one for carol; nor can a request for another group.
    expect(code(() => verifyNext(NET, g, signed({ ...left, subject: 'bob', members: [member('alice'), member('carol')] })))).toBe('BAD_LEAVE_REQUEST')
    const forged = signLeaveRequest(NET, { group: GROUP, username: 'carol', epoch: 1, time: Date.now() }, people.bob!)
    expect(code(() => verifyNext(NET, g, signed({ ...left, leaveRequest: forged })))).toBe('BAD_SIGNATURE')
    const elsewhere = signLeaveRequest(NET, { group: 'cd'.repeat(16), username: 'carol', epoch: 1, time: Date.now() }, people.carol!)
    expect(code(() => verifyNext(NET, g, signed({ ...left, leaveRequest: elsewhere })))).toBe('BAD_LEAVE_REQUEST')
    // The leaver makes its own next epoch only when nobody remains (the group closes).
    const leaverLast = verifyGenesis(NET, signed(state({ members: [member('alice')] })))
    const own = signLeaveRequest(NET, { group: GROUP, username: 'alice', epoch: 1, time: Date.now() }, people.alice!)
    const closed = verifyNext(NET, leaverLast, signed(after(leaverLast, { change: 'leave', subject: 'alice', members: [], admins: [], leaveRequest: own, wrappedKey: new Uint8Array(0) })))
    expect(closed.state.members).toEqual([])
    const ownWithOthers = signLeaveRequest(NET, { group: GROUP, username: 'bob', epoch: 1, time: Date.now() }, people.bob!)
    expect(code(() => verifyNext(NET, g, signed(after(g, { author: 'bob', change: 'leave', subject: 'bob', members: [member('alice'), member('carol')], leaveRequest: ownWithOthers }))))).toBe('LEAVER_CANNOT_AUTHOR')
  })

  it('hands admin to the remaining member whose name sorts first when the last admin leaves', () => {
    const g = genesis()
    expect(successorAdmin(['carol', 'bob'])).toBe('bob')
    const request = signLeaveRequest(NET, { group: GROUP, username: 'alice', epoch: 1, time: Date.now() }, people.alice!)
    const left = after(g, { author: 'carol', change: 'leave', subject: 'alice', members: [member('bob'), member('carol')], leaveRequest: request })
    expect(verifyNext(NET, g, signed({ ...left, admins: ['bob'] })).state.admins).toEqual(['bob'])
    expect(code(() => verifyNext(NET, g, signed({ ...left, admins: ['carol'] })))).toBe('BAD_STATE')
    expect(code(() => verifyNext(NET, g, signed({ ...left, admins: [] })))).toBe('BAD_STATE')
  })

  it('refuses an old leave request against a member invited again', () => {
    const g = genesis()
    const old = signLeaveRequest(NET, { group: GROUP, username: 'carol', epoch: 1, time: Date.now() }, people.carol!)
    const s2 = verifyNext(NET, g, signed(after(g, { change: 'leave', subject: 'carol', members: [member('alice'), member('bob')], leaveRequest: old })))
    const s3 = verifyNext(NET, s2, signed(after(s2, { change: 'invite', subject: 'carol', members: [member('alice'), member('bob'), member('carol', 3)] })))
    const replay = after(s3, { author: 'bob', change: 'leave', subject: 'carol', members: [member('alice'), member('bob')], leaveRequest: old })
    expect(code(() => verifyNext(NET, s3, signed(replay)))).toBe('BAD_LEAVE_REQUEST')
  })

  it('takes an anchor on the signature of the author it lists, and parses epoch resources', () => {
    const g = genesis()
    expect(verifyAnchor(NET, g.bytes).hash).toEqual(g.hash)
    const s2 = after(g, { change: 'promote', subject: 'bob', admins: ['alice', 'bob'] })
    expect(code(() => verifyAnchor(NET, signState(NET, s2, people.carol!)))).toBe('BAD_SIGNATURE')
    expect(epochResource(GROUP, 7)).toBe(`group/${GROUP}/epoch/7`)
    expect(parseEpochResource(`group/${GROUP}/epoch/7`)).toEqual({ group: GROUP, epoch: 7 })
    for (const bad of [`group/${GROUP}/epoch/0`, `group/${GROUP}/epoch/07`, `group/${GROUP}/epoch/99999999999`, `group/${GROUP}`, `group/XY/epoch/1`]) {
      expect(parseEpochResource(bad)).toBeUndefined()
    }
  })
})

describe('group message crypto', () => {
  const epochKey = randomBytes(32)
  const header = { group: GROUP, epoch: 3, sender: 'alice', seq: 5, hlc: '1763780000000.00002' }
  const payload = { id: 'cd'.repeat(16), text: 'hello', sentAt: 1763780000000 }

  it('derives one message key per (group, epoch, sender) with HKDF-SHA256, as an independent HKDF does', () => {
    const info = transcript('lanchat/group/sender-key/v1', GROUP, new Uint8Array([0, 0, 0, 3]), 'alice')
    const expected = new Uint8Array(hkdfSync('sha256', epochKey, new Uint8Array(32), info, 32))
    expect(senderKey(epochKey, GROUP, 3, 'alice')).toEqual(expected)
    expect(senderKey(epochKey, GROUP, 3, 'alice')).toEqual(nobleHkdf(nobleSha256, epochKey, new Uint8Array(32), info, 32))
    const keys = [senderKey(epochKey, GROUP, 3, 'bob'), senderKey(epochKey, GROUP, 4, 'alice'), senderKey(epochKey, 'cd'.repeat(16), 3, 'alice')]
    for (const k of keys) expect(Buffer.from(k).equals(Buffer.from(expected))).toBe(false)
  })

  it('puts the seq in the nonce, and binds every header field', () => {
    expect(Buffer.from(messageNonce(5)).toString('hex')).toBe('000000000000000000000005')
    expect(Buffer.from(messageNonce(2 ** 40)).toString('hex')).toBe('000000000000010000000000')
    const key = senderKey(epochKey, GROUP, 3, 'alice')
    const env = sealGroupMessage(NET, key, header, payload, people.alice!)
    expect(verifyEnvelopeSignature(NET, env, people.alice!.publicKey)).toBe(true)
    expect(openGroupMessage(NET, key, env)).toEqual(payload)
    expect(messageAd(NET, header)).toEqual(transcript('lanchat/group/message/v1', NET, GROUP, new Uint8Array([0, 0, 0, 3]), 'alice', new Uint8Array([0, 0, 0, 0, 0, 0, 0, 5]), header.hlc))
    for (const changed of [{ seq: 6 }, { hlc: '1763780000000.00003' }, { epoch: 4 }, { sender: 'bob' }, { group: 'cd'.repeat(16) }]) {
      const moved = { ...env, ...changed }
      expect(code(() => openGroupMessage(NET, key, moved))).toBe('DECRYPT_FAILED')
      expect(verifyEnvelopeSignature(NET, moved, people.alice!.publicKey)).toBe(false)
    }
    const flipped = new Uint8Array(env.ciphertext)
    flipped[0]! ^= 1
    expect(code(() => openGroupMessage(NET, key, { ...env, ciphertext: flipped }))).toBe('DECRYPT_FAILED')
    expect(verifyEnvelopeSignature(NET, { ...env, ciphertext: flipped }, people.alice!.publicKey)).toBe(false)
    expect(verifyEnvelopeSignature(NET, env, people.bob!.publicKey)).toBe(false)
    expect(envelopeTranscript(NET, env).byteLength).toBeGreaterThan(env.ciphertext.byteLength)
  })

  it('refuses malformed envelopes, naming the field', () => {
    const key = senderKey(epochKey, GROUP, 3, 'alice')
    const env = sealGroupMessage(NET, key, header, payload, people.alice!)
    expect(openEnvelope(GroupEnvelope.encode(env))).toEqual(env)
    for (const bad of [{ seq: 0 }, { epoch: 0 }, { hlc: 'yesterday' }, { sender: 'Alice' }, { group: 'x' }, { signature: new Uint8Array(10) }, { ciphertext: new Uint8Array(3) }]) {
      expect(code(() => openEnvelope(GroupEnvelope.encode({ ...env, ...bad })))).toBe('BAD_ENVELOPE')
    }
    expect(code(() => openEnvelope(new Uint8Array(70_000)))).toBe('TOO_LARGE')
    expect(code(() => openEnvelope(new Uint8Array([0xff, 0xff])))).toBe('BAD_ENVELOPE')
  })
})
