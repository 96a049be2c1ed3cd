import { decodeMessage, encodeMessage, enumeration, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface ReplicaFrame {
  kind: ReplicaFrame.Kind
  docs: DocState[]
  doc: string
  epoch: number
  sync: Uint8Array<ArrayBuffer>
  sv: Uint8Array<ArrayBuffer>
  ack: bigint
}

export namespace ReplicaFrame {
  export enum Kind {
    HELLO = 'HELLO',
    HELLO_DONE = 'HELLO_DONE',
    SYNC = 'SYNC',
    PERSISTED = 'PERSISTED'
  }

  enum __KindValues {
    HELLO = 0,
    HELLO_DONE = 1,
    SYNC = 2,
    PERSISTED = 3
  }

  export namespace Kind {
    export const codec = (): Codec<Kind> => {
      return enumeration<Kind>(__KindValues)
    }
  }

  let _codec: Codec<ReplicaFrame>

  export const codec = (): Codec<ReplicaFrame> => {
    if (_codec == null) {
      _codec = message<ReplicaFrame>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.kind != null && __KindValues[obj.kind] !== 0) {
          w.uint32(8)
          ReplicaFrame.Kind.codec().encode(obj.kind, w)
        }

        if (obj.docs != null && obj.docs.length > 0) {
          for (const value of obj.docs) {
            w.uint32(18)
            DocState.codec().encode(value, w)
          }
        }

        if ((obj.doc != null && obj.doc !== '')) {
          w.uint32(26)
          w.string(obj.doc)
        }

        if ((obj.epoch != null && obj.epoch !== 0)) {
          w.uint32(32)
          w.uint32(obj.epoch)
        }

        if ((obj.sync != null && obj.sync.byteLength > 0)) {
          w.uint32(42)
          w.bytes(obj.sync)
        }

        if ((obj.sv != null && obj.sv.byteLength > 0)) {
          w.uint32(50)
          w.bytes(obj.sv)
        }

        if ((obj.ack != null && obj.ack !== 0n)) {
          w.uint32(56)
          w.uint64(obj.ack)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          kind: Kind.HELLO,
          docs: [],
          doc: '',
          epoch: 0,
          sync: uint8ArrayAlloc(0),
          sv: uint8ArrayAlloc(0),
          ack: 0n
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.kind = ReplicaFrame.Kind.codec().decode(reader)
              break
            }
            case 2: {
              if (opts.limits?.docs != null && obj.docs.length === opts.limits.docs) {
                throw new MaxLengthError('Decode error - repeated field "docs" had too many elements')
              }

              obj.docs.push(DocState.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.docs$
              }))
              break
            }
            case 3: {
              obj.doc = reader.string()
              break
            }
            case 4: {
              obj.epoch = reader.uint32()
              break
            }
            case 5: {
              obj.sync = reader.bytes()
              break
            }
            case 6: {
              obj.sv = reader.bytes()
              break
            }
            case 7: {
              obj.ack = reader.uint64()
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
          docs: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.kind`,
                value: ReplicaFrame.Kind.codec().decode(reader)
              }
              break
            }
            case 2: {
              if (opts.limits?.docs != null && obj.docs === opts.limits.docs) {
                throw new MaxLengthError('Streaming decode error - repeated field "docs" had too many elements')
              }

              for (const evt of DocState.codec().stream(reader, reader.uint32(), `${prefix}.docs[]`, {
                limits: opts.limits?.docs$
              })) {
                yield {
                  ...evt,
                  index: obj.docs
                }
              }

              obj.docs++

              break
            }
            case 3: {
              yield {
                field: `${prefix}.doc`,
                value: reader.string()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.epoch`,
                value: reader.uint32()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.sync`,
                value: reader.bytes()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.sv`,
                value: reader.bytes()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.ack`,
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

  export interface ReplicaFrameKindFieldEvent {
    field: '$.kind'
    value: ReplicaFrame.Kind
  }

  export interface ReplicaFrameDocsNameFieldEvent {
    field: '$.docs[].name'
    value: string
    index: number
  }

  export interface ReplicaFrameDocsEpochFieldEvent {
    field: '$.docs[].epoch'
    value: number
    index: number
  }

  export interface ReplicaFrameDocsSvFieldEvent {
    field: '$.docs[].sv'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface ReplicaFrameDocFieldEvent {
    field: '$.doc'
    value: string
  }

  export interface ReplicaFrameEpochFieldEvent {
    field: '$.epoch'
    value: number
  }

  export interface ReplicaFrameSyncFieldEvent {
    field: '$.sync'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ReplicaFrameSvFieldEvent {
    field: '$.sv'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ReplicaFrameAckFieldEvent {
    field: '$.ack'
    value: bigint
  }

  export function encode (obj: Partial<ReplicaFrame>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ReplicaFrame.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ReplicaFrame>): ReplicaFrame {
    return decodeMessage(buf, ReplicaFrame.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ReplicaFrame>): Generator<ReplicaFrameKindFieldEvent | ReplicaFrameDocsNameFieldEvent | ReplicaFrameDocsEpochFieldEvent | ReplicaFrameDocsSvFieldEvent | ReplicaFrameDocFieldEvent | ReplicaFrameEpochFieldEvent | ReplicaFrameSyncFieldEvent | ReplicaFrameSvFieldEvent | ReplicaFrameAckFieldEvent> {
    return streamMessage(buf, ReplicaFrame.codec(), opts)
  }
}

export interface DocState {
  name: string
  epoch: number
  sv: Uint8Array<ArrayBuffer>
}

export namespace DocState {
  let _codec: Codec<DocState>

  export const codec = (): Codec<DocState> => {
    if (_codec == null) {
      _codec = message<DocState>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.name != null && obj.name !== '')) {
          w.uint32(10)
          w.string(obj.name)
        }

        if ((obj.epoch != null && obj.epoch !== 0)) {
          w.uint32(16)
          w.uint32(obj.epoch)
        }

        if ((obj.sv != null && obj.sv.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.sv)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          name: '',
          epoch: 0,
          sv: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.name = reader.string()
              break
            }
            case 2: {
              obj.epoch = reader.uint32()
              break
            }
            case 3: {
              obj.sv = reader.bytes()
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
                field: `${prefix}.name`,
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
                field: `${prefix}.sv`,
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

  export interface DocStateNameFieldEvent {
    field: '$.name'
    value: string
  }

  export interface DocStateEpochFieldEvent {
    field: '$.epoch'
    value: number
  }

  export interface DocStateSvFieldEvent {
    field: '$.sv'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<DocState>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, DocState.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DocState>): DocState {
    return decodeMessage(buf, DocState.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DocState>): Generator<DocStateNameFieldEvent | DocStateEpochFieldEvent | DocStateSvFieldEvent> {
    return streamMessage(buf, DocState.codec(), opts)
  }
}
