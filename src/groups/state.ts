/**
 * The rules of a group's chain of states, shared by the relay (the membership
 * authority, which accepts a state only on top of the one it holds) and by
 * every member (which checks each state it is given the same way). Pure: no
 * I/O, bytes in, verified values or a GroupStateError out. docs/groups.md
 * explains the rules; each check below names the rule it enforces.
 */
import { safeVerify, sha256, sign, toHex, transcript, u32, u64 } from '../crypto/index.js'
import { isPrintable } from '../text.js'
import { canonicalUsername } from '../usernames.js'
import {
  ENVELOPE_LABEL, GROUP_ID, LEAVE_LABEL, MAX_GROUP_ENVELOPE_BYTES, MAX_GROUP_MEMBERS, MAX_GROUP_NAME_CHARS, STATE_LABEL
} from './constants.js'
import { GroupStateError } from './errors.js'
import { GroupEnvelope, GroupState, LeaveRequest, SignedGroupState, SignedLeaveRequest } from './pb/groups.js'
import type { GroupStateErrorCode } from './errors.js'
import type { IdentityKeyPair } from '../crypto/index.js'

/** A group's id: 16 random bytes as 32 lower-case hex digits. */
export type GroupId = string
/** A group's epoch: 1 for its first state, +1 for every change. */
export type Epoch = number

export type GroupChange = 'create' | 'invite' | 'kick' | 'promote' | 'leave'
const CHANGES = new Set<string>(['create', 'invite', 'kick', 'promote', 'leave'])

const HLC = /^\d{13}\.\d{5}$/
const KEY_BYTES = 32
const SIGNATURE_BYTES = 64

function fail (code: GroupStateErrorCode, message: string): never {
  throw new GroupStateError(code, message)
}

function bad (message: string): never {
  throw new GroupStateError('BAD_STATE', message)
}

/** The KACLS resource of an epoch key, also the relay's authorization resource. */
export function epochResource (group: GroupId, epoch: Epoch): string {
  return `group/${group}/epoch/${epoch}`
}

/** The inverse of epochResource, or undefined for anything else. */
export function parseEpochResource (resource: string): { group: GroupId, epoch: Epoch } | undefined {
  const m = /^group\/([0-9a-f]{32})\/epoch\/([1-9]\d{0,9})$/.exec(resource)
  if (m === null) return undefined
  const epoch = Number(m[2])
  return epoch <= 0xffff_ffff ? { group: m[1]!, epoch } : undefined
}

export function checkGroupId (group: string, field = 'group'): GroupId {
  if (typeof group !== 'string' || !GROUP_ID.test(group)) fail('BAD_GROUP', `${field}: a group id is 32 lower-case hex digits`)
  return group
}

export function checkGroupName (name: string): string {
  const chars = [...name]
  if (name.trim() === '' || chars.length > MAX_GROUP_NAME_CHARS || !isPrintable(name)) {
    fail('BAD_NAME', `a group name is 1 to ${MAX_GROUP_NAME_CHARS} printable characters`)
  }
  return name
}

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0

// ---------------------------------------------------------------- states

/** A state whose bytes, shape and signature were checked. */
export interface VerifiedState {
  state: GroupState
  /** The encoded SignedGroupState, exactly as signed and stored */
  bytes: Uint8Array
  /** SHA-256 of `bytes`: the next state's `previous` */
  hash: Uint8Array
}

export function stateHash (bytes: Uint8Array): Uint8Array {
  return sha256(bytes)
}

export function isMember (state: GroupState, username: string): boolean {
  return state.members.some(m => m.username === username)
}

export function isAdmin (state: GroupState, username: string): boolean {
  return state.admins.includes(username)
}

export function memberKey (state: GroupState, username: string): Uint8Array | undefined {
  return state.members.find(m => m.username === username)?.identityKey
}

export function usernames (state: GroupState): string[] {
  return state.members.map(m => m.username)
}

/**
 * Who becomes admin when the last admin goes: the remaining member whose
 * username sorts first. Every node computes the same one.
 */
export function successorAdmin (remaining: readonly string[]): string | undefined {
  return [...remaining].sort()[0]
}

/**
 * The members and admins a change makes from state `p`: the one rule the
 * author of the next state and everyone verifying it apply. An invite adds
 * `invited` (the subject's key, member since the next epoch); a kick or a
 * leave removes the subject, and a leave by the last admin hands admin to
 * the successor; a promote adds an admin. Whether the change is allowed is
 * checked apart.
 */
