import { decodeMessage, encodeMessage, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface RatchetHeader {
  ratchetKey: Uint8Array<ArrayBuffer>
  previousCounter: number
  counter: number
}

export namespace RatchetHeader {
  let _codec: Codec<RatchetHeader>

  export const codec = (): Codec<RatchetHeader> => {
    if (_codec == null) {
      _codec = message<RatchetHeader>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.ratchetKey != null && obj.ratchetKey.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.ratchetKey)
        }

        if ((obj.previousCounter != null && obj.previousCounter !== 0)) {
          w.uint32(16)
          w.uint32(obj.previousCounter)
        }

        if ((obj.counter != null && obj.counter !== 0)) {
          w.uint32(24)
          w.uint32(obj.counter)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          ratchetKey: uint8ArrayAlloc(0),
          previousCounter: 0,
          counter: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.ratchetKey = reader.bytes()
              break
            }
            case 2: {
              obj.previousCounter = reader.uint32()
              break
            }
            case 3: {
              obj.counter = reader.uint32()
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
                field: `${prefix}.ratchetKey`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.previousCounter`,
                value: reader.uint32()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.counter`,
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

  export interface RatchetHeaderRatchetKeyFieldEvent {
    field: '$.ratchetKey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RatchetHeaderPreviousCounterFieldEvent {
    field: '$.previousCounter'
    value: number
  }

  export interface RatchetHeaderCounterFieldEvent {
    field: '$.counter'
    value: number
  }

  export function encode (obj: Partial<RatchetHeader>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, RatchetHeader.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RatchetHeader>): RatchetHeader {
    return decodeMessage(buf, RatchetHeader.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RatchetHeader>): Generator<RatchetHeaderRatchetKeyFieldEvent | RatchetHeaderPreviousCounterFieldEvent | RatchetHeaderCounterFieldEvent> {
    return streamMessage(buf, RatchetHeader.codec(), opts)
  }
}

export interface RatchetMessage {
  header: Uint8Array<ArrayBuffer>
  ciphertext: Uint8Array<ArrayBuffer>
}

export namespace RatchetMessage {
  let _codec: Codec<RatchetMessage>

  export const codec = (): Codec<RatchetMessage> => {
    if (_codec == null) {
      _codec = message<RatchetMessage>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.header != null && obj.header.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.header)
        }

        if ((obj.ciphertext != null && obj.ciphertext.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.ciphertext)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          header: uint8ArrayAlloc(0),
          ciphertext: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.header = reader.bytes()
              break
            }
            case 2: {
              obj.ciphertext = reader.bytes()
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
                field: `${prefix}.header`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.ciphertext`,
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

  export interface RatchetMessageHeaderFieldEvent {
    field: '$.header'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RatchetMessageCiphertextFieldEvent {
    field: '$.ciphertext'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<RatchetMessage>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, RatchetMessage.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RatchetMessage>): RatchetMessage {
    return decodeMessage(buf, RatchetMessage.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RatchetMessage>): Generator<RatchetMessageHeaderFieldEvent | RatchetMessageCiphertextFieldEvent> {
    return streamMessage(buf, RatchetMessage.codec(), opts)
  }
}

export interface SessionRecord {
  version: number
  associatedData: Uint8Array<ArrayBuffer>
  remoteIdentityKey: Uint8Array<ArrayBuffer>
  remoteUsername: string
  baseKey: Uint8Array<ArrayBuffer>
  rootKey: Uint8Array<ArrayBuffer>
  sendingRatchetPrivate: Uint8Array<ArrayBuffer>
  sendingRatchetPublic: Uint8Array<ArrayBuffer>
  receivingRatchetKey?: Uint8Array<ArrayBuffer>
  sendingChainKey?: Uint8Array<ArrayBuffer>
  receivingChainKey?: Uint8Array<ArrayBuffer>
  sendCounter: number
  receiveCounter: number
  previousCounter: number
  skipped: SkippedChain[]
  pendingPreKey?: PendingPreKey
}

export namespace SessionRecord {
  let _codec: Codec<SessionRecord>

  export const codec = (): Codec<SessionRecord> => {
    if (_codec == null) {
      _codec = message<SessionRecord>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.version != null && obj.version !== 0)) {
          w.uint32(8)
          w.uint32(obj.version)
        }

        if ((obj.associatedData != null && obj.associatedData.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.associatedData)
        }

        if ((obj.remoteIdentityKey != null && obj.remoteIdentityKey.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.remoteIdentityKey)
        }

        if ((obj.remoteUsername != null && obj.remoteUsername !== '')) {
          w.uint32(34)
          w.string(obj.remoteUsername)
        }

        if ((obj.baseKey != null && obj.baseKey.byteLength > 0)) {
          w.uint32(42)
          w.bytes(obj.baseKey)
        }

        if ((obj.rootKey != null && obj.rootKey.byteLength > 0)) {
          w.uint32(50)
          w.bytes(obj.rootKey)
        }

        if ((obj.sendingRatchetPrivate != null && obj.sendingRatchetPrivate.byteLength > 0)) {
          w.uint32(58)
          w.bytes(obj.sendingRatchetPrivate)
        }

        if ((obj.sendingRatchetPublic != null && obj.sendingRatchetPublic.byteLength > 0)) {
          w.uint32(66)
          w.bytes(obj.sendingRatchetPublic)
        }

        if (obj.receivingRatchetKey != null) {
          w.uint32(74)
          w.bytes(obj.receivingRatchetKey)
        }

        if (obj.sendingChainKey != null) {
          w.uint32(82)
          w.bytes(obj.sendingChainKey)
        }

        if (obj.receivingChainKey != null) {
          w.uint32(90)
          w.bytes(obj.receivingChainKey)
        }

        if ((obj.sendCounter != null && obj.sendCounter !== 0)) {
          w.uint32(96)
          w.uint32(obj.sendCounter)
        }

        if ((obj.receiveCounter != null && obj.receiveCounter !== 0)) {
          w.uint32(104)
          w.uint32(obj.receiveCounter)
        }

        if ((obj.previousCounter != null && obj.previousCounter !== 0)) {
          w.uint32(112)
          w.uint32(obj.previousCounter)
        }

        if (obj.skipped != null && obj.skipped.length > 0) {
          for (const value of obj.skipped) {
            w.uint32(122)
            SkippedChain.codec().encode(value, w)
          }
        }

        if (obj.pendingPreKey != null) {
          w.uint32(130)
          PendingPreKey.codec().encode(obj.pendingPreKey, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          version: 0,
          associatedData: uint8ArrayAlloc(0),
          remoteIdentityKey: uint8ArrayAlloc(0),
          remoteUsername: '',
          baseKey: uint8ArrayAlloc(0),
          rootKey: uint8ArrayAlloc(0),
          sendingRatchetPrivate: uint8ArrayAlloc(0),
          sendingRatchetPublic: uint8ArrayAlloc(0),
          sendCounter: 0,
          receiveCounter: 0,
          previousCounter: 0,
          skipped: []
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
              obj.associatedData = reader.bytes()
              break
            }
            case 3: {
              obj.remoteIdentityKey = reader.bytes()
              break
            }
            case 4: {
              obj.remoteUsername = reader.string()
              break
            }
            case 5: {
              obj.baseKey = reader.bytes()
              break
            }
            case 6: {
              obj.rootKey = reader.bytes()
              break
            }
            case 7: {
              obj.sendingRatchetPrivate = reader.bytes()
              break
            }
            case 8: {
              obj.sendingRatchetPublic = reader.bytes()
              break
            }
            case 9: {
              obj.receivingRatchetKey = reader.bytes()
              break
            }
            case 10: {
              obj.sendingChainKey = reader.bytes()
              break
            }
            case 11: {
              obj.receivingChainKey = reader.bytes()
              break
            }
            case 12: {
              obj.sendCounter = reader.uint32()
              break
            }
            case 13: {
              obj.receiveCounter = reader.uint32()
              break
            }
            case 14: {
              obj.previousCounter = reader.uint32()
              break
            }
            case 15: {
              if (opts.limits?.skipped != null && obj.skipped.length === opts.limits.skipped) {
                throw new MaxLengthError('Decode error - repeated field "skipped" had too many elements')
              }

              obj.skipped.push(SkippedChain.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.skipped$
              }))
              break
            }
            case 16: {
              obj.pendingPreKey = PendingPreKey.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.pendingPreKey
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
        const obj = {
          skipped: 0
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
              yield {
                field: `${prefix}.associatedData`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.remoteIdentityKey`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.remoteUsername`,
                value: reader.string()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.baseKey`,
                value: reader.bytes()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.rootKey`,
                value: reader.bytes()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.sendingRatchetPrivate`,
                value: reader.bytes()
              }
              break
            }
            case 8: {
              yield {
                field: `${prefix}.sendingRatchetPublic`,
                value: reader.bytes()
              }
              break
            }
            case 9: {
              yield {
                field: `${prefix}.receivingRatchetKey`,
                value: reader.bytes()
              }
              break
            }
            case 10: {
              yield {
                field: `${prefix}.sendingChainKey`,
                value: reader.bytes()
              }
              break
            }
            case 11: {
              yield {
                field: `${prefix}.receivingChainKey`,
                value: reader.bytes()
              }
              break
            }
            case 12: {
              yield {
                field: `${prefix}.sendCounter`,
                value: reader.uint32()
              }
              break
            }
            case 13: {
              yield {
                field: `${prefix}.receiveCounter`,
                value: reader.uint32()
              }
              break
            }
            case 14: {
              yield {
                field: `${prefix}.previousCounter`,
                value: reader.uint32()
              }
              break
            }
            case 15: {
              if (opts.limits?.skipped != null && obj.skipped === opts.limits.skipped) {
                throw new MaxLengthError('Streaming decode error - repeated field "skipped" had too many elements')
              }

              for (const evt of SkippedChain.codec().stream(reader, reader.uint32(), `${prefix}.skipped[]`, {
                limits: opts.limits?.skipped$
              })) {
                yield {
                  ...evt,
                  index: obj.skipped
                }
              }

              obj.skipped++

              break
            }
            case 16: {
              yield * PendingPreKey.codec().stream(reader, reader.uint32(), `${prefix}.pendingPreKey`, {
                limits: opts.limits?.pendingPreKey
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

  export interface SessionRecordVersionFieldEvent {
    field: '$.version'
    value: number
  }

  export interface SessionRecordAssociatedDataFieldEvent {
    field: '$.associatedData'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SessionRecordRemoteIdentityKeyFieldEvent {
    field: '$.remoteIdentityKey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SessionRecordRemoteUsernameFieldEvent {
    field: '$.remoteUsername'
    value: string
  }

  export interface SessionRecordBaseKeyFieldEvent {
    field: '$.baseKey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SessionRecordRootKeyFieldEvent {
    field: '$.rootKey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SessionRecordSendingRatchetPrivateFieldEvent {
    field: '$.sendingRatchetPrivate'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SessionRecordSendingRatchetPublicFieldEvent {
    field: '$.sendingRatchetPublic'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SessionRecordReceivingRatchetKeyFieldEvent {
    field: '$.receivingRatchetKey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SessionRecordSendingChainKeyFieldEvent {
    field: '$.sendingChainKey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SessionRecordReceivingChainKeyFieldEvent {
    field: '$.receivingChainKey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SessionRecordSendCounterFieldEvent {
    field: '$.sendCounter'
    value: number
  }

  export interface SessionRecordReceiveCounterFieldEvent {
    field: '$.receiveCounter'
    value: number
  }

  export interface SessionRecordPreviousCounterFieldEvent {
    field: '$.previousCounter'
    value: number
  }

  export interface SessionRecordSkippedRatchetKeyFieldEvent {
    field: '$.skipped[].ratchetKey'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface SessionRecordSkippedKeysFieldEvent {
    field: '$.skipped[].keys'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface SessionRecordPendingPreKeyIdentityKeyFieldEvent {
    field: '$.pendingPreKey.identityKey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SessionRecordPendingPreKeyUsernameFieldEvent {
    field: '$.pendingPreKey.username'
    value: string
  }

  export interface SessionRecordPendingPreKeyBaseKeyFieldEvent {
    field: '$.pendingPreKey.baseKey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SessionRecordPendingPreKeySignedPreKeyIdFieldEvent {
    field: '$.pendingPreKey.signedPreKeyId'
    value: number
  }

  export interface SessionRecordPendingPreKeyOneTimePreKeyIdFieldEvent {
    field: '$.pendingPreKey.oneTimePreKeyId'
    value: number
  }

  export function encode (obj: Partial<SessionRecord>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SessionRecord.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SessionRecord>): SessionRecord {
    return decodeMessage(buf, SessionRecord.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SessionRecord>): Generator<SessionRecordVersionFieldEvent | SessionRecordAssociatedDataFieldEvent | SessionRecordRemoteIdentityKeyFieldEvent | SessionRecordRemoteUsernameFieldEvent | SessionRecordBaseKeyFieldEvent | SessionRecordRootKeyFieldEvent | SessionRecordSendingRatchetPrivateFieldEvent | SessionRecordSendingRatchetPublicFieldEvent | SessionRecordReceivingRatchetKeyFieldEvent | SessionRecordSendingChainKeyFieldEvent | SessionRecordReceivingChainKeyFieldEvent | SessionRecordSendCounterFieldEvent | SessionRecordReceiveCounterFieldEvent | SessionRecordPreviousCounterFieldEvent | SessionRecordSkippedRatchetKeyFieldEvent | SessionRecordSkippedKeysFieldEvent | SessionRecordPendingPreKeyIdentityKeyFieldEvent | SessionRecordPendingPreKeyUsernameFieldEvent | SessionRecordPendingPreKeyBaseKeyFieldEvent | SessionRecordPendingPreKeySignedPreKeyIdFieldEvent | SessionRecordPendingPreKeyOneTimePreKeyIdFieldEvent> {
    return streamMessage(buf, SessionRecord.codec(), opts)
  }
}

export interface SkippedChain {
  ratchetKey: Uint8Array<ArrayBuffer>
  keys: Uint8Array<ArrayBuffer>
}

export namespace SkippedChain {
  let _codec: Codec<SkippedChain>

  export const codec = (): Codec<SkippedChain> => {
    if (_codec == null) {
      _codec = message<SkippedChain>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.ratchetKey != null && obj.ratchetKey.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.ratchetKey)
        }

        if ((obj.keys != null && obj.keys.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.keys)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          ratchetKey: uint8ArrayAlloc(0),
          keys: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.ratchetKey = reader.bytes()
              break
            }
            case 2: {
              obj.keys = reader.bytes()
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
                field: `${prefix}.ratchetKey`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.keys`,
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

  export interface SkippedChainRatchetKeyFieldEvent {
    field: '$.ratchetKey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SkippedChainKeysFieldEvent {
    field: '$.keys'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<SkippedChain>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SkippedChain.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SkippedChain>): SkippedChain {
    return decodeMessage(buf, SkippedChain.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SkippedChain>): Generator<SkippedChainRatchetKeyFieldEvent | SkippedChainKeysFieldEvent> {
    return streamMessage(buf, SkippedChain.codec(), opts)
  }
}

export interface PendingPreKey {
  identityKey: Uint8Array<ArrayBuffer>
  username: string
  baseKey: Uint8Array<ArrayBuffer>
  signedPreKeyId: number
  oneTimePreKeyId?: number
}

export namespace PendingPreKey {
  let _codec: Codec<PendingPreKey>

  export const codec = (): Codec<PendingPreKey> => {
    if (_codec == null) {
      _codec = message<PendingPreKey>((obj, w, opts = {}) => {
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

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          identityKey: uint8ArrayAlloc(0),
          username: '',
          baseKey: uint8ArrayAlloc(0),
          signedPreKeyId: 0
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

  export interface PendingPreKeyIdentityKeyFieldEvent {
    field: '$.identityKey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface PendingPreKeyUsernameFieldEvent {
    field: '$.username'
    value: string
  }

  export interface PendingPreKeyBaseKeyFieldEvent {
    field: '$.baseKey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface PendingPreKeySignedPreKeyIdFieldEvent {
    field: '$.signedPreKeyId'
    value: number
  }

  export interface PendingPreKeyOneTimePreKeyIdFieldEvent {
    field: '$.oneTimePreKeyId'
    value: number
  }

  export function encode (obj: Partial<PendingPreKey>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, PendingPreKey.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PendingPreKey>): PendingPreKey {
    return decodeMessage(buf, PendingPreKey.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PendingPreKey>): Generator<PendingPreKeyIdentityKeyFieldEvent | PendingPreKeyUsernameFieldEvent | PendingPreKeyBaseKeyFieldEvent | PendingPreKeySignedPreKeyIdFieldEvent | PendingPreKeyOneTimePreKeyIdFieldEvent> {
    return streamMessage(buf, PendingPreKey.codec(), opts)
  }
}
