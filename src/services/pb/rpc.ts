import { decodeMessage, encodeMessage, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface RpcRequest {
  method: string
  body: Uint8Array<ArrayBuffer>
  identityToken: string
  authorizationToken: string
  proof: Uint8Array<ArrayBuffer>
}

export namespace RpcRequest {
  let _codec: Codec<RpcRequest>

  export const codec = (): Codec<RpcRequest> => {
    if (_codec == null) {
      _codec = message<RpcRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.method != null && obj.method !== '')) {
          w.uint32(10)
          w.string(obj.method)
        }

        if ((obj.body != null && obj.body.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.body)
        }

        if ((obj.identityToken != null && obj.identityToken !== '')) {
          w.uint32(26)
          w.string(obj.identityToken)
        }

        if ((obj.authorizationToken != null && obj.authorizationToken !== '')) {
          w.uint32(34)
          w.string(obj.authorizationToken)
        }

        if ((obj.proof != null && obj.proof.byteLength > 0)) {
          w.uint32(42)
          w.bytes(obj.proof)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          method: '',
          body: uint8ArrayAlloc(0),
          identityToken: '',
          authorizationToken: '',
          proof: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.method = reader.string()
              break
            }
            case 2: {
              obj.body = reader.bytes()
              break
            }
            case 3: {
              obj.identityToken = reader.string()
              break
            }
            case 4: {
              obj.authorizationToken = reader.string()
              break
            }
            case 5: {
              obj.proof = reader.bytes()
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
                field: `${prefix}.method`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.body`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.identityToken`,
                value: reader.string()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.authorizationToken`,
                value: reader.string()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.proof`,
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

  export interface RpcRequestMethodFieldEvent {
    field: '$.method'
    value: string
  }

  export interface RpcRequestBodyFieldEvent {
    field: '$.body'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RpcRequestIdentityTokenFieldEvent {
    field: '$.identityToken'
    value: string
  }

  export interface RpcRequestAuthorizationTokenFieldEvent {
    field: '$.authorizationToken'
    value: string
  }

  export interface RpcRequestProofFieldEvent {
    field: '$.proof'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<RpcRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, RpcRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RpcRequest>): RpcRequest {
    return decodeMessage(buf, RpcRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RpcRequest>): Generator<RpcRequestMethodFieldEvent | RpcRequestBodyFieldEvent | RpcRequestIdentityTokenFieldEvent | RpcRequestAuthorizationTokenFieldEvent | RpcRequestProofFieldEvent> {
    return streamMessage(buf, RpcRequest.codec(), opts)
  }
}

export interface RpcResponse {
  body: Uint8Array<ArrayBuffer>
  error?: RpcError
}

export namespace RpcResponse {
  let _codec: Codec<RpcResponse>

  export const codec = (): Codec<RpcResponse> => {
    if (_codec == null) {
      _codec = message<RpcResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.body != null && obj.body.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.body)
        }

        if (obj.error != null) {
          w.uint32(18)
          RpcError.codec().encode(obj.error, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          body: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.body = reader.bytes()
              break
            }
            case 2: {
              obj.error = RpcError.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.error
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
              yield {
                field: `${prefix}.body`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield * RpcError.codec().stream(reader, reader.uint32(), `${prefix}.error`, {
                limits: opts.limits?.error
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

  export interface RpcResponseBodyFieldEvent {
    field: '$.body'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RpcResponseErrorCodeFieldEvent {
    field: '$.error.code'
    value: string
  }

  export interface RpcResponseErrorMessageFieldEvent {
    field: '$.error.message'
    value: string
  }

  export interface RpcResponseErrorHolderFieldEvent {
    field: '$.error.holder'
    value: string
  }

  export interface RpcResponseErrorRetryAfterMsFieldEvent {
    field: '$.error.retryAfterMs'
    value: number
  }

  export function encode (obj: Partial<RpcResponse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, RpcResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RpcResponse>): RpcResponse {
    return decodeMessage(buf, RpcResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RpcResponse>): Generator<RpcResponseBodyFieldEvent | RpcResponseErrorCodeFieldEvent | RpcResponseErrorMessageFieldEvent | RpcResponseErrorHolderFieldEvent | RpcResponseErrorRetryAfterMsFieldEvent> {
    return streamMessage(buf, RpcResponse.codec(), opts)
  }
}

export interface RpcError {
  code: string
  message: string
  holder: string
  retryAfterMs: number
}

export namespace RpcError {
  let _codec: Codec<RpcError>

  export const codec = (): Codec<RpcError> => {
    if (_codec == null) {
      _codec = message<RpcError>((obj, w, opts = {}) => {
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

        if ((obj.holder != null && obj.holder !== '')) {
          w.uint32(26)
          w.string(obj.holder)
        }

        if ((obj.retryAfterMs != null && obj.retryAfterMs !== 0)) {
          w.uint32(32)
          w.uint32(obj.retryAfterMs)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          code: '',
          message: '',
          holder: '',
          retryAfterMs: 0
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
            case 3: {
              obj.holder = reader.string()
              break
            }
            case 4: {
              obj.retryAfterMs = reader.uint32()
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
            case 3: {
              yield {
                field: `${prefix}.holder`,
                value: reader.string()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.retryAfterMs`,
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

  export interface RpcErrorCodeFieldEvent {
    field: '$.code'
    value: string
  }

  export interface RpcErrorMessageFieldEvent {
    field: '$.message'
    value: string
  }

  export interface RpcErrorHolderFieldEvent {
    field: '$.holder'
    value: string
  }

  export interface RpcErrorRetryAfterMsFieldEvent {
    field: '$.retryAfterMs'
    value: number
  }

  export function encode (obj: Partial<RpcError>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, RpcError.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RpcError>): RpcError {
    return decodeMessage(buf, RpcError.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RpcError>): Generator<RpcErrorCodeFieldEvent | RpcErrorMessageFieldEvent | RpcErrorHolderFieldEvent | RpcErrorRetryAfterMsFieldEvent> {
    return streamMessage(buf, RpcError.codec(), opts)
  }
}