export function membersAfter (p: GroupState, change: Exclude<GroupChange, 'create'>, subject: string, invited?: GroupState['members'][number]): Pick<GroupState, 'members' | 'admins'> {
  switch (change) {
    case 'invite':
      if (invited === undefined) bad(`an invite adds ${subject}`)
      return { members: [...p.members, invited].sort((a, b) => a.username < b.username ? -1 : 1), admins: p.admins }
    case 'promote':
      return { members: p.members, admins: [...p.admins, subject].sort() }
    case 'kick':
    case 'leave': {
      const members = p.members.filter(m => m.username !== subject)
      let admins = p.admins.filter(a => a !== subject)
      if (change === 'leave' && admins.length === 0 && members.length > 0) admins = [successorAdmin(members.map(m => m.username))!]
      return { members, admins }
    }
  }
}

/** Signs a state with its author's identity key; returns the encoded SignedGroupState. */
export function signState (networkId: string, state: GroupState, identity: IdentityKeyPair): Uint8Array<ArrayBuffer> {
  const bytes = GroupState.encode(state)
  return SignedGroupState.encode({ state: bytes, signature: sign(identity, transcript(STATE_LABEL, networkId, bytes)) as Uint8Array<ArrayBuffer> })
}

/** Decodes a SignedGroupState and checks the state's shape (not its signature, not its place in the chain). */
export function openState (bytes: Uint8Array): { signed: SignedGroupState, state: GroupState } {
  let signed: SignedGroupState
  let state: GroupState
  try {
    signed = SignedGroupState.decode(bytes)
    state = GroupState.decode(signed.state)
  } catch (err) {
    return bad(`the group state does not decode: ${(err as Error).message}`)
  }
  checkShape(state)
  if (signed.signature.byteLength !== SIGNATURE_BYTES) bad('the state\'s signature is not 64 bytes')
  return { signed, state }
}

function checkShape (s: GroupState): void {
  checkGroupId(s.group)
  checkGroupName(s.name)
  if (!Number.isInteger(s.epoch) || s.epoch < 1) bad('epoch: starts at 1')
  if (s.epoch === 1 ? s.previous.byteLength !== 0 : s.previous.byteLength !== 32) bad('previous: the first state has none, every other the 32-byte hash of the one before')
  if (s.members.length > MAX_GROUP_MEMBERS) fail('TOO_MANY_MEMBERS', `a group has at most ${MAX_GROUP_MEMBERS} members`)
  let last = ''
  for (const [i, m] of s.members.entries()) {
    if (canonicalOrUndefined(m.username) !== m.username) bad(`members[${i}]: not a canonical username`)
    if (m.username <= last) bad('members: sorted by username, each once')
    last = m.username
    if (m.identityKey.byteLength !== KEY_BYTES) bad(`members[${i}]: the identity key is 32 bytes`)
    if (m.since < 1 || m.since > s.epoch) bad(`members[${i}]: since is an epoch up to this one`)
  }
  last = ''
  for (const a of s.admins) {
    if (a <= last) bad('admins: sorted, each once')
    last = a
    if (!isMember(s, a)) bad(`admins: ${a} is not a member`)
  }
  if (s.members.length > 0 && s.admins.length === 0) bad('admins: a group with members has an admin')
  if (canonicalOrUndefined(s.author) !== s.author) bad('author: not a canonical username')
  if (!CHANGES.has(s.change)) bad(`change: one of ${[...CHANGES].join(', ')}`)
  if (s.change === 'create' ? s.subject !== '' : canonicalOrUndefined(s.subject) !== s.subject) bad('subject: the user the change is about')
  if ((s.change === 'leave') !== (s.leaveRequest.byteLength > 0)) bad('leaveRequest: present exactly for a leave')
  if ((s.members.length > 0) !== (s.wrappedKey.byteLength > 0)) bad('wrappedKey: present exactly while there are members')
}

function canonicalOrUndefined (name: string): string | undefined {
  try {
    return canonicalUsername(name)
  } catch {
    return undefined
  }
}

function checkSignature (networkId: string, signed: SignedGroupState, key: Uint8Array | undefined, author: string): void {
  if (key === undefined || !safeVerify(key, transcript(STATE_LABEL, networkId, signed.state), signed.signature)) {
    fail('BAD_SIGNATURE', `the state is not signed by its author ${author}`)
  }
}

/**
 * The first state of a group: epoch 1, `create`, its author the only admin
 * and a member, every member since epoch 1, signed by the author's key
 * listed in it.
 */
