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

export interface HandoffMail {
  to: string
  id: string
  from: string
  envelope: Uint8Array<ArrayBuffer>
  depositedAt: number
  expiresAt: number
}

export namespace HandoffMail {
  let _codec: Codec<HandoffMail>

  export const codec = (): Codec<HandoffMail> => {
    if (_codec == null) {
      _codec = message<HandoffMail>((obj, w, opts = {}) => {
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

        if ((obj.from != null && obj.from !== '')) {
          w.uint32(26)
          w.string(obj.from)
        }

        if ((obj.envelope != null && obj.envelope.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.envelope)
        }

        if ((obj.depositedAt != null && obj.depositedAt !== 0)) {
          w.uint32(40)
          w.uint64Number(obj.depositedAt)
        }

        if ((obj.expiresAt != null && obj.expiresAt !== 0)) {
          w.uint32(48)
          w.uint64Number(obj.expiresAt)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          to: '',
          id: '',
          from: '',
          envelope: uint8ArrayAlloc(0),
          depositedAt: 0,
          expiresAt: 0
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
              obj.from = reader.string()
              break
            }
            case 4: {
              obj.envelope = reader.bytes()
              break
            }
            case 5: {
              obj.depositedAt = reader.uint64Number()
              break
            }
            case 6: {
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
                field: `${prefix}.from`,
                value: reader.string()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.envelope`,
                value: reader.bytes()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.depositedAt`,
                value: reader.uint64Number()
              }
              break
            }
            case 6: {
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

  export interface HandoffMailToFieldEvent {
    field: '$.to'
    value: string
  }

  export interface HandoffMailIdFieldEvent {
    field: '$.id'
    value: string
  }

  export interface HandoffMailFromFieldEvent {
    field: '$.from'
    value: string
  }

  export interface HandoffMailEnvelopeFieldEvent {
    field: '$.envelope'
    value: Uint8Array<ArrayBuffer>
  }

  export interface HandoffMailDepositedAtFieldEvent {
    field: '$.depositedAt'
    value: number
  }

  export interface HandoffMailExpiresAtFieldEvent {
    field: '$.expiresAt'
    value: number
  }

  export function encode (obj: Partial<HandoffMail>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, HandoffMail.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<HandoffMail>): HandoffMail {
    return decodeMessage(buf, HandoffMail.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<HandoffMail>): Generator<HandoffMailToFieldEvent | HandoffMailIdFieldEvent | HandoffMailFromFieldEvent | HandoffMailEnvelopeFieldEvent | HandoffMailDepositedAtFieldEvent | HandoffMailExpiresAtFieldEvent> {
    return streamMessage(buf, HandoffMail.codec(), opts)
  }
}

export interface HandoffRequest {
  messages: HandoffMail[]
}

export namespace HandoffRequest {
  let _codec: Codec<HandoffRequest>

  export const codec = (): Codec<HandoffRequest> => {
    if (_codec == null) {
      _codec = message<HandoffRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.messages != null && obj.messages.length > 0) {
          for (const value of obj.messages) {
            w.uint32(10)
            HandoffMail.codec().encode(value, w)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          messages: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.messages != null && obj.messages.length === opts.limits.messages) {
                throw new MaxLengthError('Decode error - repeated field "messages" had too many elements')
              }

              if (obj.messages.length === 100) {
                throw new MaxLengthError('Decode error - repeated field "messages" had too many elements')
              }

              obj.messages.push(HandoffMail.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.messages$
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
          messages: 100
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.messages != null && obj.messages === opts.limits.messages) {
                throw new MaxLengthError('Streaming decode error - repeated field "messages" had too many elements')
              }

              if (obj.messages === 100) {
                throw new MaxLengthError('Streaming decode error - repeated field "messages" had too many elements')
              }

              for (const evt of HandoffMail.codec().stream(reader, reader.uint32(), `${prefix}.messages[]`, {
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

  export interface HandoffRequestMessagesToFieldEvent {
    field: '$.messages[].to'
    value: string
    index: number
  }

  export interface HandoffRequestMessagesIdFieldEvent {
    field: '$.messages[].id'
    value: string
    index: number
  }

  export interface HandoffRequestMessagesFromFieldEvent {
    field: '$.messages[].from'
    value: string
    index: number
  }

  export interface HandoffRequestMessagesEnvelopeFieldEvent {
    field: '$.messages[].envelope'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface HandoffRequestMessagesDepositedAtFieldEvent {
    field: '$.messages[].depositedAt'
    value: number
    index: number
  }

  export interface HandoffRequestMessagesExpiresAtFieldEvent {
    field: '$.messages[].expiresAt'
    value: number
    index: number
  }

  export function encode (obj: Partial<HandoffRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, HandoffRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<HandoffRequest>): HandoffRequest {
    return decodeMessage(buf, HandoffRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<HandoffRequest>): Generator<HandoffRequestMessagesToFieldEvent | HandoffRequestMessagesIdFieldEvent | HandoffRequestMessagesFromFieldEvent | HandoffRequestMessagesEnvelopeFieldEvent | HandoffRequestMessagesDepositedAtFieldEvent | HandoffRequestMessagesExpiresAtFieldEvent> {
    return streamMessage(buf, HandoffRequest.codec(), opts)
  }
}

export interface HandoffResponse {
  accepted: string[]
}

export namespace HandoffResponse {
  let _codec: Codec<HandoffResponse>

  export const codec = (): Codec<HandoffResponse> => {
    if (_codec == null) {
      _codec = message<HandoffResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.accepted != null && obj.accepted.length > 0) {
          for (const value of obj.accepted) {
            w.uint32(10)
            w.string(value)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          accepted: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.accepted != null && obj.accepted.length === opts.limits.accepted) {
                throw new MaxLengthError('Decode error - repeated field "accepted" had too many elements')
              }

              if (obj.accepted.length === 100) {
                throw new MaxLengthError('Decode error - repeated field "accepted" had too many elements')
              }

              obj.accepted.push(reader.string())
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
          accepted: 100
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.accepted != null && obj.accepted === opts.limits.accepted) {
                throw new MaxLengthError('Streaming decode error - repeated field "accepted" had too many elements')
              }

              if (obj.accepted === 100) {
                throw new MaxLengthError('Streaming decode error - repeated field "accepted" had too many elements')
              }

              yield {
                field: `${prefix}.accepted[]`,
                index: obj.accepted,
                value: reader.string()
              }

              obj.accepted++

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

  export interface HandoffResponseAcceptedFieldEvent {
    field: '$.accepted[]'
    index: number
    value: string
  }

  export function encode (obj: Partial<HandoffResponse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, HandoffResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<HandoffResponse>): HandoffResponse {
    return decodeMessage(buf, HandoffResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<HandoffResponse>): Generator<HandoffResponseAcceptedFieldEvent> {
    return streamMessage(buf, HandoffResponse.codec(), opts)
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

export interface GroupCommitRequest {
  state: Uint8Array<ArrayBuffer>
}

export namespace GroupCommitRequest {
  let _codec: Codec<GroupCommitRequest>

  export const codec = (): Codec<GroupCommitRequest> => {
    if (_codec == null) {
      _codec = message<GroupCommitRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.state != null && obj.state.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.state)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          state: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.state = reader.bytes()
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

  export interface GroupCommitRequestStateFieldEvent {
    field: '$.state'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<GroupCommitRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, GroupCommitRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<GroupCommitRequest>): GroupCommitRequest {
    return decodeMessage(buf, GroupCommitRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<GroupCommitRequest>): Generator<GroupCommitRequestStateFieldEvent> {
    return streamMessage(buf, GroupCommitRequest.codec(), opts)
  }
}

export interface GroupCommitResponse {
  epoch: number
  hash: Uint8Array<ArrayBuffer>
}

export namespace GroupCommitResponse {
  let _codec: Codec<GroupCommitResponse>

  export const codec = (): Codec<GroupCommitResponse> => {
    if (_codec == null) {
      _codec = message<GroupCommitResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.epoch != null && obj.epoch !== 0)) {
          w.uint32(8)
          w.uint32(obj.epoch)
        }

        if ((obj.hash != null && obj.hash.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.hash)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          epoch: 0,
          hash: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.epoch = reader.uint32()
              break
            }
            case 2: {
              obj.hash = reader.bytes()
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
                field: `${prefix}.epoch`,
                value: reader.uint32()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.hash`,
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

  export interface GroupCommitResponseEpochFieldEvent {
    field: '$.epoch'
    value: number
  }

  export interface GroupCommitResponseHashFieldEvent {
    field: '$.hash'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<GroupCommitResponse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, GroupCommitResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<GroupCommitResponse>): GroupCommitResponse {
    return decodeMessage(buf, GroupCommitResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<GroupCommitResponse>): Generator<GroupCommitResponseEpochFieldEvent | GroupCommitResponseHashFieldEvent> {
    return streamMessage(buf, GroupCommitResponse.codec(), opts)
  }
}

export interface GroupStatesRequest {
  group: string
  after: number
}

export namespace GroupStatesRequest {
  let _codec: Codec<GroupStatesRequest>

  export const codec = (): Codec<GroupStatesRequest> => {
    if (_codec == null) {
      _codec = message<GroupStatesRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.group != null && obj.group !== '')) {
          w.uint32(10)
          w.string(obj.group)
        }

        if ((obj.after != null && obj.after !== 0)) {
          w.uint32(16)
          w.uint32(obj.after)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          group: '',
          after: 0
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
              obj.after = reader.uint32()
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
                field: `${prefix}.after`,
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

  export interface GroupStatesRequestGroupFieldEvent {
    field: '$.group'
    value: string
  }

  export interface GroupStatesRequestAfterFieldEvent {
    field: '$.after'
    value: number
  }

  export function encode (obj: Partial<GroupStatesRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, GroupStatesRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<GroupStatesRequest>): GroupStatesRequest {
    return decodeMessage(buf, GroupStatesRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<GroupStatesRequest>): Generator<GroupStatesRequestGroupFieldEvent | GroupStatesRequestAfterFieldEvent> {
    return streamMessage(buf, GroupStatesRequest.codec(), opts)
  }
}

export interface GroupStatesResponse {
  states: Uint8Array<ArrayBuffer>[]
  more: boolean
  leaves: Uint8Array<ArrayBuffer>[]
  head: number
}

export namespace GroupStatesResponse {
  let _codec: Codec<GroupStatesResponse>

  export const codec = (): Codec<GroupStatesResponse> => {
    if (_codec == null) {
      _codec = message<GroupStatesResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.states != null && obj.states.length > 0) {
          for (const value of obj.states) {
            w.uint32(10)
            w.bytes(value)
          }
        }

        if ((obj.more != null && obj.more !== false)) {
          w.uint32(16)
          w.bool(obj.more)
        }

        if (obj.leaves != null && obj.leaves.length > 0) {
          for (const value of obj.leaves) {
            w.uint32(26)
            w.bytes(value)
          }
        }

        if ((obj.head != null && obj.head !== 0)) {
          w.uint32(32)
          w.uint32(obj.head)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          states: [],
          more: false,
          leaves: [],
          head: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.states != null && obj.states.length === opts.limits.states) {
                throw new MaxLengthError('Decode error - repeated field "states" had too many elements')
              }

              if (obj.states.length === 64) {
                throw new MaxLengthError('Decode error - repeated field "states" had too many elements')
              }

              obj.states.push(reader.bytes())
              break
            }
            case 2: {
              obj.more = reader.bool()
              break
            }
            case 3: {
              if (opts.limits?.leaves != null && obj.leaves.length === opts.limits.leaves) {
                throw new MaxLengthError('Decode error - repeated field "leaves" had too many elements')
              }

              if (obj.leaves.length === 256) {
                throw new MaxLengthError('Decode error - repeated field "leaves" had too many elements')
              }

              obj.leaves.push(reader.bytes())
              break
            }
            case 4: {
              obj.head = reader.uint32()
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
          states: 64,
          leaves: 256
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.states != null && obj.states === opts.limits.states) {
                throw new MaxLengthError('Streaming decode error - repeated field "states" had too many elements')
              }

              if (obj.states === 64) {
                throw new MaxLengthError('Streaming decode error - repeated field "states" had too many elements')
              }

              yield {
                field: `${prefix}.states[]`,
                index: obj.states,
                value: reader.bytes()
              }

              obj.states++

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
              if (opts.limits?.leaves != null && obj.leaves === opts.limits.leaves) {
                throw new MaxLengthError('Streaming decode error - repeated field "leaves" had too many elements')
              }

              if (obj.leaves === 256) {
                throw new MaxLengthError('Streaming decode error - repeated field "leaves" had too many elements')
              }

              yield {
                field: `${prefix}.leaves[]`,
                index: obj.leaves,
                value: reader.bytes()
              }

              obj.leaves++

              break
            }
            case 4: {
              yield {
                field: `${prefix}.head`,
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

  export interface GroupStatesResponseStatesFieldEvent {
    field: '$.states[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface GroupStatesResponseMoreFieldEvent {
    field: '$.more'
    value: boolean
  }

  export interface GroupStatesResponseLeavesFieldEvent {
    field: '$.leaves[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface GroupStatesResponseHeadFieldEvent {
    field: '$.head'
    value: number
  }

  export function encode (obj: Partial<GroupStatesResponse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, GroupStatesResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<GroupStatesResponse>): GroupStatesResponse {
    return decodeMessage(buf, GroupStatesResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<GroupStatesResponse>): Generator<GroupStatesResponseStatesFieldEvent | GroupStatesResponseMoreFieldEvent | GroupStatesResponseLeavesFieldEvent | GroupStatesResponseHeadFieldEvent> {
    return streamMessage(buf, GroupStatesResponse.codec(), opts)
  }
}

export interface GroupListRequest {}

export namespace GroupListRequest {
  let _codec: Codec<GroupListRequest>

  export const codec = (): Codec<GroupListRequest> => {
    if (_codec == null) {
      _codec = message<GroupListRequest>((obj, w, opts = {}) => {
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

  export function encode (obj: Partial<GroupListRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, GroupListRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<GroupListRequest>): GroupListRequest {
    return decodeMessage(buf, GroupListRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<GroupListRequest>): Generator<{}> {
    return streamMessage(buf, GroupListRequest.codec(), opts)
  }
}

export interface GroupSummary {
  group: string
  epoch: number
  last: string
  leaves: number
  hash: Uint8Array<ArrayBuffer>
  filers: string
}

export namespace GroupSummary {
  let _codec: Codec<GroupSummary>

  export const codec = (): Codec<GroupSummary> => {
    if (_codec == null) {
      _codec = message<GroupSummary>((obj, w, opts = {}) => {
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

        if ((obj.last != null && obj.last !== '')) {
          w.uint32(26)
          w.string(obj.last)
        }

        if ((obj.leaves != null && obj.leaves !== 0)) {
          w.uint32(32)
          w.uint32(obj.leaves)
        }

        if ((obj.hash != null && obj.hash.byteLength > 0)) {
          w.uint32(42)
          w.bytes(obj.hash)
        }

        if ((obj.filers != null && obj.filers !== '')) {
          w.uint32(50)
          w.string(obj.filers)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          group: '',
          epoch: 0,
          last: '',
          leaves: 0,
          hash: uint8ArrayAlloc(0),
          filers: ''
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
              obj.last = reader.string()
              break
            }
            case 4: {
              obj.leaves = reader.uint32()
              break
            }
            case 5: {
              obj.hash = reader.bytes()
              break
            }
            case 6: {
              obj.filers = reader.string()
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
                field: `${prefix}.last`,
                value: reader.string()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.leaves`,
                value: reader.uint32()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.hash`,
                value: reader.bytes()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.filers`,
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

  export interface GroupSummaryGroupFieldEvent {
    field: '$.group'
    value: string
  }

  export interface GroupSummaryEpochFieldEvent {
    field: '$.epoch'
    value: number
  }

  export interface GroupSummaryLastFieldEvent {
    field: '$.last'
    value: string
  }

  export interface GroupSummaryLeavesFieldEvent {
    field: '$.leaves'
    value: number
  }

  export interface GroupSummaryHashFieldEvent {
    field: '$.hash'
    value: Uint8Array<ArrayBuffer>
  }

  export interface GroupSummaryFilersFieldEvent {
    field: '$.filers'
    value: string
  }

  export function encode (obj: Partial<GroupSummary>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, GroupSummary.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<GroupSummary>): GroupSummary {
    return decodeMessage(buf, GroupSummary.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<GroupSummary>): Generator<GroupSummaryGroupFieldEvent | GroupSummaryEpochFieldEvent | GroupSummaryLastFieldEvent | GroupSummaryLeavesFieldEvent | GroupSummaryHashFieldEvent | GroupSummaryFilersFieldEvent> {
    return streamMessage(buf, GroupSummary.codec(), opts)
  }
}

export interface GroupListResponse {
  groups: GroupSummary[]
}

export namespace GroupListResponse {
  let _codec: Codec<GroupListResponse>

  export const codec = (): Codec<GroupListResponse> => {
    if (_codec == null) {
      _codec = message<GroupListResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.groups != null && obj.groups.length > 0) {
          for (const value of obj.groups) {
            w.uint32(10)
            GroupSummary.codec().encode(value, w)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          groups: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.groups != null && obj.groups.length === opts.limits.groups) {
                throw new MaxLengthError('Decode error - repeated field "groups" had too many elements')
              }

              if (obj.groups.length === 1000) {
                throw new MaxLengthError('Decode error - repeated field "groups" had too many elements')
              }

              obj.groups.push(GroupSummary.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.groups$
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
          groups: 1000
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.groups != null && obj.groups === opts.limits.groups) {
                throw new MaxLengthError('Streaming decode error - repeated field "groups" had too many elements')
              }

              if (obj.groups === 1000) {
                throw new MaxLengthError('Streaming decode error - repeated field "groups" had too many elements')
              }

              for (const evt of GroupSummary.codec().stream(reader, reader.uint32(), `${prefix}.groups[]`, {
                limits: opts.limits?.groups$
              })) {
                yield {
                  ...evt,
                  index: obj.groups
                }
              }

              obj.groups++

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

  export interface GroupListResponseGroupsGroupFieldEvent {
    field: '$.groups[].group'
    value: string
    index: number
  }

  export interface GroupListResponseGroupsEpochFieldEvent {
    field: '$.groups[].epoch'
    value: number
    index: number
  }

  export interface GroupListResponseGroupsLastFieldEvent {
    field: '$.groups[].last'
    value: string
    index: number
  }

  export interface GroupListResponseGroupsLeavesFieldEvent {
    field: '$.groups[].leaves'
    value: number
    index: number
  }

  export interface GroupListResponseGroupsHashFieldEvent {
    field: '$.groups[].hash'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface GroupListResponseGroupsFilersFieldEvent {
    field: '$.groups[].filers'
    value: string
    index: number
  }

  export function encode (obj: Partial<GroupListResponse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, GroupListResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<GroupListResponse>): GroupListResponse {
    return decodeMessage(buf, GroupListResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<GroupListResponse>): Generator<GroupListResponseGroupsGroupFieldEvent | GroupListResponseGroupsEpochFieldEvent | GroupListResponseGroupsLastFieldEvent | GroupListResponseGroupsLeavesFieldEvent | GroupListResponseGroupsHashFieldEvent | GroupListResponseGroupsFilersFieldEvent> {
    return streamMessage(buf, GroupListResponse.codec(), opts)
  }
}

export interface GroupLeaveRequest {
  request: Uint8Array<ArrayBuffer>
}

export namespace GroupLeaveRequest {
  let _codec: Codec<GroupLeaveRequest>

  export const codec = (): Codec<GroupLeaveRequest> => {
    if (_codec == null) {
      _codec = message<GroupLeaveRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.request != null && obj.request.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.request)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          request: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.request = reader.bytes()
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

  export interface GroupLeaveRequestRequestFieldEvent {
    field: '$.request'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<GroupLeaveRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, GroupLeaveRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<GroupLeaveRequest>): GroupLeaveRequest {
    return decodeMessage(buf, GroupLeaveRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<GroupLeaveRequest>): Generator<GroupLeaveRequestRequestFieldEvent> {
    return streamMessage(buf, GroupLeaveRequest.codec(), opts)
  }
}

export interface GroupLeaveResponse {}

export namespace GroupLeaveResponse {
  let _codec: Codec<GroupLeaveResponse>

  export const codec = (): Codec<GroupLeaveResponse> => {
    if (_codec == null) {
      _codec = message<GroupLeaveResponse>((obj, w, opts = {}) => {
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

  export function encode (obj: Partial<GroupLeaveResponse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, GroupLeaveResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<GroupLeaveResponse>): GroupLeaveResponse {
    return decodeMessage(buf, GroupLeaveResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<GroupLeaveResponse>): Generator<{}> {
    return streamMessage(buf, GroupLeaveResponse.codec(), opts)
  }
}

export interface GroupPostRequest {
  envelopes: Uint8Array<ArrayBuffer>[]
}

export namespace GroupPostRequest {
  let _codec: Codec<GroupPostRequest>

  export const codec = (): Codec<GroupPostRequest> => {
    if (_codec == null) {
      _codec = message<GroupPostRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.envelopes != null && obj.envelopes.length > 0) {
          for (const value of obj.envelopes) {
            w.uint32(10)
            w.bytes(value)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          envelopes: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.envelopes != null && obj.envelopes.length === opts.limits.envelopes) {
                throw new MaxLengthError('Decode error - repeated field "envelopes" had too many elements')
              }

              if (obj.envelopes.length === 64) {
                throw new MaxLengthError('Decode error - repeated field "envelopes" had too many elements')
              }

              obj.envelopes.push(reader.bytes())
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
          envelopes: 64
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.envelopes != null && obj.envelopes === opts.limits.envelopes) {
                throw new MaxLengthError('Streaming decode error - repeated field "envelopes" had too many elements')
              }

              if (obj.envelopes === 64) {
                throw new MaxLengthError('Streaming decode error - repeated field "envelopes" had too many elements')
              }

              yield {
                field: `${prefix}.envelopes[]`,
                index: obj.envelopes,
                value: reader.bytes()
              }

              obj.envelopes++

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

  export interface GroupPostRequestEnvelopesFieldEvent {
    field: '$.envelopes[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<GroupPostRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, GroupPostRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<GroupPostRequest>): GroupPostRequest {
    return decodeMessage(buf, GroupPostRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<GroupPostRequest>): Generator<GroupPostRequestEnvelopesFieldEvent> {
    return streamMessage(buf, GroupPostRequest.codec(), opts)
  }
}

export interface GroupPostResult {
  code: string
  message: string
}

export namespace GroupPostResult {
  let _codec: Codec<GroupPostResult>

  export const codec = (): Codec<GroupPostResult> => {
    if (_codec == null) {
      _codec = message<GroupPostResult>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.code != null && obj.code !== '')) {
          w.uint32(10)
          w.string(obj.code)
        }

        if ((obj.message != null && obj.message !== '')) {
          w.uint32(18)
          w.string(obj.message)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          code: '',
          message: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.code = reader.string()
              break
            }
            case 2: {
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
                field: `${prefix}.code`,
                value: reader.string()
              }
              break
            }
            case 2: {
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

  export interface GroupPostResultCodeFieldEvent {
    field: '$.code'
    value: string
  }

  export interface GroupPostResultMessageFieldEvent {
    field: '$.message'
    value: string
  }

  export function encode (obj: Partial<GroupPostResult>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, GroupPostResult.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<GroupPostResult>): GroupPostResult {
    return decodeMessage(buf, GroupPostResult.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<GroupPostResult>): Generator<GroupPostResultCodeFieldEvent | GroupPostResultMessageFieldEvent> {
    return streamMessage(buf, GroupPostResult.codec(), opts)
  }
}

export interface GroupPostResponse {
  results: GroupPostResult[]
}

export namespace GroupPostResponse {
  let _codec: Codec<GroupPostResponse>

  export const codec = (): Codec<GroupPostResponse> => {
    if (_codec == null) {
      _codec = message<GroupPostResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.results != null && obj.results.length > 0) {
          for (const value of obj.results) {
            w.uint32(10)
            GroupPostResult.codec().encode(value, w)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          results: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.results != null && obj.results.length === opts.limits.results) {
                throw new MaxLengthError('Decode error - repeated field "results" had too many elements')
              }

              if (obj.results.length === 64) {
                throw new MaxLengthError('Decode error - repeated field "results" had too many elements')
              }

              obj.results.push(GroupPostResult.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.results$
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
          results: 64
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.results != null && obj.results === opts.limits.results) {
                throw new MaxLengthError('Streaming decode error - repeated field "results" had too many elements')
              }

              if (obj.results === 64) {
                throw new MaxLengthError('Streaming decode error - repeated field "results" had too many elements')
              }

              for (const evt of GroupPostResult.codec().stream(reader, reader.uint32(), `${prefix}.results[]`, {
                limits: opts.limits?.results$
              })) {
                yield {
                  ...evt,
                  index: obj.results
                }
              }

              obj.results++

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

  export interface GroupPostResponseResultsCodeFieldEvent {
    field: '$.results[].code'
    value: string
    index: number
  }

  export interface GroupPostResponseResultsMessageFieldEvent {
    field: '$.results[].message'
    value: string
    index: number
  }

  export function encode (obj: Partial<GroupPostResponse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, GroupPostResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<GroupPostResponse>): GroupPostResponse {
    return decodeMessage(buf, GroupPostResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<GroupPostResponse>): Generator<GroupPostResponseResultsCodeFieldEvent | GroupPostResponseResultsMessageFieldEvent> {
    return streamMessage(buf, GroupPostResponse.codec(), opts)
  }
}

export interface GroupFetchRequest {
  group: string
  after?: string
  limit: number
}

export namespace GroupFetchRequest {
  let _codec: Codec<GroupFetchRequest>

  export const codec = (): Codec<GroupFetchRequest> => {
    if (_codec == null) {
      _codec = message<GroupFetchRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.group != null && obj.group !== '')) {
          w.uint32(10)
          w.string(obj.group)
        }

        if (obj.after != null) {
          w.uint32(18)
          w.string(obj.after)
        }

        if ((obj.limit != null && obj.limit !== 0)) {
          w.uint32(24)
          w.uint32(obj.limit)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          group: '',
          limit: 0
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
              obj.after = reader.string()
              break
            }
            case 3: {
              obj.limit = reader.uint32()
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
                field: `${prefix}.after`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.limit`,
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

  export interface GroupFetchRequestGroupFieldEvent {
    field: '$.group'
    value: string
  }

  export interface GroupFetchRequestAfterFieldEvent {
    field: '$.after'
    value: string
  }

  export interface GroupFetchRequestLimitFieldEvent {
    field: '$.limit'
    value: number
  }

  export function encode (obj: Partial<GroupFetchRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, GroupFetchRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<GroupFetchRequest>): GroupFetchRequest {
    return decodeMessage(buf, GroupFetchRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<GroupFetchRequest>): Generator<GroupFetchRequestGroupFieldEvent | GroupFetchRequestAfterFieldEvent | GroupFetchRequestLimitFieldEvent> {
    return streamMessage(buf, GroupFetchRequest.codec(), opts)
  }
}

export interface GroupMessage {
  envelope: Uint8Array<ArrayBuffer>
  cursor: string
}

export namespace GroupMessage {
  let _codec: Codec<GroupMessage>

  export const codec = (): Codec<GroupMessage> => {
    if (_codec == null) {
      _codec = message<GroupMessage>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.envelope != null && obj.envelope.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.envelope)
        }

        if ((obj.cursor != null && obj.cursor !== '')) {
          w.uint32(18)
          w.string(obj.cursor)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          envelope: uint8ArrayAlloc(0),
          cursor: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.envelope = reader.bytes()
              break
            }
            case 2: {
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
                field: `${prefix}.envelope`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
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

  export interface GroupMessageEnvelopeFieldEvent {
    field: '$.envelope'
    value: Uint8Array<ArrayBuffer>
  }

  export interface GroupMessageCursorFieldEvent {
    field: '$.cursor'
    value: string
  }

  export function encode (obj: Partial<GroupMessage>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, GroupMessage.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<GroupMessage>): GroupMessage {
    return decodeMessage(buf, GroupMessage.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<GroupMessage>): Generator<GroupMessageEnvelopeFieldEvent | GroupMessageCursorFieldEvent> {
    return streamMessage(buf, GroupMessage.codec(), opts)
  }
}

export interface GroupFetchResponse {
  messages: GroupMessage[]
  more: boolean
  cursor: string
}

export namespace GroupFetchResponse {
  let _codec: Codec<GroupFetchResponse>

  export const codec = (): Codec<GroupFetchResponse> => {
    if (_codec == null) {
      _codec = message<GroupFetchResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.messages != null && obj.messages.length > 0) {
          for (const value of obj.messages) {
            w.uint32(10)
            GroupMessage.codec().encode(value, w)
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

              obj.messages.push(GroupMessage.codec().decode(reader, reader.uint32(), {
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

              for (const evt of GroupMessage.codec().stream(reader, reader.uint32(), `${prefix}.messages[]`, {
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

  export interface GroupFetchResponseMessagesEnvelopeFieldEvent {
    field: '$.messages[].envelope'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface GroupFetchResponseMessagesCursorFieldEvent {
    field: '$.messages[].cursor'
    value: string
    index: number
  }

  export interface GroupFetchResponseMoreFieldEvent {
    field: '$.more'
    value: boolean
  }

  export interface GroupFetchResponseCursorFieldEvent {
    field: '$.cursor'
    value: string
  }

  export function encode (obj: Partial<GroupFetchResponse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, GroupFetchResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<GroupFetchResponse>): GroupFetchResponse {
    return decodeMessage(buf, GroupFetchResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<GroupFetchResponse>): Generator<GroupFetchResponseMessagesEnvelopeFieldEvent | GroupFetchResponseMessagesCursorFieldEvent | GroupFetchResponseMoreFieldEvent | GroupFetchResponseCursorFieldEvent> {
    return streamMessage(buf, GroupFetchResponse.codec(), opts)
  }
}
