import { decodeMessage, encodeMessage, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface GroupMember {
  username: string
  identityKey: Uint8Array<ArrayBuffer>
  since: number
}

export namespace GroupMember {
  let _codec: Codec<GroupMember>

  export const codec = (): Codec<GroupMember> => {
    if (_codec == null) {
      _codec = message<GroupMember>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.username != null && obj.username !== '')) {
          w.uint32(10)
          w.string(obj.username)
        }

        if ((obj.identityKey != null && obj.identityKey.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.identityKey)
        }

        if ((obj.since != null && obj.since !== 0)) {
          w.uint32(24)
          w.uint32(obj.since)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          username: '',
          identityKey: uint8ArrayAlloc(0),
          since: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.username = reader.string()
              break
            }
            case 2: {
              obj.identityKey = reader.bytes()
              break
            }
            case 3: {
              obj.since = reader.uint32()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.username`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.identityKey`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.since`,
                value: reader.uint32()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface GroupMemberUsernameFieldEvent {
    field: '$.username'
    value: string
  }

  export interface GroupMemberIdentityKeyFieldEvent {
    field: '$.identityKey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface GroupMemberSinceFieldEvent {
    field: '$.since'
    value: number
  }

  export function encode (obj: Partial<GroupMember>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, GroupMember.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<GroupMember>): GroupMember {
    return decodeMessage(buf, GroupMember.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<GroupMember>): Generator<GroupMemberUsernameFieldEvent | GroupMemberIdentityKeyFieldEvent | GroupMemberSinceFieldEvent> {
    return streamMessage(buf, GroupMember.codec(), opts)
  }
}

export interface GroupState {
  group: string
  name: string
  epoch: number
  previous: Uint8Array<ArrayBuffer>
  members: GroupMember[]
  admins: string[]
  author: string
  time: number
  change: string
  subject: string
  leaveRequest: Uint8Array<ArrayBuffer>
  wrappedKey: Uint8Array<ArrayBuffer>
}

export namespace GroupState {
  let _codec: Codec<GroupState>

  export const codec = (): Codec<GroupState> => {
    if (_codec == null) {
      _codec = message<GroupState>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.group != null && obj.group !== '')) {
          w.uint32(10)
          w.string(obj.group)
        }

        if ((obj.name != null && obj.name !== '')) {
          w.uint32(18)
          w.string(obj.name)
        }

        if ((obj.epoch != null && obj.epoch !== 0)) {
          w.uint32(24)
          w.uint32(obj.epoch)
        }

        if ((obj.previous != null && obj.previous.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.previous)
        }

        if (obj.members != null && obj.members.length > 0) {
          for (const value of obj.members) {
            w.uint32(42)
            GroupMember.codec().encode(value, w)
          }
        }

        if (obj.admins != null && obj.admins.length > 0) {
          for (const value of obj.admins) {
            w.uint32(50)
            w.string(value)
          }
        }

        if ((obj.author != null && obj.author !== '')) {
          w.uint32(58)
          w.string(obj.author)
        }

        if ((obj.time != null && obj.time !== 0)) {
          w.uint32(64)
          w.uint64Number(obj.time)
        }

        if ((obj.change != null && obj.change !== '')) {
          w.uint32(74)
          w.string(obj.change)
        }

        if ((obj.subject != null && obj.subject !== '')) {
          w.uint32(82)
          w.string(obj.subject)
        }

        if ((obj.leaveRequest != null && obj.leaveRequest.byteLength > 0)) {
          w.uint32(90)
          w.bytes(obj.leaveRequest)
        }

        if ((obj.wrappedKey != null && obj.wrappedKey.byteLength > 0)) {
          w.uint32(98)
          w.bytes(obj.wrappedKey)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          group: '',
          name: '',
          epoch: 0,
          previous: uint8ArrayAlloc(0),
          members: [],
          admins: [],
          author: '',
          time: 0,
          change: '',
          subject: '',
          leaveRequest: uint8ArrayAlloc(0),
          wrappedKey: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.group = reader.string()
              break
            }
            case 2: {
              obj.name = reader.string()
              break
            }
            case 3: {
              obj.epoch = reader.uint32()
              break
            }
            case 4: {
              obj.previous = reader.bytes()
              break
            }
            case 5: {
              if (opts.limits?.members != null && obj.members.length === opts.limits.members) {
                throw new MaxLengthError('Decode error - repeated field "members" had too many elements')
              }

              if (obj.members.length === 256) {
                throw new MaxLengthError('Decode error - repeated field "members" had too many elements')
              }

              obj.members.push(GroupMember.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.members$
              }))
              break
            }
            case 6: {
              if (opts.limits?.admins != null && obj.admins.length === opts.limits.admins) {
                throw new MaxLengthError('Decode error - repeated field "admins" had too many elements')
              }

              if (obj.admins.length === 256) {
                throw new MaxLengthError('Decode error - repeated field "admins" had too many elements')
              }

              obj.admins.push(reader.string())
              break
            }
            case 7: {
              obj.author = reader.string()
              break
            }
            case 8: {
              obj.time = reader.uint64Number()
              break
            }
            case 9: {
              obj.change = reader.string()
              break
            }
            case 10: {
              obj.subject = reader.string()
              break
            }
            case 11: {
              obj.leaveRequest = reader.bytes()
              break
            }
            case 12: {
              obj.wrappedKey = reader.bytes()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          members: 256,
          admins: 256
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.group`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.name`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.epoch`,
                value: reader.uint32()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.previous`,
                value: reader.bytes()
              }
              break
            }
            case 5: {
              if (opts.limits?.members != null && obj.members === opts.limits.members) {
                throw new MaxLengthError('Streaming decode error - repeated field "members" had too many elements')
              }

              if (obj.members === 256) {
                throw new MaxLengthError('Streaming decode error - repeated field "members" had too many elements')
              }

              for (const evt of GroupMember.codec().stream(reader, reader.uint32(), `${prefix}.members[]`, {
                limits: opts.limits?.members$
              })) {
                yield {
                  ...evt,
                  index: obj.members
                }
              }

              obj.members++

              break
            }
            case 6: {
              if (opts.limits?.admins != null && obj.admins === opts.limits.admins) {
                throw new MaxLengthError('Streaming decode error - repeated field "admins" had too many elements')
              }

              if (obj.admins === 256) {
                throw new MaxLengthError('Streaming decode error - repeated field "admins" had too many elements')
              }

              yield {
                field: `${prefix}.admins[]`,
                index: obj.admins,
                value: reader.string()
              }

              obj.admins++

              break
            }
            case 7: {
              yield {
                field: `${prefix}.author`,
                value: reader.string()
              }
              break
            }
            case 8: {
              yield {
                field: `${prefix}.time`,
                value: reader.uint64Number()
              }
              break
            }
            case 9: {
              yield {
                field: `${prefix}.change`,
                value: reader.string()
              }
              break
            }
            case 10: {
              yield {
                field: `${prefix}.subject`,
                value: reader.string()
              }
              break
            }
            case 11: {
              yield {
                field: `${prefix}.leaveRequest`,
                value: reader.bytes()
              }
              break
            }
            case 12: {
              yield {
                field: `${prefix}.wrappedKey`,
                value: reader.bytes()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface GroupStateGroupFieldEvent {
    field: '$.group'
    value: string
  }

  export interface GroupStateNameFieldEvent {
    field: '$.name'
    value: string
  }

  export interface GroupStateEpochFieldEvent {
    field: '$.epoch'
    value: number
  }

  export interface GroupStatePreviousFieldEvent {
    field: '$.previous'
    value: Uint8Array<ArrayBuffer>
  }

  export interface GroupStateMembersUsernameFieldEvent {
    field: '$.members[].username'
    value: string
    index: number
  }

  export interface GroupStateMembersIdentityKeyFieldEvent {
    field: '$.members[].identityKey'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface GroupStateMembersSinceFieldEvent {
    field: '$.members[].since'
    value: number
    index: number
  }

  export interface GroupStateAdminsFieldEvent {
    field: '$.admins[]'
    index: number
    value: string
  }

  export interface GroupStateAuthorFieldEvent {
    field: '$.author'
    value: string
  }

  export interface GroupStateTimeFieldEvent {
    field: '$.time'
    value: number
  }

  export interface GroupStateChangeFieldEvent {
    field: '$.change'
    value: string
  }

  export interface GroupStateSubjectFieldEvent {
    field: '$.subject'
    value: string
  }

  export interface GroupStateLeaveRequestFieldEvent {
    field: '$.leaveRequest'
    value: Uint8Array<ArrayBuffer>
  }

  export interface GroupStateWrappedKeyFieldEvent {
    field: '$.wrappedKey'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<GroupState>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, GroupState.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<GroupState>): GroupState {
    return decodeMessage(buf, GroupState.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<GroupState>): Generator<GroupStateGroupFieldEvent | GroupStateNameFieldEvent | GroupStateEpochFieldEvent | GroupStatePreviousFieldEvent | GroupStateMembersUsernameFieldEvent | GroupStateMembersIdentityKeyFieldEvent | GroupStateMembersSinceFieldEvent | GroupStateAdminsFieldEvent | GroupStateAuthorFieldEvent | GroupStateTimeFieldEvent | GroupStateChangeFieldEvent | GroupStateSubjectFieldEvent | GroupStateLeaveRequestFieldEvent | GroupStateWrappedKeyFieldEvent> {
    return streamMessage(buf, GroupState.codec(), opts)
  }
}

export interface SignedGroupState {
  state: Uint8Array<ArrayBuffer>
  signature: Uint8Array<ArrayBuffer>
}

export namespace SignedGroupState {
  let _codec: Codec<SignedGroupState>

  export const codec = (): Codec<SignedGroupState> => {
    if (_codec == null) {
      _codec = message<SignedGroupState>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.state != null && obj.state.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.state)
        }

        if ((obj.signature != null && obj.signature.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.signature)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          state: uint8ArrayAlloc(0),
          signature: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.state = reader.bytes()
              break
            }
            case 2: {
              obj.signature = reader.bytes()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.state`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.signature`,
                value: reader.bytes()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface SignedGroupStateStateFieldEvent {
    field: '$.state'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SignedGroupStateSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<SignedGroupState>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SignedGroupState.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedGroupState>): SignedGroupState {
    return decodeMessage(buf, SignedGroupState.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedGroupState>): Generator<SignedGroupStateStateFieldEvent | SignedGroupStateSignatureFieldEvent> {
    return streamMessage(buf, SignedGroupState.codec(), opts)
  }
}

export interface LeaveRequest {
  group: string
  username: string
  epoch: number
  time: number
}

export namespace LeaveRequest {
  let _codec: Codec<LeaveRequest>

  export const codec = (): Codec<LeaveRequest> => {
    if (_codec == null) {
      _codec = message<LeaveRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.group != null && obj.group !== '')) {
          w.uint32(10)
          w.string(obj.group)
        }

        if ((obj.username != null && obj.username !== '')) {
          w.uint32(18)
          w.string(obj.username)
        }

        if ((obj.epoch != null && obj.epoch !== 0)) {
          w.uint32(24)
          w.uint32(obj.epoch)
        }

        if ((obj.time != null && obj.time !== 0)) {
          w.uint32(32)
          w.uint64Number(obj.time)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          group: '',
          username: '',
          epoch: 0,
          time: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.group = reader.string()
              break
            }
            case 2: {
              obj.username = reader.string()
              break
            }
            case 3: {
              obj.epoch = reader.uint32()
              break
            }
            case 4: {
              obj.time = reader.uint64Number()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.group`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.username`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.epoch`,
                value: reader.uint32()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.time`,
                value: reader.uint64Number()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface LeaveRequestGroupFieldEvent {
    field: '$.group'
    value: string
  }

  export interface LeaveRequestUsernameFieldEvent {
    field: '$.username'
    value: string
  }

  export interface LeaveRequestEpochFieldEvent {
    field: '$.epoch'
    value: number
  }

  export interface LeaveRequestTimeFieldEvent {
    field: '$.time'
    value: number
  }

  export function encode (obj: Partial<LeaveRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, LeaveRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<LeaveRequest>): LeaveRequest {
    return decodeMessage(buf, LeaveRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<LeaveRequest>): Generator<LeaveRequestGroupFieldEvent | LeaveRequestUsernameFieldEvent | LeaveRequestEpochFieldEvent | LeaveRequestTimeFieldEvent> {
    return streamMessage(buf, LeaveRequest.codec(), opts)
  }
}

export interface SignedLeaveRequest {
  request: Uint8Array<ArrayBuffer>
  signature: Uint8Array<ArrayBuffer>
}

export namespace SignedLeaveRequest {
  let _codec: Codec<SignedLeaveRequest>

  export const codec = (): Codec<SignedLeaveRequest> => {
    if (_codec == null) {
      _codec = message<SignedLeaveRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.request != null && obj.request.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.request)
        }

        if ((obj.signature != null && obj.signature.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.signature)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          request: uint8ArrayAlloc(0),
          signature: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.request = reader.bytes()
              break
            }
            case 2: {
              obj.signature = reader.bytes()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.request`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.signature`,
                value: reader.bytes()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface SignedLeaveRequestRequestFieldEvent {
    field: '$.request'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SignedLeaveRequestSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<SignedLeaveRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SignedLeaveRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedLeaveRequest>): SignedLeaveRequest {
    return decodeMessage(buf, SignedLeaveRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedLeaveRequest>): Generator<SignedLeaveRequestRequestFieldEvent | SignedLeaveRequestSignatureFieldEvent> {
    return streamMessage(buf, SignedLeaveRequest.codec(), opts)
  }
}

export interface GroupEnvelope {
  group: string
  epoch: number
  sender: string
  seq: number
  hlc: string
  ciphertext: Uint8Array<ArrayBuffer>
  signature: Uint8Array<ArrayBuffer>
}

export namespace GroupEnvelope {
  let _codec: Codec<GroupEnvelope>

  export const codec = (): Codec<GroupEnvelope> => {
    if (_codec == null) {
      _codec = message<GroupEnvelope>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.group != null && obj.group !== '')) {
          w.uint32(10)
          w.string(obj.group)
        }

        if ((obj.epoch != null && obj.epoch !== 0)) {
          w.uint32(16)
          w.uint32(obj.epoch)
        }

        if ((obj.sender != null && obj.sender !== '')) {
          w.uint32(26)
          w.string(obj.sender)
        }

        if ((obj.seq != null && obj.seq !== 0)) {
          w.uint32(32)
          w.uint64Number(obj.seq)
        }

        if ((obj.hlc != null && obj.hlc !== '')) {
          w.uint32(42)
          w.string(obj.hlc)
        }

        if ((obj.ciphertext != null && obj.ciphertext.byteLength > 0)) {
          w.uint32(50)
          w.bytes(obj.ciphertext)
        }

        if ((obj.signature != null && obj.signature.byteLength > 0)) {
          w.uint32(58)
          w.bytes(obj.signature)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          group: '',
          epoch: 0,
          sender: '',
          seq: 0,
          hlc: '',
          ciphertext: uint8ArrayAlloc(0),
          signature: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.group = reader.string()
              break
            }
            case 2: {
              obj.epoch = reader.uint32()
              break
            }
            case 3: {
              obj.sender = reader.string()
              break
            }
            case 4: {
              obj.seq = reader.uint64Number()
              break
            }
            case 5: {
              obj.hlc = reader.string()
              break
            }
            case 6: {
              obj.ciphertext = reader.bytes()
              break
            }
            case 7: {
              obj.signature = reader.bytes()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.group`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.epoch`,
                value: reader.uint32()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.sender`,
                value: reader.string()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.seq`,
                value: reader.uint64Number()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.hlc`,
                value: reader.string()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.ciphertext`,
                value: reader.bytes()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.signature`,
                value: reader.bytes()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface GroupEnvelopeGroupFieldEvent {
    field: '$.group'
    value: string
  }

  export interface GroupEnvelopeEpochFieldEvent {
    field: '$.epoch'
    value: number
  }

  export interface GroupEnvelopeSenderFieldEvent {
    field: '$.sender'
    value: string
  }

  export interface GroupEnvelopeSeqFieldEvent {
    field: '$.seq'
    value: number
  }

  export interface GroupEnvelopeHlcFieldEvent {
    field: '$.hlc'
    value: string
  }

  export interface GroupEnvelopeCiphertextFieldEvent {
    field: '$.ciphertext'
    value: Uint8Array<ArrayBuffer>
  }

  export interface GroupEnvelopeSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<GroupEnvelope>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, GroupEnvelope.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<GroupEnvelope>): GroupEnvelope {
    return decodeMessage(buf, GroupEnvelope.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<GroupEnvelope>): Generator<GroupEnvelopeGroupFieldEvent | GroupEnvelopeEpochFieldEvent | GroupEnvelopeSenderFieldEvent | GroupEnvelopeSeqFieldEvent | GroupEnvelopeHlcFieldEvent | GroupEnvelopeCiphertextFieldEvent | GroupEnvelopeSignatureFieldEvent> {
    return streamMessage(buf, GroupEnvelope.codec(), opts)
  }
}

export interface GroupPoke {
  group: string
  epoch: number
}

export namespace GroupPoke {
  let _codec: Codec<GroupPoke>

  export const codec = (): Codec<GroupPoke> => {
    if (_codec == null) {
      _codec = message<GroupPoke>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.group != null && obj.group !== '')) {
          w.uint32(10)
          w.string(obj.group)
        }

        if ((obj.epoch != null && obj.epoch !== 0)) {
          w.uint32(16)
          w.uint32(obj.epoch)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          group: '',
          epoch: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.group = reader.string()
              break
            }
            case 2: {
              obj.epoch = reader.uint32()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.group`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.epoch`,
                value: reader.uint32()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface GroupPokeGroupFieldEvent {
    field: '$.group'
    value: string
  }

  export interface GroupPokeEpochFieldEvent {
    field: '$.epoch'
    value: number
  }

  export function encode (obj: Partial<GroupPoke>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, GroupPoke.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<GroupPoke>): GroupPoke {
    return decodeMessage(buf, GroupPoke.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<GroupPoke>): Generator<GroupPokeGroupFieldEvent | GroupPokeEpochFieldEvent> {
    return streamMessage(buf, GroupPoke.codec(), opts)
  }
}

export interface GroupTopicMessage {
  envelope?: GroupEnvelope
  poke?: GroupPoke
}

export namespace GroupTopicMessage {
  let _codec: Codec<GroupTopicMessage>

  export const codec = (): Codec<GroupTopicMessage> => {
    if (_codec == null) {
      _codec = message<GroupTopicMessage>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.envelope != null) {
          w.uint32(10)
          GroupEnvelope.codec().encode(obj.envelope, w)
        }

        if (obj.poke != null) {
          w.uint32(18)
          GroupPoke.codec().encode(obj.poke, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {}

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.envelope = GroupEnvelope.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.envelope
              })
              break
            }
            case 2: {
              obj.poke = GroupPoke.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.poke
              })
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield * GroupEnvelope.codec().stream(reader, reader.uint32(), `${prefix}.envelope`, {
                limits: opts.limits?.envelope
              })

              break
            }
            case 2: {
              yield * GroupPoke.codec().stream(reader, reader.uint32(), `${prefix}.poke`, {
                limits: opts.limits?.poke
              })

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface GroupTopicMessageEnvelopeGroupFieldEvent {
    field: '$.envelope.group'
    value: string
  }

  export interface GroupTopicMessageEnvelopeEpochFieldEvent {
    field: '$.envelope.epoch'
    value: number
  }

  export interface GroupTopicMessageEnvelopeSenderFieldEvent {
    field: '$.envelope.sender'
    value: string
  }

  export interface GroupTopicMessageEnvelopeSeqFieldEvent {
    field: '$.envelope.seq'
    value: number
  }

  export interface GroupTopicMessageEnvelopeHlcFieldEvent {
    field: '$.envelope.hlc'
    value: string
  }

  export interface GroupTopicMessageEnvelopeCiphertextFieldEvent {
    field: '$.envelope.ciphertext'
    value: Uint8Array<ArrayBuffer>
  }

  export interface GroupTopicMessageEnvelopeSignatureFieldEvent {
    field: '$.envelope.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export interface GroupTopicMessagePokeGroupFieldEvent {
    field: '$.poke.group'
    value: string
  }

  export interface GroupTopicMessagePokeEpochFieldEvent {
    field: '$.poke.epoch'
    value: number
  }

  export function encode (obj: Partial<GroupTopicMessage>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, GroupTopicMessage.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<GroupTopicMessage>): GroupTopicMessage {
    return decodeMessage(buf, GroupTopicMessage.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<GroupTopicMessage>): Generator<GroupTopicMessageEnvelopeGroupFieldEvent | GroupTopicMessageEnvelopeEpochFieldEvent | GroupTopicMessageEnvelopeSenderFieldEvent | GroupTopicMessageEnvelopeSeqFieldEvent | GroupTopicMessageEnvelopeHlcFieldEvent | GroupTopicMessageEnvelopeCiphertextFieldEvent | GroupTopicMessageEnvelopeSignatureFieldEvent | GroupTopicMessagePokeGroupFieldEvent | GroupTopicMessagePokeEpochFieldEvent> {
    return streamMessage(buf, GroupTopicMessage.codec(), opts)
  }
}

export interface GroupPayload {
  id: string
  text: string
  sentAt: number
  body?: Uint8Array<ArrayBuffer>
}

export namespace GroupPayload {
  let _codec: Codec<GroupPayload>

  export const codec = (): Codec<GroupPayload> => {
    if (_codec == null) {
      _codec = message<GroupPayload>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.id != null && obj.id !== '')) {
          w.uint32(10)
          w.string(obj.id)
        }

        if ((obj.text != null && obj.text !== '')) {
          w.uint32(18)
          w.string(obj.text)
        }

        if ((obj.sentAt != null && obj.sentAt !== 0)) {
          w.uint32(24)
          w.uint64Number(obj.sentAt)
        }

        if (obj.body != null) {
          w.uint32(34)
          w.bytes(obj.body)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          id: '',
          text: '',
          sentAt: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.id = reader.string()
              break
            }
            case 2: {
              obj.text = reader.string()
              break
            }
            case 3: {
              obj.sentAt = reader.uint64Number()
              break
            }
            case 4: {
              obj.body = reader.bytes()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.id`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.text`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.sentAt`,
                value: reader.uint64Number()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.body`,
                value: reader.bytes()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface GroupPayloadIdFieldEvent {
    field: '$.id'
    value: string
  }

  export interface GroupPayloadTextFieldEvent {
    field: '$.text'
    value: string
  }

  export interface GroupPayloadSentAtFieldEvent {
    field: '$.sentAt'
    value: number
  }

  export interface GroupPayloadBodyFieldEvent {
    field: '$.body'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<GroupPayload>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, GroupPayload.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<GroupPayload>): GroupPayload {
    return decodeMessage(buf, GroupPayload.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<GroupPayload>): Generator<GroupPayloadIdFieldEvent | GroupPayloadTextFieldEvent | GroupPayloadSentAtFieldEvent | GroupPayloadBodyFieldEvent> {
    return streamMessage(buf, GroupPayload.codec(), opts)
  }
}