export function verifyGenesis (networkId: string, bytes: Uint8Array): VerifiedState {
  const { signed, state } = openState(bytes)
  if (state.epoch !== 1 || state.change !== 'create') bad('a group starts with a create state at epoch 1')
  if (!isMember(state, state.author)) bad('the creator is a member')
  if (state.admins.length !== 1 || state.admins[0] !== state.author) bad('the creator is the only admin of a new group')
  if (state.members.some(m => m.since !== 1)) bad('every first member is a member since epoch 1')
  checkSignature(networkId, signed, memberKey(state, state.author), state.author)
  return { state, bytes, hash: stateHash(bytes) }
}

/**
 * A state taken on the relay's word, without its predecessor (a member that
 * joins, or comes back after a gap): its shape, and its signature by the
 * author's key listed in it. The caller checks that key against the
 * directory.
 */
export function verifyAnchor (networkId: string, bytes: Uint8Array): VerifiedState {
  const { signed, state } = openState(bytes)
  checkSignature(networkId, signed, memberKey(state, state.author), state.author)
  return { state, bytes, hash: stateHash(bytes) }
}

/**
 * The state after `prev`: in the chain (epoch + 1, previous = hash), signed
 * by its author with the key `prev` lists for it, and a change the author may
 * make (docs/groups.md, "Who may change what").
 */
export function verifyNext (networkId: string, prev: VerifiedState, bytes: Uint8Array): VerifiedState {
  const { signed, state: next } = openState(bytes)
  const p = prev.state
  if (next.group !== p.group) bad('the state is of another group')
  if (next.epoch !== p.epoch + 1 || !sameBytes(next.previous, prev.hash)) {
    fail('CONFLICT', `the state does not follow epoch ${p.epoch} (${toHex(prev.hash).slice(0, 8)})`)
  }
  if (next.name !== p.name) bad('a group keeps its name')
  const authorKey = memberKey(p, next.author)
  if (authorKey === undefined) fail('NOT_MEMBER', `${next.author} is not a member of epoch ${p.epoch}`)
  checkSignature(networkId, signed, authorKey, next.author)
  checkChange(networkId, p, next)
  return { state: next, bytes, hash: stateHash(bytes) }
}

/** The members and admins `next` must have, given `prev` and the change. */
function checkChange (networkId: string, p: GroupState, next: GroupState): void {
  const author = next.author
  const subject = next.subject
  const requireAdmin = (): void => {
    if (!isAdmin(p, author)) fail('NOT_ADMIN', `only an admin may ${next.change} (${author} is not one at epoch ${p.epoch})`)
  }
  const change = next.change
  switch (change) {
    case 'create':
      bad('a group is created once, at epoch 1')
      break
    case 'invite':
      requireAdmin()
      if (isMember(p, subject)) fail('ALREADY_MEMBER', `${subject} is already a member`)
      break
    case 'kick':
      requireAdmin()
      if (!isMember(p, subject)) fail('NOT_MEMBER', `${subject} is not a member`)
      if (subject === author) bad('leave instead of kicking yourself')
      break
    case 'promote':
      requireAdmin()
      if (!isMember(p, subject)) fail('NOT_MEMBER', `${subject} is not a member`)
      if (isAdmin(p, subject)) fail('ALREADY_ADMIN', `${subject} is already an admin`)
      break
    case 'leave':
      if (!isMember(p, subject)) fail('NOT_MEMBER', `${subject} is not a member`)
      verifyLeaveRequest(networkId, p, next.leaveRequest, subject)
      // The leaver would know the next key: only the last member may close the group itself.
      if (author === subject && p.members.length > 1) fail('LEAVER_CANNOT_AUTHOR', 'a leaver cannot make the next epoch: another member makes it from the leave request')
      break
  }
  // The shape check admitted only known changes, and 'create' failed above.
  const added = change === 'invite' ? next.members.find(m => m.username === subject) : undefined
  const { members, admins } = membersAfter(p, change as Exclude<GroupChange, 'create'>, subject, added && { username: subject, identityKey: added.identityKey, since: next.epoch })
  if (!sameMembers(next.members, members)) bad(`the members after ${next.change} ${subject} are not what the change makes`)
  if (next.admins.join(',') !== admins.join(',')) bad(`the admins after ${next.change} ${subject} are not what the change makes`)
  if (members.length > 0 && !next.members.some(m => m.username === author)) bad('the author of a state stays a member')
}

function sameMembers (a: GroupState['members'], b: GroupState['members']): boolean {
  return a.length === b.length && a.every((m, i) => {
    const o = b[i]!
    return m.username === o.username && m.since === o.since && sameBytes(m.identityKey, o.identityKey)
  })
}

