/* eslint-disable require-yield */

import { decodeMessage, encodeMessage, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface WrapRequest {
  key: Uint8Array<ArrayBuffer>
  resource: string
  authorized: string[]
  reason: string
}

export namespace WrapRequest {
  let _codec: Codec<WrapRequest>

  export const codec = (): Codec<WrapRequest> => {
    if (_codec == null) {
      _codec = message<WrapRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.key != null && obj.key.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.key)
        }

        if ((obj.resource != null && obj.resource !== '')) {
          w.uint32(18)
          w.string(obj.resource)
        }

        if (obj.authorized != null && obj.authorized.length > 0) {
          for (const value of obj.authorized) {
            w.uint32(26)
            w.string(value)
          }
        }

        if ((obj.reason != null && obj.reason !== '')) {
          w.uint32(34)
          w.string(obj.reason)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          key: uint8ArrayAlloc(0),
          resource: '',
          authorized: [],
          reason: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.key = reader.bytes()
              break
            }
            case 2: {
              obj.resource = reader.string()
              break
            }
            case 3: {
              if (opts.limits?.authorized != null && obj.authorized.length === opts.limits.authorized) {
                throw new MaxLengthError('Decode error - repeated field "authorized" had too many elements')
              }

              obj.authorized.push(reader.string())
              break
            }
            case 4: {
              obj.reason = reader.string()
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
          authorized: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.key`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.resource`,
                value: reader.string()
              }
              break
            }
            case 3: {
              if (opts.limits?.authorized != null && obj.authorized === opts.limits.authorized) {
                throw new MaxLengthError('Streaming decode error - repeated field "authorized" had too many elements')
              }

              yield {
                field: `${prefix}.authorized[]`,
                index: obj.authorized,
                value: reader.string()
              }

              obj.authorized++

              break
            }
            case 4: {
              yield {
                field: `${prefix}.reason`,
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

  export interface WrapRequestKeyFieldEvent {
    field: '$.key'
    value: Uint8Array<ArrayBuffer>
  }

  export interface WrapRequestResourceFieldEvent {
    field: '$.resource'
    value: string
  }

  export interface WrapRequestAuthorizedFieldEvent {
    field: '$.authorized[]'
    index: number
    value: string
  }

  export interface WrapRequestReasonFieldEvent {
    field: '$.reason'
    value: string
  }

  export function encode (obj: Partial<WrapRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, WrapRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<WrapRequest>): WrapRequest {
    return decodeMessage(buf, WrapRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<WrapRequest>): Generator<WrapRequestKeyFieldEvent | WrapRequestResourceFieldEvent | WrapRequestAuthorizedFieldEvent | WrapRequestReasonFieldEvent> {
    return streamMessage(buf, WrapRequest.codec(), opts)
  }
}

export interface WrapResponse {
  wrapped: Uint8Array<ArrayBuffer>
  kekVersion: number
  authorized: string[]
}

export namespace WrapResponse {
  let _codec: Codec<WrapResponse>

  export const codec = (): Codec<WrapResponse> => {
    if (_codec == null) {
      _codec = message<WrapResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.wrapped != null && obj.wrapped.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.wrapped)
        }

        if ((obj.kekVersion != null && obj.kekVersion !== 0)) {
          w.uint32(16)
          w.uint32(obj.kekVersion)
        }

        if (obj.authorized != null && obj.authorized.length > 0) {
          for (const value of obj.authorized) {
            w.uint32(26)
            w.string(value)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          wrapped: uint8ArrayAlloc(0),
          kekVersion: 0,
          authorized: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.wrapped = reader.bytes()
              break
            }
            case 2: {
              obj.kekVersion = reader.uint32()
              break
            }
            case 3: {
              if (opts.limits?.authorized != null && obj.authorized.length === opts.limits.authorized) {
                throw new MaxLengthError('Decode error - repeated field "authorized" had too many elements')
              }

              obj.authorized.push(reader.string())
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
          authorized: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.wrapped`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.kekVersion`,
                value: reader.uint32()
              }
              break
            }
            case 3: {
              if (opts.limits?.authorized != null && obj.authorized === opts.limits.authorized) {
                throw new MaxLengthError('Streaming decode error - repeated field "authorized" had too many elements')
              }

              yield {
                field: `${prefix}.authorized[]`,
                index: obj.authorized,
                value: reader.string()
              }

              obj.authorized++

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

  export interface WrapResponseWrappedFieldEvent {
    field: '$.wrapped'
    value: Uint8Array<ArrayBuffer>
  }

  export interface WrapResponseKekVersionFieldEvent {
    field: '$.kekVersion'
    value: number
  }

  export interface WrapResponseAuthorizedFieldEvent {
    field: '$.authorized[]'
    index: number
    value: string
  }

  export function encode (obj: Partial<WrapResponse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, WrapResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<WrapResponse>): WrapResponse {
    return decodeMessage(buf, WrapResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<WrapResponse>): Generator<WrapResponseWrappedFieldEvent | WrapResponseKekVersionFieldEvent | WrapResponseAuthorizedFieldEvent> {
    return streamMessage(buf, WrapResponse.codec(), opts)
  }
}

export interface UnwrapRequest {
  wrapped: Uint8Array<ArrayBuffer>
  resource: string
  reason: string
}

export namespace UnwrapRequest {
  let _codec: Codec<UnwrapRequest>

  export const codec = (): Codec<UnwrapRequest> => {
    if (_codec == null) {
      _codec = message<UnwrapRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.wrapped != null && obj.wrapped.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.wrapped)
        }

        if ((obj.resource != null && obj.resource !== '')) {
          w.uint32(18)
          w.string(obj.resource)
        }

        if ((obj.reason != null && obj.reason !== '')) {
          w.uint32(26)
          w.string(obj.reason)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          wrapped: uint8ArrayAlloc(0),
          resource: '',
          reason: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.wrapped = reader.bytes()
              break
            }
            case 2: {
              obj.resource = reader.string()
              break
            }
            case 3: {
              obj.reason = reader.string()
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
                field: `${prefix}.wrapped`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.resource`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.reason`,
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

  export interface UnwrapRequestWrappedFieldEvent {
    field: '$.wrapped'
    value: Uint8Array<ArrayBuffer>
  }

  export interface UnwrapRequestResourceFieldEvent {
    field: '$.resource'
    value: string
  }

  export interface UnwrapRequestReasonFieldEvent {
    field: '$.reason'
    value: string
  }

  export function encode (obj: Partial<UnwrapRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, UnwrapRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<UnwrapRequest>): UnwrapRequest {
    return decodeMessage(buf, UnwrapRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<UnwrapRequest>): Generator<UnwrapRequestWrappedFieldEvent | UnwrapRequestResourceFieldEvent | UnwrapRequestReasonFieldEvent> {
    return streamMessage(buf, UnwrapRequest.codec(), opts)
  }
}

export interface UnwrapResponse {
  key: Uint8Array<ArrayBuffer>
  authorized: string[]
  kekVersion: number
  wrappedBy: string
}

export namespace UnwrapResponse {
  let _codec: Codec<UnwrapResponse>

  export const codec = (): Codec<UnwrapResponse> => {
    if (_codec == null) {
      _codec = message<UnwrapResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.key != null && obj.key.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.key)
        }

        if (obj.authorized != null && obj.authorized.length > 0) {
          for (const value of obj.authorized) {
            w.uint32(18)
            w.string(value)
          }
        }

        if ((obj.kekVersion != null && obj.kekVersion !== 0)) {
          w.uint32(24)
          w.uint32(obj.kekVersion)
        }

        if ((obj.wrappedBy != null && obj.wrappedBy !== '')) {
          w.uint32(34)
          w.string(obj.wrappedBy)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          key: uint8ArrayAlloc(0),
          authorized: [],
          kekVersion: 0,
          wrappedBy: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.key = reader.bytes()
              break
            }
            case 2: {
              if (opts.limits?.authorized != null && obj.authorized.length === opts.limits.authorized) {
                throw new MaxLengthError('Decode error - repeated field "authorized" had too many elements')
              }

              obj.authorized.push(reader.string())
              break
            }
            case 3: {
              obj.kekVersion = reader.uint32()
              break
            }
            case 4: {
              obj.wrappedBy = reader.string()
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
          authorized: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.key`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              if (opts.limits?.authorized != null && obj.authorized === opts.limits.authorized) {
                throw new MaxLengthError('Streaming decode error - repeated field "authorized" had too many elements')
              }

              yield {
                field: `${prefix}.authorized[]`,
                index: obj.authorized,
                value: reader.string()
              }

              obj.authorized++

              break
            }
            case 3: {
              yield {
                field: `${prefix}.kekVersion`,
                value: reader.uint32()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.wrappedBy`,
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

  export interface UnwrapResponseKeyFieldEvent {
    field: '$.key'
    value: Uint8Array<ArrayBuffer>
  }

  export interface UnwrapResponseAuthorizedFieldEvent {
    field: '$.authorized[]'
    index: number
    value: string
  }

  export interface UnwrapResponseKekVersionFieldEvent {
    field: '$.kekVersion'
    value: number
  }

  export interface UnwrapResponseWrappedByFieldEvent {
    field: '$.wrappedBy'
    value: string
  }

  export function encode (obj: Partial<UnwrapResponse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, UnwrapResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<UnwrapResponse>): UnwrapResponse {
    return decodeMessage(buf, UnwrapResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<UnwrapResponse>): Generator<UnwrapResponseKeyFieldEvent | UnwrapResponseAuthorizedFieldEvent | UnwrapResponseKekVersionFieldEvent | UnwrapResponseWrappedByFieldEvent> {
    return streamMessage(buf, UnwrapResponse.codec(), opts)
  }
}

export interface RewrapRequest {
  wrapped: Uint8Array<ArrayBuffer>
  resource: string
  reason: string
}

export namespace RewrapRequest {
  let _codec: Codec<RewrapRequest>

  export const codec = (): Codec<RewrapRequest> => {
    if (_codec == null) {
      _codec = message<RewrapRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.wrapped != null && obj.wrapped.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.wrapped)
        }

        if ((obj.resource != null && obj.resource !== '')) {
          w.uint32(18)
          w.string(obj.resource)
        }

        if ((obj.reason != null && obj.reason !== '')) {
          w.uint32(26)
          w.string(obj.reason)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          wrapped: uint8ArrayAlloc(0),
          resource: '',
          reason: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.wrapped = reader.bytes()
              break
            }
            case 2: {
              obj.resource = reader.string()
              break
            }
            case 3: {
              obj.reason = reader.string()
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
                field: `${prefix}.wrapped`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.resource`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.reason`,
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

  export interface RewrapRequestWrappedFieldEvent {
    field: '$.wrapped'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RewrapRequestResourceFieldEvent {
    field: '$.resource'
    value: string
  }

  export interface RewrapRequestReasonFieldEvent {
    field: '$.reason'
    value: string
  }

  export function encode (obj: Partial<RewrapRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, RewrapRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RewrapRequest>): RewrapRequest {
    return decodeMessage(buf, RewrapRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RewrapRequest>): Generator<RewrapRequestWrappedFieldEvent | RewrapRequestResourceFieldEvent | RewrapRequestReasonFieldEvent> {
    return streamMessage(buf, RewrapRequest.codec(), opts)
  }
}

export interface StatusRequest {}

export namespace StatusRequest {
  let _codec: Codec<StatusRequest>

  export const codec = (): Codec<StatusRequest> => {
    if (_codec == null) {
      _codec = message<StatusRequest>((obj, w, opts = {}) => {
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

  export function encode (obj: Partial<StatusRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, StatusRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<StatusRequest>): StatusRequest {
    return decodeMessage(buf, StatusRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<StatusRequest>): Generator<{}> {
    return streamMessage(buf, StatusRequest.codec(), opts)
  }
}

export interface StatusResponse {
  kekVersion: number
  since: bigint
  kekVersions: number
  wraps: bigint
  unwraps: bigint
  rewraps: bigint
  refusals: bigint
  throttled: bigint
  auditRecords: bigint
}

export namespace StatusResponse {
  let _codec: Codec<StatusResponse>

  export const codec = (): Codec<StatusResponse> => {
    if (_codec == null) {
      _codec = message<StatusResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.kekVersion != null && obj.kekVersion !== 0)) {
          w.uint32(8)
          w.uint32(obj.kekVersion)
        }

        if ((obj.since != null && obj.since !== 0n)) {
          w.uint32(16)
          w.uint64(obj.since)
        }

        if ((obj.kekVersions != null && obj.kekVersions !== 0)) {
          w.uint32(24)
          w.uint32(obj.kekVersions)
        }

        if ((obj.wraps != null && obj.wraps !== 0n)) {
          w.uint32(32)
          w.uint64(obj.wraps)
        }

        if ((obj.unwraps != null && obj.unwraps !== 0n)) {
          w.uint32(40)
          w.uint64(obj.unwraps)
        }

        if ((obj.rewraps != null && obj.rewraps !== 0n)) {
          w.uint32(48)
          w.uint64(obj.rewraps)
        }

        if ((obj.refusals != null && obj.refusals !== 0n)) {
          w.uint32(56)
          w.uint64(obj.refusals)
        }

        if ((obj.throttled != null && obj.throttled !== 0n)) {
          w.uint32(64)
          w.uint64(obj.throttled)
        }

        if ((obj.auditRecords != null && obj.auditRecords !== 0n)) {
          w.uint32(72)
          w.uint64(obj.auditRecords)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          kekVersion: 0,
          since: 0n,
          kekVersions: 0,
          wraps: 0n,
          unwraps: 0n,
          rewraps: 0n,
          refusals: 0n,
          throttled: 0n,
          auditRecords: 0n
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.kekVersion = reader.uint32()
              break
            }
            case 2: {
              obj.since = reader.uint64()
              break
            }
            case 3: {
              obj.kekVersions = reader.uint32()
              break
            }
            case 4: {
              obj.wraps = reader.uint64()
              break
            }
            case 5: {
              obj.unwraps = reader.uint64()
              break
            }
            case 6: {
              obj.rewraps = reader.uint64()
              break
            }
            case 7: {
              obj.refusals = reader.uint64()
              break
            }
            case 8: {
              obj.throttled = reader.uint64()
              break
            }
            case 9: {
              obj.auditRecords = reader.uint64()
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
                field: `${prefix}.kekVersion`,
                value: reader.uint32()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.since`,
                value: reader.uint64()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.kekVersions`,
                value: reader.uint32()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.wraps`,
                value: reader.uint64()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.unwraps`,
                value: reader.uint64()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.rewraps`,
                value: reader.uint64()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.refusals`,
                value: reader.uint64()
              }
              break
            }
            case 8: {
              yield {
                field: `${prefix}.throttled`,
                value: reader.uint64()
              }
              break
            }
            case 9: {
              yield {
                field: `${prefix}.auditRecords`,
                value: reader.uint64()
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

  export interface StatusResponseKekVersionFieldEvent {
    field: '$.kekVersion'
    value: number
  }

  export interface StatusResponseSinceFieldEvent {
    field: '$.since'
    value: bigint
  }

  export interface StatusResponseKekVersionsFieldEvent {
    field: '$.kekVersions'
    value: number
  }

  export interface StatusResponseWrapsFieldEvent {
    field: '$.wraps'
    value: bigint
  }

  export interface StatusResponseUnwrapsFieldEvent {
    field: '$.unwraps'
    value: bigint
  }

  export interface StatusResponseRewrapsFieldEvent {
    field: '$.rewraps'
    value: bigint
  }

  export interface StatusResponseRefusalsFieldEvent {
    field: '$.refusals'
    value: bigint
  }

  export interface StatusResponseThrottledFieldEvent {
    field: '$.throttled'
    value: bigint
  }

  export interface StatusResponseAuditRecordsFieldEvent {
    field: '$.auditRecords'
    value: bigint
  }

  export function encode (obj: Partial<StatusResponse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, StatusResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<StatusResponse>): StatusResponse {
    return decodeMessage(buf, StatusResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<StatusResponse>): Generator<StatusResponseKekVersionFieldEvent | StatusResponseSinceFieldEvent | StatusResponseKekVersionsFieldEvent | StatusResponseWrapsFieldEvent | StatusResponseUnwrapsFieldEvent | StatusResponseRewrapsFieldEvent | StatusResponseRefusalsFieldEvent | StatusResponseThrottledFieldEvent | StatusResponseAuditRecordsFieldEvent> {
    return streamMessage(buf, StatusResponse.codec(), opts)
  }
}

export interface WrappedPayload {
  key: Uint8Array<ArrayBuffer>
  authorized: string[]
  wrappedBy: string
}

export namespace WrappedPayload {
  let _codec: Codec<WrappedPayload>

  export const codec = (): Codec<WrappedPayload> => {
    if (_codec == null) {
      _codec = message<WrappedPayload>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.key != null && obj.key.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.key)
        }

        if (obj.authorized != null && obj.authorized.length > 0) {
          for (const value of obj.authorized) {
            w.uint32(18)
            w.string(value)
          }
        }

        if ((obj.wrappedBy != null && obj.wrappedBy !== '')) {
          w.uint32(26)
          w.string(obj.wrappedBy)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          key: uint8ArrayAlloc(0),
          authorized: [],
          wrappedBy: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.key = reader.bytes()
              break
            }
            case 2: {
              if (opts.limits?.authorized != null && obj.authorized.length === opts.limits.authorized) {
                throw new MaxLengthError('Decode error - repeated field "authorized" had too many elements')
              }

              obj.authorized.push(reader.string())
              break
            }
            case 3: {
              obj.wrappedBy = reader.string()
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
          authorized: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.key`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              if (opts.limits?.authorized != null && obj.authorized === opts.limits.authorized) {
                throw new MaxLengthError('Streaming decode error - repeated field "authorized" had too many elements')
              }

              yield {
                field: `${prefix}.authorized[]`,
                index: obj.authorized,
                value: reader.string()
              }

              obj.authorized++

              break
            }
            case 3: {
              yield {
                field: `${prefix}.wrappedBy`,
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

  export interface WrappedPayloadKeyFieldEvent {
    field: '$.key'
    value: Uint8Array<ArrayBuffer>
  }

  export interface WrappedPayloadAuthorizedFieldEvent {
    field: '$.authorized[]'
    index: number
    value: string
  }

  export interface WrappedPayloadWrappedByFieldEvent {
    field: '$.wrappedBy'
    value: string
  }

  export function encode (obj: Partial<WrappedPayload>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, WrappedPayload.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<WrappedPayload>): WrappedPayload {
    return decodeMessage(buf, WrappedPayload.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<WrappedPayload>): Generator<WrappedPayloadKeyFieldEvent | WrappedPayloadAuthorizedFieldEvent | WrappedPayloadWrappedByFieldEvent> {
    return streamMessage(buf, WrappedPayload.codec(), opts)
  }
}
