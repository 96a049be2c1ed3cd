import { decodeMessage, encodeMessage, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface DmFrame {
  identityToken: string
  envelopes: DmEnvelope[]
  acks: string[]
  rejects: DmReject[]
  bundleRequest: boolean
  bundle: Uint8Array<ArrayBuffer>
  proof: Uint8Array<ArrayBuffer>
  typing?: boolean
}

export namespace DmFrame {
  let _codec: Codec<DmFrame>

  export const codec = (): Codec<DmFrame> => {
    if (_codec == null) {
      _codec = message<DmFrame>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.identityToken != null && obj.identityToken !== '')) {
          w.uint32(10)
          w.string(obj.identityToken)
        }

        if (obj.envelopes != null && obj.envelopes.length > 0) {
          for (const value of obj.envelopes) {
            w.uint32(18)
            DmEnvelope.codec().encode(value, w)
          }
        }

        if (obj.acks != null && obj.acks.length > 0) {
          for (const value of obj.acks) {
            w.uint32(26)
            w.string(value)
          }
        }

        if (obj.rejects != null && obj.rejects.length > 0) {
          for (const value of obj.rejects) {
            w.uint32(34)
            DmReject.codec().encode(value, w)
          }
        }

        if ((obj.bundleRequest != null && obj.bundleRequest !== false)) {
          w.uint32(40)
          w.bool(obj.bundleRequest)
        }

        if ((obj.bundle != null && obj.bundle.byteLength > 0)) {
          w.uint32(50)
          w.bytes(obj.bundle)
        }

        if ((obj.proof != null && obj.proof.byteLength > 0)) {
          w.uint32(58)
          w.bytes(obj.proof)
        }

        if (obj.typing != null) {
          w.uint32(64)
          w.bool(obj.typing)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          identityToken: '',
          envelopes: [],
          acks: [],
          rejects: [],
          bundleRequest: false,
          bundle: uint8ArrayAlloc(0),
          proof: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.identityToken = reader.string()
              break
            }
            case 2: {
              if (opts.limits?.envelopes != null && obj.envelopes.length === opts.limits.envelopes) {
                throw new MaxLengthError('Decode error - repeated field "envelopes" had too many elements')
              }

              obj.envelopes.push(DmEnvelope.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.envelopes$
              }))
              break
            }
            case 3: {
              if (opts.limits?.acks != null && obj.acks.length === opts.limits.acks) {
                throw new MaxLengthError('Decode error - repeated field "acks" had too many elements')
              }

              obj.acks.push(reader.string())
              break
            }
            case 4: {
              if (opts.limits?.rejects != null && obj.rejects.length === opts.limits.rejects) {
                throw new MaxLengthError('Decode error - repeated field "rejects" had too many elements')
              }

              obj.rejects.push(DmReject.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.rejects$
              }))
              break
            }
            case 5: {
              obj.bundleRequest = reader.bool()
              break
            }
            case 6: {
              obj.bundle = reader.bytes()
              break
            }
            case 7: {
              obj.proof = reader.bytes()
              break
            }
            case 8: {
              obj.typing = reader.bool()
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
          envelopes: 0,
          acks: 0,
          rejects: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.identityToken`,
                value: reader.string()
              }
              break
            }
            case 2: {
              if (opts.limits?.envelopes != null && obj.envelopes === opts.limits.envelopes) {
                throw new MaxLengthError('Streaming decode error - repeated field "envelopes" had too many elements')
              }

              for (const evt of DmEnvelope.codec().stream(reader, reader.uint32(), `${prefix}.envelopes[]`, {
                limits: opts.limits?.envelopes$
              })) {
                yield {
                  ...evt,
                  index: obj.envelopes
                }
              }

              obj.envelopes++

              break
            }
            case 3: {
              if (opts.limits?.acks != null && obj.acks === opts.limits.acks) {
                throw new MaxLengthError('Streaming decode error - repeated field "acks" had too many elements')
              }

              yield {
                field: `${prefix}.acks[]`,
                index: obj.acks,
                value: reader.string()
              }

              obj.acks++

              break
            }
            case 4: {
              if (opts.limits?.rejects != null && obj.rejects === opts.limits.rejects) {
                throw new MaxLengthError('Streaming decode error - repeated field "rejects" had too many elements')
              }

              for (const evt of DmReject.codec().stream(reader, reader.uint32(), `${prefix}.rejects[]`, {
                limits: opts.limits?.rejects$
              })) {
                yield {
                  ...evt,
                  index: obj.rejects
                }
              }

              obj.rejects++

              break
            }
            case 5: {
              yield {
                field: `${prefix}.bundleRequest`,
                value: reader.bool()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.bundle`,
                value: reader.bytes()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.proof`,
                value: reader.bytes()
              }
              break
            }
            case 8: {
              yield {
                field: `${prefix}.typing`,
                value: reader.bool()
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

  export interface DmFrameIdentityTokenFieldEvent {
    field: '$.identityToken'
    value: string
  }

  export interface DmFrameEnvelopesIdFieldEvent {
    field: '$.envelopes[].id'
    value: string
    index: number
  }

  export interface DmFrameEnvelopesFromFieldEvent {
    field: '$.envelopes[].from'
    value: string
    index: number
  }

  export interface DmFrameEnvelopesToFieldEvent {
    field: '$.envelopes[].to'
    value: string
    index: number
  }

  export interface DmFrameEnvelopesBodyFieldEvent {
    field: '$.envelopes[].body'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface DmFrameEnvelopesInitialFieldEvent {
    field: '$.envelopes[].initial'
    value: boolean
    index: number
  }

  export interface DmFrameAcksFieldEvent {
    field: '$.acks[]'
    index: number
    value: string
  }

  export interface DmFrameRejectsIdFieldEvent {
    field: '$.rejects[].id'
    value: string
    index: number
  }

  export interface DmFrameRejectsCodeFieldEvent {
    field: '$.rejects[].code'
    value: string
    index: number
  }

  export interface DmFrameRejectsMessageFieldEvent {
    field: '$.rejects[].message'
    value: string
    index: number
  }

  export interface DmFrameBundleRequestFieldEvent {
    field: '$.bundleRequest'
    value: boolean
  }

  export interface DmFrameBundleFieldEvent {
    field: '$.bundle'
    value: Uint8Array<ArrayBuffer>
  }

  export interface DmFrameProofFieldEvent {
    field: '$.proof'
    value: Uint8Array<ArrayBuffer>
  }

  export interface DmFrameTypingFieldEvent {
    field: '$.typing'
    value: boolean
  }

  export function encode (obj: Partial<DmFrame>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, DmFrame.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DmFrame>): DmFrame {
    return decodeMessage(buf, DmFrame.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DmFrame>): Generator<DmFrameIdentityTokenFieldEvent | DmFrameEnvelopesIdFieldEvent | DmFrameEnvelopesFromFieldEvent | DmFrameEnvelopesToFieldEvent | DmFrameEnvelopesBodyFieldEvent | DmFrameEnvelopesInitialFieldEvent | DmFrameAcksFieldEvent | DmFrameRejectsIdFieldEvent | DmFrameRejectsCodeFieldEvent | DmFrameRejectsMessageFieldEvent | DmFrameBundleRequestFieldEvent | DmFrameBundleFieldEvent | DmFrameProofFieldEvent | DmFrameTypingFieldEvent> {
    return streamMessage(buf, DmFrame.codec(), opts)
  }
}

export interface DmEnvelope {
  id: string
  from: string
  to: string
  body: Uint8Array<ArrayBuffer>
  initial: boolean
}

export namespace DmEnvelope {
  let _codec: Codec<DmEnvelope>

  export const codec = (): Codec<DmEnvelope> => {
    if (_codec == null) {
      _codec = message<DmEnvelope>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.id != null && obj.id !== '')) {
          w.uint32(10)
          w.string(obj.id)
        }

        if ((obj.from != null && obj.from !== '')) {
          w.uint32(18)
          w.string(obj.from)
        }

        if ((obj.to != null && obj.to !== '')) {
          w.uint32(26)
          w.string(obj.to)
        }

        if ((obj.body != null && obj.body.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.body)
        }

        if ((obj.initial != null && obj.initial !== false)) {
          w.uint32(40)
          w.bool(obj.initial)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          id: '',
          from: '',
          to: '',
          body: uint8ArrayAlloc(0),
          initial: false
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
              obj.from = reader.string()
              break
            }
            case 3: {
              obj.to = reader.string()
              break
            }
            case 4: {
              obj.body = reader.bytes()
              break
            }
            case 5: {
              obj.initial = reader.bool()
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
                field: `${prefix}.from`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.to`,
                value: reader.string()
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
            case 5: {
              yield {
                field: `${prefix}.initial`,
                value: reader.bool()
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

  export interface DmEnvelopeIdFieldEvent {
    field: '$.id'
    value: string
  }

  export interface DmEnvelopeFromFieldEvent {
    field: '$.from'
    value: string
  }

  export interface DmEnvelopeToFieldEvent {
    field: '$.to'
    value: string
  }

  export interface DmEnvelopeBodyFieldEvent {
    field: '$.body'
    value: Uint8Array<ArrayBuffer>
  }

  export interface DmEnvelopeInitialFieldEvent {
    field: '$.initial'
    value: boolean
  }

  export function encode (obj: Partial<DmEnvelope>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, DmEnvelope.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DmEnvelope>): DmEnvelope {
    return decodeMessage(buf, DmEnvelope.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DmEnvelope>): Generator<DmEnvelopeIdFieldEvent | DmEnvelopeFromFieldEvent | DmEnvelopeToFieldEvent | DmEnvelopeBodyFieldEvent | DmEnvelopeInitialFieldEvent> {
    return streamMessage(buf, DmEnvelope.codec(), opts)
  }
}

export interface DmReject {
  id: string
  code: string
  message: string
}

export namespace DmReject {
  let _codec: Codec<DmReject>

  export const codec = (): Codec<DmReject> => {
    if (_codec == null) {
      _codec = message<DmReject>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.id != null && obj.id !== '')) {
          w.uint32(10)
          w.string(obj.id)
        }

        if ((obj.code != null && obj.code !== '')) {
          w.uint32(18)
          w.string(obj.code)
        }

        if ((obj.message != null && obj.message !== '')) {
          w.uint32(26)
          w.string(obj.message)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          id: '',
          code: '',
          message: ''
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
              obj.code = reader.string()
              break
            }
            case 3: {
              obj.message = reader.string()
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
                field: `${prefix}.code`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.message`,
                value: reader.string()
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

  export interface DmRejectIdFieldEvent {
    field: '$.id'
    value: string
  }

  export interface DmRejectCodeFieldEvent {
    field: '$.code'
    value: string
  }

  export interface DmRejectMessageFieldEvent {
    field: '$.message'
    value: string
  }

  export function encode (obj: Partial<DmReject>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, DmReject.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DmReject>): DmReject {
    return decodeMessage(buf, DmReject.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DmReject>): Generator<DmRejectIdFieldEvent | DmRejectCodeFieldEvent | DmRejectMessageFieldEvent> {
    return streamMessage(buf, DmReject.codec(), opts)
  }
}

export interface DmPayload {
  id: string
  sentAt: bigint
  hlcWall: bigint
  hlcCounter: number
  text?: string
  receipt?: Receipt
  body?: Uint8Array<ArrayBuffer>
}

export namespace DmPayload {
  let _codec: Codec<DmPayload>

  export const codec = (): Codec<DmPayload> => {
    if (_codec == null) {
      _codec = message<DmPayload>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.id != null && obj.id !== '')) {
          w.uint32(10)
          w.string(obj.id)
        }

        if ((obj.sentAt != null && obj.sentAt !== 0n)) {
          w.uint32(16)
          w.uint64(obj.sentAt)
        }

        if ((obj.hlcWall != null && obj.hlcWall !== 0n)) {
          w.uint32(24)
          w.uint64(obj.hlcWall)
        }

        if ((obj.hlcCounter != null && obj.hlcCounter !== 0)) {
          w.uint32(32)
          w.uint32(obj.hlcCounter)
        }

        if (obj.text != null) {
          w.uint32(42)
          w.string(obj.text)
        }

        if (obj.receipt != null) {
          w.uint32(50)
          Receipt.codec().encode(obj.receipt, w)
        }

        if (obj.body != null) {
          w.uint32(58)
          w.bytes(obj.body)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          id: '',
          sentAt: 0n,
          hlcWall: 0n,
          hlcCounter: 0
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
              obj.sentAt = reader.uint64()
              break
            }
            case 3: {
              obj.hlcWall = reader.uint64()
              break
            }
            case 4: {
              obj.hlcCounter = reader.uint32()
              break
            }
            case 5: {
              obj.text = reader.string()
              break
            }
            case 6: {
              obj.receipt = Receipt.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.receipt
              })
              break
            }
            case 7: {
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
                field: `${prefix}.sentAt`,
                value: reader.uint64()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.hlcWall`,
                value: reader.uint64()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.hlcCounter`,
                value: reader.uint32()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.text`,
                value: reader.string()
              }
              break
            }
            case 6: {
              yield * Receipt.codec().stream(reader, reader.uint32(), `${prefix}.receipt`, {
                limits: opts.limits?.receipt
              })

              break
            }
            case 7: {
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

  export interface DmPayloadIdFieldEvent {
    field: '$.id'
    value: string
  }

  export interface DmPayloadSentAtFieldEvent {
    field: '$.sentAt'
    value: bigint
  }

  export interface DmPayloadHlcWallFieldEvent {
    field: '$.hlcWall'
    value: bigint
  }

  export interface DmPayloadHlcCounterFieldEvent {
    field: '$.hlcCounter'
    value: number
  }

  export interface DmPayloadTextFieldEvent {
    field: '$.text'
    value: string
  }

  export interface DmPayloadReceiptIdsFieldEvent {
    field: '$.receipt.ids[]'
    index: number
    value: string
  }

  export interface DmPayloadReceiptReadFieldEvent {
    field: '$.receipt.read'
    value: boolean
  }

  export interface DmPayloadBodyFieldEvent {
    field: '$.body'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<DmPayload>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, DmPayload.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DmPayload>): DmPayload {
    return decodeMessage(buf, DmPayload.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DmPayload>): Generator<DmPayloadIdFieldEvent | DmPayloadSentAtFieldEvent | DmPayloadHlcWallFieldEvent | DmPayloadHlcCounterFieldEvent | DmPayloadTextFieldEvent | DmPayloadReceiptIdsFieldEvent | DmPayloadReceiptReadFieldEvent | DmPayloadBodyFieldEvent> {
    return streamMessage(buf, DmPayload.codec(), opts)
  }
}

export interface Receipt {
  ids: string[]
  read: boolean
}

export namespace Receipt {
  let _codec: Codec<Receipt>

  export const codec = (): Codec<Receipt> => {
    if (_codec == null) {
      _codec = message<Receipt>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.ids != null && obj.ids.length > 0) {
          for (const value of obj.ids) {
            w.uint32(10)
            w.string(value)
          }
        }

        if ((obj.read != null && obj.read !== false)) {
          w.uint32(16)
          w.bool(obj.read)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          ids: [],
          read: false
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.ids != null && obj.ids.length === opts.limits.ids) {
                throw new MaxLengthError('Decode error - repeated field "ids" had too many elements')
              }

              obj.ids.push(reader.string())
              break
            }
            case 2: {
              obj.read = reader.bool()
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
          ids: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.ids != null && obj.ids === opts.limits.ids) {
                throw new MaxLengthError('Streaming decode error - repeated field "ids" had too many elements')
              }

              yield {
                field: `${prefix}.ids[]`,
                index: obj.ids,
                value: reader.string()
              }

              obj.ids++

              break
            }
            case 2: {
              yield {
                field: `${prefix}.read`,
                value: reader.bool()
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

  export interface ReceiptIdsFieldEvent {
    field: '$.ids[]'
    index: number
    value: string
  }

  export interface ReceiptReadFieldEvent {
    field: '$.read'
    value: boolean
  }

  export function encode (obj: Partial<Receipt>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Receipt.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Receipt>): Receipt {
    return decodeMessage(buf, Receipt.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Receipt>): Generator<ReceiptIdsFieldEvent | ReceiptReadFieldEvent> {
    return streamMessage(buf, Receipt.codec(), opts)
  }
}

export interface PresenceAnnouncement {
  username: string
  peerId: string
  identityKey: Uint8Array<ArrayBuffer>
  identityToken: string
  time: bigint
  seq: bigint
  online: boolean
}

export namespace PresenceAnnouncement {
  let _codec: Codec<PresenceAnnouncement>

  export const codec = (): Codec<PresenceAnnouncement> => {
    if (_codec == null) {
      _codec = message<PresenceAnnouncement>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.username != null && obj.username !== '')) {
          w.uint32(10)
          w.string(obj.username)
        }

        if ((obj.peerId != null && obj.peerId !== '')) {
          w.uint32(18)
          w.string(obj.peerId)
        }

        if ((obj.identityKey != null && obj.identityKey.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.identityKey)
        }

        if ((obj.identityToken != null && obj.identityToken !== '')) {
          w.uint32(34)
          w.string(obj.identityToken)
        }

        if ((obj.time != null && obj.time !== 0n)) {
          w.uint32(40)
          w.uint64(obj.time)
        }

        if ((obj.seq != null && obj.seq !== 0n)) {
          w.uint32(48)
          w.uint64(obj.seq)
        }

        if ((obj.online != null && obj.online !== false)) {
          w.uint32(56)
          w.bool(obj.online)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          username: '',
          peerId: '',
          identityKey: uint8ArrayAlloc(0),
          identityToken: '',
          time: 0n,
          seq: 0n,
          online: false
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
              obj.peerId = reader.string()
              break
            }
            case 3: {
              obj.identityKey = reader.bytes()
              break
            }
            case 4: {
              obj.identityToken = reader.string()
              break
            }
            case 5: {
              obj.time = reader.uint64()
              break
            }
            case 6: {
              obj.seq = reader.uint64()
              break
            }
            case 7: {
              obj.online = reader.bool()
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
                field: `${prefix}.peerId`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.identityKey`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.identityToken`,
                value: reader.string()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.time`,
                value: reader.uint64()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.seq`,
                value: reader.uint64()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.online`,
                value: reader.bool()
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

  export interface PresenceAnnouncementUsernameFieldEvent {
    field: '$.username'
    value: string
  }

  export interface PresenceAnnouncementPeerIdFieldEvent {
    field: '$.peerId'
    value: string
  }

  export interface PresenceAnnouncementIdentityKeyFieldEvent {
    field: '$.identityKey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface PresenceAnnouncementIdentityTokenFieldEvent {
    field: '$.identityToken'
    value: string
  }

  export interface PresenceAnnouncementTimeFieldEvent {
    field: '$.time'
    value: bigint
  }

  export interface PresenceAnnouncementSeqFieldEvent {
    field: '$.seq'
    value: bigint
  }

  export interface PresenceAnnouncementOnlineFieldEvent {
    field: '$.online'
    value: boolean
  }

  export function encode (obj: Partial<PresenceAnnouncement>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, PresenceAnnouncement.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PresenceAnnouncement>): PresenceAnnouncement {
    return decodeMessage(buf, PresenceAnnouncement.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PresenceAnnouncement>): Generator<PresenceAnnouncementUsernameFieldEvent | PresenceAnnouncementPeerIdFieldEvent | PresenceAnnouncementIdentityKeyFieldEvent | PresenceAnnouncementIdentityTokenFieldEvent | PresenceAnnouncementTimeFieldEvent | PresenceAnnouncementSeqFieldEvent | PresenceAnnouncementOnlineFieldEvent> {
    return streamMessage(buf, PresenceAnnouncement.codec(), opts)
  }
}

export interface LobbyMessage {
  id: string
  from: string
  text: string
  sentAt: bigint
  hlcWall: bigint
  hlcCounter: number
  identityKey: Uint8Array<ArrayBuffer>
  identityToken: string
}

export namespace LobbyMessage {
  let _codec: Codec<LobbyMessage>

  export const codec = (): Codec<LobbyMessage> => {
    if (_codec == null) {
      _codec = message<LobbyMessage>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.id != null && obj.id !== '')) {
          w.uint32(10)
          w.string(obj.id)
        }

        if ((obj.from != null && obj.from !== '')) {
          w.uint32(18)
          w.string(obj.from)
        }

        if ((obj.text != null && obj.text !== '')) {
          w.uint32(26)
          w.string(obj.text)
        }

        if ((obj.sentAt != null && obj.sentAt !== 0n)) {
          w.uint32(32)
          w.uint64(obj.sentAt)
        }

        if ((obj.hlcWall != null && obj.hlcWall !== 0n)) {
          w.uint32(40)
          w.uint64(obj.hlcWall)
        }

        if ((obj.hlcCounter != null && obj.hlcCounter !== 0)) {
          w.uint32(48)
          w.uint32(obj.hlcCounter)
        }

        if ((obj.identityKey != null && obj.identityKey.byteLength > 0)) {
          w.uint32(58)
          w.bytes(obj.identityKey)
        }

        if ((obj.identityToken != null && obj.identityToken !== '')) {
          w.uint32(66)
          w.string(obj.identityToken)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          id: '',
          from: '',
          text: '',
          sentAt: 0n,
          hlcWall: 0n,
          hlcCounter: 0,
          identityKey: uint8ArrayAlloc(0),
          identityToken: ''
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
              obj.from = reader.string()
              break
            }
            case 3: {
              obj.text = reader.string()
              break
            }
            case 4: {
              obj.sentAt = reader.uint64()
              break
            }
            case 5: {
              obj.hlcWall = reader.uint64()
              break
            }
            case 6: {
              obj.hlcCounter = reader.uint32()
              break
            }
            case 7: {
              obj.identityKey = reader.bytes()
              break
            }
            case 8: {
              obj.identityToken = reader.string()
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
                field: `${prefix}.from`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.text`,
                value: reader.string()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.sentAt`,
                value: reader.uint64()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.hlcWall`,
                value: reader.uint64()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.hlcCounter`,
                value: reader.uint32()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.identityKey`,
                value: reader.bytes()
              }
              break
            }
            case 8: {
              yield {
                field: `${prefix}.identityToken`,
                value: reader.string()
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

  export interface LobbyMessageIdFieldEvent {
    field: '$.id'
    value: string
  }

  export interface LobbyMessageFromFieldEvent {
    field: '$.from'
    value: string
  }

  export interface LobbyMessageTextFieldEvent {
    field: '$.text'
    value: string
  }

  export interface LobbyMessageSentAtFieldEvent {
    field: '$.sentAt'
    value: bigint
  }

  export interface LobbyMessageHlcWallFieldEvent {
    field: '$.hlcWall'
    value: bigint
  }

  export interface LobbyMessageHlcCounterFieldEvent {
    field: '$.hlcCounter'
    value: number
  }

  export interface LobbyMessageIdentityKeyFieldEvent {
    field: '$.identityKey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface LobbyMessageIdentityTokenFieldEvent {
    field: '$.identityToken'
    value: string
  }

  export function encode (obj: Partial<LobbyMessage>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, LobbyMessage.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<LobbyMessage>): LobbyMessage {
    return decodeMessage(buf, LobbyMessage.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<LobbyMessage>): Generator<LobbyMessageIdFieldEvent | LobbyMessageFromFieldEvent | LobbyMessageTextFieldEvent | LobbyMessageSentAtFieldEvent | LobbyMessageHlcWallFieldEvent | LobbyMessageHlcCounterFieldEvent | LobbyMessageIdentityKeyFieldEvent | LobbyMessageIdentityTokenFieldEvent> {
    return streamMessage(buf, LobbyMessage.codec(), opts)
  }
}

export interface Signed {
  payload: Uint8Array<ArrayBuffer>
  signature: Uint8Array<ArrayBuffer>
}

export namespace Signed {
  let _codec: Codec<Signed>

  export const codec = (): Codec<Signed> => {
    if (_codec == null) {
      _codec = message<Signed>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.payload != null && obj.payload.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.payload)
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
          payload: uint8ArrayAlloc(0),
          signature: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.payload = reader.bytes()
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
                field: `${prefix}.payload`,
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

  export interface SignedPayloadFieldEvent {
    field: '$.payload'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SignedSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<Signed>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Signed.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Signed>): Signed {
    return decodeMessage(buf, Signed.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Signed>): Generator<SignedPayloadFieldEvent | SignedSignatureFieldEvent> {
    return streamMessage(buf, Signed.codec(), opts)
  }
}