// ---------------------------------------------------------------- leave requests

export function signLeaveRequest (networkId: string, request: LeaveRequest, identity: IdentityKeyPair): Uint8Array<ArrayBuffer> {
  const bytes = LeaveRequest.encode(request)
  return SignedLeaveRequest.encode({ request: bytes, signature: sign(identity, transcript(LEAVE_LABEL, networkId, bytes)) as Uint8Array<ArrayBuffer> })
}

export function openLeaveRequest (bytes: Uint8Array): { signed: SignedLeaveRequest, request: LeaveRequest } {
  try {
    const signed = SignedLeaveRequest.decode(bytes)
    return { signed, request: LeaveRequest.decode(signed.request) }
  } catch (err) {
    return fail('BAD_LEAVE_REQUEST', `the leave request does not decode: ${(err as Error).message}`)
  }
}

/**
 * A leave request that lets someone else remove `username` from the state
 * after `state`: for this group, by that member (signed with the key the
 * state lists), made no earlier than the member's joining (so an old request
 * cannot remove a member invited again) and no later than `state`.
 */
export function verifyLeaveRequest (networkId: string, state: GroupState, bytes: Uint8Array, username?: string): LeaveRequest {
  const { signed, request } = openLeaveRequest(bytes)
  if (request.group !== state.group) fail('BAD_LEAVE_REQUEST', 'the leave request is for another group')
  if (username !== undefined && request.username !== username) fail('BAD_LEAVE_REQUEST', `the leave request is not ${username}'s`)
  const member = state.members.find(m => m.username === request.username)
  if (member === undefined) fail('NOT_MEMBER', `${request.username} is not a member`)
  if (request.epoch < member.since || request.epoch > state.epoch) fail('BAD_LEAVE_REQUEST', `the leave request was made at epoch ${request.epoch}, outside ${request.username}'s membership`)
  if (!safeVerify(member.identityKey, transcript(LEAVE_LABEL, networkId, signed.request), signed.signature)) {
    fail('BAD_SIGNATURE', `the leave request is not signed by ${request.username}`)
  }
  return request
}

// ---------------------------------------------------------------- envelopes

/** What a sender's identity key signs: every field of the envelope but the signature. */
export function envelopeTranscript (networkId: string, e: Omit<GroupEnvelope, 'signature'>): Uint8Array {
  return transcript(ENVELOPE_LABEL, networkId, e.group, u32(e.epoch), e.sender, u64(e.seq), e.hlc, e.ciphertext)
}

/** Decodes an envelope and checks its fields' shapes (BAD_ENVELOPE naming the field). */
export function openEnvelope (bytes: Uint8Array): GroupEnvelope {
  if (bytes.byteLength > MAX_GROUP_ENVELOPE_BYTES) fail('TOO_LARGE', `a group envelope is at most ${MAX_GROUP_ENVELOPE_BYTES} bytes`)
  let env: GroupEnvelope
  try {
    env = GroupEnvelope.decode(bytes)
  } catch (err) {
    return fail('BAD_ENVELOPE', `the envelope does not decode: ${(err as Error).message}`)
  }
  checkEnvelope(env)
  return env
}

export function checkEnvelope (env: GroupEnvelope): void {
  const no = (field: string, what: string): void => { fail('BAD_ENVELOPE', `${field}: ${what}`) }
  if (!GROUP_ID.test(env.group)) no('group', 'a group id')
  if (!Number.isInteger(env.epoch) || env.epoch < 1) no('epoch', 'from 1')
  if (canonicalOrUndefined(env.sender) !== env.sender) no('sender', 'a canonical username')
  if (!Number.isSafeInteger(env.seq) || env.seq < 1) no('seq', 'from 1')
  if (!HLC.test(env.hlc)) no('hlc', 'a hybrid logical clock (13 digits . 5 digits)')
  if (env.ciphertext.byteLength < 16) no('ciphertext', 'at least an AES-GCM tag')
  if (env.signature.byteLength !== SIGNATURE_BYTES) no('signature', '64 bytes')
}

export function verifyEnvelopeSignature (networkId: string, env: GroupEnvelope, key: Uint8Array): boolean {
  return safeVerify(key, envelopeTranscript(networkId, env), env.signature)
}

export function signEnvelope (networkId: string, env: Omit<GroupEnvelope, 'signature'>, identity: IdentityKeyPair): GroupEnvelope {
  return { ...env, signature: new Uint8Array(sign(identity, envelopeTranscript(networkId, env))) }
}

export { u32 as encodeU32, u64 as encodeU64 }
