import { decodeMessage, encodeMessage, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface PreKeyBundle {
  identityKey: Uint8Array<ArrayBuffer>
  signedPreKeyId: number
  signedPreKey: Uint8Array<ArrayBuffer>
  signedPreKeySignature: Uint8Array<ArrayBuffer>
  oneTimePreKeyId?: number
  oneTimePreKey?: Uint8Array<ArrayBuffer>
}

export namespace PreKeyBundle {
  let _codec: Codec<PreKeyBundle>

  export const codec = (): Codec<PreKeyBundle> => {
    if (_codec == null) {
      _codec = message<PreKeyBundle>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.identityKey != null && obj.identityKey.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.identityKey)
        }

        if ((obj.signedPreKeyId != null && obj.signedPreKeyId !== 0)) {
          w.uint32(16)
          w.uint32(obj.signedPreKeyId)
        }

        if ((obj.signedPreKey != null && obj.signedPreKey.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.signedPreKey)
        }

        if ((obj.signedPreKeySignature != null && obj.signedPreKeySignature.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.signedPreKeySignature)
        }

        if (obj.oneTimePreKeyId != null) {
          w.uint32(40)
          w.uint32(obj.oneTimePreKeyId)
        }

        if (obj.oneTimePreKey != null) {
          w.uint32(50)
          w.bytes(obj.oneTimePreKey)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          identityKey: uint8ArrayAlloc(0),
          signedPreKeyId: 0,
          signedPreKey: uint8ArrayAlloc(0),
          signedPreKeySignature: uint8ArrayAlloc(0)
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
              obj.signedPreKeyId = reader.uint32()
              break
            }
            case 3: {
              obj.signedPreKey = reader.bytes()
              break
            }
            case 4: {
              obj.signedPreKeySignature = reader.bytes()
              break
            }
            case 5: {
              obj.oneTimePreKeyId = reader.uint32()
              break
            }
            case 6: {
              obj.oneTimePreKey = reader.bytes()
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
                field: `${prefix}.identityKey`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.signedPreKeyId`,
                value: reader.uint32()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.signedPreKey`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.signedPreKeySignature`,
                value: reader.bytes()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.oneTimePreKeyId`,
                value: reader.uint32()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.oneTimePreKey`,
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

  export interface PreKeyBundleIdentityKeyFieldEvent {
    field: '$.identityKey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface PreKeyBundleSignedPreKeyIdFieldEvent {
    field: '$.signedPreKeyId'
    value: number
  }

  export interface PreKeyBundleSignedPreKeyFieldEvent {
    field: '$.signedPreKey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface PreKeyBundleSignedPreKeySignatureFieldEvent {
    field: '$.signedPreKeySignature'
    value: Uint8Array<ArrayBuffer>
  }

  export interface PreKeyBundleOneTimePreKeyIdFieldEvent {
    field: '$.oneTimePreKeyId'
    value: number
  }

  export interface PreKeyBundleOneTimePreKeyFieldEvent {
    field: '$.oneTimePreKey'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<PreKeyBundle>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, PreKeyBundle.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PreKeyBundle>): PreKeyBundle {
    return decodeMessage(buf, PreKeyBundle.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PreKeyBundle>): Generator<PreKeyBundleIdentityKeyFieldEvent | PreKeyBundleSignedPreKeyIdFieldEvent | PreKeyBundleSignedPreKeyFieldEvent | PreKeyBundleSignedPreKeySignatureFieldEvent | PreKeyBundleOneTimePreKeyIdFieldEvent | PreKeyBundleOneTimePreKeyFieldEvent> {
    return streamMessage(buf, PreKeyBundle.codec(), opts)
  }
}

export interface InitialMessage {
  identityKey: Uint8Array<ArrayBuffer>
  username: string
  baseKey: Uint8Array<ArrayBuffer>
  signedPreKeyId: number
  oneTimePreKeyId?: number
  message: Uint8Array<ArrayBuffer>
}

export namespace InitialMessage {
  let _codec: Codec<InitialMessage>

  export const codec = (): Codec<InitialMessage> => {
    if (_codec == null) {
      _codec = message<InitialMessage>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.identityKey != null && obj.identityKey.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.identityKey)
        }

        if ((obj.username != null && obj.username !== '')) {
          w.uint32(18)
          w.string(obj.username)
        }

        if ((obj.baseKey != null && obj.baseKey.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.baseKey)
        }

        if ((obj.signedPreKeyId != null && obj.signedPreKeyId !== 0)) {
          w.uint32(32)
          w.uint32(obj.signedPreKeyId)
        }

        if (obj.oneTimePreKeyId != null) {
          w.uint32(40)
          w.uint32(obj.oneTimePreKeyId)
        }

        if ((obj.message != null && obj.message.byteLength > 0)) {
          w.uint32(50)
          w.bytes(obj.message)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          identityKey: uint8ArrayAlloc(0),
          username: '',
          baseKey: uint8ArrayAlloc(0),
          signedPreKeyId: 0,
          message: uint8ArrayAlloc(0)
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
              obj.username = reader.string()
              break
            }
            case 3: {
              obj.baseKey = reader.bytes()
              break
            }
            case 4: {
              obj.signedPreKeyId = reader.uint32()
              break
            }
            case 5: {
              obj.oneTimePreKeyId = reader.uint32()
              break
            }
            case 6: {
              obj.message = reader.bytes()
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
                field: `${prefix}.identityKey`,
                value: reader.bytes()
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
                field: `${prefix}.baseKey`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.signedPreKeyId`,
                value: reader.uint32()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.oneTimePreKeyId`,
                value: reader.uint32()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.message`,
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

  export interface InitialMessageIdentityKeyFieldEvent {
    field: '$.identityKey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface InitialMessageUsernameFieldEvent {
    field: '$.username'
    value: string
  }

  export interface InitialMessageBaseKeyFieldEvent {
    field: '$.baseKey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface InitialMessageSignedPreKeyIdFieldEvent {
    field: '$.signedPreKeyId'
    value: number
  }

  export interface InitialMessageOneTimePreKeyIdFieldEvent {
    field: '$.oneTimePreKeyId'
    value: number
  }

  export interface InitialMessageMessageFieldEvent {
    field: '$.message'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<InitialMessage>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, InitialMessage.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<InitialMessage>): InitialMessage {
    return decodeMessage(buf, InitialMessage.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<InitialMessage>): Generator<InitialMessageIdentityKeyFieldEvent | InitialMessageUsernameFieldEvent | InitialMessageBaseKeyFieldEvent | InitialMessageSignedPreKeyIdFieldEvent | InitialMessageOneTimePreKeyIdFieldEvent | InitialMessageMessageFieldEvent> {
    return streamMessage(buf, InitialMessage.codec(), opts)
  }
}

export interface SignedPreKeyRecord {
  id: number
  privateKey: Uint8Array<ArrayBuffer>
  publicKey: Uint8Array<ArrayBuffer>
  signature: Uint8Array<ArrayBuffer>
  createdAt: number
  retiredAt?: number
}

export namespace SignedPreKeyRecord {
  let _codec: Codec<SignedPreKeyRecord>

  export const codec = (): Codec<SignedPreKeyRecord> => {
    if (_codec == null) {
      _codec = message<SignedPreKeyRecord>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.id != null && obj.id !== 0)) {
          w.uint32(8)
          w.uint32(obj.id)
        }

        if ((obj.privateKey != null && obj.privateKey.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.privateKey)
        }

        if ((obj.publicKey != null && obj.publicKey.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.publicKey)
        }

        if ((obj.signature != null && obj.signature.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.signature)
        }

        if ((obj.createdAt != null && obj.createdAt !== 0)) {
          w.uint32(40)
          w.uint64Number(obj.createdAt)
        }

        if (obj.retiredAt != null) {
          w.uint32(48)
          w.uint64Number(obj.retiredAt)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          id: 0,
          privateKey: uint8ArrayAlloc(0),
          publicKey: uint8ArrayAlloc(0),
          signature: uint8ArrayAlloc(0),
          createdAt: 0
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
              obj.privateKey = reader.bytes()
              break
            }
            case 3: {
              obj.publicKey = reader.bytes()
              break
            }
            case 4: {
              obj.signature = reader.bytes()
              break
            }
            case 5: {
              obj.createdAt = reader.uint64Number()
              break
            }
            case 6: {
              obj.retiredAt = reader.uint64Number()
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
                field: `${prefix}.privateKey`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.publicKey`,
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
            case 5: {
              yield {
                field: `${prefix}.createdAt`,
                value: reader.uint64Number()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.retiredAt`,
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

  export interface SignedPreKeyRecordIdFieldEvent {
    field: '$.id'
    value: number
  }

  export interface SignedPreKeyRecordPrivateKeyFieldEvent {
    field: '$.privateKey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SignedPreKeyRecordPublicKeyFieldEvent {
    field: '$.publicKey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SignedPreKeyRecordSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SignedPreKeyRecordCreatedAtFieldEvent {
    field: '$.createdAt'
    value: number
  }

  export interface SignedPreKeyRecordRetiredAtFieldEvent {
    field: '$.retiredAt'
    value: number
  }

  export function encode (obj: Partial<SignedPreKeyRecord>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SignedPreKeyRecord.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedPreKeyRecord>): SignedPreKeyRecord {
    return decodeMessage(buf, SignedPreKeyRecord.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedPreKeyRecord>): Generator<SignedPreKeyRecordIdFieldEvent | SignedPreKeyRecordPrivateKeyFieldEvent | SignedPreKeyRecordPublicKeyFieldEvent | SignedPreKeyRecordSignatureFieldEvent | SignedPreKeyRecordCreatedAtFieldEvent | SignedPreKeyRecordRetiredAtFieldEvent> {
    return streamMessage(buf, SignedPreKeyRecord.codec(), opts)
  }
}

export interface OneTimePreKeyRecord {
  id: number
  privateKey: Uint8Array<ArrayBuffer>
  publicKey: Uint8Array<ArrayBuffer>
}

export namespace OneTimePreKeyRecord {
  let _codec: Codec<OneTimePreKeyRecord>

  export const codec = (): Codec<OneTimePreKeyRecord> => {
    if (_codec == null) {
      _codec = message<OneTimePreKeyRecord>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.id != null && obj.id !== 0)) {
          w.uint32(8)
          w.uint32(obj.id)
        }

        if ((obj.privateKey != null && obj.privateKey.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.privateKey)
        }

        if ((obj.publicKey != null && obj.publicKey.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.publicKey)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          id: 0,
          privateKey: uint8ArrayAlloc(0),
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
              obj.privateKey = reader.bytes()
              break
            }
            case 3: {
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
                field: `${prefix}.privateKey`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
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

  export interface OneTimePreKeyRecordIdFieldEvent {
    field: '$.id'
    value: number
  }

  export interface OneTimePreKeyRecordPrivateKeyFieldEvent {
    field: '$.privateKey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface OneTimePreKeyRecordPublicKeyFieldEvent {
    field: '$.publicKey'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<OneTimePreKeyRecord>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, OneTimePreKeyRecord.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<OneTimePreKeyRecord>): OneTimePreKeyRecord {
    return decodeMessage(buf, OneTimePreKeyRecord.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<OneTimePreKeyRecord>): Generator<OneTimePreKeyRecordIdFieldEvent | OneTimePreKeyRecordPrivateKeyFieldEvent | OneTimePreKeyRecordPublicKeyFieldEvent> {
    return streamMessage(buf, OneTimePreKeyRecord.codec(), opts)
  }
}

export interface PreKeyStateRecord {
  version: number
  signedPreKey?: SignedPreKeyRecord
  retiredSignedPreKeys: SignedPreKeyRecord[]
  oneTimePreKeys: OneTimePreKeyRecord[]
  nextSignedPreKeyId: number
  nextOneTimePreKeyId: number
}

export namespace PreKeyStateRecord {
  let _codec: Codec<PreKeyStateRecord>

  export const codec = (): Codec<PreKeyStateRecord> => {
    if (_codec == null) {
      _codec = message<PreKeyStateRecord>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.version != null && obj.version !== 0)) {
          w.uint32(8)
          w.uint32(obj.version)
        }

        if (obj.signedPreKey != null) {
          w.uint32(18)
          SignedPreKeyRecord.codec().encode(obj.signedPreKey, w)
        }

        if (obj.retiredSignedPreKeys != null && obj.retiredSignedPreKeys.length > 0) {
          for (const value of obj.retiredSignedPreKeys) {
            w.uint32(26)
            SignedPreKeyRecord.codec().encode(value, w)
          }
        }

        if (obj.oneTimePreKeys != null && obj.oneTimePreKeys.length > 0) {
          for (const value of obj.oneTimePreKeys) {
            w.uint32(34)
            OneTimePreKeyRecord.codec().encode(value, w)
          }
        }

        if ((obj.nextSignedPreKeyId != null && obj.nextSignedPreKeyId !== 0)) {
          w.uint32(40)
          w.uint32(obj.nextSignedPreKeyId)
        }

        if ((obj.nextOneTimePreKeyId != null && obj.nextOneTimePreKeyId !== 0)) {
          w.uint32(48)
          w.uint32(obj.nextOneTimePreKeyId)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          version: 0,
          retiredSignedPreKeys: [],
          oneTimePreKeys: [],
          nextSignedPreKeyId: 0,
          nextOneTimePreKeyId: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.version = reader.uint32()
              break
            }
            case 2: {
              obj.signedPreKey = SignedPreKeyRecord.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.signedPreKey
              })
              break
            }
            case 3: {
              if (opts.limits?.retiredSignedPreKeys != null && obj.retiredSignedPreKeys.length === opts.limits.retiredSignedPreKeys) {
                throw new MaxLengthError('Decode error - repeated field "retiredSignedPreKeys" had too many elements')
              }

              obj.retiredSignedPreKeys.push(SignedPreKeyRecord.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.retiredSignedPreKeys$
              }))
              break
            }
            case 4: {
              if (opts.limits?.oneTimePreKeys != null && obj.oneTimePreKeys.length === opts.limits.oneTimePreKeys) {
                throw new MaxLengthError('Decode error - repeated field "oneTimePreKeys" had too many elements')
              }

              obj.oneTimePreKeys.push(OneTimePreKeyRecord.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.oneTimePreKeys$
              }))
              break
            }
            case 5: {
              obj.nextSignedPreKeyId = reader.uint32()
              break
            }
            case 6: {
              obj.nextOneTimePreKeyId = reader.uint32()
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
          retiredSignedPreKeys: 0,
          oneTimePreKeys: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.version`,
                value: reader.uint32()
              }
              break
            }
            case 2: {
              yield * SignedPreKeyRecord.codec().stream(reader, reader.uint32(), `${prefix}.signedPreKey`, {
                limits: opts.limits?.signedPreKey
              })

              break
            }
            case 3: {
              if (opts.limits?.retiredSignedPreKeys != null && obj.retiredSignedPreKeys === opts.limits.retiredSignedPreKeys) {
                throw new MaxLengthError('Streaming decode error - repeated field "retiredSignedPreKeys" had too many elements')
              }

              for (const evt of SignedPreKeyRecord.codec().stream(reader, reader.uint32(), `${prefix}.retiredSignedPreKeys[]`, {
                limits: opts.limits?.retiredSignedPreKeys$
              })) {
                yield {
                  ...evt,
                  index: obj.retiredSignedPreKeys
                }
              }

              obj.retiredSignedPreKeys++

              break
            }
            case 4: {
              if (opts.limits?.oneTimePreKeys != null && obj.oneTimePreKeys === opts.limits.oneTimePreKeys) {
                throw new MaxLengthError('Streaming decode error - repeated field "oneTimePreKeys" had too many elements')
              }

              for (const evt of OneTimePreKeyRecord.codec().stream(reader, reader.uint32(), `${prefix}.oneTimePreKeys[]`, {
                limits: opts.limits?.oneTimePreKeys$
              })) {
                yield {
                  ...evt,
                  index: obj.oneTimePreKeys
                }
              }

              obj.oneTimePreKeys++

              break
            }
            case 5: {
              yield {
                field: `${prefix}.nextSignedPreKeyId`,
                value: reader.uint32()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.nextOneTimePreKeyId`,
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

  export interface PreKeyStateRecordVersionFieldEvent {
    field: '$.version'
    value: number
  }

  export interface PreKeyStateRecordSignedPreKeyIdFieldEvent {
    field: '$.signedPreKey.id'
    value: number
  }

  export interface PreKeyStateRecordSignedPreKeyPrivateKeyFieldEvent {
    field: '$.signedPreKey.privateKey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface PreKeyStateRecordSignedPreKeyPublicKeyFieldEvent {
    field: '$.signedPreKey.publicKey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface PreKeyStateRecordSignedPreKeySignatureFieldEvent {
    field: '$.signedPreKey.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export interface PreKeyStateRecordSignedPreKeyCreatedAtFieldEvent {
    field: '$.signedPreKey.createdAt'
    value: number
  }

  export interface PreKeyStateRecordSignedPreKeyRetiredAtFieldEvent {
    field: '$.signedPreKey.retiredAt'
    value: number
  }

  export interface PreKeyStateRecordRetiredSignedPreKeysIdFieldEvent {
    field: '$.retiredSignedPreKeys[].id'
    value: number
    index: number
  }

  export interface PreKeyStateRecordRetiredSignedPreKeysPrivateKeyFieldEvent {
    field: '$.retiredSignedPreKeys[].privateKey'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface PreKeyStateRecordRetiredSignedPreKeysPublicKeyFieldEvent {
    field: '$.retiredSignedPreKeys[].publicKey'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface PreKeyStateRecordRetiredSignedPreKeysSignatureFieldEvent {
    field: '$.retiredSignedPreKeys[].signature'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface PreKeyStateRecordRetiredSignedPreKeysCreatedAtFieldEvent {
    field: '$.retiredSignedPreKeys[].createdAt'
    value: number
    index: number
  }

  export interface PreKeyStateRecordRetiredSignedPreKeysRetiredAtFieldEvent {
    field: '$.retiredSignedPreKeys[].retiredAt'
    value: number
    index: number
  }

  export interface PreKeyStateRecordOneTimePreKeysIdFieldEvent {
    field: '$.oneTimePreKeys[].id'
    value: number
    index: number
  }

  export interface PreKeyStateRecordOneTimePreKeysPrivateKeyFieldEvent {
    field: '$.oneTimePreKeys[].privateKey'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface PreKeyStateRecordOneTimePreKeysPublicKeyFieldEvent {
    field: '$.oneTimePreKeys[].publicKey'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface PreKeyStateRecordNextSignedPreKeyIdFieldEvent {
    field: '$.nextSignedPreKeyId'
    value: number
  }

  export interface PreKeyStateRecordNextOneTimePreKeyIdFieldEvent {
    field: '$.nextOneTimePreKeyId'
    value: number
  }

  export function encode (obj: Partial<PreKeyStateRecord>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, PreKeyStateRecord.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PreKeyStateRecord>): PreKeyStateRecord {
    return decodeMessage(buf, PreKeyStateRecord.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PreKeyStateRecord>): Generator<PreKeyStateRecordVersionFieldEvent | PreKeyStateRecordSignedPreKeyIdFieldEvent | PreKeyStateRecordSignedPreKeyPrivateKeyFieldEvent | PreKeyStateRecordSignedPreKeyPublicKeyFieldEvent | PreKeyStateRecordSignedPreKeySignatureFieldEvent | PreKeyStateRecordSignedPreKeyCreatedAtFieldEvent | PreKeyStateRecordSignedPreKeyRetiredAtFieldEvent | PreKeyStateRecordRetiredSignedPreKeysIdFieldEvent | PreKeyStateRecordRetiredSignedPreKeysPrivateKeyFieldEvent | PreKeyStateRecordRetiredSignedPreKeysPublicKeyFieldEvent | PreKeyStateRecordRetiredSignedPreKeysSignatureFieldEvent | PreKeyStateRecordRetiredSignedPreKeysCreatedAtFieldEvent | PreKeyStateRecordRetiredSignedPreKeysRetiredAtFieldEvent | PreKeyStateRecordOneTimePreKeysIdFieldEvent | PreKeyStateRecordOneTimePreKeysPrivateKeyFieldEvent | PreKeyStateRecordOneTimePreKeysPublicKeyFieldEvent | PreKeyStateRecordNextSignedPreKeyIdFieldEvent | PreKeyStateRecordNextOneTimePreKeyIdFieldEvent> {
    return streamMessage(buf, PreKeyStateRecord.codec(), opts)
  }
}
