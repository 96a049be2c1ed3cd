/**
 * The protobuf schemas the node speaks, read from the repository's own .proto
 * files (proto3, the subset lanchat uses: scalar, bytes, string and message
 * fields, `repeated`, `optional`; no enums, oneofs or maps), so the fuzzer
 * generates and mutates exactly the messages the code decodes.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { REPO_ROOT } from '../helpers/headless-node.js'

export type Scalar = 'string' | 'bytes' | 'bool' | 'uint32' | 'uint64' | 'int32' | 'int64' | 'sint32' | 'sint64' | 'fixed32' | 'fixed64' | 'double' | 'float'

export interface Field {
  name: string
  number: number
  /** A scalar type, or the name of a message */
  type: string
  repeated: boolean
  optional: boolean
}

export type Schema = Map<string, Field[]>

const SCALARS = new Set<string>(['string', 'bytes', 'bool', 'uint32', 'uint64', 'int32', 'int64', 'sint32', 'sint64', 'fixed32', 'fixed64', 'double', 'float'])

export function isScalar (type: string): type is Scalar {
  return SCALARS.has(type)
}

/** Every .proto file on the wire: chat, registry, groups, X3DH and ratchet, files, the services' RPC and methods. */
export const PROTO_FILES = [
  'src/chat/pb/chat.proto',
  'src/crypto/pb/session.proto',
  'src/crypto/pb/x3dh.proto',
  'src/files/pb/files.proto',
  'src/groups/pb/groups.proto',
  'src/roles/pb/registry.proto',
  'src/services/pb/rpc.proto',
  'src/services/idp/pb/idp.proto',
  'src/services/kacls/pb/kacls.proto',
  'src/services/relay/pb/relay.proto'
]

export function parseProto (text: string, into: Schema = new Map()): Schema {
  const clean = text.replace(/\/\/[^\n]*/g, '').replace(/\/\*[\s\S]*?\*\//g, '')
  const messageRe = /message\s+(\w+)\s*\{([^{}]*)\}/g
  for (const m of clean.matchAll(messageRe)) {
    const fields: Field[] = []
    const fieldRe = /(repeated\s+|optional\s+)?([\w.]+)\s+(\w+)\s*=\s*(\d+)\s*(\[[^\]]*\])?\s*;/g
    for (const f of m[2]!.matchAll(fieldRe)) {
      const label = f[1]?.trim()
      fields.push({ name: f[3]!, number: Number(f[4]), type: f[2]!, repeated: label === 'repeated', optional: label === 'optional' })
    }
    into.set(m[1]!, fields)
  }
  return into
}

let cached: Schema | undefined

/** Every message of every lanchat .proto file, by name (names are unique across them). */
export function loadSchema (): Schema {
  if (cached !== undefined) return cached
  const schema: Schema = new Map()
  for (const file of PROTO_FILES) parseProto(readFileSync(join(REPO_ROOT, file), 'utf8'), schema)
  cached = schema
  return schema
}

/**
 * Bytes fields that carry another encoded message: the mutator goes inside
 * them (a signed payload, an RPC body, an initial message) as the receiver
 * decodes them.
 */
export const NESTED: Record<string, Record<string, string>> = {
  Signed: { payload: 'PresenceAnnouncement|LobbyMessage' },
  SignedAnnouncement: { announcement: 'Announcement' },
  SignedGroupState: { state: 'GroupState' },
  SignedLeaveRequest: { request: 'LeaveRequest' },
  GroupCommitRequest: { state: 'SignedGroupState' },
  GroupState: { leave_request: 'SignedLeaveRequest' },
  DmEnvelope: { body: 'InitialMessage|RatchetMessage' },
  InitialMessage: { message: 'RatchetMessage' },
  RatchetMessage: { header: 'RatchetHeader' },
  GroupPostRequest: { envelopes: 'GroupEnvelope' },
  GroupLeaveRequest: { request: 'SignedLeaveRequest' }
}
