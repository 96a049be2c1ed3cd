/* eslint-disable require-yield */

import { decodeMessage, encodeMessage, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface DepositRequest {
  to: string
  id: string
  envelope: Uint8Array<ArrayBuffer>
}

export namespace DepositRequest {
  let _codec: Codec<DepositRequest>

  export const codec = (): Codec<DepositRequest> => {
    if (_codec == null) {
      _codec = message<DepositRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.to != null && obj.to !== '')) {
          w.uint32(10)
          w.string(obj.to)
        }

        if ((obj.id != null && obj.id !== '')) {
          w.uint32(18)
          w.string(obj.id)
        }

        if ((obj.envelope != null && obj.envelope.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.envelope)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          to: '',
          id: '',
          envelope: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.to = reader.string()
              break
            }
            case 2: {
              obj.id = reader.string()
              break
            }
            case 3: {
              obj.envelope = reader.bytes()
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
                field: `${prefix}.to`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.id`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.envelope`,
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

  export interface DepositRequestToFieldEvent {
    field: '$.to'
    value: string
  }

  export interface DepositRequestIdFieldEvent {
    field: '$.id'
    value: string
  }

  export interface DepositRequestEnvelopeFieldEvent {
    field: '$.envelope'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<DepositRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, DepositRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DepositRequest>): DepositRequest {
    return decodeMessage(buf, DepositRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DepositRequest>): Generator<DepositRequestToFieldEvent | DepositRequestIdFieldEvent | DepositRequestEnvelopeFieldEvent> {
    return streamMessage(buf, DepositRequest.codec(), opts)
  }
}

export interface DepositResponse {}

export namespace DepositResponse {
  let _codec: Codec<DepositResponse>

  export const codec = (): Codec<DepositResponse> => {
    if (_codec == null) {
      _codec = message<DepositResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
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

  export function encode (obj: Partial<DepositResponse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, DepositResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DepositResponse>): DepositResponse {
    return decodeMessage(buf, DepositResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DepositResponse>): Generator<{}> {
    return streamMessage(buf, DepositResponse.codec(), opts)
  }
}

export interface FetchRequest {
  limit: number
  after?: string
}

export namespace FetchRequest {
  let _codec: Codec<FetchRequest>

  export const codec = (): Codec<FetchRequest> => {
    if (_codec == null) {
      _codec = message<FetchRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.limit != null && obj.limit !== 0)) {
          w.uint32(8)
          w.uint32(obj.limit)
        }

        if (obj.after != null) {
          w.uint32(18)
          w.string(obj.after)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          limit: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.limit = reader.uint32()
              break
            }
            case 2: {
              obj.after = reader.string()
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
                field: `${prefix}.limit`,
                value: reader.uint32()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.after`,
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

  export interface FetchRequestLimitFieldEvent {
    field: '$.limit'
    value: number
  }

  export interface FetchRequestAfterFieldEvent {
    field: '$.after'
    value: string
  }

  export function encode (obj: Partial<FetchRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, FetchRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FetchRequest>): FetchRequest {
    return decodeMessage(buf, FetchRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FetchRequest>): Generator<FetchRequestLimitFieldEvent | FetchRequestAfterFieldEvent> {
    return streamMessage(buf, FetchRequest.codec(), opts)
  }
}

export interface MailMessage {
  id: string
  from: string
  envelope: Uint8Array<ArrayBuffer>
  depositedAt: number
  cursor: string
}

export namespace MailMessage {
  let _codec: Codec<MailMessage>

  export const codec = (): Codec<MailMessage> => {
    if (_codec == null) {
      _codec = message<MailMessage>((obj, w, opts = {}) => {
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

        if ((obj.envelope != null && obj.envelope.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.envelope)
        }

        if ((obj.depositedAt != null && obj.depositedAt !== 0)) {
          w.uint32(32)
          w.uint64Number(obj.depositedAt)
        }

        if ((obj.cursor != null && obj.cursor !== '')) {
          w.uint32(42)
          w.string(obj.cursor)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          id: '',
          from: '',
          envelope: uint8ArrayAlloc(0),
          depositedAt: 0,
          cursor: ''
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
              obj.envelope = reader.bytes()
              break
            }
            case 4: {
              obj.depositedAt = reader.uint64Number()
              break
            }
            case 5: {
              obj.cursor = reader.string()
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
                field: `${prefix}.envelope`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.depositedAt`,
                value: reader.uint64Number()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.cursor`,
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

  export interface MailMessageIdFieldEvent {
    field: '$.id'
    value: string
  }

  export interface MailMessageFromFieldEvent {
    field: '$.from'
    value: string
  }

  export interface MailMessageEnvelopeFieldEvent {
    field: '$.envelope'
    value: Uint8Array<ArrayBuffer>
  }

  export interface MailMessageDepositedAtFieldEvent {
    field: '$.depositedAt'
    value: number
  }

  export interface MailMessageCursorFieldEvent {
    field: '$.cursor'
    value: string
  }

  export function encode (obj: Partial<MailMessage>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, MailMessage.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MailMessage>): MailMessage {
    return decodeMessage(buf, MailMessage.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MailMessage>): Generator<MailMessageIdFieldEvent | MailMessageFromFieldEvent | MailMessageEnvelopeFieldEvent | MailMessageDepositedAtFieldEvent | MailMessageCursorFieldEvent> {
    return streamMessage(buf, MailMessage.codec(), opts)
  }
}

export interface FetchResponse {
  messages: MailMessage[]
  more: boolean
  cursor: string
}

export namespace FetchResponse {
  let _codec: Codec<FetchResponse>

  export const codec = (): Codec<FetchResponse> => {
    if (_codec == null) {
      _codec = message<FetchResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.messages != null && obj.messages.length > 0) {
          for (const value of obj.messages) {
            w.uint32(10)
            MailMessage.codec().encode(value, w)
          }
        }

        if ((obj.more != null && obj.more !== false)) {
          w.uint32(16)
          w.bool(obj.more)
        }

        if ((obj.cursor != null && obj.cursor !== '')) {
          w.uint32(26)
          w.string(obj.cursor)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          messages: [],
          more: false,
          cursor: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.messages != null && obj.messages.length === opts.limits.messages) {
                throw new MaxLengthError('Decode error - repeated field "messages" had too many elements')
              }

              if (obj.messages.length === 500) {
                throw new MaxLengthError('Decode error - repeated field "messages" had too many elements')
              }

              obj.messages.push(MailMessage.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.messages$
              }))
              break
            }
            case 2: {
              obj.more = reader.bool()
              break
            }
            case 3: {
              obj.cursor = reader.string()
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
          messages: 500
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.messages != null && obj.messages === opts.limits.messages) {
                throw new MaxLengthError('Streaming decode error - repeated field "messages" had too many elements')
              }

              if (obj.messages === 500) {
                throw new MaxLengthError('Streaming decode error - repeated field "messages" had too many elements')
              }

              for (const evt of MailMessage.codec().stream(reader, reader.uint32(), `${prefix}.messages[]`, {
                limits: opts.limits?.messages$
              })) {
                yield {
                  ...evt,
                  index: obj.messages
                }
              }

              obj.messages++

              break
            }
            case 2: {
              yield {
                field: `${prefix}.more`,
                value: reader.bool()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.cursor`,
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

  export interface FetchResponseMessagesIdFieldEvent {
    field: '$.messages[].id'
    value: string
    index: number
  }

  export interface FetchResponseMessagesFromFieldEvent {
    field: '$.messages[].from'
    value: string
    index: number
  }

  export interface FetchResponseMessagesEnvelopeFieldEvent {
    field: '$.messages[].envelope'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface FetchResponseMessagesDepositedAtFieldEvent {
    field: '$.messages[].depositedAt'
    value: number
    index: number
  }

  export interface FetchResponseMessagesCursorFieldEvent {
    field: '$.messages[].cursor'
    value: string
    index: number
  }

  export interface FetchResponseMoreFieldEvent {
    field: '$.more'
    value: boolean
  }

  export interface FetchResponseCursorFieldEvent {
    field: '$.cursor'
    value: string
  }

  export function encode (obj: Partial<FetchResponse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, FetchResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FetchResponse>): FetchResponse {
    return decodeMessage(buf, FetchResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FetchResponse>): Generator<FetchResponseMessagesIdFieldEvent | FetchResponseMessagesFromFieldEvent | FetchResponseMessagesEnvelopeFieldEvent | FetchResponseMessagesDepositedAtFieldEvent | FetchResponseMessagesCursorFieldEvent | FetchResponseMoreFieldEvent | FetchResponseCursorFieldEvent> {
    return streamMessage(buf, FetchResponse.codec(), opts)
  }
}

export interface AckRequest {
  ids: string[]
}

export namespace AckRequest {
  let _codec: Codec<AckRequest>

  export const codec = (): Codec<AckRequest> => {
    if (_codec == null) {
      _codec = message<AckRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.ids != null && obj.ids.length > 0) {
          for (const value of obj.ids) {
            w.uint32(10)
            w.string(value)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          ids: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.ids != null && obj.ids.length === opts.limits.ids) {
                throw new MaxLengthError('Decode error - repeated field "ids" had too many elements')
              }

              if (obj.ids.length === 500) {
                throw new MaxLengthError('Decode error - repeated field "ids" had too many elements')
              }

              obj.ids.push(reader.string())
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
          ids: 500
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.ids != null && obj.ids === opts.limits.ids) {
                throw new MaxLengthError('Streaming decode error - repeated field "ids" had too many elements')
              }

              if (obj.ids === 500) {
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

  export interface AckRequestIdsFieldEvent {
    field: '$.ids[]'
    index: number
    value: string
  }

  export function encode (obj: Partial<AckRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, AckRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<AckRequest>): AckRequest {
    return decodeMessage(buf, AckRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<AckRequest>): Generator<AckRequestIdsFieldEvent> {
    return streamMessage(buf, AckRequest.codec(), opts)
  }
}

export interface AckResponse {
  deleted: number
}

export namespace AckResponse {
  let _codec: Codec<AckResponse>

  export const codec = (): Codec<AckResponse> => {
    if (_codec == null) {
      _codec = message<AckResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.deleted != null && obj.deleted !== 0)) {
          w.uint32(8)
          w.uint32(obj.deleted)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          deleted: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.deleted = reader.uint32()
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
                field: `${prefix}.deleted`,
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

  export interface AckResponseDeletedFieldEvent {
    field: '$.deleted'
    value: number
  }

  export function encode (obj: Partial<AckResponse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, AckResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<AckResponse>): AckResponse {
    return decodeMessage(buf, AckResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<AckResponse>): Generator<AckResponseDeletedFieldEvent> {
    return streamMessage(buf, AckResponse.codec(), opts)
  }
}

export interface OneTimePrekey {
  id: number
  publicKey: Uint8Array<ArrayBuffer>
}

export namespace OneTimePrekey {
  let _codec: Codec<OneTimePrekey>

  export const codec = (): Codec<OneTimePrekey> => {
    if (_codec == null) {
      _codec = message<OneTimePrekey>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.id != null && obj.id !== 0)) {
          w.uint32(8)
          w.uint32(obj.id)
        }

        if ((obj.publicKey != null && obj.publicKey.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.publicKey)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          id: 0,
          publicKey: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.id = reader.uint32()
              break
            }
            case 2: {
              obj.publicKey = reader.bytes()
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
                value: reader.uint32()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.publicKey`,
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

  export interface OneTimePrekeyIdFieldEvent {
    field: '$.id'
    value: number
  }

  export interface OneTimePrekeyPublicKeyFieldEvent {
    field: '$.publicKey'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<OneTimePrekey>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, OneTimePrekey.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<OneTimePrekey>): OneTimePrekey {
    return decodeMessage(buf, OneTimePrekey.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<OneTimePrekey>): Generator<OneTimePrekeyIdFieldEvent | OneTimePrekeyPublicKeyFieldEvent> {
    return streamMessage(buf, OneTimePrekey.codec(), opts)
  }
}

export interface PublishBundleRequest {
  identityKey: Uint8Array<ArrayBuffer>
  signedPrekeyId: number
  signedPrekey: Uint8Array<ArrayBuffer>
  signedPrekeySignature: Uint8Array<ArrayBuffer>
  oneTimePrekeys: OneTimePrekey[]
}

export namespace PublishBundleRequest {
  let _codec: Codec<PublishBundleRequest>

  export const codec = (): Codec<PublishBundleRequest> => {
    if (_codec == null) {
      _codec = message<PublishBundleRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.identityKey != null && obj.identityKey.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.identityKey)
        }

        if ((obj.signedPrekeyId != null && obj.signedPrekeyId !== 0)) {
          w.uint32(16)
          w.uint32(obj.signedPrekeyId)
        }

        if ((obj.signedPrekey != null && obj.signedPrekey.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.signedPrekey)
        }

        if ((obj.signedPrekeySignature != null && obj.signedPrekeySignature.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.signedPrekeySignature)
        }

        if (obj.oneTimePrekeys != null && obj.oneTimePrekeys.length > 0) {
          for (const value of obj.oneTimePrekeys) {
            w.uint32(42)
            OneTimePrekey.codec().encode(value, w)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          identityKey: uint8ArrayAlloc(0),
          signedPrekeyId: 0,
          signedPrekey: uint8ArrayAlloc(0),
          signedPrekeySignature: uint8ArrayAlloc(0),
          oneTimePrekeys: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.identityKey = reader.bytes()
              break
            }
            case 2: {
              obj.signedPrekeyId = reader.uint32()
              break
            }
            case 3: {
              obj.signedPrekey = reader.bytes()
              break
            }
            case 4: {
              obj.signedPrekeySignature = reader.bytes()
              break
            }
            case 5: {
              if (opts.limits?.oneTimePrekeys != null && obj.oneTimePrekeys.length === opts.limits.oneTimePrekeys) {
                throw new MaxLengthError('Decode error - repeated field "oneTimePrekeys" had too many elements')
              }

              if (obj.oneTimePrekeys.length === 200) {
                throw new MaxLengthError('Decode error - repeated field "oneTimePrekeys" had too many elements')
              }

              obj.oneTimePrekeys.push(OneTimePrekey.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.oneTimePrekeys$
              }))
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
          oneTimePrekeys: 200
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.identityKey`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.signedPrekeyId`,
                value: reader.uint32()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.signedPrekey`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.signedPrekeySignature`,
                value: reader.bytes()
              }
              break
            }
            case 5: {
              if (opts.limits?.oneTimePrekeys != null && obj.oneTimePrekeys === opts.limits.oneTimePrekeys) {
                throw new MaxLengthError('Streaming decode error - repeated field "oneTimePrekeys" had too many elements')
              }

              if (obj.oneTimePrekeys === 200) {
                throw new MaxLengthError('Streaming decode error - repeated field "oneTimePrekeys" had too many elements')
              }

              for (const evt of OneTimePrekey.codec().stream(reader, reader.uint32(), `${prefix}.oneTimePrekeys[]`, {
                limits: opts.limits?.oneTimePrekeys$
              })) {
                yield {
                  ...evt,
                  index: obj.oneTimePrekeys
                }
              }

              obj.oneTimePrekeys++

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

  export interface PublishBundleRequestIdentityKeyFieldEvent {
    field: '$.identityKey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface PublishBundleRequestSignedPrekeyIdFieldEvent {
    field: '$.signedPrekeyId'
    value: number
  }

  export interface PublishBundleRequestSignedPrekeyFieldEvent {
    field: '$.signedPrekey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface PublishBundleRequestSignedPrekeySignatureFieldEvent {
    field: '$.signedPrekeySignature'
    value: Uint8Array<ArrayBuffer>
  }

  export interface PublishBundleRequestOneTimePrekeysIdFieldEvent {
    field: '$.oneTimePrekeys[].id'
    value: number
    index: number
  }

  export interface PublishBundleRequestOneTimePrekeysPublicKeyFieldEvent {
    field: '$.oneTimePrekeys[].publicKey'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export function encode (obj: Partial<PublishBundleRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, PublishBundleRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PublishBundleRequest>): PublishBundleRequest {
    return decodeMessage(buf, PublishBundleRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PublishBundleRequest>): Generator<PublishBundleRequestIdentityKeyFieldEvent | PublishBundleRequestSignedPrekeyIdFieldEvent | PublishBundleRequestSignedPrekeyFieldEvent | PublishBundleRequestSignedPrekeySignatureFieldEvent | PublishBundleRequestOneTimePrekeysIdFieldEvent | PublishBundleRequestOneTimePrekeysPublicKeyFieldEvent> {
    return streamMessage(buf, PublishBundleRequest.codec(), opts)
  }
}

export interface PublishBundleResponse {
  oneTimePrekeys: number
  added: number
}

export namespace PublishBundleResponse {
  let _codec: Codec<PublishBundleResponse>

  export const codec = (): Codec<PublishBundleResponse> => {
    if (_codec == null) {
      _codec = message<PublishBundleResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.oneTimePrekeys != null && obj.oneTimePrekeys !== 0)) {
          w.uint32(8)
          w.uint32(obj.oneTimePrekeys)
        }

        if ((obj.added != null && obj.added !== 0)) {
          w.uint32(16)
          w.uint32(obj.added)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          oneTimePrekeys: 0,
          added: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.oneTimePrekeys = reader.uint32()
              break
            }
            case 2: {
              obj.added = reader.uint32()
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
                field: `${prefix}.oneTimePrekeys`,
                value: reader.uint32()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.added`,
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

  export interface PublishBundleResponseOneTimePrekeysFieldEvent {
    field: '$.oneTimePrekeys'
    value: number
  }

  export interface PublishBundleResponseAddedFieldEvent {
    field: '$.added'
    value: number
  }

  export function encode (obj: Partial<PublishBundleResponse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, PublishBundleResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PublishBundleResponse>): PublishBundleResponse {
    return decodeMessage(buf, PublishBundleResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PublishBundleResponse>): Generator<PublishBundleResponseOneTimePrekeysFieldEvent | PublishBundleResponseAddedFieldEvent> {
    return streamMessage(buf, PublishBundleResponse.codec(), opts)
  }
}

export interface FetchBundleRequest {
  username: string
}

export namespace FetchBundleRequest {
  let _codec: Codec<FetchBundleRequest>

  export const codec = (): Codec<FetchBundleRequest> => {
    if (_codec == null) {
      _codec = message<FetchBundleRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.username != null && obj.username !== '')) {
          w.uint32(10)
          w.string(obj.username)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          username: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.username = reader.string()
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

  export interface FetchBundleRequestUsernameFieldEvent {
    field: '$.username'
    value: string
  }

  export function encode (obj: Partial<FetchBundleRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, FetchBundleRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FetchBundleRequest>): FetchBundleRequest {
    return decodeMessage(buf, FetchBundleRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FetchBundleRequest>): Generator<FetchBundleRequestUsernameFieldEvent> {
    return streamMessage(buf, FetchBundleRequest.codec(), opts)
  }
}

export interface FetchBundleResponse {
  bundle: Uint8Array<ArrayBuffer>
}

export namespace FetchBundleResponse {
  let _codec: Codec<FetchBundleResponse>

  export const codec = (): Codec<FetchBundleResponse> => {
    if (_codec == null) {
      _codec = message<FetchBundleResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.bundle != null && obj.bundle.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.bundle)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          bundle: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.bundle = reader.bytes()
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
                field: `${prefix}.bundle`,
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

  export interface FetchBundleResponseBundleFieldEvent {
    field: '$.bundle'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<FetchBundleResponse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, FetchBundleResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FetchBundleResponse>): FetchBundleResponse {
    return decodeMessage(buf, FetchBundleResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FetchBundleResponse>): Generator<FetchBundleResponseBundleFieldEvent> {
    return streamMessage(buf, FetchBundleResponse.codec(), opts)
  }
}

export interface BundleStatusRequest {}

export namespace BundleStatusRequest {
  let _codec: Codec<BundleStatusRequest>

  export const codec = (): Codec<BundleStatusRequest> => {
    if (_codec == null) {
      _codec = message<BundleStatusRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
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

  export function encode (obj: Partial<BundleStatusRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, BundleStatusRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<BundleStatusRequest>): BundleStatusRequest {
    return decodeMessage(buf, BundleStatusRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<BundleStatusRequest>): Generator<{}> {
    return streamMessage(buf, BundleStatusRequest.codec(), opts)
  }
}

export interface BundleStatusResponse {
  oneTimePrekeys: number
  signedPrekeyId: number
  published: boolean
}

export namespace BundleStatusResponse {
  let _codec: Codec<BundleStatusResponse>

  export const codec = (): Codec<BundleStatusResponse> => {
    if (_codec == null) {
      _codec = message<BundleStatusResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.oneTimePrekeys != null && obj.oneTimePrekeys !== 0)) {
          w.uint32(8)
          w.uint32(obj.oneTimePrekeys)
        }

        if ((obj.signedPrekeyId != null && obj.signedPrekeyId !== 0)) {
          w.uint32(16)
          w.uint32(obj.signedPrekeyId)
        }

        if ((obj.published != null && obj.published !== false)) {
          w.uint32(24)
          w.bool(obj.published)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          oneTimePrekeys: 0,
          signedPrekeyId: 0,
          published: false
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.oneTimePrekeys = reader.uint32()
              break
            }
            case 2: {
              obj.signedPrekeyId = reader.uint32()
              break
            }
            case 3: {
              obj.published = reader.bool()
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
                field: `${prefix}.oneTimePrekeys`,
                value: reader.uint32()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.signedPrekeyId`,
                value: reader.uint32()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.published`,
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

  export interface BundleStatusResponseOneTimePrekeysFieldEvent {
    field: '$.oneTimePrekeys'
    value: number
  }

  export interface BundleStatusResponseSignedPrekeyIdFieldEvent {
    field: '$.signedPrekeyId'
    value: number
  }

  export interface BundleStatusResponsePublishedFieldEvent {
    field: '$.published'
    value: boolean
  }

  export function encode (obj: Partial<BundleStatusResponse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, BundleStatusResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<BundleStatusResponse>): BundleStatusResponse {
    return decodeMessage(buf, BundleStatusResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<BundleStatusResponse>): Generator<BundleStatusResponseOneTimePrekeysFieldEvent | BundleStatusResponseSignedPrekeyIdFieldEvent | BundleStatusResponsePublishedFieldEvent> {
    return streamMessage(buf, BundleStatusResponse.codec(), opts)
  }
}

export interface AuthorizeRequest {
  resource: string
  role: string
  identityKey: Uint8Array<ArrayBuffer>
}

export namespace AuthorizeRequest {
  let _codec: Codec<AuthorizeRequest>

  export const codec = (): Codec<AuthorizeRequest> => {
    if (_codec == null) {
      _codec = message<AuthorizeRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.resource != null && obj.resource !== '')) {
          w.uint32(10)
          w.string(obj.resource)
        }

        if ((obj.role != null && obj.role !== '')) {
          w.uint32(18)
          w.string(obj.role)
        }

        if ((obj.identityKey != null && obj.identityKey.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.identityKey)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          resource: '',
          role: '',
          identityKey: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.resource = reader.string()
              break
            }
            case 2: {
              obj.role = reader.string()
              break
            }
            case 3: {
              obj.identityKey = reader.bytes()
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
                field: `${prefix}.resource`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.role`,
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

  export interface AuthorizeRequestResourceFieldEvent {
    field: '$.resource'
    value: string
  }

  export interface AuthorizeRequestRoleFieldEvent {
    field: '$.role'
    value: string
  }

  export interface AuthorizeRequestIdentityKeyFieldEvent {
    field: '$.identityKey'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<AuthorizeRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, AuthorizeRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<AuthorizeRequest>): AuthorizeRequest {
    return decodeMessage(buf, AuthorizeRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<AuthorizeRequest>): Generator<AuthorizeRequestResourceFieldEvent | AuthorizeRequestRoleFieldEvent | AuthorizeRequestIdentityKeyFieldEvent> {
    return streamMessage(buf, AuthorizeRequest.codec(), opts)
  }
}

export interface AuthorizeResponse {
  token: string
  expiresAt: number
}

export namespace AuthorizeResponse {
  let _codec: Codec<AuthorizeResponse>

  export const codec = (): Codec<AuthorizeResponse> => {
    if (_codec == null) {
      _codec = message<AuthorizeResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.token != null && obj.token !== '')) {
          w.uint32(10)
          w.string(obj.token)
        }

        if ((obj.expiresAt != null && obj.expiresAt !== 0)) {
          w.uint32(16)
          w.uint64Number(obj.expiresAt)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          token: '',
          expiresAt: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.token = reader.string()
              break
            }
            case 2: {
              obj.expiresAt = reader.uint64Number()
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
                field: `${prefix}.token`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.expiresAt`,
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

  export interface AuthorizeResponseTokenFieldEvent {
    field: '$.token'
    value: string
  }

  export interface AuthorizeResponseExpiresAtFieldEvent {
    field: '$.expiresAt'
    value: number
  }

  export function encode (obj: Partial<AuthorizeResponse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, AuthorizeResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<AuthorizeResponse>): AuthorizeResponse {
    return decodeMessage(buf, AuthorizeResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<AuthorizeResponse>): Generator<AuthorizeResponseTokenFieldEvent | AuthorizeResponseExpiresAtFieldEvent> {
    return streamMessage(buf, AuthorizeResponse.codec(), opts)
  }
}

export interface AclSetRequest {
  resource: string
  readers: string[]
  writers: string[]
}

export namespace AclSetRequest {
  let _codec: Codec<AclSetRequest>

  export const codec = (): Codec<AclSetRequest> => {
    if (_codec == null) {
      _codec = message<AclSetRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.resource != null && obj.resource !== '')) {
          w.uint32(10)
          w.string(obj.resource)
        }

        if (obj.readers != null && obj.readers.length > 0) {
          for (const value of obj.readers) {
            w.uint32(18)
            w.string(value)
          }
        }

        if (obj.writers != null && obj.writers.length > 0) {
          for (const value of obj.writers) {
            w.uint32(26)
            w.string(value)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          resource: '',
          readers: [],
          writers: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.resource = reader.string()
              break
            }
            case 2: {
              if (opts.limits?.readers != null && obj.readers.length === opts.limits.readers) {
                throw new MaxLengthError('Decode error - repeated field "readers" had too many elements')
              }

              if (obj.readers.length === 1000) {
                throw new MaxLengthError('Decode error - repeated field "readers" had too many elements')
              }

              obj.readers.push(reader.string())
              break
            }
            case 3: {
              if (opts.limits?.writers != null && obj.writers.length === opts.limits.writers) {
                throw new MaxLengthError('Decode error - repeated field "writers" had too many elements')
              }

              if (obj.writers.length === 1000) {
                throw new MaxLengthError('Decode error - repeated field "writers" had too many elements')
              }

              obj.writers.push(reader.string())
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
          readers: 1000,
          writers: 1000
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.resource`,
                value: reader.string()
              }
              break
            }
            case 2: {
              if (opts.limits?.readers != null && obj.readers === opts.limits.readers) {
                throw new MaxLengthError('Streaming decode error - repeated field "readers" had too many elements')
              }

              if (obj.readers === 1000) {
                throw new MaxLengthError('Streaming decode error - repeated field "readers" had too many elements')
              }

              yield {
                field: `${prefix}.readers[]`,
                index: obj.readers,
                value: reader.string()
              }

              obj.readers++

              break
            }
            case 3: {
              if (opts.limits?.writers != null && obj.writers === opts.limits.writers) {
                throw new MaxLengthError('Streaming decode error - repeated field "writers" had too many elements')
              }

              if (obj.writers === 1000) {
                throw new MaxLengthError('Streaming decode error - repeated field "writers" had too many elements')
              }

              yield {
                field: `${prefix}.writers[]`,
                index: obj.writers,
                value: reader.string()
              }

              obj.writers++

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

  export interface AclSetRequestResourceFieldEvent {
    field: '$.resource'
    value: string
  }

  export interface AclSetRequestReadersFieldEvent {
    field: '$.readers[]'
    index: number
    value: string
  }

  export interface AclSetRequestWritersFieldEvent {
    field: '$.writers[]'
    index: number
    value: string
  }

  export function encode (obj: Partial<AclSetRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, AclSetRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<AclSetRequest>): AclSetRequest {
    return decodeMessage(buf, AclSetRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<AclSetRequest>): Generator<AclSetRequestResourceFieldEvent | AclSetRequestReadersFieldEvent | AclSetRequestWritersFieldEvent> {
    return streamMessage(buf, AclSetRequest.codec(), opts)
  }
}

export interface AclSetResponse {
  owner: string
  readers: string[]
  writers: string[]
}

export namespace AclSetResponse {
  let _codec: Codec<AclSetResponse>

  export const codec = (): Codec<AclSetResponse> => {
    if (_codec == null) {
      _codec = message<AclSetResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.owner != null && obj.owner !== '')) {
          w.uint32(10)
          w.string(obj.owner)
        }

        if (obj.readers != null && obj.readers.length > 0) {
          for (const value of obj.readers) {
            w.uint32(18)
            w.string(value)
          }
        }

        if (obj.writers != null && obj.writers.length > 0) {
          for (const value of obj.writers) {
            w.uint32(26)
            w.string(value)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          owner: '',
          readers: [],
          writers: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.owner = reader.string()
              break
            }
            case 2: {
              if (opts.limits?.readers != null && obj.readers.length === opts.limits.readers) {
                throw new MaxLengthError('Decode error - repeated field "readers" had too many elements')
              }

              if (obj.readers.length === 1000) {
                throw new MaxLengthError('Decode error - repeated field "readers" had too many elements')
              }

              obj.readers.push(reader.string())
              break
            }
            case 3: {
              if (opts.limits?.writers != null && obj.writers.length === opts.limits.writers) {
                throw new MaxLengthError('Decode error - repeated field "writers" had too many elements')
              }

              if (obj.writers.length === 1001) {
                throw new MaxLengthError('Decode error - repeated field "writers" had too many elements')
              }

              obj.writers.push(reader.string())
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
          readers: 1000,
          writers: 1001
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.owner`,
                value: reader.string()
              }
              break
            }
            case 2: {
              if (opts.limits?.readers != null && obj.readers === opts.limits.readers) {
                throw new MaxLengthError('Streaming decode error - repeated field "readers" had too many elements')
              }

              if (obj.readers === 1000) {
                throw new MaxLengthError('Streaming decode error - repeated field "readers" had too many elements')
              }

              yield {
                field: `${prefix}.readers[]`,
                index: obj.readers,
                value: reader.string()
              }

              obj.readers++

              break
            }
            case 3: {
              if (opts.limits?.writers != null && obj.writers === opts.limits.writers) {
                throw new MaxLengthError('Streaming decode error - repeated field "writers" had too many elements')
              }

              if (obj.writers === 1001) {
                throw new MaxLengthError('Streaming decode error - repeated field "writers" had too many elements')
              }

              yield {
                field: `${prefix}.writers[]`,
                index: obj.writers,
                value: reader.string()
              }

              obj.writers++

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

  export interface AclSetResponseOwnerFieldEvent {
    field: '$.owner'
    value: string
  }

  export interface AclSetResponseReadersFieldEvent {
    field: '$.readers[]'
    index: number
    value: string
  }

  export interface AclSetResponseWritersFieldEvent {
    field: '$.writers[]'
    index: number
    value: string
  }

  export function encode (obj: Partial<AclSetResponse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, AclSetResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<AclSetResponse>): AclSetResponse {
    return decodeMessage(buf, AclSetResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<AclSetResponse>): Generator<AclSetResponseOwnerFieldEvent | AclSetResponseReadersFieldEvent | AclSetResponseWritersFieldEvent> {
    return streamMessage(buf, AclSetResponse.codec(), opts)
  }
}
