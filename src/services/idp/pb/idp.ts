import { decodeMessage, encodeMessage, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface RegisterRequest {
  username: string
  identityKey: Uint8Array<ArrayBuffer>
  password: string
  signature: Uint8Array<ArrayBuffer>
}

export namespace RegisterRequest {
  let _codec: Codec<RegisterRequest>

  export const codec = (): Codec<RegisterRequest> => {
    if (_codec == null) {
      _codec = message<RegisterRequest>((obj, w, opts = {}) => {
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

        if ((obj.password != null && obj.password !== '')) {
          w.uint32(26)
          w.string(obj.password)
        }

        if ((obj.signature != null && obj.signature.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.signature)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          username: '',
          identityKey: uint8ArrayAlloc(0),
          password: '',
          signature: uint8ArrayAlloc(0)
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
              obj.password = reader.string()
              break
            }
            case 4: {
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
                field: `${prefix}.password`,
                value: reader.string()
              }
              break
            }
            case 4: {
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

  export interface RegisterRequestUsernameFieldEvent {
    field: '$.username'
    value: string
  }

  export interface RegisterRequestIdentityKeyFieldEvent {
    field: '$.identityKey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RegisterRequestPasswordFieldEvent {
    field: '$.password'
    value: string
  }

  export interface RegisterRequestSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<RegisterRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, RegisterRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RegisterRequest>): RegisterRequest {
    return decodeMessage(buf, RegisterRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RegisterRequest>): Generator<RegisterRequestUsernameFieldEvent | RegisterRequestIdentityKeyFieldEvent | RegisterRequestPasswordFieldEvent | RegisterRequestSignatureFieldEvent> {
    return streamMessage(buf, RegisterRequest.codec(), opts)
  }
}

export interface RegisterResponse {
  username: string
}

export namespace RegisterResponse {
  let _codec: Codec<RegisterResponse>

  export const codec = (): Codec<RegisterResponse> => {
    if (_codec == null) {
      _codec = message<RegisterResponse>((obj, w, opts = {}) => {
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

  export interface RegisterResponseUsernameFieldEvent {
    field: '$.username'
    value: string
  }

  export function encode (obj: Partial<RegisterResponse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, RegisterResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RegisterResponse>): RegisterResponse {
    return decodeMessage(buf, RegisterResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RegisterResponse>): Generator<RegisterResponseUsernameFieldEvent> {
    return streamMessage(buf, RegisterResponse.codec(), opts)
  }
}

export interface ChallengeRequest {
  username: string
}

export namespace ChallengeRequest {
  let _codec: Codec<ChallengeRequest>

  export const codec = (): Codec<ChallengeRequest> => {
    if (_codec == null) {
      _codec = message<ChallengeRequest>((obj, w, opts = {}) => {
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

  export interface ChallengeRequestUsernameFieldEvent {
    field: '$.username'
    value: string
  }

  export function encode (obj: Partial<ChallengeRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ChallengeRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ChallengeRequest>): ChallengeRequest {
    return decodeMessage(buf, ChallengeRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ChallengeRequest>): Generator<ChallengeRequestUsernameFieldEvent> {
    return streamMessage(buf, ChallengeRequest.codec(), opts)
  }
}

export interface ChallengeResponse {
  challenge: Uint8Array<ArrayBuffer>
  expiresAt: bigint
}

export namespace ChallengeResponse {
  let _codec: Codec<ChallengeResponse>

  export const codec = (): Codec<ChallengeResponse> => {
    if (_codec == null) {
      _codec = message<ChallengeResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.challenge != null && obj.challenge.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.challenge)
        }

        if ((obj.expiresAt != null && obj.expiresAt !== 0n)) {
          w.uint32(16)
          w.uint64(obj.expiresAt)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          challenge: uint8ArrayAlloc(0),
          expiresAt: 0n
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.challenge = reader.bytes()
              break
            }
            case 2: {
              obj.expiresAt = reader.uint64()
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
                field: `${prefix}.challenge`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.expiresAt`,
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

  export interface ChallengeResponseChallengeFieldEvent {
    field: '$.challenge'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ChallengeResponseExpiresAtFieldEvent {
    field: '$.expiresAt'
    value: bigint
  }

  export function encode (obj: Partial<ChallengeResponse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ChallengeResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ChallengeResponse>): ChallengeResponse {
    return decodeMessage(buf, ChallengeResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ChallengeResponse>): Generator<ChallengeResponseChallengeFieldEvent | ChallengeResponseExpiresAtFieldEvent> {
    return streamMessage(buf, ChallengeResponse.codec(), opts)
  }
}

export interface LoginRequest {
  username: string
  password: string
  challenge: Uint8Array<ArrayBuffer>
  signature: Uint8Array<ArrayBuffer>
}

export namespace LoginRequest {
  let _codec: Codec<LoginRequest>

  export const codec = (): Codec<LoginRequest> => {
    if (_codec == null) {
      _codec = message<LoginRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.username != null && obj.username !== '')) {
          w.uint32(10)
          w.string(obj.username)
        }

        if ((obj.password != null && obj.password !== '')) {
          w.uint32(18)
          w.string(obj.password)
        }

        if ((obj.challenge != null && obj.challenge.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.challenge)
        }

        if ((obj.signature != null && obj.signature.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.signature)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          username: '',
          password: '',
          challenge: uint8ArrayAlloc(0),
          signature: uint8ArrayAlloc(0)
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
              obj.password = reader.string()
              break
            }
            case 3: {
              obj.challenge = reader.bytes()
              break
            }
            case 4: {
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
                field: `${prefix}.username`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.password`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.challenge`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
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

  export interface LoginRequestUsernameFieldEvent {
    field: '$.username'
    value: string
  }

  export interface LoginRequestPasswordFieldEvent {
    field: '$.password'
    value: string
  }

  export interface LoginRequestChallengeFieldEvent {
    field: '$.challenge'
    value: Uint8Array<ArrayBuffer>
  }

  export interface LoginRequestSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<LoginRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, LoginRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<LoginRequest>): LoginRequest {
    return decodeMessage(buf, LoginRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<LoginRequest>): Generator<LoginRequestUsernameFieldEvent | LoginRequestPasswordFieldEvent | LoginRequestChallengeFieldEvent | LoginRequestSignatureFieldEvent> {
    return streamMessage(buf, LoginRequest.codec(), opts)
  }
}

export interface LoginResponse {
  token: string
  expiresAt: bigint
}

export namespace LoginResponse {
  let _codec: Codec<LoginResponse>

  export const codec = (): Codec<LoginResponse> => {
    if (_codec == null) {
      _codec = message<LoginResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.token != null && obj.token !== '')) {
          w.uint32(10)
          w.string(obj.token)
        }

        if ((obj.expiresAt != null && obj.expiresAt !== 0n)) {
          w.uint32(16)
          w.uint64(obj.expiresAt)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          token: '',
          expiresAt: 0n
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
              obj.expiresAt = reader.uint64()
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

  export interface LoginResponseTokenFieldEvent {
    field: '$.token'
    value: string
  }

  export interface LoginResponseExpiresAtFieldEvent {
    field: '$.expiresAt'
    value: bigint
  }

  export function encode (obj: Partial<LoginResponse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, LoginResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<LoginResponse>): LoginResponse {
    return decodeMessage(buf, LoginResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<LoginResponse>): Generator<LoginResponseTokenFieldEvent | LoginResponseExpiresAtFieldEvent> {
    return streamMessage(buf, LoginResponse.codec(), opts)
  }
}

export interface RenewRequest {
  challenge: Uint8Array<ArrayBuffer>
  signature: Uint8Array<ArrayBuffer>
}

export namespace RenewRequest {
  let _codec: Codec<RenewRequest>

  export const codec = (): Codec<RenewRequest> => {
    if (_codec == null) {
      _codec = message<RenewRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.challenge != null && obj.challenge.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.challenge)
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
          challenge: uint8ArrayAlloc(0),
          signature: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.challenge = reader.bytes()
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
                field: `${prefix}.challenge`,
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

  export interface RenewRequestChallengeFieldEvent {
    field: '$.challenge'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RenewRequestSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<RenewRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, RenewRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RenewRequest>): RenewRequest {
    return decodeMessage(buf, RenewRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RenewRequest>): Generator<RenewRequestChallengeFieldEvent | RenewRequestSignatureFieldEvent> {
    return streamMessage(buf, RenewRequest.codec(), opts)
  }
}

export interface LookupRequest {
  username: string
}

export namespace LookupRequest {
  let _codec: Codec<LookupRequest>

  export const codec = (): Codec<LookupRequest> => {
    if (_codec == null) {
      _codec = message<LookupRequest>((obj, w, opts = {}) => {
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

  export interface LookupRequestUsernameFieldEvent {
    field: '$.username'
    value: string
  }

  export function encode (obj: Partial<LookupRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, LookupRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<LookupRequest>): LookupRequest {
    return decodeMessage(buf, LookupRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<LookupRequest>): Generator<LookupRequestUsernameFieldEvent> {
    return streamMessage(buf, LookupRequest.codec(), opts)
  }
}

export interface LookupResponse {
  username: string
  identityKey: Uint8Array<ArrayBuffer>
  peers: string[]
}

export namespace LookupResponse {
  let _codec: Codec<LookupResponse>

  export const codec = (): Codec<LookupResponse> => {
    if (_codec == null) {
      _codec = message<LookupResponse>((obj, w, opts = {}) => {
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

        if (obj.peers != null && obj.peers.length > 0) {
          for (const value of obj.peers) {
            w.uint32(26)
            w.string(value)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          username: '',
          identityKey: uint8ArrayAlloc(0),
          peers: []
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
              if (opts.limits?.peers != null && obj.peers.length === opts.limits.peers) {
                throw new MaxLengthError('Decode error - repeated field "peers" had too many elements')
              }

              obj.peers.push(reader.string())
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
          peers: 0
        }

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
              if (opts.limits?.peers != null && obj.peers === opts.limits.peers) {
                throw new MaxLengthError('Streaming decode error - repeated field "peers" had too many elements')
              }

              yield {
                field: `${prefix}.peers[]`,
                index: obj.peers,
                value: reader.string()
              }

              obj.peers++

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

  export interface LookupResponseUsernameFieldEvent {
    field: '$.username'
    value: string
  }

  export interface LookupResponseIdentityKeyFieldEvent {
    field: '$.identityKey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface LookupResponsePeersFieldEvent {
    field: '$.peers[]'
    index: number
    value: string
  }

  export function encode (obj: Partial<LookupResponse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, LookupResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<LookupResponse>): LookupResponse {
    return decodeMessage(buf, LookupResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<LookupResponse>): Generator<LookupResponseUsernameFieldEvent | LookupResponseIdentityKeyFieldEvent | LookupResponsePeersFieldEvent> {
    return streamMessage(buf, LookupResponse.codec(), opts)
  }
}

export interface Binding {
  username: string
  identityKey: Uint8Array<ArrayBuffer>
  registeredAt: bigint
  signature: Uint8Array<ArrayBuffer>
}

export namespace Binding {
  let _codec: Codec<Binding>

  export const codec = (): Codec<Binding> => {
    if (_codec == null) {
      _codec = message<Binding>((obj, w, opts = {}) => {
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

        if ((obj.registeredAt != null && obj.registeredAt !== 0n)) {
          w.uint32(24)
          w.uint64(obj.registeredAt)
        }

        if ((obj.signature != null && obj.signature.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.signature)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          username: '',
          identityKey: uint8ArrayAlloc(0),
          registeredAt: 0n,
          signature: uint8ArrayAlloc(0)
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
              obj.registeredAt = reader.uint64()
              break
            }
            case 4: {
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
                field: `${prefix}.registeredAt`,
                value: reader.uint64()
              }
              break
            }
            case 4: {
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

  export interface BindingUsernameFieldEvent {
    field: '$.username'
    value: string
  }

  export interface BindingIdentityKeyFieldEvent {
    field: '$.identityKey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface BindingRegisteredAtFieldEvent {
    field: '$.registeredAt'
    value: bigint
  }

  export interface BindingSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<Binding>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Binding.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Binding>): Binding {
    return decodeMessage(buf, Binding.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Binding>): Generator<BindingUsernameFieldEvent | BindingIdentityKeyFieldEvent | BindingRegisteredAtFieldEvent | BindingSignatureFieldEvent> {
    return streamMessage(buf, Binding.codec(), opts)
  }
}

export interface BindingsRequest {
  after: string
  limit: number
}

export namespace BindingsRequest {
  let _codec: Codec<BindingsRequest>

  export const codec = (): Codec<BindingsRequest> => {
    if (_codec == null) {
      _codec = message<BindingsRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.after != null && obj.after !== '')) {
          w.uint32(10)
          w.string(obj.after)
        }

        if ((obj.limit != null && obj.limit !== 0)) {
          w.uint32(16)
          w.uint32(obj.limit)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          after: '',
          limit: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.after = reader.string()
              break
            }
            case 2: {
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
                field: `${prefix}.after`,
                value: reader.string()
              }
              break
            }
            case 2: {
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

  export interface BindingsRequestAfterFieldEvent {
    field: '$.after'
    value: string
  }

  export interface BindingsRequestLimitFieldEvent {
    field: '$.limit'
    value: number
  }

  export function encode (obj: Partial<BindingsRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, BindingsRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<BindingsRequest>): BindingsRequest {
    return decodeMessage(buf, BindingsRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<BindingsRequest>): Generator<BindingsRequestAfterFieldEvent | BindingsRequestLimitFieldEvent> {
    return streamMessage(buf, BindingsRequest.codec(), opts)
  }
}

export interface BindingsResponse {
  bindings: Binding[]
  more: boolean
  cursor: string
}

export namespace BindingsResponse {
  let _codec: Codec<BindingsResponse>

  export const codec = (): Codec<BindingsResponse> => {
    if (_codec == null) {
      _codec = message<BindingsResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.bindings != null && obj.bindings.length > 0) {
          for (const value of obj.bindings) {
            w.uint32(10)
            Binding.codec().encode(value, w)
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
          bindings: [],
          more: false,
          cursor: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.bindings != null && obj.bindings.length === opts.limits.bindings) {
                throw new MaxLengthError('Decode error - repeated field "bindings" had too many elements')
              }

              if (obj.bindings.length === 250) {
                throw new MaxLengthError('Decode error - repeated field "bindings" had too many elements')
              }

              obj.bindings.push(Binding.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.bindings$
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
          bindings: 250
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.bindings != null && obj.bindings === opts.limits.bindings) {
                throw new MaxLengthError('Streaming decode error - repeated field "bindings" had too many elements')
              }

              if (obj.bindings === 250) {
                throw new MaxLengthError('Streaming decode error - repeated field "bindings" had too many elements')
              }

              for (const evt of Binding.codec().stream(reader, reader.uint32(), `${prefix}.bindings[]`, {
                limits: opts.limits?.bindings$
              })) {
                yield {
                  ...evt,
                  index: obj.bindings
                }
              }

              obj.bindings++

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

  export interface BindingsResponseBindingsUsernameFieldEvent {
    field: '$.bindings[].username'
    value: string
    index: number
  }

  export interface BindingsResponseBindingsIdentityKeyFieldEvent {
    field: '$.bindings[].identityKey'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface BindingsResponseBindingsRegisteredAtFieldEvent {
    field: '$.bindings[].registeredAt'
    value: bigint
    index: number
  }

  export interface BindingsResponseBindingsSignatureFieldEvent {
    field: '$.bindings[].signature'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface BindingsResponseMoreFieldEvent {
    field: '$.more'
    value: boolean
  }

  export interface BindingsResponseCursorFieldEvent {
    field: '$.cursor'
    value: string
  }

  export function encode (obj: Partial<BindingsResponse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, BindingsResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<BindingsResponse>): BindingsResponse {
    return decodeMessage(buf, BindingsResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<BindingsResponse>): Generator<BindingsResponseBindingsUsernameFieldEvent | BindingsResponseBindingsIdentityKeyFieldEvent | BindingsResponseBindingsRegisteredAtFieldEvent | BindingsResponseBindingsSignatureFieldEvent | BindingsResponseMoreFieldEvent | BindingsResponseCursorFieldEvent> {
    return streamMessage(buf, BindingsResponse.codec(), opts)
  }
}
