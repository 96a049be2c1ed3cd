import { decodeMessage, encodeMessage, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface FileOffer {
  id: Uint8Array<ArrayBuffer>
  name: string
  size: number
  chunkSize: number
  root: Uint8Array<ArrayBuffer>
  key: Uint8Array<ArrayBuffer>
  sha256: Uint8Array<ArrayBuffer>
}

export namespace FileOffer {
  let _codec: Codec<FileOffer>

  export const codec = (): Codec<FileOffer> => {
    if (_codec == null) {
      _codec = message<FileOffer>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.id != null && obj.id.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.id)
        }

        if ((obj.name != null && obj.name !== '')) {
          w.uint32(18)
          w.string(obj.name)
        }

        if ((obj.size != null && obj.size !== 0)) {
          w.uint32(24)
          w.uint64Number(obj.size)
        }

        if ((obj.chunkSize != null && obj.chunkSize !== 0)) {
          w.uint32(32)
          w.uint32(obj.chunkSize)
        }

        if ((obj.root != null && obj.root.byteLength > 0)) {
          w.uint32(42)
          w.bytes(obj.root)
        }

        if ((obj.key != null && obj.key.byteLength > 0)) {
          w.uint32(50)
          w.bytes(obj.key)
        }

        if ((obj.sha256 != null && obj.sha256.byteLength > 0)) {
          w.uint32(58)
          w.bytes(obj.sha256)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          id: uint8ArrayAlloc(0),
          name: '',
          size: 0,
          chunkSize: 0,
          root: uint8ArrayAlloc(0),
          key: uint8ArrayAlloc(0),
          sha256: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.id = reader.bytes()
              break
            }
            case 2: {
              obj.name = reader.string()
              break
            }
            case 3: {
              obj.size = reader.uint64Number()
              break
            }
            case 4: {
              obj.chunkSize = reader.uint32()
              break
            }
            case 5: {
              obj.root = reader.bytes()
              break
            }
            case 6: {
              obj.key = reader.bytes()
              break
            }
            case 7: {
              obj.sha256 = reader.bytes()
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
                value: reader.bytes()
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
                field: `${prefix}.size`,
                value: reader.uint64Number()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.chunkSize`,
                value: reader.uint32()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.root`,
                value: reader.bytes()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.key`,
                value: reader.bytes()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.sha256`,
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

  export interface FileOfferIdFieldEvent {
    field: '$.id'
    value: Uint8Array<ArrayBuffer>
  }

  export interface FileOfferNameFieldEvent {
    field: '$.name'
    value: string
  }

  export interface FileOfferSizeFieldEvent {
    field: '$.size'
    value: number
  }

  export interface FileOfferChunkSizeFieldEvent {
    field: '$.chunkSize'
    value: number
  }

  export interface FileOfferRootFieldEvent {
    field: '$.root'
    value: Uint8Array<ArrayBuffer>
  }

  export interface FileOfferKeyFieldEvent {
    field: '$.key'
    value: Uint8Array<ArrayBuffer>
  }

  export interface FileOfferSha256FieldEvent {
    field: '$.sha256'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<FileOffer>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, FileOffer.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FileOffer>): FileOffer {
    return decodeMessage(buf, FileOffer.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FileOffer>): Generator<FileOfferIdFieldEvent | FileOfferNameFieldEvent | FileOfferSizeFieldEvent | FileOfferChunkSizeFieldEvent | FileOfferRootFieldEvent | FileOfferKeyFieldEvent | FileOfferSha256FieldEvent> {
    return streamMessage(buf, FileOffer.codec(), opts)
  }
}

export interface FileRequest {
  hello?: FileHello
  want: number[]
  done: boolean
  upload?: FileUpload
  chunk?: FileChunk
  remove?: FileRemove
  copy?: FileCopy
}

export namespace FileRequest {
  let _codec: Codec<FileRequest>

  export const codec = (): Codec<FileRequest> => {
    if (_codec == null) {
      _codec = message<FileRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.hello != null) {
          w.uint32(10)
          FileHello.codec().encode(obj.hello, w)
        }

        if (obj.want != null && obj.want.length > 0) {
          for (const value of obj.want) {
            w.uint32(16)
            w.uint32(value)
          }
        }

        if ((obj.done != null && obj.done !== false)) {
          w.uint32(24)
          w.bool(obj.done)
        }

        if (obj.upload != null) {
          w.uint32(34)
          FileUpload.codec().encode(obj.upload, w)
        }

        if (obj.chunk != null) {
          w.uint32(42)
          FileChunk.codec().encode(obj.chunk, w)
        }

        if (obj.remove != null) {
          w.uint32(50)
          FileRemove.codec().encode(obj.remove, w)
        }

        if (obj.copy != null) {
          w.uint32(58)
          FileCopy.codec().encode(obj.copy, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          want: [],
          done: false
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.hello = FileHello.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.hello
              })
              break
            }
            case 2: {
              if (opts.limits?.want != null && obj.want.length === opts.limits.want) {
                throw new MaxLengthError('Decode error - repeated field "want" had too many elements')
              }

              obj.want.push(reader.uint32())
              break
            }
            case 3: {
              obj.done = reader.bool()
              break
            }
            case 4: {
              obj.upload = FileUpload.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.upload
              })
              break
            }
            case 5: {
              obj.chunk = FileChunk.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.chunk
              })
              break
            }
            case 6: {
              obj.remove = FileRemove.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.remove
              })
              break
            }
            case 7: {
              obj.copy = FileCopy.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.copy
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
          want: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield * FileHello.codec().stream(reader, reader.uint32(), `${prefix}.hello`, {
                limits: opts.limits?.hello
              })

              break
            }
            case 2: {
              if (opts.limits?.want != null && obj.want === opts.limits.want) {
                throw new MaxLengthError('Streaming decode error - repeated field "want" had too many elements')
              }

              yield {
                field: `${prefix}.want[]`,
                index: obj.want,
                value: reader.uint32()
              }

              obj.want++

              break
            }
            case 3: {
              yield {
                field: `${prefix}.done`,
                value: reader.bool()
              }
              break
            }
            case 4: {
              yield * FileUpload.codec().stream(reader, reader.uint32(), `${prefix}.upload`, {
                limits: opts.limits?.upload
              })

              break
            }
            case 5: {
              yield * FileChunk.codec().stream(reader, reader.uint32(), `${prefix}.chunk`, {
                limits: opts.limits?.chunk
              })

              break
            }
            case 6: {
              yield * FileRemove.codec().stream(reader, reader.uint32(), `${prefix}.remove`, {
                limits: opts.limits?.remove
              })

              break
            }
            case 7: {
              yield * FileCopy.codec().stream(reader, reader.uint32(), `${prefix}.copy`, {
                limits: opts.limits?.copy
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

  export interface FileRequestHelloFileFieldEvent {
    field: '$.hello.file'
    value: Uint8Array<ArrayBuffer>
  }

  export interface FileRequestHelloProofFieldEvent {
    field: '$.hello.proof'
    value: Uint8Array<ArrayBuffer>
  }

  export interface FileRequestHelloManifestFieldEvent {
    field: '$.hello.manifest'
    value: boolean
  }

  export interface FileRequestHelloReplicaFieldEvent {
    field: '$.hello.replica'
    value: boolean
  }

  export interface FileRequestWantFieldEvent {
    field: '$.want[]'
    index: number
    value: number
  }

  export interface FileRequestDoneFieldEvent {
    field: '$.done'
    value: boolean
  }

  export interface FileRequestUploadFileFieldEvent {
    field: '$.upload.file'
    value: Uint8Array<ArrayBuffer>
  }

  export interface FileRequestUploadIdentityTokenFieldEvent {
    field: '$.upload.identityToken'
    value: string
  }

  export interface FileRequestUploadProofFieldEvent {
    field: '$.upload.proof'
    value: Uint8Array<ArrayBuffer>
  }

  export interface FileRequestUploadAccessKeyFieldEvent {
    field: '$.upload.accessKey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface FileRequestUploadSizeFieldEvent {
    field: '$.upload.size'
    value: number
  }

  export interface FileRequestUploadChunkSizeFieldEvent {
    field: '$.upload.chunkSize'
    value: number
  }

  export interface FileRequestUploadManifestFieldEvent {
    field: '$.upload.manifest'
    value: Uint8Array<ArrayBuffer>
  }

  export interface FileRequestChunkIndexFieldEvent {
    field: '$.chunk.index'
    value: number
  }

  export interface FileRequestChunkDataFieldEvent {
    field: '$.chunk.data'
    value: Uint8Array<ArrayBuffer>
  }

  export interface FileRequestRemoveFileFieldEvent {
    field: '$.remove.file'
    value: Uint8Array<ArrayBuffer>
  }

  export interface FileRequestRemoveIdentityTokenFieldEvent {
    field: '$.remove.identityToken'
    value: string
  }

  export interface FileRequestRemoveProofFieldEvent {
    field: '$.remove.proof'
    value: Uint8Array<ArrayBuffer>
  }

  export interface FileRequestCopyFileFieldEvent {
    field: '$.copy.file'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<FileRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, FileRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FileRequest>): FileRequest {
    return decodeMessage(buf, FileRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FileRequest>): Generator<FileRequestHelloFileFieldEvent | FileRequestHelloProofFieldEvent | FileRequestHelloManifestFieldEvent | FileRequestHelloReplicaFieldEvent | FileRequestWantFieldEvent | FileRequestDoneFieldEvent | FileRequestUploadFileFieldEvent | FileRequestUploadIdentityTokenFieldEvent | FileRequestUploadProofFieldEvent | FileRequestUploadAccessKeyFieldEvent | FileRequestUploadSizeFieldEvent | FileRequestUploadChunkSizeFieldEvent | FileRequestUploadManifestFieldEvent | FileRequestChunkIndexFieldEvent | FileRequestChunkDataFieldEvent | FileRequestRemoveFileFieldEvent | FileRequestRemoveIdentityTokenFieldEvent | FileRequestRemoveProofFieldEvent | FileRequestCopyFileFieldEvent> {
    return streamMessage(buf, FileRequest.codec(), opts)
  }
}

export interface FileHello {
  file: Uint8Array<ArrayBuffer>
  proof: Uint8Array<ArrayBuffer>
  manifest: boolean
  replica?: boolean
}

export namespace FileHello {
  let _codec: Codec<FileHello>

  export const codec = (): Codec<FileHello> => {
    if (_codec == null) {
      _codec = message<FileHello>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.file != null && obj.file.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.file)
        }

        if ((obj.proof != null && obj.proof.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.proof)
        }

        if ((obj.manifest != null && obj.manifest !== false)) {
          w.uint32(24)
          w.bool(obj.manifest)
        }

        if (obj.replica != null) {
          w.uint32(32)
          w.bool(obj.replica)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          file: uint8ArrayAlloc(0),
          proof: uint8ArrayAlloc(0),
          manifest: false
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.file = reader.bytes()
              break
            }
            case 2: {
              obj.proof = reader.bytes()
              break
            }
            case 3: {
              obj.manifest = reader.bool()
              break
            }
            case 4: {
              obj.replica = reader.bool()
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
                field: `${prefix}.file`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.proof`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.manifest`,
                value: reader.bool()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.replica`,
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

  export interface FileHelloFileFieldEvent {
    field: '$.file'
    value: Uint8Array<ArrayBuffer>
  }

  export interface FileHelloProofFieldEvent {
    field: '$.proof'
    value: Uint8Array<ArrayBuffer>
  }

  export interface FileHelloManifestFieldEvent {
    field: '$.manifest'
    value: boolean
  }

  export interface FileHelloReplicaFieldEvent {
    field: '$.replica'
    value: boolean
  }

  export function encode (obj: Partial<FileHello>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, FileHello.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FileHello>): FileHello {
    return decodeMessage(buf, FileHello.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FileHello>): Generator<FileHelloFileFieldEvent | FileHelloProofFieldEvent | FileHelloManifestFieldEvent | FileHelloReplicaFieldEvent> {
    return streamMessage(buf, FileHello.codec(), opts)
  }
}

export interface FileUpload {
  file: Uint8Array<ArrayBuffer>
  identityToken: string
  proof: Uint8Array<ArrayBuffer>
  accessKey: Uint8Array<ArrayBuffer>
  size: number
  chunkSize: number
  manifest: Uint8Array<ArrayBuffer>
}

export namespace FileUpload {
  let _codec: Codec<FileUpload>

  export const codec = (): Codec<FileUpload> => {
    if (_codec == null) {
      _codec = message<FileUpload>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.file != null && obj.file.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.file)
        }

        if ((obj.identityToken != null && obj.identityToken !== '')) {
          w.uint32(18)
          w.string(obj.identityToken)
        }

        if ((obj.proof != null && obj.proof.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.proof)
        }

        if ((obj.accessKey != null && obj.accessKey.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.accessKey)
        }

        if ((obj.size != null && obj.size !== 0)) {
          w.uint32(40)
          w.uint64Number(obj.size)
        }

        if ((obj.chunkSize != null && obj.chunkSize !== 0)) {
          w.uint32(48)
          w.uint32(obj.chunkSize)
        }

        if ((obj.manifest != null && obj.manifest.byteLength > 0)) {
          w.uint32(58)
          w.bytes(obj.manifest)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          file: uint8ArrayAlloc(0),
          identityToken: '',
          proof: uint8ArrayAlloc(0),
          accessKey: uint8ArrayAlloc(0),
          size: 0,
          chunkSize: 0,
          manifest: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.file = reader.bytes()
              break
            }
            case 2: {
              obj.identityToken = reader.string()
              break
            }
            case 3: {
              obj.proof = reader.bytes()
              break
            }
            case 4: {
              obj.accessKey = reader.bytes()
              break
            }
            case 5: {
              obj.size = reader.uint64Number()
              break
            }
            case 6: {
              obj.chunkSize = reader.uint32()
              break
            }
            case 7: {
              obj.manifest = reader.bytes()
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
                field: `${prefix}.file`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.identityToken`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.proof`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.accessKey`,
                value: reader.bytes()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.size`,
                value: reader.uint64Number()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.chunkSize`,
                value: reader.uint32()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.manifest`,
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

  export interface FileUploadFileFieldEvent {
    field: '$.file'
    value: Uint8Array<ArrayBuffer>
  }

  export interface FileUploadIdentityTokenFieldEvent {
    field: '$.identityToken'
    value: string
  }

  export interface FileUploadProofFieldEvent {
    field: '$.proof'
    value: Uint8Array<ArrayBuffer>
  }

  export interface FileUploadAccessKeyFieldEvent {
    field: '$.accessKey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface FileUploadSizeFieldEvent {
    field: '$.size'
    value: number
  }

  export interface FileUploadChunkSizeFieldEvent {
    field: '$.chunkSize'
    value: number
  }

  export interface FileUploadManifestFieldEvent {
    field: '$.manifest'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<FileUpload>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, FileUpload.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FileUpload>): FileUpload {
    return decodeMessage(buf, FileUpload.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FileUpload>): Generator<FileUploadFileFieldEvent | FileUploadIdentityTokenFieldEvent | FileUploadProofFieldEvent | FileUploadAccessKeyFieldEvent | FileUploadSizeFieldEvent | FileUploadChunkSizeFieldEvent | FileUploadManifestFieldEvent> {
    return streamMessage(buf, FileUpload.codec(), opts)
  }
}

export interface FileRemove {
  file: Uint8Array<ArrayBuffer>
  identityToken: string
  proof: Uint8Array<ArrayBuffer>
}

export namespace FileRemove {
  let _codec: Codec<FileRemove>

  export const codec = (): Codec<FileRemove> => {
    if (_codec == null) {
      _codec = message<FileRemove>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.file != null && obj.file.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.file)
        }

        if ((obj.identityToken != null && obj.identityToken !== '')) {
          w.uint32(18)
          w.string(obj.identityToken)
        }

        if ((obj.proof != null && obj.proof.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.proof)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          file: uint8ArrayAlloc(0),
          identityToken: '',
          proof: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.file = reader.bytes()
              break
            }
            case 2: {
              obj.identityToken = reader.string()
              break
            }
            case 3: {
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
                field: `${prefix}.file`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.identityToken`,
                value: reader.string()
              }
              break
            }
            case 3: {
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

  export interface FileRemoveFileFieldEvent {
    field: '$.file'
    value: Uint8Array<ArrayBuffer>
  }

  export interface FileRemoveIdentityTokenFieldEvent {
    field: '$.identityToken'
    value: string
  }

  export interface FileRemoveProofFieldEvent {
    field: '$.proof'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<FileRemove>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, FileRemove.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FileRemove>): FileRemove {
    return decodeMessage(buf, FileRemove.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FileRemove>): Generator<FileRemoveFileFieldEvent | FileRemoveIdentityTokenFieldEvent | FileRemoveProofFieldEvent> {
    return streamMessage(buf, FileRemove.codec(), opts)
  }
}

export interface FileCopy {
  file: Uint8Array<ArrayBuffer>
}

export namespace FileCopy {
  let _codec: Codec<FileCopy>

  export const codec = (): Codec<FileCopy> => {
    if (_codec == null) {
      _codec = message<FileCopy>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.file != null && obj.file.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.file)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          file: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.file = reader.bytes()
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
                field: `${prefix}.file`,
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

  export interface FileCopyFileFieldEvent {
    field: '$.file'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<FileCopy>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, FileCopy.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FileCopy>): FileCopy {
    return decodeMessage(buf, FileCopy.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FileCopy>): Generator<FileCopyFileFieldEvent> {
    return streamMessage(buf, FileCopy.codec(), opts)
  }
}

export interface FileReply {
  have?: FileHave
  manifest?: Uint8Array<ArrayBuffer>
  chunk?: FileChunk
  error?: FileRefusal
  stored?: number
}

export namespace FileReply {
  let _codec: Codec<FileReply>

  export const codec = (): Codec<FileReply> => {
    if (_codec == null) {
      _codec = message<FileReply>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.have != null) {
          w.uint32(10)
          FileHave.codec().encode(obj.have, w)
        }

        if (obj.manifest != null) {
          w.uint32(18)
          w.bytes(obj.manifest)
        }

        if (obj.chunk != null) {
          w.uint32(26)
          FileChunk.codec().encode(obj.chunk, w)
        }

        if (obj.error != null) {
          w.uint32(34)
          FileRefusal.codec().encode(obj.error, w)
        }

        if (obj.stored != null) {
          w.uint32(40)
          w.uint32(obj.stored)
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
              obj.have = FileHave.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.have
              })
              break
            }
            case 2: {
              obj.manifest = reader.bytes()
              break
            }
            case 3: {
              obj.chunk = FileChunk.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.chunk
              })
              break
            }
            case 4: {
              obj.error = FileRefusal.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.error
              })
              break
            }
            case 5: {
              obj.stored = reader.uint32()
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
              yield * FileHave.codec().stream(reader, reader.uint32(), `${prefix}.have`, {
                limits: opts.limits?.have
              })

              break
            }
            case 2: {
              yield {
                field: `${prefix}.manifest`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield * FileChunk.codec().stream(reader, reader.uint32(), `${prefix}.chunk`, {
                limits: opts.limits?.chunk
              })

              break
            }
            case 4: {
              yield * FileRefusal.codec().stream(reader, reader.uint32(), `${prefix}.error`, {
                limits: opts.limits?.error
              })

              break
            }
            case 5: {
              yield {
                field: `${prefix}.stored`,
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

  export interface FileReplyHaveAllFieldEvent {
    field: '$.have.all'
    value: boolean
  }

  export interface FileReplyHaveBitmapFieldEvent {
    field: '$.have.bitmap'
    value: Uint8Array<ArrayBuffer>
  }

  export interface FileReplyManifestFieldEvent {
    field: '$.manifest'
    value: Uint8Array<ArrayBuffer>
  }

  export interface FileReplyChunkIndexFieldEvent {
    field: '$.chunk.index'
    value: number
  }

  export interface FileReplyChunkDataFieldEvent {
    field: '$.chunk.data'
    value: Uint8Array<ArrayBuffer>
  }

  export interface FileReplyErrorCodeFieldEvent {
    field: '$.error.code'
    value: string
  }

  export interface FileReplyErrorMessageFieldEvent {
    field: '$.error.message'
    value: string
  }

  export interface FileReplyErrorIndexFieldEvent {
    field: '$.error.index'
    value: number
  }

  export interface FileReplyStoredFieldEvent {
    field: '$.stored'
    value: number
  }

  export function encode (obj: Partial<FileReply>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, FileReply.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FileReply>): FileReply {
    return decodeMessage(buf, FileReply.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FileReply>): Generator<FileReplyHaveAllFieldEvent | FileReplyHaveBitmapFieldEvent | FileReplyManifestFieldEvent | FileReplyChunkIndexFieldEvent | FileReplyChunkDataFieldEvent | FileReplyErrorCodeFieldEvent | FileReplyErrorMessageFieldEvent | FileReplyErrorIndexFieldEvent | FileReplyStoredFieldEvent> {
    return streamMessage(buf, FileReply.codec(), opts)
  }
}

export interface FileHave {
  all: boolean
  bitmap: Uint8Array<ArrayBuffer>
}

export namespace FileHave {
  let _codec: Codec<FileHave>

  export const codec = (): Codec<FileHave> => {
    if (_codec == null) {
      _codec = message<FileHave>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.all != null && obj.all !== false)) {
          w.uint32(8)
          w.bool(obj.all)
        }

        if ((obj.bitmap != null && obj.bitmap.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.bitmap)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          all: false,
          bitmap: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.all = reader.bool()
              break
            }
            case 2: {
              obj.bitmap = reader.bytes()
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
                field: `${prefix}.all`,
                value: reader.bool()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.bitmap`,
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

  export interface FileHaveAllFieldEvent {
    field: '$.all'
    value: boolean
  }

  export interface FileHaveBitmapFieldEvent {
    field: '$.bitmap'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<FileHave>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, FileHave.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FileHave>): FileHave {
    return decodeMessage(buf, FileHave.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FileHave>): Generator<FileHaveAllFieldEvent | FileHaveBitmapFieldEvent> {
    return streamMessage(buf, FileHave.codec(), opts)
  }
}

export interface FileChunk {
  index: number
  data: Uint8Array<ArrayBuffer>
}

export namespace FileChunk {
  let _codec: Codec<FileChunk>

  export const codec = (): Codec<FileChunk> => {
    if (_codec == null) {
      _codec = message<FileChunk>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.index != null && obj.index !== 0)) {
          w.uint32(8)
          w.uint32(obj.index)
        }

        if ((obj.data != null && obj.data.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.data)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          index: 0,
          data: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.index = reader.uint32()
              break
            }
            case 2: {
              obj.data = reader.bytes()
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
                field: `${prefix}.index`,
                value: reader.uint32()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.data`,
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

  export interface FileChunkIndexFieldEvent {
    field: '$.index'
    value: number
  }

  export interface FileChunkDataFieldEvent {
    field: '$.data'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<FileChunk>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, FileChunk.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FileChunk>): FileChunk {
    return decodeMessage(buf, FileChunk.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FileChunk>): Generator<FileChunkIndexFieldEvent | FileChunkDataFieldEvent> {
    return streamMessage(buf, FileChunk.codec(), opts)
  }
}

export interface FileRefusal {
  code: string
  message: string
  index?: number
}

export namespace FileRefusal {
  let _codec: Codec<FileRefusal>

  export const codec = (): Codec<FileRefusal> => {
    if (_codec == null) {
      _codec = message<FileRefusal>((obj, w, opts = {}) => {
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

        if (obj.index != null) {
          w.uint32(24)
          w.uint32(obj.index)
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
            case 3: {
              obj.index = reader.uint32()
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
                field: `${prefix}.index`,
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

  export interface FileRefusalCodeFieldEvent {
    field: '$.code'
    value: string
  }

  export interface FileRefusalMessageFieldEvent {
    field: '$.message'
    value: string
  }

  export interface FileRefusalIndexFieldEvent {
    field: '$.index'
    value: number
  }

  export function encode (obj: Partial<FileRefusal>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, FileRefusal.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FileRefusal>): FileRefusal {
    return decodeMessage(buf, FileRefusal.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FileRefusal>): Generator<FileRefusalCodeFieldEvent | FileRefusalMessageFieldEvent | FileRefusalIndexFieldEvent> {
    return streamMessage(buf, FileRefusal.codec(), opts)
  }
}
